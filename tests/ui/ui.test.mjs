// SPDX-License-Identifier: Apache-2.0
// ui.test.mjs: faultline's web UI in a real browser (issue 8, item 8). Playwright (playwright-core
// from web/node_modules) drives Debian's Chromium headless against a running `faultline serve`
// loaded with examples/fraud-latency (tests/integration/test_ui.sh sets it up).
//
// Environment: FL_URL (http://127.0.0.1:PORT), FL_SHOTS (screenshot directory), FL_SERVER_PID
// (killed at the end to check the server-down state), FL_CHROMIUM (default /usr/bin/chromium),
// FL_EXEMPLAR_TRACE (a trace id an imported exemplar points to; optional).
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
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: "light", timezoneId: "Europe/Berlin" });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) errors.push(`CSP: ${m.text()}`);
  });
  const external = [];
  page.on("request", (r) => { if (!r.url().startsWith(url)) external.push(r.url()); });

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
  if (markers.includes("al-fraud-p99")) {
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
  if (steps.includes("nothing")) {
    const t = await page.$eval("details.step[data-status=nothing] .badge", (b) => b.textContent);
    check(t === "nothing changed here", "a step that found nothing says \"nothing changed here\"");
  }
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
  console.log(`info: 5 Whys route ${whys}`);
  if (whys === "available") {
    const n = await page.$$eval("ol.whys li", (l) => l.length);
    check(n >= 2, `the 5 Whys show ${n} links`);
    // Edit the second link in place (POST .../whys, op edit) and see it stored.
    await page.click("ol.whys li:nth-child(2) button:has-text('Edit')");
    await page.fill("ol.whys li:nth-child(2) textarea", "the NetworkPolicy change slowed the call to the feature store");
    await page.click("ol.whys li:nth-child(2) button[type=submit]");
    await page.waitForSelector("[data-whys-state=stored]");
    const edited = await page.$eval("ol.whys li:nth-child(2)", (l) => l.textContent);
    check(edited.includes("the NetworkPolicy change slowed the call"), "a 5 Whys link is edited in place and stored");
  } else {
    check(whys === "unavailable", "the 5 Whys say 'not available' when the route is missing");
  }
  await page.waitForSelector("[data-pm]");
  const pm = await page.$eval("[data-pm]", (p) => p.dataset.pm);
  await page.waitForTimeout(300);
  await shot(page, "investigation");

  // ---- Post-mortem view.
  if (pm === "yes") {
    await page.click("a[data-pm=yes]");
    await page.waitForSelector("iframe.pm");
    const frame = page.frameLocator("iframe.pm");
    await frame.locator("h1, h2").first().waitFor();
    check(true, "the post-mortem renders in the page");
    await page.waitForTimeout(300);
    await shot(page, "postmortem");
  } else {
    check(pm === "no", "the post-mortem button says 'not available' when the route is missing");
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
