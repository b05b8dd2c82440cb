#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# /api/v1/query_exemplars against a real `faultline serve`: OpenMetrics text with exemplars
# pushed through POST /api/v1/import/prometheus, OTLP spans of some of the same traces through
# POST /v1/traces, then the exemplars read back in Prometheus' shape with each one's trace
# linked: stored with its root span's duration, stored without a root (the spans' extent), not
# stored, a 16-digit id padded as Jaeger's are, an uppercase id, a label that is no trace id;
# the link followed; the range, POST form, Prometheus error envelopes; and the cap on lookups
# (1,001 distinct traces: the last one is not looked up and the answer says so).
. "$(dirname "$0")/lib.sh"

port=$(free_port)
B=http://127.0.0.1:$port
OUT=$FL_TMP/out
start_faultline "$port"

req() { curl -s -o "$OUT" -w '%{http_code}' "$@"; }
expect() {
    local want=$1; shift
    local got
    got=$(req "$@")
    [ "$got" = "$want" ] || fail "$* -> HTTP $got, want $want: $(head -c 600 "$OUT")"
}
check() {
    python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
$1" "$OUT" || fail "check failed on $(head -c 1500 "$OUT")"
}

T0=1764000000
NS=${T0}000000000
ROOTED=4bf92f3577b34da6a3ce929d0e0e4736    # root span stored, 912 ms
ROOTLESS=5b8efff798038103d269b633813fc60c  # two child spans, no root: extent 75 ms
SHORT=a3ce929d0e0e4736                     # a 64-bit id; stored padded to 32 digits
MISSING=ffffffffffffffffffffffffffffff01   # never sent

# ---- spans ----
span() { # trace span parent name start_ms end_ms
    printf '{"traceId":"%s","spanId":"%s","parentSpanId":"%s","name":"%s","kind":2,"startTimeUnixNano":"%s","endTimeUnixNano":"%s","status":{}}' \
        "$1" "$2" "$3" "$4" $((NS + $5 * 1000000)) $((NS + $6 * 1000000))
}
{
    printf '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},"scopeSpans":[{"scope":{"name":"it"},"spans":['
    span $ROOTED 00000000000000a1 "" "POST /pay" 0 912; printf ','
    span $ROOTED 00000000000000a2 00000000000000a1 "GET features" 10 700; printf ','
    span $ROOTLESS 00000000000000b2 00000000000000b1 "SELECT" 5 30; printf ','
    span $ROOTLESS 00000000000000b3 00000000000000b1 "UPDATE" 20 80; printf ','
    span 0000000000000000$SHORT 00000000000000c1 "" "GET /cart" 0 40
    printf ']}]}]}'
} >"$FL_TMP/spans.json"
expect 200 -X POST -H 'Content-Type: application/json' --data-binary @"$FL_TMP/spans.json" "$B/v1/traces"

# ---- exemplars (OpenMetrics: timestamps in seconds) ----
UPPER=$(echo "$ROOTED" | tr a-f A-F)
cat >"$FL_TMP/om.txt" <<EOF
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.25"} 1 $T0.000 # {trace_id="$MISSING"} 0.1 $T0.050
http_request_duration_seconds_bucket{le="0.5"} 3 $T0.000 # {trace_id="$ROOTLESS",span_id="00000000000000b2"} 0.3 $T0.100
http_request_duration_seconds_bucket{le="1"} 5 $T0.000 # {trace_id="$UPPER"} 0.912 $T0.123
http_request_duration_seconds_bucket{le="+Inf"} 6 $T0.000 # {traceID="$SHORT"} 1.7
http_request_duration_seconds_sum 4.2 $T0.000
http_request_duration_seconds_count 6 $T0.000
# TYPE rpc_calls counter
rpc_calls_total{svc="x"} 10 $T0.000 # {trace_id="EpTxMJ40fUus7aGY"} 1 $T0.200
# EOF
EOF
expect 200 -X POST -H 'Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8' \
    --data-binary @"$FL_TMP/om.txt" "$B/api/v1/import/prometheus?job=api"

expect 200 "$B/api/v1/query_exemplars?query=http_request_duration_seconds_bucket&start=$((T0 - 60))&end=$((T0 + 60))"
check "
assert d['status'] == 'success', d
data = d['data']
assert 'warnings' not in d, d
le = [g['seriesLabels']['le'] for g in data]
assert le == ['+Inf', '0.25', '0.5', '1'], le  # sorted by label set, as Prometheus sorts
for g in data:
    assert g['seriesLabels']['__name__'] == 'http_request_duration_seconds_bucket'
    assert g['seriesLabels']['job'] == 'api', g
    assert len(g['exemplars']) == 1, g
x = {g['seriesLabels']['le']: g['exemplars'][0] for g in data}

one = x['1']
assert one['labels'] == {'trace_id': '$UPPER'}, one
assert one['value'] == '0.912' and one['timestamp'] == $T0.123, one
assert one['trace'] == {'stored': True, 'root': True, 'duration_ms': 912,
                        'href': '/api/v1/traces/$ROOTED'}, one['trace']

