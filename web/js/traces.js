// SPDX-License-Identifier: Apache-2.0
// traces.js: trace search (GET /api/v1/traces), the baseline-vs-incident comparison as a table
// and a bar chart (GET /api/v1/traces/compare), and the service dependency graph
// (GET /api/v1/graph) drawn as SVG with edges coloured by their change between the windows.
import { h, s, time, qs, num, ms, pct, loading, empty, failed } from "./util.js";
import { get } from "./api.js";
import { pairBars, histPair } from "./chart.js";
import { navigate } from "./app.js";

export async function render(main, _p, query) {
  const q = Object.fromEntries(query.entries());
  main.append(h("h1", "Traces"));
  const form = h("form.bar", { "aria-label": "Search traces", onsubmit: (ev) => {
    ev.preventDefault();
    const fd = new FormData(ev.target);
    navigate(`/ui/traces?${qs(Object.fromEntries([...fd.entries()].filter(([, v]) => v !== "")))}`);
  } },
    h("label", "Service", h("input", { name: "service", value: q.service || "", size: 14 })),
    h("label", "Operation", h("input", { name: "operation", value: q.operation || "", size: 14 })),
    h("label", "Min duration", h("input", { name: "min_duration", value: q.min_duration || "", size: 7, placeholder: "250ms" })),
    h("label", "From", h("input", { name: "start", value: q.start || "", size: 20, placeholder: "RFC 3339 or now-1h" })),
    h("label", "To", h("input", { name: "end", value: q.end || "", size: 20 })),
    h("label", "Errors", h("span", h("input", { type: "checkbox", name: "error", value: "true", checked: q.error === "true" }), " only")),
    h("label", "Baseline window", h("input", { name: "baseline", value: q.baseline || "", size: 30, placeholder: "START,END" })),
    h("label", "Incident window", h("input", { name: "incident", value: q.incident || "", size: 30, placeholder: "START,END" })),
    h("button", { type: "submit" }, "Search"));
  const results = h("section", { "aria-labelledby": "h-results" }, h("h2#h-results", "Matching traces"), loading());
  const compare = h("section", { "aria-labelledby": "h-compare" }, h("h2#h-compare", "Baseline vs incident"));
  const graph = h("section", { "aria-labelledby": "h-graph" }, h("h2#h-graph", "Service dependency graph"));
  main.append(form, results, compare, graph);

  let list = [];
  try {
    list = await get(`/api/v1/traces?${qs({ service: q.service, operation: q.operation, min_duration: q.min_duration,
      start: q.start, end: q.end, error: q.error, limit: 20 })}`);
    results.replaceChildren(results.firstChild, list.length ? traceTable(list)
      : empty("No traces match. Send OTLP to /v1/traces or import a trace file, or widen the search."));
  } catch (e) {
    results.replaceChildren(results.firstChild, failed(e, "Searching traces"));
  }

  if (q.baseline && q.incident) {
    compare.append(loading());
    renderCompare(compare, q.baseline, q.incident);
  } else {
    compare.append(h("p.muted", "Give a baseline and an incident window (START,END) above to see which operation or call explains the latency change."));
  }

  // The graph covers the incident window, else the span of the traces found.
  let win = q.incident ? q.incident.split(",") : null;
  if (!win && list.length) {
    const st = list.map((t) => Number(BigInt(t.start_ns) / 1000000n));
    win = [new Date(Math.min(...st)).toISOString(), new Date(Math.max(...st) + 1000).toISOString()];
  }
  if (!win) { graph.append(empty("No traces in range: no graph yet.")); return; }
  graph.append(loading());
  try {
    const [cur, base] = await Promise.all([get(`/api/v1/graph?${qs({ start: win[0], end: win[1] })}`),
      q.baseline ? get(`/api/v1/graph?${qs({ start: q.baseline.split(",")[0], end: q.baseline.split(",")[1] })}`) : null]);
    graph.replaceChildren(graph.firstChild, h("p.muted", "Window ", time(Date.parse(win[0])), " – ", time(Date.parse(win[1])),
      base ? ", edges coloured by the change of their P99 against the baseline window." : ", edges coloured by error rate (give a baseline window to colour by change)."),
    cur.nodes.length ? drawGraph(cur, base) : empty("No services in this window."));
  } catch (e) {
    graph.replaceChildren(graph.firstChild, failed(e, "Loading the graph"));
  }
}

function traceTable(list) {
  return h("table", h("thead", h("tr", h("th", "start"), h("th", "root"), h("th.num", "duration"), h("th.num", "spans"),
    h("th.num", "errors"), h("th", "services"), h("th", "trace"))),
  h("tbody", list.map((t) => h("tr", { dataset: { trace: t.trace_id } },
    h("td", time(Number(BigInt(t.start_ns) / 1000000n), { ms: true })), h("td", `${t.root_service} ${t.root_operation}`),
    h("td.num", ms(t.duration_ms)), h("td.num", t.spans_count), h("td.num", t.errors ? h("span", { style: "color:var(--bad)" }, t.errors) : 0),
    h("td", t.services.join(", ")), h("td.mono", h("a", { href: `/ui/traces/${t.trace_id}`, "data-link": true }, t.trace_id.slice(0, 16) + "…"))))));
}

