/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inv_int.h: what the files of the investigation engine share (investigate.c runs the steps and
 * ranks the causes; inv_symptom.c verifies the symptom; inv_steps.c ranks metrics, reads traces
 * and change events). Not a public interface: see investigate.h and docs/rca.md "Investigations".
 */
#ifndef FL_RCA_INV_INT_H
#define FL_RCA_INV_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/record.h"
#include "rca/investigate.h"
#include "rca/rank.h"
#include "store/store.h"
#include "trace/trace.h"

/* Most stored series rank_metrics reads (the benchmark is 10,000; docs/rca.md). */
#define FL_INV_MAX_SERIES 20000
/* Most change events change_events reads. */
#define FL_INV_MAX_EVENTS 1000
/* "Did not change" trace rows reported, the largest by baseline critical-path time. */
#define FL_INV_TRACE_UNCHANGED_ROWS 5
/* Unchanged series reported as refuting evidence per component, and refuted hypotheses kept. */
#define FL_INV_MAX_REFUTED 32
/* Default windows: incident 30 min, baseline 4x as long (Netdata's metric correlations). */
#define FL_INV_DEFAULT_INCIDENT_MS ((int64_t)30 * 60 * 1000)
#define FL_INV_BASELINE_FACTOR 4
/* Least deviation (spread units) of a symptom that counts as changed (docs/rca.md). */
#define FL_INV_SYMPTOM_THRESHOLD 3.0
/* Least deviation of a symptom that a finding on its path can confirm (docs/rca.md "A finding
 * on the path confirms a marginal symptom"); the bar is also the baseline's wider range. */
#define FL_INV_SYMPTOM_CORROBORATED 2.0
/* At most this many buckets on the symptom's grid (inv_symptom.c symptom_step). */
#define FL_INV_SYMPTOM_BUCKETS 720
/* A sustained shift of the symptom (inv_symptom.c sustained_shift). */
#define FL_INV_SUSTAINED_P 1e-6
#define FL_INV_SUSTAINED_REL 0.1
#define FL_INV_SUSTAINED_MIN 20
/* The day-by-day check (inv_symptom.c daily_shift): full days on each side, p, least change. */
#define FL_INV_DAILY_MIN_DAYS 4
#define FL_INV_DAILY_P 0.005
#define FL_INV_DAILY_REL 0.03
/* Rare events (inv_symptom.c rare_shift): at most this many numerator events per step on
 * average, at least this many in both windows, p and least change. */
#define FL_INV_RARE_PER_STEP 5.0
#define FL_INV_RARE_MIN_EVENTS 10.0
#define FL_INV_RARE_P 1e-4
#define FL_INV_RARE_REL 0.3
/* A rare-event symptom short of those but within these is marginal: a finding on its path may
 * confirm it (docs/rca.md "A finding on the path confirms a marginal symptom"). */
#define FL_INV_RARE_P_MARGINAL 0.01
#define FL_INV_RARE_REL_MARGINAL 0.2
/* The span-by-span check of a latency symptom (inv_symptom.c span_change). */
#define FL_INV_SPAN_TEST_P 0.01
#define FL_INV_SPAN_TEST_MIN_BASE 20
#define FL_INV_SPAN_TEST_MIN_INC 5

/* A growable list of evidence in the investigation's arena. */
struct fl_inv__evs {
    struct fl_inv_evidence *v;
    size_t n, cap;
};

/* One stored series as read for an investigation (heap; fl_inv__sset_free). */
struct fl_inv__ser {
    struct fl_label *labels; /* sorted, __name__ included; strings in the same block */
    size_t n_labels;
    int64_t *ts;
    double *v;
    size_t n;
};

struct fl_inv__sset {
    struct fl_inv__ser *s;
    size_t n, cap;
    size_t max;      /* cap on n; more series set truncated */
    bool truncated;
    bool with_samples;
    fl_err err;      /* sticky error of the callback */
};

