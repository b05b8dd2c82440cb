/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.h: column profiles (whylogs-style mergeable summaries of one feature) and the profile
 * set that holds many of them under (model, model version, window, segment, chunk, feature) keys.
 *
 * A column profile counts every cell by type (number, string, bool, null, missing) and keeps, for
 * the numbers, the NaN / +inf / -inf counts and the moments of the finite values (stats/moments.h),
 * a KLL quantile sketch of the finite values (stats/kll.h, default k 1024), an exact table of the
 * first FL_PROFILE_SMALL_VALUES distinct finite values (dropped once a column has more: it lets
 * drift treat a low-cardinality numeric column as categorical exactly); for strings and bools a
 * frequent-items sketch (stats/freq.h; bools count as the keys "true" and "false"); and for every
 * non-null value except NaN a HyperLogLog distinct count (stats/hll.h). Inference records add a
 * "stale" count (feature store status outside_max_age; the value served is profiled as well).
 *
 * Profiles merge: merge(A, B) is the profile of the union of A's and B's cells. Counts, min, max,
 * the small-value table and HLL registers merge exactly; moments to rounding; the KLL and
 * frequent-items sketches within their documented error bounds (exactly while no compaction or
 * eviction has happened: up to k finite values, up to freq_k distinct categories).
 *
 * A profile serializes to bytes that start with a format version byte and reads back with full
 * validation (every count, sketch and cross-check; layout in docs/formats.md, "Profiles"). The
 * sketches are allocated on first use, so a numeric column holds no frequent-items sketch.
 *
 * Not thread-safe for writers; const functions may run concurrently.
 */
#ifndef FL_MONITOR_PROFILE_H
#define FL_MONITOR_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/record.h"
#include "ingest/table.h"
#include "stats/freq.h"
#include "stats/hll.h"
#include "stats/kll.h"
#include "stats/moments.h"

#define FL_PROFILE_FORMAT_VERSION 1 /* first byte of a serialized column profile */
#define FL_PROFILE_SET_VERSION 1    /* fifth byte of a serialized profile set */
#define FL_PROFILE_SMALL_VALUES 16  /* distinct finite numbers counted exactly per column */

/* Sketch parameters; all profiles that merge must share them. */
struct fl_profile_opts {
    unsigned kll_k;         /* FL_KLL_DEFAULT_K */
    unsigned hll_p;         /* FL_HLL_DEFAULT_P */
    size_t freq_k;          /* FL_FREQ_DEFAULT_K */
    size_t freq_item_bytes; /* FL_FREQ_DEFAULT_ITEM_BYTES */
    uint64_t seed;          /* KLL compaction coin; mixed with the feature name per column */
};

/* Fill with the defaults above (seed 1). */
void fl_profile_opts_default(struct fl_profile_opts *o);

/*
 * What a profile describes. Strings are NUL-terminated; "" means "not given" (one model, the whole
 * time range, all rows). chunk numbers the contiguous parts of a reference profiled in chunks for
 * adaptive thresholds (docs/DRIFT.md); 0 when not chunked.
 */
struct fl_profile_key {
    const char *model;
    const char *model_version;
    const char *window;
    const char *segment; /* "" = all rows, else "dimension=value" */
    const char *feature;
    uint32_t chunk;
};

/* Cell counts. rows = numbers (moments: finite + NaN + inf) + string + boolean + null + missing. */
struct fl_profile_counts {
    uint64_t rows;    /* cells seen */
    uint64_t string;  /* string cells */
    uint64_t boolean; /* bool cells */
    uint64_t n_true;  /* of which true */
    uint64_t null;    /* explicit null (JSON null, empty CSV field, feature status null) */
    uint64_t missing; /* absent (JSON Lines key missing, feature status not_found) */
    uint64_t stale;   /* feature status outside_max_age (also counted by the value's type) */
};

/* One entry of the small-value table: a finite number and how often it occurred. */
struct fl_profile_value {
    double v; /* -0.0 is stored as 0.0 */
    uint64_t n;
};

struct fl_profile;

/*
 * New empty profile for key (strings copied, each at most FL_LIMIT_PROFILE_KEY_BYTES, feature
 * non-empty) with the sketch parameters o (NULL = defaults). *out owns it (fl_profile_free).
 * FL_EINVAL (bad key or parameters, with a diagnostic), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_profile_new(const struct fl_profile_opts *o,
                                    const struct fl_profile_key *key, struct fl_profile **out,
                                    struct fl_diag *d);
/* Release a profile; NULL is a no-op. */
void fl_profile_free(struct fl_profile *p);

