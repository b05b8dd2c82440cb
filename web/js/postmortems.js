// SPDX-License-Identifier: Apache-2.0
// postmortems.js: post-mortems are rendered on demand from stored investigations
// (GET /api/v1/investigations/{id}/postmortem), so the list is the investigations list.
import { listInvestigations } from "./investigations.js";

export function render(main) {
  return listInvestigations(main, { title: "Post-mortems", linkTo: (id) => `/ui/postmortems/${id}`,
    note: "Each stored investigation has a blameless post-mortem, written from its evidence and 5 Whys." });
}