/* Per component aggregates that the final ranking combines. */
struct fl_inv__comp {
    const char *name;
    const char *kind;
    bool in_rank;        /* has series */
    bool changed;        /* rank_metrics: a significant series */
    bool root;
    long explained_by;   /* index into ctx->comps, or -1 */
    size_t n_explains;
    double metric_score; /* fl_rank component score, when changed */
    double deviation;
    int64_t first_ms;
    double trace_share;  /* largest share of a changed trace key of it */
    bool trace_changed;
    bool trace_unchanged; /* it has trace keys and none changed */
    double event_score;  /* best supporting change event (or model version change) */
    double change_event_score; /* the same, over changes made to it only: deploys, config,
                                * flags, experiments, schema and model changes */
    double ml_score;     /* ml_evidence: drift, a traffic shift, a late job, stale features */
    bool stale;          /* ml_evidence: a freshness check of it is late or failing */
    int64_t stale_since_ms; /* when it became late (its deadline), FL_TS_NONE when unknown */
    long written_by;     /* change_events: the batch job whose run wrote its change, or -1 */
    bool wrote;          /* a run of it wrote a changed data store's change (written_by) */
    bool symptom_suspect; /* the symptom's component, changed just before the onset */
    bool new_traffic;    /* localize_segments: the entry of the symptom's path, where a segment
                          * new since the baseline, which accounts for the change, came in */
    double mix_score;    /* localize_segments: share of a ratio symptom's change that a shift
                          * in the mix of one dimension explains (it is the symptom's component) */
    /* evidence references (step index, evidence index) */
    size_t ev_step[16], ev_idx[16];
    size_t n_ev;
};

struct fl_inv__ctx {
    struct fl_store *s;
    const struct fl_config *cfg;
    struct fl_arena *a;
    struct fl_investigation *inv;
    enum fl_rank_direction direction;
    const struct fl_kpi *kpi;
    const char *sym_component; /* the symptom's component, NULL when unknown */
    bool broken;               /* verify_symptom: the measurement is broken */
    bool symptom_changed;      /* verify_symptom: the symptom left its normal range */
    bool symptom_checked;      /* verify_symptom could tell either way */
    /* verify_symptom: unchanged by its bar, but beyond the wider one that a corroborating
     * finding may confirm (FL_INV_SYMPTOM_CORROBORATED, FL_INV_RARE_P_MARGINAL); how far it
     * moved, in words (arena) */
    bool sym_marginal;
    const char *sym_marginal_text;
    /* components: the topology's, then any met only in data */
    struct fl_inv__comp *comps;
    size_t n_comps, cap_comps;
    /* dependency edges (caller -> callee), topology then traces; arena strings */
    struct fl_rank_edge *edges;
    size_t n_edges, cap_edges;
    /* traces of both windows, loaded once */
    struct fl_trace_syms *y;
    struct fl_trace_window *wb, *wi;
    bool traces_loaded;
    bool have_cmp;
    struct fl_trace_cmp cmp;
    int64_t run_start_ns;
    size_t cap_refuted;
    fl_err trace_err;          /* loading the traces failed with this (trace_evidence says so) */
    char trace_msg[FL_DIAG_MSG_CAP];
    struct fl_diag step_diag; /* scratch for steps that fail */
};

/* printf into the arena; NULL on failure. */
char *fl_inv__fmt(struct fl_arena *a, const char *fmt, ...) FL_PRINTF(2, 3);
/* Append one evidence row (strings must already be in the arena or static). */
fl_err fl_inv__ev_add(struct fl_arena *a, struct fl_inv__evs *e, int kind, const char *component,
                      const char *ref, const char *text, double baseline, double incident,
                      double score, int64_t ts_ms, bool supports) FL_MUST_CHECK;
/* Record a finished step; summary in the arena. Returns the step's index via *idx (may be NULL). */
fl_err fl_inv__step_add(struct fl_inv__ctx *c, const char *name, int status, const char *summary,
                        struct fl_inv__evs *e, int64_t t0_ns, size_t *idx) FL_MUST_CHECK;
int64_t fl_inv__mono_ns(void);

/* Append a refuted hypothesis (strings in the arena); beyond FL_INV_MAX_REFUTED it is dropped. */
/* Add the series of the configured remote sources (config remote_sources) over [start, end]
 * at each source's step: query on every source, or with query NULL each source's selectors.
 * Series whose label set ss already holds (from the store) are dropped; counters become rates.
 * A source that fails is skipped and named in *problems (arena text, NULL when none); only
 * FL_ENOMEM / FL_ELIMIT are returned. *n_added counts the series added. */