/*
 * Updates, one cell each (the _numbers form a batch of n numbers). NaN and infinities are
 * counted, not sketched. A string is sketched as its bytes (truncated to freq_item_bytes in the
 * frequent-items sketch, whole in the distinct count). Errors: FL_ENOMEM (a sketch could not be
 * allocated or grown; the profile stays valid and has counted the cells before the failing one),
 * FL_ELIMIT (a count would pass UINT64_MAX).
 */
FL_MUST_CHECK fl_err fl_profile_update_number(struct fl_profile *p, double v);
FL_MUST_CHECK fl_err fl_profile_update_numbers(struct fl_profile *p, const double *v, size_t n);
FL_MUST_CHECK fl_err fl_profile_update_string(struct fl_profile *p, const char *s, size_t len);
FL_MUST_CHECK fl_err fl_profile_update_bool(struct fl_profile *p, bool b);
FL_MUST_CHECK fl_err fl_profile_update_null(struct fl_profile *p);
FL_MUST_CHECK fl_err fl_profile_update_missing(struct fl_profile *p);
/* A table cell (ingest/table.h) by its type. */
FL_MUST_CHECK fl_err fl_profile_update_cell(struct fl_profile *p, const struct fl_cell *c);
/* A served feature (core/record.h): status not_found -> missing, null -> null, else its value;
 * outside_max_age also counts as stale. */
FL_MUST_CHECK fl_err fl_profile_update_feature(struct fl_profile *p, const struct fl_feature *f);

/*
 * Merge src into dst (the profile of the union of their cells). dst keeps its key; the sketch
 * parameters must match (FL_EINVAL with a diagnostic otherwise). All-or-nothing: on FL_ENOMEM or
 * FL_ELIMIT dst is unchanged. src may equal dst.
 */
FL_MUST_CHECK fl_err fl_profile_merge(struct fl_profile *dst, const struct fl_profile *src,
                                      struct fl_diag *d);
/* A deep copy of p with the key replaced by key (NULL = p's key). FL_ENOMEM, FL_EINVAL. */
FL_MUST_CHECK fl_err fl_profile_clone(const struct fl_profile *p, const struct fl_profile_key *key,
                                      struct fl_profile **out);

/* ---- reading a profile (pointers borrowed from p, valid until it changes) ---- */

const struct fl_profile_key *fl_profile_key(const struct fl_profile *p);
const struct fl_profile_opts *fl_profile_opts(const struct fl_profile *p);
const struct fl_profile_counts *fl_profile_counts(const struct fl_profile *p);
/* Moments of the finite numbers, with the NaN and infinity counts (n_null is always 0). */
const struct fl_moments *fl_profile_moments(const struct fl_profile *p);
/* Sketches, NULL while empty: KLL of the finite numbers, frequent strings/bools, distinct count. */
const struct fl_kll *fl_profile_kll(const struct fl_profile *p);
const struct fl_freq *fl_profile_freq(const struct fl_profile *p);
const struct fl_hll *fl_profile_hll(const struct fl_profile *p);
/* Numbers in the profile (finite, NaN and infinite). */
uint64_t fl_profile_n_numbers(const struct fl_profile *p);
/* Cells without a usable value: null + missing + NaN. */
uint64_t fl_profile_n_absent(const struct fl_profile *p);
/*
 * The small-value table: *n entries ascending by value, or false when the column has more than
 * FL_PROFILE_SMALL_VALUES distinct finite numbers (then *vals is NULL, *n 0).
 */
bool fl_profile_small_values(const struct fl_profile *p, const struct fl_profile_value **vals,
                             size_t *n);
/*
 * Distinct non-null values: exact (*exact true) when every value is a finite number and the
 * small-value table or the KLL sketch (n <= k) holds them all, or every value is a string/bool
 * and the frequent-items sketch holds all of them without error; else the HyperLogLog estimate.
 */
double fl_profile_distinct(const struct fl_profile *p, bool *exact);

/* ---- serialization (docs/formats.md, "Profiles") ---- */

