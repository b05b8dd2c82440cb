#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_alertmanager.sh: a real Prometheus alert, routed by a real Alertmanager, arrives in faultline.
#
#   tiny target (demo_errors_ratio) <--scrape 1s-- Prometheus (rule: demo_errors_ratio > 0.5, for 0s)
#        --alerts--> Alertmanager (group_wait 1s, send_resolved) --webhook, bearer token-->
#        faultline POST /api/v1/alertmanager
#
# Asserts: (a) the webhook route refuses a request without the bearer token; (b) when the metric
# trips the rule, the alert is stored as one "alert" event with the rule's labels and annotations,
# component from its service label, Alertmanager's fingerprint, group key, receiver and URLs;
# (c) when the metric goes back to normal, the resolved notification updates that same event
# (status resolved, end >= start): still one event; (d) faultline's own fingerprint of the labels
# equals Alertmanager's: the alert posted again without its fingerprint maps to the same event;
# (e) the firing group opened exactly one investigation (source "alertmanager", symptom the
# first series of the rule's expression from generatorURL, title the summary), and neither
# Alertmanager's repeat notifications (repeat_interval 2s) nor a replayed firing notification
# opened another; faultline's /metrics counts it (faultline_alert_investigations_total);
# (f) with notify.alertmanager_url, the investigation is posted back to Alertmanager as an alert
# (FaultlineInvestigation, the group's labels, verdict, links) that Alertmanager routes by its
# labels, here to a recording webhook.
. "$(dirname "$0")/lib.sh"

AM_BIN=prometheus-alertmanager
command -v prometheus >/dev/null || fail "prometheus is not installed (Debian package prometheus)"
command -v "$AM_BIN" >/dev/null ||
    fail "$AM_BIN is not installed (Debian package prometheus-alertmanager)"

TARGET_PORT=$(free_port)
FL_PORT=$(free_port)
PROM_PORT=$(free_port)
AM_PORT=$(free_port)
TOKEN=am-test-token
FLURL=http://127.0.0.1:$FL_PORT

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
    for l in faultline alertmanager prometheus; do
        echo "--- $l log (tail):" >&2
        tail -n 15 "$FL_TMP/$l.log" >&2 || true
    done
    fail "timed out after ${t}s: $what"
}

# json_check FILE PYTHON-EXPR-ON-d
json_check() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

alerts_json() { curl -sf "$FLURL/api/v1/events?kind=alert" -o "$FL_TMP/events.json"; }

# --- the target: serves the value in $FL_TMP/value as a gauge
echo 0 >"$FL_TMP/value"
cat >"$FL_TMP/target.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        v = open(sys.argv[2]).read().strip()
        body = ("# TYPE demo_errors_ratio gauge\ndemo_errors_ratio %s\n" % v).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
bg target python3 "$FL_TMP/target.py" "$TARGET_PORT" "$FL_TMP/value"

# --- faultline, with a bearer token on its write routes
cat >"$FL_TMP/faultline.yml" <<EOF
listen: 127.0.0.1:$FL_PORT
data_dir: $FL_TMP/data
self_scrape: false
auth:
  bearer_token: $TOKEN
notify:
  alertmanager_url: http://127.0.0.1:$AM_PORT
  external_url: $FLURL
EOF
bg faultline "$FL_BIN" -c "$FL_TMP/faultline.yml" serve
wait_http "$FLURL/healthz"

# --- a webhook receiver that records what Alertmanager sends it (faultline's reports)
REC_PORT=$(free_port)
cat >"$FL_TMP/recorder.py" <<'EOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[2], "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
bg recorder python3 "$FL_TMP/recorder.py" "$REC_PORT" "$FL_TMP/recorded.jsonl"

# --- Alertmanager: alerts to faultline's webhook; faultline's own reports to the recorder
cat >"$FL_TMP/alertmanager.yml" <<EOF
route:
  receiver: faultline
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
  routes:
    - receiver: recorder
      matchers: ['alertname="FaultlineInvestigation"']
receivers:
  - name: recorder
    webhook_configs:
      - url: http://127.0.0.1:$REC_PORT/
        send_resolved: false
  - name: faultline
    webhook_configs:
      - url: $FLURL/api/v1/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: $TOKEN
EOF
if command -v amtool >/dev/null; then
    amtool check-config "$FL_TMP/alertmanager.yml" >"$FL_TMP/amtool.out" 2>&1 ||
        fail "amtool rejects the configuration: $(cat "$FL_TMP/amtool.out")"
