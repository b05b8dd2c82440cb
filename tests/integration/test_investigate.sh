#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 5, items 1 and 7: an investigation over HTTP end to end. Imports the trace fixture of
# tests/cases/traces (40 ms of network delay on gateway -> feature-store from 14:06) through the
# real ingest route (POST /v1/traces), then:
#   - POST /api/v1/investigations with symptom latency:gateway and explicit windows: 201, the
#     JSON of schema version 1 names the network between gateway and feature-store first (the
#     feature store's own spans did not get slower), does not blame model-server, refutes
#     "model-server got slower" and "feature-store got slower", and reports a step that found
#     nothing;
#   - bad input: a bad window, an unknown field, a missing symptom, a body that is not JSON: 400
#     naming the field; the write route refuses a request without the bearer token;
#   - GET /api/v1/investigations/{id}: the same JSON as stored; ?format=markdown: text/markdown
#     with the verdict, the cause, the refuted hypothesis and "nothing changed here";
#   - GET /api/v1/investigations: the new one listed with its title and source "api";
#   - the CLI on the same data directory (after the server stopped) lists and shows it.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fixture=$root/tests/cases/traces/windows.otlp.json

port=$(free_port)
token=inv-test-token
cfg=$FL_TMP/faultline.yml
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nself_scrape: false\nauth:\n  bearer_token: %s\n' \
    "$port" "$FL_TMP" "$token" >"$cfg"
start_faultline "$port" "$cfg"
url=http://127.0.0.1:$port
auth="Authorization: Bearer $token"

code=$(curl -s -o "$FL_TMP/ingest.json" -w '%{http_code}' -H "$auth" \
    -H 'Content-Type: application/json' --data-binary @"$fixture" "$url/v1/traces")
[ "$code" = 200 ] || fail "ingest answered $code: $(cat "$FL_TMP/ingest.json")"
pass "fixture ingested"

# post BODY OUTFILE [AUTH]: print the status code
post() {
    curl -s -o "$2" -w '%{http_code}' -H "${3:-$auth}" -H 'Content-Type: application/json' \
        --data-binary "$1" "$url/api/v1/investigations"
}
json_check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
        { echo "--- $1:" >&2; head -c 3000 "$1" >&2; echo >&2; fail "$3"; }
}

body='{"symptom":"latency:gateway","baseline":"2025-11-25T14:00:00Z,2025-11-25T14:06:00Z",
"incident":"2025-11-25T14:06:00Z,2025-11-25T14:12:00Z","title":"gateway P99 alert"}'
code=$(post "$body" "$FL_TMP/inv.json")
[ "$code" = 201 ] || fail "POST answered $code: $(cat "$FL_TMP/inv.json")"
json_check "$FL_TMP/inv.json" 'd["status"] == "success" and d["data"]["schema_version"] == 1' \
    "envelope and schema version"
json_check "$FL_TMP/inv.json" 'd["data"]["id"].startswith("inv_") and len(d["data"]["id"]) == 20' "id"
json_check "$FL_TMP/inv.json" 'd["data"]["windows"]["incident"]["start"] == "2025-11-25T14:06:00Z"' \
    "incident window as given"
json_check "$FL_TMP/inv.json" 'd["data"]["request"]["source"] == "api" and d["data"]["request"]["title"] == "gateway P99 alert"' \
    "request source and title"
json_check "$FL_TMP/inv.json" 'd["data"]["verdict"] == "causes" and d["data"]["causes"][0]["component"] == "network gateway->feature-store" and d["data"]["causes"][0]["component_kind"] == "network"' \
    "the network gateway -> feature-store ranked first"
json_check "$FL_TMP/inv.json" 'any(r["hypothesis"] == "feature-store got slower" for r in d["data"]["refuted"])' \
    "feature-store hypothesis refuted (its own spans kept their latency)"
json_check "$FL_TMP/inv.json" 'all(c["component"] != "model-server" for c in d["data"]["causes"])' \
    "model-server is not blamed"
json_check "$FL_TMP/inv.json" 'any("model-server" in r["hypothesis"] for r in d["data"]["refuted"])' \
    "model-server hypothesis refuted"
json_check "$FL_TMP/inv.json" 'any(s["status"] == "nothing" for s in d["data"]["steps"])' \
    "a step reports that nothing changed"
json_check "$FL_TMP/inv.json" 'all(0 <= e["step"] < len(d["data"]["steps"]) and 0 <= e["index"] < len(d["data"]["steps"][e["step"]]["evidence"]) for c in d["data"]["causes"] for e in c["evidence"])' \
    "cause evidence references resolve"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["id"])' "$FL_TMP/inv.json")
pass "investigation $id: network gateway -> feature-store first, model-server and feature-store refuted"

