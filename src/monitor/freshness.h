/* SPDX-License-Identifier: Apache-2.0 */
/*
 * freshness.h: silent batch failures (issue 3, item 7; docs/REGISTRY.md "Freshness"). Batch
 * jobs and feature pipelines report runs as change events (kinds batch_run and
 * feature_pipeline_run, status start / success / failure, optional rows); `freshness:` in the
 * configuration gives each one an expected cadence. The evaluator is a dead man's switch in the
 * way of Prometheus' `time() - last_success > X` alerts and healthchecks.io's period + grace,
 * with the known hole closed: a job that never succeeded, or never reported at all, alerts too.
 *
 * States of a job at time `at`:
 *   ok               the last success is within every + grace, and the last finished run succeeded
 *   failing          the last success is still within every + grace, but runs failed since
 *                    (a warning: it turns late when the deadline passes)
 *   late             at > last success + every + grace
 *   never_succeeded  runs were reported but none succeeded: at once when one failed, or every +
 *                    grace after the first start; or no run at all was reported within the
 *                    startup grace after faultline started watching the job
 *   unknown          not reported yet, within the startup grace (or a first run in progress)
 * A gap between runs is never a failure by itself: only the lateness of a success counts.
 *
 * Row checks on the newest success: rows below min_rows or above max_rows, or fewer than
 * (1 - max_drop) x the median rows of up to `history` previous successful runs.
 *
 * Alerting (exit status 1 of `faultline freshness`): late, never_succeeded, or a failed row check.
 *
 * Feature staleness comes from served features: per (model, feature), the share of requests for
 * which the feature store had no fresh value (outside its max age, or not found), and the share
 * of null values, over a recent window.
 */
#ifndef FL_MONITOR_FRESHNESS_H
#define FL_MONITOR_FRESHNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/err.h"

struct fl_store;

#define FL_FRESHNESS_MAX_RUNS 1000 /* recent runs read per job (consecutive failures count to it) */

enum fl_fresh_state {
    FL_FRESH_OK,
    FL_FRESH_FAILING,
    FL_FRESH_LATE,
    FL_FRESH_NEVER_SUCCEEDED,
    FL_FRESH_UNKNOWN,
    FL_FRESH__COUNT
};

enum fl_run_status { FL_RUN_START, FL_RUN_SUCCESS, FL_RUN_FAILURE };

enum fl_rows_check {
    FL_ROWS_UNCHECKED, /* no rule, or the newest success reported no rows */
    FL_ROWS_OK,
    FL_ROWS_BELOW_MIN,
    FL_ROWS_ABOVE_MAX,
    FL_ROWS_DROP,
};

/* One run event as the evaluator sees it. */
struct fl_fresh_run {
    int64_t ts_ms;  /* the event's ts (the run's start, or its only time) */
    int64_t end_ms; /* FL_TS_NONE when the event has no end; it finished at end_ms else ts_ms */
    int status;     /* enum fl_run_status */
    int64_t rows;   /* -1 when not reported */
};

/* What the store knows about one job, up to `at`. */
struct fl_fresh_input {
    const struct fl_fresh_run *runs; /* newest first by ts_ms, every status, ts_ms <= at */
    size_t n_runs;
    bool runs_truncated;             /* older runs exist beyond these */
    const struct fl_fresh_run *successes; /* status success only, newest first, ts_ms <= at */
    size_t n_successes;                   /* history + a few is enough */
    int64_t watch_since_ms;               /* when faultline started watching the job */
};

struct fl_fresh_status {
    enum fl_fresh_state state;
    const char *reason;       /* one line, static text */
    int64_t last_success_ms;  /* finish time of the newest success, FL_TS_NONE */
    int64_t deadline_ms;      /* when it turns (or turned) late / never_succeeded; FL_TS_NONE */
    int64_t late_by_ms;       /* at - deadline when late, else 0 */
    int last_status;          /* enum fl_run_status of the newest run, -1 when none */
    int64_t last_run_ms;      /* ts of the newest run, FL_TS_NONE */
    uint64_t consecutive_failures; /* failures since the newest success (starts skipped) */
    bool failures_at_least;   /* counted up to the runs read: there may be more */
    int64_t last_rows;        /* rows of the newest finished run that reported rows, -1 */
    enum fl_rows_check rows_check;
    int64_t checked_rows;     /* rows of the newest success, -1 */
    double rows_median;       /* median rows of the previous successes (NaN when unused) */
    double rows_drop;         /* 1 - checked_rows / rows_median (NaN when unused) */
};

/* Evaluate one job at at_ms (pure: no I/O, no allocation). Runs whose finish is after at_ms count
 * as still running. */
void fl_freshness_eval(const struct fl_freshness_cfg *rule, const struct fl_fresh_input *in,
                       int64_t at_ms, struct fl_fresh_status *out);
/* late, never_succeeded, or a failed row check. */
bool fl_freshness_alerting(const struct fl_fresh_status *s);
const char *fl_freshness_state_name(enum fl_fresh_state s);
const char *fl_freshness_rows_name(enum fl_rows_check c);
/* "start", "success", "failure" -> enum fl_run_status; -1 for anything else. */
int fl_freshness_run_status(const char *s);

struct fl_fresh_job {
    const struct fl_freshness_cfg *rule; /* borrowed from the configuration */
    int64_t watch_since_ms;
    struct fl_fresh_status st;
};

struct fl_fresh_feature {
    char *model, *feature; /* owned */
    uint64_t n[4];         /* by enum fl_feature_status */
};

/* Every configured job, plus feature staleness over the configured window. */
struct fl_fresh_report {
    int64_t at_ms;
    struct fl_fresh_job *jobs; /* in configuration order */
    size_t n_jobs;
    int64_t window_start_ms;       /* feature staleness window [window_start_ms, at_ms] */
    uint64_t requests;             /* inferences read for it */
    bool requests_truncated;       /* feature_staleness.max_requests stopped the walk */
    struct fl_fresh_feature *features; /* by model, then feature */
    size_t n_features;
};

/*
 * Evaluate every freshness entry of cfg at at_ms from the store's run events, and feature
 * staleness over [at_ms - feature_staleness.window, at_ms]. now_ms is the wall clock: the first
 * evaluation of a job records it as the start of watching (when the store is writable). *out is
 * owned by the caller even on error; free with fl_freshness_report_cleanup.
 */
fl_err fl_freshness_evaluate(struct fl_store *s, const struct fl_config *cfg, int64_t at_ms,
                             int64_t now_ms, struct fl_fresh_report *out,
                             struct fl_diag *d) FL_MUST_CHECK;
void fl_freshness_report_cleanup(struct fl_fresh_report *r);
/* Jobs that alert. */
size_t fl_freshness_n_alerting(const struct fl_fresh_report *r);
/* The share of f's requests for which the feature store had no fresh value: (outside_max_age +
 * not_found) / requests, 0 without requests. */
double fl_freshness_stale_ratio(const struct fl_fresh_feature *f);

/* GET /api/v1/freshness: {"status":"success","data":{...}} (docs/API.md). */
void fl_freshness_json(const struct fl_fresh_report *r, struct fl_buf *out);
/*
 * The freshness families of /metrics in the Prometheus text format 0.0.4: per job
 * faultline_batch_last_success_timestamp_seconds, _deadline_timestamp_seconds, _late,
 * _state{state}, _last_run_status{status}, _consecutive_failures, _rows_last_run,
 * _rows_anomaly; per (model, feature) faultline_feature_stale_ratio and _null_ratio.
 * Families without samples are left out.
 */
void fl_freshness_prometheus(const struct fl_fresh_report *r, struct fl_buf *out);

#endif
