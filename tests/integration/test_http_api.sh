#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every route of faultline's HTTP API against a real `faultline serve`: ingest of each record kind
# read back with exact values (span parents and attributes, a request joined with its outcomes,
# events filtered, query_range values with lookback, series, labels), gzip bodies, 400 with
# line/field and nothing stored, 413, 415, 401 with a token configured, 404/405 as JSON, and a
# SIGTERM that exits 0 promptly with every acknowledged record still there after a restart.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
cfg=$FL_TMP/api.yml
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nself_scrape: false\nlimits:\n  body_bytes: 200000\n' \
    "$port" "$FL_TMP" >"$cfg"
B=http://127.0.0.1:$port
OUT=$FL_TMP/out

start_server() {
    "$FL_BIN" -c "$1" serve >>"$FL_TMP/serve.log" 2>&1 &
    SERVER_PID=$!
    FL_PIDS="$FL_PIDS $SERVER_PID"
    wait_http "$2/healthz"
}

# req ARGS...: curl with the body to $OUT; prints the HTTP status.
req() { curl -s -o "$OUT" -w '%{http_code}' "$@"; }
# expect STATUS ARGS...: run req and fail unless the status matches.
expect() {
    local want=$1; shift
    local got
    got=$(req "$@")
    [ "$got" = "$want" ] || fail "$* -> HTTP $got, want $want: $(head -c 600 "$OUT")"
}
# check PYTHON: assertions over d = the JSON in $OUT.
check() {
    python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
$1" "$OUT" || fail "check failed on $(head -c 1500 "$OUT")"
}
metric() { curl -s "$B/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

start_server "$cfg" "$B"

# ---- healthz, 404, 405 ----
expect 200 "$B/healthz"
check 'assert d == {"status": "ok"}'
expect 404 "$B/api/v1/nothing"
check 'assert d["code"] == "FL_ENOTFOUND" and d["error"]'
allow=$(curl -s -o "$OUT" -D - -X GET "$B/v1/traces" | tr -d '\r' | awk -F': ' 'tolower($1)=="allow"{print $2}')
[ "$allow" = "POST" ] || fail "Allow header for GET /v1/traces: '$allow'"
expect 405 -X GET "$B/v1/traces"
check 'assert "not allowed" in d["error"]'
pass "healthz, 404 and 405 answer JSON"

# ---- inferences + outcomes, read back joined ----
T=1764000000
cat >"$FL_TMP/inf.jsonl" <<EOF
{"ts":$T,"request_id":"r-1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","model":"fraud","model_version":"v3","features":{"amount":12.5,"country":"DE","new_user":false,"ltv":{"status":"not_found"}},"prediction":0.25,"segments":{"platform":"ios","country":"DE"},"latency_ms":7.5}
{"ts":$((T + 1)),"request_id":"r-2","model":"fraud","model_version":"v4","features":{"amount":99},"prediction":{"class":"fraud","score":0.9}}
EOF
expect 200 -X POST -H 'Content-Type: application/x-ndjson' --data-binary @"$FL_TMP/inf.jsonl" "$B/v1/inferences"
check 'assert d == {"accepted": 2}'
printf '{"ts":%s,"request_id":"r-1","name":"click","value":1}\n{"ts":%s,"request_id":"r-1","outcome":"label","value":0,"attributes":{"source":"chargeback"}}\n' \
    $((T + 60)) $((T + 3600)) >"$FL_TMP/out.jsonl"
expect 200 -X POST --data-binary @"$FL_TMP/out.jsonl" "$B/v1/outcomes"
check 'assert d == {"accepted": 2}'
expect 200 "$B/api/v1/requests/r-1"
check '
assert d["request_id"] == "r-1" and d["model"] == "fraud" and d["model_version"] == "v3", d
assert d["ts_ms"] == 1764000000000 and d["ts"] == "2025-11-24T16:00:00Z", d["ts"]
assert d["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
f = {x["name"]: (x["value"], x["status"]) for x in d["features"]}
assert f == {"amount": (12.5, "present"), "country": ("DE", "present"),
             "new_user": (False, "present"), "ltv": (None, "not_found")}, f
assert d["prediction"] == {"kind": "score", "score": 0.25}, d["prediction"]
assert d["segments"] == {"country": "DE", "platform": "ios"}, d["segments"]
assert d["latency_ms"] == 7.5
o = sorted((x["name"], x["value"], x["ts_ms"]) for x in d["outcomes"])
assert o == [("click", 1, 1764000060000), ("label", 0, 1764003600000)], o
assert [x["attributes"] for x in d["outcomes"] if x["name"] == "label"] == [{"source": "chargeback"}]'
expect 200 "$B/api/v1/requests/r-2"
check 'assert d["prediction"] == {"kind": "class", "class": "fraud", "score": 0.9} and d["outcomes"] == [] and d["trace_id"] is None'
expect 404 "$B/api/v1/requests/r-unknown"
check 'assert d["code"] == "FL_ENOTFOUND"'
pass "inferences and outcomes stored and joined by request id"

# ---- a bad line rejects the whole body: 400 with line/column/field, nothing stored ----
before=$(metric 'faultline_ingested_records_total{kind="inference"}')
printf '{"ts":%s,"request_id":"bad-1","model":"m","model_version":"v1"}\n{"ts":%s,"request_id":"bad-2","model":"m","model_version":"v1","features":{"age":[1,2]}}\n' \
    $T $T >"$FL_TMP/bad.jsonl"
expect 400 -X POST --data-binary @"$FL_TMP/bad.jsonl" "$B/v1/inferences"
check '
assert d["code"] == "FL_EPARSE", d
assert d["line"] == 2 and d["column"] > 1, d
assert d["field"].startswith("features.age"), d
assert "age" in d["error"], d'
expect 404 "$B/api/v1/requests/bad-1"
after=$(metric 'faultline_ingested_records_total{kind="inference"}')
[ "$before" = "$after" ] || fail "inference count changed from $before to $after after a rejected body"
[ "$(metric 'faultline_rejected_records_total{kind="inference",reason="parse"}')" = 1 ] ||
    fail "rejected inference not counted"
pass "bad JSONL: 400 at line 2, field features.age, nothing stored"

# ---- gzip body ----
printf '{"ts":%s,"request_id":"r-gz","model":"fraud","model_version":"v3","prediction":0.5}\n' $T |
    gzip -c >"$FL_TMP/inf.gz"
expect 200 -X POST -H 'Content-Encoding: gzip' --data-binary @"$FL_TMP/inf.gz" "$B/v1/inferences"
check 'assert d == {"accepted": 1}'
expect 200 "$B/api/v1/requests/r-gz"
check 'assert d["prediction"]["score"] == 0.5'
printf 'not gzip at all' >"$FL_TMP/notgz"
expect 400 -X POST -H 'Content-Encoding: gzip' --data-binary @"$FL_TMP/notgz" "$B/v1/inferences"
expect 415 -X POST -H 'Content-Encoding: br' --data-binary @"$FL_TMP/notgz" "$B/v1/inferences"
pass "gzip bodies inflated; corrupt gzip 400, unknown encoding 415"

# ---- 413: Content-Length over the cap, chunked over the cap, gzip bomb ----
head -c 300000 /dev/zero | tr '\0' 'x' >"$FL_TMP/big"
expect 413 -X POST --data-binary @"$FL_TMP/big" "$B/v1/inferences"
check 'assert d["code"] == "FL_ELIMIT"'
expect 413 -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$FL_TMP/big" "$B/v1/inferences"
head -c 5000000 /dev/zero | gzip -c >"$FL_TMP/bomb.gz"
expect 413 -X POST -H 'Content-Encoding: gzip' --data-binary @"$FL_TMP/bomb.gz" "$B/v1/inferences"
expect 200 "$B/healthz"
pass "413 for bodies over limits.body_bytes (declared, chunked, and after gunzip)"

# ---- events: post object and array, list with filters ----
expect 200 -X POST --data-binary \
    '{"id":"ev-1","ts":"2025-11-24T15:00:00Z","kind":"deploy","component":"fraud-api","message":"v3.2 rollout","attributes":{"sha":"9fceb02"}}' \
    "$B/api/v1/events"
check 'assert d == {"accepted": 1}'
expect 200 -X POST --data-binary \
    '[{"id":"ev-2","ts":"2025-11-24T15:30:00Z","kind":"config_change","component":"fraud-api"},
      {"id":"ev-3","ts":"2025-11-24T15:45:00Z","kind":"model_version_change","component":"fraud-serving","attributes":{"model":"fraud","version":"v4","stage":"production"}},
      {"id":"ev-4","ts":"2025-11-24T15:50:00Z","end":"2025-11-24T15:55:00Z","kind":"batch_run","component":"features","status":"failure","rows":0}]' \
    "$B/api/v1/events"
check 'assert d == {"accepted": 3}'
expect 200 "$B/api/v1/events?start=2025-11-24T00:00:00Z&end=2025-11-25T00:00:00Z"
check '
assert d["status"] == "success"
ids = [e["id"] for e in d["data"]]
# the posted events, then the first request of each model version in the inference logs
# posted earlier, which the store records as a change event of its own
assert ids == ["ev-1", "ev-2", "ev-3", "ev-4", "first-served:fraud:v3", "first-served:fraud:v4"], ids
fs = d["data"][5]
assert fs["kind"] == "model_version_change" and fs["component"] == "fraud", fs
assert fs["attributes"] == {"model": "fraud", "version": "v4", "source": "traffic"}, fs
e1 = d["data"][0]
assert e1["ts"] == "2025-11-24T15:00:00Z" and e1["ts_ms"] == 1763996400000 and e1["end"] is None
assert e1["kind"] == "deploy" and e1["component"] == "fraud-api" and e1["message"] == "v3.2 rollout"
assert e1["attributes"] == {"sha": "9fceb02"}, e1
e4 = d["data"][3]
assert e4["status"] == "failure" and e4["rows"] == 0 and e4["end"] == "2025-11-24T15:55:00Z", e4'
expect 200 "$B/api/v1/events?start=1763990000&end=1764000000&component=fraud-api"
check 'assert [e["id"] for e in d["data"]] == ["ev-1", "ev-2"]'
expect 200 "$B/api/v1/events?kind=batch_run"
check 'assert [e["id"] for e in d["data"]] == ["ev-4"]'
expect 200 "$B/api/v1/events?start=0&limit=1"
check 'assert len(d["data"]) == 1'
expect 200 "$B/api/v1/events?start=2025-11-24T15:40:00Z&end=2025-11-24T15:46:00Z"
check 'assert [e["id"] for e in d["data"]] == ["ev-3"]'
expect 400 "$B/api/v1/events?start=yesterday"
expect 400 "$B/api/v1/events?limit=-3"
expect 400 -X POST --data-binary '{"ts":1,"kind":"rollout","component":"x"}' "$B/api/v1/events"
check 'assert d["code"] == "FL_EPARSE" and d["field"] == "kind" and d["line"] == 1, d'
pass "events stored and filtered by time, kind, component, limit"

# ---- models (the registry learnt v4 from the model_version_change event) ----
expect 200 "$B/api/v1/models"
check '
m = {(x["model"], x["version"]): x for x in d["data"]}
assert ("fraud", "v4") in m, m
assert m[("fraud", "v4")]["stage"] == "production", m'
pass "model registry lists versions"

# ---- traces: OTLP/HTTP JSON ----
TR=5b8efff798038103d269b633813fc60c
cat >"$FL_TMP/trace.json" <<EOF
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"fraud-api"}},{"key":"deployment.environment","value":{"stringValue":"test"}}]},
 "scopeSpans":[{"scope":{"name":"it"},"spans":[
  {"traceId":"$TR","spanId":"eee19b7ec3c1b174","name":"POST /score","kind":2,"startTimeUnixNano":"1764000000000000000","endTimeUnixNano":"1764000000042000000",
   "attributes":[{"key":"http.response.status_code","value":{"intValue":"200"}}],"status":{}},
  {"traceId":"$TR","spanId":"eee19b7ec3c1b173","parentSpanId":"eee19b7ec3c1b174","name":"GET features","kind":3,"startTimeUnixNano":"1764000000005000000","endTimeUnixNano":"1764000000030000000",
   "attributes":[{"key":"peer.service","value":{"stringValue":"feature-store"}},{"key":"retry.count","value":{"intValue":2}},{"key":"cache.hit","value":{"boolValue":false}}],
   "events":[{"timeUnixNano":"1764000000010000000","name":"retry","attributes":[]}],
   "status":{"code":2,"message":"deadline exceeded"}}]}]}]}
