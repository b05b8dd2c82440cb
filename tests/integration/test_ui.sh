#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 8, item 8: the web UI in a real browser. Imports examples/fraud-latency (plus one
# OpenMetrics exposition whose exemplar points at a stored slow trace) into a fresh data dir,
# starts `faultline serve`, and runs tests/ui/ui.test.mjs: Playwright (playwright-core from
# web/node_modules) driving Debian's Chromium headless. It checks the timeline's series and change
# markers, brushing a window into an investigation (top cause: the fraud-service->feature-store
# network; "model-server got slower" refuted), the trace waterfall with its critical path (from
# the search and from a chart exemplar), the comparison and graph, the models page (drift score
# over time, reference vs current from the registry's and from a configured reference, the note
# without one), /ui without the slash, keyboard focus, the dark theme and the server-down state. Screenshots: $FL_TMP/screenshots (kept with
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
# Live monitoring closes 5-minute windows, ticking often (the drift data below is stored history).
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/data\nself_scrape: false\nretention: 10y\n%s\n' \
    "$port" "$FL_TMP" 'monitoring: {window: 5m, tick: 200ms}' >"$cfg"
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
# /ui without the slash is the page too (its asset URLs are absolute; the router shows the timeline).
ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url/ui")
[ "$ct" = "200 text/html; charset=utf-8" ] || fail "GET /ui answered $ct, want the index"
ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url/ui?x=1")
[ "$ct" = "200 text/html; charset=utf-8" ] || fail "GET /ui?x=1 answered $ct, want the index"
pass "GET /, /ui, /ui/...: types, gzip, ETag/304, SPA fallback, 404"

# Live drift (Models page): model risk v1 with a reference profile in the registry, then six
# 5-minute windows of its inferences (income drifts from the fourth on, channel gets a new
# category). Each closed window stores a drift run per baseline: 12 runs.
python3 "$root/tests/ui/drift_data.py" "$FL_TMP/drift"
"$FL_BIN" profile --input csv --out "$FL_TMP/drift/ref.prof" "$FL_TMP/drift/ref.csv" ||
    fail "faultline profile of the reference failed"
printf '{"model":"risk","version":"v1","stage":"production","reference_profile":"%s"}' \
    "$(base64 -w0 "$FL_TMP/drift/ref.prof")" >"$FL_TMP/drift/register.json"
out=$(curl -s -XPOST --data-binary @"$FL_TMP/drift/register.json" "$url/api/v1/models")
case $out in *'"created":true'*) ;; *) fail "register risk v1: $out" ;; esac
out=$(curl -s -XPOST --data-binary @"$FL_TMP/drift/risk.jsonl" "$url/v1/inferences")
[ "$out" = '{"accepted":1800}' ] || fail "risk inferences: $out"
day='start=2025-11-24T00:00:00Z&end=2025-11-25T00:00:00Z'
# n_runs URL MODEL: how many drift runs the history route answers for MODEL on that day.
n_runs() {
    curl -s "$1/api/v1/drift/history?model=$2&$day" |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["runs"]))' 2>/dev/null
}
for _ in $(seq 100); do [ "$(n_runs "$url" risk)" = 12 ] && break; sleep 0.1; done
[ "$(n_runs "$url" risk)" = 12 ] || fail "risk: $(n_runs "$url" risk) drift runs stored, want 12"
curl -s "$url/api/v1/drift/history?model=risk&$day&feature=income&baseline=reference" |
    python3 -c '
import json, sys
d = json.load(sys.stdin)["data"]
runs = d["runs"]
assert d["feature"] == "income" and d["baseline"] == "reference" and not d["truncated"], d
assert len(runs) == 6 and all(r["baseline"] == "reference" and r["source"] == "registry" and
                              r["status"] == "ok" for r in runs), runs
assert all({x["feature"] for x in r["rows"]} == {"income"} for r in runs)
dist = [next(x for x in r["rows"] if x["check"] == "distribution") for r in runs]
assert all(x["method"] == "wasserstein" and not x["score_is_p_value"] for x in dist), dist
assert [x["drifted"] for x in dist[3:]] == [True] * 3, dist
assert dist[5]["score"] > dist[4]["score"] > dist[3]["score"] > dist[0]["score"], dist
' || fail "drift history of risk/income is not what the data holds"
code=$(curl -s -o "$FL_TMP/h.json" -w '%{http_code}' "$url/api/v1/drift/history?model=risk&limit=3&$day")
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; assert len(d["runs"])==3 and d["truncated"]' \
    "$FL_TMP/h.json" || fail "limit=3: not 3 runs marked truncated ($code)"
for q in 'model=' "model=risk&baseline=nope" "model=risk&start=yesterday" "model=risk&limit=0" \
    "model=risk&start=2025-11-25T00:00:00Z&end=2025-11-24T00:00:00Z"; do
    out=$(curl -s -w ' %{http_code}' "$url/api/v1/drift/history?$q")
    case $out in *'"code":"FL_EINVAL"'*' 400') ;; *) fail "history?$q answered $out, want a 400" ;; esac
done
out=$(curl -s "$url/api/v1/drift/reference?model=risk&version=v1&top=3")
case $out in *'"source":"registry"'*'"feature":"income"'*) ;; *) fail "reference of risk v1: $out" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/drift/reference?model=fraud&version=v7")
[ "$code" = 404 ] || fail "fraud v7 has no reference: answered $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/drift/reference?model=risk")
[ "$code" = 400 ] || fail "reference without version answered $code, want 400"
pass "drift history (12 runs; income drifts from the fourth window) and the registry reference"

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

# A third server whose model churn has a configured reference (models[].reference), for the
# Models page's "which reference" line; its model plain has none (the oldest window stands in).
cport=$(free_port)
printf 'listen: 127.0.0.1:%s\ndata_dir: %s/cref\nself_scrape: false\nretention: 10y\n%s\n%s\n' \
    "$cport" "$FL_TMP" "models: [{name: churn, reference: $FL_TMP/drift/ref.csv}]" \
    'monitoring: {window: 5m, tick: 200ms}' >"$FL_TMP/cref.yml"
main_pid=$FL_PID
start_faultline "$cport" "$FL_TMP/cref.yml"
FL_PID=$main_pid
cref=http://127.0.0.1:$cport
for m in churn plain; do
    out=$(curl -s -XPOST --data-binary @"$FL_TMP/drift/$m.jsonl" "$cref/v1/inferences")
    [ "$out" = '{"accepted":600}' ] || fail "$m inferences: $out"
    for _ in $(seq 100); do [ "$(n_runs "$cref" $m)" = 4 ] && break; sleep 0.1; done
    [ "$(n_runs "$cref" $m)" = 4 ] || fail "$m: $(n_runs "$cref" $m) drift runs, want 4"
done
out=$(curl -s "$cref/api/v1/drift/reference?model=churn&version=v2")
case $out in *"\"source\":\"config:$FL_TMP/drift/ref.csv\""*) ;; *) fail "churn's reference: $out" ;; esac
pass "a configured reference is answered with its source (config:PATH)"

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
FL_URL=$url FL_EMPTY_URL=http://127.0.0.1:$eport FL_CREF_URL=$cref FL_SHOTS=$shots FL_SERVER_PID=$FL_PID \
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