/* Append the serialized profile. FL_ELIMIT / FL_ENOMEM from the buffer (nothing appended). */
FL_MUST_CHECK fl_err fl_profile_serialize(const struct fl_profile *p, struct fl_buf *out);
/*
 * Rebuild a profile from len borrowed bytes, validating the version, every key and count, each
 * sketch (stats deserializers) and their agreement (KLL n and min/max equal to the moments, the
 * frequent-items total equal to the string and bool counts, the small-value table adding up to the
 * finite count, row total). Failures: FL_EINVAL with a diagnostic "profile.<field>: byte N: ..."
 * and *out NULL; FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_profile_deserialize(const void *p, size_t len, struct fl_profile **out,
                                            struct fl_diag *d);

/* ==== profile sets ============================================================================ */

struct fl_profile_set;

/* New empty set whose new columns use o (NULL = defaults). FL_ENOMEM, FL_EINVAL. */
FL_MUST_CHECK fl_err fl_profile_set_new(const struct fl_profile_opts *o,
                                        struct fl_profile_set **out);
/* Release a set and its profiles; NULL is a no-op. */
void fl_profile_set_free(struct fl_profile_set *s);

const struct fl_profile_opts *fl_profile_set_opts(const struct fl_profile_set *s);
/* Profiles in the set, in order of creation; index < fl_profile_set_count. Borrowed. */
size_t fl_profile_set_count(const struct fl_profile_set *s);
struct fl_profile *fl_profile_set_at(const struct fl_profile_set *s, size_t i);

/*
 * The profile with this key, created empty when absent and create is true (else *out NULL and
 * FL_OK). *out is borrowed from the set. FL_EINVAL (bad key), FL_ELIMIT (FL_LIMIT_PROFILE_COLUMNS),
 * FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_profile_set_get(struct fl_profile_set *s, const struct fl_profile_key *key,
                                        bool create, struct fl_profile **out, struct fl_diag *d);

/* Keys given to every column profiled from a table. */
struct fl_profile_table_opts {
    const char *model, *model_version, *window, *segment; /* NULL = "" */
    /* Profile in `chunks` contiguous chunks (0 or 1: not chunked) of a table of total_rows data
     * rows: row i (0-based) goes to chunk i * chunks / total_rows. Rows beyond total_rows go to
     * the last chunk. */
    uint32_t chunks;
    uint64_t total_rows;
};

/*
 * Profile every remaining row of table t (every column is a feature; JSON Lines columns that
 * appear late count as missing in the rows before). Errors: the table's (FL_EPARSE, FL_ELIMIT,
 * FL_EIO with file:line:col in d), FL_ENOMEM, FL_ELIMIT. On error the set holds the rows before.
 */
FL_MUST_CHECK fl_err fl_profile_set_add_table(struct fl_profile_set *s, struct fl_table *t,
                                              const struct fl_profile_table_opts *o,
                                              struct fl_diag *d);

/* How inference records map to keys. */
struct fl_profile_inference_opts {
    int64_t window_ms;  /* > 0: window key = RFC 3339 start of the ts_ms window; 0: window */
    const char *window; /* window key when window_ms is 0 (NULL = "") */
    const char *const *segment_by; /* segment dimensions: each record also goes to "dim=value" */
    size_t n_segment_by;
};

/*
 * Profile one inference record under (model, model_version, window, "") and, for every dimension
 * in segment_by that the record has, under segment "dim=value" too. Features follow
 * fl_profile_update_feature; the prediction is the pseudo-feature "prediction" (a score as a
 * number, a class as a string, a score vector as its top score; none counts as missing). A
 * feature known in the window but absent from the record counts as missing. Errors: FL_EINVAL,
 * FL_ELIMIT, FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_profile_set_add_inference(struct fl_profile_set *s,
                                                  const struct fl_inference *r,
                                                  const struct fl_profile_inference_opts *o,
                                                  struct fl_diag *d);

/*
 * Merge every profile of src into the one with the same key in dst (created when absent). On
 * error dst may hold some of src's profiles merged (each profile stays consistent).
 */
FL_MUST_CHECK fl_err fl_profile_set_merge(struct fl_profile_set *dst,
                                          const struct fl_profile_set *src, struct fl_diag *d);

/* Which profiles fl_profile_set_select picks. NULL strings match anything. */
struct fl_profile_selector {
    const char *model, *model_version;
    const char *window;  /* NULL: all windows merged */
    const char *segment; /* NULL means "" (all rows) */
    bool keep_chunks;    /* true: one profile per chunk; false: chunks merged */
};

