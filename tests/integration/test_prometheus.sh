#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_prometheus.sh: faultline against a real Prometheus and a real node exporter.
#
#   node exporter <--scrape 1s-- faultline (self_scrape too) <--scrape 1s-- Prometheus
#                                 faultline query --url ---> Prometheus /api/v1/query_range
#
# Asserts: (a) faultline stores the node exporter's series with job/instance labels and up=1;
# (b) Prometheus scrapes faultline's /metrics (up{job="faultline"} == 1, faultline_* present);
# (c) `faultline query --url` reads Prometheus' own series back, and a bad query surfaces
# Prometheus' errorType bad_data; (d) 4 hours at 1s (14,401 points) is fetched in chunks although
# Prometheus refuses it in one request; (e) a target with nothing listening gives up=0;
# (f) an OpenMetrics target gets the negotiated headers and is parsed as OpenMetrics;
# (g) when the node exporter stops, its series get staleness markers and up drops to 0;
# (h) the client also reads faultline's own Prometheus-compatible API.
. "$(dirname "$0")/lib.sh"

command -v prometheus >/dev/null || fail "prometheus is not installed (Debian package prometheus)"
command -v prometheus-node-exporter >/dev/null ||
    fail "prometheus-node-exporter is not installed (Debian package prometheus-node-exporter)"

NE_PORT=$(free_port)
FL_PORT=$(free_port)
PROM_PORT=$(free_port)
DOWN_PORT=$(free_port)
OM_PORT=$(free_port)
CFG=$FL_TMP/faultline.yml
PROM=http://127.0.0.1:$PROM_PORT
FLURL=http://127.0.0.1:$FL_PORT

# start NAME CMD...: lib.sh's bg, called in this shell (not in $(...), a subshell) so that the
# exit trap knows the pid; the pid is left in $FL_TMP/NAME.pid.
start() {
    local name=$1
    bg "$@"
    echo "$BG_PID" >"$FL_TMP/$name.pid"
}

