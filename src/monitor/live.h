/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.h: live ML monitoring inside `faultline serve` (issue 3, item 9; docs/MONITORING.md).
 *
 * Every committed inference record is profiled (monitor/profile.h) under its model version and
 * time window: windows are [k * window, (k + 1) * window) in record time, a few kept open per
 * version. A tick closes each window whose end plus a grace period has passed, and compares it
 * (monitor/drift.h) with two baselines: the model version's reference (the registry's reference
 * profile of the version, else the model's `reference:` file from the configuration) and the
 * previous closed window of the same version. A window with fewer than min_rows records gets no
 * verdict. The latest verdicts are kept for /metrics and GET /api/v1/drift; the window's profile
 * set and its drift rows go to the store (store.h, schema migration 6). When the registry holds a
 * data schema for the version, every window is also validated (monitor/validate.h) and its
 * anomalies counted per model and kind.
 *
 * Records older than the oldest open window of their version, or of a window already closed, are
 * late: counted, not profiled (a closed window is never reopened).
 *
 * Thread-safety: every function may be called from any thread. fl_live_add runs in the HTTP
 * threads after a commit; fl_live_tick in one ticker thread (fl_live_start) or, in tests, directly
 * with an explicit time. Profiling takes a lock per model version; drift is computed outside it.
 */
#ifndef FL_MONITOR_LIVE_H
#define FL_MONITOR_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/record.h"
#include "monitor/drift.h"
#include "monitor/profile.h"

struct fl_config;
struct fl_store;
struct fl_live;

struct fl_live_opts {
    int64_t window_ms;             /* window length, > 0 (default 1h) */
    int64_t grace_ms;              /* a window closes at end + grace, >= 0 (default 1m) */
    uint64_t min_rows;             /* fewer records: no drift verdict (default 100) */
    size_t open_windows;           /* open windows per model version, >= 1 (default 3) */
    const char *const *segment_by; /* segment dimensions also profiled (copied) */
    size_t n_segment_by;
    int64_t reference_refresh_ms; /* registry artifacts re-read this often (default 5m) */
    int64_t forget_after_ms; /* a version whose newest window ended this long ago is dropped from
                                memory and /metrics (default 1d) */
    int64_t retention_ms;    /* stored windows older than this are deleted by the tick; 0 = kept */
    struct fl_profile_opts profile; /* sketch parameters of the window profiles */
};

/* The defaults above (retention 15 days, profile defaults). */
void fl_live_opts_default(struct fl_live_opts *o);
/* Options from cfg->monitoring and cfg->retention_ms (segment_by borrowed from cfg). */
void fl_live_opts_from_config(const struct fl_config *cfg, struct fl_live_opts *o);

/*
 * A new live monitor with options o (copied) over store (borrowed, may be NULL: no registry
 * lookups and nothing persisted). Drift options start at their defaults (fl_drift_opts_init).
 * *out owned by the caller (fl_live_free). FL_EINVAL (bad options, with a diagnostic), FL_ENOMEM.
 */
fl_err fl_live_new(const struct fl_live_opts *o, struct fl_store *store, struct fl_live **out,
                   struct fl_diag *d) FL_MUST_CHECK;
/* Stop the ticker (fl_live_stop) and free everything; NULL is a no-op. */
void fl_live_free(struct fl_live *l);

/*
 * Use the drift options of file path (fl_drift_opts_load: YAML or JSON) for every later close.
 * Errors from the loader (file:line:col in d) or fl_drift_opts_check; l is unchanged then.
 */
fl_err fl_live_load_drift_opts(struct fl_live *l, const char *path,
                               struct fl_diag *d) FL_MUST_CHECK;

/*
 * Profile the file at path (a CSV or JSON Lines table whose columns are feature names, or a
 * serialized profile set; fl_profile_set_add_file) once and use it as the reference of every
 * version of model that has no reference profile in the registry. With adaptive drift options a
 * table is profiled in 10 chunks. Replaces an earlier reference of model. Errors: the reader's
 * (file:line:col in d), FL_EINVAL (an empty reference), FL_ENOMEM.
 */
fl_err fl_live_set_reference_file(struct fl_live *l, const char *model, const char *path,
                                  struct fl_diag *d) FL_MUST_CHECK;

