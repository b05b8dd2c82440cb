// SPDX-License-Identifier: Apache-2.0
// A small instrumented service chain for faultline's trace-comparison test (issue 4, item 9):
//
//   driver --POST /score--> gateway --GET /features--> delay proxy --> feature-store
//                                   --POST /predict--------------------> model-server
//
// Each service is its own Node process with its own NodeTracerProvider (resource service.name)
// and the real @opentelemetry/instrumentation-http, so the spans are the ones users' services
// emit: a SERVER span per incoming request, a CLIENT span per outgoing call, W3C traceparent
// propagation, exported by @opentelemetry/exporter-trace-otlp-http (its default, OTLP/HTTP JSON)
// through a BatchSpanProcessor to faultline's POST /v1/traces.
//
// The gateway -> feature-store hop goes through a TCP proxy in the driver process. In incident
// mode it holds every chunk from the gateway for --delay-ms (+-2 ms) before forwarding it: time
// on the network edge, not inside the feature store, so the gateway's CLIENT span grows and the
// feature store's SERVER span does not.
//
// The driver sends --requests requests at --rate per second in baseline mode, switches the proxy
// to incident mode, sends as many again, force-flushes every exporter (over the processes' IPC
// channel) and prints
//   {"baseline":{"start_ns":..,"end_ns":..},"incident":{...},"requests":N,
//    "trace_ids":{"baseline":[...],"incident":[...]},"client_ms":{...}}
// on stdout. Times are unix ns (ms resolution) on the clock the SDK stamps spans with; errors go
// to stderr.
//
// usage: node chain.js --otlp http://127.0.0.1:PORT/v1/traces [--requests 300] [--delay-ms 80]
//                      [--rate 60] [--warmup 20]   (rate: requests per second)
'use strict';