fl_err fl_inv__sset_remote(struct fl_inv__ctx *c, const char *query, int64_t start_ms,
                           int64_t end_ms, struct fl_inv__sset *ss, size_t *n_added,
                           const char **problems) FL_MUST_CHECK;
/* Name the kind of fault a cause's evidence points at (inv_kind.c). */
void fl_inv__classify(struct fl_inv__ctx *c, struct fl_inv_cause *x);
/* The fault kind a series' metric name says (inv_kind.c: "connection_pool", "network"...), or
 * NULL when its words name none. */
const char *fl_inv__series_kind(const char *ref);
struct fl_localize_report;
/* Evidence rows of a localization (verdict, RiskLoc causes, Adtributor's selected elements). */
fl_err fl_inv__loc_evidence(struct fl_inv__ctx *c, const struct fl_localize_report *r,
                            const char *const *dims, struct fl_inv__evs *ev) FL_MUST_CHECK;
/* localize_segments of a latency symptom: the share of slow requests by span attribute
 * (inv_latloc.c). Sets *status and *summary; only FL_ENOMEM / FL_ELIMIT are returned. */
fl_err fl_inv__localize_latency(struct fl_inv__ctx *c, struct fl_inv__evs *ev, int *status,
                                const char **summary) FL_MUST_CHECK;
fl_err fl_inv__refute(struct fl_inv__ctx *c, const char *hypothesis, const char *text,
                      const char *component) FL_MUST_CHECK;

/* Components */
struct fl_inv__comp *fl_inv__comp_get(struct fl_inv__ctx *c, const char *name,
                                      bool add); /* NULL: absent (or no memory when add) */
/* The component a label set belongs to: the first topology component whose match labels it
 * carries, else its service label, else its job label; NULL when none. */
const char *fl_inv__component_of(const struct fl_config *cfg, const struct fl_label *labels,
                                 size_t n_labels);
/* The component whose trace service (default: its name) is service; else service itself. */
const char *fl_inv__component_of_service(const struct fl_config *cfg, const char *service);
/* Is `up` a (transitive) dependency of `down` over ctx->edges? (false when equal) */
bool fl_inv__upstream(const struct fl_inv__ctx *c, const char *up, const char *down);
fl_err fl_inv__edge_add(struct fl_inv__ctx *c, const char *caller, const char *callee) FL_MUST_CHECK;

/* Series sets. fl_inv__sset_select turns counters' samples into per-second rates. */
void fl_inv__sset_init(struct fl_inv__sset *ss, size_t max, bool with_samples);
void fl_inv__sset_free(struct fl_inv__sset *ss);
fl_err fl_inv__sset_select(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                           int64_t start_ms, int64_t end_ms, struct fl_inv__sset *ss,
                           struct fl_diag *d) FL_MUST_CHECK;
/* Counters by their name (_total, _count, _sum, _bucket): read as per-second rates. */
bool fl_inv__is_counter(const char *name);
const char *fl_inv__label(const struct fl_label *labels, size_t n, const char *name);

/* Fill the windows left 0 in the request from the onset (inv->onset_ms) and check them:
 * FL_EINVAL with the field. */
fl_err fl_inv__windows(struct fl_inv__ctx *c, struct fl_diag *d) FL_MUST_CHECK;

/* The steps. Each records itself in ctx->inv->steps; only FL_ENOMEM / FL_ELIMIT come back. */
fl_err fl_inv__verify_symptom(struct fl_inv__ctx *c, struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_inv__localize_segments(struct fl_inv__ctx *c) FL_MUST_CHECK;
fl_err fl_inv__rank_metrics(struct fl_inv__ctx *c) FL_MUST_CHECK;
fl_err fl_inv__ml_evidence(struct fl_inv__ctx *c) FL_MUST_CHECK;
fl_err fl_inv__load_traces(struct fl_inv__ctx *c) FL_MUST_CHECK;
fl_err fl_inv__trace_evidence(struct fl_inv__ctx *c) FL_MUST_CHECK;
fl_err fl_inv__change_events(struct fl_inv__ctx *c) FL_MUST_CHECK;

#endif