/*
 * A new set *out with one profile per feature (per feature and chunk with keep_chunks) matching
 * sel, windows and chunks merged as sel says. The model and version must be unique among the
 * matches (FL_EINVAL "several models ...; choose one" otherwise). Output keys keep model and
 * version, and window sel->window or "" when merged. FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_profile_set_select(const struct fl_profile_set *s,
                                           const struct fl_profile_selector *sel,
                                           struct fl_profile_set **out, struct fl_diag *d);

/* Distinct window keys in the set, sorted ascending (RFC 3339 keys sort by time), into a new
 * array of borrowed strings (*out, fl_free; NULL when *n is 0). FL_ENOMEM. */
FL_MUST_CHECK fl_err fl_profile_set_windows(const struct fl_profile_set *s, const char ***out,
                                            size_t *n);

/* Largest chunk number + 1 over the set (1 when not chunked, 0 when empty). */
uint32_t fl_profile_set_chunks(const struct fl_profile_set *s);

/* The 4 bytes a serialized profile set starts with. */
#define FL_PROFILE_SET_MAGIC "FLPS"

/* Append the serialized set. FL_ELIMIT / FL_ENOMEM from the buffer. */
FL_MUST_CHECK fl_err fl_profile_set_serialize(const struct fl_profile_set *s, struct fl_buf *out);
/*
 * Rebuild a set from len borrowed bytes: magic, version, column count within the input and
 * FL_LIMIT_PROFILE_COLUMNS, each profile (fl_profile_deserialize), no duplicate keys, one set of
 * sketch parameters. FL_EINVAL with "profile set: byte N: ..." (or the profile's diagnostic with
 * the column index in the field), FL_ENOMEM. *out NULL on failure.
 */
FL_MUST_CHECK fl_err fl_profile_set_deserialize(const void *p, size_t len,
                                                struct fl_profile_set **out, struct fl_diag *d);
/* True when p[0..len) starts with FL_PROFILE_SET_MAGIC. */
bool fl_profile_set_is_serialized(const void *p, size_t len);
/* Read and deserialize a profile set file (at most FL_LIMIT_PROFILE_FILE_BYTES); d names it. */
FL_MUST_CHECK fl_err fl_profile_set_read_file(const char *path, struct fl_profile_set **out,
                                              struct fl_diag *d);

/* What a file holds, for fl_profile_set_add_file. */
enum fl_profile_input {
    FL_PROFILE_INPUT_AUTO = 0, /* a profile set (by its magic bytes), else a table */
    FL_PROFILE_INPUT_CSV,
    FL_PROFILE_INPUT_JSONL,
    FL_PROFILE_INPUT_INFERENCES, /* inference records, JSON Lines (docs/formats/records.md) */
};

struct fl_profile_file_opts {
    enum fl_profile_input input;
    struct fl_profile_table_opts table;         /* tables; chunks > 1 reads the file twice */
    struct fl_profile_inference_opts inference; /* inference records */
};

/*
 * Add the file at path ("-" = standard input, read as a table or inference records) to s: a
 * serialized profile set is merged in; a table (CSV / JSON Lines) is profiled column by column,
 * in o->table.chunks chunks when above 1 (the rows are counted in a first pass, so path must be a
 * regular file); inference records are profiled record by record. o may be NULL (AUTO, no keys).
 * Errors carry file:line:col (tables, records) or the byte offset (profiles) in d: FL_EPARSE,
 * FL_EINVAL, FL_ELIMIT, FL_EIO, FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_profile_set_add_file(struct fl_profile_set *s, const char *path,
                                             const struct fl_profile_file_opts *o,
                                             struct fl_diag *d);

/* ---- summaries (`faultline profile --format json|table`) ---- */

/* The percentiles the summaries print: 1, 5, 10, 25, 50, 75, 90, 95, 99. */
#define FL_PROFILE_N_PERCENTILES 9
extern const double fl_profile_percentiles[FL_PROFILE_N_PERCENTILES];

/*
 * Append a JSON document {"profiles": [...]} with one object per profile: key, type counts,
 * nulls, mean/std/min/max, percentiles p1..p99, distinct estimate, top items (at most top_n).
 * Sticky errors in out (check fl_buf_err). FL_ENOMEM from quantile queries.
 */
FL_MUST_CHECK fl_err fl_profile_set_write_json(const struct fl_profile_set *s, size_t top_n,
                                               struct fl_buf *out);
/* The same as an aligned text table, one line per profile. */
FL_MUST_CHECK fl_err fl_profile_set_write_text(const struct fl_profile_set *s, size_t top_n,
                                               struct fl_buf *out);

#endif
