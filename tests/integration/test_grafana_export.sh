#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 8, item 6: `faultline export grafana` writes a dashboard that Grafana imports with a
# Prometheus data source. There is no Grafana in Debian's archive, so this checks what Grafana
# would run, against the real Prometheus and promtool:
#   (a) a change event posted now appears on faultline's /metrics as
#       faultline_change_event_timestamp_seconds{id,kind,component,message} = its time, and the
#       exposition passes `promtool check metrics`;
#   (b) a real Prometheus scraping faultline answers the dashboard's annotation query
#       (faultline_change_event_timestamp_seconds * 1000, "series value as timestamp") with the
#       event's time in milliseconds;
#   (c) every query of the dashboard (panels and annotations, $__rate_interval as 1m) is valid
#       PromQL for `promtool check rules` and evaluates without error on that Prometheus;
#   (d) the dashboard has one row per component with its match labels in the queries, the KPI
#       ratio by its dimensions, and faultline's model and batch rows.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

command -v prometheus >/dev/null || fail "prometheus is not installed (Debian package prometheus)"
command -v promtool >/dev/null || fail "promtool is not installed (Debian package prometheus)"

FL_PORT=$(free_port)
PROM_PORT=$(free_port)
FLURL=http://127.0.0.1:$FL_PORT
PROM=http://127.0.0.1:$PROM_PORT
cfg=$FL_TMP/faultline.yml
cat >"$cfg" <<EOF
listen: 127.0.0.1:$FL_PORT
data_dir: $FL_TMP/data
self_scrape: false
topology:
  components:
    - {name: fraud-service, kind: service, match: {service: fraud-service}, depends_on: [feature-store]}
    - {name: feature-store, kind: feature_store}
kpis:
  - {name: timeout_share, numerator: feature_store_timeouts_total, denominator: fraud_request_duration_seconds_count, dimensions: [client]}
EOF
"$FL_BIN" -c "$cfg" import "$root/examples/fraud-latency/metrics.om" >/dev/null ||
    fail "import of the example metrics failed"
start_faultline "$FL_PORT" "$cfg"

now_ms=$(python3 -c 'import time; print(int(time.time() * 1000) - 60000)')
code=$(curl -s -o "$FL_TMP/ev.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "[{\"id\":\"ev-now\",\"ts\":$now_ms,\"kind\":\"deploy\",\"component\":\"fraud-service\",\"message\":\"fraud-service 2.3.2 \\\"canary\\\"\"}]" \
    "$FLURL/api/v1/events")
[ "$code" = 200 ] || fail "POST /api/v1/events answered $code: $(cat "$FL_TMP/ev.json")"

# --- (a)
curl -sf "$FLURL/metrics" -o "$FL_TMP/metrics.txt" || fail "GET /metrics failed"
line=$(grep '^faultline_change_event_timestamp_seconds{' "$FL_TMP/metrics.txt" || true)
[ -n "$line" ] || fail "no change event on /metrics: $(grep -c . "$FL_TMP/metrics.txt") lines"
python3 - "$line" "$now_ms" <<'PY' || fail "change event series: $line"
import re, sys
line, ms = sys.argv[1], int(sys.argv[2])
m = re.fullmatch(r'faultline_change_event_timestamp_seconds\{id="ev-now",kind="deploy",component="fraud-service",message="fraud-service 2\.3\.2 \\"canary\\""\} (\S+)', line)
assert m, line
assert abs(float(m.group(1)) * 1000 - ms) < 1, (m.group(1), ms)
PY
promtool check metrics <"$FL_TMP/metrics.txt" >"$FL_TMP/promtool-metrics.out" 2>&1 ||
    fail "promtool check metrics: $(cat "$FL_TMP/promtool-metrics.out")"
pass "(a) the change event is a series on /metrics with its own time; promtool accepts the exposition"

# --- (b)
cat >"$FL_TMP/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: faultline
    static_configs: [{targets: ['127.0.0.1:$FL_PORT']}]
EOF
bg prometheus prometheus --config.file="$FL_TMP/prometheus.yml" --storage.tsdb.path="$FL_TMP/prom" \
    --web.listen-address=127.0.0.1:$PROM_PORT
wait_http "$PROM/-/ready" 30
ann_ok() {
    curl -sf --data-urlencode 'query=faultline_change_event_timestamp_seconds * 1000' \
        "$PROM/api/v1/query" -o "$FL_TMP/ann.json" &&
        python3 - "$FL_TMP/ann.json" "$now_ms" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["data"]["result"]
assert len(d) == 1 and d[0]["metric"]["id"] == "ev-now", d
assert abs(float(d[0]["value"][1]) - int(sys.argv[2])) < 1, d
PY
}
for _ in $(seq 60); do ann_ok 2>/dev/null && break; sleep 0.5; done
ann_ok || fail "the annotation query does not give the event's time: $(cat "$FL_TMP/ann.json")"
pass "(b) Prometheus answers the annotation query with the event's time in ms"

# --- (c), (d)
"$FL_BIN" -c "$cfg" export grafana --out "$FL_TMP/dash.json" 2>"$FL_TMP/export.err" ||
    fail "export failed: $(cat "$FL_TMP/export.err")"
python3 - "$FL_TMP/dash.json" "$FL_TMP/rules.yml" "$FL_TMP/exprs.txt" <<'PY' || fail "dashboard: $(head -c 2000 "$FL_TMP/dash.json")"
import json, sys
d = json.load(open(sys.argv[1]))
exprs = []
for p in d["panels"]:
    for t in p.get("targets", []):
        exprs.append(t["expr"])
for a in d["annotations"]["list"]:
    if "expr" in a:
        exprs.append(a["expr"])
exprs = [e.replace("$__rate_interval", "1m") for e in exprs]
rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
assert rows[:2] == ["fraud-service (service)", "other metrics (no component)"], rows
assert "KPIs" in rows and "Models (faultline monitoring)" in rows, rows
assert any('fraud_request_duration_seconds_bucket{service="fraud-service"}' in e for e in exprs), exprs
assert any(e.startswith("sum by (client) (rate(feature_store_timeouts_total[1m])) / ") for e in exprs), exprs
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        f.write("      - record: dashboard:q%d\n        expr: %s\n" % (i, json.dumps(e)))
with open(sys.argv[3], "w") as f:
    f.write("\n".join(exprs) + "\n")
PY
promtool check rules "$FL_TMP/rules.yml" >"$FL_TMP/promtool-rules.out" 2>&1 ||
    fail "promtool check rules: $(cat "$FL_TMP/promtool-rules.out")"
n=0
while IFS= read -r e; do
    curl -sf --data-urlencode "query=$e" "$PROM/api/v1/query" -o "$FL_TMP/q.json" ||
        fail "Prometheus refused the query: $e: $(cat "$FL_TMP/q.json" 2>/dev/null)"
    grep -q '"status":"success"' "$FL_TMP/q.json" || fail "query failed: $e: $(cat "$FL_TMP/q.json")"
    n=$((n + 1))
done <"$FL_TMP/exprs.txt"
pass "(c) all $n queries of the dashboard are valid PromQL (promtool) and evaluate on Prometheus"
pass "(d) rows per component, the KPI by its dimensions, faultline's rows"
