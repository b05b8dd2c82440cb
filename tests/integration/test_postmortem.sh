#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 6, items 1, 6 and 7: the 5 Whys and the post-mortem of an investigation over HTTP end to
# end. Imports the trace fixture of tests/cases/traces (40 ms of network delay on gateway ->
# feature-store from 14:06) through POST /v1/traces, investigates latency:gateway, then:
#   - GET .../whys: derived from the evidence (stored false): the symptom, the network edge citing
#     the trace_evidence step, the refuted feature-store hypothesis, and an OPEN QUESTION where
#     the evidence stops (no change event recorded);
#   - POST .../whys: answer the open question (a person's link), confirm the network link; the
#     answer comes back stored with revision 2 and who edited and confirmed; a stale revision is
#     409; bad edits are 400 naming the field; an unknown id 404; no token 401;
#   - GET .../postmortem?format=html: self-contained HTML naming the cause, with the GFM tables,
#     the inline SVG chart and the systemic action item (retry budget, circuit breaker on the
#     call); markdown and json agree; a blaming edit shows up in the blame lint;
#   - the CLI on the same data directory (after the server stopped): whys show, postmortem.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fixture=$root/tests/cases/traces/windows.otlp.json

port=$(free_port)
token=pm-test-token
cfg=$FL_TMP/faultline.yml
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nself_scrape: false\nauth:\n  bearer_token: %s\n' \
    "$port" "$FL_TMP" "$token" >"$cfg"
start_faultline "$port" "$cfg"
url=http://127.0.0.1:$port
auth="Authorization: Bearer $token"

code=$(curl -s -o "$FL_TMP/ingest.json" -w '%{http_code}' -H "$auth" \
    -H 'Content-Type: application/json' --data-binary @"$fixture" "$url/v1/traces")
[ "$code" = 200 ] || fail "ingest answered $code: $(cat "$FL_TMP/ingest.json")"

json_check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
        { echo "--- $1:" >&2; head -c 3000 "$1" >&2; echo >&2; fail "$3"; }
}

body='{"symptom":"latency:gateway","baseline":"2025-11-25T14:00:00Z,2025-11-25T14:06:00Z",
"incident":"2025-11-25T14:06:00Z,2025-11-25T14:12:00Z","title":"gateway P99 alert"}'
code=$(curl -s -o "$FL_TMP/inv.json" -w '%{http_code}' -H "$auth" -H 'Content-Type: application/json' \
    --data-binary "$body" "$url/api/v1/investigations")
[ "$code" = 201 ] || fail "investigation answered $code: $(cat "$FL_TMP/inv.json")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"]["id"])' "$FL_TMP/inv.json")
pass "investigation $id"

# --- the derived 5 Whys ---
code=$(curl -s -o "$FL_TMP/whys.json" -w '%{http_code}' "$url/api/v1/investigations/$id/whys")
[ "$code" = 200 ] || fail "GET whys answered $code: $(cat "$FL_TMP/whys.json")"
json_check "$FL_TMP/whys.json" 'd["data"]["stored"] is False and d["data"]["whys"]["revision"] == 0 and d["data"]["investigation_id"] == "'"$id"'"' \
    "derived chain, not stored"
json_check "$FL_TMP/whys.json" '[l["level"] for l in d["data"]["whys"]["links"]] == ["symptom", "component", "upstream", "change"]' \
    "levels symptom, component, upstream, change"
json_check "$FL_TMP/whys.json" 'all(l["source"] == "evidence" and l["citations"] for l in d["data"]["whys"]["links"][:3])' \
    "derived links cite evidence"
json_check "$FL_TMP/whys.json" 'd["data"]["whys"]["links"][1]["citations"][0]["step_name"] == "trace_evidence" and d["data"]["whys"]["links"][1]["citations"][0]["ref"] == "edge:gateway->feature-store"' \
    "the component link cites the trace key of the edge"
json_check "$FL_TMP/whys.json" 'd["data"]["whys"]["links"][2]["citations"][0]["kind"] == "refuted" and "feature-store" in d["data"]["whys"]["links"][2]["text"]' \
    "the upstream link cites the refuted feature-store hypothesis"
json_check "$FL_TMP/whys.json" 'd["data"]["whys"]["links"][3]["open"] is True and d["data"]["whys"]["links"][3]["text"] is None and "No change event" in d["data"]["whys"]["links"][3]["question"]' \
    "the chain stops with an open question"
