/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmortem.h: a blameless post-mortem generated from an investigation (issue 6, item 6;
 * docs/POSTMORTEMS.md): summary, impact, detection, a merged timeline, root cause and
 * contributing factors, refuted hypotheses, the 5 Whys (src/report/whys.h), a fault-tree excerpt
 * (a hook: see FAULT TREE below), what went well and what did not, systemic action items derived
 * from the kind of each cause, and the findings of a blame lint over the parts people wrote.
 *
 * Three outputs from one model, so that they never disagree: Markdown through a template
 * ({{section}} placeholders, postmortem_tpl.c), self-contained HTML (the Markdown rendered by
 * cmark-gfm with tables, inline CSS, print styles and hand-built inline SVG charts,
 * postmortem_html.c) and JSON (schema FL_PM_VERSION).
 *
 * FAULT TREE (a hook): the investigation JSON may carry a member "fault_tree", the fault tree
 * engine's evaluation on the evidence (schema "faultline.fta_live/1", src/report/live_tree.c, or
 * the minimal form of docs/POSTMORTEMS.md). Pass its raw JSON text as fl_pm_opts.fault_tree_json
 * (fl_pm_fault_tree_member extracts it); the section lists its top event, the basic events that
 * held and the satisfied minimal cut sets. Without one the section says "No fault tree was
 * evaluated for this investigation."
 *
 * Thread-safe: no global state (cmark-gfm's extension registry is initialised once).
 */
#ifndef FL_REPORT_POSTMORTEM_H
#define FL_REPORT_POSTMORTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../rca/investigate.h"
#include "whys.h"

#define FL_PM_VERSION 1
#define FL_PM_TEMPLATE_MAX_BYTES ((size_t)1024 * 1024)
#define FL_PM_LINT_MAX_FINDINGS 1000
#define FL_PM_LINT_MAX_BYTES ((size_t)16 * 1024 * 1024)

struct fl_config;

/* ---- blame lint ---- */

struct fl_pm_finding {
    const char *where;    /* "whys link 3", "template", "title", a file name */
    unsigned long line;   /* 1-based */
    unsigned long column; /* 1-based, in bytes */
    const char *rule;     /* "possessive-fault", "should-have", ... (docs/POSTMORTEMS.md) */
    const char *phrase;   /* the matched text (arena copy) */
    const char *message;  /* why it blames and how to say it instead; static */
};

struct fl_pm_lint {
    struct fl_pm_finding *items; /* arena */
    size_t n, cap;
    bool truncated; /* more than FL_PM_LINT_MAX_FINDINGS */
};

/*
 * Flag blaming phrasing in p[0..len) (people's text: not NUL-terminated, any bytes): a person
 * named as the cause, "X's fault", "should have", "careless", "human error", "forgot", "failed to"
 * / "missed" / "ignored" after a person, and others (the table in postmortem_lint.c, documented
 * in docs/POSTMORTEMS.md "Blame lint"). Findings are appended to out (strings in a). Errors:
 * FL_ELIMIT past FL_PM_LINT_MAX_BYTES, FL_ENOMEM.
 */
fl_err fl_postmortem_lint(const char *where, const char *p, size_t len, struct fl_arena *a,
                          struct fl_pm_lint *out) FL_MUST_CHECK;

/* ---- templates ---- */

/* The default Markdown template (every section once, in the documented order). */
extern const char fl_pm_default_template[];
/* The placeholder names a template may use, *n of them. */
const char *const *fl_pm_placeholders(size_t *n);
/*
 * Check a template (name, e.g. its file, for the diag; NULL = "template"): FL_EPARSE for an
 * unterminated "{{" and FL_EINVAL for an unknown placeholder, the diag giving line and column
 * (1-based) of its "{{" and naming it; FL_ELIMIT past FL_PM_TEMPLATE_MAX_BYTES. Syntax: "{{name}}"
 * (spaces inside allowed), "{{{{" for a literal "{{".
 */
fl_err fl_pm_template_check(const char *name, const char *p, size_t len,
                            struct fl_diag *d) FL_MUST_CHECK;

/* ---- rendering ---- */

enum fl_pm_format { FL_PM_MARKDOWN = 1, FL_PM_HTML = 2, FL_PM_JSON = 3 };

struct fl_pm_opts {
    const struct fl_config *cfg; /* may be NULL */
    const char *template_text;   /* NULL = fl_pm_default_template */
    size_t template_len;
    const char *template_name;   /* for messages, e.g. the file name; NULL = "template" */
    const char *fault_tree_json; /* the investigation's "fault_tree" member, NULL = none */
    size_t fault_tree_len;
    const char *fault_tree_svg;  /* its diagram, inlined in HTML under "Fault tree"; NULL = none */
    int64_t now_ms; /* generation time */
};

/*
 * Render the post-mortem of inv with its 5 Whys w (NULL: derived now with fl_whys_build) in
 * format (enum fl_pm_format) into out (appended; sticky errors also reported). The blame lint
 * runs on the person-written parts (whys links of source "person", the title, a custom template's
 * own text) and its findings are listed in the output. Errors: the template's (FL_EPARSE,
 * FL_EINVAL with line/column), FL_EINVAL for an unknown format, FL_ELIMIT / FL_ENOMEM.
 */
fl_err fl_postmortem_render(const struct fl_investigation *inv, const struct fl_whys *w,
                            const struct fl_pm_opts *o, int format, struct fl_arena *a,
                            struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

/* The raw JSON text of the member "fault_tree" of a stored investigation's JSON, in a; *out NULL
 * when it has none. FL_EPARSE when json is not a JSON object, FL_ENOMEM. */
fl_err fl_pm_fault_tree_member(const char *json, size_t len, struct fl_arena *a, const char **out,
                               size_t *out_len, struct fl_diag *d) FL_MUST_CHECK;

struct fl_store;
/*
 * The post-mortem of a stored investigation: reads it, its 5 Whys (stored edits, else derived;
 * fl_whys_load) and its "fault_tree" member, then fl_postmortem_render with o (its fault tree
 * fields are filled here: without a stored member, the default fault tree of the investigation's
 * kind of incident is evaluated on its evidence now, src/report/live_tree.h, and drawn). Errors: the store's (FL_ENOTFOUND for an unknown id), the readers',
 * fl_postmortem_render's.
 */
fl_err fl_postmortem_stored(struct fl_store *s, const char *id, const struct fl_pm_opts *o,
                            int format, struct fl_arena *a, struct fl_buf *out,
                            struct fl_diag *d) FL_MUST_CHECK;

/* "markdown" -> FL_PM_MARKDOWN, "html", "json"; 0 for anything else (NULL -> 0). */
int fl_pm_format_parse(const char *s);

#endif
