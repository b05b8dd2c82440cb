// SPDX-License-Identifier: Apache-2.0
// models.js: the model registry (versions, stages, aliases), traffic share over time, live drift
// per feature (the latest window, the score over time, and reference-vs-current distributions),
// validation anomalies, training-serving skew, batch runs and freshness. Each part says "no data
// yet" when its route has nothing.
import { h, time, qs, num, pct, iso, loading, empty, failed, badge, palette, cssVar } from "./util.js";
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
  renderDrift(drift, model, vs, seen ? first : null, seen ? last : null, charts);

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

async function renderDrift(sec, model, vs, first, last, charts) {
  const title = sec.firstChild;
  const latest = h("div"), history = h("div"), dist = h("div");
  sec.replaceChildren(title, latest, history, dist);
  await Promise.all([renderLatest(latest, model), renderHistory(history, model, first, last, charts), renderDistributions(dist, model, vs, last)]);
}

// The latest closed window's drift per baseline (from memory: GET /api/v1/drift).
async function renderLatest(box, model) {
  try {
    const d = await get(`/api/v1/drift?${qs({ model })}`);
    const parts = [h("p", `Latest closed window: version ${d.version}, `, time(d.window_start_ms), " – ", time(d.window_end_ms), `, ${d.rows} records.`)];
    for (const b of d.baselines) {
      if (b.status !== "ok" || !b.drift) { parts.push(h("p", h("strong", b.baseline), ": ", badge(b.status), " ", b.message || "")); continue; }
      parts.push(h("h3", `against ${b.baseline}`, b.source && b.source !== b.baseline ? ` (${b.source})` : "", " ", h("span.muted", `${b.drift.drifted_features} of ${b.drift.features} features drifted`)),
        h("table", h("thead", h("tr", h("th", "feature"), h("th", "check"), h("th", "method"), h("th.num", "statistic"), h("th.num", "p"), h("th.num", "threshold"), h("th", "drifted"))),
          h("tbody", b.drift.rows.map((r) => h("tr", h("td", r.feature), h("td", r.check), h("td", r.method), h("td.num", num(r.statistic)),
            h("td.num", num(r.p_value)), h("td.num", `${r.comparison || ""} ${num(r.threshold)}`), h("td", r.drifted ? h("strong", { style: "color:var(--bad)" }, "yes") : "no"))))));
    }
    box.replaceChildren(...parts);
  } catch (e) {
    box.replaceChildren(e.down ? failed(e) : empty(`No live drift yet: ${e.message}.`));
  }
}