EOF
expect 200 -X POST -H 'Content-Type: application/json' --data-binary @"$FL_TMP/trace.json" "$B/v1/traces"
check 'assert d == {}, d'
ct=$(curl -s -o /dev/null -D - -X POST -H 'Content-Type: application/json' --data-binary @"$FL_TMP/trace.json" "$B/v1/traces" | tr -d '\r' | awk -F': ' 'tolower($1)=="content-type"{print $2}')
[ "$ct" = "application/json" ] || fail "OTLP response content type '$ct'"
expect 200 "$B/api/v1/traces/$TR"
check '
assert d["traceId"] == "5b8efff798038103d269b633813fc60c"
s = {x["spanId"]: x for x in d["spans"]}
assert len(s) == 2, s
root, child = s["eee19b7ec3c1b174"], s["eee19b7ec3c1b173"]
assert root["parentSpanId"] == "" and child["parentSpanId"] == "eee19b7ec3c1b174"
assert root["service"] == "fraud-api" and root["name"] == "POST /score" and root["kind"] == 2
assert root["startTimeUnixNano"] == "1764000000000000000" and root["endTimeUnixNano"] == "1764000000042000000"
assert abs(root["durationMs"] - 42) < 1e-9, root["durationMs"]
assert root["attributes"] == {"http.response.status_code": 200}, root["attributes"]
assert root["resource"]["deployment.environment"] == "test"
assert child["attributes"] == {"peer.service": "feature-store", "retry.count": 2, "cache.hit": False}, child
assert child["status"] == {"code": 2, "message": "deadline exceeded"}
assert [e["name"] for e in child["events"]] == ["retry"]
assert d["spans"][0]["spanId"] == "eee19b7ec3c1b174", "spans ordered by start"'
expect 200 "$B/api/v1/traces/5B8EFFF798038103D269B633813FC60C"
expect 404 "$B/api/v1/traces/00000000000000000000000000000001"
check 'assert d["code"] == "FL_ENOTFOUND"'
expect 400 "$B/api/v1/traces/xyz"
expect 415 -X POST -H 'Content-Type: application/x-protobuf' --data-binary @"$FL_TMP/trace.json" "$B/v1/traces"
check 'assert d["code"] == 12 and "JSON" in d["message"], d'
expect 400 -X POST -H 'Content-Type: application/json' --data-binary '{"resourceSpans":[{' "$B/v1/traces"
check 'assert d["code"] == 3 and d["message"], d'
gzip -c "$FL_TMP/trace.json" >"$FL_TMP/trace.json.gz"
expect 200 -X POST -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$FL_TMP/trace.json.gz" "$B/v1/traces"
pass "OTLP traces stored and read back; protobuf 415, malformed 400 (google.rpc.Status)"

