// SPDX-License-Identifier: Apache-2.0
// A real OpenTelemetry JS SDK as a trace client: two services (fraud-api -> feature-store) emit a
// small trace through the OTLP/HTTP JSON exporter to faultline, then print the ids and what was
// sent as JSON on stdout so that test_otel_sdk.sh can read the trace back and compare.
'use strict';
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const api = require('@opentelemetry/api');

const url = process.argv[2];
if (!url) {
  console.error('usage: node client.js http://127.0.0.1:PORT/v1/traces');
  process.exit(2);
}

function provider(service) {
  const exporter = new OTLPTraceExporter({ url, headers: {} });
  const p = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return p;
}

async function main() {
  const apiProv = provider('fraud-api');
  const fsProv = provider('feature-store');
  const apiTracer = apiProv.getTracer('fraud-api-tracer', '1.2.3');
  const fsTracer = fsProv.getTracer('feature-store-tracer');

  const root = apiTracer.startSpan('POST /score', {
    kind: api.SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 },
  });
  const rootCtx = api.trace.setSpan(api.context.active(), root);
  const client = apiTracer.startSpan('GET features', {
    kind: api.SpanKind.CLIENT,
    attributes: {
      'peer.service': 'feature-store',
      'retry.count': 2,
      'timeout.ms': 250.5,
      'cache.hit': false,
      'feature.names': ['amount_7d', 'merchant_risk'],
    },
  }, rootCtx);
  client.addEvent('retry', { attempt: 1 });
  const clientCtx = api.trace.setSpan(rootCtx, client);
  const server = fsTracer.startSpan('lookup', { kind: api.SpanKind.SERVER }, clientCtx);
  await new Promise((r) => setTimeout(r, 20));
  server.end();
  client.setStatus({ code: api.SpanStatusCode.ERROR, message: 'deadline exceeded' });
  client.end();
  root.end();
  await apiProv.forceFlush();
  await fsProv.forceFlush();
  await apiProv.shutdown();
  await fsProv.shutdown();
  const ids = (s) => ({ traceId: s.spanContext().traceId, spanId: s.spanContext().spanId });
  console.log(JSON.stringify({ root: ids(root), client: ids(client), server: ids(server) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