// Drift score over time: one chart per feature from the stored drift runs
// (GET /api/v1/drift/history), the threshold as a dashed line, drifted windows as red dots.
async function renderHistory(box, model, first, last, charts) {
  // The last 30 days of serving; when that holds more runs than one answer, the last day, then
  // the last two hours (the route answers the oldest runs of a range first).
  const lastMs = last ?? Date.now(), firstMs = first ?? lastMs - 30 * DAY;
  let d, span;
  try {
    for (span of [30 * DAY, DAY, 2 * 3600e3]) {
      const start = Math.max(firstMs - DAY, lastMs - span);
      d = await get(`/api/v1/drift/history?${qs({ model, start: iso(start), end: iso(lastMs + DAY), limit: 2000 })}`);
      if (!d.truncated) break;
    }
  } catch (e) {
    box.replaceChildren(h("h3", "Drift score over time"), e.down ? failed(e) : failed(e, "Drift history"));
    return;
  }
  const byBase = { reference: d.runs.filter((r) => r.baseline === "reference"), previous_window: d.runs.filter((r) => r.baseline === "previous_window") };
  const ok = (b) => byBase[b].some((r) => r.status === "ok");
  let base = ok("reference") || !ok("previous_window") ? "reference" : "previous_window";
  const mine = [];
  const draw = () => {
    for (const u of mine.splice(0)) {
      destroy(u);
      if (charts.includes(u)) charts.splice(charts.indexOf(u), 1);
    }
    const runs = byBase[base];
    const head = h("h3", "Drift score over time");
    if (!d.runs.length) {
      box.replaceChildren(head, empty("No data yet: no drift run is stored for this model (a window closes, then its drift against the reference and the previous window is stored)."));
      return;
    }
    const pick = h("div.bar.seg", { role: "group", "aria-label": "Baseline" }, ["reference", "previous_window"].map((b) =>
      h("button.ghost", { type: "button", "aria-pressed": b === base ? "true" : "false", dataset: { baseline: b },
        onclick: () => { base = b; draw(); } }, b === "reference" ? "against the reference" : "against the previous window")));
    const verdicts = runs.filter((r) => r.status === "ok");
    const other = runs.filter((r) => r.status !== "ok");
    const counts = Object.entries(other.reduce((m, r) => ((m[r.status] = (m[r.status] || 0) + 1), m), {}));
    const src = [...new Set(verdicts.map((r) => r.source).filter(Boolean))];
    const notes = h("p.muted", `${verdicts.length} window(s) with a verdict`,
      src.length && base === "reference" ? ` against ${src.map((x) => refDesc(model, null, x)).join(", ")}` : "",
      counts.length ? `; ${other.length} without (${counts.map(([k, n]) => `${k}: ${n}`).join(", ")})` : "", ".",
      d.truncated ? " More runs than one chart shows: the oldest of the last two hours of serving are drawn." :
        span < 30 * DAY ? ` The last ${span >= DAY ? "day" : "two hours"} of serving (more runs before).` : "");
    if (!verdicts.length) {
      box.replaceChildren(head, pick, notes, empty(`No drift verdict against the ${base === "reference" ? "reference" : "previous window"} in this range${other[0] && other[0].message ? `: ${other[other.length - 1].message}` : ""}.`));
      return;
    }
    const ts = [...new Set(verdicts.map((r) => r.window_start_ms / 1000))].sort((a, b) => a - b);
    const at = new Map(ts.map((t, i) => [t, i]));
    const versions = [...new Set(verdicts.map((r) => r.version))];
    const feats = new Map();
    for (const r of verdicts) {
      const i = at.get(r.window_start_ms / 1000);
      for (const x of r.rows) {
        if (!feats.has(x.feature)) feats.set(x.feature, { score: new Map(versions.map((v) => [v, ts.map(() => null)])), thr: ts.map(() => null), hit: ts.map(() => null), rows: [], method: null, p: false });
        const f = feats.get(x.feature);
        if (x.drifted) f.hit[i] = f.hit[i] ?? true;
        if (x.check !== "distribution" || x.score == null) { if (x.drifted) f.rows.push({ r, x }); continue; }
        f.score.get(r.version)[i] = x.score;
        f.thr[i] = x.threshold;
        f.method = x.method || f.method;
        f.p = x.score_is_p_value;
        f.rows.push({ r, x });
      }
    }
    const grid = h("div.grid2"), unchecked = [];
    for (const [name, f] of feats) {
      if (!f.method && !f.hit.some(Boolean)) {
        unchecked.push(`${name} (${[...new Set(verdicts.flatMap((r) => r.rows.filter((x) => x.feature === name).map((x) => x.check)))].join(", ")})`);
        continue;
      }
      const scores = [...f.score.values()];
      const shown = ts.map((_, i) => scores.map((v) => v[i]).find((v) => v != null) ?? null);
      const drifted = shown.map((v, i) => (f.hit[i] ? v ?? f.thr[i] ?? 0 : null));
      const nd = f.hit.filter(Boolean).length, nw = ts.filter((_, i) => f.hit[i] != null || shown[i] != null).length;
      const what = f.method ? `${f.method}: ${f.p ? "p-value, drift when below" : "score, drift when above"} the threshold` : "no distribution check (other checks only)";
      const el = h("div.chart");
      const card = h("div.card.drift-hist", { dataset: { feature: name, baseline: base, windows: String(nw), drifted: String(nd) } },
        h("strong", name), " ", h("span.muted", what), " ", nd ? h("strong", { style: "color:var(--bad)" }, `drifted in ${nd} of ${nw} windows`) : h("span", `no drift in ${nw} windows`), el,
        h("details", h("summary", "Values per window"), h("table", h("thead", h("tr", h("th", "window"), h("th", "version"), h("th", "check"), h("th.num", "score"), h("th.num", "threshold"), h("th", "drifted"))),
          h("tbody", f.rows.map(({ r, x }) => h("tr", h("td", time(r.window_start_ms)), h("td", r.version), h("td", x.check), h("td.num", num(x.score, 4)), h("td.num", num(x.threshold)),
            h("td", x.drifted ? h("strong", { style: "color:var(--bad)" }, "yes") : "no")))))));
      grid.append(card);
      if (!f.method) continue;
      const series = versions.length > 1 ? versions.map((v, i) => ({ label: `${v} score`, values: f.score.get(v), color: palette(i), opts: { spanGaps: true } }))
        : [{ label: "score", values: shown, color: palette(0), opts: { spanGaps: true } }];
      series.push({ label: "threshold", values: f.thr, color: "--muted", opts: { dash: [6, 4], spanGaps: true } },
        { label: "drifted", values: drifted, color: "--bad", opts: { paths: () => null, points: { show: true, size: 9, fill: () => cssVar("--bad"), stroke: () => cssVar("--bad") } } });
      mine.push({ el, ts, series, name });
    }
    box.replaceChildren(head, pick, notes, grid, unchecked.length ? h("p.muted", `Not compared as a distribution: ${unchecked.join("; ")}.`) : "");
    // Drawn once the cards are in the page (uPlot measures their width).
    const drawn = mine.splice(0).map((m) => {
      const u = timeChart(m.el, m.ts, m.series, { height: 150, sync: "drift" });
      u._fl_feature = m.name;
      charts.push(u);
      return u;
    });
    mine.push(...drawn);
    window.__flModels = { drift: drawn, baseline: base };
  };
  draw();
}

