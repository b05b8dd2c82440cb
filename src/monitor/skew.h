/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skew.h: training-serving skew, request by request. The feature values a model was served
 * (inference logs: each feature with a value and a status from the feature store) are joined to
 * the values an offline pipeline computes for the same requests (a table file with a key column:
 * what the training set would have held), and each feature gets its mismatch rate, the typical
 * difference, and examples. This is the check the Feast/Tecton feature-logging workflow asks
 * for: it catches a unit change on one side, a default filled in for a missing key, a stale
 * online store, a type change, where distribution tests on either side alone see nothing.
 *
 * Matching rules, per feature of a joined request (offline column = feature name, or
 * "features.NAME" as JSON Lines flattening writes it):
 *   - both numbers (bools count as 0/1): equal when |served - offline| <= atol + rtol * |offline|
 *     (defaults 1e-9 and 1e-6, so float32 round trips are not mismatches);
 *   - both strings: byte equality; string vs number: a type mismatch;
 *   - served null (status null, or no value) vs offline value: "served_null"; the reverse
 *     "offline_null"; both null: a match;
 *   - the served status not_found / outside_max_age is counted on its own (the online store had
 *     no fresh value), and its value, if any, is still compared.
 * Requests present on one side only are counted, not compared. A key given twice offline keeps
 * its first row and is counted in dup_offline_keys; served duplicates are compared each time.
 */
#ifndef FL_MONITOR_SKEW_H
#define FL_MONITOR_SKEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"
#include "ingest/table.h"

struct fl_skew_opts {
    const char *key;   /* offline key column, default "request_id" */
    double rtol, atol; /* numeric tolerance, defaults 1e-6 and 1e-9 */
    size_t n_examples; /* examples kept per feature, default 3 (at most 100) */
};

void fl_skew_opts_default(struct fl_skew_opts *o);

struct fl_skew_example {
    char *request_id;
    char *served;  /* JSON text of the served value, or "null" / "not_found" ... */
    char *offline; /* JSON text of the offline value, or "null" */
};

struct fl_skew_feature {
    char *name;
    uint64_t joined;    /* joined requests where either side has the feature */
    uint64_t compared;  /* both sides non-null */
    uint64_t mismatched; /* compared and different (value or type) */
    uint64_t type_mismatched; /* of mismatched: different types */
    uint64_t served_null, offline_null;      /* one side null, the other a value */
    uint64_t served_absent, offline_absent;  /* the feature missing from one side's record */
    uint64_t not_found, outside_max_age;     /* served statuses */
    double mean_diff;       /* served - offline over compared number pairs, NaN when none */
    double median_abs_diff; /* |served - offline| over mismatched number pairs, NaN when none */
    double max_abs_diff;    /* over compared number pairs, NaN when none */
    /* (mismatched + served_null + offline_null) / (compared + served_null + offline_null):
     * the share of judged requests that disagree; NaN when none was judged (no offline column) */
    double mismatch_rate;
    struct fl_skew_example *examples;
    size_t n_examples;
};

struct fl_skew_report {
    uint64_t served, offline;        /* records read on each side */
    uint64_t joined;                 /* served records whose key is offline */
    uint64_t served_unmatched;       /* served records with no offline row */
    uint64_t offline_unmatched;      /* offline rows no served record joined */
    uint64_t dup_offline_keys;       /* offline rows whose key was seen before (ignored) */
    struct fl_skew_feature *features; /* sorted by mismatch rate, highest first, then name */
    size_t n_features;
};

struct fl_skew;

/*
 * A skew computation over the offline table td (borrowed: it must outlive the skew). Indexes
 * the key column. Errors: FL_EINVAL (diag names it) when the key column is missing or a key is
 * not a string or integer number, FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_skew_new(const struct fl_skew_opts *o, const struct fl_table_data *td,
                                 struct fl_skew **out, struct fl_diag *d);
void fl_skew_free(struct fl_skew *s);

/* Join one served record (borrowed for the call). FL_ENOMEM, or FL_ELIMIT past 100,000 features. */
FL_MUST_CHECK fl_err fl_skew_add(struct fl_skew *s, const struct fl_inference *r);

/*
 * The report so far, owned by the caller (fl_skew_report_cleanup). Features are those seen on
 * the served side or offline (other than the key column). FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_skew_report(const struct fl_skew *s, struct fl_skew_report *out);
void fl_skew_report_cleanup(struct fl_skew_report *r);

/* Render as a text table, JSON or Markdown onto out (sticky buffer errors). */
void fl_skew_report_table(const struct fl_skew_report *r, struct fl_buf *out);
void fl_skew_report_json(const struct fl_skew_report *r, struct fl_buf *out);
void fl_skew_report_markdown(const struct fl_skew_report *r, struct fl_buf *out);

#endif
