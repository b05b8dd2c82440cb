#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# faultline's own /metrics must satisfy `promtool check metrics` (exposition syntax plus its lint
# rules: HELP on every family, _total on counters, units in names) with no complaint at all, after
# traffic that fills every family: good and bad ingest, 404s, 405s, reads.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool not installed"
port=$(free_port)
start_faultline "$port"
B=http://127.0.0.1:$port

curl -s -o /dev/null -X POST "$B/v1/inferences" --data-binary \
    '{"ts":1764000000,"request_id":"p-1","model":"m","model_version":"v1","prediction":0.5}'
curl -s -o /dev/null -X POST "$B/v1/inferences" --data-binary '{"request_id":'
curl -s -o /dev/null -X POST "$B/api/v1/events" --data-binary \
    '{"ts":1764000000,"kind":"deploy","component":"api"}'
curl -s -o /dev/null -X POST -H 'Content-Type: application/x-protobuf' "$B/v1/traces" --data-binary x
curl -s -o /dev/null "$B/nope"
curl -s -o /dev/null -X DELETE "$B/healthz"
curl -s -o /dev/null "$B/api/v1/events?start=0"
curl -s -o /dev/null "$B/metrics"

hdr=$(curl -s -D - -o "$FL_TMP/metrics.txt" "$B/metrics" | tr -d '\r' | grep -i '^content-type:')
[ "$hdr" = "Content-Type: text/plain; version=0.0.4; charset=utf-8" ] ||
    fail "content type of /metrics: '$hdr'"
out=$(promtool check metrics <"$FL_TMP/metrics.txt" 2>&1) || fail "promtool check metrics failed: $out"
[ -z "$out" ] || fail "promtool check metrics complained: $out"

# the families are really there, with the traffic above counted
grep -q '^faultline_ingested_records_total{kind="inference"} 1$' "$FL_TMP/metrics.txt" ||
    fail "inference ingest not counted"
grep -q '^faultline_rejected_records_total{kind="inference",reason="parse"} 1$' "$FL_TMP/metrics.txt" ||
    fail "rejected inference not counted"
grep -q '^faultline_rejected_records_total{kind="span",reason="unsupported"} 1$' "$FL_TMP/metrics.txt" ||
    fail "protobuf trace rejection not counted"
grep -q '^faultline_http_requests_total{route="other",code="404"} 1$' "$FL_TMP/metrics.txt" ||
    fail "404 not counted"
grep -q '^faultline_http_request_duration_seconds_count{route="/metrics"} 1$' "$FL_TMP/metrics.txt" ||
    fail "earlier /metrics request not in the histogram"
# the deploy, and model m v1's first request (recorded as a change event)
grep -q '^faultline_store_events 2$' "$FL_TMP/metrics.txt" || fail "store gauge missing"
grep -q '^faultline_build_info{version="' "$FL_TMP/metrics.txt" || fail "build info missing"
pass "/metrics passes promtool check metrics with no complaint ($(wc -l <"$FL_TMP/metrics.txt") lines)"
