// SPDX-License-Identifier: Apache-2.0
// series.js: series selectors through GET /api/v1/query_range, aligned for uPlot. faultline
// evaluates selectors only (no PromQL), so the per-second rate of counters is computed here.
import { get } from "./api.js";
import { qs } from "./util.js";

export const isCounter = (name) => /(_total|_count|_sum|_bucket)$/.test(name || "");

export function seriesLabel(metric, dropName) {
  const parts = Object.entries(metric).filter(([k]) => k !== "__name__").map(([k, v]) => `${k}="${v}"`);
  const name = dropName ? "" : metric.__name__ || "";
  return parts.length ? `${name}{${parts.join(",")}}` : name || "{}";
}

// A step of about width/2 points, whole seconds, within the server's 11,000-point cap.
export function stepFor(startS, endS, points = 400) {
  return Math.max(1, Math.ceil((endS - startS) / points));
}

// {ts, series: [{label, metric, values}]} for a selector over [startS, endS] (unix seconds).
// rate: "auto" (counters by name), true or false. lookbackS: the lookback delta (default step).
export async function queryRange(selector, startS, endS, { step, rate = "auto", lookbackS } = {}) {
  step = step || stepFor(startS, endS);
  // The server's default lookback (5m) unless a coarse step needs more to see every sample.
  const lookback = lookbackS || step > 300 ? `${Math.max(step, lookbackS || 0)}s` : undefined;
  const data = await get(`/api/v1/query_range?${qs({ query: selector, start: startS, end: endS, step,
    lookback_delta: lookback })}`);
  const n = Math.floor((endS - startS) / step) + 1;
  const ts = Array.from({ length: n }, (_, i) => startS + i * step);
  const names = new Set(data.result.map((r) => r.metric.__name__));
  const series = data.result.map((r) => {
    const values = new Array(n).fill(null);
    for (const [t, v] of r.values) {
      const i = Math.round((t - startS) / step);
      if (i >= 0 && i < n) values[i] = Number(v);
    }
    const doRate = rate === true || (rate === "auto" && isCounter(r.metric.__name__));
    return { label: seriesLabel(r.metric, names.size === 1) + (doRate ? " /s" : ""), metric: r.metric,
      values: doRate ? perSecond(values, step) : values };
  });
  return { ts, step, series };
}

// Per-second increase over the last two minutes (at least four steps), like PromQL's
// rate(x[2m]) without extrapolation; a counter reset (a drop) counts from 0. The points sit on the
// step grid, not on the samples, so a window holds one sample more or less from point to point:
// a short window would alias into a saw-tooth (at 15 s scrapes, 2 minutes keep it within 12 %).
export function perSecond(values, step, windowS = 120) {
  const k = Math.max(4, Math.ceil(windowS / step));
  const out = new Array(values.length).fill(null);
  for (let i = k; i < values.length; i++) {
    let inc = 0, ok = true;
    for (let j = i - k + 1; j <= i && ok; j++) {
      const a = values[j - 1], b = values[j];
      if (a == null || b == null) ok = false;
      else inc += b >= a ? b - a : b;
    }
    if (ok) out[i] = inc / (k * step);
  }
  return out;
}
