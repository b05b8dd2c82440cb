// SPDX-License-Identifier: Apache-2.0
// ui.test.mjs: faultline's web UI in a real browser (issue 8, item 8). Playwright (playwright-core
// from web/node_modules) drives Debian's Chromium headless against a running `faultline serve`
// loaded with examples/fraud-latency (tests/integration/test_ui.sh sets it up).
//
// Environment: FL_URL (http://127.0.0.1:PORT), FL_SHOTS (screenshot directory), FL_SERVER_PID
// (killed at the end to check the server-down state), FL_CHROMIUM (default /usr/bin/chromium),
// FL_EXEMPLAR_TRACE (a trace id an imported exemplar points to; optional), FL_EMPTY_URL (an
// empty server; optional), FL_CREF_URL (a server whose model churn has a models[].reference;
// optional), FL_ALERT=0 (the alert event al-fraud-p99 was not posted).
// Prints "ok: ..." per check; exits non-zero on the first failure.
import { fileURLToPath } from "node:url";
import path from "node:path";
import fs from "node:fs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { chromium } = await import(path.join(root, "web/node_modules/playwright-core/index.mjs"));

const url = process.env.FL_URL || "http://127.0.0.1:9470";
const shots = process.env.FL_SHOTS || "/tmp/fl-ui-shots";
fs.mkdirSync(shots, { recursive: true });

const errors = [];
function check(cond, what) {
  if (!cond) throw new Error(`FAIL: ${what}`);
  console.log(`ok: ${what}`);
}
async function shot(page, name) {
  const f = path.join(shots, `${name}.png`);
  await page.screenshot({ path: f, fullPage: true });
  console.log(`screenshot: ${f}`);
}

