/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rank.h: which metrics changed at an incident, and which component's change explains the rest.
 *
 * Input: named series of (time, value) points, an onset time (points at or after it form the
 * incident window, points before it the recent baseline), optionally a separate reference
 * window per series (a normal period recorded elsewhere), a rule mapping series names to
 * components, and optionally the component call graph. Per series (docs/rca.md, "Ranking
 * metrics", has the method, its references and the reasons for each constant):
 *   - deviation: BARO's robust score (Pham et al., FSE 2024) made safe for real data: the
 *     largest |x - median| over the incident window in units of the reference's spread, where
 *     the spread is the IQR, or the spread implied by the reference's own tail_q / 1 - tail_q
 *     quantiles if larger (heavy-tailed series must exceed their usual spikes), floored at
 *     rel_floor x |median| (a one-page change of a 300 MB memory gauge is no change); and where
 *     the change must hold against both the reference median and the median of the points just
 *     before the onset (a level the series already had before the onset is not caused by it);
 *   - KS on first differences as Netdata's metric correlations (D and p-value, scipy's
 *     ks_2samp), when both windows have ks_min differences;
 *   - volume: Netdata's relative change of the mean times the share of points beyond it;
 *   - onset: the most likely single mean shift (stats/changepoint.h) around the onset;
 *   - NSigma and plain BARO as RCAEval computes them, for comparison;
 *   - a combined score in [0, 1]: Netdata-style rank normalisation of the deviation, blended
 *     with that of the KS statistic (weight ks_weight) where KS applies.
 * A series is significant when its deviation reaches `threshold` (and, if min_change is set,
 * it moved by min_change x |median|). Components: a component changed when one of its series is
 * significant; its score is its best series' (repeats dropped). With a call graph, a changed
 * component whose change is accounted for by a changed dependency is marked inherited: the
 * dependency's change started no later (first_ms below: the first sample beyond the series'
 * normal range; the same sample counts as simultaneous) and, over the metric kinds both changed
 * in, with the same sign and by at least explain_ratio of the component's change (with no
 * comparable kind, any change that started no later counts). The others are roots, ranked first
 * by how many changed dependents their change explains that way, then by score.
 * The symptom series, when given, is confirmed (and counts as changed) when its deviation
 * clears the edge of its normal range for a window of that length: the quantile of its
 * reference points' deviations at level (1 - FL_RANK_SYMPTOM_ALPHA)^(1 / n_incident), and at
 * least symptom_threshold. A lenient check: it is one series reported in advance, not one of
 * many searched. It is also confirmed ("corroborated") by the wider edge at level
 * (1 - FL_RANK_SYMPTOM_ALPHA_CORROBORATED)^(1 / n_incident) when another series is significant.
 * A change must hold for `persist` consecutive incident points (the symptom: one), so a lone
 * outlier in a long window is not a change. Specificity: when the symptom is not confirmed, or no series reaches
 * `threshold`, the verdict is "no significant change" and no component is named.
 *
 * Pure computation: no file I/O, no global state; thread-safe on distinct results.
 */
#ifndef FL_RCA_RANK_H
#define FL_RCA_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

/* Defaults of struct fl_rank_opts (docs/rca.md explains each). */
#define FL_RANK_THRESHOLD 5.0         /* deviation that makes a series significant */
#define FL_RANK_SYMPTOM_THRESHOLD 1.0 /* least deviation that confirms the symptom series */
#define FL_RANK_SYMPTOM_ALPHA 0.2     /* chance that noise alone confirms a symptom */
#define FL_RANK_SYMPTOM_ALPHA_CORROBORATED 0.5 /* the same, when another series changed */
#define FL_RANK_TAIL_Q 0.95           /* tail quantile of the reference spread */
#define FL_RANK_REL_FLOOR 1e-3        /* spread floor, relative to the reference median */
#define FL_RANK_EXPLAIN_RATIO 0.2     /* a dependency's change explains >= this share */
#define FL_RANK_KS_WEIGHT 0.25        /* weight of the KS rank in the combined score */
#define FL_RANK_MIN_REF 10            /* reference points needed to score a series */
#define FL_RANK_KS_MIN 15             /* first differences per window needed for KS */
#define FL_RANK_PERSIST_DIV 10        /* auto persistence: one point per 10 incident points */
#define FL_RANK_PERSIST_MAX 4         /*   up to 4 consecutive points */
#define FL_RANK_TREND_P 1e-3          /* a reference trend (Mann-Kendall p) that dating allows for */
#define FL_RANK_TREND_POINTS 256      /*   fitted on at most this many evenly spaced points */
#define FL_RANK_TREND_MIN 20          /*   and at least this many */

/* Which direction of change is bad: a latency or a memory leak goes up, availability down. */
enum fl_rank_direction { FL_RANK_BOTH = 0, FL_RANK_UP, FL_RANK_DOWN };

/* ---- mapping series names to components ---- */

struct fl_rank_map;