# ---- Prometheus push, query_range, series, labels ----
now=$(date +%s)
T0=$(( (now - 3600) / 60 * 60 ))
cat >"$FL_TMP/prom.txt" <<EOF
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/score"} 1 $((T0 * 1000))
http_requests_total{code="200",path="/score"} 3 $(((T0 + 30) * 1000))
http_requests_total{code="500",path="/score"} 0.5 $(((T0 + 15) * 1000))
# TYPE queue_depth gauge
queue_depth 7 $((T0 * 1000))
EOF
expect 200 -X POST -H 'Content-Type: text/plain; version=0.0.4' --data-binary @"$FL_TMP/prom.txt" \
    "$B/api/v1/import/prometheus?job=api&instance=10.0.0.1:80"
check 'assert d == {"accepted": 4}, d'
expect 200 "$B/api/v1/query_range?query=http_requests_total%7Bcode%3D%22200%22%7D&start=$T0&end=$((T0 + 60))&step=15s&lookback_delta=20s"
check "
assert d['status'] == 'success' and d['data']['resultType'] == 'matrix'
r = d['data']['result']
assert len(r) == 1, r
assert r[0]['metric'] == {'__name__': 'http_requests_total', 'code': '200', 'path': '/score', 'job': 'api', 'instance': '10.0.0.1:80'}, r[0]['metric']
assert r[0]['values'] == [[$T0, '1'], [$((T0 + 15)), '1'], [$((T0 + 30)), '3'], [$((T0 + 45)), '3']], r[0]['values']"
# the same as a form-encoded POST, default lookback (5m): the last value holds to the end
expect 200 -X POST --data-urlencode 'query=http_requests_total' --data-urlencode "start=$T0" \
    --data-urlencode "end=$((T0 + 60))" --data-urlencode 'step=30' "$B/api/v1/query_range"