async function renderCompare(sec, baseline, incident) {
  const title = sec.firstChild;
  let d;
  try {
    d = await get(`/api/v1/traces/compare?${qs({ baseline, incident, percentile: 99 })}`);
  } catch (e) {
    sec.replaceChildren(title, failed(e, "Comparing the windows"));
    return;
  }
  const name = (r) => (r.kind === "edge" ? `${r.caller} → ${r.callee} (network)` : `${r.service} / ${r.operation}`);
  sec.replaceChildren(title,
    h("p", `P${d.percentile} end-to-end: ${num(d.baseline.latency_ms)} ms → ${num(d.incident.latency_ms)} ms (`,
      h("strong", `${d.change_ms >= 0 ? "+" : ""}${num(d.change_ms)} ms`), `); errors ${pct(d.baseline.error_rate)} → ${pct(d.incident.error_rate)}; `,
      `${d.baseline.traces} and ${d.incident.traces} traces.`),
    d.rows.length ? h("div.grid2",
      h("div", h("table.compare", h("thead", h("tr", h("th", "operation / call"), h("th.num", "baseline"), h("th.num", "incident"), h("th.num", "change"),
        h("th.num", "share"), h("th.num", "KS p"), h("th", "changed"))),
      h("tbody", d.rows.map((r) => h("tr", { dataset: { kind: r.kind, changed: String(r.changed) } }, h("td", name(r)), h("td.num", ms(r.baseline_ms)),
        h("td.num", ms(r.incident_ms)), h("td.num", ms(r.change_ms)), h("td.num", pct(r.share)), h("td.num", num(r.ks_p)),
        h("td", r.changed ? h("strong", { style: "color:var(--bad)" }, "yes") : "no")))))),
      h("div", pairBars(d.rows.map((r) => ({ label: name(r), a: r.baseline_ms, b: r.incident_ms }))),
        d.rows[0].histogram ? h("div", h("h3", `Own latency of ${name(d.rows[0])}`), histPair(d.rows[0].histogram.edges_ms, d.rows[0].histogram.baseline, d.rows[0].histogram.incident, { aLabel: "baseline", bLabel: "incident" })) : ""))
      : empty("No operations in both windows."));
}

// A layered layout: depth = longest path from a node without callers; edges as curves.
function drawGraph(g, base) {
  const depth = new Map(g.nodes.map((n) => [n.name, 0]));
  for (let k = 0; k < g.nodes.length; k++)
    for (const e of g.edges) if (e.from !== e.to) depth.set(e.to, Math.max(depth.get(e.to) || 0, (depth.get(e.from) || 0) + 1));
  const cols = new Map();
  for (const n of g.nodes) {
    const d = Math.min(depth.get(n.name) || 0, 8);
    if (!cols.has(d)) cols.set(d, []);
    cols.get(d).push(n);
  }
  const W = 190, H = 70, pos = new Map();
  for (const [d, ns] of cols) ns.forEach((n, i) => pos.set(n.name, { x: 20 + d * (W + 150), y: 20 + i * (H + 20) }));
  const width = 40 + (Math.max(...cols.keys()) + 1) * (W + 150), height = 40 + Math.max(...[...cols.values()].map((c) => c.length)) * (H + 20);
  const baseEdge = (e) => base && base.edges.find((b) => b.from === e.from && b.to === e.to);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", style: `max-width:${width}px`, role: "img", "aria-label": "Service dependency graph" },
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" },
      s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "currentColor" }))));
  for (const e of g.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const be = baseEdge(e);
    let cls = "edge-same", why;
    if (be && be.p99_ms != null && e.p99_ms != null) {
      const ratio = e.p99_ms / Math.max(be.p99_ms, 1e-9);
      cls = ratio > 1.5 ? "edge-changed" : ratio < 0.67 ? "edge-better" : "edge-same";
      why = `P99 ${num(be.p99_ms)} → ${num(e.p99_ms)} ms`;
    } else {
      cls = e.error_rate > 0.05 ? "edge-changed" : "edge-same";
      why = `P99 ${num(e.p99_ms)} ms, errors ${pct(e.error_rate)}`;
    }
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    svg.append(s("g", { class: `edge ${cls}`, "data-edge": `${e.from}->${e.to}` },
      s("path", { d: `M ${x1} ${y1} C ${x1 + 40} ${y1}, ${x2 - 40} ${y2}, ${x2} ${y2}`, fill: "none", "stroke-width": cls === "edge-same" ? 1.5 : 3,
        class: cls, "marker-end": "url(#arrow)", style: "color:currentColor" }, s("title", {}, `${e.from} → ${e.to}: ${why}; ${e.calls} calls`)),
      s("text", { x: (x1 + x2) / 2, y: Math.min(y1, y2) - 8, "text-anchor": "middle" }, why)));
  }
  for (const n of g.nodes) {
    const p = pos.get(n.name);
    svg.append(s("g", { class: "node", "data-node": n.name },
      s("rect", { x: p.x, y: p.y, width: W, height: H, rx: 6 }),
      s("text", { x: p.x + 10, y: p.y + 22, style: "font-weight:600" }, n.name),
      s("text", { x: p.x + 10, y: p.y + 40 }, `${n.kind}${n.in_topology ? ", in topology" : ""}`),
      s("text", { x: p.x + 10, y: p.y + 56 }, `${n.spans} spans, ${n.errors} errors`)));
  }
  return h("div", svg, h("p.muted", h("span.legend-chip", { style: "background:var(--bad)" }), "changed / failing",
    h("span.legend-chip", { style: "background:var(--good)" }), "faster", h("span.legend-chip", { style: "background:var(--muted)" }), "unchanged"));
}
