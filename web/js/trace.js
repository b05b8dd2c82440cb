// SPDX-License-Identifier: Apache-2.0
// trace.js: one trace as a waterfall (GET /api/v1/traces/{id}/critical_path): the spans as bars on
// the trace's time line, the critical path highlighted, network time per call next to the client
// span that made the call.
import { h, time, num, ms, loading, failed } from "./util.js";
import { get } from "./api.js";

export async function render(main, [id]) {
  main.append(h("div.bar", h("a", { href: "/ui/traces", "data-link": true }, "← Traces")), h("h1", `Trace ${id}`));
  const box = h("div", loading());
  main.append(box);
  let t;
  try {
    t = await get(`/api/v1/traces/${encodeURIComponent(id)}/critical_path`);
  } catch (e) {
    box.replaceChildren(failed(e, "Loading the trace"));
    return;
  }
  const t0 = BigInt(t.start_ns), total = Math.max(t.duration_ms, 1e-6);
  const rel = (ns) => Number(BigInt(ns) - t0) / 1e6;
  const net = new Map(t.calls.map((c) => [c.client_span_id, c]));
  const critSpans = new Set(t.segments.map((s) => s.span_id));
  const depth = t.spans.map(() => 0);
  t.spans.forEach((sp, i) => { depth[i] = sp.parent >= 0 ? depth[sp.parent] + 1 : 0; });
  // Children after their parent, in start order (the answer is in start order already).
  const order = [];
  const kids = t.spans.map(() => []);
  t.spans.forEach((sp, i) => (sp.parent >= 0 ? kids[sp.parent].push(i) : null));
  const visit = (i) => { order.push(i); kids[i].forEach(visit); };
  t.spans.forEach((sp, i) => { if (sp.parent < 0) visit(i); });

  const rows = order.map((i) => {
    const sp = t.spans[i];
    const a = rel(sp.start_ns), b = rel(sp.end_ns);
    const call = net.get(sp.span_id);
    const crit = critSpans.has(sp.span_id) && sp.critical_ms > 0;
    const err = sp.status === 2 || sp.flags.includes("error");
    // The span's pieces on the critical path, drawn over its bar.
    const segs = t.segments.filter((s) => s.span_id === sp.span_id).map((s) =>
      h("div.wf-bar", { style: `left:${(rel(s.start_ns) / total) * 100}%;width:${(s.duration_ms / total) * 100}%;opacity:1;background:var(--crit)`,
        title: `critical ${num(s.duration_ms)} ms` }));
    const what = `${sp.service} ${sp.operation}: starts at ${num(a)} ms, ${num(sp.duration_ms)} ms, on the critical path ${num(sp.critical_ms)} ms` +
      `${call && call.network_ms != null ? `, network ${num(call.network_ms)} ms` : ""}${sp.flags.length ? ", " + sp.flags.join(", ") : ""}`;
    return h("div.wf-row", { class: crit ? "wf-row critical" : "wf-row", dataset: { span: sp.span_id, critical: String(crit) }, tabindex: 0,
      role: "listitem", title: what, "aria-label": what },
      h("div.wf-name", { style: `padding-left:${depth[i] * 14}px` }, h("strong", sp.service), " ", sp.operation, " ", h("span.muted", sp.kind),
        sp.flags.length ? h("span", { style: "color:var(--bad)" }, ` [${sp.flags.join(", ")}]`) : ""),
      h("div.wf-track", h(`div.wf-bar${err ? ".error" : ""}`, { style: `left:${(a / total) * 100}%;width:${((b - a) / total) * 100}%` }), segs),
      h("div.wf-net", call && call.network_ms != null ? h("span", { dataset: { network: call.network_ms } }, `net ${num(call.network_ms)} ms`) : "", " ", ms(sp.duration_ms)));
  });

  box.replaceChildren(
    h("div.card", h("div", h("strong", `${t.root_service} ${t.root_operation}`), " started ", time(Number(t0 / 1000000n), { ms: true }),
      `, ${num(t.duration_ms)} ms, ${t.spans_count} spans, ${t.errors} errors, ${t.timeouts} timeouts, ${t.retries} retries`),
    t.synthetic_root || t.orphans ? h("div", { style: "color:var(--warn)" }, `incomplete: ${t.orphans} orphans under a synthetic root`) : "",
    h("div.muted", h("span.legend-chip", { style: "background:var(--crit)" }), "critical path ",
      h("span.legend-chip", { style: "background:var(--accent);opacity:.55" }), "span ", h("span.legend-chip", { style: "background:var(--bad)" }), "error; ",
      "“net” is the network time of a call (client span minus the server span that answered it).")),
    h("div.wf", { role: "list", "aria-label": "Spans" }, h("div.wf-row", h("strong", "span"), h("div.muted", `0 – ${num(t.duration_ms)} ms`), h("div.wf-net", "network / duration")), rows),
    h("h2", "Critical path by operation"),
    h("table", h("thead", h("tr", h("th", "service"), h("th", "operation"), h("th.num", "critical time"), h("th.num", "share"))),
      h("tbody", t.operations.map((o) => h("tr", h("td", o.service), h("td", o.operation), h("td.num", ms(o.critical_ms)), h("td.num", `${num(o.share * 100)}%`))))),
    h("h2", "Calls"),
    t.calls.length ? h("table", h("thead", h("tr", h("th", "caller → callee"), h("th.num", "duration"), h("th.num", "network"), h("th.num", "on critical path"))),
      h("tbody", t.calls.map((c) => h("tr", h("td", `${c.caller} → ${c.callee}`), h("td.num", ms(c.duration_ms)), h("td.num", ms(c.network_ms)), h("td.num", ms(c.critical_ms))))))
      : h("p.muted", "No client calls in this trace."));
}
