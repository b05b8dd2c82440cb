/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_investigate.h: investigations opened by Alertmanager (issue 5, item 6; docs/ALERTING.md
 * "Investigations from alerts"). `faultline serve` starts one of these and installs
 * fl_alert_inv_hook as the receiver's hook (routes_alertmanager.h); each NEW firing alert group
 * then becomes one investigation (src/rca/investigate.h), run on a worker thread so that
 * Alertmanager's webhook is answered at once, and stored with source "alertmanager" (listed by
 * GET /api/v1/investigations).
 *
 * A group is new when every firing alert in the notification is an occurrence the store did not
 * hold before it (n_new_firing == the firing alerts): Alertmanager's repeat notifications and
 * retries (n_new_firing 0) and alerts joining a group that is already firing open nothing.
 *
 * The symptom, from the first firing alert that gives one, in this order:
 *   1. its `faultline_symptom` annotation, else label: kpi:NAME, latency:SERVICE[/OP][@P], or a
 *      selector (whatever fl_inv_parse_symptom_arena takes; an invalid one is logged and skipped)
 *   2. the first metric selector of the alerting rule's expression, from generatorURL's g0.expr
 *      (src/ingest/alert_expr.h has the rule and its limits)
 *   3. its labels minus alertname and severity, as {name="value",...}; only when that includes a
 *      __name__ matcher, since a selector without a metric name matches too much
 * onset = the earliest startsAt of the group's firing alerts; title = the first firing alert's
 * summary annotation, else its alertname. A group of faultline's own reports (alertname
 * FaultlineInvestigation, alert_notify.h) opens nothing, so routing them back cannot loop.
 * With notify.alertmanager_url configured, each stored investigation is reported back to
 * Alertmanager as one alert (alert_notify.h); a failed report is logged and counted, the
 * investigation stays stored.
 */
#ifndef FL_SERVER_ALERT_INVESTIGATE_H
#define FL_SERVER_ALERT_INVESTIGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "routes_alertmanager.h"

struct fl_store;
struct fl_config;

#define FL_ALERT_INV_QUEUE 64 /* groups waiting for the worker; more are dropped (logged) */

/* What to investigate for one group. Heap strings, owned (fl_alert_inv_plan_cleanup). */
struct fl_alert_inv_plan {
    char *symptom;           /* text for fl_inv_parse_symptom_arena */
    const char *symptom_from; /* static: "annotation", "label", "generatorURL" or "labels" */
    char *title;             /* NULL when the alert has neither summary nor alertname */
    char *group_key;         /* for log lines; "" when absent */
    char *common_labels_json; /* the group's commonLabels ("{}" when absent), for the report */
    int64_t onset_ms;        /* earliest startsAt of the firing alerts */
};

/*
 * Decide whether group g opens an investigation and with what (the rules above). FL_OK: p is
 * filled (release with fl_alert_inv_plan_cleanup). FL_ENOTFOUND: nothing to open (not a new
 * group, or no usable symptom); the diag says why. FL_ENOMEM. p is zeroed first in every case.
 * Pure function of g; thread-safe.
 */
fl_err fl_alert_inv_plan(const struct fl_alert_group *g, struct fl_alert_inv_plan *p,
                         struct fl_diag *d) FL_MUST_CHECK;
void fl_alert_inv_plan_cleanup(struct fl_alert_inv_plan *p);

/*
 * Run the investigation of p now, on the calling thread, and store it (fl_inv_save). On success
 * id (cap >= 40) holds its id. Errors: those of fl_inv_parse_symptom_arena, fl_investigate and
 * fl_inv_save, with the diag. Thread-safe as the store is.
 */
fl_err fl_alert_inv_run(struct fl_store *s, const struct fl_config *cfg,
                        const struct fl_alert_inv_plan *p, char *id, size_t id_cap,
                        struct fl_diag *d) FL_MUST_CHECK;

/* The worker: a thread and a bounded queue of plans. */
struct fl_alert_inv;

/* Counters since start (for tests and logs). */
struct fl_alert_inv_stats {
    uint64_t opened;  /* investigations stored */
    uint64_t failed;  /* plans whose investigation or save failed */
    uint64_t skipped; /* groups that opened nothing (FL_ENOTFOUND from the plan) */
    uint64_t dropped; /* plans dropped because the queue was full or at stop */
    uint64_t notified;      /* investigations reported back to Alertmanager (alert_notify.h) */
    uint64_t notify_failed; /* reports that Alertmanager did not take */
};

/*
 * Start the worker over s and cfg (borrowed: they must outlive fl_alert_inv_stop). *out is the
 * worker. FL_ENOMEM, or FL_EIO when the thread cannot start (diag says so).
 */
fl_err fl_alert_inv_start(struct fl_store *s, const struct fl_config *cfg,
                          struct fl_alert_inv **out, struct fl_diag *d) FL_MUST_CHECK;
/*
 * Stop: the investigation in progress finishes, queued ones are dropped (logged), the thread is
 * joined and ai freed. Remove the hook and stop the server first. NULL is a no-op.
 */
void fl_alert_inv_stop(struct fl_alert_inv *ai);
/* Wait until the queue is empty and the worker idle, at most timeout_ms; true when idle. */
bool fl_alert_inv_wait_idle(struct fl_alert_inv *ai, int64_t timeout_ms);
void fl_alert_inv_get_stats(struct fl_alert_inv *ai, struct fl_alert_inv_stats *out);
/* The same counters summed over every worker since the process started, for faultline's own
 * /metrics (faultline_alert_investigations_total, selfmetrics.c). Lock-free, thread-safe. */
void fl_alert_inv_totals(struct fl_alert_inv_stats *out);

/*
 * The receiver's hook (an fl_alert_group_fn; ud is the struct fl_alert_inv *): plans the group
 * and queues the plan, without blocking on the investigation. FL_OK also when the group opens
 * nothing; FL_ELIMIT when the queue is full, FL_ESHUTDOWN when stopping, FL_ENOMEM.
 */
fl_err fl_alert_inv_hook(const struct fl_alert_group *g, void *ud);

#endif
