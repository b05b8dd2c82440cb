/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: the narrow interface to faultline's storage. Nothing outside src/store/ includes sqlite3.h
 * or knows which backend is behind this header.
 *
 * The embedded backend is SQLite in WAL mode in the data directory. A write is acknowledged (the call
 * returns FL_OK) only after its transaction committed with synchronous=FULL, so kill -9 at any
 * moment loses nothing acknowledged. A batch is written whole or not at all.
 *
 * Metric samples land first in a per-sample "head" table (durable at once), and are compacted in the
 * background into per-series chunks (delta-of-delta timestamps, XOR-compressed values, as Gorilla /
 * Prometheus TSDB) so that 1,000 series at 15 s for 14 days stay practical. Reads merge both.
 *
 * Thread-safety: all functions may be called from any thread; the store serialises writers and
 * lets readers proceed on their own connections.
 */
#ifndef FL_STORE_STORE_H
#define FL_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/limits.h"
#include "../core/matcher.h"
#include "../core/record.h"

struct fl_store;

struct fl_store_opts {
    int64_t retention_ms;     /* data older than now - retention is deleted by fl_store_retain */
    int64_t chunk_span_ms;    /* head samples older than this get compacted into chunks (2h) */
    bool read_only;
};

/* Defaults: retention 15 days, chunk span 2 hours. */
void fl_store_opts_default(struct fl_store_opts *o);

/*
 * Open (creating if needed) the store in directory dir (created with mode 0750 if missing), running
 * schema migrations. *out owned by the caller, free with fl_store_free.
 */
fl_err fl_store_open(const char *dir, const struct fl_store_opts *opts, struct fl_store **out,
                     struct fl_diag *d) FL_MUST_CHECK;
/* Close; NULL is a no-op. */
void fl_store_free(struct fl_store *s);

/* Write every record of b in one transaction; FL_OK only once committed. */
fl_err fl_store_write(struct fl_store *s, const struct fl_batch *b,
                      struct fl_diag *d) FL_MUST_CHECK;

/* Compact head samples older than chunk_span into chunks. Safe to call any time. */
fl_err fl_store_compact(struct fl_store *s, int64_t now_ms, struct fl_diag *d) FL_MUST_CHECK;
/* Delete everything older than now_ms - retention_ms. */
fl_err fl_store_retain(struct fl_store *s, int64_t now_ms, struct fl_diag *d) FL_MUST_CHECK;

struct fl_store_stats {
    uint64_t bytes;        /* database + WAL file sizes */
    uint64_t n_series;
    uint64_t n_samples;    /* head + chunked */
    uint64_t n_spans;
    uint64_t n_inferences;
    uint64_t n_outcomes;
    uint64_t n_events;
    uint64_t n_models;
};
fl_err fl_store_stats(struct fl_store *s, struct fl_store_stats *out) FL_MUST_CHECK;

/* ---- metrics ---- */

/*
 * Called once per matching series with its labels (sorted, __name__ included) and its samples in
 * time order (may be n=0 when only listing series). Pointers are valid during the call only.
 * A non-zero return stops the iteration; the select then returns FL_OK.
 */
typedef int (*fl_store_series_fn)(const struct fl_label *labels, size_t n_labels,
                                  const int64_t *ts_ms, const double *values, size_t n,
                                  void *ud);

/* Series matching all matchers (at least one must not match the empty string) with samples in
 * [start_ms, end_ms]; with_samples=false lists series only. */
