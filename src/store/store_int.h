/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_int.h: internals shared by the files of src/store/ (the only place that includes
 * sqlite3.h). Not for other modules.
 *
 * One writer connection, guarded by wmu, owns the series cache and the scratch buffers. Readers
 * borrow a connection from a small pool (rmu/rcv); in WAL mode they read a consistent snapshot
 * while a write is in progress. Record counts for fl_store_stats live in memory (cmu), counted at
 * open and adjusted after each committed write, compaction and retention.
 */
#ifndef FL_STORE_STORE_INT_H
#define FL_STORE_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/map.h"
#include "store.h"

/* Highest schema version this code knows (the last migration step). */
#define FL_STORE_SCHEMA_VERSION 8
/* PRAGMA application_id of a faultline database ("FLTD"). */
#define FL_STORE_APP_ID 1179407428
#define FL_STORE_DB_NAME "faultline.db"
#define FL_STORE_MAX_READERS 8
#define FL_STORE_BUSY_TIMEOUT_MS 10000
/* Most samples compaction puts in one chunk row (larger groups are split). */
#define FL_STORE_CHUNK_MAX_ROWS 65536

/* Rows per bucket of the request index (fl_store__req_key): 8,192, about one batch. */
#define FL_STORE_REQ_BUCKET_SHIFT 13
/* Inference rows per multi-row INSERT: W_INF_MULTI (15 parameters a row), W_INF_MULTI_BIG (the
 * same, 32 rows: 3 % fewer instructions per row than 8 at a time), and W_INF_RUN for 32 rows of
 * one model version and feature set, which binds those once (4 + 11 parameters a row). */
#define FL_STORE_INF_MULTI 8
#define FL_STORE_INF_RUN 32
/* Spans per multi-row INSERT (W_SPAN_MULTI; 16 parameters each). */
#define FL_STORE_SPAN_MULTI 8
/* A batch of spans that directly follows a block spanning fewer rowids than this joins it, and
 * so do a batch's inferences of a model version whose newest block does (so that a trickle of
 * small batches does not make one block each); larger batches get their own. */
#define FL_STORE_BLOCK_ROWS 4096
/* Span attribute keys kept in the span_attr_keys dictionary; keys beyond are stored inline in
 * each span (attrs.h), so hostile high-cardinality keys cannot grow the dictionary forever. */
#define FL_STORE_ATTR_KEYS_MAX 16384
/* Inference segment (name, value) pairs kept in the inf_seg_keys dictionary; pairs beyond are
 * stored inline in each row (codec.h, segment refs), for the same reason. */
#define FL_STORE_SEG_KEYS_MAX 65536