/*
 * Compile a mapping rule:
 *   "name"          each series is its own component (kind "");
 *   "prefix[:SEP]"  the part before the first SEP (default "_"); kind = the part after it; a
 *                   name without SEP, or starting with it, is its own component;
 *   "regex:ERE"     POSIX extended regex with at least one capture group: the first group is
 *                   the component, the name with the group's text removed is the kind; a name
 *                   that does not match (or whose group matched nothing) is its own component.
 * strip_suffix (may be NULL or ""): removed from the end of a component that ends with it and is
 * longer ("carts-db" -> "carts" with "-db"). *out is owned by the caller (fl_rank_map_free).
 * Errors: FL_EINVAL with a diagnostic (unknown rule, empty separator, bad regex, no group).
 */
FL_MUST_CHECK fl_err fl_rank_map_new(const char *rule, const char *strip_suffix,
                                     struct fl_rank_map **out, struct fl_diag *d);
void fl_rank_map_free(struct fl_rank_map *m);
/*
 * Component and kind of a series name, as new NUL-terminated strings owned by the caller
 * (fl_free). m NULL means "name". Errors: FL_EINVAL (NULL name or outputs), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_rank_map_apply(const struct fl_rank_map *m, const char *name,
                                       char **component, char **kind);

/* ---- input ---- */

struct fl_rank_series {
    const char *name;     /* NUL-terminated, borrowed; unique within a run */
    const int64_t *ts_ms; /* n times, non-decreasing */
    const double *v;      /* n values; NaN or infinite = missing */
    size_t n;
    const double *ref_v; /* optional reference window in time order (NULL: none); it precedes
                          * the points of ts_ms; NaN or infinite = missing */
    size_t n_ref;
};

/* A call-graph edge between components: caller depends on callee. Borrowed strings. */
struct fl_rank_edge {
    const char *caller;
    const char *callee;
};

struct fl_rank_opts {
    int64_t onset_ms;                 /* points at or after it form the incident window */
    enum fl_rank_direction direction; /* default FL_RANK_BOTH */
    double threshold;                 /* FL_RANK_THRESHOLD */
    const char *symptom;              /* a series name that must have changed, or NULL */
    double symptom_threshold;         /* FL_RANK_SYMPTOM_THRESHOLD, > 0 */
    double symptom_corroborated_floor; /* least symptom_bar_corroborated; 0 (the default):
                                        * symptom_threshold, else in (0, symptom_threshold] */
    double tail_q;                    /* FL_RANK_TAIL_Q, in (0.5, 1) */
    double rel_floor;                 /* FL_RANK_REL_FLOOR, >= 0 */
    double explain_ratio;             /* FL_RANK_EXPLAIN_RATIO, > 0 */
    double ks_weight;                 /* FL_RANK_KS_WEIGHT, in [0, 1] */
    double min_change;                /* practical significance: a significant series must
                                       * also change by min_change x |reference median|
                                       * (0 = off, the default; ignored at median 0) */
    size_t min_ref;                   /* FL_RANK_MIN_REF, >= 2 */
    size_t ks_min;                    /* FL_RANK_KS_MIN, >= 2 */
    size_t persist;                   /* consecutive incident points a change must hold for
                                       * (0 = auto: n_incident / FL_RANK_PERSIST_DIV, 1 to
                                       * FL_RANK_PERSIST_MAX); the symptom needs 1 */
    size_t max_before;                /* reference points kept, the latest (0 = all) */
    size_t max_after;                 /* incident points kept, the earliest (0 = all) */
    const struct fl_rank_map *map;    /* NULL = "name" */
    const struct fl_rank_edge *edges; /* call graph, may be NULL */
    size_t n_edges;
};

/* The defaults above; onset_ms 0, no symptom, no map, no graph. */
void fl_rank_opts_default(struct fl_rank_opts *o);

/* ---- output ---- */

enum fl_rank_verdict {
    FL_RANK_CHANGED = 0,       /* at least one significant series: components are named */
    FL_RANK_NO_CHANGE,         /* no series is significant: nothing is named */
    FL_RANK_SYMPTOM_UNCHANGED, /* the symptom did not change: nothing is named */
};

enum fl_rank_status {
    FL_RANK_SCORED = 0, /* scored */
    FL_RANK_NO_DATA,    /* fewer than min_ref reference points or no incident point */
};

struct fl_rank_series_result {
    size_t input;          /* index of the series in the input array */
    const char *name;      /* owned by the result (its arena) */
    const char *component; /* owned by the result */
    const char *kind;      /* owned by the result; "" when the map gives none */
    enum fl_rank_status status;
    size_t n_ref;       /* finite reference points (separate reference + before the onset) */
    size_t n_pre;       /* of which before the onset in the series itself */
    size_t n_incident;  /* finite points at or after the onset */
    double median;      /* of the reference */
    double level_pre;   /* median of the points before the onset (NaN when none) */
    double scale_up;    /* spread for upward deviations (see above) */
    double scale_down;  /* spread for downward deviations */
    double deviation;   /* >= 0, in spread units, in the allowed direction */
    double delta;       /* signed change at the peak, in the series' units (0 when none) */
    int64_t peak_ts_ms; /* time of the peak deviation (0 when none) */
    int64_t first_ms;   /* start of the change (valid when significant): the first incident
                         * point beyond the series' normal range for a window of this length
                         * (see the symptom bar), or beyond threshold if that is lower */
    double peak_value;  /* value at the peak (NaN when none) */
    double baro;        /* RCAEval BARO score (signed, upward); NaN when not scored */
    double nsigma;      /* RCAEval NSigma score; NaN when not scored */
    double ks_d;        /* KS statistic of first differences; NaN when not applicable */
    double ks_p;        /* its p-value; NaN when not applicable */
    double volume;      /* Netdata volume score (signed); 0 when not scored */
    int64_t onset_ms;   /* time of the detected mean shift; valid when has_onset */
    bool has_onset;     /* a significant single change point inside the series' own times */
    double onset_stat;  /* its statistic (reduction / sigma^2); 0 when none */
    double score;       /* combined, in [0, 1] */
    bool significant;   /* deviation >= threshold (symptom_threshold for the symptom) */
};