fi
bg alertmanager "$AM_BIN" --config.file="$FL_TMP/alertmanager.yml" \
    --storage.path="$FL_TMP/am" --web.listen-address="127.0.0.1:$AM_PORT" \
    --cluster.listen-address=
poll 20 "Alertmanager ready" curl -sf "http://127.0.0.1:$AM_PORT/-/ready"

# --- Prometheus: scrapes the target, evaluates the rule every second, sends to Alertmanager
cat >"$FL_TMP/rules.yml" <<'EOF'
groups:
  - name: demo
    rules:
      - alert: DemoErrorsHigh
        expr: demo_errors_ratio > 0.5
        for: 0s
        labels:
          severity: page
          service: demo-api
        annotations:
          summary: "demo-api error ratio above 50%"
          description: "demo_errors_ratio is {{ $value }}"
EOF
if command -v promtool >/dev/null; then
    promtool check rules "$FL_TMP/rules.yml" >"$FL_TMP/promtool.out" 2>&1 ||
        fail "promtool rejects the rule file: $(cat "$FL_TMP/promtool.out")"
fi
cat >"$FL_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [$FL_TMP/rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["127.0.0.1:$AM_PORT"]}]
scrape_configs:
  - job_name: demo
    static_configs: [{targets: ["127.0.0.1:$TARGET_PORT"]}]
EOF
bg prometheus prometheus --config.file="$FL_TMP/prometheus.yml" \
    --storage.tsdb.path="$FL_TMP/prom" --web.listen-address="127.0.0.1:$PROM_PORT"
poll 30 "Prometheus ready" curl -sf "http://127.0.0.1:$PROM_PORT/-/ready"
target_up() {
    curl -sf --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=up{job="demo"}' \
        -o "$FL_TMP/up.json" && json_check "$FL_TMP/up.json" "d['data']['result'] and d['data']['result'][0]['value'][1]=='1'"
}
poll 20 "Prometheus scrapes the target" target_up

# --- (a) the write route wants the token
code=$(curl -s -o "$FL_TMP/a.json" -w '%{http_code}' -XPOST --data '{"alerts":[]}' "$FLURL/api/v1/alertmanager")
[ "$code" = 401 ] || fail "POST without the token answered $code: $(cat "$FL_TMP/a.json")"
alerts_json && json_check "$FL_TMP/events.json" "d['data']==[]" || fail "alerts stored before any fired"
pass "(a) the webhook route requires the bearer token; no alert yet"

# --- (b) the metric trips the rule: Prometheus -> Alertmanager -> faultline
T0=$(date +%s)
echo 1 >"$FL_TMP/value"
firing_stored() {
    alerts_json && json_check "$FL_TMP/events.json" "len(d['data'])==1 and d['data'][0]['status']=='firing'"
}
poll 30 "the firing alert is stored in faultline" firing_stored
python3 - "$FL_TMP/events.json" "$AM_PORT" "$PROM_PORT" "$TARGET_PORT" <<'PY' || fail "firing alert event: $(cat "$FL_TMP/events.json")"
import json, re, sys
ev = json.load(open(sys.argv[1]))["data"][0]
am, prom, target = sys.argv[2:5]
a = ev["attributes"]
assert ev["kind"] == "alert" and ev["component"] == "demo-api", ev
assert ev["message"] == "demo-api error ratio above 50%", ev["message"]
assert ev["end"] is None and ev["end_ms"] is None, ev
assert re.fullmatch(r"am_[0-9a-f]{16}", ev["id"]), ev["id"]
assert a["labels"] == {"alertname": "DemoErrorsHigh", "instance": "127.0.0.1:" + target,
                       "job": "demo", "service": "demo-api", "severity": "page"}, a["labels"]
assert a["annotations"] == {"summary": "demo-api error ratio above 50%",
                            "description": "demo_errors_ratio is 1"}, a["annotations"]
assert re.fullmatch(r"[0-9a-f]{16}", a["fingerprint"]), a["fingerprint"]
assert a["groupKey"] == '{}:{alertname="DemoErrorsHigh"}', a["groupKey"]
assert a["receiver"] == "faultline", a["receiver"]
assert a["externalURL"].endswith(":" + am), a["externalURL"]
assert ":%s/graph?g0.expr=" % prom in a["generatorURL"], a["generatorURL"]
PY
FIRED_IN=$(($(date +%s) - T0))
pass "(b) firing alert stored as one event (component demo-api, labels, annotations, fingerprint, group key) within ${FIRED_IN}s"
cp "$FL_TMP/events.json" "$FL_TMP/firing.json"

