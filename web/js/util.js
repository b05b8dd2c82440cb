// SPDX-License-Identifier: Apache-2.0
// util.js: tiny DOM builder, time/number formatting and the empty/error/loading states.

// h("tag.class#id", {attrs, on*: handler}, ...children): an element; strings become text nodes.
export function h(spec, attrs, ...kids) {
  const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec) || [null, spec, ""];
  const el = document.createElement(m[1] || "div");
  for (const part of (m[2] || "").match(/[.#][\w-]+/g) || [])
    part[0] === "." ? el.classList.add(part.slice(1)) : (el.id = part.slice(1));
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    kids.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k == null || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

// An SVG element with attributes.
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
  append(el, kids);
  return el;
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

// A time in the browser's zone, its UTC form in the tooltip: <time title="... UTC">.
export function time(ms, opts = {}) {
  if (ms == null || !isFinite(ms)) return h("span.muted", "—");
  const d = new Date(ms);
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    (opts.ms ? "." + pad(d.getMilliseconds(), 3) : "");
  return h("time", { datetime: d.toISOString(), title: d.toISOString().replace(".000Z", "Z") + " (UTC)" },
    opts.short ? local.slice(11) : local);
}

// "2025-11-25T14:00" for <input type=datetime-local> (local zone) and back.
export function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(v) {
  const t = new Date(v).getTime();
  return isFinite(t) ? t : null;
}
export const iso = (ms) => new Date(ms).toISOString();

export function num(v, digits = 3) {
  if (v == null || v === "") return "—";
  if (typeof v !== "number") return String(v);
  if (!isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}
export const ms = (v) => (v == null ? "—" : `${num(v)} ms`);
export const pct = (v) => (v == null ? "—" : `${num(v * 100)}%`);

export const loading = (what = "Loading…") => h("p.state", { role: "status" }, what);
export const empty = (what) => h("p.state.empty", { role: "status" }, what);

// An error state; network failures say the server is down, a 401 asks for the bearer token
// (then the action can be repeated), other API errors show their message.
export function failed(err, what = "") {
  const down = err && err.down;
  if (err && err.status === 401) {
    const input = h("input", { type: "password", size: 30, "aria-label": "Bearer token", autocomplete: "off" });
    const box = h("form.state.error", { role: "alert", dataset: { state: "auth" }, onsubmit: async (ev) => {
      ev.preventDefault();
      (await import("./api.js")).token.set(input.value.trim());
      box.replaceChildren(h("span", "Token saved for this tab; repeat the action."));
    } }, h("strong", `${what} needs the server's bearer token (auth.bearer_token).`), " ",
    h("label", "Token", input), " ", h("button", { type: "submit" }, "Use token"));
    return box;
  }
  return h("div.state.error", { role: "alert", dataset: { state: down ? "server-down" : "error" } },
    down ? h("strong", "Cannot reach the faultline server.") : h("strong", `${what} failed`),
    h("div", down ? "Is `faultline serve` running? Check the address and try again." : String(err && err.message || err)),
    h("p", h("button.ghost", { type: "button", onclick: () => window.dispatchEvent(new CustomEvent("fl-retry")) }, "Retry")));
}

export function badge(status) {
  const label = status === "nothing" ? "nothing changed here" : status;
  return h(`span.badge.${String(status).replace(/\W/g, "")}`, label);
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== "") u.set(k, v);
  return u.toString();
}

// CSS variable of the current theme (for canvas colours).
export const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function palette(i) {
  const p = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f59f00", "#0ca678", "#d6336c", "#5c7cfa", "#868e96", "#74b816"];
  return p[i % p.length];
}
