#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, item 3: faultline-sim's live mode against a real `faultline serve`. The simulator
# serves /metrics/<component> for faultline to scrape and posts traces, inference records,
# outcomes and change events over HTTP, with simulated time running 150x faster:
#   - the faultline.yml it writes (topology + scrape_configs) is accepted by faultline;
#   - after the run, faultline holds scraped series of the simulated system stamped with simulated
#     time (net_link_retransmits_total of the faulty edge rises after the onset, the healthy edge's
#     stays at 0), traces of the fraud path, inference records and the fault's change event;
#   - the endpoints answer 404 for an unknown target; the simulator exits 0 (nothing refused).
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
