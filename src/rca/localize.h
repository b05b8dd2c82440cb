/* SPDX-License-Identifier: Apache-2.0 */
/*
 * localize.h: localize a change by segment. Is a KPI's change uniform across platform, country,
 * app version, experiment arm, model version ..., or does it sit in a few segments, and which?
 *
 * Input: leaf rows, each a value per dimension (platform=ios, country=DE, app_version=5.2) with a
 * measure in a baseline window and in the incident window. A measure is fundamental (a sum, such
 * as impressions) or derived, the ratio of two sums (CTR = clicks / impressions), in which case
 * every row carries numerator and denominator of both windows. Three answers:
 *   1. Adtributor (Bhagwan et al., "Adtributor: Revenue Debugging in Advertising Systems",
 *      NSDI 2014), one dimension at a time: per element the explanatory power (its share of the
 *      total change; for a ratio the paper's derived-measure form) and the surprise (its term of
 *      the Jensen-Shannon divergence between baseline and incident shares; for a ratio the sum
 *      of the numerator's and the denominator's), the set of elements that explains the change
 *      (thresholds T_EEP, T_EP) and the dimensions ranked by surprise.
 *   2. RiskLoc (Kalander, "RiskLoc: Localization of Multi-dimensional Root Causes by Weighted
 *      Risk", arXiv 2205.10004, 2022), over combinations of dimensions: the root-cause
 *      attribute combinations such as {platform=android, app_version=5.3} with their risk
 *      scores.
 *   3. A verdict: no change, uniform, or localized, by a rule that compares each segment's
 *      relative change with the rest's (below, and docs/rca.md "Localizing by segment").
 * Where this differs from the papers or from the reference implementations (shaido987/riskloc,
 * NetManAIOps/PSqueeze), docs/rca.md says so and why. scripts/gen-localize-golden.py implements
 * the same definitions independently in Python; the unit tests compare the two.
 *
 * Definitions used throughout (f = baseline x baseline_scale, v = incident):
 *   ratio(n, d)  = n / d when d > 0, else 0 (a ratio with no denominator counts as 0);
 *   measure      = the sum (fundamental) or ratio(num, den) (derived);
 *   rel. change  = v / f - 1 of the measure; +inf when f = 0 < v, 0 when both are 0.
 * Values must be finite and >= 0. Not thread-safe per object; separate objects are independent.
 */
#ifndef FL_RCA_LOCALIZE_H
#define FL_RCA_LOCALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

/* The leaves and their measures; built row by row, then run (any number of times). */
struct fl_localize;

/*
 * A new, empty localization over n_dims dimensions (1 .. FL_LIMIT_LOC_DIMS) named dim_names
 * (copied; non-empty, distinct). derived: rows carry numerator and denominator. *out is owned by
 * the caller (fl_localize_free). Errors: FL_EINVAL (bad names or count, with a diagnostic),
 * FL_ELIMIT (too many dimensions), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_localize_new(const char *const *dim_names, size_t n_dims, bool derived,
                                     struct fl_localize **out, struct fl_diag *d);
/* NULL is a no-op. */
void fl_localize_free(struct fl_localize *l);

/* The measures of one row. Fundamental measures use the _num members only (_den ignored). */
struct fl_localize_row {
    double base_num, base_den; /* baseline window */
    double inc_num, inc_den;   /* incident window */
};

/*
 * Add a row: values[0 .. n_dims) are the attribute values (borrowed slices, copied; an empty
 * slice is the element "" - the attribute was absent). Rows with the same values are summed, so
 * a segment seen in one window only is added with zeros for the other, and baseline and incident
 * rows may be added separately. Errors: FL_EINVAL (a negative, NaN or infinite measure; values
 * NULL; a value containing a NUL byte), FL_ELIMIT (a value longer than FL_LIMIT_VALUE_BYTES, or more than FL_LIMIT_LOC_LEAVES
 * distinct leaves), FL_ENOMEM. On error nothing was added.
 */
FL_MUST_CHECK fl_err fl_localize_add(struct fl_localize *l, const struct fl_str *values,
                                     const struct fl_localize_row *row, struct fl_diag *d);

/* Distinct leaves added so far. */
size_t fl_localize_n_leaves(const struct fl_localize *l);

struct fl_localize_opts {
    /* Multiplies every baseline value (e.g. incident length / baseline length, so that sums of
     * windows of different lengths compare). 1. Must be finite and > 0. */
    double baseline_scale;
    /* Adtributor (the paper's values). */
    double t_eep; /* an element enters a dimension's set only if its EP exceeds this: 0.1 */
    double t_ep;  /* the set is complete once its summed EP exceeds this: 0.67 */
    size_t top_k; /* dimensions marked selected, by set surprise: 3 */
    /* RiskLoc (the reference implementation's defaults). */
    double risk_threshold; /* an element is a root cause if high - low risk >= this: 0.5 */
    double pep_threshold;  /* minimum EP, as a share of the anomalous leaves' EP: 0.02 */
    size_t n_remove;       /* extreme deviations ignored on each side for the cutoff: 5 */
    bool prune_elements;   /* skip combinations under weak single elements: true */
    size_t max_layer;      /* largest combination searched; 0 = all dimensions: 3 */
    size_t max_causes;     /* stop after this many root causes: 10 */
    /* Verdict: a segment is disproportionate when it carries at least uniform_excess more (or
     * less) of the change than a uniform change would give it, its relative change differs
     * from the rest's by at least uniform_gap times the total relative change, and by at least
     * uniform_z times the noise of that difference (estimated from the leaves). */
    double uniform_excess; /* 0.05 */
    double uniform_gap;    /* 0.5 */
    double uniform_z;      /* 3 */
    /* |total relative change| <= this is "no change". 0: only an exactly unchanged total. */
    double min_rel_change;
};