pass "derived 5 Whys: symptom, edge, refuted callee, open question"

# --- edits ---
# edit BODY OUTFILE [AUTH]: print the status code
edit() {
    curl -s -o "$2" -w '%{http_code}' -H "${3:-$auth}" -H 'Content-Type: application/json' \
        --data-binary "$1" "$url/api/v1/investigations/$id/whys"
}
code=$(edit '{"op":"edit","index":3,"text":"a config change halved the connection pool of gateway to feature-store","by":"bob"}' "$FL_TMP/e1.json")
[ "$code" = 200 ] || fail "edit answered $code: $(cat "$FL_TMP/e1.json")"
json_check "$FL_TMP/e1.json" 'd["data"]["stored"] is True and d["data"]["whys"]["revision"] == 1' "stored as revision 1"
code=$(edit '{"op":"confirm","index":1,"by":"alice","revision":1}' "$FL_TMP/e2.json")
[ "$code" = 200 ] || fail "confirm answered $code: $(cat "$FL_TMP/e2.json")"
code=$(edit '{"op":"delete","index":0,"revision":1}' "$FL_TMP/e3.json")
[ "$code" = 409 ] || fail "stale revision answered $code, want 409: $(cat "$FL_TMP/e3.json")"
curl -sf "$url/api/v1/investigations/$id/whys" -o "$FL_TMP/whys2.json" || fail "GET whys after edits"
json_check "$FL_TMP/whys2.json" 'd["data"]["stored"] and d["data"]["whys"]["revision"] == 2 and len(d["data"]["whys"]["links"]) == 4' \
    "revision 2, four links"
json_check "$FL_TMP/whys2.json" '(lambda l: l[3]["source"] == "person" and l[3]["edited_by"] == "bob" and not l[3]["open"] and l[3]["text"].startswith("a config change"))(d["data"]["whys"]["links"])' \
    "the person's answer with who edited it"
json_check "$FL_TMP/whys2.json" '(lambda l: l[1]["confirmed"] and l[1]["confirmed_by"] == "alice" and l[1]["source"] == "evidence")(d["data"]["whys"]["links"])' \
    "the confirmed derived link"
curl -sf "$url/api/v1/investigations/$id" -o "$FL_TMP/inv2.json" || fail "GET investigation"
json_check "$FL_TMP/inv2.json" 'd["data"]["schema_version"] == 1 and d["data"]["whys"]["revision"] == 2 and d["data"]["causes"][0]["component"] == "network gateway->feature-store"' \
    "the edits are stored with the investigation"
pass "edit, confirm, stale revision 409, stored with the investigation"

check_4xx() {
    local b=$1 want=$2 field=$3 code
    code=$(edit "$b" "$FL_TMP/bad.json")
    [ "$code" = "$want" ] || fail "edit $b answered $code, want $want: $(cat "$FL_TMP/bad.json")"
    [ -z "$field" ] || json_check "$FL_TMP/bad.json" "d.get(\"field\") == \"$field\" and d[\"error\"]" \
        "$want for $b names $field"
}
check_4xx '{"op":"edit","index":9,"text":"x"}' 400 index
check_4xx '{"op":"edit","index":1,"txet":"x"}' 400 txet
check_4xx '{"index":1}' 400 op
check_4xx '{"op":"confirm","index":1,"text":7}' 400 text
check_4xx '{"op":"replace","links":[{"level":"symptom"}]}' 400 'links[0].text'
check_4xx 'not json' 400 body
code=$(edit '{"op":"confirm","index":0}' "$FL_TMP/noauth.json" "X-No-Auth: 1")
[ "$code" = 401 ] || fail "edit without the token answered $code, want 401"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/investigations/inv_0000000000000000/whys")
[ "$code" = 404 ] || fail "unknown id answered $code, want 404"
pass "bad edits 400 naming the field; no token 401; unknown id 404"

# --- the post-mortem ---
ctype=$(curl -s -o "$FL_TMP/pm.html" -w '%{content_type}' "$url/api/v1/investigations/$id/postmortem?format=html")
case "$ctype" in text/html*) ;; *) fail "html content type $ctype" ;; esac
for want in "<!DOCTYPE html>" "@media print" "<h1>Post-mortem: gateway P99 alert</h1>" \
    "network gateway-&gt;feature-store" "<table>" "<svg xmlns=" "retry budget with jittered exponential backoff" \
    "circuit breaker" "person, edited by bob" "a config change halved the connection pool" "confirmed by alice" \
    "<figure class=\"fault-tree\"><svg" "latency SLO breach on a model-serving path" \
    "network:gateway-&gt;feature-store" "Satisfied minimal cut sets"; do
    grep -qF -- "$want" "$FL_TMP/pm.html" || fail "post-mortem HTML lacks: $want"
