#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, item 3: faultline-sim's live mode against a real `faultline serve`. The simulator
# serves /metrics/<component> for faultline to scrape and posts traces, inference records,
# outcomes and change events over HTTP, with simulated time running 150x faster:
#   - the faultline.yml it writes (topology + scrape_configs) is accepted by faultline;
#   - after the run, faultline holds scraped series of the simulated system stamped with simulated
#     time (net_link_retransmits_total of the faulty edge rises after the onset, the healthy edge's
#     stays at 0), traces of the fraud path, inference records and the fault's change event;
#   - the endpoints answer 404 for an unknown target; the simulator exits 0 (nothing refused);
#   - each mission incident (1: CTR drop, 2: fraud P99, 3: stale segments) is found at rank 1
#     by an investigation of what arrived through the live path.
. "$(dirname "$0")/lib.sh"
SIM=${FL_SIM:-$FL_BUILD/faultline-sim}
[ -x "$SIM" ] || fail "no simulator at $SIM"
port=$(free_port)
sport=$(free_port)
out=$FL_TMP/live
"$SIM" live --scenario fraud-latency --duration 30m --onset +20m --speed 150 \
    --faultline "http://127.0.0.1:$port" --listen "127.0.0.1:$sport" --out "$out" \
    >"$FL_TMP/sim.log" 2>&1 &
sim_pid=$!
FL_PIDS="$FL_PIDS $sim_pid"
for _ in $(seq 100); do [ -s "$out/truth.json" ] && break; sleep 0.1; done
[ -s "$out/faultline.yml" ] || fail "no faultline.yml from the simulator: $(cat "$FL_TMP/sim.log")"
cfg=$FL_TMP/faultline.yml
{ printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nretention: 100y\nself_scrape: false\n' "$port" "$FL_TMP"
  cat "$out/faultline.yml"; } >"$cfg"
"$FL_BIN" config check "$cfg" >/dev/null || fail "the live faultline.yml is not valid"
start_faultline "$port" "$cfg"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/metrics/no-such-target")
[ "$code" = 404 ] || fail "unknown target answered $code"
rc=0
wait "$sim_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "faultline-sim live exited $rc: $(tail -5 "$FL_TMP/sim.log")"
pass "live run finished, every request accepted"
sleep 1
onset=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fault"]["onset_ms"]//1000)' "$out/truth.json")
B=http://127.0.0.1:$port
curl -sf "$B/api/v1/query_range?query=net_link_retransmits_total&start=$((onset - 1500))&end=$((onset + 700))&step=60" >"$FL_TMP/q.json" ||
    fail "query_range failed"
python3 - "$FL_TMP/q.json" "$onset" <<'PY' || fail "scraped link series do not show the fault: $(head -c 600 "$FL_TMP/q.json")"
import json, sys
d = json.load(open(sys.argv[1])); onset = int(sys.argv[2])
bad = good = None
for r in d['data']['result']:
    vals = [(float(t), float(v)) for t, v in r['values']]
    if r['metric'].get('link') == 'fraud-service->feature-store':
        bad = vals
    if r['metric'].get('link') == 'fraud-service->fraud-model-server':
        good = vals
ok = (bad and good and all(v == 0 for t, v in bad if t < onset) and bad[-1][1] > 0
      and all(v == 0 for t, v in good) and len(bad) >= 20)
sys.exit(0 if ok else 1)
PY
pass "scraped series carry simulated time; the faulty edge's retransmissions rise after the onset only"
curl -sf "$B/api/v1/traces?service=fraud-service&start=$((onset - 1500))&end=$((onset + 700))&limit=5" >"$FL_TMP/t.json" ||
    fail "trace search failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; sys.exit(0 if len(d) >= 1 else 1)' "$FL_TMP/t.json" ||
    fail "no traces arrived: $(head -c 300 "$FL_TMP/t.json")"
curl -sf "$B/api/v1/events?start=$((onset - 1800))&end=$((onset + 700))" >"$FL_TMP/e.json" || fail "events query failed"
grep -q 'NetworkPolicy' "$FL_TMP/e.json" || fail "the fault's change event did not arrive: $(head -c 300 "$FL_TMP/e.json")"
curl -sf "$B/api/v1/models/fraud/traffic?start=$((onset - 1500))&end=$((onset + 700))&step=5m" >"$FL_TMP/m.json" ||
    fail "model traffic query failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; sys.exit(0 if d["total"] >= 100 else 1)' "$FL_TMP/m.json" ||
    fail "inference records did not arrive: $(head -c 300 "$FL_TMP/m.json")"
