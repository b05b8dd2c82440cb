#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 7, item 5, the CI smoke version of `faultline-sim eval`: a few incidents of three kinds
# (the network partition of incident 2, the silent cron of incident 3, a model regression) and
# healthy runs, each generated, imported and investigated through the public command lines, and
# scored against the ground truth. Asserts the table's shape and that these kinds are found at
# rank 1 with the right fault kind, and that healthy runs name no culprit.
. "$(dirname "$0")/lib.sh"
SIM=${FL_BUILD}/faultline-sim
[ -x "$SIM" ] || fail "no $SIM (make builds it)"
"$SIM" eval --n 6 --healthy 3 --seed 4242 --jobs 2 --faultline "$FL_BIN" \
    --kinds network_packet_loss,cron_silent_failure,model_regression --dir "$FL_TMP/eval" \
    --json "$FL_TMP/runs.jsonl" --markdown "$FL_TMP/table.md" >"$FL_TMP/table.txt" 2>"$FL_TMP/eval.log" ||
    { tail -20 "$FL_TMP/eval.log" >&2; cat "$FL_TMP/table.txt" >&2; fail "eval failed"; }
cat "$FL_TMP/table.txt"
python3 - "$FL_TMP/runs.jsonl" <<'PY' || fail "scores: $(cat "$FL_TMP/runs.jsonl")"
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
assert len(runs) == 9, len(runs)
assert all(r["ok"] for r in runs), [r for r in runs if not r["ok"]]
inc = [r for r in runs if r["fault"] != "none"]
healthy = [r for r in runs if r["fault"] == "none"]
assert {r["fault"] for r in inc} == {"network_packet_loss", "cron_silent_failure", "model_regression"}
for r in inc:
    assert r["rank"] == 1 and r["right"], r
    assert r["kind_right"], r
for r in healthy:
    assert r["right"], r
PY
grep -q '^| \*\*all incidents\*\* | 6 | 1.000 | 1.000 | 1.000 | 1.000 |' "$FL_TMP/table.md" ||
    fail "markdown table: $(cat "$FL_TMP/table.md")"
pass "eval smoke: 6 incidents at rank 1 with the right fault kind, 3 healthy runs naming nothing"
