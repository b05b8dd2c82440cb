/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmortem_int.h: what the files of the post-mortem share (postmortem.c builds the sections,
 * postmortem_tpl.c expands templates, postmortem_html.c renders HTML). Not a public interface.
 */
#ifndef FL_REPORT_POSTMORTEM_INT_H
#define FL_REPORT_POSTMORTEM_INT_H

#include "postmortem.h"

#define FL_PM__N_SECTIONS 15 /* the placeholders, in postmortem_tpl.c's order */

fl_err fl_pm__tpl_walk(const char *p, size_t len, const char *name,
                       void (*lit)(void *ud, const char *s, size_t n),
                       void (*sec)(void *ud, int idx), void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* The numbers the HTML charts draw: the symptom baseline vs incident over the windows, and the
 * causes' scores. */
struct fl_pm__charts {
    const char *symptom;
    double baseline, incident; /* NaN when unknown: no sparkline */
    int64_t base_start, onset, inc_end;
    const char *const *cause_names;
    const double *cause_scores;
    size_t n_causes;
    const char *fault_tree_svg; /* inlined after the "Fault tree" heading; NULL = none */
};

/* The HTML document: title, charts, and the Markdown rendered by cmark-gfm (tables, no raw
 * HTML). Sticky errors in out; FL_ENOMEM when cmark fails. */
fl_err fl_pm__html(const char *title, const char *md, size_t md_len, const struct fl_pm__charts *ch,
                   struct fl_buf *out) FL_MUST_CHECK;

#endif
