#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 5, item 1 ("data comes from the store, and from a remote Prometheus-API source where
# configured"): the metrics of examples/fraud-latency live only in a real Prometheus (Debian's
# package; the OpenMetrics file turned into TSDB blocks by promtool, as one backfills Prometheus),
# the traces and change events in faultline's own store. `faultline investigate` with a
# remote_sources entry:
#   - reads the symptom, a selector with nothing stored locally, from Prometheus (evidence says so)
#     and confirms it changed at the onset;
#   - ranks Prometheus' series in rank_metrics (the summary counts the remote series);
#   - names the network between fraud-service and feature-store first (traces), with the
#     NetworkPolicy change recorded on "network" attached to that edge by its message;
#   - refutes "model-server got slower" with numbers;
#   - with Prometheus stopped, still answers from the traces and names the failing source.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ex=$root/examples/fraud-latency

command -v prometheus >/dev/null || fail "prometheus is not installed (Debian package prometheus)"
command -v promtool >/dev/null || fail "promtool is not installed (Debian package prometheus)"

mkdir -p "$FL_TMP/prom"
promtool tsdb create-blocks-from openmetrics "$ex/metrics.om" "$FL_TMP/prom" >"$FL_TMP/promtool.log" 2>&1 ||
    { cat "$FL_TMP/promtool.log" >&2; fail "promtool could not backfill metrics.om"; }
pass "promtool backfilled the example's metrics into TSDB blocks"

printf 'global: {}\n' >"$FL_TMP/prometheus.yml"
PROM_PORT=$(free_port)
# A long retention: the example's samples are from 2025 and must not be cut at startup.
bg prometheus prometheus --config.file="$FL_TMP/prometheus.yml" --storage.tsdb.path="$FL_TMP/prom" \
    --storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:$PROM_PORT
PROM_PID=$BG_PID
PROM=http://127.0.0.1:$PROM_PORT
wait_http "$PROM/-/ready" 30
for _ in $(seq 100); do
    curl -sf "$PROM/api/v1/query?query=feature_store_timeouts_total&time=2025-11-25T14:59:00Z" |
        grep -q fraud-service && break
    sleep 0.2
done
curl -sf "$PROM/api/v1/query?query=feature_store_timeouts_total&time=2025-11-25T14:59:00Z" |
    grep -q fraud-service || fail "Prometheus does not serve the backfilled series"
pass "Prometheus serves the backfilled series"

cfg=$FL_TMP/faultline.yml
cat >"$cfg" <<EOF
data_dir: $FL_TMP/data
self_scrape: false
remote_sources:
  - name: prom
    url: $PROM
    selectors: ['{__name__=~"fraud_.*|node_.*|feature_.*"}']
    step: 15s
EOF
"$FL_BIN" -c "$cfg" import "$ex/traces.otlp.json" "$ex/events.json" >"$FL_TMP/import.log" 2>&1 ||
    { cat "$FL_TMP/import.log" >&2; fail "import of traces and events failed"; }
"$FL_BIN" -c "$cfg" query --start 2025-11-25T14:00:00Z --end 2025-11-25T15:00:00Z \
    feature_store_timeouts_total >"$FL_TMP/local.txt" 2>&1 || true
grep -q "fraud-service" "$FL_TMP/local.txt" && fail "the metric is stored locally; the test needs it remote only"
pass "the metrics are not in faultline's store"

json_check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
        { echo "--- $1:" >&2; head -c 4000 "$1" >&2; echo >&2; fail "$3"; }
}

"$FL_BIN" -c "$cfg" investigate --format json --onset 2025-11-25T14:30:00Z \
    'feature_store_timeouts_total{client="fraud-service"}' >"$FL_TMP/inv.json" 2>"$FL_TMP/inv.err" ||
    { cat "$FL_TMP/inv.err" >&2; fail "investigate failed"; }
step='(lambda n: [s for s in d["steps"] if s["name"] == n][0])'
json_check "$FL_TMP/inv.json" "any('1 series read from remote sources' in e['text'] for e in $step('verify_symptom')['evidence'])" \
    "the symptom was read from the remote source"
json_check "$FL_TMP/inv.json" "$step('verify_symptom')['status'] == 'found' and any(e['text'].startswith('symptom ') and e['text'].endswith(': changed') for e in $step('verify_symptom')['evidence'])" \
    "the remote symptom changed at the onset"
json_check "$FL_TMP/inv.json" "$step('rank_metrics')['status'] == 'found' and '14 series read from remote sources' in $step('rank_metrics')['summary']" \
    "rank_metrics ranked Prometheus' series"
json_check "$FL_TMP/inv.json" "d['verdict'] == 'causes' and d['causes'][0]['component'] == 'network fraud-service->feature-store'" \
    "the network fraud-service -> feature-store ranked first"
json_check "$FL_TMP/inv.json" "any(e['ref'] == 'ev-netpol' and e['component'] == 'network fraud-service->feature-store' and e['supports'] for e in $step('change_events')['evidence'])" \
    "the NetworkPolicy change attached to the edge by its message"
json_check "$FL_TMP/inv.json" "any(r['hypothesis'] == 'model-server got slower' for r in d['refuted'])" \
    "model-server got slower refuted"
pass "investigation over Prometheus' metrics and faultline's traces"

kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true
"$FL_BIN" -c "$cfg" investigate --format json --onset 2025-11-25T14:30:00Z 'latency:fraud-service@99' \
    >"$FL_TMP/inv2.json" 2>"$FL_TMP/inv2.err" || { cat "$FL_TMP/inv2.err" >&2; fail "investigate failed without Prometheus"; }
json_check "$FL_TMP/inv2.json" "'remote source prom' in $step('rank_metrics')['summary']" \
    "the unreachable source is named"
json_check "$FL_TMP/inv2.json" "d['verdict'] == 'causes' and d['causes'][0]['component'] == 'network fraud-service->feature-store'" \
    "the traces still give the answer"
pass "Prometheus down: the investigation names the failing source and answers from the traces"
