/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h: faultline's data model, and the batch that carries records from ingest to the store.
 *
 * Ingest parsers turn wire formats into records in a struct fl_batch; the store writes a whole batch
 * in one transaction or nothing (a rejected batch stores nothing). Every string a record points to
 * lives in the batch's arena (use fl_batch_strndup), so a batch is freed in one go.
 *
 * Kinds: metric samples (with their series, metadata and exemplars), spans (OTLP model), inference
 * records (features served, prediction, segments), outcomes (joined to inferences by request id),
 * change events, and model versions (registry entries).
 */
#ifndef FL_CORE_RECORD_H
#define FL_CORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "str.h"

struct fl_map;
struct fl_series_index;

/* A label; both strings NUL-terminated, arena-owned. */
struct fl_label {
    const char *name;
    const char *value;
};

/* A series of a batch: its full label set, sorted by name, "__name__" included. */
struct fl_series {
    const struct fl_label *labels;
    size_t n_labels;
    uint64_t hash; /* fl_labels_hash of the sorted set */
};

struct fl_sample {
    uint32_t series; /* index into batch->series */
    int64_t ts_ms;
    double value;
};

/* OpenMetrics exemplar attached to the sample at (series, sample_ts_ms). */
struct fl_exemplar {
    uint32_t series;
    int64_t sample_ts_ms;
    const struct fl_label *labels; /* the exemplar's own label set, e.g. trace_id */
    size_t n_labels;
    double value;
    int64_t ts_ms;        /* FL_TS_NONE when the exemplar had no timestamp */
    const char *trace_id; /* value of label trace_id / traceID if present, else NULL */
};

#define FL_TS_NONE INT64_MIN

/* Metric family metadata (# TYPE / # HELP / # UNIT). type is "counter", "gauge", ... */
struct fl_metric_meta {
    const char *family;
    const char *type; /* NULL = unknown */
    const char *help; /* NULL = none */
    const char *unit; /* NULL = none */
};

/* OTLP span kinds and status codes, numbered as in trace.proto. */
enum fl_span_kind {
    FL_SPAN_UNSPECIFIED = 0,
    FL_SPAN_INTERNAL = 1,
    FL_SPAN_SERVER = 2,
    FL_SPAN_CLIENT = 3,
    FL_SPAN_PRODUCER = 4,
    FL_SPAN_CONSUMER = 5,
};
enum fl_status_code { FL_STATUS_UNSET = 0, FL_STATUS_OK = 1, FL_STATUS_ERROR = 2 };

struct fl_span {
    char trace_id[33];       /* 32 lowercase hex + NUL */
    char span_id[17];        /* 16 lowercase hex + NUL */
    char parent_span_id[17]; /* "" for a root span */
    const char *service;     /* resource attribute service.name, "unknown_service" if absent */
    const char *name;
    int kind;                /* enum fl_span_kind */
    int64_t start_ns;
    int64_t end_ns;
    int status_code;            /* enum fl_status_code */
    const char *status_message; /* "" when none */
    const char *scope_name;     /* instrumentation scope, "" when none */
    /* JSON object text {"key": value, ...} with OTLP AnyValues mapped to plain JSON. */
    const char *attrs_json;
    const char *resource_json;
    /* JSON array texts: [{"time_ns":"..","name":"..","attrs":{..}}], [{"trace_id":..,"span_id":..,"attrs":{..}}] */
    const char *events_json;
    const char *links_json;
};

/* What a feature store lookup gave the model for one feature. */
enum fl_feature_status {
    FL_FEAT_PRESENT = 0,
    FL_FEAT_NULL = 1,
    FL_FEAT_NOT_FOUND = 2,
    FL_FEAT_OUTSIDE_MAX_AGE = 3,
};
enum fl_value_kind { FL_VAL_NULL = 0, FL_VAL_NUMBER = 1, FL_VAL_STRING = 2, FL_VAL_BOOL = 3 };

struct fl_feature {
    const char *name;
    int status; /* enum fl_feature_status */
    int kind;   /* enum fl_value_kind */
    double num; /* FL_VAL_NUMBER, FL_VAL_BOOL (0/1) */
    const char *str; /* FL_VAL_STRING */
};

enum fl_pred_kind { FL_PRED_NONE = 0, FL_PRED_SCORE = 1, FL_PRED_CLASS = 2, FL_PRED_VECTOR = 3 };

struct fl_inference {
    int64_t ts_ms;
    const char *request_id;    /* required */
    const char *trace_id;      /* 32 hex or NULL */
    const char *model;         /* required */
    const char *model_version; /* required */
    const struct fl_feature *features;
    size_t n_features;
    int pred_kind;          /* enum fl_pred_kind */
    double score;           /* FL_PRED_SCORE; also the top score when a class has one, else NaN */
    const char *pred_class; /* FL_PRED_CLASS, else NULL */
    const double *scores;   /* FL_PRED_VECTOR */
    size_t n_scores;
    const struct fl_label *segments; /* dimension -> value (platform, country, ...) sorted by name */
    size_t n_segments;
    double latency_ms; /* NaN when not given */
};

struct fl_outcome {
    int64_t ts_ms;
    const char *request_id;
    const char *name; /* e.g. "click", "label" */
    double value;
    const char *attrs_json; /* "{}" when none */
};

/* Change-event kinds accepted by the events API; keep docs/formats.md in step. */
#define FL_EVENT_KIND_LIST(X)                                                                      \
    X(deploy)                                                                                      \
    X(config_change)                                                                               \
    X(model_version_change)                                                                        \
    X(schema_change)                                                                               \
    X(experiment_change)                                                                           \
    X(batch_run)                                                                                   \
    X(feature_pipeline_run)                                                                        \
    X(infrastructure)                                                                              \
    X(business)                                                                                    \
    X(alert)