check "
r = d['data']['result']
assert [x['metric']['code'] for x in r] == ['200', '500'], r
assert r[0]['values'] == [[$T0, '1'], [$((T0 + 30)), '3'], [$((T0 + 60)), '3']], r[0]['values']
assert r[1]['values'] == [[$((T0 + 30)), '0.5'], [$((T0 + 60)), '0.5']], r[1]['values']"
expect 400 "$B/api/v1/query_range?query=up&start=0&end=200000&step=1"
check 'assert d == {"status": "error", "errorType": "bad_data", "error": "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}, d'
expect 400 "$B/api/v1/query_range?query=up&start=100&end=50&step=1"
check 'assert d["errorType"] == "bad_data" and d["error"] == "end timestamp must not be before start time"'
expect 400 "$B/api/v1/query_range?query=rate(up%5B5m%5D)&start=0&end=50&step=1"
check 'assert d["status"] == "error" and d["errorType"] == "bad_data"'
expect 200 "$B/api/v1/series?match%5B%5D=http_requests_total%7Bcode%3D%22500%22%7D&match%5B%5D=queue_depth"
check "
assert d['status'] == 'success'
assert d['data'] == [
  {'__name__': 'http_requests_total', 'code': '500', 'instance': '10.0.0.1:80', 'job': 'api', 'path': '/score'},
  {'__name__': 'queue_depth', 'instance': '10.0.0.1:80', 'job': 'api'}], d['data']"
