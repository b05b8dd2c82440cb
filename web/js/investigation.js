// SPDX-License-Identifier: Apache-2.0
// investigation.js: one stored investigation (GET /api/v1/investigations/{id}): the symptom, each
// step with its finding ("nothing changed here" included), ranked causes with their evidence (a
// chart of a cause's series, links to traces, events and drift), refuted hypotheses, the 5 Whys
// (editable when the server has the route), the evaluated fault tree and the post-mortem button.
import { h, time, iso, qs, num, loading, empty, failed, badge } from "./util.js";
import { get, post, exists } from "./api.js";
import { queryRange } from "./series.js";
import { timeChart, destroy, histPair } from "./chart.js";

const STEP_TITLES = {
  verify_symptom: "Verify the symptom", localize_segments: "Localize segments", rank_metrics: "Rank metrics",
  ml_evidence: "ML evidence (versions, traffic, drift, freshness)", trace_evidence: "Trace evidence",
  change_events: "Change events",
};

export async function render(main, [id]) {
  main.append(loading(`Loading investigation ${id}…`));
  let inv;
  try {
    inv = await get(`/api/v1/investigations/${encodeURIComponent(id)}`);
  } catch (e) {
    main.replaceChildren(h("h1", `Investigation ${id}`), failed(e, "Loading the investigation"));
    return;
  }
  const charts = [];
  const w = inv.windows || {};
  const range = [w.baseline && w.baseline.start_ms, w.incident && w.incident.end_ms];
  const pmHref = `/api/v1/investigations/${inv.id}/postmortem?format=html`;
  const pmBtn = h("span");
  main.replaceChildren(
    h("div.bar.noprint", h("a", { href: "/ui/investigations", "data-link": true }, "← Investigations"), h("span.spacer"), pmBtn,
      h("a.button.ghost", { href: `/api/v1/investigations/${inv.id}?format=markdown`, target: "_blank", rel: "noopener" }, "Markdown report")),
    h("h1", inv.request && inv.request.title ? inv.request.title : `Investigation of ${inv.symptom}`),
    h("div.card", { dataset: { verdict: inv.verdict } },
      h("div", h("strong", "Symptom: "), h("code", inv.symptom), " ", badge(inv.verdict)),
      h("div", h("strong", "Verdict: "), inv.verdict_text),
      h("div", h("strong", "Onset: "), time(inv.onset_ms), inv.onset_detected ? " (detected)" : " (given)"),
      w.baseline ? h("div", h("strong", "Baseline: "), time(w.baseline.start_ms), " – ", time(w.baseline.end_ms),
        h("strong", "  Incident: "), time(w.incident.start_ms), " – ", time(w.incident.end_ms)) : "",
      h("div.muted", `${inv.id}, created `, time(inv.created_ms), `, ${num(inv.elapsed_ms)} ms`,
        " · ", h("a", { href: `/ui/timeline?${qs({ start: iso(range[0]), end: iso(range[1]) })}`, "data-link": true }, "timeline of these windows"))));

  exists(pmHref).then((ok) => pmBtn.replaceChildren(ok
    ? h("a.button", { href: `/ui/postmortems/${inv.id}`, "data-link": true, dataset: { pm: "yes" } }, "Post-mortem")
    : h("span.button", { "aria-disabled": "true", dataset: { pm: "no" }, title: "This server has no post-mortem route" }, "Post-mortem not available")),
  () => pmBtn.replaceChildren());

  const evidenceAt = (ref) => (inv.steps[ref.step] && inv.steps[ref.step].evidence[ref.index]) || null;

  // Ranked causes.
  const causes = h("section", { "aria-labelledby": "h-causes" }, h("h2#h-causes", "Ranked causes"));
  if (!inv.causes.length) causes.append(empty("No candidate cause: nothing on the symptom's path changed."));
  for (const c of inv.causes) {
    const card = h("div.card.cause", { dataset: { rank: c.rank, component: c.component } },
      h("h3", `#${c.rank} ${c.component}`, " ", h("span.muted", `score ${num(c.score)}`), c.component_kind ? h("span.muted", ` · ${c.component_kind}`) : ""),
      h("p", c.summary));
    const ul = h("ul");
    for (const ref of c.evidence) {
      const ev = evidenceAt(ref);
      if (!ev) continue;
      ul.append(h("li", evidenceItem(ev, inv, charts, range)));
    }
    card.append(ul);
    causes.append(card);
  }

  // Refuted hypotheses.
  const refuted = h("section", { "aria-labelledby": "h-refuted" }, h("h2#h-refuted", "Refuted hypotheses"));
  if (!inv.refuted.length) refuted.append(empty("No hypothesis was refuted."));
  else refuted.append(h("table", h("thead", h("tr", h("th", "hypothesis"), h("th", "why not (the numbers)"))),
    h("tbody", inv.refuted.map((r) => h("tr.refuted", { dataset: { component: r.component || "" } }, h("td", r.hypothesis), h("td", r.text))))));

  // Steps.
  const steps = h("section", { "aria-labelledby": "h-steps" }, h("h2#h-steps", "Steps"));
  inv.steps.forEach((st, i) => {
    steps.append(h("details.card.step", { dataset: { step: st.name, status: st.status }, open: st.status === "found" ? true : null },
      h("summary", h("strong", `${i + 1}. ${STEP_TITLES[st.name] || st.name}`), " ", badge(st.status), " ", h("span", st.summary)),
      st.evidence.length ? h("ul", st.evidence.map((ev) => h("li", evidenceItem(ev, inv, null, range)))) : h("p.muted", "No evidence recorded.")));
  });

  const whys = h("section", { "aria-labelledby": "h-whys" }, h("h2#h-whys", "5 Whys"), loading());
  const tree = h("section", { "aria-labelledby": "h-tree" }, h("h2#h-tree", "Fault tree"), loading());
  main.append(causes, refuted, whys, tree, steps);
  renderWhys(whys, inv.id);
  renderFaultTree(tree, inv.id);
  return () => charts.forEach(destroy);
}

