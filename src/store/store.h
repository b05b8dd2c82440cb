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

#endif
