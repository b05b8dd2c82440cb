#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `faultline skew --model` reads the served side from the store: inference logs imported into a
# data directory are joined to an offline table, with the same answer as from the file itself.
. "$(dirname "$0")/lib.sh"
dir="$FL_TMP/data"
"$FL_BIN" import --data-dir "$dir" tests/cases/skew/served.jsonl >/dev/null ||
    fail "import of the served logs failed"
rc=0
"$FL_BIN" skew --offline tests/cases/skew/offline_skewed.csv --model fraud --version v3 \
    --data-dir "$dir" --format json >"$FL_TMP/store.json" || rc=$?
[ "$rc" -eq 1 ] || fail "skew from the store: exit $rc, want 1 (skew found)"
rc=0
"$FL_BIN" skew --offline tests/cases/skew/offline_skewed.csv \
    --served tests/cases/skew/served.jsonl --format json >"$FL_TMP/file.json" || rc=$?
[ "$rc" -eq 1 ] || fail "skew from the file: exit $rc, want 1"
cmp -s "$FL_TMP/store.json" "$FL_TMP/file.json" ||
    fail "store and file answers differ: $(diff "$FL_TMP/store.json" "$FL_TMP/file.json" | head -5)"
# a time range that holds none of the logs joins nothing
"$FL_BIN" skew --offline tests/cases/skew/offline_skewed.csv --model fraud --data-dir "$dir" \
    --start 2026-11-21T00:00:00Z --end 2026-11-22T00:00:00Z --format json >"$FL_TMP/none.json" ||
    fail "skew over an empty range should find no mismatch"
grep -q '"served":0,' "$FL_TMP/none.json" || fail "empty range read records: $(head -c 200 "$FL_TMP/none.json")"

# POST /api/v1/skew: the offline rows in the body, the served side from the daemon's store
port=$(free_port)
start_faultline "$port"
B=http://127.0.0.1:$port
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @tests/cases/skew/served.jsonl "$B/v1/inferences")
[ "$code" = 200 ] || fail "POST /v1/inferences: $code"
code=$(curl -s -o "$FL_TMP/http.json" -w '%{http_code}' -H 'Content-Type: text/csv' \
    --data-binary @tests/cases/skew/offline_skewed.csv "$B/api/v1/skew?model=fraud&version=v3")
[ "$code" = 200 ] || fail "POST /api/v1/skew: $code $(cat "$FL_TMP/http.json")"
cmp -s "$FL_TMP/http.json" "$FL_TMP/file.json" || fail "HTTP and CLI answers differ"
code=$(curl -s -o "$FL_TMP/err.json" -w '%{http_code}' -H 'Content-Type: text/csv' \
    --data-binary @tests/cases/skew/bad_offline.csv "$B/api/v1/skew?model=fraud")
[ "$code" = 400 ] || fail "malformed offline table: $code"
grep -q '"line":2,"column":4' "$FL_TMP/err.json" || fail "error without position: $(cat "$FL_TMP/err.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @tests/cases/skew/offline_skewed.csv "$B/api/v1/skew")
[ "$code" = 400 ] || fail "missing model: $code"
pass "skew --model and POST /api/v1/skew join the store's logs exactly as the file's; ranges apply"
