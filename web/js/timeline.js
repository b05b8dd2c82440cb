// SPDX-License-Identifier: Apache-2.0
// timeline.js: any set of series, one panel per selector, stacked on one shared time axis
// (uPlot cursor sync, zoom applied to every panel), with change events, alerts and investigation
// onsets as markers across all panels, exemplar links to traces, and a brushed window that starts
// an investigation (POST /api/v1/investigations).
import { h, time, iso, qs, num, loading, empty, failed, toLocalInput, fromLocalInput } from "./util.js";
import { get, post } from "./api.js";
import { queryRange, stepFor } from "./series.js";
import { timeChart, destroy } from "./chart.js";
import { navigate } from "./app.js";

const COMPONENT_LABELS = ["service", "component", "client", "job", "model", "node", "instance"];
const MAX_DEFAULT_PANELS = 10;
const MAX_SERIES_PER_PANEL = 40; // beyond this a panel is unreadable and slow to draw

// Where the data of these selectors lies: a coarse probe of the last 400 days, then a finer one.
async function extentOf(selectors) {
  const now = Math.floor(Date.now() / 1000);
  let lo = now - 400 * 86400, hi = now;
  for (let pass = 0; pass < 2; pass++) {
    const step = stepFor(lo, hi, 1000);
    let min = Infinity, max = -Infinity;
    await Promise.all(selectors.slice(0, MAX_DEFAULT_PANELS).map(async (sel) => {
      try {
        const r = await queryRange(sel, lo, hi, { step, rate: false, lookbackS: step });
        for (const sr of r.series)
          sr.values.forEach((v, i) => { if (v != null) { min = Math.min(min, r.ts[i]); max = Math.max(max, r.ts[i]); } });
      } catch (e) { if (e.down) throw e; }
    }));
    if (!isFinite(min)) return null;
    lo = min - step; hi = Math.min(now, max + step);
  }
  return [lo, hi];
}

function parseTime(v) {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return isFinite(t) ? t / 1000 : null;
}

function symptomGuess(selector, series) {
  const withService = series.find((s) => s.metric.service);
  if (withService && /duration|latency/.test(withService.metric.__name__ || selector))
    return `latency:${withService.metric.service}@99`;
  return selector;
}