// Reference vs current distributions: the reference the live monitor compares with (the
// registry's reference profile of the version, else models[].reference), against the newest
// stored window. Without a reference, the oldest stored window stands in, and the page says so.
async function renderDistributions(box, model, vs, lastMs) {
  const head = h("h3", "Reference vs current distributions");
  // The newest stored window: the route lists a range oldest first, so look back one hour, then
  // a day, then 30 days, and take the last window of the first range that has one.
  const at = lastMs || Date.now();
  const windows = async (start, limit) => ((await get(`/api/v1/profiles?${qs({ model, start: iso(start), end: iso(at + 3600e3), limit, top: 20 })}`)).windows || []).filter((w) => w.summary);
  let cur;
  try {
    for (const span of [3600e3, DAY, 30 * DAY]) {
      const ws = await windows(at - span, 1000);
      if ((cur = ws[ws.length - 1])) break;
    }
  } catch (e) {
    box.replaceChildren(head, e.down ? failed(e) : failed(e, "Window profiles"));
    return;
  }
  const version = cur ? cur.version : (vs.find((v) => v.stage === "production") || vs[vs.length - 1] || {}).version;
  let ref = null, why = null;
  if (version) {
    try {
      ref = await get(`/api/v1/drift/reference?${qs({ model, version, top: 20 })}`);
    } catch (e) {
      if (e.down) { box.replaceChildren(head, failed(e)); return; }
      why = e.message;
    }
  } else {
    why = "no version of this model is known";
  }
  const parts = [head];
  let refProfiles, refName;
  if (ref) {
    const src = ref.source || "";
    refName = refDesc(model, ref.version, src);
    refProfiles = ref.summary.profiles || [];
    const rows = Math.max(0, ...[...groupBy(refProfiles).values()].map((g) => g.reduce((a, x) => a + (x.rows || 0), 0)));
    parts.push(h("p.reference", { dataset: { reference: src === "registry" ? "registry" : src.startsWith("config:") ? "config" : "other", source: src } },
      "Reference: ", h("strong", refName), `, ${rows} rows`, ref.chunks > 1 ? ` in ${ref.chunks} chunks` : "", ". Current: ",
      cur ? h("span", `the newest closed window of ${cur.version}, `, time(cur.window_start_ms), ` (${cur.rows} records).`) : "no window closed yet."));
    if (ref.note) parts.push(h("p.muted", ref.note));
  } else {
    // The oldest stored window of the last 30 days stands in for the reference.
    const oldest = cur ? (await windows(at - 30 * DAY, 1).catch(() => []))[0] : null;
    const fallback = oldest && oldest.window_start_ms < cur.window_start_ms ? oldest : null;
    parts.push(h("p.note.state", { role: "note", dataset: { reference: "none" } },
      h("strong", `No reference profile for ${model}${version ? " " + version : ""}`), ` (${why}). `,
      fallback ? h("span", "Showing the oldest stored window (", time(fallback.window_start_ms), ") as the baseline instead. ")
        : "Register one (faultline profile, then POST /api/v1/models with reference_profile) or set models[].reference. ",
      "Drift against the reference needs one too."));
    if (fallback) { refProfiles = fallback.summary.profiles || []; refName = "oldest window"; }
  }
  if (!cur) {
    parts.push(empty("No data yet: no window profile is stored for this model (live monitoring stores one per closed window)."));
    box.replaceChildren(...parts);
    return;
  }
  if (refProfiles) {
    const aLabel = ref ? "reference" : "oldest window", bLabel = "current window";
    const rg = groupBy(refProfiles), cg = groupBy((cur.summary.profiles || []).filter((x) => !x.segment));
    const grid = h("div.grid2");
    for (const [feature, cps] of cg) {
      const rps = rg.get(feature);
      if (!rps) continue;
      const hist = cps[0].type === "categorical" || rps[0].type === "categorical" ? fromTop(rps, cps) : fromQuantiles(rps, cps);
      if (hist) grid.append(h("div.card.dist", { dataset: { feature, kind: hist.labels ? "categorical" : "numerical" } }, h("strong", feature),
        histPair(hist.edges, hist.a, hist.b, { aLabel, bLabel, labels: hist.labels })));
    }
    parts.push(grid.childElementCount ? grid : h("p.muted", `No feature is in both ${refName} and the current window.`),
      h("p.muted", "Numerical features: masses on 20 shared bins, read from each side's quantiles (p1 … p99); categorical: shares of the most frequent values."));
  }
  box.replaceChildren(...parts);
}

