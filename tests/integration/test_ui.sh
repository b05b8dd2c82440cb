#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 8, item 8: the web UI in a real browser. Imports examples/fraud-latency (plus one
# OpenMetrics exposition whose exemplar points at a stored slow trace) into a fresh data dir,
# starts `faultline serve`, and runs tests/ui/ui.test.mjs: Playwright (playwright-core from
# web/node_modules) driving Debian's Chromium headless. It checks the timeline's series and change
# markers, brushing a window into an investigation (top cause: the fraud-service->feature-store
# network; "model-server got slower" refuted), the trace waterfall with its critical path (from
# the search and from a chart exemplar), the comparison and graph, the models page, keyboard focus,
# the dark theme and the server-down state. Screenshots: $FL_TMP/screenshots (kept with
# FL_KEEP_TMP=1), copied to $FL_ARTIFACTS/ui-screenshots when FL_ARTIFACTS is set.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
chromium=${FL_CHROMIUM:-/usr/bin/chromium}

command -v node >/dev/null || fail "node not found (scripts/install-deps installs Node.js)"
[ -x "$chromium" ] || fail "$chromium not found: run scripts/install-deps (Debian package chromium)"
[ -f "$root/web/node_modules/playwright-core/index.mjs" ] ||
    fail "web/node_modules/playwright-core missing: run npm ci --prefix web (make does it)"

port=$(free_port)
cfg=$FL_TMP/faultline.yml
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nself_scrape: false\nretention: 10y\n' \
    "$port" "$FL_TMP" >"$cfg"
"$FL_BIN" -c "$cfg" import "$root"/examples/fraud-latency/* >"$FL_TMP/import.log" 2>&1 ||
    fail "import of examples/fraud-latency failed: $(cat "$FL_TMP/import.log")"
pass "imported examples/fraud-latency"
start_faultline "$port" "$cfg"
url=http://127.0.0.1:$port

# The UI is served by faultline itself: index, a module, uPlot, gzip, ETag, fallback.
ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url/")
[ "$ct" = "200 text/html; charset=utf-8" ] || fail "GET / answered $ct"
ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url/ui/vendor/uPlot.iife.min.js")
[ "$ct" = "200 text/javascript; charset=utf-8" ] || fail "uPlot answered $ct"
enc=$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' "$url/ui/js/app.js" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="content-encoding"{print $2}')
[ "$enc" = gzip ] || fail "app.js not gzipped for a client that accepts it (got '$enc')"
etag=$(curl -s -o /dev/null -D - "$url/ui/app.css" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="etag"{print $2}')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/ui/app.css")
[ "$code" = 304 ] || fail "If-None-Match $etag answered $code, want 304"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/ui/investigations/inv_0123456789abcdef")
[ "$code" = 200 ] || fail "an app route answered $code, want the index (200)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/ui/missing.js")
[ "$code" = 404 ] || fail "a missing file answered $code, want 404"
pass "GET /, /ui/...: types, gzip, ETag/304, SPA fallback, 404"

# An exemplar on a counter, pointing at the slowest stored trace.
trace=9cc627c7360e29a012d581c2efa086f8
printf '%s\n' '# TYPE fraud_slow_requests counter' \
    "fraud_slow_requests_total{service=\"fraud-service\"} 1 1764082700 \
# {trace_id=\"$trace\"} 0.5209 1764082710" \
    'fraud_slow_requests_total{service="fraud-service"} 2 1764082760' '# EOF' >"$FL_TMP/exemplar.om"
out=$(curl -s -XPOST -H 'Content-Type: application/openmetrics-text; version=1.0.0' \
    --data-binary @"$FL_TMP/exemplar.om" "$url/api/v1/import/prometheus")
[ "$out" = '{"accepted":2}' ] || fail "exemplar import: $out"

# An alert (as the Alertmanager receiver stores them) to be drawn as an alert marker.
out=$(curl -s -XPOST "$url/api/v1/events" -d '{"id":"al-fraud-p99","ts":1764081180,"kind":"alert",
    "component":"fraud-service","message":"FraudP99High firing"}')
case $out in *'"accepted":1'*|*al-fraud-p99*) ;; *) fail "alert event: $out" ;; esac

# A second, empty server for the "no data yet" states.
eport=$(free_port)
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/empty\nself_scrape: false\n' "$eport" "$FL_TMP" \
    >"$FL_TMP/empty.yml"
main_pid=$FL_PID
start_faultline "$eport" "$FL_TMP/empty.yml"
FL_PID=$main_pid

shots=$FL_TMP/screenshots
# The browser test kills the main server itself (server-down state): no job notice for it.
disown "$FL_PID"
FL_URL=$url FL_EMPTY_URL=http://127.0.0.1:$eport FL_SHOTS=$shots FL_SERVER_PID=$FL_PID \
    FL_CHROMIUM=$chromium FL_EXEMPLAR_TRACE=$trace \
    timeout 300 node "$root/tests/ui/ui.test.mjs" ||
    fail "browser test failed (screenshots in $shots)"
if [ -n "${FL_ARTIFACTS:-}" ]; then
    mkdir -p "$FL_ARTIFACTS/ui-screenshots"
    cp "$shots"/*.png "$FL_ARTIFACTS/ui-screenshots/"
    echo "screenshots copied to $FL_ARTIFACTS/ui-screenshots"
fi
pass "web UI in Chromium ($(ls "$shots" | wc -l) screenshots in $shots, removed at exit unless" \
    "FL_KEEP_TMP=1 or copied with FL_ARTIFACTS=DIR)"