# --- (e) the new firing group opened one investigation, and repeats of the group open none
invs_json() { curl -sf "$FLURL/api/v1/investigations" -o "$FL_TMP/invs.json"; }
inv_stored() {
    invs_json && json_check "$FL_TMP/invs.json" "any(i.get('source')=='alertmanager' for i in d['data'])"
}
poll 60 "an investigation from the alert is listed" inv_stored
# webhook posts faultline answered (its own /metrics): wait for Alertmanager's repeat of the group
am_posts() {
    curl -sf "$FLURL/metrics" | python3 -c '
import re, sys
n = sum(float(m.group(1)) for m in re.finditer(
    r"^faultline_http_requests_total\{[^}]*route=\"[^\"]*/api/v1/alertmanager\"[^}]*code=\"200\"[^}]*\} (\S+)$",
    sys.stdin.read(), re.M))
print(int(n))'
}
POSTS0=$(am_posts)
repeated() { [ "$(am_posts)" -gt "$POSTS0" ]; }
poll 30 "Alertmanager repeats the firing group (repeat_interval 2s)" repeated
python3 - "$FL_TMP/firing.json" >"$FL_TMP/replay.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["data"][0]
a = ev["attributes"]
print(json.dumps({"receiver": "faultline", "status": "firing", "version": "4",
                  "groupKey": a["groupKey"], "externalURL": a["externalURL"],
                  "alerts": [{"status": "firing", "labels": a["labels"],
                              "annotations": a["annotations"], "startsAt": ev["ts"],
                              "endsAt": "0001-01-01T00:00:00Z", "generatorURL": a["generatorURL"],
                              "fingerprint": a["fingerprint"]}]}))
PY
curl -sf -XPOST -H "Authorization: Bearer $TOKEN" --data-binary @"$FL_TMP/replay.json" \
    "$FLURL/api/v1/alertmanager" -o "$FL_TMP/e.json" || fail "replaying the firing notification failed"
json_check "$FL_TMP/e.json" "d['data']['groups'][0]['new_firing']==0" ||
    fail "the replayed notification counted as new: $(cat "$FL_TMP/e.json")"
sleep 2 # the worker would have queued anything the repeats opened by now
invs_json || fail "GET /api/v1/investigations failed"
python3 - "$FL_TMP/invs.json" "$FL_TMP/firing.json" <<'PY' || fail "investigations from the alert: $(cat "$FL_TMP/invs.json")"
import json, sys
invs = [i for i in json.load(open(sys.argv[1]))["data"] if i.get("source") == "alertmanager"]
assert len(invs) == 1, invs
i = invs[0]
assert i["symptom"] == "demo_errors_ratio", i
assert i["title"] == "demo-api error ratio above 50%", i
PY
curl -sf "$FLURL/metrics" -o "$FL_TMP/metrics.txt" || fail "GET /metrics failed"
grep -qx 'faultline_alert_investigations_total{outcome="opened"} 1' "$FL_TMP/metrics.txt" ||
    fail "/metrics: $(grep alert_investigations "$FL_TMP/metrics.txt")"
grep -qx 'faultline_alert_investigations_total{outcome="failed"} 0' "$FL_TMP/metrics.txt" ||
    fail "/metrics: $(grep alert_investigations "$FL_TMP/metrics.txt")"
if command -v promtool >/dev/null; then
    promtool check metrics <"$FL_TMP/metrics.txt" >"$FL_TMP/promtool-metrics.out" 2>&1 ||
        fail "promtool check metrics: $(cat "$FL_TMP/promtool-metrics.out")"
fi
INV_ID=$(python3 -c 'import json,sys; print([i for i in json.load(open(sys.argv[1]))["data"] if i.get("source")=="alertmanager"][0]["id"])' "$FL_TMP/invs.json")
curl -sf "$FLURL/api/v1/investigations/$INV_ID" -o "$FL_TMP/inv.json" || fail "GET the investigation $INV_ID failed"
json_check "$FL_TMP/inv.json" "d['data']['id']=='$INV_ID'" || fail "investigation $INV_ID: $(cat "$FL_TMP/inv.json")"
pass "(e) one investigation ($INV_ID, symptom demo_errors_ratio) for the group; $(($(am_posts) - POSTS0)) later notifications (repeats and one replay) opened none"