half = x['0.5']
assert half['labels'] == {'span_id': '00000000000000b2', 'trace_id': '$ROOTLESS'}, half
assert half['value'] == '0.3' and half['timestamp'] == $T0.1, half
assert half['trace'] == {'stored': True, 'root': False, 'duration_ms': 75,
                         'href': '/api/v1/traces/$ROOTLESS'}, half['trace']

quarter = x['0.25']
assert quarter['trace'] == {'stored': False, 'href': '/api/v1/traces/$MISSING'}, quarter

inf = x['+Inf']
assert inf['labels'] == {'traceID': '$SHORT'}, inf
assert inf['value'] == '1.7' and inf['timestamp'] == $T0, inf  # no own time: the sample's
assert inf['trace'] == {'stored': True, 'root': True, 'duration_ms': 40,
                        'href': '/api/v1/traces/0000000000000000$SHORT'}, inf['trace']
"
pass "exemplars in Prometheus' shape, each linked to its trace"

# The links lead to the traces.
href=$(python3 -c "import json; d=json.load(open('$OUT')); print([g['exemplars'][0]['trace']['href'] for g in d['data'] if g['seriesLabels']['le']=='1'][0])")
expect 200 "$B$href"
check "
root = [s for s in d['spans'] if s['parentSpanId'] == '']
assert len(root) == 1 and root[0]['durationMs'] == 912, root"
expect 200 "$B/api/v1/traces/0000000000000000$SHORT"
expect 404 "$B/api/v1/traces/$MISSING"
pass "trace links resolve (and the missing one is 404)"

# A label that is no trace id: "stored": false, no link. POST form, a matcher-only selector.
expect 200 -X POST --data-urlencode 'query={__name__="rpc_calls_total"}' "$B/api/v1/query_exemplars"
check "
assert d['status'] == 'success'
assert len(d['data']) == 1, d
x = d['data'][0]['exemplars'][0]
assert x['labels'] == {'trace_id': 'EpTxMJ40fUus7aGY'} and x['value'] == '1', x
assert x['trace'] == {'stored': False}, x"
# every series: both families
expect 200 "$B/api/v1/query_exemplars?query=%7B__name__%3D~%22.%2B%22%7D"
check "assert len(d['data']) == 5, [g['seriesLabels'] for g in d['data']]"
# a range without exemplars
expect 200 "$B/api/v1/query_exemplars?query=rpc_calls_total&start=$((T0 + 1))&end=$((T0 + 60))"
check "assert d == {'status': 'success', 'data': []}, d"
pass "label without a trace id, POST form, time range"

# ---- errors in Prometheus' envelope ----
expect 400 "$B/api/v1/query_exemplars"
check "assert d['status'] == 'error' and d['errorType'] == 'bad_data' and 'query' in d['error'], d"
expect 400 "$B/api/v1/query_exemplars?query=rpc_calls_total&start=$((T0 + 10))&end=$T0"
check "assert d['error'] == 'end timestamp must not be before start time', d"
expect 400 "$B/api/v1/query_exemplars?query=rpc_calls_total&start=yesterday"
check "assert d['errorType'] == 'bad_data' and 'start' in d['error'], d"
expect 400 "$B/api/v1/query_exemplars?query=rate(rpc_calls_total%5B5m%5D)"
check "assert d['errorType'] == 'bad_data' and 'selector' in d['error'], d"
expect 400 "$B/api/v1/query_exemplars?query=%7Bjob%3D~%22.*%22%7D"
check "assert d['errorType'] == 'bad_data' and 'non-empty' in d['error'], d"
pass "errors answer Prometheus' envelope"

# ---- the cap: 1,001 distinct traces, 1,000 looked up ----
{
    echo '# TYPE lookups counter'
    for i in $(seq 0 1000); do
        printf 'lookups_total{i="%04d"} 1 %s.000 # {trace_id="%032x"} 1 %s.000\n' "$i" "$T0" $((i + 1)) "$T0"
    done
    echo '# EOF'
} >"$FL_TMP/many.txt"
expect 200 -X POST -H 'Content-Type: application/openmetrics-text; version=1.0.0' \
    --data-binary @"$FL_TMP/many.txt" "$B/api/v1/import/prometheus"
expect 200 "$B/api/v1/query_exemplars?query=lookups_total"
check "
assert len(d['data']) == 1001, len(d['data'])
xs = [g['exemplars'][0] for g in d['data']]
looked = [x for x in xs if 'stored' in x['trace']]
assert len(looked) == 1000, len(looked)
assert all(x['trace']['stored'] is False for x in looked)
assert d['data'][-1]['seriesLabels']['i'] == '1000' and 'stored' not in xs[-1]['trace'], xs[-1]
assert xs[-1]['trace']['href'] == '/api/v1/traces/%032x' % 1001, xs[-1]
assert len(d['warnings']) == 1 and '1 more' in d['warnings'][0], d['warnings']"
pass "trace lookups capped at 1,000 per answer, with a warning"
