/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift_int.h: internals shared by drift.c (selection, thresholds, report), drift_stats.c (each
 * method computed from two column profiles) and drift_opts.c (the options file). Not a public
 * header.
 */
#ifndef FL_MONITOR_DRIFT_INT_H
#define FL_MONITOR_DRIFT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "monitor/drift.h"
#include "monitor/profile.h"

/* Evidently's boundaries on the distinct values of reference + current. */
#define FL_DRIFT__MAX_CHI2_VALUES 5 /* numerical: chi2 / JS over values up to this many */
#define FL_DRIFT__MAX_BINARY 2      /* z-test up to this many */
#define FL_DRIFT__MANY SIZE_MAX     /* "more than we can count exactly" */

enum fl_drift__kind { FL_DRIFT__EMPTY, FL_DRIFT__NUMERICAL, FL_DRIFT__CATEGORICAL };

/* The kind of a column: numerical when finite numbers are at least as many as strings + bools
 * (and there are some), categorical when strings or bools dominate, else empty. */
enum fl_drift__kind fl_drift__kind(const struct fl_profile *p);
const char *fl_drift__kind_name(enum fl_drift__kind k);
/* Values a distribution test uses: finite numbers (numerical) or strings + bools. */
uint64_t fl_drift__n_values(const struct fl_profile *p, enum fl_drift__kind k);
/*
 * Distinct values of reference + current together, exactly (the small-value tables or
 * frequent-items sketches hold all of them), or FL_DRIFT__MANY.
 */
size_t fl_drift__n_unique(const struct fl_profile *r, const struct fl_profile *c,
                          enum fl_drift__kind k);

/* What the method needs besides the profiles. */
struct fl_drift__params {
    size_t bins;    /* quantile bins of the reference */
    double js_base; /* FL_DIVERGENCE_NATS or a base */
};

/* One computed statistic. */
struct fl_drift__stat {
    const char *name; /* static storage */
    double statistic;
    double pvalue; /* NaN for distances */
    bool exact;
    double error_bound; /* NaN when exact or not available */
    uint64_t n_ref, n_cur;
    size_t bins;    /* bins / categories compared, 0 for ks, mwu, wasserstein */
    char note[160]; /* how it was computed when approximate, "" otherwise */
};

/*
 * Compute method m (not AUTO) between reference r and current c of kind k, both with values.
 * FL_EINVAL with a diagnostic naming the feature when the method does not fit (ks, mwu,
 * wasserstein on a categorical feature; ztest on more than two values), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_drift__compute(enum fl_drift_method m, enum fl_drift__kind k,
                                       const struct fl_profile *r, const struct fl_profile *c,
                                       const struct fl_drift__params *prm,
                                       struct fl_drift__stat *out, struct fl_diag *d);

/* New categories: values of c's frequent items that r certainly lacks (r's sketch exact). */
struct fl_drift__new_cats {
    bool known;       /* false when r's sketch dropped categories (cannot tell) */
    double share;     /* of c's strings and bools */
    size_t n;         /* new categories */
    char detail[256]; /* the largest ones with their shares, "NL (3.1%), BE (0.4%)" */
};
FL_MUST_CHECK fl_err fl_drift__new_categories(const struct fl_profile *r,
                                              const struct fl_profile *c,
                                              struct fl_drift__new_cats *out);

/* A weighted sample read from a KLL sketch: values ascending, weights adding up to n. */
struct fl_drift__wsample {
    double *v;
    double *w;
    size_t n;     /* items */
    double total; /* sum of weights = values summarized */
    bool exact;   /* every weight is 1: the raw values */
};
/*
 * Read the retained items of s with their weights (2^level) from its serialized form
 * (docs/SKETCHES.md: version 1, type KLL), sorted by value. FL_EUNSUPPORTED when the layout is
 * not the one this code knows, FL_ENOMEM. Free with fl_drift__wsample_cleanup.
 */
FL_MUST_CHECK fl_err fl_drift__kll_sample(const struct fl_kll *s, struct fl_drift__wsample *out);
void fl_drift__wsample_cleanup(struct fl_drift__wsample *w);

/* scipy.stats.ks_2samp's two-sided p-value for statistic dstat and sizes n1, n2 (method auto). */
FL_MUST_CHECK fl_err fl_drift__ks_pvalue(double dstat, uint64_t n1, uint64_t n2, double *p);

#endif