// The default fault tree of this kind of incident evaluated on the evidence
// (GET .../fault_tree): the satisfied minimal cut sets, and the diagram (SVG, as an image).
async function renderFaultTree(sec, id) {
  const path = `/api/v1/investigations/${encodeURIComponent(id)}/fault_tree`;
  let d;
  try {
    d = await get(path);
  } catch (e) {
    sec.replaceChildren(sec.firstChild, e.status === 404 || e.status === 405
      ? h("p.state.empty", { dataset: { tree: "unavailable" } }, "Fault trees are not available on this server.")
      : failed(e, "Loading the fault tree"));
    return;
  }
  const byName = new Map((d.events || []).map((ev) => [ev.name, ev]));
  const label = (n) => (byName.get(n) && byName.get(n).label) || n;
  const sat = (d.cut_sets || []).filter((c) => c.satisfied);
  sec.replaceChildren(sec.firstChild,
    h("p", { dataset: { tree: "available", top: d.top_value } }, "Top event ", h("strong", label(d.top)), ` is ${d.top_value} on the evidence `,
      h("span.muted", `(${d.true} of ${d.bound} bound basic events true, ${d.unknown} unknown)`)),
    sat.length
      ? h("ul.cut-sets", sat.map((c) => h("li", { dataset: { cutSet: c.events.join(",") } }, c.events.map(label).join(" and "))))
      : h("p.muted", "No minimal cut set is satisfied by the evidence alone."),
    h("figure.fault-tree", h("img", { src: `${path}?format=svg`, alt: `fault tree: ${label(d.top)}, evaluated branches in red` })),
    h("p", h("a", { href: `${path}?format=markdown` }, "as Markdown"), " · ", h("a", { href: path }, "as JSON")));
}

