#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `faultline rules export` writes alerting rules that Debian's promtool accepts (check rules) and
# that fire, with the labels and annotations written in tests/integration/rules/, on the series
# faultline exports (promtool test rules); options change the rules as documented.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool not installed"

"$FL_BIN" rules export --out "$FL_TMP/faultline_rules.yml" || fail "rules export failed"
out=$(promtool check rules "$FL_TMP/faultline_rules.yml" 2>&1) || fail "promtool check rules: $out"
echo "$out" | grep -q "SUCCESS: 7 rules found" || fail "unexpected promtool output: $out"
cp tests/integration/rules/faultline_rules_test.yml "$FL_TMP/"
out=$(cd "$FL_TMP" && promtool test rules faultline_rules_test.yml 2>&1) ||
    fail "promtool test rules: $out"

# options: stdout equals --out, and --for/--stale-ratio/--job land in the rules
"$FL_BIN" rules export --for 5m --stale-ratio 0.2 --job fl-prod >"$FL_TMP/custom.yml" ||
    fail "rules export with options failed"
promtool check rules "$FL_TMP/custom.yml" >/dev/null 2>&1 || fail "custom rules rejected"
grep -q "for: 5m" "$FL_TMP/custom.yml" || fail "--for not applied"
grep -q "faultline_feature_stale_ratio) > 0.2'" "$FL_TMP/custom.yml" ||
    fail "--stale-ratio not applied"
grep -q 'up{job="fl-prod"} == 0' "$FL_TMP/custom.yml" || fail "--job not applied"
rc=0
"$FL_BIN" rules export --for soon >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --for must be a usage error (exit 2), got $rc"
pass "rules export: promtool check rules and promtool test rules pass; options applied"