# Bad input: 400 naming the field.
check_400() {
    local b=$1 field=$2 code
    code=$(post "$b" "$FL_TMP/bad.json")
    [ "$code" = 400 ] || fail "body $b answered $code, want 400: $(cat "$FL_TMP/bad.json")"
    [ -z "$field" ] || json_check "$FL_TMP/bad.json" "d.get(\"field\") == \"$field\" and \"$field\" in d[\"error\"]" \
        "400 for $b names $field"
}
check_400 '{"symptom":"latency:gateway","incident":"2025-11-25T14:12:00Z,2025-11-25T14:06:00Z"}' incident
check_400 '{"symptom":"latency:gateway","incidnet":"2025-11-25T14:06:00Z,2025-11-25T14:12:00Z"}' incidnet
check_400 '{"onset":"2025-11-25T14:06:00Z"}' symptom
check_400 '{"symptom":"kpi:"}' symptom
check_400 '{"symptom":42}' symptom
check_400 '{"symptom":"latency:gateway","onset":"yesterday"}' onset
check_400 'not json' ''
code=$(post "$body" "$FL_TMP/noauth.json" "X-No-Auth: 1")
[ "$code" = 401 ] || fail "POST without the token answered $code, want 401"
pass "bad input answered 400 naming the field; no token, 401"

code=$(curl -s -o "$FL_TMP/get.json" -w '%{http_code}' "$url/api/v1/investigations/$id")
[ "$code" = 200 ] || fail "GET by id answered $code"
python3 - "$FL_TMP/inv.json" "$FL_TMP/get.json" <<'PY' || fail "GET by id differs from the POST answer"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/investigations/inv_0000000000000000")
[ "$code" = 404 ] || fail "unknown id answered $code, want 404"
pass "GET by id returns the stored JSON; unknown id 404"

ctype=$(curl -s -o "$FL_TMP/inv.md" -w '%{content_type}' "$url/api/v1/investigations/$id?format=markdown")
case "$ctype" in text/markdown*) ;; *) fail "markdown content type $ctype" ;; esac
for want in "## Investigation: gateway P99 alert" "**Verdict:** **causes**" "### Ranked causes" \
    "1. **network gateway->feature-store**" "### Refuted hypotheses" "model-server" "nothing changed here" "$id"; do
    grep -qF -- "$want" "$FL_TMP/inv.md" || { cat "$FL_TMP/inv.md" >&2; fail "markdown lacks: $want"; }
done
pass "markdown report"

# A second one (onset given, default baseline) so that the list has an order to check.
code=$(post '{"symptom":"latency:gateway","onset":1764079560,"incident":"2025-11-25T14:06:00Z,2025-11-25T14:12:00Z"}' "$FL_TMP/inv2.json")
[ "$code" = 201 ] || fail "second POST answered $code: $(cat "$FL_TMP/inv2.json")"
id2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["id"])' "$FL_TMP/inv2.json")
curl -sf "$url/api/v1/investigations" -o "$FL_TMP/list.json" || fail "list"
json_check "$FL_TMP/list.json" "[x[\"id\"] for x in d[\"data\"]] == [\"$id2\", \"$id\"]" "list newest first"
json_check "$FL_TMP/list.json" 'd["data"][1]["title"] == "gateway P99 alert" and d["data"][1]["source"] == "api" and d["data"][1]["verdict"] == "causes" and d["data"][1]["symptom"].startswith("latency:gateway")' \
    "list fields"
curl -sf "$url/api/v1/investigations?limit=1" -o "$FL_TMP/list1.json" || fail "list limit"
json_check "$FL_TMP/list1.json" 'len(d["data"]) == 1' "list limit"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/investigations?limit=0")
[ "$code" = 400 ] || fail "limit=0 answered $code"
pass "list newest first, limit"

# The CLI reads the same store once the server has stopped.
kill "$FL_PID"; wait "$FL_PID" 2>/dev/null || true
"$FL_BIN" -c "$cfg" investigations list >"$FL_TMP/cli-list.txt" || fail "cli list"
grep -q "$id" "$FL_TMP/cli-list.txt" || fail "cli list lacks $id"
"$FL_BIN" -c "$cfg" investigations show "$id" --format json >"$FL_TMP/cli-show.json" || fail "cli show"
python3 - "$FL_TMP/get.json" "$FL_TMP/cli-show.json" <<'PY' || fail "CLI show differs from the API"
import json, sys
a, b = json.load(open(sys.argv[1]))["data"], json.load(open(sys.argv[2]))
sys.exit(0 if a == b else 1)
PY
"$FL_BIN" -c "$cfg" investigate latency:gateway --baseline 2025-11-25T14:00:00Z,2025-11-25T14:06:00Z \
    --incident 2025-11-25T14:06:00Z,2025-11-25T14:12:00Z --no-store >"$FL_TMP/cli-inv.txt" || fail "cli investigate"
grep -q "VERDICT: causes" "$FL_TMP/cli-inv.txt" || fail "cli investigate verdict"
grep -qF "1. network gateway->feature-store" "$FL_TMP/cli-inv.txt" || fail "cli investigate cause"
[ "$("$FL_BIN" -c "$cfg" investigations list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
    fail "--no-store stored an investigation"
pass "CLI list, show and investigate on the same data directory"