struct fl_event {
    const char *id;        /* caller's id or generated; unique per event */
    int64_t ts_ms;
    int64_t end_ms;        /* FL_TS_NONE when instantaneous */
    const char *kind;      /* one of FL_EVENT_KIND_LIST */
    const char *component; /* topology component name, required */
    const char *status;    /* runs: start, success, failure; alerts: firing, resolved; else NULL */
    int64_t rows;          /* row count for batch runs, -1 when not given */
    const char *message;   /* "" when none */
    const char *attrs_json; /* other attributes, JSON object text */
};

struct fl_model_version {
    const char *model;
    const char *version;
    const char *stage; /* "production", "staging", "shadow", "archived", or NULL */
    int64_t ts_ms;     /* when it was registered / changed stage */
    const char *attrs_json;
};

/*
 * A batch of records of any kinds. Arrays grow up to max_records records in total; the arena holds
 * every string. Not thread-safe.
 */
struct fl_batch {
    struct fl_arena arena;
    struct fl_series_index *series_index; /* label set -> series; private to record.c */
    struct fl_series *series;
    size_t n_series, cap_series;
    struct fl_sample *samples;
    size_t n_samples, cap_samples;
    struct fl_exemplar *exemplars;
    size_t n_exemplars, cap_exemplars;
    struct fl_metric_meta *meta;
    size_t n_meta, cap_meta;
    struct fl_span *spans;
    size_t n_spans, cap_spans;
    struct fl_inference *inferences;
    size_t n_inferences, cap_inferences;
    struct fl_outcome *outcomes;
    size_t n_outcomes, cap_outcomes;
    struct fl_event *events;
    size_t n_events, cap_events;
    struct fl_model_version *models;
    size_t n_models, cap_models;
    size_t max_records; /* cap on the total over all kinds */
};

/* max_records: cap on records of all kinds (FL_LIMIT_RECORDS_PER_BATCH when 0). */
fl_err fl_batch_init(struct fl_batch *b, size_t max_records) FL_MUST_CHECK;
void fl_batch_cleanup(struct fl_batch *b);
/* Drop all records, keep allocations. Reset the arena only through here (series live in it). */
void fl_batch_reset(struct fl_batch *b);
/* Total records of all kinds (series and metadata not counted). */
size_t fl_batch_count(const struct fl_batch *b);

/* Arena copies; NULL on failure (then the batch's sticky state is irrelevant: return FL_ENOMEM/ELIMIT). */
char *fl_batch_strndup(struct fl_batch *b, const char *p, size_t len);
/* FL_ELIMIT if the arena cap was the cause of the last NULL, else FL_ENOMEM. */
fl_err fl_batch_alloc_err(const struct fl_batch *b);

/*
 * Find or add the series with this label set. The labels are copied into the arena and sorted;
 * a NULL value is the empty string; a NULL name or duplicate label names are FL_EINVAL. *idx
 * receives the series index. FL_ELIMIT past FL_LIMIT_MAP_ENTRIES series or at the arena cap,
 * FL_ENOMEM when out of memory; no series is added then. Finding a series the batch already
 * holds allocates nothing, so it works even with a full arena.
 */
fl_err fl_batch_series(struct fl_batch *b, const struct fl_label *labels, size_t n_labels,
                       uint32_t *idx) FL_MUST_CHECK;

/* A label as two borrowed byte slices, e.g. straight from a parser's input. */
struct fl_label_slice {
    struct fl_str name;  /* p == NULL is FL_EINVAL */
    struct fl_str value; /* p may be NULL when len is 0 */
};

/*
 * fl_batch_series for slices that need not be NUL-terminated (and must not contain NUL bytes:
 * the copies are C strings). Same interning, result, errors and caps as fl_batch_series, without
 * a temporary copy: labels[] is the caller's scratch and is left sorted by name.
 */
fl_err fl_batch_series_slices(struct fl_batch *b, struct fl_label_slice *labels, size_t n_labels,
                              uint32_t *idx) FL_MUST_CHECK;
fl_err fl_batch_add_sample(struct fl_batch *b, uint32_t series, int64_t ts_ms,
                           double value) FL_MUST_CHECK;
/* The add functions copy the struct itself (shallow): its strings must be batch-arena owned. */
fl_err fl_batch_add_exemplar(struct fl_batch *b, const struct fl_exemplar *x) FL_MUST_CHECK;
fl_err fl_batch_add_meta(struct fl_batch *b, const struct fl_metric_meta *m) FL_MUST_CHECK;
fl_err fl_batch_add_span(struct fl_batch *b, const struct fl_span *s) FL_MUST_CHECK;
fl_err fl_batch_add_inference(struct fl_batch *b, const struct fl_inference *r) FL_MUST_CHECK;
fl_err fl_batch_add_outcome(struct fl_batch *b, const struct fl_outcome *o) FL_MUST_CHECK;
fl_err fl_batch_add_event(struct fl_batch *b, const struct fl_event *e) FL_MUST_CHECK;
fl_err fl_batch_add_model(struct fl_batch *b, const struct fl_model_version *m) FL_MUST_CHECK;

/* Hash of a label set sorted by name (order-sensitive, stable across runs). */
uint64_t fl_labels_hash(const struct fl_label *labels, size_t n_labels);
/*
 * Canonical text of a series: name{a="x",b="y"} with label values escaped as in the exposition
 * format, labels sorted, __name__ outside the braces. Appends to out.
 */
struct fl_buf;
void fl_labels_format(const struct fl_label *labels, size_t n_labels, struct fl_buf *out);
/* True if kind is one of FL_EVENT_KIND_LIST. */
int fl_event_kind_valid(const char *kind);

#endif