struct fl_rank_component_result {
    const char *name;     /* owned by the result */
    size_t best;          /* index into series[] of its best series */
    double score;         /* that series' combined score */
    double deviation;     /* and its deviation */
    size_t n_series;      /* series mapped to it */
    size_t n_significant; /* of which significant */
    bool changed;         /* n_significant > 0 */
    bool root;            /* changed and not explained by a changed dependency */
    long explained_by;    /* index into components[] of the dependency that explains it, or -1 */
    size_t n_explains;    /* changed dependents (transitively) whose change its change explains */
    int64_t first_ms;     /* earliest first_ms of its significant series (valid when changed) */
};

struct fl_rank_result {
    enum fl_rank_verdict verdict;
    long symptom;                         /* index into series[], or -1 */
    double symptom_bar;                   /* deviation the symptom had to reach */
    double symptom_bar_corroborated;      /* ... when another series changed significantly */
    bool symptom_corroborated;            /* confirmed by the lower bar only */
    struct fl_rank_series_result *series; /* ranked: significant first, by score */
    size_t n_series;
    struct fl_rank_component_result *components; /* ranked: roots, inherited, unchanged */
    size_t n_components;
    size_t n_edges_used;   /* graph edges between known components */
    struct fl_arena arena; /* names */
};

/*
 * Score and rank series[0..n) with options o (NULL = defaults, which need onset 0 to mean
 * something: set onset_ms). *out is owned by the caller (fl_rank_result_free). Errors:
 * FL_EINVAL with a diagnostic (n == 0, NULL arrays, duplicate series names, decreasing times,
 * unknown symptom, options out of range), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_rank_run(const struct fl_rank_series *series, size_t n,
                                 const struct fl_rank_opts *o, struct fl_rank_result **out,
                                 struct fl_diag *d);
/* NULL is a no-op. */
void fl_rank_result_free(struct fl_rank_result *r);

/* "up", "down", "both"; and the reverse (false when s is none of them). */
const char *fl_rank_direction_name(enum fl_rank_direction dir);
bool fl_rank_direction_parse(const char *s, enum fl_rank_direction *out);
/* "changed", "no_change", "symptom_unchanged". */
const char *fl_rank_verdict_name(enum fl_rank_verdict v);

/* ---- wide tables (the `faultline rank` input) ---- */

struct fl_table;

/*
 * A wide table: a time column and one column per series, loaded whole. Owned by the caller
 * (fl_rank_table_free); names are NUL-terminated and unique.
 */
struct fl_rank_table {
    char **names; /* n_cols series names */
    size_t n_cols;
    int64_t *ts_ms; /* n_rows times, non-decreasing */
    size_t n_rows;
    double *v; /* v[c * n_rows + r]; NaN = empty cell */
};

/*
 * Read a wide table from an open reader t (CSV or JSON Lines, ingest/table.h): the time column
 * is the one named time, timestamp, ts or unix_timestamp (any case), else the first; its cells
 * are unix seconds (a fraction allowed) or RFC 3339 strings. Other cells: numbers, or empty
 * (missing); NaN and infinities count as missing. Errors: FL_EPARSE with the line and the
 * column's name and number ("wide.csv:17: column "carts_cpu" (3): expected a number, got
 * "abc""): a bad cell, a missing or unreadable time, times going backwards; FL_EINVAL: no data
 * column, duplicate names, no rows; FL_ELIMIT: more than FL_LIMIT_TABLE_LOAD_CELLS cells; the
 * reader's own errors; FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_rank_table_read(struct fl_table *t, struct fl_rank_table **out,
                                        struct fl_diag *d);
void fl_rank_table_free(struct fl_rank_table *rt);

/*
 * Read call-graph edges from an open reader: a header row, then rows whose first two cells are
 * the caller and the callee component (text or numbers, non-empty). *edges and the strings it
 * points to are one allocation owned by the caller (fl_free(*edges)). Errors: FL_EPARSE with the
 * line (fewer than two columns, an empty name), FL_ELIMIT beyond FL_LIMIT_TABLE_LOAD_CELLS / 2
 * edges, the reader's errors, FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_rank_edges_read(struct fl_table *t, struct fl_rank_edge **edges,
                                        size_t *n_edges, struct fl_diag *d);

#endif
