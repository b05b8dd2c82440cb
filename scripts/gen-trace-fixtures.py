#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Write the OTLP JSON fixtures of tests/cases/traces/ (deterministic: fixed seed).

  chain.otlp.json    three hand-built traces whose critical paths are worked out by hand in
                     docs/TRACES.md: a clean gateway -> feature-store -> postgresql / model-server
                     trace, the same with the feature store's clock 3 ms behind (its spans are
                     clipped into the client span), a trace whose root never arrived (orphans),
                     and one whose first feature-store call timed out after 50 ms and was retried
  windows.otlp.json  two one-minute windows of 60 traces each from 2025-11-25T14:05:00Z; in the
                     second, the network between gateway and feature-store adds 40 ms to every call
                     (the client span grows, the feature store's server span does not)

Usage: /usr/bin/python3 scripts/gen-trace-fixtures.py tests/cases/traces
"""
import json
import os
import random
import sys

T0 = 1764079500000000000  # 2025-11-25T14:05:00Z
MS = 1000000


def span(tid, sid, parent, name, kind, start, end, attrs=None, status=0, events=None):
    s = {"traceId": tid, "spanId": sid, "parentSpanId": parent, "name": name, "kind": kind,
         "startTimeUnixNano": str(start), "endTimeUnixNano": str(end),
         "attributes": [{"key": k, "value": ({"stringValue": v} if isinstance(v, str)
                                            else {"intValue": str(v)})}
                        for k, v in (attrs or {}).items()],
         "status": {"code": status}}
    if events:
        s["events"] = events
    return s


def export(by_service):
    return {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
         "scopeSpans": [{"scope": {"name": "fixture"}, "spans": spans}]}
        for svc, spans in by_service.items() if spans]}


def chain_trace(tid, t, net_ms=0.0, skew_ms=0.0, rng=None, model_ms=9.0, drop_root=False):
    """gateway POST /score -> feature-store GET /features (-> postgresql) -> model-server."""
    j = (lambda: rng.uniform(-0.2, 0.2)) if rng else (lambda: 0.0)
    g, f, m = [], [], []
    a = lambda ms: t + int(ms * MS)
    fs = lambda ms: t + int((ms - skew_ms) * MS)  # the feature store's clock
    fetch_end = 6 + net_ms + j()
    if not drop_root:
        g.append(span(tid, "%016x" % 1, "", "POST /score", 2, a(0), a(fetch_end + 14 + model_ms - 9)))
    g.append(span(tid, "%016x" % 2, "%016x" % 1, "GET /features", 3, a(1), a(fetch_end),
                  {"peer.service": "feature-store", "server.address": "fs.local"}))
    f.append(span(tid, "%016x" % 3, "%016x" % 2, "GET /features", 2, fs(2 + net_ms / 2), fs(5 + net_ms / 2)))
    f.append(span(tid, "%016x" % 6, "%016x" % 3, "SELECT user_features", 3, fs(2.5 + net_ms / 2),
                  fs(4.5 + net_ms / 2), {"db.system": "postgresql", "server.address": "pg.local"}))
    p0 = fetch_end + 1
    g.append(span(tid, "%016x" % 4, "%016x" % 1, "POST /predict", 3, a(p0), a(p0 + model_ms + 2),
                  {"peer.service": "model-server"}))
    m.append(span(tid, "%016x" % 5, "%016x" % 4, "POST /predict", 2, a(p0 + 1), a(p0 + 1 + model_ms)))
    return {"gateway": g, "feature-store": f, "model-server": m}


def retry_trace(tid, t):
    """gateway's first call to the feature store times out after 50 ms; the retry succeeds."""
    a = lambda ms: t + int(ms * MS)
    g = [span(tid, "%016x" % 1, "", "POST /score", 2, a(0), a(60)),
         span(tid, "%016x" % 2, "%016x" % 1, "GET /features", 3, a(1), a(51),
              {"peer.service": "feature-store", "error.type": "timeout"}, status=2),
         span(tid, "%016x" % 4, "%016x" % 1, "GET /features", 3, a(52), a(56),
              {"peer.service": "feature-store", "http.request.resend_count": 1})]
    f = [span(tid, "%016x" % 3, "%016x" % 2, "GET /features", 2, a(2), a(55)),
         span(tid, "%016x" % 5, "%016x" % 4, "GET /features", 2, a(53), a(55))]
    return {"gateway": g, "feature-store": f}


def merge(dst, src):
    for k, v in src.items():
        dst.setdefault(k, []).extend(v)


def main(out):
    chain = {}
    merge(chain, chain_trace("%032x" % 0xa1, T0))
    merge(chain, chain_trace("%032x" % 0xa2, T0 + 1000 * MS, skew_ms=3))
    merge(chain, chain_trace("%032x" % 0xa3, T0 + 2000 * MS, drop_root=True))
    merge(chain, retry_trace("%032x" % 0xa4, T0 + 3000 * MS))
    with open(os.path.join(out, "chain.otlp.json"), "w") as f:
        json.dump(export(chain), f, indent=1)
        f.write("\n")

    rng = random.Random(20261126)
    win = {}
    for w in range(2):
        for i in range(60):
            t = T0 + w * 60000 * MS + i * 1000 * MS + rng.randrange(0, 500) * MS
            tid = "%032x" % (0xb000 + w * 1000 + i)
            merge(win, chain_trace(tid, t, net_ms=40.0 if w else rng.uniform(0, 1), rng=rng,
                                   model_ms=rng.uniform(8, 10)))
    with open(os.path.join(out, "windows.otlp.json"), "w") as f:
        json.dump(export(win), f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/cases/traces")
