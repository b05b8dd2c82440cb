/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.h: live fault trees (issue 6, items 3 and 4; docs/FTA.md "Live fault trees"). Basic
 * events are bound to faultline checks, and a tree is evaluated on the evidence of an
 * investigation (src/rca/investigate.h): which basic events hold, which gates are true, which
 * minimal cut sets are satisfied, and so which combination explains the top event.
 *
 * A check is one line of text, so that it fits a YAML value or a command-line flag:
 *   symptom                       the symptom changed (verify_symptom)
 *   broken_metric                 the symptom's measurement is broken (verdict broken_metric)
 *   segment_localized             the change sits in a few segments (localize_segments)
 *   component_changed C           C's metrics or traces changed (rank_metrics, trace_evidence)
 *                                 and no dependency accounts for it (an inherited cause is
 *                                 FALSE); C may be * (any component)
 *   edge_share A->B [>= S]        the call edge A -> B explains at least S (default 0.5) of the
 *                                 latency change (trace_evidence)
 *   drift [M[/F]] [>= S]          input or prediction drift of model M (feature F), with a drift
 *                                 score of at least S when given (ml_evidence)
 *   validation [M[/F]]            a validation anomaly of model M (feature F)
 *   late_batch J                  batch job or pipeline J is late or failing (freshness)
 *   model_change [M]              a version or traffic change of model M
 *   alert [C]                     an alert (Alertmanager's, stored as an "alert" event) firing
 *                                 on C (or any component) in the windows (change_events)
 *   change_event [C] [KIND] [within D]
 *                                 a change event (of kind KIND) on C before the onset, at most D
 *                                 before it (default 1h); C may be *
 * Each evaluates to TRUE (the evidence shows it), FALSE (the step that would show it ran and
 * did not), or UNKNOWN (that step was skipped or failed: no data); unbound basic events are
 * UNKNOWN. Gates follow Kleene's three-valued logic (fl_fta_evaluate).
 *
 * Pure functions of their inputs; thread-safe on distinct objects.
 */
#ifndef FL_FTA_LIVE_H
#define FL_FTA_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "fta/fta.h"

struct fl_investigation;
struct fl_config;

enum fl_fta_check_kind {
    FL_CHECK_SYMPTOM = 1,
    FL_CHECK_BROKEN_METRIC,
    FL_CHECK_SEGMENT_LOCALIZED,
    FL_CHECK_COMPONENT_CHANGED,
    FL_CHECK_EDGE_SHARE,
    FL_CHECK_DRIFT,
    FL_CHECK_VALIDATION,
    FL_CHECK_LATE_BATCH,
    FL_CHECK_MODEL_CHANGE,
    FL_CHECK_CHANGE_EVENT,
    FL_CHECK_ALERT,
};

struct fl_fta_check {
    enum fl_fta_check_kind kind;
    char *target;      /* component, edge "A->B", model[/feature] or job; NULL = any */
    char *event_kind;  /* change_event: the kind, NULL = any */
    double threshold;  /* edge_share: least share (default 0.5); drift: least score (default 0:
                          any drift the evidence supports) */
    int64_t within_ms; /* change_event: latest distance before the onset (default 1h) */
};

/* Parse a check (the grammar above). FL_EINVAL with a diag naming the column. out's strings are
 * owned (fl_fta_check_cleanup). */
fl_err fl_fta_check_parse(const char *text, struct fl_fta_check *out, struct fl_diag *d)
    FL_MUST_CHECK;
void fl_fta_check_cleanup(struct fl_fta_check *c);
/* The check as text (parses back to the same check); appended to out. */
struct fl_buf;
void fl_fta_check_format(const struct fl_fta_check *c, struct fl_buf *out);

/* Basic events of a tree bound to checks. */
struct fl_fta_binding {
    size_t event; /* index into the tree's events */
    struct fl_fta_check check;
};

struct fl_fta_bindings {
    struct fl_fta_binding *b;
    size_t n, cap;
};

void fl_fta_bindings_init(struct fl_fta_bindings *b);
void fl_fta_bindings_cleanup(struct fl_fta_bindings *b);
/* Bind basic event `event` (by name, in checked tree t) to the check text. FL_EINVAL when the
 * event is unknown, not a basic event, already bound, or the check does not parse. */
fl_err fl_fta_bind(struct fl_fta_bindings *b, const struct fl_fta_tree *t, const char *event,
                   const char *check, struct fl_diag *d) FL_MUST_CHECK;

/* Bind every basic event of t that declares a check (`check:` in our YAML format, fl_fta_set_check)
 * and is not bound yet. FL_EINVAL naming the event when a check does not parse. */
fl_err fl_fta_bind_declared(struct fl_fta_bindings *b, const struct fl_fta_tree *t,
                            struct fl_diag *d) FL_MUST_CHECK;
/* Bind event to check, replacing a binding it has (--bind on the command line overrides the
 * tree's own). */
fl_err fl_fta_rebind(struct fl_fta_bindings *b, const struct fl_fta_tree *t, const char *event,
                     const char *check, struct fl_diag *d) FL_MUST_CHECK;

/* A tree evaluated on an investigation. */
struct fl_fta_live {
    unsigned char *values;   /* per event of the tree (enum fl_fta_value) */
    const char **why;        /* per event: the evidence text that decided a bound basic event,
                                or a reason it is unknown; NULL for gates and unbound events */
    struct fl_fta_result *analysis; /* minimal cut sets of the tree (fl_fta_analyze) */
    bool *satisfied;         /* per listed cut set: every event of it is TRUE */
    size_t n_satisfied;      /* how many are */
    size_t n_bound, n_true, n_false, n_unknown; /* over bound basic events */
    char *text_pool;         /* private */
};

/*
 * Evaluate checked tree t with bindings b on inv. *out is owned by the caller
 * (fl_fta_live_free). The analysis uses opts (NULL: defaults with max_order 4).
 */
fl_err fl_fta_live_evaluate(const struct fl_fta_tree *t, const struct fl_fta_bindings *b,
                            const struct fl_investigation *inv, const struct fl_fta_opts *opts,
                            struct fl_fta_live **out, struct fl_diag *d) FL_MUST_CHECK;
void fl_fta_live_free(struct fl_fta_live *l);

/*
 * The default tree for an investigation's kind of incident (docs/FTA.md "Default trees"):
 * a KPI drop of an ML-served product (KPI or selector symptoms), a latency SLO breach on a
 * model-serving path (latency symptoms), silently wrong output of a batch model (any symptom
 * whose path has a batch job or a freshness check). Branches: measurement, data, feature
 * pipeline, model, serving, infrastructure/network, business logic; their basic events are
 * generated from the topology (cfg, may be NULL), the models and freshness checks of cfg, and
 * the components and call edges the investigation met (trace_evidence), each bound to a check.
 * Probabilities are uniform placeholders (FL_FTA_DEFAULT_P): the tree is for evaluation on
 * evidence and for its cut sets, not for reliability numbers.
 */
#define FL_FTA_DEFAULT_P 0.01
fl_err fl_fta_default_tree(const struct fl_config *cfg, const struct fl_investigation *inv,
                           struct fl_fta_tree **tree, struct fl_fta_bindings *b,
                           struct fl_diag *d) FL_MUST_CHECK;

#endif