done
grep -q '<script\|src="http\|href="http\|<link' "$FL_TMP/pm.html" && fail "post-mortem HTML is not self-contained"
pass "post-mortem HTML: cause, tables, SVG, systemic action, 5 Whys marks, the default fault tree evaluated and drawn, self-contained"

ctype=$(curl -s -o "$FL_TMP/pm.md" -w '%{content_type}' "$url/api/v1/investigations/$id/postmortem")
case "$ctype" in text/markdown*) ;; *) fail "markdown content type $ctype" ;; esac
grep -qF "## Action items" "$FL_TMP/pm.md" || fail "markdown lacks the action items"
curl -sf "$url/api/v1/investigations/$id/postmortem?format=json" -o "$FL_TMP/pm.json" || fail "json"
json_check "$FL_TMP/pm.json" 'd["data"]["postmortem_version"] == 1 and d["data"]["causes"][0]["kind"] == "network" and d["data"]["whys"]["revision"] == 2' \
    "post-mortem JSON"
json_check "$FL_TMP/pm.json" 'all(a["owner"] is None for a in d["data"]["action_items"]) and any("circuit breaker" in a["text"] for a in d["data"]["action_items"])' \
    "action items systemic, owners for the team"
json_check "$FL_TMP/pm.json" 'd["data"]["lint"] == []' "no blaming phrasing yet"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/investigations/$id/postmortem?format=pdf")
[ "$code" = 400 ] || fail "format=pdf answered $code"

code=$(edit '{"op":"add","text":"Bob forgot to check the pool size; human error","by":"carol"}' "$FL_TMP/e4.json")
[ "$code" = 200 ] || fail "add answered $code"
curl -sf "$url/api/v1/investigations/$id/postmortem?format=json" -o "$FL_TMP/pm2.json" || fail "json 2"
json_check "$FL_TMP/pm2.json" 'sorted(f["rule"] for f in d["data"]["lint"]) == ["forgot", "human-error"] and all(f["where"] == "whys link 5" for f in d["data"]["lint"])' \
    "the blame lint flags the person-written link"
pass "post-mortem markdown and JSON; lint flags blaming text"

# --- the CLI on the same data directory ---
kill "$FL_PID"; wait "$FL_PID" 2>/dev/null || true
"$FL_BIN" -c "$cfg" whys show "$id" >"$FL_TMP/cli-whys.txt" || fail "cli whys show"
grep -q "revision 3" "$FL_TMP/cli-whys.txt" || fail "cli whys show: $(cat "$FL_TMP/cli-whys.txt")"
"$FL_BIN" -c "$cfg" whys delete "$id" 5 >/dev/null || fail "cli whys delete"
"$FL_BIN" -c "$cfg" postmortem "$id" --format markdown --out "$FL_TMP/cli-pm.md" || fail "cli postmortem"
grep -qF "No blaming phrasing found" "$FL_TMP/cli-pm.md" || fail "the deleted link is still linted"
"$FL_BIN" -c "$cfg" postmortem lint "$FL_TMP/pm.md" || fail "generated markdown is not blameless"
printf 'It was Bob%ss fault.\n' "'" >"$FL_TMP/blame.md"
if "$FL_BIN" postmortem lint "$FL_TMP/blame.md" >"$FL_TMP/lint.txt"; then fail "lint passed blaming text"; fi
grep -qF "blame.md:1:8: possessive-fault" "$FL_TMP/lint.txt" || fail "lint output: $(cat "$FL_TMP/lint.txt")"
printf '# {{title}}\n{{timelime}}\n' >"$FL_TMP/bad-tpl.md"
set +e
"$FL_BIN" -c "$cfg" postmortem "$id" --template "$FL_TMP/bad-tpl.md" 2>"$FL_TMP/tpl.err" >/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || fail "bad template exit $rc"
grep -qF "bad-tpl.md:2:1" "$FL_TMP/tpl.err" || fail "template error: $(cat "$FL_TMP/tpl.err")"
pass "CLI whys show/delete, postmortem, lint, template error with line and column"
