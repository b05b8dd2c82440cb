// SPDX-License-Identifier: Apache-2.0
// chart.js: uPlot time-series charts (cursor-synced, with vertical markers for change events,
// alerts and onsets, exemplar dots, and drag-to-select) and small SVG bar charts.
import { h, s, cssVar, palette, num } from "./util.js";

const markerColor = (kind) => cssVar(kind === "alert" ? "--alert" : kind === "onset" ? "--onset" : "--marker");

function markersPlugin(getMarkers, getExemplars) {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        const { top, height, left, width } = u.bbox;
        ctx.save();
        ctx.lineWidth = 1.5 * devicePixelRatio;
        for (const m of getMarkers()) {
          const x = Math.round(u.valToPos(m.t, "x", true));
          if (x < left || x > left + width) continue;
          ctx.strokeStyle = markerColor(m.kind);
          ctx.setLineDash(m.kind === "onset" ? [2 * devicePixelRatio, 3 * devicePixelRatio] : [6 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.setLineDash([]);
        ctx.fillStyle = cssVar("--crit");
        for (const e of getExemplars()) {
          const x = u.valToPos(e.t, "x", true), y = u.valToPos(e.v, "y", true);
          if (!isFinite(x) || !isFinite(y)) continue;
          const r = 4 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
          ctx.closePath();
          ctx.fill();
        }
        ctx.restore();
      },
    },
  };
}

// A time chart in el. ts: unix seconds; series: [{label, values, color, opts}] (color: a CSS
// colour or "--variable"; opts: more uPlot series options, e.g. dash or points-only). Returns the
// uPlot instance.
// opts: height, sync (key), markers (fn -> [{t, kind}]), exemplars (fn -> [{t, v}]),
// onSelect(min, max) after a drag, onScale(min, max) on zoom, xRange [min, max].
// The cursor's time in the legend: the browser's zone, then UTC (a canvas has no hover title).
function cursorTime(sec) {
  const d = new Date(sec * 1000);
  return `${d.toLocaleString()} (${d.toISOString().slice(0, 19).replace("T", " ")} UTC)`;
}

// Colours are read from the theme at each draw (a colour "--name" is that CSS variable), so that
// the theme toggle only has to redraw the live charts.
const live = new Set();
const themed = (c) => (typeof c === "string" && c.startsWith("--") ? () => cssVar(c) : c);
window.addEventListener("fl-theme", () => live.forEach((u) => u.redraw(false, true)));

export function timeChart(el, ts, series, opts = {}) {
  const axis = { stroke: themed("--fg"), grid: { stroke: themed("--grid"), width: 1 }, ticks: { stroke: themed("--grid") } };
  const o = {
    width: Math.max(300, el.clientWidth || 800),
    height: opts.height || 160,
    series: [{ value: (u, v) => (v == null ? "—" : cursorTime(v)) },
      ...series.map((sr, i) => ({ label: sr.label, stroke: themed(sr.color || palette(i)), width: 1.5, spanGaps: false,
        value: (u, v) => (v == null ? "—" : num(v, 4)), ...(sr.opts || {}) }))],
    axes: [{ ...axis }, { ...axis, size: 60, values: (u, vals) => vals.map((v) => num(v, 3)) }],
    scales: { x: { time: true, ...(opts.xRange ? { range: () => opts.xRange } : {}) } },
    cursor: { drag: { x: !!opts.onSelect, y: false, setScale: false }, ...(opts.sync ? { sync: { key: opts.sync, setSeries: false } } : {}) },
    legend: { show: opts.legend !== false, live: true },
    plugins: [markersPlugin(opts.markers || (() => []), opts.exemplars || (() => []))],
    hooks: {
      setSelect: [(u) => {
        if (!opts.onSelect || u.select.width < 2) return;
        const a = u.posToVal(u.select.left, "x"), b = u.posToVal(u.select.left + u.select.width, "x");
        opts.onSelect(a, b, u);
      }],
      setScale: [(u, key) => { if (key === "x" && opts.onScale) opts.onScale(u.scales.x.min, u.scales.x.max); }],
    },
  };
  const u = new window.uPlot(o, [ts, ...series.map((sr) => sr.values)], el);
  const ro = new ResizeObserver(() => {
    const w = Math.max(300, el.clientWidth);
    if (Math.abs(w - u.width) > 4) u.setSize({ width: w, height: u.height });
  });
  ro.observe(el);
  u._fl_ro = ro;
  live.add(u);
  return u;
}

export function destroy(u) {
  if (!u) return;
  live.delete(u);
  if (u._fl_ro) u._fl_ro.disconnect();
  u.destroy();
}