/* Every SQL statement the store runs, by id; the texts are in fl_store__sql (store.c). */
// clang-format off
#define FL_STORE_STMT_LIST(X)                                                                      \
    X(W_BEGIN) X(W_COMMIT) X(W_ROLLBACK) X(W_SAVEPOINT) X(W_RELEASE) X(W_ROLLBACK_TO)              \
    X(W_SERIES_FIND) X(W_SERIES_ADD) X(W_HEAD_INS) X(W_HEAD_UPD) X(W_EXEMPLAR) X(W_META)           \
    X(W_SPAN_INS) X(W_SPAN_MULTI) X(W_SPAN_UPD) X(W_ORIGIN_FIND) X(W_ORIGIN_ADD) X(W_AKEY_FIND) X(W_AKEY_MAX) X(W_AKEY_ADD) X(W_STRACE_HAS) X(W_SPAN_FIND) X(W_STRACE_ADD) X(W_SPAN_MAXID) X(W_SBLOCK_ADD) X(W_SBLOCK_LAST)    \
    X(W_SBLOCK_GROW) X(W_SBLOCK_SVC)    \
    X(W_SBLOCK_WIDEN) X(W_INF_MAXID) X(W_IBLOCK_LAST) X(W_IBLOCK_GROW) X(W_IBLOCK_ADD) X(W_INF) X(W_INF_MULTI) X(W_SEEN) X(W_OUTCOME) X(W_EVENT_INS) X(W_EVENT_UPD)      \
    X(W_MODEL) X(W_FSET_FIND) X(W_FSET_ADD) X(N_MODELS)                                            \
    X(W_INF_RUN) X(W_INF_MULTI_BIG) X(W_SEGKEY_FIND) X(W_SEGKEY_MAX) X(W_SEGKEY_ADD) X(Q_SEGKEY) \
    X(N_SERIES) X(N_HEAD) X(N_CHUNKED) X(N_SPANS) X(N_INFERENCES) X(N_OUTCOMES) X(N_EVENTS)        \
    X(C_HEAD_SCAN) X(C_OVERLAP) X(C_CHUNK_DEL) X(C_CHUNK_ADD) X(C_HEAD_DEL)                        \
    X(R_CHUNK_N) X(R_CHUNK) X(R_EXEMPLAR) X(R_SBLOCKS) X(R_SPANS_RANGE) X(R_SBLOCK_LEFT) X(R_SBLOCK_SET) X(R_SBLOCK_DEL) X(R_STRACE_DEL) X(R_SBLOCK_SVC_DEL) \
    X(R_IBLOCKS) X(R_INF_RANGE) X(R_IBLOCK_LEFT) X(R_IBLOCK_SET) X(R_IBLOCK_DEL) X(R_SEEN_N)     \
    X(R_SEEN_FIRST)         \
    X(R_SEEN_DROP) X(R_OUTCOMES) X(R_EVENTS) X(R_SERIES)                                           \
    X(Q_SERIES_NAME) X(Q_SERIES_ALL) X(Q_CHUNKS) X(Q_HEAD) X(Q_HAS_HEAD) X(Q_HAS_CHUNK)            \
    X(Q_EXEMPLARS) X(Q_META_ONE) X(Q_META_ALL) X(Q_TRACE) X(Q_SBLOCKS_SVC) X(Q_SBLOCKS_ANY) X(Q_SPANS_IN) X(Q_SPAN_ONE) X(Q_AKEY) \
               \
    X(Q_REQ_INF) X(Q_REQ_OUT) X(Q_IBLOCKS_MV) X(Q_IBLOCKS_M) X(Q_IBLOCKS_ANY) X(Q_INF_IN) \
    X(Q_INF_ONE) X(Q_OUTCOMES) X(Q_EVENTS) \
    X(Q_MODELS)                                                                                \
    X(W_REG_GET) X(W_REG_SEEN) X(W_REG_INS) X(W_REG_STAGE) X(W_REG_DESC) X(W_REG_TRAIN)           \
    X(W_REG_PROFILE) X(W_REG_SCHEMA) X(W_REG_METRIC) X(W_REG_ARCHIVE) X(W_ALIAS_GET)              \
    X(W_ALIAS_SET) X(W_ALIAS_DEL) X(W_WATCH_ADD) X(Q_WATCH) X(Q_REG_VERSIONS) X(Q_REG_ARTIFACTS)  \
    X(Q_REG_METRICS) X(Q_REG_ALIASES_V) X(Q_REG_ALIASES_M) X(Q_REG_FIRST_CHANGE)                  \
    X(Q_REG_CHANGES) X(Q_TRAFFIC_BLOCKS) X(Q_TRAFFIC_COUNT) X(Q_FSTAT_BLOCKS) X(Q_FSTAT_ROWS)     \
    X(Q_FSET) X(Q_RUNS)                                                                            \
    X(W_WIN_PUT) X(W_DRUN_PUT) X(W_DROWS_DEL) X(W_DROW_ADD) X(Q_WINDOWS) X(Q_WINDOWS_DESC)        \
    X(Q_DRUNS) X(Q_DROWS) X(R_WIN) X(R_DROWS) X(R_DRUNS)
// clang-format on

enum fl_store__stmt {
#define FL__STMT_ENUM(id) FL_ST_##id,
    FL_STORE_STMT_LIST(FL__STMT_ENUM)
#undef FL__STMT_ENUM
        FL_ST__COUNT
};

extern const char *const fl_store__sql[FL_ST__COUNT];

struct fl_store__conn {
    sqlite3 *db;
    sqlite3_stmt *st[FL_ST__COUNT]; /* prepared lazily, kept for the connection's life */
    int busy;                       /* reader pool: lent out */
};

struct fl_store__counts {
    int64_t series, samples, spans, inferences, outcomes, events, models;
};

struct fl_store__wreq; /* a caller's batch waiting for a group commit (write.c) */

struct fl_store {
    char *path;     /* .../faultline.db */
    char *wal_path; /* .../faultline.db-wal */
    struct fl_store_opts opts;