const SERVICE_WORK_MS = {
  // [base, jitter]: a few ms of work per request in each service.
  gateway: [1, 2],
  'feature-store': [2, 4],
  'model-server': [4, 6],
};

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${a}`);
    o[a.slice(2)] = argv[++i];
  }
  return o;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function workMs(service) {
  const [base, jitter] = SERVICE_WORK_MS[service];
  return base + Math.random() * jitter;
}

// Unix ns as a BigInt, at ms resolution: the SDK stamps span starts with Date.now() (and ends
// with a performance.now() offset from there), so a window [nowNs(), nowNs() + 1 ms] taken around
// a batch of requests holds every root span they started.
function nowNs() {
  return BigInt(Date.now()) * 1000000n;
}

// ---------------------------------------------------------------------------------------------
// Service mode: one instrumented HTTP server per process.

function runService(opts) {
  const name = opts.service;
  const api = require('@opentelemetry/api');
  const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

  api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.WARN);
  const otlp = new URL(opts.otlp);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': name,
      'service.version': '1.0.0',
      'deployment.environment': 'test',
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.otlp }), {
        maxQueueSize: 16384,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 500,
      }),
    ],
  });
  // register(): global tracer provider, AsyncLocalStorage context manager, W3C propagators.
  provider.register();
  const routes = { gateway: '/score', 'feature-store': '/features', 'model-server': '/predict' };
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // The exporter's own requests are not part of the application.
        ignoreOutgoingRequestHook: (req) =>
          String(req.port || '') === otlp.port && (req.hostname || req.host) === otlp.hostname,
        // What a framework instrumentation (express, fastify) adds: the matched route, which
        // also names the SERVER span "METHOD /route".
        applyCustomAttributesOnSpan: (span, req) => {
          if (req instanceof require('http').IncomingMessage) {
            const route = routes[name];
            span.setAttribute('http.route', route);
            span.updateName(`${req.method} ${route}`);
          }
        },
      }),
    ],
  });
  // http must be loaded after the instrumentation is registered so that it gets patched.
  const http = require('http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  function call(url, method, body) {
    return new Promise((resolve, reject) => {
      const data = body ? Buffer.from(JSON.stringify(body)) : null;
      const req = http.request(
        url,
        {
          method,
          agent,
          headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
        },
        (res) => {
          const parts = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${method} ${url}: ${res.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(parts).toString()));
          });
        }
      );
      req.on('error', (e) => reject(new Error(`${method} ${url}: ${e.message}`)));
      req.end(data);
    });
  }

  function readBody(req) {
    return new Promise((resolve, reject) => {
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts).toString()));
      req.on('error', reject);
    });
  }

  async function handle(req) {
    const url = new URL(req.url, 'http://x');
    const body = await readBody(req);
    if (name === 'gateway' && req.method === 'POST' && url.pathname === '/score') {
      const txn = JSON.parse(body);
      await sleep(workMs(name) / 2); // parse + validate
      const f = await call(`${opts['feature-store']}/features?entity=${txn.card_id}`, 'GET');
      const p = await call(`${opts['model-server']}/predict`, 'POST', {
        amount: txn.amount,
        features: f.features,
      });
      await sleep(workMs(name) / 2); // decision
      const traceId = api.trace.getSpan(api.context.active()).spanContext().traceId;
      return { score: p.score, decision: p.score > 0.8 ? 'review' : 'approve', trace_id: traceId };
    }
    if (name === 'feature-store' && req.method === 'GET' && url.pathname === '/features') {
      await sleep(workMs(name));
      const id = Number(url.searchParams.get('entity')) || 0;
      return { features: { amount_7d: (id * 37) % 1000, merchant_risk: (id % 17) / 17 } };
    }
    if (name === 'model-server' && req.method === 'POST' && url.pathname === '/predict') {
      const x = JSON.parse(body);
      await sleep(workMs(name));
      const z = 0.002 * x.amount + 0.001 * x.features.amount_7d + 2 * x.features.merchant_risk - 3;
      return { score: 1 / (1 + Math.exp(-z)) };
    }
    return null;
  }

  const server = http.createServer((req, res) => {
    handle(req).then(
      (out) => {
        const data = JSON.stringify(out || { error: 'not found' });
        res.writeHead(out ? 200 : 404, { 'content-type': 'application/json' });
        res.end(data);
      },
      (err) => {
        console.error(`${name}: ${err.stack || err}`);
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(err.message || err) }));
      }
    );
  });
  // Longer than the run, so that an idle pooled connection of the gateway's agent is never
  // closed by the server just as the agent reuses it (ECONNRESET, socket hang up).
  server.keepAliveTimeout = 120000;
  server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));

  process.on('message', (m) => {
    if (m.cmd === 'flush') {
      provider.forceFlush().then(
        () => process.send({ flushed: true }),
        (e) => process.send({ flushed: false, error: String(e) })
      );
    } else if (m.cmd === 'exit') {
      server.close();
      agent.destroy();
      provider.shutdown().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(1)); // the driver died
}

// ---------------------------------------------------------------------------------------------
// Driver mode: the delay proxy, the three services, the load, the windows.

// A TCP proxy to 127.0.0.1:targetPort. state.delayMs > 0 holds each chunk going to the target
// for that long (+-2 ms), keeping the order of chunks within a connection.
function startProxy(targetPort, state) {
  const net = require('net');
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    let due = 0; // when the last held chunk is to be written
    client.on('data', (chunk) => {
      const d = state.delayMs;
      const now = Date.now();
      if (d <= 0 && due <= now) {
        upstream.write(chunk);
        return;
      }
      due = Math.max(due, now + (d > 0 ? d - 2 + Math.random() * 4 : 0));
      setTimeout(() => upstream.write(chunk), due - now);
    });
    upstream.pipe(client);
    client.on('end', () => setTimeout(() => upstream.end(), Math.max(0, due - Date.now())));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startService(name, args) {
  const { fork } = require('child_process');
  const child = fork(__filename, ['--service', name, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m.ready ? resolve({ child, port: m.port }) : reject(m)));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

function ask(child, cmd, key) {
  return new Promise((resolve, reject) => {
    const on = (m) => {
      if (key in m) {
        child.off('message', on);
        m[key] ? resolve() : reject(new Error(m.error));
      }
    };
    child.on('message', on);
    child.send({ cmd });
  });
}

function score(port, i) {
  const http = require('http');
  const data = Buffer.from(JSON.stringify({ card_id: i, amount: 20 + (i % 50) * 7 }));
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/score',
        method: 'POST',
        agent: false, // a fresh connection per request, like independent clients
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (res.statusCode !== 200) return reject(new Error(`POST /score: ${res.statusCode}`));
          resolve({ ms, traceId: JSON.parse(Buffer.concat(parts).toString()).trace_id });
        });
      }
    );
    req.on('error', reject);
    req.end(data);
  });
}

// Send n requests at `rate` per second (open loop: arrivals do not wait for answers, as with
// independent users, so every service sees the same load in both windows); return the window
// and what came back.
async function load(port, n, rate, first) {
  const start = nowNs();
  const pending = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const at = t0 + (i + Math.random() - 0.5) * (1000 / rate);
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(score(port, first + i));
  }
  const results = await Promise.all(pending);
  const end = nowNs() + 1000000n;
  return { start, end, results };
}

function pct(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

async function runDriver(opts) {
  if (!opts.otlp) throw new Error('--otlp URL is required');
  const n = Number(opts.requests || 300);
  const delayMs = Number(opts['delay-ms'] || 80);
  const rate = Number(opts.rate || 60);
  const warmup = Number(opts.warmup || 20);
  const common = ['--otlp', opts.otlp];
  const proxyState = { delayMs: 0 };
  const services = [];
  let proxy = null;
  try {
    const ms = await startService('model-server', common);
    services.push(ms.child);
    const fs = await startService('feature-store', common);
    services.push(fs.child);
    proxy = await startProxy(fs.port, proxyState);
    const gw = await startService('gateway', [
      ...common,
      '--feature-store', `http://127.0.0.1:${proxy.address().port}`,
      '--model-server', `http://127.0.0.1:${ms.port}`,
    ]);
    services.push(gw.child);

    await load(gw.port, warmup, rate, 1000000); // JIT, connections; outside both windows
    await sleep(100);
    const base = await load(gw.port, n, rate, 0);
    await sleep(100);
    proxyState.delayMs = delayMs;
    await sleep(100);
    const inc = await load(gw.port, n, rate, n);
    proxyState.delayMs = 0;
    await Promise.all(services.map((c) => ask(c, 'flush', 'flushed')));

    const summary = (w) => {
      const ms = w.results.map((r) => r.ms);
      return { p50: +pct(ms, 0.5).toFixed(2), p90: +pct(ms, 0.9).toFixed(2) };
    };
    const ids = (w) => w.results.map((r) => r.traceId).filter((_, i) => i % 10 === 0);
    const win = (w) => `{"start_ns":${w.start},"end_ns":${w.end}}`;
    process.stdout.write(
      `{"baseline":${win(base)},"incident":${win(inc)},"requests":${n},` +
        `"delay_ms":${delayMs},"trace_ids":${JSON.stringify({ baseline: ids(base), incident: ids(inc) })},` +
        `"client_ms":${JSON.stringify({ baseline: summary(base), incident: summary(inc) })}}\n`
    );
  } finally {
    await Promise.all(
      services.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', resolve);
            c.send({ cmd: 'exit' });
            setTimeout(() => c.kill(), 5000).unref();
          })
      )
    );
    if (proxy) proxy.close();
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.service) {
  runService(opts);
} else {
  runDriver(opts).then(
    () => process.exit(0),
    (e) => {
      console.error(e.stack || e);
      process.exit(1);
    }
  );
}
