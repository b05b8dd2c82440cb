/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h: trace analyses as JSON (the API and `--format json`) and as text tables (the CLI),
 * and the parsing of the time-window arguments both take. One renderer for both, so the CLI and
 * the API never disagree. Shapes: docs/API.md and docs/TRACES.md.
 */
#ifndef FL_TRACE_RENDER_H
#define FL_TRACE_RENDER_H

#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "trace.h"

/*
 * A window "START,END": each a time as RFC 3339, "now"/"now-1h", or a unix timestamp whose size
 * tells its unit (>= 1e17 ns, >= 1e14 us, >= 1e11 ms, else seconds, fraction allowed). what names
 * the argument in errors ("baseline"). START must be before END.
 */
fl_err fl_trace_parse_window(const char *text, const char *what, int64_t now_ms, int64_t *start_ns,
                             int64_t *end_ns, struct fl_diag *d) FL_MUST_CHECK;
/* One time in the forms above, to ns. */
fl_err fl_trace_parse_time(const char *text, const char *what, int64_t now_ms, int64_t *ns,
                           struct fl_diag *d) FL_MUST_CHECK;

/* The time span of a window, for rendering. */
struct fl_trace_span_ns {
    int64_t start_ns, end_ns;
};

/* Sticky errors in out (fl_buf_err). */
void fl_trace_cmp_json(const struct fl_trace_cmp *c, const struct fl_trace_syms *y,
                       struct fl_trace_span_ns base, struct fl_trace_span_ns inc, struct fl_buf *out);
void fl_trace_cmp_text(const struct fl_trace_cmp *c, const struct fl_trace_syms *y,
                       struct fl_trace_span_ns base, struct fl_trace_span_ns inc, struct fl_buf *out);

/* One trace: summary, every span (waterfall), critical-path segments, per-operation critical time,
 * calls with network time, errors, timeouts and retries. segs may be NULL (n_segs 0). */
void fl_trace_detail_json(const struct fl_trace *t, const struct fl_trace_analysis *an,
                          const struct fl_cp_seg *segs, size_t n_segs, const struct fl_trace_syms *y,
                          struct fl_buf *out);
void fl_trace_detail_text(const struct fl_trace *t, const struct fl_trace_analysis *an,
                          const struct fl_cp_seg *segs, size_t n_segs, const struct fl_trace_syms *y,
                          struct fl_buf *out);

/* One line of a trace search: JSON object / text row (header with fl_trace_summary_text_header). */
void fl_trace_summary_json(const struct fl_trace *t, const struct fl_trace_analysis *an,
                           const struct fl_trace_syms *y, struct fl_buf *out);
void fl_trace_summary_text_header(struct fl_buf *out);
void fl_trace_summary_text(const struct fl_trace *t, const struct fl_trace_analysis *an,
                           const struct fl_trace_syms *y, struct fl_buf *out);

void fl_trace_graph_json(const struct fl_trace_graph *g, const struct fl_trace_syms *y,
                         struct fl_trace_span_ns win, struct fl_buf *out);
void fl_trace_graph_text(const struct fl_trace_graph *g, const struct fl_trace_syms *y,
                         struct fl_trace_span_ns win, struct fl_buf *out);

#endif
