/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_int.h: what the files of live monitoring share (live.c: setup, artifacts, windows,
 * ingest, the ticker thread; live_close.c: the tick that closes windows; live_render.c: /metrics
 * and the JSON answers). Not for other modules: they use live.h. The locking rules are in live.c.
 */
#ifndef FL_MONITOR_LIVE_INT_H
#define FL_MONITOR_LIVE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/map.h"
#include "monitor/live.h"
#include "monitor/schema.h"
#include "monitor/validate.h"

/* Model versions held in memory at once; records of further versions are counted as failed. */
#define FL_LIVE_MAX_VERSIONS 10000
/* Chunks a table reference is profiled in when the drift options ask for adaptive thresholds. */
#define FL_LIVE_ADAPTIVE_CHUNKS 10
/* How often the tick applies store retention to the window tables. */
#define FL_LIVE_RETAIN_EVERY_MS (60 * 60 * 1000)
#define FL_LIVE_N_KINDS (FL_ANOMALY_DRIFT + 1)
#define FL_LIVE_KEY_CAP (2 * FL_LIMIT_PROFILE_KEY_BYTES + 2)
/* The hash of artifacts whose registry read failed (on_artifacts never gives it: 0 or FNV). */
#define FL_LIVE_UNREAD_HASH UINT64_MAX

enum { FL_LIVE_REF = 0, FL_LIVE_PREV = 1, FL_LIVE_N_BASE = 2 };
extern const char *const fl_live__base_names[FL_LIVE_N_BASE];

enum fl_live__status { FL_LIVE_OK = 0, FL_LIVE_INSUFFICIENT, FL_LIVE_NO_BASELINE, FL_LIVE_ERROR };
extern const char *const fl_live__status_names[4];

/* A version's reference and schema; immutable once built, shared by reference count. */
struct fl_live__art {
    atomic_int refs;
    const struct fl_profile_set
        *set; /* one profile per feature (per chunk when adaptive), or NULL */
    struct fl_profile_set *owned_set; /* the registry's, when set points at it */
    uint32_t chunks;
    char *source; /* "registry", "config:PATH", or NULL */
    char *note;   /* why the registry's artifacts were not used, or NULL */
    struct fl_schema *schema;
    uint64_t hash; /* of the registry bytes it was built from (0: none) */
};

/* A models[].reference, profiled once; shared by every version of the model. */
struct fl_live__cfg_ref {
    struct fl_profile_set *set;
    uint32_t chunks;
    char *source;
};

struct fl_live__window {
    struct fl_live__window *next;
    int64_t start_ms;
    uint64_t rows;
    struct fl_profile_set *set;
    struct fl_validator *val; /* NULL: no schema */
    struct fl_live__art *art; /* held while val borrows its schema */
    struct fl_map *cols;      /* feature -> validator column + 1 */
    struct fl_cell *cells;
    size_t cap_cells;
};

struct fl_live__mv {
    char *model, *version;
    char key[FL_LIVE_KEY_CAP];
    size_t key_len;
    int refs; /* under fl_live.mu */
    pthread_mutex_t mu;
    struct fl_live__window *open; /* under mu, ascending start */
    size_t n_open;
    struct fl_live__window *closing; /* under mu: pushed out by newer windows, ascending */
    int64_t watermark_ms;            /* under mu: records of windows starting before are late */
    int64_t newest_end_ms;           /* under mu: end of the newest window opened */
    struct fl_live__art *art;        /* under mu */
    /* tick only: the previous closed window */
    struct fl_profile_set *prev;
    int64_t prev_start_ms, prev_end_ms;
    uint64_t prev_rows;
    bool prev_loaded;
};

struct fl_live__base {
    enum fl_live__status status;
    char *source;  /* reference source, or NULL */
    char *message; /* or NULL */
    struct fl_drift_report *rep;
    int64_t start_ms, end_ms; /* previous window; FL_TS_NONE otherwise */
    uint64_t rows;
};

struct fl_live__null {
    char *feature;
    double ratio;
};

/* The latest closed window of a version and its verdicts; under rmu. */
struct fl_live__result {
    char *model, *version;
    int64_t start_ms, end_ms;
    uint64_t rows;
    struct fl_live__base b[FL_LIVE_N_BASE];
    struct fl_live__null *nulls;
    size_t n_nulls;
};

struct fl_live__anomalies {
    char *model;
    uint64_t n[FL_LIVE_N_KINDS];
};

struct fl_live {
    struct fl_live_opts o;
    char **seg; /* o.segment_by points here */
    struct fl_store *store;
    struct fl_map *cfg_refs; /* model -> struct fl_live__cfg_ref; set before records arrive */

    pthread_mutex_t tick_mu; /* one tick at a time; drift options; next_* */
    struct fl_drift_opts drift;
    int64_t next_refresh_ms, next_retain_ms;

    pthread_mutex_t mu;
    struct fl_map *mvs; /* key -> struct fl_live__mv (not destroyed by the map) */

    pthread_mutex_t rmu;
    struct fl_map *results;   /* key -> struct fl_live__result */
    struct fl_map *anomalies; /* model -> struct fl_live__anomalies */

    atomic_uint_fast64_t n_records, n_late, n_failed, n_closed, n_store_errors;

    pthread_mutex_t tmu; /* the ticker thread */
    pthread_cond_t tcv;
    pthread_t thread;
    bool running, stop;
    int64_t tick_ms;
};

/* ---- shared between the files (live.c unless noted) ---- */

/* "model\0version" into buf (FL_LIVE_KEY_CAP bytes); 0 when a name is too long for a profile key.
 */
size_t fl_live__make_key(const char *model, const char *version, char *buf);
/* Take / drop a reference to artifacts (NULL is a no-op; the last drop frees). */
struct fl_live__art *fl_live__art_ref(struct fl_live__art *a);
void fl_live__art_unref(struct fl_live__art *a);
/*
 * The artifacts of (model, version): the registry's reference profile, else the configuration's;
 * the registry's schema. *out NULL (and FL_OK) when old (may be NULL) was built from the same
 * registry bytes. When the registry cannot be read, *out still holds the configuration's
 * reference and the store's error is returned.
 */
fl_err fl_live__art_build(struct fl_live *l, const char *model, const char *version,
                          const struct fl_live__art *old, struct fl_live__art **out,
                          struct fl_diag *d);
void fl_live__window_free(struct fl_live__window *w);
/* Free a version and its windows (the caller removed it from l->mvs). */
void fl_live__mv_free(struct fl_live__mv *mv);
/* Destructors of the result and anomaly maps (live_close.c). */
void fl_live__result_free(void *p);
void fl_live__anomalies_free(void *p);

#endif