// Horizontal bar pairs (baseline vs incident) as SVG. rows: [{label, a, b}].
export function pairBars(rows, { aLabel = "baseline", bLabel = "incident", unit = "ms", width = 640 } = {}) {
  const rowH = 30, labelW = 230, max = Math.max(1e-9, ...rows.flatMap((r) => [r.a || 0, r.b || 0]));
  const plotW = width - labelW - 90;
  const g = s("svg", { viewBox: `0 0 ${width} ${rows.length * rowH + 24}`, width: "100%", role: "img",
    "aria-label": `${aLabel} versus ${bLabel} per row` });
  rows.forEach((r, i) => {
    const y = i * rowH + 20;
    const wa = ((r.a || 0) / max) * plotW, wb = ((r.b || 0) / max) * plotW;
    g.append(
      s("text", { x: 0, y: y + 10 }, r.label.length > 34 ? r.label.slice(0, 33) + "…" : r.label),
      s("rect", { class: "bar-base", x: labelW, y: y, width: Math.max(1, wa), height: 10 }, s("title", {}, `${aLabel}: ${num(r.a)} ${unit}`)),
      s("rect", { class: "bar-inc", x: labelW, y: y + 12, width: Math.max(1, wb), height: 10 }, s("title", {}, `${bLabel}: ${num(r.b)} ${unit}`)),
      s("text", { x: labelW + Math.max(wa, wb) + 6, y: y + 16 }, `${num(r.a)} → ${num(r.b)} ${unit}`));
  });
  g.append(s("rect", { class: "bar-base", x: labelW, y: 2, width: 10, height: 10 }), s("text", { x: labelW + 14, y: 11 }, aLabel),
    s("rect", { class: "bar-inc", x: labelW + 100, y: 2, width: 10, height: 10 }), s("text", { x: labelW + 114, y: 11 }, bLabel));
  return g;
}

// Side-by-side histogram of two count vectors over shared edges (SVG); with labels (one per
// bar, e.g. categories) instead of edges, each bar pair is named by its label.
export function histPair(edges, a, b, { aLabel = "reference", bLabel = "current", width = 420, height = 120, labels = null } = {}) {
  const n = Math.min(a.length, b.length);
  const sa = a.reduce((x, y) => x + y, 0) || 1, sb = b.reduce((x, y) => x + y, 0) || 1;
  const max = Math.max(1e-9, ...a.map((v) => v / sa), ...b.map((v) => v / sb));
  const bw = (width - 10) / Math.max(1, n);
  const g = s("svg", { viewBox: `0 0 ${width} ${height + 30}`, width: "100%", role: "img", "aria-label": `${aLabel} vs ${bLabel} histogram` });
  for (let i = 0; i < n; i++) {
    const ha = (a[i] / sa / max) * height, hb = (b[i] / sb / max) * height;
    const lo = edges ? num(edges[i]) : i, hi = edges ? num(edges[i + 1]) : i + 1;
    const what = labels ? labels[i] : `[${lo}, ${hi})`;
    // counts (histograms of the traces pages) show the count too; masses only the share
    const share = (v, sum) => (Number.isInteger(sum) && sum > 1 ? `${v} (${num((100 * v) / sum)}%)` : `${num((100 * v) / sum)}%`);
    g.append(s("rect", { class: "bar-base", x: 5 + i * bw, y: height - ha, width: Math.max(1, bw / 2 - 1), height: ha }, s("title", {}, `${aLabel} ${what}: ${share(a[i], sa)}`)),
      s("rect", { class: "bar-inc", x: 5 + i * bw + bw / 2, y: height - hb, width: Math.max(1, bw / 2 - 1), height: hb }, s("title", {}, `${bLabel} ${what}: ${share(b[i], sb)}`)));
    if (labels) g.append(s("text", { x: 5 + i * bw + bw / 2, y: height + 12, "text-anchor": "middle" }, String(labels[i]).length > 9 ? String(labels[i]).slice(0, 8) + "…" : String(labels[i])));
  }
  if (edges && !labels) g.append(s("text", { x: 5, y: height + 14 }, num(edges[0])), s("text", { x: width - 60, y: height + 14 }, num(edges[edges.length - 1])));
  g.append(s("rect", { class: "bar-base", x: 5, y: height + 20, width: 8, height: 8 }), s("text", { x: 16, y: height + 28 }, aLabel),
    s("rect", { class: "bar-inc", x: 200, y: height + 20, width: 8, height: 8 }), s("text", { x: 211, y: height + 28 }, bLabel));
  return g;
}

export const chartBox = () => h("div.chartbox");
