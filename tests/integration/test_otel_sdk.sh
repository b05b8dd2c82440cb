#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real OpenTelemetry JS SDK (npm @opentelemetry/sdk-trace-node + exporter-trace-otlp-http) sends a
# three-span trace across two services to faultline's POST /v1/traces; we read it back through
# GET /api/v1/traces/{id} and check parents, services, kinds, attributes, events and status.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/otel/node_modules/@opentelemetry/sdk-trace-node" ] ||
    (cd "$here/otel" && npm ci --no-audit --no-fund >/dev/null 2>&1) || fail "npm ci in tests/integration/otel"

port=$(free_port)
start_faultline "$port"
ids=$(node "$here/otel/client.js" "http://127.0.0.1:$port/v1/traces") || fail "OTel client failed"
trace=$(echo "$ids" | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"]["traceId"])')
curl -sf "http://127.0.0.1:$port/api/v1/traces/$trace" >"$FL_TMP/trace.json" || fail "trace $trace not readable"

IDS="$ids" python3 - "$FL_TMP/trace.json" <<'PY' || fail "trace content differs"
import json, os, sys
ids = json.loads(os.environ["IDS"])
t = json.load(open(sys.argv[1]))
spans = {s["spanId"]: s for s in t["spans"]}
assert len(spans) == 3, f"want 3 spans, got {len(spans)}"
root, client, server = (spans[ids[k]["spanId"]] for k in ("root", "client", "server"))
assert root.get("parentSpanId", "") == "", root
assert client["parentSpanId"] == ids["root"]["spanId"], client
assert server["parentSpanId"] == ids["client"]["spanId"], server
assert root["service"] == "fraud-api" and client["service"] == "fraud-api", (root, client)
assert server["service"] == "feature-store", server
assert (root["kind"], client["kind"], server["kind"]) == (2, 3, 2)
assert root["name"] == "POST /score" and client["name"] == "GET features"
a = client["attributes"]
assert a["peer.service"] == "feature-store" and a["retry.count"] == 2, a
assert a["timeout.ms"] == 250.5 and a["cache.hit"] is False, a
assert a["feature.names"] == ["amount_7d", "merchant_risk"], a
assert client["status"]["code"] == 2 and client["status"]["message"] == "deadline exceeded"
assert root["attributes"]["http.response.status_code"] == 200
assert any(e["name"] == "retry" for e in client["events"]), client["events"]
assert int(server["endTimeUnixNano"]) - int(server["startTimeUnixNano"]) >= 15_000_000
assert root["resource"]["deployment.environment"] == "test"
print("trace read back:", len(spans), "spans, parents/attributes/status ok")
PY
pass "OpenTelemetry JS SDK -> faultline -> read back"