expect 400 "$B/api/v1/series"
expect 200 "$B/api/v1/labels"
check 'assert d["data"] == ["__name__", "code", "instance", "job", "path"], d'
expect 200 "$B/api/v1/label/__name__/values"
check 'assert d["data"] == ["http_requests_total", "queue_depth"], d'
expect 200 "$B/api/v1/label/code/values"
check 'assert d["data"] == ["200", "500"], d'
expect 400 -X POST --data-binary $'bad metric line {\n' "$B/api/v1/import/prometheus"
check 'assert d["code"] == "FL_EPARSE" and d["line"] == 1, d'
pass "Prometheus push, query_range (lookback), series, labels, label values"

# ---- /metrics counts what was ingested ----
[ "$(metric 'faultline_ingested_records_total{kind="inference"}')" = 3 ] || fail "inference count"
[ "$(metric 'faultline_ingested_records_total{kind="outcome"}')" = 2 ] || fail "outcome count"
[ "$(metric 'faultline_ingested_records_total{kind="event"}')" = 4 ] || fail "event count"
[ "$(metric 'faultline_ingested_records_total{kind="sample"}')" = 4 ] || fail "sample count"
[ "$(metric 'faultline_ingested_records_total{kind="span"}')" = 6 ] || fail "span count"
pass "/metrics counts ingested records"

# ---- auth: a second server with a token ----
port2=$(free_port)
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data2\nself_scrape: false\nauth:\n  bearer_token: s3cret-token\n' \
    "$port2" "$FL_TMP" >"$FL_TMP/auth.yml"
B2=http://127.0.0.1:$port2
start_server "$FL_TMP/auth.yml" "$B2"
body='{"ts":1764000000,"request_id":"a-1","model":"m","model_version":"v1"}'
expect 401 -X POST --data-binary "$body" "$B2/v1/inferences"
check 'assert d["code"] == "FL_EAUTH"'
expect 401 -X POST -H 'Authorization: Bearer s3cret-tokeN' --data-binary "$body" "$B2/v1/inferences"
expect 401 -X POST -H 'Authorization: Bearer s3cret-token-and-more' --data-binary "$body" "$B2/v1/inferences"
expect 401 -X POST -H 'Authorization: Basic czNjcmV0LXRva2Vu' --data-binary "$body" "$B2/v1/inferences"
# credentials are checked before anything else is parsed: a bad query string still gets 401
expect 401 -X POST --data-binary "$body" "$B2/v1/inferences?x=%zz"
expect 404 "$B2/api/v1/requests/a-1"
expect 200 -X POST -H 'Authorization: Bearer s3cret-token' --data-binary "$body" "$B2/v1/inferences"
expect 200 "$B2/api/v1/requests/a-1"
expect 200 "$B2/api/v1/events"
expect 200 -X POST --data-urlencode 'query=up' --data-urlencode 'start=0' --data-urlencode 'end=60' \
    --data-urlencode 'step=15' "$B2/api/v1/query_range"
pass "auth.bearer_token: writes need the bearer token, reads stay open"

# ---- SIGTERM: prompt exit 0, data persists across a restart ----
kill -TERM "$SERVER_PID"
for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVER_PID" 2>/dev/null && fail "auth server did not stop within 5 s of SIGTERM"
rc=0; wait "$SERVER_PID" || rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
first=$(echo "$FL_PIDS" | awk '{print $1}')
kill -TERM "$first"
t0=$(date +%s%N)
rc=0; wait "$first" || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
[ "$ms" -lt 5000 ] || fail "shutdown took $ms ms"
grep -q 'stopped cleanly' "$FL_TMP/serve.log" || fail "no clean-stop log line"
start_server "$cfg" "$B"
expect 200 "$B/api/v1/requests/r-1"
check 'assert len(d["outcomes"]) == 2'
expect 200 "$B/api/v1/traces/$TR"
expect 200 "$B/api/v1/events?start=0"
check 'assert len(d["data"]) == 6, [e["id"] for e in d["data"]]  # 4 posted, 2 first-served'
pass "SIGTERM exits 0 in $ms ms; data persists across restart"