/*
 * A monitor configured by cfg: options (fl_live_opts_from_config), drift options file, and the
 * reference of every models[] entry with a reference. Errors name the key ("models[1].reference:
 * ...", "monitoring.drift_options: ...").
 */
fl_err fl_live_from_config(const struct fl_config *cfg, struct fl_store *store,
                           struct fl_live **out, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Profile n committed inference records. The first record of a model version not seen before
 * looks up the version's registry artifacts (reference profile, schema) in the store. Records
 * that cannot be profiled (a profile limit, out of memory) are counted and the first such error
 * returned (the others are still profiled); late records are only counted.
 */
fl_err fl_live_add(struct fl_live *l, const struct fl_inference *r, size_t n,
                   struct fl_diag *d) FL_MUST_CHECK;

/*
 * Close every window whose end + grace <= now_ms (and windows pushed out by newer ones), compute
 * their drift, publish the verdicts, persist them; re-read registry artifacts when the refresh
 * period has passed; forget idle versions; apply store retention. Returns the first store or
 * drift error (every window is still closed and published; a drift error also shows in its
 * baseline's status).
 */
fl_err fl_live_tick(struct fl_live *l, int64_t now_ms, struct fl_diag *d) FL_MUST_CHECK;

/* Run fl_live_tick(now) every tick_ms (at most half a window, at least 100 ms) in a thread of its
 * own until fl_live_stop. FL_EINVAL when already running, FL_ENOMEM. */
fl_err fl_live_start(struct fl_live *l, int64_t tick_ms, struct fl_diag *d) FL_MUST_CHECK;
/* Stop the ticker thread and wait for it; no-op when not running. */
void fl_live_stop(struct fl_live *l);

struct fl_live_stats {
    uint64_t records;        /* profiled */
    uint64_t late;           /* counted as late, not profiled */
    uint64_t failed;         /* could not be profiled */
    uint64_t windows_open;   /* open or waiting to close */
    uint64_t windows_closed; /* since the start */
    uint64_t versions;       /* model versions in memory */
    uint64_t store_errors;   /* windows that could not be persisted */
};
void fl_live_stats(struct fl_live *l, struct fl_live_stats *out);

/*
 * Append the live monitoring families to a /metrics answer (text format 0.0.4, docs/MONITORING.md):
 * faultline_feature_drift_score, faultline_feature_drift_detected,
 * faultline_feature_window_null_ratio, faultline_model_drift_share,
 * faultline_inference_window_rows, faultline_live_late_records_total,
 * faultline_live_failed_records_total, faultline_validation_anomalies_total. Families without
 * samples are left out (the two record counters are always there). Sticky errors in out.
 */
void fl_live_write_metrics(struct fl_live *l, struct fl_buf *out);

/*
 * GET /api/v1/drift: {"status":"success","data":{...}} for the latest closed window of model
 * (of version, or of whichever version closed a window last when version is NULL), with each
 * baseline's status and drift report (fl_drift_write_json). FL_ENOTFOUND (with a message) when
 * there is no closed window yet.
 */
fl_err fl_live_drift_json(struct fl_live *l, const char *model, const char *version,
                          struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

/*
 * GET /api/v1/profiles: the stored windows of model (version NULL = all) starting in
 * [start_ms, end_ms], oldest first, at most limit, each with its profile summary
 * (fl_profile_set_write_json, top_n frequent items). A stored profile that no longer reads back
 * is reported in its window ("error"), not fatal. Store errors, FL_ENOMEM.
 */
fl_err fl_live_profiles_json(struct fl_store *s, const char *model, const char *version,
                             int64_t start_ms, int64_t end_ms, size_t top_n, size_t limit,
                             struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

/*
 * GET /api/v1/drift/reference: {"status":"success","data":{"model","version","source","note",
 * "chunks","summary"}}, the reference the live monitor compares the windows of (model, version)
 * with: the version's registry reference profile, else the model's models[].reference (source
 * "registry" or "config:PATH"), summarised by fl_profile_set_write_json (top_n frequent items).
 * Read afresh on each call (the registry may have changed since the last refresh). note says why
 * the registry's profile was not used, or is null. FL_ENOTFOUND (with a message that includes
 * the note) when the version has no reference; store errors; FL_ENOMEM.
 */
fl_err fl_live_reference_json(struct fl_live *l, const char *model, const char *version,
                              size_t top_n, struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

#endif
