#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Live monitoring inside `faultline serve` (docs/MONITORING.md): a model with a reference file,
# 2 s windows. Two consecutive (past) windows are posted, the second with a shifted feature; the
# server's own ticker closes them; /metrics (silent under promtool check metrics) and
# GET /api/v1/drift show drift for the shifted feature against the reference and the previous
# window, and none for the others; a data schema registered for the version counts the shifted
# window's out-of-range values. A record of a closed window counts as late. A window of records
# stamped "now" closes by the wall clock. The data comes from a fixed seed.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool not installed"
PY=/usr/bin/python3

# reference: 2000 training rows (more than 1000: distances, wasserstein and js, are chosen
# against it; tests, ks and chi2, between two windows); two windows of 300 records, the second with amount + 30
"$PY" - "$FL_TMP" <<'EOF'
import json, random, sys, time
d = sys.argv[1]
random.seed(20261126)
countries = ['DE', 'FR', 'IT']
with open(d + '/ref.csv', 'w') as f:
    f.write('amount,country\n')
    for i in range(2000):
        f.write('%.4f,%s\n' % (random.gauss(100, 10), random.choice(countries)))
W = 2000
t0 = (int(time.time() * 1000) - 600000) // W * W   # a 2 s window ten minutes ago
def window(start, shift, n, tag, version='v1'):
    with open('%s/%s.jsonl' % (d, tag), 'w') as f:
        for i in range(n):
            f.write(json.dumps({'ts': (start + i * 5) / 1000.0, 'request_id': '%s-%d' % (tag, i),
                                'model': 'fraud', 'model_version': version,
                                'features': {'amount': round(random.gauss(100 + shift, 10), 4),
                                             'country': random.choice(countries)},
                                'prediction': {'score': round(random.random(), 4)}}) + '\n')
window(t0, 0, 300, 'w1')
window(t0 + W, 30, 300, 'w2')
window(t0 + 500, 0, 1, 'late')
open(d + '/t0', 'w').write(str(t0))
EOF
t0=$(cat "$FL_TMP/t0")
t1=$((t0 + 2000))

port=$(free_port)
cfg=$FL_TMP/faultline.yml
cat >"$cfg" <<EOF
listen: 127.0.0.1:$port
data_dir: $FL_TMP/data
self_scrape: false
models:
  - name: fraud
    reference: $FL_TMP/ref.csv
monitoring:
  window: 2s
  grace: 500ms
  min_rows: 100
  tick: 200ms
EOF
start_faultline "$port" "$cfg"
B=http://127.0.0.1:$port

post() {
    local code
    code=$(curl -s -o "$FL_TMP/post.json" -w '%{http_code}' --data-binary @"$1" "$B/v1/inferences")
    [ "$code" = 200 ] || fail "POST /v1/inferences $1: $code $(cat "$FL_TMP/post.json")"
}

# wait_window QUERY START_MS: poll GET /api/v1/drift?QUERY until its window starts at START_MS
wait_window() {
    local i=0
    while [ "$i" -lt 100 ]; do
        if curl -s -o "$FL_TMP/drift.json" "$B/api/v1/drift?$1" &&
            grep -q "\"window_start_ms\":$2," "$FL_TMP/drift.json"; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    fail "no closed window starting at $2 for $1: $(head -c 300 "$FL_TMP/drift.json")"
}

code=$(curl -s -o "$FL_TMP/none.json" -w '%{http_code}' "$B/api/v1/drift?model=fraud")
[ "$code" = 404 ] || fail "drift before any window closed: $code"

# a data schema for v1 in the registry: every window of v1 is validated (amount at most 140: the
# shifted window breaks it, the first does not)
schema='version: 1\ncolumns:\n  amount: {type: float, min: 0, max: 140}\n  country: {type: string, domain: [DE, FR, IT]}\n'
code=$(curl -s -o "$FL_TMP/reg.json" -w '%{http_code}' -X POST "$B/api/v1/models" \
    --data-binary "{\"model\":\"fraud\",\"version\":\"v1\",\"schema\":\"$schema\"}")
[ "$code" = 200 ] || fail "POST /api/v1/models: $code $(cat "$FL_TMP/reg.json")"

post "$FL_TMP/w1.jsonl"
wait_window "model=fraud" "$t0"
grep -q '{"baseline":"reference","status":"ok"' "$FL_TMP/drift.json" ||
    fail "first window not compared with the reference: $(head -c 400 "$FL_TMP/drift.json")"
grep -q '"dataset_drift":false' "$FL_TMP/drift.json" || fail "the unshifted window drifted"
post "$FL_TMP/w2.jsonl"
wait_window "model=fraud&version=v1" "$t1"
pass "two 2 s windows closed by the server's ticker"

curl -s "$B/api/v1/drift?model=fraud" >"$FL_TMP/drift.json"
for want in '"rows":300,"min_rows":100' '{"baseline":"reference","status":"ok"' \
    '{"baseline":"previous_window","status":"ok"' "\"baseline_start_ms\":$t0," \
    '{"feature":"amount","check":"distribution","kind":"numerical","method":"ks"'; do
    grep -qF "$want" "$FL_TMP/drift.json" || fail "GET /api/v1/drift lacks $want"
