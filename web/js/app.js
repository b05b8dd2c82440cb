// SPDX-License-Identifier: Apache-2.0
// app.js: the single-page app's router, theme toggle and connection indicator (docs/UI.md).
// Pages are ES modules loaded on first use; each exports render(main, params, query) which may
// return a cleanup function. Links with data-link navigate without reloading.
import { h, failed } from "./util.js";
import { get, onConnection } from "./api.js";

const routes = [
  [/^\/(?:ui\/?)?$/, "timeline", "timeline"],
  [/^\/ui\/timeline$/, "timeline", "timeline"],
  [/^\/ui\/investigations$/, "investigations", "investigations"],
  [/^\/ui\/investigations\/([^/]+)$/, "investigation", "investigations"],
  [/^\/ui\/traces$/, "traces", "traces"],
  [/^\/ui\/traces\/([0-9a-fA-F]+)$/, "trace", "traces"],
  [/^\/ui\/models$/, "models", "models"],
  [/^\/ui\/postmortems$/, "postmortems", "postmortems"],
  [/^\/ui\/postmortems\/([^/]+)$/, "postmortem", "postmortems"],
];

let cleanup = null;

export function navigate(url, replace = false) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

async function render() {
  const main = document.getElementById("main");
  if (cleanup) { try { cleanup(); } catch (e) { /* ignore */ } cleanup = null; }
  const path = location.pathname;
  const hit = routes.map(([re, page, nav]) => [re.exec(path), page, nav]).find(([m]) => m);
  for (const a of document.querySelectorAll("nav a"))
    a.toggleAttribute("aria-current", false);
  if (!hit) {
    main.replaceChildren(h("h1", "Not found"), h("p.state", `No page at ${path}. `, h("a", { href: "/ui/timeline", "data-link": true }, "Go to the timeline")));
    return;
  }
  const [m, page, nav] = hit;
  const cur = document.querySelector(`nav a[data-nav="${nav}"]`);
  if (cur) cur.setAttribute("aria-current", "page");
  document.body.dataset.page = page;
  try {
    const mod = await import(`./${page}.js`);
    main.replaceChildren();
    const c = await mod.render(main, m.slice(1).map(decodeURIComponent), new URLSearchParams(location.search));
    if (typeof c === "function") cleanup = c;
  } catch (e) {
    console.error(e);
    // A page module that cannot be fetched usually means the server went away: say so.
    if (!e.down && e instanceof TypeError && /import|fetch/i.test(e.message))
      e.down = await get("/healthz").then(() => false, (x) => !!x.down);
    main.replaceChildren(failed(e, "This page"));
  }
}

// After the first page, fetch the other pages' modules while idle (each a few KB), so that
// moving between pages needs only the API.
function preload() {
  for (const page of new Set(routes.map((r) => r[1]))) import(`./${page}.js`).catch(() => {});
}

// Theme: html[data-theme] wins over prefers-color-scheme; the toggle remembers the choice.
function currentTheme() {
  const t = document.documentElement.dataset.theme;
  if (t) return t;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
function setupTheme() {
  const btn = document.getElementById("theme");
  const show = () => {
    const t = currentTheme();
    btn.setAttribute("aria-pressed", t === "dark" ? "true" : "false");
    btn.textContent = t === "dark" ? "☀ Light" : "☾ Dark";
  };
  btn.addEventListener("click", () => {
    const next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem("fl-theme", next); } catch (e) { /* private mode */ }
    show();
    window.dispatchEvent(new CustomEvent("fl-theme"));
  });
  show();
}

function setupLinks() {
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest && ev.target.closest("a[data-link]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    navigate(a.getAttribute("href"));
    document.getElementById("main").focus({ preventScroll: true });
  });
  window.addEventListener("popstate", render);
  window.addEventListener("fl-retry", render); // the Retry button of an error state
}

function setupConnection() {
  const el = document.getElementById("conn");
  onConnection((up) => {
    el.textContent = up ? "" : "● server unreachable";
    document.body.dataset.server = up ? "up" : "down";
  });
}

setupTheme();
setupLinks();
setupConnection();
// uPlot is a classic deferred script; modules run after it, but wait to be sure.
const start = () => render().then(() => setTimeout(preload, 1000));
if (window.uPlot) start(); else window.addEventListener("DOMContentLoaded", start);