# poll SECONDS DESCRIPTION CMD...: retry CMD every 0.25 s until it succeeds.
poll() {
    local t=$1 what=$2 i=0
    shift 2
    while [ "$i" -lt $((t * 4)) ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.25
        i=$((i + 1))
    done
    echo "--- last attempt:" >&2
    "$@" >&2 || true
    echo "--- faultline log (tail):" >&2
    tail -n 20 "$FL_TMP/faultline.log" >&2 || true
    fail "timed out after ${t}s: $what"
}

# jq-free JSON checks with python3: json_check FILE PYTHON-EXPR-ON-d
json_check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

# --- an OpenMetrics target that records the request headers it receives
cat >"$FL_TMP/om_target.py" <<'EOF'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "w") as f:
            json.dump({k.lower(): v for k, v in self.headers.items()}, f)
        body = (b"# TYPE om_requests counter\n# HELP om_requests Requests.\n"
                b"om_requests_total{path=\"/x\"} 17\n# EOF\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF

start node-exporter prometheus-node-exporter --web.listen-address=127.0.0.1:$NE_PORT \
    --collector.disable-defaults --collector.cpu --collector.meminfo --collector.loadavg
NE_PID=$(cat "$FL_TMP/node-exporter.pid")
start om-target python3 "$FL_TMP/om_target.py" "$OM_PORT" "$FL_TMP/om_headers.json"
wait_http "http://127.0.0.1:$NE_PORT/metrics"
wait_http "http://127.0.0.1:$OM_PORT/metrics"

cat >"$CFG" <<EOF
listen: 127.0.0.1:$FL_PORT
data_dir: $FL_TMP/data
self_scrape: true
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:$NE_PORT"]
  - job_name: down
    scrape_interval: 1s
    scrape_timeout: 500ms
    static_configs:
      - targets: ["127.0.0.1:$DOWN_PORT"]
  - job_name: om
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:$OM_PORT"]
        labels:
          team: ml
remote_sources:
  - name: prom
    url: $PROM
    step: 1s
EOF
"$FL_BIN" -c "$CFG" config check "$CFG" >/dev/null 2>&1 || {
    "$FL_BIN" -c "$CFG" config check "$CFG" >&2 || true
    fail "faultline rejects the test configuration"
}
start faultline "$FL_BIN" -c "$CFG" serve
wait_http "$FLURL/healthz"

cat >"$FL_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: faultline
    static_configs: [{targets: ["127.0.0.1:$FL_PORT"]}]
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$NE_PORT"]}]
EOF
start prometheus prometheus --config.file="$FL_TMP/prometheus.yml" \
    --storage.tsdb.path="$FL_TMP/prom" --web.listen-address=127.0.0.1:$PROM_PORT
poll 30 "Prometheus ready" curl -sf "$PROM/-/ready"

fq() { "$FL_BIN" -c "$CFG" query "$@"; }

# --- (a) node exporter series in faultline's store, with job/instance, and up == 1
has_node_load1() {
    fq --start now-1m --format json node_load1 >"$FL_TMP/a.json" &&
        json_check "$FL_TMP/a.json" "any(r['metric'].get('job')=='node' and r['metric'].get('instance')=='127.0.0.1:$NE_PORT' for r in d['data']['result'])"
}
poll 20 "faultline stores node_load1{job=\"node\"}" has_node_load1
up_is() { # up_is JOB VALUE: the newest raw sample of up{job=JOB} in the local store
    fq --raw --start now-1m --format json "up{job=\"$1\"}" >"$FL_TMP/up-$1.json" &&
        json_check "$FL_TMP/up-$1.json" "len(d['data']['result'])==1 and d['data']['result'][0]['values'][-1][1]=='$2'"
}
poll 20 "up{job=\"node\"} == 1 in faultline" up_is node 1
poll 20 "up{job=\"faultline\"} == 1 in faultline (self-scrape)" up_is faultline 1
synthetic() {
    fq --raw --start now-1m --format json "{__name__=~\"scrape_.+\",job=\"node\"}" >"$FL_TMP/syn.json" &&
        json_check "$FL_TMP/syn.json" "sorted(r['metric']['__name__'] for r in d['data']['result'])==['scrape_duration_seconds','scrape_samples_post_metric_relabeling','scrape_samples_scraped','scrape_series_added']"
}
poll 10 "synthetic scrape_* series for job node" synthetic
pass "(a) node exporter series stored with job/instance labels, up=1, synthetic series present"

# --- (b) Prometheus scrapes faultline
prom_query() { # prom_query FILE PROMQL
    curl -sf --get "$PROM/api/v1/query" --data-urlencode "query=$2" -o "$1"
}
prom_up() {
    prom_query "$FL_TMP/b1.json" 'up{job="faultline"}' &&
        json_check "$FL_TMP/b1.json" "d['data']['result'] and d['data']['result'][0]['value'][1]=='1'"
}
poll 30 "Prometheus sees up{job=\"faultline\"} == 1" prom_up
prom_fl_metrics() {
    prom_query "$FL_TMP/b2.json" 'count({job="faultline",__name__=~"faultline_.+"})' &&
        json_check "$FL_TMP/b2.json" "d['data']['result'] and float(d['data']['result'][0]['value'][1])>0"
}
poll 10 "Prometheus has faultline_* series" prom_fl_metrics
pass "(b) Prometheus scraped faultline's /metrics"

# --- (c) faultline reads Prometheus' series back through query_range
both_jobs_up() {
    fq --url "$PROM" --start now-2m --step 1s --format json up >"$FL_TMP/c.json" &&
        json_check "$FL_TMP/c.json" "sorted(r['metric']['job'] for r in d['data']['result'])==['faultline','node'] and all(r['values'] and all(v[1]=='1' for v in r['values']) for r in d['data']['result'])"
}
poll 20 "faultline query --url reads up for both jobs, all 1" both_jobs_up
fq --source prom --start now-1m up >"$FL_TMP/c.txt" || fail "faultline query --source prom failed"
grep -q "^up{instance=\"127.0.0.1:$NE_PORT\",job=\"node\"}$" "$FL_TMP/c.txt" ||
    fail "table output lacks the node series: $(head -5 "$FL_TMP/c.txt")"
grep -Eq '^  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +1$' "$FL_TMP/c.txt" ||
    fail "table rows are not 'RFC3339 value': $(sed -n 2p "$FL_TMP/c.txt")"
if fq --url "$PROM" --start now-1m 'up{' >/dev/null 2>"$FL_TMP/c.err"; then
    fail "a malformed query succeeded"
fi
grep -q "prometheus $PROM: bad_data: " "$FL_TMP/c.err" ||
    fail "bad query error lacks errorType bad_data: $(cat "$FL_TMP/c.err")"
pass "(c) query_range through faultline's client; bad query: $(head -c 120 "$FL_TMP/c.err")"

# --- (d) 4 hours at 1 s: Prometheus refuses it in one request, the client chunks it
curl -s --get "$PROM/api/v1/query_range" --data-urlencode 'query=up' \
    --data-urlencode "start=$(($(date +%s) - 14400))" --data-urlencode "end=$(date +%s)" \
    --data-urlencode step=1 -o "$FL_TMP/d0.json"
json_check "$FL_TMP/d0.json" "d['status']=='error' and '11,000' in d['error']" ||
    fail "Prometheus accepted 14,401 points in one request: the test proves nothing"
fq --url "$PROM" --start now-4h --step 1s --format json up >"$FL_TMP/d.json" 2>"$FL_TMP/d.err" ||
    fail "4h at 1s failed: $(cat "$FL_TMP/d.err")"
json_check "$FL_TMP/d.json" "len(d['data']['result'])==2 and all(all(round((b[0]-a[0])*1000)%1000==0 and b[0]>a[0] for a,b in zip(r['values'],r['values'][1:])) for r in d['data']['result'])" ||
    fail "chunked answer has duplicate or off-grid points"
pass "(d) 4h at 1s fetched in chunks ($(python3 -c 'import json,sys; print(sum(len(r["values"]) for r in json.load(open(sys.argv[1]))["data"]["result"]))' "$FL_TMP/d.json") points over 2 series)"
# The chunk boundary inside the data: 10,006 steps = 10,000 + 6, so the last 6 s come from a
# second request. Prometheus still answers 10,006 points in one request: both must agree exactly.
prom_history() { # Prometheus holds at least 8 s of up for both jobs
    prom_query "$FL_TMP/d3.json" 'min(count_over_time(up[1m]))' &&
        json_check "$FL_TMP/d3.json" "d['data']['result'] and float(d['data']['result'][0]['value'][1])>=8"
}
poll 30 "8 s of history in Prometheus" prom_history
END=$(date +%s)
START=$((END - 10005))
fq --url "$PROM" --start "$START" --end "$END" --step 1s --format json up >"$FL_TMP/d1.json" ||
    fail "chunked query failed"
curl -sf --get "$PROM/api/v1/query_range" --data-urlencode 'query=up' --data-urlencode "start=$START" \
    --data-urlencode "end=$END" --data-urlencode step=1 -o "$FL_TMP/d2.json" || fail "direct query failed"
python3 - "$FL_TMP/d1.json" "$FL_TMP/d2.json" "$END" <<'PY' || fail "chunked and single answers differ"
import json, sys
a, b = (json.load(open(f))["data"]["result"] for f in sys.argv[1:3])
key = lambda r: tuple(sorted(r["metric"].items()))
pts = lambda r: [(round(float(t) * 1000), v) for t, v in r["values"]]
A, B = {key(r): pts(r) for r in a}, {key(r): pts(r) for r in b}
assert A.keys() == B.keys() and len(A) == 2, (A.keys(), B.keys())
end_ms = int(sys.argv[3]) * 1000
for k in A:
    assert A[k] == B[k], (k, A[k][:3], B[k][:3])
    ts = [t for t, _ in A[k]]
    # points on both sides of the boundary (end - 5 s is the second request's first step)
    assert min(ts) < end_ms - 5000 <= max(ts), (k, min(ts), max(ts), end_ms)
PY
pass "(d) chunk boundary inside the data: chunked answer identical to Prometheus' single answer"

# --- (e) a target with nothing listening is down
poll 20 "up{job=\"down\"} == 0 in faultline" up_is down 0
curl -sf "$FLURL/metrics" | grep -q "^faultline_scrape_target_up{.*job=\"down\".*} 0" ||
    echo "note: /metrics does not (yet) report per-target up for job down"
pass "(e) a target with nothing listening gives up=0"

# --- (f) OpenMetrics target: negotiated headers, parsed as OpenMetrics, job labels applied
om_stored() {
    fq --raw --start now-1m --format json 'om_requests_total' >"$FL_TMP/f.json" &&
        json_check "$FL_TMP/f.json" "len(d['data']['result'])==1 and d['data']['result'][0]['metric']=={'__name__':'om_requests_total','instance':'127.0.0.1:$OM_PORT','job':'om','path':'/x','team':'ml'} and d['data']['result'][0]['values'][-1][1]=='17'"
}
poll 20 "om_requests_total stored from the OpenMetrics target" om_stored
json_check "$FL_TMP/om_headers.json" "d['accept'].startswith('application/openmetrics-text;version=1.0.0') and 'protobuf' not in d['accept'] and d['user-agent'].startswith('faultline/') and d['x-prometheus-scrape-timeout-seconds']=='1' and 'gzip' in d.get('accept-encoding','')" ||
    fail "scrape request headers: $(cat "$FL_TMP/om_headers.json")"
pass "(f) OpenMetrics target scraped with Accept/User-Agent/timeout headers"

# --- (g) the node exporter goes away: staleness markers and up=0
kill "$NE_PID"
stale_marked() {
    fq --raw --start now-1m node_load1 >"$FL_TMP/g.txt" && grep -q "staleness marker" "$FL_TMP/g.txt"
}
poll 20 "node_load1 gets a staleness marker" stale_marked
poll 10 "up{job=\"node\"} == 0 after the exporter stopped" up_is node 0
pass "(g) staleness markers and up=0 when the target goes down"

# --- (h) the same client against faultline's own Prometheus-compatible API
fq --url "$FLURL" --start now-20s --step 1s --format json 'up{job="om"}' >"$FL_TMP/h.json" ||
    fail "faultline query --url against faultline failed"
json_check "$FL_TMP/h.json" "len(d['data']['result'])==1 and d['data']['result'][0]['metric']['team']=='ml' and d['data']['result'][0]['values'][-1][1]=='1'" ||
    fail "faultline's own query_range answer: $(head -c 300 "$FL_TMP/h.json")"
pass "(h) query_range client against faultline's own API"