/* Defaults as documented above. */
void fl_localize_opts_init(struct fl_localize_opts *o);

/* A segment (an element, a set of elements, a root cause, all root causes) and its change. */
struct fl_localize_seg {
    double base_num, base_den; /* baseline sums, scaled; _den 0 for fundamental measures */
    double inc_num, inc_den;   /* incident sums */
    double base, inc;          /* the measure in each window */
    double rel_change;         /* of the measure */
    double rest_rel_change;    /* of the complement: the rest of the dimension (elements and
                                * Adtributor sets) or every other leaf (root causes) */
    double ep;                 /* explanatory power: share of the total change */
    double uniform_ep;         /* ep if every segment had changed as the total did */
    double excess;             /* ep - uniform_ep */
    double gap;                /* |rel_change - rest_rel_change| / |total rel. change|; 0 when
                                * the complement is empty or the total did not change */
    double z;                  /* |rel_change - rest_rel_change| / its standard error from the
                                * leaf noise; +inf without noise, 0 without a difference */
    bool disproportionate;     /* |excess| >= uniform_excess && gap >= uniform_gap
                                * && z >= uniform_z */
};

struct fl_localize_elem {
    const char *value; /* owned by the report */
    struct fl_localize_seg s;
    double surprise;     /* Adtributor's surprise: JS term, natural log; derived: num + den */
    double surprise_num; /* derived: the numerator's term (fundamental: = surprise) */
    double surprise_den; /* derived: the denominator's term (fundamental: 0) */
    bool in_set;         /* part of the dimension's explanatory set */
};

struct fl_localize_dim {
    const char *name;               /* owned by the report */
    size_t index;                   /* position in dim_names */
    struct fl_localize_elem *elems; /* by surprise, largest first (ties: first added first) */
    size_t n_elems;
    double surprise;            /* sum of the elements' surprise: the dimension's JS divergence */
    bool explains;              /* Adtributor found a set (not every element) with EP > t_ep */
    size_t n_set;               /* elements in the set */
    double set_surprise;        /* sum of the set's surprise (Adtributor's ranking key) */
    struct fl_localize_seg set; /* the set as one segment (ep = summed EP) */
    bool selected;              /* among the top_k explaining dimensions */
};

struct fl_localize_cause {
    size_t n_attrs;           /* the layer: attributes in the combination */
    size_t *dims;             /* dimension index of each attribute (ascending); owned by report */
    const char **values;      /* its value; owned by the report */
    double risk;              /* high_risk - low_risk */
    double high_risk;         /* weighted share of anomalous leaves under the combination */
    double low_risk;          /* how well a proportional ("ripple") change explains its leaves */
    double search_ep;         /* EP used in the search (signed toward the anomaly, pruned view) */
    size_t n_leaves;          /* leaves it took (those not taken by earlier causes) */
    struct fl_localize_seg s; /* over those leaves; rest = every other leaf */
};

enum fl_localize_verdict {
    FL_LOCALIZE_NO_CHANGE, /* |total relative change| <= min_rel_change */
    FL_LOCALIZE_UNIFORM,   /* no segment is disproportionate */
    FL_LOCALIZE_LOCALIZED, /* some segment is; reason names the best one */
};

/* "no_change", "uniform", "localized"; "?" otherwise. Static storage. */
const char *fl_localize_verdict_name(enum fl_localize_verdict v);

struct fl_localize_report {
    bool derived;
    size_t n_leaves;
    struct fl_localize_seg total; /* every leaf: ep 1, uniform_ep 1, gap 0 */
    /* Adtributor: every dimension; those that explain first, by set surprise, then the others
     * by surprise (ties: input order). */
    struct fl_localize_dim *dims;
    size_t n_dims;
    /* RiskLoc: root causes in the order found; union = all of them as one segment. */
    struct fl_localize_cause *causes;
    size_t n_causes;
    struct fl_localize_seg causes_union;
    double noise;          /* leaf noise: 1.4826 x MAD of the leaves' deviation scores
                            * 2 (f - v) / (f + v), over leaves with data in both windows */
    double cutoff;         /* deviation cutoff separating anomalous leaves */
    bool anomaly_decrease; /* anomalous leaves are those whose measure fell (deviation > cutoff) */
    size_t n_anomalous;    /* leaves in the anomalous partition */
    /* The verdict and a one-line reason, e.g. "platform=android & app_version=5.3: -50.0%
     * against +0.1% elsewhere; 98.7% of the change, 10.2% expected if uniform". */
    enum fl_localize_verdict verdict;
    const char *reason; /* owned by the report */
    struct fl_arena arena;
};

/*
 * Run Adtributor, RiskLoc and the verdict over the rows added so far. o NULL = defaults. *out is
 * owned by the caller (fl_localize_report_free). l is not modified. Errors: FL_EINVAL (no rows,
 * bad options, with a diagnostic), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_localize_run(const struct fl_localize *l, const struct fl_localize_opts *o,
                                     struct fl_localize_report **out, struct fl_diag *d);
/* NULL is a no-op. */
void fl_localize_report_free(struct fl_localize_report *r);

#endif