# --- (f) the investigation was reported back to Alertmanager, which routed it like any alert
reported() { [ -s "$FL_TMP/recorded.jsonl" ] && grep -q "$INV_ID" "$FL_TMP/recorded.jsonl"; }
poll 30 "Alertmanager routes faultline's report to the recorder" reported
python3 - "$FL_TMP/recorded.jsonl" "$INV_ID" "$FLURL" <<'PY' || fail "the report: $(cat "$FL_TMP/recorded.jsonl")"
import json, sys
inv, flurl = sys.argv[2], sys.argv[3]
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
alerts = [a for m in msgs for a in m["alerts"] if a["annotations"].get("faultline_investigation") == inv]
assert alerts, msgs
a = alerts[0]
l, an = a["labels"], a["annotations"]
assert l["alertname"] == "FaultlineInvestigation", l
assert l["source_alertname"] == "DemoErrorsHigh" and l["service"] == "demo-api", l
assert l["faultline_verdict"] in ("causes", "no_symptom", "no_cause", "broken_metric"), l
assert an["summary"].startswith("faultline: "), an
assert an["description"].startswith("Symptom demo_errors_ratio, onset "), an
assert an["faultline_url"] == flurl + "/api/v1/investigations/" + inv + "?format=markdown", an
assert a["generatorURL"] == flurl + "/api/v1/investigations/" + inv, a
PY
curl -sf "$FLURL/metrics" | grep -qx 'faultline_alert_investigations_total{outcome="notified"} 1' ||
    fail "/metrics: $(curl -sf "$FLURL/metrics" | grep alert_investigations)"
pass "(f) the investigation was reported to Alertmanager and routed to the recorder by its labels"

# --- (c) back to normal: the resolved notification updates the same event
T1=$(date +%s)
echo 0 >"$FL_TMP/value"
resolved_stored() {
    alerts_json && json_check "$FL_TMP/events.json" "len(d['data'])==1 and d['data'][0]['status']=='resolved'"
}
poll 30 "the alert is resolved in faultline" resolved_stored
python3 - "$FL_TMP/firing.json" "$FL_TMP/events.json" <<'PY' || fail "resolved alert event: $(cat "$FL_TMP/events.json")"
import json, sys
f = json.load(open(sys.argv[1]))["data"][0]
r = json.load(open(sys.argv[2]))["data"]
assert len(r) == 1, r
r = r[0]
assert r["id"] == f["id"] and r["ts_ms"] == f["ts_ms"], (f, r)
assert r["end_ms"] is not None and r["end_ms"] >= r["ts_ms"], r
assert r["attributes"]["fingerprint"] == f["attributes"]["fingerprint"], r
PY
pass "(c) resolution updated the same event (status resolved, end set) within $(($(date +%s) - T1))s"

# --- (d) faultline's fingerprint of the labels is Alertmanager's
python3 - "$FL_TMP/events.json" >"$FL_TMP/nofp.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["data"][0]
a = ev["attributes"]
print(json.dumps({"receiver": "faultline", "status": "resolved", "version": "4",
                  "groupKey": a["groupKey"], "externalURL": a["externalURL"],
                  "alerts": [{"status": "resolved", "labels": a["labels"],
                              "annotations": a["annotations"], "startsAt": ev["ts"],
                              "endsAt": ev["end"], "generatorURL": a["generatorURL"]}]}))
PY
curl -sf -XPOST -H "Authorization: Bearer $TOKEN" --data-binary @"$FL_TMP/nofp.json" \
    "$FLURL/api/v1/alertmanager" -o "$FL_TMP/d.json" || fail "posting the alert without fingerprint failed"
alerts_json
python3 - "$FL_TMP/firing.json" "$FL_TMP/events.json" <<'PY' || fail "computed fingerprint differs from Alertmanager's: $(cat "$FL_TMP/events.json")"
import json, sys
f = json.load(open(sys.argv[1]))["data"][0]
r = json.load(open(sys.argv[2]))["data"]
assert len(r) == 1 and r[0]["id"] == f["id"], r
assert r[0]["attributes"]["fingerprint"] == f["attributes"]["fingerprint"], r
PY
pass "(d) the fingerprint faultline computes equals Alertmanager's ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"][0]["attributes"]["fingerprint"])' "$FL_TMP/events.json"))"
