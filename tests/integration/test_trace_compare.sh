#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 4, item 9: traces from the real OpenTelemetry JS SDK (instrumentation-http, one
# NodeTracerProvider per service process) through gateway -> feature-store -> model-server, with
# network delay injected on the gateway -> feature-store hop by a TCP proxy in the incident window
# (otel/chain.js). The window comparison, over the HTTP API and the CLI, must name that edge as
# the cause of the P90 change and must not blame the model server. Also checks the dependency
# graph (edges, network time per edge) and the critical path of two incident traces.
# Environment: FL_TRACE_REQUESTS (per window, default 300), FL_TRACE_DELAY_MS (default 80).
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/otel/node_modules/@opentelemetry/instrumentation-http" ] ||
    (cd "$here/otel" && npm ci --no-audit --no-fund >/dev/null 2>&1) || fail "npm ci in tests/integration/otel"

n=${FL_TRACE_REQUESTS:-300}
delay=${FL_TRACE_DELAY_MS:-80}
port=$(free_port)
start_faultline "$port"
base_url="http://127.0.0.1:$port"
data_dir=$FL_TMP/data-$port

# The scenario must have happened as designed, seen from the client that sent the requests: a
# healthy baseline and the injected delay on top of it in the incident window. On a busy machine
# (2 cores shared with builds) the Node processes can be starved for a whole window; such a run
# says nothing about faultline, so run the chain again (its windows never overlap the earlier
# runs'), at most 3 times, then go on with the last run whatever it looks like.
for attempt in 1 2 3; do
    node "$here/otel/chain.js" --otlp "$base_url/v1/traces" --requests "$n" --delay-ms "$delay" \
        >"$FL_TMP/chain.json" 2>"$FL_TMP/chain.err" || { cat "$FL_TMP/chain.err" >&2; fail "service chain failed"; }
    ATTEMPT=$attempt DELAY="$delay" python3 - "$FL_TMP/chain.json" <<'PY' && break
import json, os, sys
c, delay = json.load(open(sys.argv[1]))["client_ms"], float(os.environ["DELAY"])
b, i = c["baseline"]["p90"], c["incident"]["p90"]
ok = b < 60 and abs((i - b) - delay) <= 0.25 * delay
print(f"chain, seen by its client: p90 {b} ms -> {i} ms" + ("" if ok else f": machine too busy (attempt {os.environ['ATTEMPT']} of 3)"))
sys.exit(0 if ok else 1)
PY
done
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' \
    "$FL_TMP/chain.json" "$1"; }
bs=$(field 'd["baseline"]["start_ns"]'); be=$(field 'd["baseline"]["end_ns"]')
is=$(field 'd["incident"]["start_ns"]'); ie=$(field 'd["incident"]["end_ns"]')

# The exporters were flushed before chain.js exited; wait until the sampled traces (every 10th) are
# whole: 5 spans (gateway SERVER, 2 gateway CLIENT, feature-store SERVER, model-server SERVER).
# Keep them for the critical-path check, which takes one incident trace where the SDK's timestamps
# make the two sequential calls of the gateway overlap and one where they do not: the JS SDK
# stamps a span's start with Date.now() (whole ms) and its end as start + a sub-ms
# performance.now() delta, so a call can seem to start up to 1 ms before the previous one ended.
mkdir "$FL_TMP/traces"
URL="$base_url" python3 - "$FL_TMP/chain.json" "$FL_TMP/traces" <<'PY' || fail "sampled traces not stored whole"
import json, os, sys, time, urllib.request
chain, out = json.load(open(sys.argv[1])), sys.argv[2]
ids = chain["trace_ids"]["baseline"] + chain["trace_ids"]["incident"]
deadline, pending = time.time() + 20, set(ids)
while pending and time.time() < deadline:
    for tid in sorted(pending):
        try:
            t = json.load(urllib.request.urlopen(f"{os.environ['URL']}/api/v1/traces/{tid}"))
        except Exception:
            continue
        if len(t["spans"]) == 5:
            json.dump(t, open(f"{out}/{tid}.json", "w"))
            pending.discard(tid)
    if pending:
        time.sleep(0.2)
assert not pending, f"{len(pending)} of {len(ids)} sampled traces not whole after 20 s: {sorted(pending)[:3]}"
overlap, clean = [], []
for tid in chain["trace_ids"]["incident"]:
    calls = {s["name"]: s for s in json.load(open(f"{out}/{tid}.json"))["spans"] if s["kind"] == 3}
    gap = int(calls["POST"]["startTimeUnixNano"]) - int(calls["GET"]["endTimeUnixNano"])
    (overlap if gap < 0 else clean).append(tid)