    /* Group commit (write.c): callers of fl_store_write queue here; one of them, the leader, writes
     * every queued batch in one transaction and wakes the others after its COMMIT. */
    pthread_mutex_t gmu;
    pthread_cond_t gcv;
    struct fl_store__wreq *gq_head, *gq_tail; /* under gmu */
    int g_leader;                             /* under gmu: a leader is writing a group */
    uint64_t n_commits, n_group_batches;      /* under wmu: write transactions, batches in them */

    pthread_mutex_t wmu;
    struct fl_store__conn w;     /* writer; db NULL when read_only */
    struct fl_map *series_cache; /* labels_key bytes -> (void *)(intptr_t)series id; under wmu */
    struct fl_map *fset_cache;   /* feature names blob -> (void *)(intptr_t)feature set id */
    struct fl_map *origin_cache; /* span_origins key -> (void *)(intptr_t)origin id */
    struct fl_map *akey_cache;   /* span attribute key -> (void *)(intptr_t)id, or -1: inline */
    struct fl_map *segkey_cache; /* inference segment pair key -> (void *)(intptr_t)id, or -1 */
    int64_t span_block_rows;     /* FL_STORE_BLOCK_ROWS (tests lower it); under wmu */
    int64_t inf_block_rows;      /* FL_STORE_BLOCK_ROWS (tests lower it); under wmu */
    struct fl_buf scratch;       /* encodings; under wmu */
    struct fl_buf scratch2;

    pthread_mutex_t rmu;
    pthread_cond_t rcv;
    struct fl_store__conn *readers[FL_STORE_MAX_READERS];
    size_t n_readers;

    pthread_mutex_t cmu;
    struct fl_store__counts counts;

    /* Span attribute keys by id for readers (query.c), loaded on first use; a key never changes
     * once committed, so entries are never replaced. */
    pthread_mutex_t akmu;
    struct fl_str *akeys; /* [id], owned copies; .p NULL when not loaded */
    size_t n_akeys;

    /* Inference segment pairs by id for readers (query.c), loaded on first use, never replaced:
     * [id] is one allocation "name\0value\0" (value = name + strlen(name) + 1), NULL when not
     * loaded. Under skmu. */
    pthread_mutex_t skmu;
    char **segkeys;
    size_t n_segkeys;
};

/* Record a SQLite failure in d ("what: errmsg") and return the matching fl_err. */
fl_err fl_store__sqlerr(sqlite3 *db, int rc, struct fl_diag *d, const char *what);

/* The statement id on connection c, prepared on first use, reset with bindings cleared. */
fl_err fl_store__stmt(struct fl_store__conn *c, enum fl_store__stmt id, sqlite3_stmt **out,
                      struct fl_diag *d) FL_MUST_CHECK;

/* Step a statement that returns no rows (or whose rows are ignored) to completion; resets it. */
fl_err fl_store__run(struct fl_store__conn *c, sqlite3_stmt *st, struct fl_diag *d,
                     const char *what) FL_MUST_CHECK;

/* Run a statement returning one integer (e.g. COUNT) with ?1 bound to arg1 when use_arg. */
fl_err fl_store__int(struct fl_store__conn *c, enum fl_store__stmt id, int use_arg, int64_t arg1,
                     int64_t *out, struct fl_diag *d) FL_MUST_CHECK;

/* Borrow / return a reader connection (blocks while all FL_STORE_MAX_READERS are lent). */
fl_err fl_store__reader_get(struct fl_store *s, struct fl_store__conn **out,
                            struct fl_diag *d) FL_MUST_CHECK;
void fl_store__reader_put(struct fl_store *s, struct fl_store__conn *c);
/* A reader connection inside a read transaction (one snapshot for a whole answer): *c NULL on
 * error. fl_store__read_end commits and returns it; NULL is a no-op. */
fl_err fl_store__read_begin(struct fl_store *s, struct fl_store__conn **c,
                            struct fl_diag *d) FL_MUST_CHECK;
void fl_store__read_end(struct fl_store *s, struct fl_store__conn *c);