export async function render(main, _params, query) {
  let selectors = query.getAll("q").filter(Boolean);
  const rate = query.get("rate") !== "0";
  let start = parseTime(query.get("start")), end = parseTime(query.get("end"));
  const charts = [];
  let cleanupFns = [];
  main.append(h("h1", "Timeline"));
  const status = h("div", loading("Looking for series…"));
  const form = controls(selectors, start, end, rate);
  main.append(form, status);

  try {
    if (!selectors.length) {
      const names = await get("/api/v1/label/__name__/values");
      selectors = names.slice(0, MAX_DEFAULT_PANELS);
      form.querySelector("textarea").value = selectors.join("\n");
    }
    fillComponents(form);
    if (!selectors.length) {
      status.replaceChildren(empty("No data yet: faultline has no series. Import some (faultline import FILE) or configure scrape targets, then reload."));
      return;
    }
    if (start == null || end == null) {
      const ext = await extentOf(selectors);
      if (!ext) {
        status.replaceChildren(empty("No data yet for these selectors in the last 400 days."));
        return;
      }
      [start, end] = ext;
      form.querySelector("[name=start]").value = toLocalInput(start * 1000);
      form.querySelector("[name=end]").value = toLocalInput(end * 1000);
    }
  } catch (e) {
    status.replaceChildren(failed(e, "Loading the timeline"));
    return;
  }

  status.replaceChildren(loading("Loading series…"));
  const [events, onsets] = await Promise.all([
    get(`/api/v1/events?${qs({ start: Math.floor(start), end: Math.ceil(end), limit: 1000 })}`).catch(() => []),
    loadOnsets(start, end),
  ]);
  const markers = [
    ...events.map((e) => ({ t: e.ts_ms / 1000, kind: e.kind === "alert" ? "alert" : "event", id: e.id, label: e.id,
      text: `${e.kind} on ${e.component}: ${e.message || ""}`, ev: e })),
    ...onsets.map((o) => ({ t: o.onset_ms / 1000, kind: "onset", id: `onset-${o.id}`, label: `onset ${o.symptom}`,
      text: `anomaly onset of ${o.symptom} (${o.id})`, inv: o.id })),
  ].sort((a, b) => a.t - b.t);

  const strip = h("div.markers", { "aria-label": "Change events, alerts and onsets" });
  const detail = h("div.muted", { role: "status", "aria-live": "polite" });
  const selbar = h("div");
  const panels = h("div.panels");
  const zoomInfo = h("span.muted");
  const resetBtn = h("button.ghost", { type: "button", disabled: true, onclick: () => setX(full[0], full[1]) }, "Reset zoom");
  // The keyboard's way to brush: the window shown (zoomed or not), symptom from the first panel.
  const wholeBtn = h("button.ghost", { type: "button", onclick: () => { if (charts[0]) { dragged = null; onSelect(xmin, xmax, charts[0]); } } },
    "Investigate the shown window…");
  status.replaceChildren(
    h("div.bar", h("span.muted", "Drag across a chart to select a window; markers: ",
      h("span", { style: "color:var(--marker)" }, "┆ change events "), h("span", { style: "color:var(--alert)" }, "┆ alerts "),
      h("span", { style: "color:var(--onset)" }, "┆ anomaly onsets")), resetBtn, wholeBtn, zoomInfo),
    strip, detail, panels, selbar);

  let xmin = start, xmax = end;
  let dragged = null; // the chart a drag started in
  let syncing = false, ready = false;
  let full = [start, end]; // the x range of the panels before any zoom
  function setX(a, b) {
    xmin = a; xmax = b;
    syncing = true;
    for (const u of charts) {
      u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false); // the brushed box is done with
      u.setScale("x", { min: a, max: b });
    }
    syncing = false;
    const whole = a === full[0] && b === full[1];
    resetBtn.disabled = whole;
    zoomInfo.replaceChildren(whole ? "" : h("span", "zoomed: ", time(a * 1000), " – ", time(b * 1000)));
    placeMarkers();
  }

  function placeMarkers() {
    const u = charts[0];
    strip.replaceChildren();
    if (!u) return;
    const left = u.over.getBoundingClientRect().left - strip.getBoundingClientRect().left;
    const lanes = []; // right edge of the last label in each lane: overlapping labels stack
    for (const m of markers) {
      if (m.t < xmin || m.t > xmax) continue;
      const x = left + u.valToPos(m.t, "x");
      const w = Math.min(160, 7 * m.label.length + 14);
      let lane = lanes.findIndex((r) => r < x - w / 2 - 4);
      if (lane < 0) lane = lanes.push(0) - 1;
      lanes[lane] = x + w / 2;
      strip.append(h(`button.marker.${m.kind}`, { type: "button", style: `left:${x}px;top:${2 + lane * 22}px`, dataset: { eventId: m.id, kind: m.kind },
        title: `${m.text} — ${new Date(m.t * 1000).toISOString()} UTC`,
        onclick: () => detail.replaceChildren(h("strong", m.id), " ", time(m.t * 1000), " — ", m.text,
          m.inv ? h("span", " ", h("a", { href: `/ui/investigations/${m.inv}`, "data-link": true }, "open investigation")) : "") }, m.label));
    }
    strip.style.height = `${Math.max(1, lanes.length) * 22 + 6}px`;
  }

  // uPlot's cursor sync repeats a drag in every panel: act for the panel the user dragged in.
  function onSelect(a, b, src) {
    if (dragged && src !== dragged) return;
    // A drag lands between pixels: snap to whole minutes (whole seconds for short windows).
    const q = b - a >= 600 ? 60 : 1;
    a = Math.round(a / q) * q;
    b = Math.max(a + q, Math.round(b / q) * q);
    const panel = src._fl_panel;
    selbar.replaceChildren(h("form.selbar", { "aria-label": "Selected window", onsubmit: async (ev) => {
      ev.preventDefault();
      const fd = new FormData(ev.target);
      const btn = ev.target.querySelector("button[type=submit]");
      btn.disabled = true;
      btn.textContent = "Investigating…";
      try {
        const inv = await post("/api/v1/investigations", { symptom: fd.get("symptom"), onset: iso(a * 1000),
          incident: `${iso(a * 1000)},${iso(b * 1000)}`, title: fd.get("title") || undefined });
        navigate(`/ui/investigations/${inv.id}`);
      } catch (e) {
        btn.disabled = false;
        btn.textContent = "Investigate this window";
        selbar.append(failed(e, "Starting the investigation"));
      }
    } },
      h("span", h("strong", "Window "), time(a * 1000), " – ", time(b * 1000), ` (${num((b - a) / 60)} min)`),
      h("label", "Symptom", h("input", { name: "symptom", size: 40, value: symptomGuess(panel.selector, panel.series), required: true })),
      h("label", "Title", h("input", { name: "title", size: 24, placeholder: "optional" })),
      h("button", { type: "submit" }, "Investigate this window"),
      h("button.ghost", { type: "button", onclick: () => { selbar.replaceChildren(); setX(a, b); } }, "Zoom to window"),
      h("button.ghost", { type: "button", onclick: () => {
        selbar.replaceChildren();
        for (const u of charts) u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
      } }, "Cancel")));
    selbar.querySelector("input[name=symptom]").focus();
  }

  const results = await Promise.all(selectors.map((sel) => queryRange(sel, start, end, { rate: rate ? "auto" : false })
    .then((r) => ({ sel, r }), (e) => ({ sel, e }))));
  const exemplars = await Promise.all(selectors.map((sel) =>
    get(`/api/v1/query_exemplars?${qs({ query: sel, start: Math.floor(start), end: Math.ceil(end) })}`).catch(() => [])));
  if (results.every((x) => x.e && x.e.down)) { status.replaceChildren(failed(results[0].e)); return; }

  results.forEach(({ sel, r, e }, i) => {
    const box = h("div.chart", { role: "img", "aria-label": `Chart of ${sel}${r ? `, ${r.series.length} series` : ""}; the legend below lists values at the cursor` });
    const ex = (exemplars[i] || []).flatMap((g) => g.exemplars.map((x) => ({ ...x, t: x.timestamp, v: null })));
    const exList = ex.filter((x) => x.trace && x.trace.href).slice(0, 20);
    const total = r ? r.series.length : 0;
    if (r && total > MAX_SERIES_PER_PANEL) r.series = r.series.slice(0, MAX_SERIES_PER_PANEL);
    const panel = h("section.panel", { dataset: { selector: sel } },
      h("h3", h("span", sel), r ? h("span.muted", `${total} series, step ${r.step}s`) : "",
        total > MAX_SERIES_PER_PANEL ? h("span", { style: "color:var(--warn)" }, `showing the first ${MAX_SERIES_PER_PANEL}: narrow the selector`) : ""),
      e ? failed(e, `Query ${sel}`) : r.series.length ? box : empty("No data in this range."),
      exList.length ? h("div.exemplars", h("span.muted", "exemplars:"), exList.map((x) => {
        const id = x.trace.href.split("/").pop();
        return h("button.ghost", { type: "button", dataset: { trace: id }, title: `trace ${id}`,
          onclick: () => navigate(`/ui/traces/${id}`) }, "◆ ", time(x.t * 1000, { short: true }), ` ${x.value}`);
      })) : "");
    panels.append(panel);
    if (!r || !r.series.length) return;
    // A zoom in one panel (uPlot's double-click resets to the data) is applied to all of them.
    const onScale = (mn, mx) => { if (ready && !syncing && (mn !== xmin || mx !== xmax)) setX(mn, mx); };
    const u = timeChart(box, r.ts, r.series, { sync: "fl-timeline", height: 170, onSelect, onScale, xRange: null,
      markers: () => markers, exemplars: () => ex });
    u._fl_panel = { selector: sel, series: r.series };
    u.over.addEventListener("mousedown", () => { dragged = u; });
    charts.push(u);
  });
  if (!charts.length) panels.prepend(empty("No data yet in this range for these selectors."));
  const drawn = results.find((x) => x.r && x.r.series.length);
  if (drawn) { // uPlot commits scales in a microtask: take the range from the data itself
    full = [drawn.r.ts[0], drawn.r.ts[drawn.r.ts.length - 1]];
    xmin = full[0]; xmax = full[1];
  }
  ready = true;
  window.__fl = { charts, markers, start, end };
  requestAnimationFrame(placeMarkers);
  const onResize = () => placeMarkers();
  window.addEventListener("resize", onResize);
  const onTheme = () => navigate(location.pathname + location.search, true);
  window.addEventListener("fl-theme", onTheme);
  cleanupFns.push(() => window.removeEventListener("resize", onResize), () => window.removeEventListener("fl-theme", onTheme));
  return () => { cleanupFns.forEach((f) => f()); charts.forEach(destroy); };
}