open(f"{out}/pick", "w").write(" ".join(x[0] for x in (overlap, clean) if x))
print(f"{len(ids)} sampled traces whole; incident: {len(overlap)} with the calls overlapping by < 1 ms, "
      f"{len(clean)} without")
PY
pass "all sampled traces stored with 5 spans"

# The comparison rules, for the API's data and the CLI's JSON alike.
check_compare() {
    N="$n" DELAY="$delay" WIN="$bs $be $is $ie" python3 - "$1" <<'PY'
import json, os, re, sys
from datetime import datetime
c = json.load(open(sys.argv[1]))
c = c.get("data", c) if c.get("status") == "success" else c
n, delay = int(os.environ["N"]), float(os.environ["DELAY"])
win = [int(x) for x in os.environ["WIN"].split()]
def ns(rfc):  # RFC 3339 -> unix ns
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", rfc)
    assert m, f"not RFC 3339: {rfc!r}"
    dt = datetime.fromisoformat(m[1] + (m[3].replace("Z", "+00:00")))
    return int(dt.timestamp()) * 10**9 + int((m[2] or "0").ljust(9, "0"))
assert c["percentile"] == 90, c["percentile"]
for w, (s, e) in (("baseline", win[0:2]), ("incident", win[2:4])):
    x = c[w]
    assert abs(ns(x["start"]) - s) < 1_000_000 and abs(ns(x["end"]) - e) < 1_000_000, (w, x, s, e)
    assert x["traces"] == n, f"{w}: {x['traces']} traces, want {n}"
    assert x["error_rate"] == 0, (w, x)
b, i = c["baseline"]["latency_ms"], c["incident"]["latency_ms"]
assert abs((i - b) - c["change_ms"]) < 1e-6 * max(1, abs(i)), (b, i, c["change_ms"])
assert 0.6 * delay <= c["change_ms"] <= 1.4 * delay, f"P90 change {c['change_ms']} ms, injected {delay} ms"
rows = c["rows"]
ch = [r["change_ms"] for r in rows]
assert ch == sorted(ch, reverse=True), f"rows not sorted by change_ms: {ch}"
top = rows[0]
assert (top["kind"], top.get("caller"), top.get("callee")) == ("edge", "gateway", "feature-store"), \
    "rows[0] is not the edge gateway -> feature-store:\n" + "\n".join(json.dumps(r) for r in rows[:4])
assert top["changed"] is True, top
assert top["share"] >= 0.6, top
assert 0.6 * delay <= top["change_ms"] <= 1.4 * delay, top
assert abs(top["change_ms"] - (top["incident_ms"] - top["baseline_ms"])) < 1e-6 * max(1, top["incident_ms"]), top
assert 0 <= top["ks_d"] <= 1 and 0 <= top["ks_p"] <= 1 and top["ks_p"] < 0.01, top
ms_rows = [r for r in rows if r["kind"] == "operation" and r["service"] == "model-server"]
assert ms_rows, "no model-server operation rows"
for r in ms_rows:
    assert r["changed"] is False, f"model-server blamed: {r}"
edges = {(r["caller"], r["callee"]) for r in rows if r["kind"] == "edge"}
assert ("gateway", "model-server") in edges, edges
print(f"P90 {b:.1f} -> {i:.1f} ms (+{c['change_ms']:.1f}); top: edge gateway -> feature-store "
      f"+{top['change_ms']:.1f} ms, share {top['share']:.2f}, KS D {top['ks_d']:.2f}; "
      f"model-server rows unchanged: {[r['operation'] for r in ms_rows]}")
PY
}

# (1) HTTP API, windows as unix ns.
q="baseline=$bs,$be&incident=$is,$ie&percentile=90"
code=$(curl -s -o "$FL_TMP/api.json" -w '%{http_code}' "$base_url/api/v1/traces/compare?$q")
[ "$code" = 200 ] || fail "GET /api/v1/traces/compare: HTTP $code: $(head -c 400 "$FL_TMP/api.json")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["status"] == "success"' "$FL_TMP/api.json" ||
    fail "compare answer is not {\"status\":\"success\",...}"
check_compare "$FL_TMP/api.json" || fail "API comparison differs"
pass "API compare names the gateway -> feature-store edge"

