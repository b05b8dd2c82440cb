#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, item 6: everything faultline-sim writes imports cleanly through the public CLI.
#   - the three mission scenarios and one run of every fault kind of the catalogue (each on a
#     system it applies to, fixed seeds) are generated and imported with `faultline import` into a
#     fresh data directory, with the faultline.yml fragment the simulator wrote (which must pass
#     `faultline config check`); every file must be accepted, and the counts `import` reports must
#     equal what the simulator says it wrote (samples, spans, inferences, outcomes, events);
#   - the ground truth stays outside telemetry/ (faultline never sees it) and names the fault;
#   - usage errors (a kind that does not apply, a wrong target, an onset outside the run) exit 2;
#   - the same seed gives byte-identical files;
#   - on the fraud-latency scenario, the imported traces show the feature-store call timing out
#     after the onset and the model server's own P99 unchanged (faultline traces compare).
. "$(dirname "$0")/lib.sh"
SIM=${FL_SIM:-$FL_BUILD/faultline-sim}
[ -x "$SIM" ] || fail "no simulator at $SIM (make $SIM)"

# gen NAME ARGS...: generate into $FL_TMP/NAME, import into its own data dir, compare the counts.
gen() {
    local name=$1; shift
    local out=$FL_TMP/$name cfg=$FL_TMP/$name.yml
    "$SIM" run "$@" --out "$out" >"$FL_TMP/$name.sim" 2>&1 || fail "$name: faultline-sim: $(cat "$FL_TMP/$name.sim")"
    [ -f "$out/truth.json" ] || fail "$name: no truth.json"
    [ ! -e "$out/telemetry/truth.json" ] || fail "$name: ground truth among the telemetry"
    { printf 'data_dir: %s/data-%s\nretention: 100y\nself_scrape: false\n' "$FL_TMP" "$name"
      cat "$out/faultline.yml"; } >"$cfg"
    "$FL_BIN" config check "$cfg" >/dev/null 2>"$FL_TMP/$name.cfgerr" ||
        fail "$name: config check: $(cat "$FL_TMP/$name.cfgerr")"
    "$FL_BIN" -c "$cfg" import "$out"/telemetry/* >"$FL_TMP/$name.imp" 2>&1 ||
        fail "$name: import failed: $(tail -3 "$FL_TMP/$name.imp")"
    python3 - "$FL_TMP/$name.sim" "$FL_TMP/$name.imp" "$name" <<'PY' || fail "$name: counts differ"
import re, sys
sim = dict(re.findall(r'(\w+)=(\S+)', open(sys.argv[1]).read()))
tot = {'samples': 0, 'spans': 0, 'inferences': 0, 'outcomes': 0, 'events': 0}
for line in open(sys.argv[2]):
    m = re.search(r': (\d+) samples in \d+ series, (\d+) spans, (\d+) inferences, (\d+) outcomes, (\d+) events', line)
    if m:
        for k, v in zip(('samples', 'spans', 'inferences', 'outcomes', 'events'), m.groups()):
            tot[k] += int(v)
ok = all(tot[k] == int(sim[k]) for k in tot)
if not ok:
    print(sys.argv[3], 'sim', sim, 'import', tot, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

for sc in fraud-latency ctr-drop stale-segments; do
    gen "$sc" --scenario "$sc"
    grep -q "\"scenario\": \"$sc\"" "$FL_TMP/$sc/truth.json" || fail "$sc: truth.json names no scenario"
done
pass "the three mission scenarios import cleanly, counts match"

# Every fault kind once, on the first system it applies to (faultline-sim faults).
n=0
while read -r kind systems _; do
    [ "$kind" = KIND ] && continue
    sys=${systems%%,*}
    case $sys in batch) dur=4d ;; *) dur=90m ;; esac
    gen "f-$kind" --system "$sys" --fault "$kind" --seed $((n + 7)) --duration "$dur"
    python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); sys.exit(0 if t["fault"]["kind"] == sys.argv[2] and t["fault"]["target"] else 1)' \
        "$FL_TMP/f-$kind/truth.json" "$kind" || fail "$kind: truth.json does not name the fault and target"
    n=$((n + 1))
done < <("$SIM" faults)
[ "$n" -ge 15 ] || fail "only $n fault kinds in the catalogue"
pass "$n fault kinds generated and imported cleanly"

# Usage errors: exit 2 with a message naming the problem, nothing written.
usage_err() {
    local want=$1; shift
    local rc=0
    "$SIM" run "$@" --out "$FL_TMP/bad" >"$FL_TMP/bad.out" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || fail "faultline-sim run $*: exit $rc, want 2"
    grep -q "$want" "$FL_TMP/bad.out" || fail "faultline-sim run $*: message $(cat "$FL_TMP/bad.out")"
    [ ! -e "$FL_TMP/bad" ] || fail "faultline-sim run $*: wrote output on a usage error"
}
usage_err "does not apply to the batch system" --system batch --fault cpu_throttling
usage_err "is not a target of" --system fraud --fault noisy_neighbour --target feature-store
usage_err 'invalid value "bogus"' --system fraud --fault bogus
usage_err "onset is outside the run" --system fraud --fault null_spike --duration 1h --onset +2h
pass "usage errors exit 2 with the problem named"

# Determinism: the same seed again, byte for byte.
"$SIM" run --system fraud --fault db_lock_contention --seed 11 --duration 1h --out "$FL_TMP/d1" >/dev/null
"$SIM" run --system fraud --fault db_lock_contention --seed 11 --duration 1h --out "$FL_TMP/d2" >/dev/null
diff -r "$FL_TMP/d1" "$FL_TMP/d2" >/dev/null || fail "same seed, different files"
pass "same seed, byte-identical files"

# Incident 2 in the imported traces: the feature-store edge slowed down, the model did not.
cfg=$FL_TMP/fraud-latency.yml
"$FL_BIN" -c "$cfg" traces compare --baseline 2026-11-03T11:00:00Z,2026-11-03T13:00:00Z \
    --incident 2026-11-03T13:00:00Z,2026-11-03T13:30:00Z --percentile 99 --format json \
    >"$FL_TMP/cmp.json" 2>"$FL_TMP/cmp.err" || fail "traces compare: $(cat "$FL_TMP/cmp.err")"
python3 - "$FL_TMP/cmp.json" <<'PY' || fail "fraud-latency traces do not show the network edge"
import json, sys
d = json.load(open(sys.argv[1]))
rows = d.get('rows', [])
edge = [r for r in rows if r.get('kind') == 'edge' and r.get('caller') == 'fraud-service'
        and r.get('callee') == 'feature-store']
model = [r for r in rows if 'fraud-model-server' in (r.get('service', ''), r.get('callee', ''))]
ok = (edge and edge[0]['changed'] and edge[0]['share'] > 0.5 and edge[0]['incident_error_rate'] > 0.1
      and d['baseline']['latency_ms'] < 80 and d['incident']['latency_ms'] > 300
      and not any(r.get('changed') for r in model))
if not ok:
    print('edge', edge[:1], 'model', model, d['baseline']['latency_ms'], d['incident']['latency_ms'], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
pass "fraud-latency: P99 < 80 ms -> > 300 ms, explained by the fraud-service -> feature-store edge (timeouts), not by the model server"