/* Transactions on the writer (caller holds wmu). rollback never fails visibly. */
fl_err fl_store__begin(struct fl_store *s, struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_store__commit(struct fl_store *s, struct fl_diag *d) FL_MUST_CHECK;
void fl_store__rollback(struct fl_store *s);
/* Savepoints around one batch of a group (caller holds wmu, inside a transaction). rollback_to
 * undoes the batch's writes and closes the savepoint; it fails if the transaction itself is gone. */
fl_err fl_store__savepoint(struct fl_store *s, struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_store__release(struct fl_store *s, struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_store__rollback_to(struct fl_store *s) FL_MUST_CHECK;

/* write.c: number of batches queued for the next group commit (tests). Takes gmu. */
size_t fl_store__queued(struct fl_store *s);

/* Apply a delta to the cached counts. */
void fl_store__counts_add(struct fl_store *s, const struct fl_store__counts *delta);
/* Forget every cached series id (after retention deleted series). Caller holds wmu. */
fl_err fl_store__cache_reset(struct fl_store *s) FL_MUST_CHECK;

/* schema.c: bring db to FL_STORE_SCHEMA_VERSION (or only check it when read_only). */
fl_err fl_store__migrate(sqlite3 *db, int read_only, struct fl_diag *d) FL_MUST_CHECK;
/* The same, stopping at schema version target (tests build databases of older versions). */
fl_err fl_store__migrate_to(sqlite3 *db, int read_only, int target,
                            struct fl_diag *d) FL_MUST_CHECK;

/* Bind helpers: NULL strings bind SQL NULL; NaN binds NULL (SQLite stores NaN as NULL anyway). */
int fl_store__bind_text(sqlite3_stmt *st, int i, const char *s);
int fl_store__bind_double(sqlite3_stmt *st, int i, double v);
/* Column readers: NULL text gives dflt; NULL real gives NaN. */
const char *fl_store__col_text(sqlite3_stmt *st, int i, const char *dflt);
/* Column i as a time in ms, FL_TS_NONE when NULL. */
int64_t fl_store__col_ts(sqlite3_stmt *st, int i);
/* A row limit for SQL: dflt when limit is 0, capped at INT64_MAX. */
int64_t fl_store__limit(size_t limit, int64_t dflt);
/* Step a statement whose rows are the event columns (id, ts, end, kind, component, status, rows,
 * message, attributes), calling fn per event until it returns nonzero. query.c. */
fl_err fl_store__each_event(struct fl_store__conn *c, sqlite3_stmt *st, fl_store_event_fn fn,
                            void *ud, struct fl_diag *d) FL_MUST_CHECK;
double fl_store__col_double(sqlite3_stmt *st, int i);
/*
 * Make the array p hold at least need elements of size elem (doubling): returns the possibly moved
 * array, or p unchanged with *failed set when out of memory or on overflow.
 */
void *fl_store__grow(void *p, size_t *cap, size_t need, size_t elem, int *failed);
/* Defines `static fl_err fname(type **p, size_t *cap, size_t need)`: FL_OK or FL_ENOMEM. */
#define FL_STORE__GROW_FN(fname, type)                                                             \
    static fl_err fname(type **p, size_t *cap, size_t need)                                        \
    {                                                                                              \
        int failed_ = 0;                                                                           \
        *p = fl_store__grow(*p, cap, need, sizeof **p, &failed_);                                  \
        return failed_ ? FL_ENOMEM : FL_OK;                                                        \
    }

/* Stable 64-bit key of an id string (trace, span, request ids) for the small hashed indexes. */
int64_t fl_store__key(const char *s);
/*
 * inferences.request_key of a row since schema 8: its rowid's bucket (rowid >>
 * FL_STORE_REQ_BUCKET_SHIFT) in the high 32 bits and a 32-bit hash of the request id (the high
 * half of fl_store__key) in the low ones. The request index is then ordered by bucket first, so a
 * batch's entries land in the few index pages of the newest bucket instead of one random page
 * each; a lookup probes every bucket (Q_REQ_INF) and compares the full id, which also resolves
 * hash collisions. Rows written before schema 8 keep fl_store__key, probed as well. Exact for
 * rowids below 2^44.
 */
int64_t fl_store__req_key(const char *s, int64_t rowid);
/* Key of a (model, version) pair: the inferences' time index is on it. */
int64_t fl_store__key2(const char *a, const char *b);
/* Double <-> its IEEE-754 bits as an SQLite integer (exact for every bit pattern). */
int64_t fl_store__dbl_bits(double v);
double fl_store__bits_dbl(int64_t b);

#endif