# The same windows as RFC 3339 and as unix seconds with a fraction give the same rows.
to_rfc() { python3 -c 'import sys,datetime; v=int(sys.argv[1]); print(datetime.datetime.fromtimestamp(v//10**9, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (v % 10**9))' "$1"; }
to_sec() { python3 -c 'import sys; v=int(sys.argv[1]); print("%d.%09d" % (v // 10**9, v % 10**9))' "$1"; }
for conv in to_rfc to_sec; do
    q="baseline=$($conv "$bs"),$($conv "$be")&incident=$($conv "$is"),$($conv "$ie")&percentile=90"
    code=$(curl -s -o "$FL_TMP/api-$conv.json" -w '%{http_code}' -G "$base_url/api/v1/traces/compare" \
        --data-urlencode "baseline=$($conv "$bs"),$($conv "$be")" \
        --data-urlencode "incident=$($conv "$is"),$($conv "$ie")" --data-urlencode "percentile=90")
    [ "$code" = 200 ] || fail "compare with $conv times ($q): HTTP $code: $(head -c 400 "$FL_TMP/api-$conv.json")"
    python3 - "$FL_TMP/api.json" "$FL_TMP/api-$conv.json" <<'PY' || fail "compare with $conv times differs"
import json, sys
a, b = (json.load(open(p))["data"] for p in sys.argv[1:3])
for w in ("baseline", "incident"):
    for k in ("start", "end"):
        a[w].pop(k); b[w].pop(k)
assert a == b, f"\nns:    {json.dumps(a)[:600]}\nother: {json.dumps(b)[:600]}"
PY
done
pass "compare accepts RFC 3339 and unix seconds with the same result"

# (2) CLI on the same data dir (the server keeps running; SQLite WAL allows the reader).
"$FL_BIN" traces compare --data-dir "$data_dir" --baseline "$bs,$be" --incident "$is,$ie" \
    --percentile 90 --format json >"$FL_TMP/cli.json" 2>"$FL_TMP/cli.err" ||
    fail "faultline traces compare --format json: $(cat "$FL_TMP/cli.err")"
check_compare "$FL_TMP/cli.json" || fail "CLI comparison differs"
python3 - "$FL_TMP/api.json" "$FL_TMP/cli.json" <<'PY' || fail "CLI JSON differs from the API's data"
import json, sys
a, b = json.load(open(sys.argv[1]))["data"], json.load(open(sys.argv[2]))
assert a == b, f"\napi: {json.dumps(a)[:600]}\ncli: {json.dumps(b)[:600]}"
PY
"$FL_BIN" traces compare --data-dir "$data_dir" --baseline "$bs,$be" --incident "$is,$ie" \
    --percentile 90 >"$FL_TMP/cli.txt" 2>"$FL_TMP/cli.err" ||
    fail "faultline traces compare (table): $(cat "$FL_TMP/cli.err")"
for word in gateway feature-store model-server; do
    grep -q -- "$word" "$FL_TMP/cli.txt" || fail "table output lacks $word: $(cat "$FL_TMP/cli.txt")"
done
cat "$FL_TMP/cli.txt"
pass "CLI compare (JSON equal to the API's, table names the hop)"

# Dependency graph: both windows hold every call; per-edge network time shows the delay in the
# incident window only, and only on the proxied edge.
graph() {
    local code
    code=$(curl -s -o "$FL_TMP/graph-$1.json" -w '%{http_code}' "$base_url/api/v1/graph?start=$2&end=$3")
    [ "$code" = 200 ] || fail "GET /api/v1/graph: HTTP $code: $(head -c 400 "$FL_TMP/graph-$1.json")"
}
graph all "$bs" "$ie"; graph base "$bs" "$be"; graph inc "$is" "$ie"
N="$n" DELAY="$delay" python3 - "$FL_TMP"/graph-{all,base,inc}.json <<'PY' || fail "graph differs"
import json, os, sys
n, delay = int(os.environ["N"]), float(os.environ["DELAY"])
def load(p):
    g = json.load(open(p))
    assert g["status"] == "success", g
    g = g["data"]
    names = {x["name"] for x in g["nodes"]}
    assert {"gateway", "feature-store", "model-server"} <= names, g["nodes"]
    assert all(isinstance(x["kind"], str) and x["kind"] for x in g["nodes"]), g["nodes"]
    return {(e["from"], e["to"]): e for e in g["edges"]}