const browser = await chromium.launch({
  executablePath: process.env.FL_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
try {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: "light", timezoneId: "Europe/Berlin", locale: "en-US" });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) errors.push(`CSP: ${m.text()}`);
  });
  const external = [];
  // Our own servers (the main one, and the config-reference one the models check visits).
  const ours = [url, process.env.FL_CREF_URL].filter(Boolean);
  page.on("request", (r) => { if (!ours.some((o) => r.url().startsWith(`${o}/`))) external.push(r.url()); });

  // Page weight: every UI file the browser fetched for the first page (compressed bytes on the
  // wire, headers included), measured after the idle preload of the other pages' modules too.
  const uiBytes = [];
  const onResponse = async (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/") || u.pathname === "/healthz") return;
    try { const z = await r.request().sizes(); uiBytes.push([u.pathname, z.responseBodySize + z.responseHeadersSize]); } catch (e) { /* gone */ }
  };
  page.on("response", onResponse);

  // ---- Timeline: the expected series and markers.
  await page.goto(`${url}/`);
  await page.waitForSelector(".panel canvas");
  await page.waitForSelector("button.marker");
  const selectors = await page.$$eval(".panel", (ps) => ps.map((p) => p.dataset.selector));
  for (const want of ["fraud_request_duration_seconds_bucket", "fraud_request_duration_seconds_count",
    "fraud_request_duration_seconds_sum", "feature_store_timeouts_total", "node_cpu_utilization"])
    check(selectors.includes(want), `timeline has a panel for ${want}`);
  const canvases = await page.$$eval(".panel canvas", (c) => c.length);
  check(canvases >= 5, `timeline drew ${canvases} charts`);
  const markers = await page.$$eval("button.marker", (ms) => ms.map((m) => m.dataset.eventId));
  check(markers.includes("ev-netpol"), "the ev-netpol change event is a marker");
  check(markers.includes("ev-deploy-api"), "the ev-deploy-api change event is a marker");
  if (process.env.FL_ALERT !== "0") { // test_ui.sh posts the alert event al-fraud-p99
    check(markers.includes("al-fraud-p99"), "the posted alert event is a marker");
    const kind = await page.$eval("button.marker[data-event-id=al-fraud-p99]", (b) => b.dataset.kind);
    check(kind === "alert", "an alert event is drawn as an alert marker");
  }
  const legend = await page.$$eval(".panel[data-selector=feature_store_timeouts_total] .u-legend .u-label", (l) => l.map((x) => x.textContent));
  check(legend.some((l) => l.includes('client="fraud-service"')), "feature_store_timeouts_total's series is in its legend");
  const tip = await page.$eval("button.marker[data-event-id=ev-netpol]", (b) => b.title);
  check(/2025-11-25T14:29:15(\.000)?Z UTC/.test(tip), "a marker's tooltip carries the UTC time");
  await page.click("button.marker[data-event-id=ev-netpol]");
  const when = await page.$eval("[role=status] time", (t) => [t.textContent, t.title]);
  check(when[0].includes("15:29:15") && when[1].includes("14:29:15"), `times shown in the browser's zone (${when[0]}), UTC on hover`);
  // Hovering a chart shows the cursor's time in the browser's zone and in UTC (legend).
  const hov = await page.evaluate(() => {
    const u = window.__fl.charts.find((c) => c._fl_panel.selector === "node_cpu_utilization");
    u.over.scrollIntoView({ block: "center" });
    const r = u.over.getBoundingClientRect();
    return { x: r.left + u.valToPos(1764080955, "x"), y: r.top + r.height / 2 };
  });
  await page.mouse.move(hov.x, hov.y);
  const legendTime = await page.$eval(".panel[data-selector=node_cpu_utilization] .u-legend .u-series:first-child .u-value", (v) => v.textContent);
  check(/^11\/25\/2025, 3:\d\d:\d\d PM \(2025-11-25 14:\d\d:\d\d UTC\)$/.test(legendTime), `a chart's cursor time is local with UTC beside it (${legendTime})`);
  await shot(page, "timeline");
  await page.waitForTimeout(1500); // the idle preload of the other pages
  page.off("response", onResponse);
  const weight = uiBytes.reduce((a, [, n]) => a + n, 0);
  console.log(`page weight: ${weight} bytes over the wire for ${uiBytes.length} UI files (${uiBytes.map(([p, n]) => `${p} ${n}`).join(", ")})`);
  check(weight < 300 * 1024, `the first page and every page module weigh ${(weight / 1024).toFixed(1)} KiB compressed (< 300 KB)`);

  // ---- Brush 14:30-15:00 on the request-count panel: investigate this window.
  const box = await page.evaluate(() => {
    const i = window.__fl.charts.findIndex((u) => u._fl_panel.selector === "fraud_request_duration_seconds_count");
    const u = window.__fl.charts[i];
    u.over.scrollIntoView({ block: "center" });
    const r = u.over.getBoundingClientRect();
    return { i, x1: r.left + u.valToPos(1764081000, "x"), x2: r.left + u.valToPos(1764082800, "x") - 1, y: r.top + r.height / 2 };
  });
  check(box.i >= 0, "the request-count panel is drawn");
  await page.mouse.move(box.x1, box.y);
  await page.mouse.down();
  await page.mouse.move((box.x1 + box.x2) / 2, box.y, { steps: 5 });
  await page.mouse.move(box.x2, box.y, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector("form.selbar");
  const symptom = await page.inputValue("form.selbar input[name=symptom]");
  check(symptom === "latency:fraud-service@99", `the brushed window suggests the symptom ${symptom}`);
  await page.fill("form.selbar input[name=title]", "UI test: fraud P99");
  await shot(page, "timeline-brushed");
  await page.click("form.selbar button[type=submit]");
  await page.waitForURL(/\/ui\/investigations\/inv_[0-9a-f]{16}$/);
  check(true, `brushing started an investigation: ${page.url()}`);

  // ---- Investigation page.
  await page.waitForSelector(".cause");
  const top = await page.$eval(".cause[data-rank='1']", (c) => c.dataset.component);
  check(top === "network fraud-service->feature-store", `the top cause is ${top}`);
  const refuted = await page.$$eval("tr.refuted td:first-child", (t) => t.map((x) => x.textContent));
  check(refuted.includes("model-server got slower"), "'model-server got slower' is refuted");
  const refutedNums = await page.$eval("tr.refuted[data-component=model-server] td:last-child", (t) => t.textContent);
  check(/\d+(\.\d+)? ms/.test(refutedNums), `the refutation carries numbers (${refutedNums.slice(0, 60)}…)`);
  const steps = await page.$$eval("details.step", (d) => d.map((x) => x.dataset.status));
  check(steps.length >= 5, `${steps.length} steps shown with their status (${steps.join(", ")})`);
  check(steps.includes("nothing"), "a step found nothing");
  const nothing = await page.$eval("details.step[data-status=nothing] .badge", (b) => b.textContent);
  check(nothing === "nothing changed here", "a step that found nothing says \"nothing changed here\"");
  await page.waitForSelector(".cause .chart canvas, .cause .evidence");
  // The evaluated fault tree: its top event holds, the network edge's cut set is satisfied, and
  // the SVG diagram loads as an image.
  await page.waitForSelector("[data-tree]");
  const tree = await page.$eval("[data-tree]", (t) => [t.dataset.tree, t.dataset.top]);
  check(tree[0] === "available" && tree[1] === "true", `the fault tree's top event holds (${tree.join(", ")})`);
  const cuts = await page.$$eval("ul.cut-sets li", (l) => l.map((x) => x.dataset.cutSet));
  check(cuts.some((c) => c.includes("network:fraud-service->feature-store")),
    `a satisfied cut set holds the network edge (${cuts.join(" | ")})`);
  await page.waitForFunction(() => { const i = document.querySelector("figure.fault-tree img"); return i && i.complete && i.naturalWidth > 0; });
  check(true, "the fault tree's SVG diagram loads");
  await page.waitForSelector("[data-whys]");
  const whys = await page.$eval("[data-whys]", (w) => w.dataset.whys);
  check(whys === "available", `the 5 Whys are available (${whys})`);
  {
    const n = await page.$$eval("ol.whys li", (l) => l.length);
    check(n >= 2, `the 5 Whys show ${n} links`);
    // Edit the second link in place (POST .../whys, op edit) and see it stored.
    await page.click("ol.whys li:nth-child(2) button:has-text('Edit')");
    await page.fill("ol.whys li:nth-child(2) textarea", "the NetworkPolicy change slowed the call to the feature store");
    await page.click("ol.whys li:nth-child(2) button[type=submit]");
    await page.waitForSelector("[data-whys-state=stored]");
    const edited = await page.$eval("ol.whys li:nth-child(2)", (l) => l.textContent);
    check(edited.includes("the NetworkPolicy change slowed the call"), "a 5 Whys link is edited in place and stored");
  }
  await page.waitForSelector("[data-pm]");
  const pm = await page.$eval("[data-pm]", (p) => p.dataset.pm);
  await page.waitForTimeout(300);
  await shot(page, "investigation");

  // ---- Post-mortem view.
  check(pm === "yes", `the post-mortem is offered (${pm})`);
  {
    await page.click("a[data-pm=yes]");
    await page.waitForSelector("iframe.pm");
    const frame = page.frameLocator("iframe.pm");
    await frame.locator("h1, h2").first().waitFor();
    check(true, "the post-mortem renders in the page");
    await page.waitForTimeout(300);
    await shot(page, "postmortem");
  }

  // ---- Investigations and post-mortems lists.
  await page.click("nav a[data-nav=investigations]");
  await page.waitForSelector("tbody tr[data-id]");
  check((await page.$$("tbody tr[data-id]")).length >= 1, "the investigations list shows the new investigation");
  await shot(page, "investigations");
  await page.click("nav a[data-nav=postmortems]");
  await page.waitForSelector("tbody tr[data-id]");
  await shot(page, "postmortems");

  // ---- Traces: search, comparison, graph, waterfall.
  await page.goto(`${url}/ui/traces?baseline=2025-11-25T14:00:00Z,2025-11-25T14:30:00Z&incident=2025-11-25T14:30:00Z,2025-11-25T15:00:00Z`);
  await page.waitForSelector("tbody tr[data-trace]");
  await page.waitForSelector("table.compare tbody tr");
  const firstRow = await page.$eval("table.compare tbody tr", (r) => [r.dataset.kind, r.dataset.changed, r.cells[0].textContent]);
  check(firstRow[0] === "edge" && firstRow[1] === "true" && firstRow[2].includes("fraud-service → feature-store"),
    `the comparison's first row is the changed edge (${firstRow[2]})`);
  check(await page.$("section svg rect.bar-inc") !== null, "the comparison has a bar chart");
  await page.waitForSelector("g.edge");
  const edge = await page.$eval("g.edge[data-edge='fraud-service->feature-store']", (g) => g.getAttribute("class"));
  check(edge.includes("edge-changed"), "the dependency graph colours fraud-service->feature-store as changed");
  await shot(page, "traces");
  await page.fill("input[name=min_duration]", "400ms");
  await page.click("form.bar button[type=submit]");
  await page.waitForURL(/min_duration=400ms/);
  await page.waitForSelector("tbody tr[data-trace] a");
  await page.click("tbody tr[data-trace] a");
  await page.waitForSelector(".wf-row[data-span]");
  const crit = await page.$$eval(".wf-row[data-critical=true]", (r) => r.length);
  check(crit >= 1, `the waterfall marks ${crit} spans on the critical path`);
  const net = await page.$$eval("[data-network]", (n) => n.map((x) => Number(x.dataset.network)));
  check(net.length >= 1 && net[0] > 100, `the waterfall shows network time per call (${net.map((x) => x.toFixed(1)).join(", ")} ms)`);
  await shot(page, "trace");

  // ---- A trace from a chart exemplar.
  if (process.env.FL_EXEMPLAR_TRACE) {
    await page.goto(`${url}/ui/timeline`);
    await page.waitForSelector(".exemplars button[data-trace]");
    await page.click(".exemplars button[data-trace]");
    await page.waitForURL(new RegExp(`/ui/traces/${process.env.FL_EXEMPLAR_TRACE}$`));
    await page.waitForSelector(".wf-row[data-critical=true]");
    check(true, "a chart exemplar opens its trace's waterfall");
  }

  // ---- Models.
  await page.click("nav a[data-nav=models]");
  await page.waitForSelector("tr[data-version=v7]");
  check(true, "the models page lists fraud v7");
  await page.waitForSelector(".chart canvas");
  await page.waitForTimeout(500);
  await shot(page, "models");

  // ---- Models: drift score over time (risk v1, registry reference; tests/ui/drift_data.py).
  const day = "start=2025-11-24T00:00:00Z&end=2025-11-25T00:00:00Z";
  await page.goto(`${url}/ui/models?model=risk`);
  await page.waitForSelector(".drift-hist[data-feature=income] canvas");
  const api = await (await fetch(`${url}/api/v1/drift/history?model=risk&baseline=reference&feature=income&${day}`)).json();
  const want = api.data.runs.filter((r) => r.status === "ok").map((r) => {
    const x = r.rows.find((y) => y.check === "distribution");
    return { t: r.window_start_ms / 1000, score: x.score, thr: x.threshold, drifted: r.rows.some((y) => y.drifted) };
  });
  const got = await page.evaluate(() => {
    const u = window.__flModels.drift.find((c) => c._fl_feature === "income");
    return { base: window.__flModels.baseline, labels: u.series.map((x) => x.label), ts: u.data[0], score: u.data[1], thr: u.data[2], hit: u.data[3] };
  });
  check(got.base === "reference" && got.labels.join() === "Time,score,threshold,drifted", `income's chart: ${got.labels.slice(1).join(", ")} against the reference`);
  check(want.length === 6 && got.ts.length === 6, `income's chart has a point per closed window (${got.ts.length}, API ${want.length})`);
  check(want.every((w, i) => got.ts[i] === w.t && got.score[i] === w.score && got.thr[i] === w.thr),
    "income's chart draws the stored scores and the threshold line at the windows' starts");
  check(want.every((w, i) => (got.hit[i] != null) === w.drifted), "income's drifted windows are marked, and only those");
  check(want.slice(3).every((w) => w.drifted) && want[5].score > want[0].score * 5,
    `income drifts from the fourth window (scores ${want.map((w) => w.score.toFixed(3)).join(", ")})`);
  const card = await page.$eval(".drift-hist[data-feature=income]", (c) => [c.dataset.windows, c.dataset.drifted, c.textContent]);
  check(card[0] === "6" && Number(card[1]) === want.filter((w) => w.drifted).length && card[2].includes(`drifted in ${card[1]} of 6 windows`),
    `income's card says it drifted in ${card[1]} of 6 windows`);
  const chan = await page.$eval(".drift-hist[data-feature=channel] details", (d) => d.textContent);
  check(/new_category[\d.]+0yes/.test(chan), "channel's table lists the new-category drift");
  await page.focus(".drift-hist[data-feature=income] summary");
  await page.keyboard.press("Enter");
  check(await page.isVisible(".drift-hist[data-feature=income] details table"), "the values per window open from the keyboard (Enter on the summary)");
  // The score against the previous window instead: a p-value (drift below the threshold).
  await page.click("button[data-baseline=previous_window]");
  await page.waitForFunction(() => window.__flModels.baseline === "previous_window");
  const prev = await page.$eval(".drift-hist[data-feature=income]", (c) => [c.dataset.baseline, c.dataset.windows, c.textContent]);
  check(prev[0] === "previous_window" && prev[1] === "5" && prev[2].includes("p-value, drift when below"),
    `against the previous window: ${prev[1]} windows with a verdict, p-values`);
  check(await page.$eval("button[data-baseline=previous_window]", (b) => b.getAttribute("aria-pressed")) === "true", "the chosen baseline button is pressed");
  await page.click("button[data-baseline=reference]");
  await page.waitForFunction(() => window.__flModels.baseline === "reference");

  // Reference vs current: which reference, and the distributions drawn from it.
  const refLine = await page.$eval("p.reference", (p) => [p.dataset.reference, p.textContent]);
  check(refLine[0] === "registry" && refLine[1].includes("the registry's reference profile of risk v1") && refLine[1].includes("2000 rows"),
    `the page says which reference it compares with (${refLine[1].slice(0, 80)}…)`);
  const meanOf = async (cls) => page.$$eval(`.dist[data-feature=income] rect.${cls} title`, (ts) => {
    let m = 0, w = 0;
    for (const t of ts) {
      const x = /\[([-\d.e+]+), ([-\d.e+]+)\): ([\d.e+-]+)%/.exec(t.textContent);
      if (!x) continue;
      m += ((Number(x[1]) + Number(x[2])) / 2) * Number(x[3]);
      w += Number(x[3]);
    }
    return m / w;
  });
  const refMean = await meanOf("bar-base"), curMean = await meanOf("bar-inc");
  check(Math.abs(refMean - 50) < 3 && curMean > 75, `income: reference centred near 50 (${refMean.toFixed(1)}), the newest window near 86 (${curMean.toFixed(1)})`);
  const kiosk = await page.$$eval(".dist[data-feature=channel][data-kind=categorical] rect title", (ts) => ts.map((t) => t.textContent).filter((t) => t.includes("kiosk")));
  check(kiosk.length === 2 && /^reference kiosk: 0%$/.test(kiosk[0]) && /^current window kiosk: [1-9][\d.]*%$/.test(kiosk[1]),
    `channel: the new category shows in the current window only (${kiosk.join("; ")})`);
  // Dark theme: the drift charts follow the toggle (their axes redraw in the dark theme's colours).
  await page.click("#theme");
  const axis = await page.evaluate(() => { const u = window.__flModels.drift[0]; return u.axes[0].stroke(u, 0); });
  check(axis === "#e3e6ea", `the drift charts redraw in the dark theme (axis ${axis})`);
  await shot(page, "models-drift-dark");
  await page.click("#theme");
  await page.waitForTimeout(300);
  await shot(page, "models-drift");

  // Without a reference, the page says so visibly.
  await page.goto(`${url}/ui/models?model=fraud`);
  await page.waitForSelector("[data-reference=none]");
  const none = await page.$eval("[data-reference=none]", (n) => [n.textContent, n.offsetHeight]);
  check(none[0].includes("No reference profile for fraud v7") && none[1] > 0, "a model without a reference shows a visible note");

  // A configured reference (models[].reference) is named as such.
  if (process.env.FL_CREF_URL) {
    await page.goto(`${process.env.FL_CREF_URL}/ui/models?model=churn`);
    await page.waitForSelector("p.reference");
    const cl = await page.$eval("p.reference", (p) => [p.dataset.reference, p.textContent]);
    check(cl[0] === "config" && /the configured reference file \S+\/drift\/ref\.csv \(models\[\]\.reference\)/.test(cl[1]),
      `a configured reference is named (${cl[1].slice(0, 90)}…)`);
    await page.waitForSelector(".drift-hist[data-feature=income] canvas");
    await shot(page, "models-config-reference");
    // A model with windows but no reference: the note, and the oldest window stands in.
    await page.goto(`${process.env.FL_CREF_URL}/ui/models?model=plain`);
    await page.waitForSelector("[data-reference=none]");
    const fb = await page.$eval("[data-reference=none]", (n) => n.textContent);
    check(fb.includes("No reference profile for plain v1") && fb.includes("Showing the oldest stored window"), "without a reference, the oldest window stands in, and the note says so");
    const fbBars = await page.$$eval(".dist[data-feature=income] rect.bar-base title", (t) => t.map((x) => x.textContent));
    check(fbBars.length === 20 && fbBars.every((x) => x.startsWith("oldest window [")), "the stand-in is labelled \"oldest window\"");
    await page.waitForSelector(".drift-hist[data-feature=income] canvas");
    const fbHist = await page.$eval(".seg button[aria-pressed=true]", (b) => b.dataset.baseline);
    check(fbHist === "previous_window", "without a reference, the score over time is against the previous window");
  }

  // ---- /ui without the trailing slash opens the timeline.
  await page.goto(`${url}/ui`);
  await page.waitForSelector(".panel canvas");
  check(new URL(page.url()).pathname === "/ui" && await page.$eval("nav a[aria-current=page]", (a) => a.dataset.nav) === "timeline",
    "/ui without the slash shows the timeline");

  // ---- Keyboard: the first Tab reaches the skip link, buttons are buttons.
  await page.goto(`${url}/ui/investigations`);
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement.className);
  check(focused === "skip", "the first Tab focuses the skip link");
  const clickableDivs = await page.$$eval("[onclick]", (e) => e.length);
  check(clickableDivs === 0, "no inline click handlers on non-buttons");

  // ---- Dark theme.
  await page.goto(`${url}/ui/timeline`);
  await page.waitForSelector(".panel canvas");
  await page.click("#theme");
  const theme = await page.evaluate(() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]);
  check(theme[0] === "dark" && theme[1] === "rgb(21, 24, 28)", `the theme toggles to dark (${theme[1]})`);
  await page.waitForSelector(".panel canvas");
  await page.waitForTimeout(500);
  await shot(page, "timeline-dark");
  await page.reload();
  const kept = await page.evaluate(() => document.documentElement.dataset.theme);
  check(kept === "dark", "the chosen theme survives a reload");

  check(external.length === 0, `no request left the faultline server (${external.length} did)`);

  // ---- Zoom: a brushed window zooms every panel; Reset zoom restores them.
  await page.waitForFunction(() => window.__fl && window.__fl.charts.length >= 5);
  const zb = await page.evaluate(() => {
    const u = window.__fl.charts[0];
    u.over.scrollIntoView({ block: "center" });
    const r = u.over.getBoundingClientRect();
    return { x1: r.left + u.valToPos(1764080400, "x"), x2: r.left + u.valToPos(1764081600, "x"), y: r.top + r.height / 2 };
  });
  await page.mouse.move(zb.x1, zb.y);
  await page.mouse.down();
  await page.mouse.move(zb.x2, zb.y, { steps: 8 });
  await page.mouse.up();
  await page.click("form.selbar button:has-text('Zoom to window')");
  const scales = await page.evaluate(() => window.__fl.charts.map((u) => [u.scales.x.min, u.scales.x.max]));
  check(scales.every(([a, b]) => a === 1764080400 && b === 1764081600), `zoom applies to all ${scales.length} panels (14:20-14:40)`);
  check(!(await page.isDisabled("button:has-text('Reset zoom')")), "Reset zoom is offered");
  await shot(page, "timeline-zoomed");
  await page.click("button:has-text('Reset zoom')");
  const reset = await page.evaluate(() => window.__fl.charts.map((u) => u.scales.x.max - u.scales.x.min));
  check(reset.every((w) => w > 3000), `Reset zoom restores every panel's range (${reset.join(", ")} s)`);

  // ---- Pick series by component: the picker adds {label="value"}, Show draws it.
  await page.goto(`${url}/ui/timeline`);
  await page.waitForSelector("select[name=component] option[value='{client=\"fraud-service\"}']", { state: "attached" });
  await page.selectOption("select[name=component]", '{client="fraud-service"}');
  await page.click("form.bar button:has-text('Add')");
  await page.click("form.bar button[type=submit]");
  await page.waitForSelector(`.panel[data-selector='{client="fraud-service"}'] canvas`);
  check(true, "a component picked in the timeline's picker gets its own panel");

  // ---- An empty server: "no data yet" states instead of errors.
  if (process.env.FL_EMPTY_URL) {
    const e = process.env.FL_EMPTY_URL;
    for (const [p, re] of [["/ui/timeline", /No data yet/], ["/ui/investigations", /No investigations yet/],
      ["/ui/models", /No data yet/], ["/ui/traces", /No traces match/]]) {
      await page.goto(`${e}${p}`);
      await page.waitForSelector(".state.empty");
      const t = await page.textContent("main");
      check(re.test(t) && !(await page.$(".state.error")), `empty server: ${p} says ${re.source}`);
    }
    await shot(page, "empty-traces");
  }

  // ---- Server down.
  if (process.env.FL_SERVER_PID) {
    await page.goto(`${url}/ui/timeline`);
    await page.waitForSelector(".panel canvas");
    await page.waitForTimeout(1200); // the idle preload
    process.kill(Number(process.env.FL_SERVER_PID), "SIGKILL"); // down hard: no graceful drain
    for (let i = 0; i < 100; i++) {
      try { await fetch(`${url}/healthz`); } catch (e) { break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.click("nav a[data-nav=investigations]");
    await page.waitForSelector("[data-state=server-down]");
    check(await page.$eval("#conn", (c) => c.textContent.includes("unreachable")), "the header says the server is unreachable");
    await shot(page, "server-down");
  }
  check(errors.length === 0, `no JavaScript errors${errors.length ? ": " + errors.join("; ") : ""}`);
} catch (e) {
  failed = true;
  console.error(e.message || e);
  for (const pg of browser.contexts().flatMap((c) => c.pages())) {
    try { await shot(pg, "failure"); console.error(`page at failure: ${pg.url()}`); } catch (e2) { /* closed */ }
  }
  if (errors.length) console.error(errors.join("\n"));
} finally {
  await browser.close();
}
console.log(`screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