done
"$PY" - "$FL_TMP/drift.json" <<'EOF' || fail "GET /api/v1/drift: wrong verdicts"
import json, sys
d = json.load(open(sys.argv[1]))['data']
for b in d['baselines']:
    rows = {(r['feature'], r['check']): r for r in b['drift']['rows']}
    assert rows[('amount', 'distribution')]['drifted'], b['baseline']
    assert not rows[('country', 'distribution')]['drifted'], b['baseline']
print('drift verdicts ok')
EOF

post "$FL_TMP/late.jsonl" # its window closed long ago
curl -s "$B/metrics" >"$FL_TMP/metrics.txt"
out=$(promtool check metrics <"$FL_TMP/metrics.txt" 2>&1) || fail "promtool check metrics failed: $out"
[ -z "$out" ] || fail "promtool check metrics complained: $out"
lbl='model="fraud",version="v1"'
for want in \
    "faultline_feature_drift_detected{$lbl,feature=\"amount\",method=\"wasserstein\",baseline=\"reference\"} 1" \
    "faultline_feature_drift_detected{$lbl,feature=\"amount\",method=\"ks\",baseline=\"previous_window\"} 1" \
    "faultline_feature_drift_detected{$lbl,feature=\"country\",method=\"js\",baseline=\"reference\"} 0" \
    "faultline_feature_drift_detected{$lbl,feature=\"country\",method=\"chi2\",baseline=\"previous_window\"} 0" \
    "faultline_feature_drift_detected{$lbl,feature=\"prediction\",method=\"ks\",baseline=\"previous_window\"} 0" \
    "faultline_model_drift_share{$lbl,baseline=\"reference\"} 0.5" \
    "faultline_inference_window_rows{$lbl} 300" \
    "faultline_feature_window_null_ratio{$lbl,feature=\"amount\"} 0" \
    "faultline_live_late_records_total 1" \
    'faultline_validation_anomalies_total{model="fraud",kind="out_of_range"} 1' \
    'faultline_validation_anomalies_total{model="fraud",kind="out_of_domain"} 0'; do
    grep -qxF "$want" "$FL_TMP/metrics.txt" || fail "/metrics lacks: $want"
done
grep -q "^faultline_feature_drift_score{$lbl,feature=\"amount\",method=\"wasserstein\",baseline=\"reference\"} " \
    "$FL_TMP/metrics.txt" || fail "/metrics lacks the drift score of amount"
pass "/metrics: drift of the shifted feature, none elsewhere, schema anomalies, promtool silent"

# the alert rules read exactly these series: the FaultlineFeatureDrift expression matches
"$FL_BIN" rules export >"$FL_TMP/rules.yml" || fail "rules export failed"
grep -q 'faultline_feature_drift_detected{feature!="prediction"}' "$FL_TMP/rules.yml" ||
    fail "the drift rule reads another series"

curl -s "$B/api/v1/profiles?model=fraud&version=v1&start=$((t0 / 1000))&end=$((t1 / 1000))" \
    >"$FL_TMP/profiles.json"
n=$(grep -o '"summary":{' "$FL_TMP/profiles.json" | wc -l)
[ "$n" = 2 ] || fail "GET /api/v1/profiles: $n stored windows, want 2: $(head -c 300 "$FL_TMP/profiles.json")"
pass "GET /api/v1/profiles: both windows stored"

# a window of records stamped now: closed by the wall clock, 2 s + 500 ms grace later
"$PY" - "$FL_TMP" <<'EOF'
import json, random, sys, time
random.seed(7)
W = 2000
now = time.time() * 1000
time.sleep(((now // W + 1) * W + 50 - now) / 1000.0)  # just after a window began
ts = int(time.time() * 1000)
with open(sys.argv[1] + '/now.jsonl', 'w') as f:
    for i in range(150):
        f.write(json.dumps({'ts': ts / 1000.0, 'request_id': 'n-%d' % i, 'model': 'fraud',
                            'model_version': 'v2',
                            'features': {'amount': round(random.gauss(100, 10), 4),
                                         'country': random.choice(['DE', 'FR', 'IT'])}}) + '\n')
open(sys.argv[1] + '/tnow', 'w').write(str(ts // W * W))
EOF
post "$FL_TMP/now.jsonl"
tnow=$(cat "$FL_TMP/tnow")
wait_window "model=fraud&version=v2" "$tnow"
grep -q '"rows":150,' "$FL_TMP/drift.json" || fail "current window rows: $(head -c 300 "$FL_TMP/drift.json")"
grep -q '{"baseline":"reference","status":"ok"' "$FL_TMP/drift.json" || fail "v2 has no reference verdict"
grep -q '"dataset_drift":false' "$FL_TMP/drift.json" || fail "unshifted v2 window drifted"
pass "a window of current records closed by the wall clock"

kill "$FL_PID"
wait "$FL_PID" || fail "faultline serve did not exit cleanly"
grep -q "stopped cleanly" "$FL_TMP/faultline-$port.log" || fail "no clean stop in the log"
pass "live monitoring end to end"