ga, gb, gi = (load(p) for p in sys.argv[1:4])
fs, ms = ("gateway", "feature-store"), ("gateway", "model-server")
for want, g in ((2 * n, ga), (n, gb), (n, gi)):
    for k in (fs, ms):
        assert k in g, f"edge {k} missing: {list(g)}"
        e = g[k]
        assert e["calls"] == want, (k, e, want)
        assert e["error_rate"] == 0, (k, e)
        assert 0 <= e["network_p50_ms"] <= e["p50_ms"] <= e["p99_ms"], (k, e)
assert 0.6 * delay <= gi[fs]["network_p50_ms"] <= 1.4 * delay, gi[fs]
assert gb[fs]["network_p50_ms"] < 0.2 * delay, gb[fs]
assert gi[ms]["network_p50_ms"] < 0.2 * delay and gb[ms]["network_p50_ms"] < 0.2 * delay, (gb[ms], gi[ms])
print(f"graph: {sorted(ga)}; network p50 gateway->feature-store {gb[fs]['network_p50_ms']:.1f} -> "
      f"{gi[fs]['network_p50_ms']:.1f} ms, gateway->model-server {gb[ms]['network_p50_ms']:.1f} -> "
      f"{gi[ms]['network_p50_ms']:.1f} ms")
PY
pass "graph lists gateway -> feature-store and gateway -> model-server"

# Critical path of incident traces (one with overlapping call stamps, one without): disjoint
# segments inside the trace that add up to its duration, the largest share on the gateway's call to
# the feature store (the network time), as in every incident trace.
for tid in $(cat "$FL_TMP/traces/pick"); do
    code=$(curl -s -o "$FL_TMP/cp.json" -w '%{http_code}' "$base_url/api/v1/traces/$tid/critical_path")
    [ "$code" = 200 ] ||
        fail "GET /api/v1/traces/$tid/critical_path: HTTP $code: $(head -c 400 "$FL_TMP/cp.json")"
    TID="$tid" DELAY="$delay" python3 - "$FL_TMP/traces/$tid.json" "$FL_TMP/cp.json" <<'PY' ||
import json, os, sys
t = json.load(open(sys.argv[1]))
cp = json.load(open(sys.argv[2]))
assert cp["status"] == "success", cp
cp = cp["data"]
delay = float(os.environ["DELAY"])
assert cp["trace_id"] == os.environ["TID"], cp["trace_id"]
root = [s for s in t["spans"] if not s["parentSpanId"]]
assert len(root) == 1, root
r0, r1 = int(root[0]["startTimeUnixNano"]), int(root[0]["endTimeUnixNano"])
dur = (r1 - r0) / 1e6
assert abs(cp["duration_ms"] - dur) < 1e-3, (cp["duration_ms"], dur)
segs = sorted(cp["segments"], key=lambda s: int(s["start_ns"]))
assert segs, cp
ids = {s["spanId"]: s for s in t["spans"]}
prev = r0
for s in segs:
    a, b = int(s["start_ns"]), int(s["end_ns"])
    assert s["span_id"] in ids, s
    assert ids[s["span_id"]]["service"] == s["service"] and ids[s["span_id"]]["name"] == s["operation"], s
    assert r0 <= prev <= a <= b <= r1, f"segment outside the trace or overlapping: {s}"
    assert abs(s["duration_ms"] - (b - a) / 1e6) < 1e-3, s
    prev = b
total = sum(s["duration_ms"] for s in segs)
assert abs(total - dur) < 1e-3, f"segments add up to {total} ms, trace lasts {dur} ms"
assert abs(sum(o["critical_ms"] for o in cp["operations"]) - dur) < 1e-3, cp["operations"]
top = max(cp["operations"], key=lambda o: o["critical_ms"])
assert (top["service"], top["operation"]) == ("gateway", "GET"), \
    f"top critical operation is not the gateway's GET (the call through the delayed hop): {top}\n" + \
    "segments: " + "; ".join(f"{s['service']} {s['operation']} {s['duration_ms']:.2f}" for s in segs) + "\n" + \
    "client calls: " + "; ".join(f"{s['name']} {s['startTimeUnixNano']}..{s['endTimeUnixNano']}" for s in t["spans"] if s["kind"] == 3)
assert top["critical_ms"] >= 0.6 * delay, top
print(f"critical path of {cp['trace_id']}: {len(segs)} segments, {total:.2f} ms of {dur:.2f} ms; "
      f"top {top['service']} {top['operation']} {top['critical_ms']:.1f} ms")
PY
        fail "critical path of $tid differs"
done
pass "critical path segments add up to the trace's duration"