pass "traces, inference records and change events arrived over HTTP"

# Incident 2 through the live path: the investigation of what faultline received over HTTP and
# scraped names the network on the feature-store edge first and refutes the model server.
body=$(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["observed"]; print(json.dumps({"symptom": o["symptom"], "onset": o["onset"], "title": "live: fraud P99"}))' "$out/truth.json")
code=$(curl -s -o "$FL_TMP/inv.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$body" "$B/api/v1/investigations")
[ "$code" = 201 ] || fail "POST /api/v1/investigations answered $code: $(head -c 400 "$FL_TMP/inv.json")"
python3 - "$FL_TMP/inv.json" <<'PY' || fail "the live investigation: $(head -c 1500 "$FL_TMP/inv.json")"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
c = d["causes"][0]
assert c["component"] == "network" and c["fault_kind"] == "network", c
ev = [d["steps"][r["step"]]["evidence"][r["index"]] for r in c["evidence"]]
assert any(e["ref"] == "edge:fraud-service->feature-store" for e in ev), ev
assert any(r["hypothesis"] == "fraud-model-server got slower" for r in d["refuted"]), d["refuted"]
PY
pass "incident 2 through the live path: the network on the feature-store edge first, the model server refuted"

# live_incident NAME SIM_ARGS...: run the simulator live against a fresh `faultline serve`, then
# POST the investigation of its observed symptom (and windows, for the batch system); the
# investigation is left in $FL_TMP/NAME/inv.json.
live_incident() {
    local name=$1
    shift
    local d=$FL_TMP/$name p sp
    p=$(free_port)
    sp=$(free_port)
    mkdir -p "$d"
    "$SIM" live "$@" --faultline "http://127.0.0.1:$p" --listen "127.0.0.1:$sp" --out "$d/out" \
        >"$d/sim.log" 2>&1 &
    local pid=$!
    FL_PIDS="$FL_PIDS $pid"
    for _ in $(seq 100); do [ -s "$d/out/truth.json" ] && break; sleep 0.1; done
    [ -s "$d/out/faultline.yml" ] || fail "$name: no faultline.yml from the simulator: $(cat "$d/sim.log")"
    { printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nretention: 100y\nself_scrape: false\n' "$p" "$d"
      cat "$d/out/faultline.yml"; } >"$d/faultline.yml"
    start_faultline "$p" "$d/faultline.yml"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "$name: faultline-sim live exited $rc: $(tail -5 "$d/sim.log")"
    sleep 1
    local body code
    body=$(python3 -c 'import json,sys
o = json.load(open(sys.argv[1]))["observed"]
b = {k: o[k] for k in ("symptom", "onset", "baseline", "incident") if k in o}
print(json.dumps(b))' "$d/out/truth.json")
    code=$(curl -s -o "$d/inv.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "$body" "http://127.0.0.1:$p/api/v1/investigations")
    [ "$code" = 201 ] || fail "$name: POST /api/v1/investigations answered $code: $(head -c 400 "$d/inv.json")"
}

# Incident 1 through the live path: the recommender's CTR falls after an upstream unit change of
# one feature for one country; the investigation names the feature database (schema change) and
# localizes the fall to country=DE.
live_incident ctr --scenario ctr-drop --duration 1h --onset +40m --speed 60
python3 - "$FL_TMP/ctr/inv.json" <<'PY' || fail "incident 1 live: $(head -c 1500 "$FL_TMP/ctr/inv.json")"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["verdict"] == "causes", d["verdict_text"]
c = d["causes"][0]
assert c["component"] == "user-features-db" and c["fault_kind"] in ("schema_change", "data_quality"), c
loc = [s for s in d["steps"] if s["name"] == "localize_segments"][0]
assert loc["status"] == "found" and "country=DE" in loc["summary"], loc["summary"]
PY
pass "incident 1 through the live path: user-features-db first, the fall localized to country=DE"

# Incident 3 through the live path: three weeks of the batch system at 20,000x; the feature
# pipeline's cron stopped silently; the investigation names the pipeline with stale data.
live_incident segments --scenario stale-segments --speed 20000
python3 - "$FL_TMP/segments/inv.json" <<'PY' || fail "incident 3 live: $(head -c 1500 "$FL_TMP/segments/inv.json")"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["verdict"] == "causes", d["verdict_text"]
c = d["causes"][0]
assert c["component"] == "segment-feature-pipeline" and c["fault_kind"] == "stale_data", c
PY
pass "incident 3 through the live path: the feature pipeline first, stale data"
