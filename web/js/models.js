// SPDX-License-Identifier: Apache-2.0
// models.js: the model registry (versions, stages, aliases), traffic share over time, live drift
// per feature with reference-vs-current distributions, validation anomalies, training-serving
// skew, batch runs and freshness. Each part says "no data yet" when its route has nothing.
import { h, time, qs, num, pct, loading, empty, failed, badge, palette } from "./util.js";
import { get, post, text } from "./api.js";
import { timeChart, destroy, histPair } from "./chart.js";
import { navigate } from "./app.js";

export async function render(main, _p, query) {
  main.append(h("h1", "Models"));
  const charts = [];
  let versions;
  try {
    versions = await get("/api/v1/models");
  } catch (e) {
    main.append(failed(e, "Reading the model registry"));
    return;
  }
  const byModel = new Map();
  for (const v of versions) {
    if (!byModel.has(v.model)) byModel.set(v.model, []);
    byModel.get(v.model).push(v);
  }
  if (!byModel.size) {
    main.append(empty("No data yet: no model is registered and no inference was logged. POST /api/v1/models or send /v1/inferences."));
    return;
  }
  const model = query.get("model") && byModel.has(query.get("model")) ? query.get("model") : [...byModel.keys()][0];
  const vs = byModel.get(model);
  main.append(h("div.bar", h("label", "Model", h("select", { onchange: (ev) => navigate(`/ui/models?${qs({ model: ev.target.value })}`) },
    [...byModel.keys()].map((m) => h("option", { value: m, selected: m === model }, m))))));

  const first = Math.min(...vs.map((v) => v.first_seen_ms ?? Infinity)), last = Math.max(...vs.map((v) => v.last_seen_ms ?? -Infinity));
  const seen = isFinite(first) && isFinite(last);

  // Registry.
  main.append(h("section", h("h2", "Registry"), h("table", h("thead", h("tr", h("th", "version"), h("th", "stage"), h("th", "aliases"),
    h("th", "registered"), h("th", "first served"), h("th", "last served"), h("th.num", "inferences"), h("th", "source"))),
  h("tbody", vs.map((v) => h("tr", { dataset: { version: v.version } }, h("td.mono", v.version), h("td", v.stage ? badge(v.stage) : "—"),
    h("td", (v.aliases || []).map((a) => (typeof a === "string" ? a : a.alias || JSON.stringify(a))).join(", ") || "—"),
    h("td", time(v.registered_ms)), h("td", time(v.first_seen_ms)), h("td", time(v.last_seen_ms)), h("td.num", v.n_inferences ?? "—"), h("td", v.source || "—")))))));

  // Traffic share over time.
  const traffic = h("section", h("h2", "Traffic share over time"), loading());
  main.append(traffic);
  if (!seen) traffic.replaceChildren(traffic.firstChild, empty("No data yet: no inference was logged for this model."));
  else get(`/api/v1/models/${encodeURIComponent(model)}/traffic?${qs({ from: new Date(first).toISOString(), to: new Date(last + 1000).toISOString() })}`).then((t) => {
    if (!t.total) { traffic.replaceChildren(traffic.firstChild, empty("No inferences in range.")); return; }
    const box = h("div.chart");
    traffic.replaceChildren(traffic.firstChild, h("p.muted", `${t.total} inferences, step ${num(t.step_ms / 1000)} s; markers are the model's change events.`), box);
    const ts = t.timestamps_ms.map((x) => x / 1000);
    charts.push(timeChart(box, ts, t.versions.map((v, i) => ({ label: `${v.version} share`, values: v.shares, color: palette(i) })),
      { height: 160, markers: () => (t.changes || []).map((c) => ({ t: c.ts_ms / 1000, kind: "event" })) }));
  }, (e) => traffic.replaceChildren(traffic.firstChild, failed(e, "Traffic")));

  // Drift (live monitoring) and the stored window profiles.
  const drift = h("section", h("h2", "Drift per feature"), loading());
  main.append(drift);
  renderDrift(drift, model, seen ? last : Date.now());

  // Validation anomalies (from faultline's own /metrics).
  const valid = h("section", h("h2", "Validation anomalies"), loading());
  main.append(valid);
  text("/metrics").then((m) => {
    const rows = m.split("\n").filter((l) => l.startsWith("faultline_validation_anomalies_total{") && l.includes(`model="${model}"`));
    valid.replaceChildren(valid.firstChild, rows.length ? h("table", h("thead", h("tr", h("th", "kind"), h("th.num", "anomalies (since start)"))),
      h("tbody", rows.map((l) => h("tr", h("td", (/kind="([^"]*)"/.exec(l) || [])[1] || "?"), h("td.num", l.split(" ").pop())))))
      : empty("No data yet: no schema anomaly counted (live monitoring checks versions that have a registry schema)."));
  }, (e) => valid.replaceChildren(valid.firstChild, failed(e, "Reading /metrics")));

  // Skew: the offline side is uploaded here.
  main.append(skewForm(model, vs));

  // Batch runs and freshness.
  const fresh = h("section", h("h2", "Batch runs and freshness"), loading());
  main.append(fresh);
  renderFreshness(fresh, model, seen ? last : null);
  return () => charts.forEach(destroy);
}

async function renderDrift(sec, model, lastMs) {
  const title = sec.firstChild;
  const parts = [];
  try {
    const d = await get(`/api/v1/drift?${qs({ model })}`);
    parts.push(h("p", `Version ${d.version}, window `, time(d.window_start_ms), " – ", time(d.window_end_ms), `, ${d.rows} records.`));
    for (const b of d.baselines) {
      if (b.status !== "ok" || !b.drift) { parts.push(h("p", h("strong", b.baseline), ": ", badge(b.status), " ", b.message || "")); continue; }
      parts.push(h("h3", `against ${b.baseline}`, " ", h("span.muted", `${b.drift.drifted_features} of ${b.drift.features} features drifted`)),
        h("table", h("thead", h("tr", h("th", "feature"), h("th", "check"), h("th", "method"), h("th.num", "statistic"), h("th.num", "p"), h("th.num", "threshold"), h("th", "drifted"))),
          h("tbody", b.drift.rows.map((r) => h("tr", h("td", r.feature), h("td", r.check), h("td", r.method), h("td.num", num(r.statistic)),
            h("td.num", num(r.p_value)), h("td.num", `${r.comparison || ""} ${num(r.threshold)}`), h("td", r.drifted ? h("strong", { style: "color:var(--bad)" }, "yes") : "no"))))));
    }
  } catch (e) {
    if (e.down) { sec.replaceChildren(title, failed(e)); return; }
    parts.push(empty(`No live drift yet: ${e.message}.`));
  }
  // Reference vs current distributions from the stored window profiles (their quantiles).
  try {
    const end = new Date((lastMs || Date.now()) + 3600e3).toISOString();
    const p = await get(`/api/v1/profiles?${qs({ model, end, start: new Date((lastMs || Date.now()) - 30 * 86400e3).toISOString(), limit: 1000 })}`);
    const ws = (p.windows || []).filter((w) => w.summary);
    if (ws.length >= 2) {
      const ref = ws[0], cur = ws[ws.length - 1];
      parts.push(h("h3", "Distributions: oldest vs newest stored window"), h("p.muted", "reference ", time(ref.window_start_ms), ", current ", time(cur.window_start_ms),
        " — from each window's quantile sketch (p1 … p99)."));
      const grid = h("div.grid2");
      for (const fp of cur.summary.profiles || []) {
        const rp = (ref.summary.profiles || []).find((x) => x.feature === fp.feature);
        if (!rp || !rp.quantiles || !fp.quantiles) continue;
        const hist = fromQuantiles(rp.quantiles, fp.quantiles);
        if (hist) grid.append(h("div.card", h("strong", fp.feature), histPair(hist.edges, hist.a, hist.b)));
      }
      parts.push(grid.childElementCount ? grid : h("p.muted", "No numeric feature with quantiles in both windows."));
      parts.push(h("h3", "Rows per window"), h("p.mono", ws.map((w) => w.rows).join(" · ")));
    } else {
      parts.push(h("p.muted", `${ws.length} stored window profile(s) in the last 30 days: distributions appear once two windows closed.`));
    }
  } catch (e) {
    parts.push(h("p.muted", `Window profiles: ${e.message}`));
  }
  sec.replaceChildren(title, ...parts);
}

// Two quantile sets (p1..p99) -> masses on 20 shared bins, CDFs linear between quantiles.
function fromQuantiles(qa, qb) {
  const pts = (q) => Object.entries(q).map(([k, v]) => [Number(k.slice(1)) / 100, v]).filter(([, v]) => v != null && isFinite(v)).sort((x, y) => x[0] - y[0]);
  const a = pts(qa), b = pts(qb);
  if (a.length < 2 || b.length < 2) return null;
  const lo = Math.min(a[0][1], b[0][1]), hi = Math.max(a[a.length - 1][1], b[b.length - 1][1]);
  if (!(hi > lo)) return null;
  const cdf = (p, x) => {
    if (x <= p[0][1]) return p[0][0] * (x >= p[0][1] ? 1 : 0);
    for (let i = 1; i < p.length; i++)
      if (x <= p[i][1]) return p[i - 1][0] + ((p[i][0] - p[i - 1][0]) * (x - p[i - 1][1])) / Math.max(1e-12, p[i][1] - p[i - 1][1]);
    return p[p.length - 1][0];
  };
  const n = 20, edges = Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  const mass = (p) => edges.slice(1).map((e, i) => Math.max(0, cdf(p, e) - cdf(p, edges[i])));
  return { edges, a: mass(a), b: mass(b) };
}

function skewForm(model, vs) {
  const out = h("div");
  return h("section", h("h2", "Training-serving skew"),
    h("form.bar", { "aria-label": "Skew check", onsubmit: async (ev) => {
      ev.preventDefault();
      const fd = new FormData(ev.target);
      const file = fd.get("file");
      if (!file || !file.size) { out.replaceChildren(h("p.state.error", "Choose the offline table (CSV or JSON Lines) first.")); return; }
      out.replaceChildren(loading("Comparing…"));
      try {
        const r = await post(`/api/v1/skew?${qs({ model, version: fd.get("version"), key: fd.get("key") })}`, file,
          file.name.endsWith(".csv") ? "text/csv" : "application/x-ndjson");
        out.replaceChildren(h("p", `${r.served} served, ${r.offline} offline, ${r.joined} joined.`),
          h("table", h("thead", h("tr", h("th", "feature"), h("th.num", "compared"), h("th.num", "mismatched"), h("th.num", "rate"), h("th.num", "mean diff"))),
            h("tbody", (r.features || []).map((f) => h("tr", h("td", f.name), h("td.num", f.compared), h("td.num", f.mismatched), h("td.num", pct(f.mismatch_rate)), h("td.num", num(f.mean_diff)))))));
      } catch (e) {
        out.replaceChildren(failed(e, "The skew check"));
      }
    } },
      h("label", "Offline rows (CSV / JSONL)", h("input", { type: "file", name: "file", accept: ".csv,.jsonl,.ndjson,.json" })),
      h("label", "Version", h("select", { name: "version" }, h("option", { value: "" }, "(any)"), vs.map((v) => h("option", { value: v.version }, v.version)))),
      h("label", "Key column", h("input", { name: "key", value: "request_id", size: 12 })),
      h("button", { type: "submit" }, "Compare with served logs")),
    h("p.muted", "No data yet until you upload the offline side: the served side is faultline's inference log."), out);
}

async function renderFreshness(sec, model, lastMs) {
  const title = sec.firstChild;
  try {
    const [f, runs] = await Promise.all([get(`/api/v1/freshness?${qs({ at: lastMs ? new Date(lastMs).toISOString() : undefined })}`),
      get("/api/v1/events?kind=batch_run&limit=200").catch(() => [])]);
    const items = ((f.features && f.features.items) || []).filter((i) => i.model === model);
    sec.replaceChildren(title,
      h("p.muted", "Evaluated at ", time(f.at_ms), "."),
      h("h3", "Jobs"), f.jobs.length ? h("table", h("thead", h("tr", h("th", "component"), h("th", "state"), h("th", "last success"), h("th", "deadline"), h("th.num", "failures"), h("th.num", "rows"), h("th", "rows check"))),
        h("tbody", f.jobs.map((j) => h("tr", h("td", j.component), h("td", badge(j.state)), h("td", time(j.last_success_ms)), h("td", time(j.deadline_ms)),
          h("td.num", j.consecutive_failures), h("td.num", j.last_rows ?? "—"), h("td", j.rows_check)))))
        : empty("No data yet: no freshness: entries in the configuration."),
      h("h3", "Batch runs"), runs.length ? h("table", h("thead", h("tr", h("th", "time"), h("th", "component"), h("th", "status"), h("th.num", "rows"), h("th", "message"))),
        h("tbody", runs.slice(-50).reverse().map((r) => h("tr", h("td", time(r.ts_ms)), h("td", r.component), h("td", r.status ? badge(r.status) : "—"), h("td.num", r.rows ?? "—"), h("td", r.message || "")))))
        : empty("No data yet: no batch_run events."),
      h("h3", "Feature staleness"), items.length ? h("table", h("thead", h("tr", h("th", "feature"), h("th.num", "requests"), h("th.num", "stale"), h("th.num", "null"))),
        h("tbody", items.map((i) => h("tr", h("td", i.feature), h("td.num", i.requests), h("td.num", pct(i.stale_ratio)), h("td.num", pct(i.null_ratio))))))
        : empty("No data yet: no requests of this model in the staleness window."));
  } catch (e) {
    sec.replaceChildren(title, failed(e, "Freshness"));
  }
}
