// SPDX-License-Identifier: Apache-2.0
// investigations.js: the stored investigations, newest first (GET /api/v1/investigations).
import { h, time, loading, empty, failed, badge } from "./util.js";
import { get } from "./api.js";

export async function listInvestigations(main, { title, linkTo, note }) {
  main.append(h("h1", title), note ? h("p.muted", note) : "");
  const box = h("div", loading());
  main.append(box);
  let list;
  try {
    list = await get("/api/v1/investigations?limit=200");
  } catch (e) {
    box.replaceChildren(failed(e, "Listing investigations"));
    return;
  }
  if (!list.length) {
    box.replaceChildren(empty("No investigations yet. Brush a window on the Timeline and choose “Investigate this window”, or run `faultline investigate`."));
    return;
  }
  box.replaceChildren(h("table", h("thead", h("tr", h("th", "created"), h("th", "title / symptom"), h("th", "verdict"), h("th", "source"), h("th", "id"))),
    h("tbody", list.map((i) => h("tr", { dataset: { id: i.id } }, h("td", time(i.created_ms)),
      h("td", h("a", { href: linkTo(i.id), "data-link": true }, i.title || i.symptom), i.title ? h("div.muted.mono", i.symptom) : ""),
      h("td", badge(i.verdict)), h("td", i.source || "—"), h("td.mono", i.id))))));
}

export function render(main) {
  return listInvestigations(main, { title: "Investigations", linkTo: (id) => `/ui/investigations/${id}` });
}