fl_err fl_store_select(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                       int64_t start_ms, int64_t end_ms, bool with_samples,
                       fl_store_series_fn fn, void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* Exemplars of matching series in a range. */
typedef int (*fl_store_exemplar_fn)(const struct fl_label *series, size_t n_series_labels,
                                    const struct fl_exemplar *x, void *ud);
fl_err fl_store_exemplars(struct fl_store *s, const struct fl_matcher *ms, size_t n_ms,
                          int64_t start_ms, int64_t end_ms, fl_store_exemplar_fn fn, void *ud,
                          struct fl_diag *d) FL_MUST_CHECK;

/* Metric metadata by family name (NULL = all). */
typedef int (*fl_store_meta_fn)(const struct fl_metric_meta *m, void *ud);
fl_err fl_store_metadata(struct fl_store *s, const char *family, fl_store_meta_fn fn, void *ud,
                         struct fl_diag *d) FL_MUST_CHECK;

/* ---- traces ---- */

typedef int (*fl_store_span_fn)(const struct fl_span *sp, void *ud);
/* All spans of a trace (32 hex id, any case), ordered by start time. FL_ENOTFOUND if none. */
fl_err fl_store_trace(struct fl_store *s, const char *trace_id, fl_store_span_fn fn, void *ud,
                      struct fl_diag *d) FL_MUST_CHECK;

struct fl_span_query {
    const char *service;   /* NULL = any */
    const char *operation; /* NULL = any */
    int64_t start_ns, end_ns;  /* span start within; 0/INT64_MAX = unbounded */
    int64_t min_duration_ns;   /* 0 = any */
    int error_only;
    size_t limit;              /* max spans, 0 = 1000 */
};
/* Spans matching q, newest first. */
fl_err fl_store_spans(struct fl_store *s, const struct fl_span_query *q, fl_store_span_fn fn,
                      void *ud, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Spans whose start lies in [start_ns, end_ns], for analysis: in storage order (the pieces of one
 * trace may come apart and interleave with others), with links_json and scope_name not read
 * ("[]", ""); resource_json is read ("{}" when the span had none). A non-zero return from fn
 * stops the scan (FL_OK). Visits only the
 * span blocks overlapping the range, in one read snapshot; the span's strings are valid during
 * the call only. Errors: FL_EINVAL (no store or callback, end_ns < start_ns), FL_ESTORE (a row
 * that does not decode), FL_EBUSY, FL_ENOMEM. src/store/scan.c.
 */
fl_err fl_store_span_scan(struct fl_store *s, int64_t start_ns, int64_t end_ns, fl_store_span_fn fn,
                          void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* ---- inferences, outcomes ---- */

typedef int (*fl_store_inference_fn)(const struct fl_inference *r, void *ud);
typedef int (*fl_store_outcome_fn)(const struct fl_outcome *o, void *ud);
/* The inference with this request id (the latest if several) and its outcomes. */
fl_err fl_store_request(struct fl_store *s, const char *request_id, fl_store_inference_fn fi,
                        fl_store_outcome_fn fo, void *ud, struct fl_diag *d) FL_MUST_CHECK;

struct fl_inference_query {
    const char *model;   /* NULL = any */
    const char *version; /* NULL = any */
    int64_t start_ms, end_ms;
    size_t limit; /* 0 = unlimited */
};
fl_err fl_store_inferences(struct fl_store *s, const struct fl_inference_query *q,
                           fl_store_inference_fn fn, void *ud, struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_store_outcomes(struct fl_store *s, int64_t start_ms, int64_t end_ms,
                         fl_store_outcome_fn fn, void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* ---- events, models ---- */

struct fl_event_query {
    int64_t start_ms, end_ms;
    const char *kind;      /* NULL = any */
    const char *component; /* NULL = any */
    size_t limit;          /* 0 = 1000 */
};
typedef int (*fl_store_event_fn)(const struct fl_event *e, void *ud);
/* Events in time order. */
fl_err fl_store_events(struct fl_store *s, const struct fl_event_query *q, fl_store_event_fn fn,
                       void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* Registry entry plus what the inference log says about it. */
struct fl_model_info {
    struct fl_model_version v;
    int64_t first_seen_ms, last_seen_ms; /* FL_TS_NONE when never seen serving */
    uint64_t n_inferences;
};
typedef int (*fl_store_model_fn)(const struct fl_model_info *m, void *ud);
fl_err fl_store_models(struct fl_store *s, const char *model, fl_store_model_fn fn, void *ud,
                       struct fl_diag *d) FL_MUST_CHECK;

/* ---- model registry, traffic, freshness (src/store/registry.c; docs/REGISTRY.md) ---- */

/* Most versions fl_store_registry_put archives at once, and most metrics of one version. */
#define FL_STORE_REG_MAX_ARCHIVE 1000
#define FL_STORE_REG_MAX_METRICS 1000

struct fl_store_reg_metric {
    const char *name;
    double value; /* finite */
};

/*
 * Register a version or update its metadata. NULL strings and FL_TS_NONE times mean "keep what is
 * stored" (nothing, for a new version). Stages: "none", "staging", "production", "archived",
 * "shadow"; "none" is stored as NULL (fl_model_version.stage NULL).
 */
struct fl_store_reg_put {
    const char *model, *version; /* required, non-empty */
    const char *stage;           /* NULL: keep */
    bool archive_others;         /* with stage: the model's other versions in it become archived */
    bool must_exist;             /* FL_ENOTFOUND unless registered or seen serving already */
    const char *description;     /* NULL: keep; "" clears */
    int64_t train_from_ms, train_to_ms; /* FL_TS_NONE: keep */
    const struct fl_store_reg_metric *metrics; /* upserted by name */
    size_t n_metrics;
    bool set_profile; /* replace the reference profile with profile[0..profile_len) (len 0 clears) */
    const void *profile;
    size_t profile_len;
    const char *schema;    /* data schema text; NULL: keep; "" clears */
    const char *component; /* component of the change events written; NULL = the model name */
    int64_t now_ms;        /* time of the change (and of its events) */
};

struct fl_store_reg_result {
    bool created;       /* the version was not registered before */
    bool stage_changed;
    char old_stage[16]; /* "none" when it had none */
    size_t n_archived;  /* other versions moved to archived */
    size_t n_events;    /* model_version_change events written */
};

/*
 * Apply p in one transaction, acknowledged after its commit. A stage change writes a change event
 * of kind model_version_change (attributes model, version, stage, from_stage, source "registry"),
 * and so does each version archived by archive_others. res may be NULL. Errors: FL_EINVAL (empty
 * names, unknown stage, non-finite metric, read-only store), FL_ENOTFOUND (must_exist), FL_ESTORE.
 */
fl_err fl_store_registry_put(struct fl_store *s, const struct fl_store_reg_put *p,
                             struct fl_store_reg_result *res, struct fl_diag *d) FL_MUST_CHECK;

struct fl_store_alias_result {
    bool changed;     /* false: the alias already pointed there (nothing written) */
    bool had_old;     /* it pointed at old_version before */
    char old_version[FL_LIMIT_NAME_BYTES + 1];
};

/*
 * Point alias of model at version (NULL removes the alias). The version must be registered or
 * seen serving (FL_ENOTFOUND otherwise; also when removing an alias that does not exist). A move
 * writes a model_version_change event (attributes model, alias, version, from_version, source
 * "registry") with component (NULL = the model name) at now_ms. The alias text is not checked
 * here (see fl_registry_alias_valid). res may be NULL.
 */
fl_err fl_store_registry_alias(struct fl_store *s, const char *model, const char *alias,
                               const char *version, const char *component, int64_t now_ms,
                               struct fl_store_alias_result *res, struct fl_diag *d) FL_MUST_CHECK;

/* One version as the registry sees it. Pointers valid during the callback only. */
struct fl_store_reg_version {
    struct fl_model_info info;  /* model, version, stage, ts_ms (last registration or stage
                                   change), attrs, first/last seen serving, n_inferences */
    bool registered;            /* false: known from inference logs only */
    int64_t created_ms;         /* first registration; FL_TS_NONE when not registered */
    const char *description;    /* NULL = none */
    int64_t train_from_ms, train_to_ms; /* FL_TS_NONE = not given */
    const struct fl_store_reg_metric *metrics; /* sorted by name */
    size_t n_metrics;
    const char *const *aliases; /* aliases pointing at this version, sorted */
    size_t n_aliases;
    int64_t first_change_ms; /* earliest model_version_change event naming it, or FL_TS_NONE */
    int64_t profile_bytes, schema_bytes; /* -1 = none stored */
    const void *profile;    /* with_artifacts only (else NULL) */
    const char *schema;     /* with_artifacts only (else NULL); NUL-terminated */
};
typedef int (*fl_store_reg_version_fn)(const struct fl_store_reg_version *v, void *ud);

/* Every version of model (NULL = all models), by model, then registration (else first-seen)
 * time, then version text; from one consistent snapshot. */
fl_err fl_store_registry_versions(struct fl_store *s, const char *model, bool with_artifacts,
                                  fl_store_reg_version_fn fn, void *ud,
                                  struct fl_diag *d) FL_MUST_CHECK;

typedef int (*fl_store_alias_fn)(const char *alias, const char *version, int64_t ts_ms, void *ud);
/* The aliases of model, sorted by alias. */
fl_err fl_store_registry_aliases(struct fl_store *s, const char *model, fl_store_alias_fn fn,
                                 void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* model_version_change events about model (attributes.model) in [start_ms, end_ms], time order,
 * at most limit (0 = 1000). */
fl_err fl_store_registry_changes(struct fl_store *s, const char *model, int64_t start_ms,
                                 int64_t end_ms, size_t limit, fl_store_event_fn fn, void *ud,
                                 struct fl_diag *d) FL_MUST_CHECK;

/*
 * Inferences of model per version and per step: bucket k holds ts_ms in
 * [start_ms + k*step_ms, start_ms + (k+1)*step_ms), limited to ts_ms <= end_ms (so bucket
 * (end_ms - start_ms) / step_ms may appear). Walks only the inference blocks of the model's
 * versions that overlap the range, scanning each merged rowid range once and reading only the
 * version and time of each row. fn may be called more than once for the same (version, bucket):
 * the counts add up; a non-zero return stops. Requires start_ms <= end_ms, step_ms > 0.
 */
typedef int (*fl_store_traffic_fn)(const char *version, int64_t bucket, uint64_t n, void *ud);
fl_err fl_store_traffic(struct fl_store *s, const char *model, int64_t start_ms, int64_t end_ms,
                        int64_t step_ms, fl_store_traffic_fn fn, void *ud,
                        struct fl_diag *d) FL_MUST_CHECK;

/*
 * How the feature store served each feature: counts by enum fl_feature_status per (model,
 * feature) over the inferences of model (NULL = all) with ts_ms in [start_ms, end_ms], newest
 * first, at most max_rows inferences (0 = no cap). *rows receives the inferences read and
 * *truncated whether max_rows stopped the walk. fn is called once per (model, feature) at the
 * end, in no particular order.
 */
typedef int (*fl_store_feature_status_fn)(const char *model, const char *feature,
                                          const uint64_t counts[4], void *ud);
fl_err fl_store_feature_status(struct fl_store *s, const char *model, int64_t start_ms,
                               int64_t end_ms, size_t max_rows, fl_store_feature_status_fn fn,
                               void *ud, uint64_t *rows, bool *truncated,
                               struct fl_diag *d) FL_MUST_CHECK;

/*
 * Run events (kinds batch_run and feature_pipeline_run) of component with ts_ms <= at_ms, newest
 * first, at most limit (0 = 1000), only those with status (NULL = any).
 */
fl_err fl_store_runs(struct fl_store *s, const char *component, int64_t at_ms,
                     const char *status, size_t limit, fl_store_event_fn fn, void *ud,
                     struct fl_diag *d) FL_MUST_CHECK;

/*
 * When faultline started watching each of components[0..n) for freshness: the time stored at the
 * first call that saw it (now_ms then; recorded only when the store is writable), else now_ms.
 * since[i] receives the time of components[i].
 */
fl_err fl_store_watch_since(struct fl_store *s, const char *const *components, size_t n,
                            int64_t now_ms, int64_t *since, struct fl_diag *d) FL_MUST_CHECK;

/* ---- live monitoring: window profiles and drift results (src/store/profiles.c, migration 6;
 * docs/MONITORING.md). The store keeps bytes and text; src/monitor/live.c gives them meaning. ---- */

/* One closed window of a model version. Pointers borrowed (during the call or callback). */
struct fl_store_window {
    const char *model, *version;
    int64_t start_ms, end_ms; /* [start, end) */
    uint64_t rows;            /* inference records profiled */
    const void *profile;      /* serialized profile set (monitor/profile.h); NULL when not read */
    size_t profile_len;
};

/* One row of a drift report, as text and numbers (NaN stored as NULL and read back as NaN). */
struct fl_store_drift_row {
    const char *feature;
    const char *check;     /* "distribution", "null_rate", "new_category", "missing", ... */
    const char *method;    /* "ks", ...; NULL when the row has none */
    const char *kind;      /* "numerical", "categorical", "empty" */
    const char *stat_name;
    double statistic, pvalue, score, threshold;
    bool drifted, exact;
    uint64_t n_ref, n_cur;
    const char *detail;
};

/* The drift of one window against one baseline, or why there is none (status). */
struct fl_store_drift_run {
    const char *model, *version;
    int64_t start_ms, end_ms;          /* the window */
    const char *baseline;              /* "reference" or "previous_window" */
    const char *baseline_source;       /* e.g. "registry", "config:ref.csv"; NULL = none */
    int64_t baseline_start_ms, baseline_end_ms; /* previous window; FL_TS_NONE otherwise */
    const char *status;                /* "ok", "insufficient_rows", "no_baseline", "error" */
    const char *message;               /* NULL or one line */
    uint64_t ref_rows, cur_rows;
    size_t n_features, n_drifted;
    double share;                      /* NaN when no verdict */
    bool dataset_drift;
    const struct fl_store_drift_row *rows;
    size_t n_rows;
};

/*
 * Store a closed window and its drift runs (runs[i].model/version/start_ms must be the window's)
 * in one transaction, replacing what was stored for the same (model, version, window start) and
 * baseline. n_runs may be 0. Errors: FL_EINVAL (read-only store, missing names, a run of another
 * window), FL_ESTORE, FL_EBUSY, FL_ENOMEM.
 */
fl_err fl_store_window_put(struct fl_store *s, const struct fl_store_window *w,
                           const struct fl_store_drift_run *runs, size_t n_runs,
                           struct fl_diag *d) FL_MUST_CHECK;

typedef int (*fl_store_window_fn)(const struct fl_store_window *w, void *ud);
/*
 * Windows of model (version NULL = every version) whose start lies in [start_ms, end_ms], oldest
 * first (newest first when newest_first), at most limit (0 = 1000), each with its profile bytes
 * when with_profile. fn's non-zero return stops (FL_OK). One read snapshot.
 */
fl_err fl_store_windows(struct fl_store *s, const char *model, const char *version,
                        int64_t start_ms, int64_t end_ms, bool with_profile, bool newest_first,
                        size_t limit, fl_store_window_fn fn, void *ud,
                        struct fl_diag *d) FL_MUST_CHECK;

typedef int (*fl_store_drift_fn)(const struct fl_store_drift_run *r, void *ud);
/* Drift runs of model (version NULL = any) whose window starts in [start_ms, end_ms], by window
 * start, version, baseline, at most limit (0 = 1000), each with its rows. */
fl_err fl_store_drift_runs(struct fl_store *s, const char *model, const char *version,
                           int64_t start_ms, int64_t end_ms, size_t limit, fl_store_drift_fn fn,
                           void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* Delete windows and drift runs whose window ended before before_ms. *n_deleted (may be NULL)
 * receives the windows deleted. */
fl_err fl_store_windows_retain(struct fl_store *s, int64_t before_ms, uint64_t *n_deleted,
                               struct fl_diag *d) FL_MUST_CHECK;

/*
 * The registry artifacts of one model version: fn(profile, profile_len, schema, ud) is called
 * once, with profile NULL when no reference profile is stored and schema NULL when no schema is
 * (both NULL when the version is not registered). Pointers valid during the call only.
 */
typedef void (*fl_store_artifacts_fn)(const void *profile, size_t profile_len, const char *schema,
                                      void *ud);
fl_err fl_store_reg_artifacts(struct fl_store *s, const char *model, const char *version,
                              fl_store_artifacts_fn fn, void *ud, struct fl_diag *d) FL_MUST_CHECK;

/* ---- investigations (schema migration 7; src/store/investigations.c) ---- */

struct fl_arena;

/*
 * One stored investigation. The store does not interpret it: json is the text the report module
 * produced (docs/rca.md, "Investigation output"), kept whole; the other fields are what a list
 * shows and filters on. Strings are borrowed by put; in get and list results they point into the
 * caller's arena (get) or are valid during the callback only (list).
 */
struct fl_store_investigation {
    const char *id;      /* "inv_" + 16 hex; unique */
    int64_t created_ms;
    const char *symptom; /* normalized symptom text */
    const char *verdict; /* "causes", "no_symptom", ... */
    const char *source;  /* "cli", "api", "alertmanager"; NULL = unknown */
    const char *title;   /* NULL = none */
    const char *json;    /* list results: NULL (not read) */
};

/*
 * Store an investigation in one committed transaction. id, symptom, verdict and json are
 * required (non-empty). Errors: FL_EINVAL (missing field, read-only store), FL_ECONFLICT (an
 * investigation with this id is stored already), FL_ESTORE, FL_EBUSY, FL_ENOMEM.
 */
fl_err fl_store_investigation_put(struct fl_store *s, const struct fl_store_investigation *inv,
                                  struct fl_diag *d) FL_MUST_CHECK;

/* The investigation with this id, its strings (json included) copied into a. FL_ENOTFOUND when
 * none is stored; FL_ENOMEM when the arena is full. */
fl_err fl_store_investigation_get(struct fl_store *s, const char *id, struct fl_arena *a,
                                  struct fl_store_investigation *out,
                                  struct fl_diag *d) FL_MUST_CHECK;

typedef int (*fl_store_investigation_fn)(const struct fl_store_investigation *inv, void *ud);
/*
 * Stored investigations created at or after since_ms (FL_TS_NONE: all), newest first (ties by id,
 * descending), at most limit (0 = 100), without their JSON. fn's non-zero return stops (FL_OK).
 * One read snapshot.
 */
fl_err fl_store_investigation_list(struct fl_store *s, int64_t since_ms, size_t limit,
                                   fl_store_investigation_fn fn, void *ud,
                                   struct fl_diag *d) FL_MUST_CHECK;

/*
 * Store the 5 Whys of an investigation (src/report/whys.h) as the member "whys" of its stored
 * JSON (the JSON stays one document; no schema change), in one committed transaction, only if the
 * stored chain's "revision" (0 when none is stored) equals expect_revision. whys_json must be a
 * JSON object (SQLite's json() checks it: FL_ESTORE when it is not). Errors: FL_EINVAL,
 * FL_ENOTFOUND (no such investigation), FL_ECONFLICT (another revision is stored), FL_ESTORE,
 * FL_EBUSY.
 */
fl_err fl_store_investigation_set_whys(struct fl_store *s, const char *id, const char *whys_json,
                                       uint64_t expect_revision, struct fl_diag *d) FL_MUST_CHECK;

#endif