function evidenceItem(ev, inv, charts, range) {
  const w = inv.windows || {};
  const li = h("div.evidence", { dataset: { kind: ev.kind } },
    h("span.badge", ev.kind), " ", ev.text, ev.ts_ms != null ? h("span.muted", " at ", time(ev.ts_ms)) : "");
  if (ev.kind === "series" && charts && !/^(latency|kpi):/.test(ev.ref) && range[0]) {
    const box = h("div.chart.small");
    li.append(box);
    const onset = inv.onset_ms / 1000;
    queryRange(ev.ref, range[0] / 1000, range[1] / 1000, { rate: "auto" }).then((r) => {
      if (!r.series.length) { box.replaceChildren(h("span.muted", "(no points)")); return; }
      charts.push(timeChart(box, r.ts, r.series, { height: 110, legend: false, markers: () => [{ t: onset, kind: "onset" }] }));
    }, (e) => box.replaceChildren(h("span.muted", `chart failed: ${e.message}`)));
  }
  if (ev.kind === "trace_key" && w.baseline && charts) {
    // The cause's own latency in both windows, from the trace comparison (fetched once).
    const box = h("div.chart.small");
    li.append(box);
    compareOf(inv).then((d) => {
      const row = d.rows.find((r) => ev.ref === (r.kind === "edge" ? `edge:${r.caller}->${r.callee}` : `op:${r.service}/${r.operation}`));
      if (!row || !row.histogram) return;
      box.replaceChildren(h("div.muted", `own latency: baseline ${num(row.baseline_own_ms)} ms → incident ${num(row.incident_own_ms)} ms at P${d.percentile}`),
        histPair(row.histogram.edges_ms, row.histogram.baseline, row.histogram.incident, { aLabel: "baseline", bLabel: "incident", height: 80 }));
    }, () => {});
  }
  if (ev.kind === "trace_key" && w.baseline) {
    const p = qs({ baseline: `${w.baseline.start},${w.baseline.end}`, incident: `${w.incident.start},${w.incident.end}` });
    li.append(" ", h("a", { href: `/ui/traces?${p}`, "data-link": true }, "compare traces"),
      " · ", h("a", { href: `/ui/traces?${qs({ start: w.incident.start, end: w.incident.end, service: serviceOf(ev.ref) })}`, "data-link": true }, "incident traces"));
  }
  if (ev.kind === "event" && ev.ts_ms != null)
    li.append(" ", h("a", { href: `/ui/timeline?${qs({ start: iso(ev.ts_ms - 1800e3), end: iso(ev.ts_ms + 1800e3) })}`, "data-link": true }, "on the timeline"));
  if (/drift|freshness|traffic|version/.test(ev.kind))
    li.append(" ", h("a", { href: `/ui/models?${qs({ model: ev.component })}`, "data-link": true }, "model details"));
  return li;
}

const compares = new Map();
function compareOf(inv) {
  const w = inv.windows, pc = (inv.request && inv.request.percentile) || 99;
  if (!compares.has(inv.id))
    compares.set(inv.id, get(`/api/v1/traces/compare?${qs({ baseline: `${w.baseline.start},${w.baseline.end}`,
      incident: `${w.incident.start},${w.incident.end}`, percentile: pc })}`));
  return compares.get(inv.id);
}

function serviceOf(ref) {
  const m = /^(?:op:)?([^/]+)\//.exec(ref) || /^edge:([^-]+(?:-[^->]+)*)->/.exec(ref);
  return m ? m[1] : "";
}

async function renderWhys(sec, id) {
  const path = `/api/v1/investigations/${encodeURIComponent(id)}/whys`;
  let d;
  try {
    d = await get(path);
  } catch (e) {
    sec.replaceChildren(sec.firstChild, e.status === 404 || e.status === 405
      ? h("p.state.empty", { dataset: { whys: "unavailable" } }, "5 Whys not available on this server.")
      : failed(e, "Loading the 5 Whys"));
    return;
  }
  const chain = d.whys || d;
  const links = chain.links || [];
  const list = h("ol.whys", { dataset: { whys: "available" } });
  const msg = h("div.muted", { role: "status", "aria-live": "polite", dataset: { whysState: d.stored ? "stored" : "derived" } },
    d.stored ? `edited, revision ${chain.revision}` : "derived from the evidence (not edited yet)");
  const edit = async (body) => {
    try {
      await post(path, { ...body, by: "web-ui", revision: chain.revision });
      renderWhys(sec, id);
    } catch (e) {
      msg.replaceChildren(e.status === 401 ? failed(e, "Editing the 5 Whys")
        : e.status === 404 || e.status === 405 ? "This server does not accept edits of the 5 Whys." : `Edit failed: ${e.message}`);
    }
  };
  links.forEach((l, i) => {
    const text = h("span", l.text);
    const li = h("li", { dataset: { level: l.level } }, h("span.badge", l.level), " ", text,
      l.open ? h("span.badge.error", " OPEN QUESTION ") : "", l.confirmed ? h("span.badge.nothing", `confirmed by ${l.confirmed_by}`) : "",
      " ", h("span.noprint",
        h("button.ghost", { type: "button", onclick: () => {
          const ta = h("textarea", { rows: 3, cols: 80, "aria-label": `Why ${i + 1}` }, l.text);
          const form = h("form", { onsubmit: (ev) => { ev.preventDefault(); edit({ op: "edit", index: i, text: ta.value }); } },
            ta, h("div", h("button", { type: "submit" }, "Save"), " ", h("button.ghost", { type: "button", onclick: () => renderWhys(sec, id) }, "Cancel")));
          text.replaceWith(form);
          ta.focus();
        } }, "Edit"), " ",
        l.confirmed ? "" : h("button.ghost", { type: "button", onclick: () => edit({ op: "confirm", index: i }) }, "Confirm")));
    list.append(li);
  });
  sec.replaceChildren(sec.firstChild, links.length ? list : empty("The chain is empty."), msg);
}
