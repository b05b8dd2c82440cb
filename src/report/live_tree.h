/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_tree.h: a fault tree evaluated on an investigation (src/fta/live.h), rendered for people:
 * which basic events hold and on what evidence, which gates are true, which minimal cut sets are
 * satisfied (the combinations that explain the top event), as text, JSON (schema
 * "faultline.fta_live/1", docs/FTA.md), Markdown (the post-mortem's fault-tree excerpt) or SVG
 * (src/report/diagram.h, evaluated branches highlighted).
 */
#ifndef FL_REPORT_LIVE_TREE_H
#define FL_REPORT_LIVE_TREE_H

#include <stdbool.h>

#include "../core/buf.h"
#include "../core/err.h"

struct fl_config;
struct fl_investigation;
struct fl_fta_tree;
struct fl_fta_bindings;

enum fl_live_tree_format {
    FL_LIVE_TREE_TEXT = 1,
    FL_LIVE_TREE_JSON,
    FL_LIVE_TREE_MARKDOWN,
    FL_LIVE_TREE_SVG,
};

/* Parse "text", "json", "markdown", "svg"; false for anything else. */
bool fl_live_tree_format_parse(const char *s, enum fl_live_tree_format *out);

/*
 * Evaluate tree (with its bindings b) on inv, or when tree is NULL the default tree of the
 * investigation (fl_fta_default_tree over cfg, which may be NULL), and append the rendering to
 * out. Errors: those of fl_fta_default_tree, fl_fta_live_evaluate and the diagram; FL_ENOMEM.
 */
fl_err fl_live_tree_report(const struct fl_config *cfg, const struct fl_investigation *inv,
                           const struct fl_fta_tree *tree, const struct fl_fta_bindings *b,
                           enum fl_live_tree_format format, struct fl_buf *out,
                           struct fl_diag *d) FL_MUST_CHECK;

#endif
