/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collect.h: test helper that renders everything fl_prom_parse reports as text, one record per
 * line, so table-driven tests can compare a whole parse with one expected string:
 *   S name{a="v",...} VALUE TS family/type[ # {x="y"} EXVALUE EXTS]
 *   M family/type help="..." unit="..."
 * VALUE uses fl_fmt_double, TS is "-" when absent, label values and help are escaped as in the
 * exposition format (\\, \", \n), so the rendering itself is unambiguous.
 */
#ifndef FL_TEST_PROM_COLLECT_H
#define FL_TEST_PROM_COLLECT_H

#include "core/buf.h"
#include "core/err.h"
#include "ingest/prom.h"

struct collect {
    struct fl_buf out;
    size_t n_samples;
    size_t n_meta;
    long stop_after; /* return FL_EIO from the callback after this many samples; -1 never */
};

void collect_init(struct collect *c);
void collect_cleanup(struct collect *c);
fl_err collect_sample(const struct fl_prom_sample *s, void *ud);
fl_err collect_meta(const struct fl_prom_meta *m, void *ud);
/* Parse s with a fresh default parser into c; d may be NULL. */
fl_err collect_parse(struct collect *c, const char *s, size_t len, enum fl_prom_format f,
                     struct fl_diag *d);

#endif
