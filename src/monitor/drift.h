/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift.h: drift of every feature and of the predictions between a reference and a current
 * profile set (monitor/profile.h): training vs production, or a window vs the previous one.
 *
 * Everything is computed from profiles, so a reference is profiled once and reused. A method is
 * chosen per feature by Evidently's default rules (reference size, type, distinct values; see
 * docs/DRIFT.md) without their known flaws (a contingency chi-square instead of goodness of fit,
 * the bin count honoured, the Jensen-Shannon log base explicit), or set per feature. Statistics
 * are exact (the raw values) while both KLL sketches still hold every value (n <= k, 1024 by
 * default) and both frequent-items sketches every category; beyond that they are computed from
 * the sketches with the error bound each row states.
 *
 * Besides the distribution test, a feature gets a row for a null-rate change (null + missing + NaN
 * share) and, for categorical features, one for categories absent from the reference; a feature
 * of the reference missing from the current data and a new feature get rows too. A feature is
 * drifted when any of its rows is; the dataset drifts when the share of drifted features reaches
 * drift_share (0.5, Evidently's default).
 *
 * Thresholds are per method (p-value 0.05; distances 0.1), per feature when given, or adaptive
 * (NannyML): the reference's chunks each compared with the rest, threshold = mean + 3 sigma.
 */
#ifndef FL_MONITOR_DRIFT_H
#define FL_MONITOR_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "monitor/profile.h"

/* Append only: the names are part of the CLI and the JSON output. */
#define FL_DRIFT_METHOD_LIST(X)                                                                    \
    X(AUTO, "auto")                                                                                \
    X(KS, "ks")                                                                                    \
    X(CHI2, "chi2")                                                                                \
    X(ZTEST, "ztest")                                                                              \
    X(MWU, "mwu")                                                                                  \
    X(WASSERSTEIN, "wasserstein")                                                                  \
    X(PSI, "psi")                                                                                  \
    X(JS, "js")                                                                                    \
    X(HELLINGER, "hellinger")                                                                      \
    X(KL, "kl")

enum fl_drift_method {
#define FL__DRIFT_ENUM(n, s) FL_DRIFT_##n,
    FL_DRIFT_METHOD_LIST(FL__DRIFT_ENUM)
#undef FL__DRIFT_ENUM
        FL_DRIFT__N_METHODS
};

/* "ks", ...; "?" for an unknown value. Static storage. */
const char *fl_drift_method_name(enum fl_drift_method m);
/* Parse a method name (as above, case-sensitive). false when unknown. */
bool fl_drift_method_parse(const char *s, enum fl_drift_method *out);
/* True for the tests that give a p-value (ks, chi2, ztest, mwu). */
bool fl_drift_method_is_test(enum fl_drift_method m);
/* The default threshold of a method: 0.05 for the tests (a p-value), 0.1 for the distances. */
double fl_drift_default_threshold(enum fl_drift_method m);

/* What a result row checks. */
enum fl_drift_check {
    FL_DRIFT_CHECK_DISTRIBUTION, /* the method's statistic */
    FL_DRIFT_CHECK_NULL_RATE,    /* share of null + missing + NaN */
    FL_DRIFT_CHECK_NEW_CATEGORY, /* share of current values in categories the reference lacks */
    FL_DRIFT_CHECK_MISSING,      /* feature in the reference, absent from the current data */
    FL_DRIFT_CHECK_NEW_FEATURE,  /* feature only in the current data (informational) */
};
const char *fl_drift_check_name(enum fl_drift_check c);

/* Per-feature settings (CLI --method/--threshold/--bins, or the options file). */
struct fl_drift_feature_opts {
    char *feature;               /* owned */
    enum fl_drift_method method; /* FL_DRIFT_AUTO = the selector */
    double threshold;            /* NaN = the method's default */
    size_t bins;                 /* 0 = the global bins */
    double null_rate_threshold;  /* NaN = the global one */
    bool skip;                   /* leave the feature out */
};

struct fl_map;

struct fl_drift_opts {
    enum fl_drift_method method;   /* for every feature without its own; AUTO = selector */
    size_t bins;                   /* quantile bins of the reference for psi/js/hellinger/kl: 10 */
    double js_base;                /* FL_DIVERGENCE_NATS (e, Evidently) or 2 */
    double drift_share;            /* dataset drift when the drifted share >= this: 0.5 */
    size_t small_reference;        /* Evidently's boundary: tests up to 1000 reference values */
    double null_rate_threshold;    /* |current - reference| at least this ... : 0.05 */
    double null_rate_alpha;        /* ... and two-proportion p below this: 0.05 */
    double new_category_threshold; /* drift when the new-category share exceeds this: 0 */
    bool adaptive;                 /* thresholds from the reference's chunks (needs >= 2) */
    double adaptive_sigmas;        /* 3 */
    struct fl_drift_feature_opts *features; /* owned; add with fl_drift_opts_feature */
    size_t n_features, cap_features;
    struct fl_map *by_name; /* owned: feature name -> its index + 1 (NULL while there is none) */
};

/* Defaults as documented above. No allocation. */
void fl_drift_opts_init(struct fl_drift_opts *o);
/* Free the per-feature entries. */
void fl_drift_opts_cleanup(struct fl_drift_opts *o);
/*
 * The entry for feature name, created with defaults when absent. *out borrowed from o.
 * FL_ENOMEM, FL_EINVAL (empty name).
 */
FL_MUST_CHECK fl_err fl_drift_opts_feature(struct fl_drift_opts *o, const char *name,
                                           struct fl_drift_feature_opts **out);
/* The entry for name or NULL. */
const struct fl_drift_feature_opts *fl_drift_opts_find(const struct fl_drift_opts *o,
                                                       const char *name);
/*
 * Read an options document p[0..len) (YAML or JSON, which YAML includes) into o, overriding what
 * it sets; an empty document sets nothing:
 *     bins: 10            js_base: e | 2      drift_share: 0.5     method: auto
 *     adaptive: false     adaptive_sigmas: 3  null_rate_threshold: 0.05
 *     null_rate_alpha: 0.05                   new_category_threshold: 0
 *     small_reference: 1000
 *     features:
 *       age: {method: psi, threshold: 0.2, bins: 20}
 *       user_id: {skip: true}
 * p need not be NUL-terminated and is not written (NULL only with len 0); name is the input's
 * name in diagnostics (NULL: "drift options"). On FL_OK o also passes fl_drift_opts_check. Any
 * error leaves o as it was (still the caller's to clean up), with d (may be NULL) naming name,
 * line, column and key path: FL_EPARSE for a syntax error, a second YAML document, an unknown key,
 * a bad value ("name:3:17: features.age.bins: expected a whole number up to 10000") or options
 * that fl_drift_opts_check rejects (name and message, no position); FL_ELIMIT for more than
 * 1 MiB or FL_LIMIT_DRIFT_OPTS_NODES nodes; FL_ENOMEM (d untouched). Thread-safe on distinct o.
 */
FL_MUST_CHECK fl_err fl_drift_opts_parse(struct fl_drift_opts *o, const char *p, size_t len,
                                         const char *name, struct fl_diag *d);
/*
 * Read the options file at path ("-" for stdin) with fl_drift_opts_parse, naming path in
 * diagnostics. Also FL_EIO when it cannot be read and FL_ELIMIT when larger than 1 MiB.
 */
FL_MUST_CHECK fl_err fl_drift_opts_load(struct fl_drift_opts *o, const char *path,
                                        struct fl_diag *d);
/*
 * Check o: bins in [2, 10000], js_base e (0) or > 0 and != 1, shares and alphas in [0, 1],
 * thresholds finite and >= 0 (a p-value threshold at most 1). FL_EINVAL with a diagnostic.
 */
FL_MUST_CHECK fl_err fl_drift_opts_check(const struct fl_drift_opts *o, struct fl_diag *d);

/* How the score is compared with the threshold (Evidently's operators). */
enum fl_drift_cmp {
    FL_DRIFT_P_LE, /* p <= threshold (ks) */
    FL_DRIFT_P_LT, /* p < threshold (chi2, ztest, mwu, null rate with its p-value) */
    FL_DRIFT_GE,   /* statistic >= threshold (distances) */
    FL_DRIFT_GT,   /* statistic > threshold (adaptive thresholds, new-category share) */
};

/* One result row. Strings are owned by the report. */
struct fl_drift_row {
    const char *feature;
    enum fl_drift_check check;
    enum fl_drift_method method; /* distribution rows; AUTO otherwise */
    const char *kind;            /* "numerical", "categorical", "empty" */
    const char *stat_name;       /* "D", "chi2", "z", "U", "wasserstein_normed", "psi",
                                  * "js_distance_base_e", "hellinger", "kl", "null_rate_diff",
                                  * "new_share" ... */
    double statistic;
    double pvalue; /* NaN for distances */
    double score;  /* what is compared: pvalue for tests, else statistic */
    double threshold;
    enum fl_drift_cmp cmp;
    bool adaptive; /* threshold from the reference chunks */
    bool drifted;
    bool exact;            /* from every raw value (else from the sketches) */
    double error_bound;    /* sketch rows: bound on |statistic error| (99%); NaN if none */
    uint64_t n_ref, n_cur; /* values the statistic used */
    size_t bins;           /* bins or categories compared (0 when not binned) */
    const char *detail;    /* e.g. new categories "NL (3.1%), BE (0.4%)"; "" when none */
};

struct fl_drift_report {
    struct fl_drift_row *rows;
    size_t n_rows;
    size_t n_features;  /* features compared (reference's, minus skipped) */
    size_t n_drifted;   /* features with a drifted row */
    double share;       /* n_drifted / n_features (0 when none) */
    double drift_share; /* the option */
    bool dataset_drift; /* share >= drift_share */
    double js_base;
    uint64_t ref_rows, cur_rows; /* largest row count over the features of each side */
    struct fl_arena arena;       /* every string of the rows */
};

/*
 * Compare every feature of ref with the same feature of cur. Both sets must hold one profile per
 * feature (fl_profile_set_select); with o->adaptive, ref must hold the chunk profiles instead
 * (keep_chunks, at least 2 chunks). *out is owned by the caller (fl_drift_report_free).
 * Errors: FL_EINVAL with a diagnostic naming the feature (a method that does not fit the data,
 * e.g. ks on a categorical feature or ztest on more than two categories; adaptive without
 * chunks; bad options), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_drift_compare(const struct fl_profile_set *ref,
                                      const struct fl_profile_set *cur,
                                      const struct fl_drift_opts *o, struct fl_drift_report **out,
                                      struct fl_diag *d);
/* NULL is a no-op. */
void fl_drift_report_free(struct fl_drift_report *r);

/*
 * Renderings; ref_name and cur_name label the inputs. Sticky errors in out (fl_buf_err).
 * text: an aligned table then the dataset line; json: one document; markdown: a GFM table.
 */
void fl_drift_write_text(const struct fl_drift_report *r, const char *ref_name,
                         const char *cur_name, struct fl_buf *out);
void fl_drift_write_json(const struct fl_drift_report *r, const char *ref_name,
                         const char *cur_name, struct fl_buf *out);
void fl_drift_write_markdown(const struct fl_drift_report *r, const char *ref_name,
                             const char *cur_name, struct fl_buf *out);

#endif
