#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generate examples/fraud-latency/: one hour of telemetry of the fraud-scoring path
(transaction-api -> fraud-service -> feature-store over the network -> model-server) in which a
network partition on the fraud-service -> feature-store edge, from minute 30, makes feature lookups
time out and be retried: P99 of fraud-service goes from ~50 ms to ~500 ms while the model itself is
unchanged. Fixed seed, so the files are reproducible. Formats: OpenMetrics with timestamps, OTLP
JSON, inference JSONL, outcome JSONL, change events JSON."""
import json, math, os, random, sys

rng = random.Random(20261125)
out = sys.argv[1] if len(sys.argv) > 1 else "examples/fraud-latency"
os.makedirs(out, exist_ok=True)
T0 = 1764079200  # 2025-11-25T14:00:00Z
STEP, N = 15, 240  # one hour at 15 s
ONSET = T0 + 1800

def partitioned(t):
    return t >= ONSET

# ---- metrics (OpenMetrics with timestamps, as promtool tsdb create-blocks-from openmetrics) ----
buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]
with open(f"{out}/metrics.om", "w") as f:
    f.write("# HELP fraud_request_duration_seconds Latency of fraud scoring requests.\n")
    f.write("# TYPE fraud_request_duration_seconds histogram\n")
    f.write("# UNIT fraud_request_duration_seconds seconds\n")
    counts = [0] * (len(buckets) + 1)
    total, ssum = 0, 0.0
    for i in range(N):
        t = T0 + i * STEP
        for _ in range(150):
            lat = rng.lognormvariate(math.log(0.03), 0.35)
            if partitioned(t) and rng.random() < 0.35:
                lat += 0.25 * rng.randint(1, 2)  # feature lookups time out after 250 ms, retried
            ssum += lat
            total += 1
            for k, b in enumerate(buckets):
                if lat <= b:
                    counts[k] += 1
            counts[-1] += 1
        # One MetricPoint per timestamp: its buckets (cumulative by construction), sum and count.
        for k, b in enumerate(buckets + ["+Inf"]):
            f.write(f'fraud_request_duration_seconds_bucket{{service="fraud-service",le="{b}"}} '
                    f'{counts[k]} {t}\n')
        f.write(f'fraud_request_duration_seconds_sum{{service="fraud-service"}} {ssum:.6f} {t}\n')
        f.write(f'fraud_request_duration_seconds_count{{service="fraud-service"}} {total} {t}\n')
    f.write("# HELP node_cpu_utilization CPU utilization of the node (0-1).\n")
    f.write("# TYPE node_cpu_utilization gauge\n")
    for node in ("node-a", "node-b"):
        for i in range(N):
            t = T0 + i * STEP
            v = 0.45 + 0.1 * math.sin(i / 40) + rng.gauss(0, 0.03)
            f.write(f'node_cpu_utilization{{node="{node}"}} {v:.4f} {t}\n')
    f.write("# HELP feature_store_timeouts Feature lookups that timed out.\n")
    f.write("# TYPE feature_store_timeouts counter\n")
    c = 0
    for i in range(N):
        t = T0 + i * STEP
        c += rng.randint(40, 70) if partitioned(t) else rng.randint(0, 1)
        f.write(f'feature_store_timeouts_total{{client="fraud-service"}} {c} {t}\n')
    f.write("# EOF\n")

# ---- traces (OTLP JSON) ----
def hexid(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))

def attr(k, v):
    if isinstance(v, bool):
        return {"key": k, "value": {"boolValue": v}}
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": v}}

res_spans = {}
def span(service, **kw):
    res_spans.setdefault(service, []).append(kw)

for i in range(0, N, 2):
    t = T0 + i * STEP
    tid = hexid(32)
    start = t * 10**9
    root, client, fs, model = hexid(16), hexid(16), hexid(16), hexid(16)
    fs_dur = int(rng.lognormvariate(math.log(6e6), 0.3))
    net = int(rng.uniform(0.5e6, 1.5e6))
    retries = rng.randint(1, 2) if partitioned(t) and rng.random() < 0.5 else 0
    client_dur = fs_dur + net + retries * 250_000_000
    model_dur = int(rng.lognormvariate(math.log(12e6), 0.2))
    root_dur = client_dur + model_dur + 3_000_000
    span("fraud-service", traceId=tid, spanId=root, name="POST /score", kind=2,
         startTimeUnixNano=str(start), endTimeUnixNano=str(start + root_dur),
         attributes=[attr("http.response.status_code", 200)], status={})
    span("fraud-service", traceId=tid, spanId=client, parentSpanId=root, name="GET /features",
         kind=3, startTimeUnixNano=str(start + 1_000_000),
         endTimeUnixNano=str(start + 1_000_000 + client_dur),
         attributes=[attr("peer.service", "feature-store"), attr("retry.count", retries)],
         status={"code": 2, "message": "deadline exceeded"} if retries else {})
    fs_start = start + 1_000_000 + retries * 250_000_000 + net // 2
    span("feature-store", traceId=tid, spanId=fs, parentSpanId=client, name="lookup", kind=2,
         startTimeUnixNano=str(fs_start), endTimeUnixNano=str(fs_start + fs_dur),
         attributes=[attr("db.system", "redis")], status={})
    mstart = start + 2_000_000 + client_dur
    span("model-server", traceId=tid, spanId=model, parentSpanId=root, name="predict", kind=2,
         startTimeUnixNano=str(mstart), endTimeUnixNano=str(mstart + model_dur),
         attributes=[attr("model.name", "fraud"), attr("model.version", "v7")], status={})

otlp = {"resourceSpans": [
    {"resource": {"attributes": [attr("service.name", svc)]},
     "scopeSpans": [{"scope": {"name": "example"}, "spans": spans}]}
    for svc, spans in res_spans.items()]}
with open(f"{out}/traces.otlp.json", "w") as f:
    json.dump(otlp, f)

# ---- inferences and outcomes (JSONL) ----
with open(f"{out}/inferences.jsonl", "w") as f, open(f"{out}/outcomes.jsonl", "w") as g:
    for i in range(N):
        t = T0 + i * STEP
        for k in range(5):
            rid = f"req-{i:04d}-{k}"
            amt = round(rng.lognormvariate(3.5, 1.0), 2)
            feats = {"amount": amt, "merchant_risk": round(rng.random(), 3),
                     "country": rng.choice(["DE", "FR", "US", "BR"])}
            if partitioned(t) and rng.random() < 0.35:
                feats["amount_7d"] = {"status": "not_found"}
            else:
                feats["amount_7d"] = round(amt * rng.uniform(3, 9), 2)
            score = round(min(0.99, 0.02 + amt / 2000 + rng.random() * 0.1), 4)
            f.write(json.dumps({"ts": t + k, "request_id": rid, "model": "fraud",
                                "model_version": "v7", "features": feats, "prediction": score,
                                "segments": {"platform": rng.choice(["web", "ios", "android"]),
                                             "country": feats["country"]}}) + "\n")
            g.write(json.dumps({"ts": t + k + 60, "request_id": rid, "name": "chargeback",
                                "value": 1 if rng.random() < score else 0}) + "\n")

# ---- change events ----
events = [
    {"id": "ev-deploy-api", "ts": T0 + 600, "kind": "deploy", "component": "transaction-api",
     "message": "transaction-api 2.3.1 (unrelated: UI copy change)", "attributes": {"version": "2.3.1"}},
    {"id": "ev-netpol", "ts": ONSET - 45, "kind": "infrastructure", "component": "network",
     "message": "NetworkPolicy fraud-ns/egress-feature-store updated", "attributes": {"change": "egress rule"}},
    {"id": "ev-model", "ts": T0 - 86400, "kind": "model_version_change", "component": "model-server",
     "message": "fraud v7 promoted", "attributes": {"model": "fraud", "version": "v7", "stage": "production"}},
]
with open(f"{out}/events.json", "w") as f:
    json.dump(events, f, indent=1)
print(f"wrote {out}")