const DAY = 86400e3;

// Which reference a source names ("registry", "config:PATH"), in words.
function refDesc(model, version, src) {
  if (src === "registry") return `the registry's reference profile${version ? ` of ${model} ${version}` : ""}`;
  if (src && src.startsWith("config:")) return `the configured reference file ${src.slice(7)} (models[].reference)`;
  return src || "the reference";
}

// Profiles by feature (a chunked reference has one per chunk), in order of first appearance.
function groupBy(profiles) {
  const m = new Map();
  for (const x of profiles) {
    if (!m.has(x.feature)) m.set(x.feature, []);
    m.get(x.feature).push(x);
  }
  return m;
}

// Two sides (each one or more profiles with quantiles p1..p99, weighted by their numbers) ->
// masses on 20 shared bins; a side's CDF is linear between its quantiles, several profiles mix.
function fromQuantiles(ra, rb) {
  const pts = (q) => Object.entries(q || {}).map(([k, v]) => [Number(k.slice(1)) / 100, v]).filter(([, v]) => v != null && isFinite(v)).sort((x, y) => x[0] - y[0]);
  const side = (ps) => ps.map((x) => ({ p: pts(x.quantiles), w: (x.counts && x.counts.number) || x.rows || 1 })).filter((x) => x.p.length >= 2);
  const a = side(ra), b = side(rb);
  if (!a.length || !b.length) return null;
  const all = [...a, ...b].flatMap((x) => [x.p[0][1], x.p[x.p.length - 1][1]]);
  const lo = Math.min(...all), hi = Math.max(...all);
  if (!(hi > lo)) return null;
  const cdf1 = (p, x) => {
    if (x < p[0][1]) return 0;
    for (let i = 1; i < p.length; i++)
      if (x <= p[i][1]) return p[i - 1][0] + ((p[i][0] - p[i - 1][0]) * (x - p[i - 1][1])) / Math.max(1e-12, p[i][1] - p[i - 1][1]);
    return 1;
  };
  const cdf = (s, x) => s.reduce((acc, c) => acc + c.w * cdf1(c.p, x), 0) / s.reduce((acc, c) => acc + c.w, 0);
  const n = 20, edges = Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
  const mass = (s) => edges.slice(1).map((e, i) => Math.max(0, cdf(s, e) - cdf(s, edges[i])));
  return { edges, a: mass(a), b: mass(b) };
}

// Categorical sides -> shares of the most frequent values (top items), the rest as "other".
function fromTop(ra, rb) {
  const side = (ps) => {
    const m = new Map();
    let rows = 0;
    for (const x of ps) {
      rows += (x.counts ? x.rows - x.counts.null - x.counts.missing : x.rows) || 0;
      for (const t of x.top || []) m.set(t.value, (m.get(t.value) || 0) + t.count);
    }
    return { m, rows };
  };
  const a = side(ra), b = side(rb);
  if (!a.rows || !b.rows) return null;
  const cats = [...new Set([...a.m.keys(), ...b.m.keys()])].sort((x, y) => (b.m.get(y) || 0) + (a.m.get(y) || 0) - (b.m.get(x) || 0) - (a.m.get(x) || 0)).slice(0, 12);
  if (!cats.length) return null;
  const shares = (sd) => cats.map((c) => (sd.m.get(c) || 0) / sd.rows);
  const sa = shares(a), sb = shares(b);
  const oa = Math.max(0, 1 - sa.reduce((x, y) => x + y, 0)), ob = Math.max(0, 1 - sb.reduce((x, y) => x + y, 0));
  const labels = cats.map(String);
  if (oa > 1e-9 || ob > 1e-9) { labels.push("other"); sa.push(oa); sb.push(ob); }
  return { edges: null, a: sa, b: sb, labels };
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
