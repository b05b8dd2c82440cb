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

// A time chart in el. ts: unix seconds; series: [{label, values}]. Returns the uPlot instance.
// opts: height, sync (key), markers (fn -> [{t, kind}]), exemplars (fn -> [{t, v}]),
// onSelect(min, max) after a drag, onScale(min, max) on zoom, xRange [min, max].
export function timeChart(el, ts, series, opts = {}) {
  const fg = cssVar("--fg"), grid = cssVar("--grid");
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  const o = {
    width: Math.max(300, el.clientWidth || 800),
    height: opts.height || 160,
    series: [{ value: (u, v) => (v == null ? "—" : new Date(v * 1000).toLocaleString()) },
      ...series.map((sr, i) => ({ label: sr.label, stroke: sr.color || palette(i), width: 1.5, spanGaps: false,
        value: (u, v) => (v == null ? "—" : num(v, 4)) }))],
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
  return u;
}

export function destroy(u) {
  if (!u) return;
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

// Side-by-side histogram of two count vectors over shared edges (SVG).
export function histPair(edges, a, b, { aLabel = "reference", bLabel = "current", width = 420, height = 120 } = {}) {
  const n = Math.min(a.length, b.length);
  const sa = a.reduce((x, y) => x + y, 0) || 1, sb = b.reduce((x, y) => x + y, 0) || 1;
  const max = Math.max(1e-9, ...a.map((v) => v / sa), ...b.map((v) => v / sb));
  const bw = (width - 10) / Math.max(1, n);
  const g = s("svg", { viewBox: `0 0 ${width} ${height + 30}`, width: "100%", role: "img", "aria-label": `${aLabel} vs ${bLabel} histogram` });
  for (let i = 0; i < n; i++) {
    const ha = (a[i] / sa / max) * height, hb = (b[i] / sb / max) * height;
    const lo = edges ? num(edges[i]) : i, hi = edges ? num(edges[i + 1]) : i + 1;
    g.append(s("rect", { class: "bar-base", x: 5 + i * bw, y: height - ha, width: Math.max(1, bw / 2 - 1), height: ha }, s("title", {}, `${aLabel} [${lo}, ${hi}): ${a[i]}`)),
      s("rect", { class: "bar-inc", x: 5 + i * bw + bw / 2, y: height - hb, width: Math.max(1, bw / 2 - 1), height: hb }, s("title", {}, `${bLabel} [${lo}, ${hi}): ${b[i]}`)));
  }
  if (edges) g.append(s("text", { x: 5, y: height + 14 }, num(edges[0])), s("text", { x: width - 60, y: height + 14 }, num(edges[edges.length - 1])));
  g.append(s("rect", { class: "bar-base", x: 5, y: height + 20, width: 8, height: 8 }), s("text", { x: 16, y: height + 28 }, aLabel),
    s("rect", { class: "bar-inc", x: 100, y: height + 20, width: 8, height: 8 }), s("text", { x: 111, y: height + 28 }, bLabel));
  return g;
}

export const chartBox = () => h("div.chartbox");
