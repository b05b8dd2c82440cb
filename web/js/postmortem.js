// SPDX-License-Identifier: Apache-2.0
// postmortem.js: one post-mortem, the server's self-contained HTML (no script) shown in a
// sandboxed frame, with print and Markdown links; "not available" when the route answers 404.
import { h, loading, failed } from "./util.js";
import { text } from "./api.js";

export async function render(main, [id]) {
  const base = `/api/v1/investigations/${encodeURIComponent(id)}/postmortem`;
  main.append(h("div.bar.noprint", h("a", { href: "/ui/postmortems", "data-link": true }, "← Post-mortems"),
    h("a", { href: `/ui/investigations/${id}`, "data-link": true }, "Investigation")), h("h1.noprint", `Post-mortem of ${id}`));
  const box = h("div", loading());
  main.append(box);
  let html;
  try {
    html = await text(`${base}?format=html`);
  } catch (e) {
    box.replaceChildren(e.status === 404 || e.status === 405
      ? h("p.state.empty", { dataset: { pm: "unavailable" } }, `Post-mortem not available: ${e.message}. This server may not have the post-mortem route yet.`)
      : failed(e, "Loading the post-mortem"));
    return;
  }
  const frame = h("iframe.pm", { title: `Post-mortem of ${id}`, sandbox: "allow-same-origin allow-modals", srcdoc: html });
  box.replaceChildren(h("div.bar.noprint",
    h("button", { type: "button", onclick: () => frame.contentWindow.print() }, "Print"),
    h("a.button.ghost", { href: `${base}?format=html`, target: "_blank", rel: "noopener" }, "Open HTML"),
    h("a.button.ghost", { href: `${base}?format=markdown`, target: "_blank", rel: "noopener" }, "Markdown")), frame);
  frame.addEventListener("load", () => {
    try { frame.style.height = `${frame.contentDocument.documentElement.scrollHeight + 20}px`; } catch (e) { /* cross-origin */ }
  });
}