async function loadOnsets(start, end) {
  try {
    const list = await get("/api/v1/investigations?limit=20");
    const full = await Promise.all(list.slice(0, 10).map((i) => get(`/api/v1/investigations/${i.id}`).catch(() => null)));
    return full.filter((i) => i && i.onset_ms != null && i.onset_ms / 1000 >= start && i.onset_ms / 1000 <= end);
  } catch (e) {
    return [];
  }
}

function controls(selectors, start, end, rate) {
  const f = h("form.bar", { "aria-label": "Series and time range", onsubmit: (ev) => {
    ev.preventDefault();
    const fd = new FormData(ev.target);
    const p = new URLSearchParams();
    for (const q of String(fd.get("q")).split("\n").map((x) => x.trim()).filter(Boolean)) p.append("q", q);
    const a = fromLocalInput(fd.get("start")), b = fromLocalInput(fd.get("end"));
    if (a != null && b != null) { p.set("start", iso(a)); p.set("end", iso(b)); }
    if (!fd.get("rate")) p.set("rate", "0");
    navigate(`/ui/timeline?${p}`);
  } },
    h("label", "Series selectors, one panel each", h("textarea", { name: "q", rows: 3, cols: 48, value: null }, selectors.join("\n"))),
    h("label", "Add by component", h("span", h("select", { name: "component", "aria-label": "Component" }, h("option", { value: "" }, "(choose)")),
      " ", h("button.ghost", { type: "button", onclick: (ev) => {
        const v = ev.target.form.component.value;
        if (!v) return;
        const ta = ev.target.form.q;
        ta.value = (ta.value.trim() ? ta.value.trim() + "\n" : "") + v;
      } }, "Add"))),
    h("label", "From (local time)", h("input", { type: "datetime-local", name: "start", value: start != null ? toLocalInput(start * 1000) : "" })),
    h("label", "To", h("input", { type: "datetime-local", name: "end", value: end != null ? toLocalInput(end * 1000) : "" })),
    h("label", "Counters", h("span", h("input", { type: "checkbox", name: "rate", value: "1", checked: rate }), " per-second rate")),
    h("button", { type: "submit" }, "Show"));
  return f;
}

async function fillComponents(form) {
  const sel = form.querySelector("select[name=component]");
  try {
    const labels = await get("/api/v1/labels");
    for (const l of COMPONENT_LABELS.filter((x) => labels.includes(x))) {
      const vals = await get(`/api/v1/label/${l}/values`);
      const g = h("optgroup", { label: l });
      for (const v of vals) g.append(h("option", { value: `{${l}="${v}"}` }, `${l}=${v}`));
      sel.append(g);
    }
  } catch (e) { /* the picker stays empty; the panels say what failed */ }
}
