/* SPDX-License-Identifier: Apache-2.0 */
/*
 * freq.h: frequent items of a stream of strings (categorical features) with the Misra-Gries
 * summary (Misra, Gries 1982) and its merge from Agarwal, Cormode, Huang, Phillips, Wei, Yi,
 * "Mergeable Summaries" (PODS 2012).
 *
 * The sketch holds at most k counters. A new item arriving when all k are taken decrements every
 * counter (itself included) by the smallest of the k + 1 counts and drops those reaching zero; a
 * merge adds the counters of both sketches, then subtracts the (k+1)-th largest count from all.
 * Each such subtraction is added to `max_error`, and the guarantees are, for every item x with
 * true count f(x) in a stream of total weight n:
 *     lower(x) <= f(x) <= lower(x) + max_error,   max_error <= (n - sum of counters) / (k + 1)
 * (lower(x) is the held counter, 0 for items not held). So every item with f(x) > n / (k + 1) is
 * held (no false negatives above that threshold), and these bounds hold after any sequence of
 * merges. The default k = 256 bounds the undercount by n / 257, about 0.39% of the stream.
 *
 * Keys are byte strings, copied and owned by the sketch. Keys longer than max_item_bytes are
 * truncated to that length (moved back to a UTF-8 character boundary when the cut would split a
 * character), as whylogs does at 128 characters; keys sharing such a prefix count as one item.
 * Not thread-safe for writers; const functions may run concurrently.
 */
#ifndef FL_STATS_FREQ_H
#define FL_STATS_FREQ_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h" /* FL_LIMIT_* caps named in the contracts below */

#define FL_FREQ_DEFAULT_K 256          /* counters: undercount at most n / 257 */
#define FL_FREQ_DEFAULT_ITEM_BYTES 128 /* whylogs' max_frequent_item_size */

struct fl_freq;

struct fl_freq_item {
    const char *key; /* borrowed from the sketch, NUL-terminated, valid until it next changes */
    size_t len;      /* bytes, excluding NUL */
    uint64_t lower;  /* the true count is at least this ... */
    uint64_t upper;  /* ... and at most this (lower + max_error) */
};

/*
 * New empty sketch with k counters (1 <= k <= FL_LIMIT_FREQ_COUNTERS) and keys truncated to
 * max_item_bytes (1 ... FL_LIMIT_FREQ_ITEM_BYTES). *out owns it (fl_freq_free). FL_EINVAL,
 * FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_freq_new(size_t k, size_t max_item_bytes, struct fl_freq **out);
/* Release a sketch and its keys; NULL is a no-op. */
void fl_freq_free(struct fl_freq *f);

/*
 * Count one occurrence of the len bytes at key (borrowed; need not be NUL-terminated; copied if
 * kept). FL_ENOMEM (sketch unchanged), FL_ELIMIT when n would pass UINT64_MAX, FL_EINVAL for a
 * NULL key with len > 0.
 */
FL_MUST_CHECK fl_err fl_freq_update(struct fl_freq *f, const char *key, size_t len);
/* Count `count` occurrences at once (0 is a no-op). Errors as fl_freq_update. */
FL_MUST_CHECK fl_err fl_freq_update_n(struct fl_freq *f, const char *key, size_t len,
                                      uint64_t count);

/*
 * Merge src into dst (Agarwal et al.); src is unchanged and may equal dst. k and max_item_bytes
 * must match (FL_EINVAL with a diagnostic otherwise). FL_ENOMEM, FL_ELIMIT (n would overflow):
 * dst unchanged.
 */
FL_MUST_CHECK fl_err fl_freq_merge(struct fl_freq *dst, const struct fl_freq *src,
                                   struct fl_diag *d);

uint64_t fl_freq_n(const struct fl_freq *f);         /* total weight counted */
uint64_t fl_freq_max_error(const struct fl_freq *f); /* bound on any undercount, see above */
size_t fl_freq_size(const struct fl_freq *f);        /* counters held, <= k */
size_t fl_freq_k(const struct fl_freq *f);

/* Bounds on the count of one key (truncated like updates): lower <= f(key) <= upper. */
void fl_freq_estimate(const struct fl_freq *f, const char *key, size_t len, uint64_t *lower,
                      uint64_t *upper);

/*
 * All held items, by decreasing lower bound, ties by key bytes. *items is a new array the caller
 * releases with fl_free (NULL when *n is 0); the keys in it are borrowed from the sketch.
 * FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_freq_items(const struct fl_freq *f, struct fl_freq_item **items, size_t *n);

/* Exact size in bytes fl_freq_serialize appends: 32 + sum over counters of (10 + key length). */
size_t fl_freq_serialized_size(const struct fl_freq *f);
/* Append the serialized sketch (docs/SKETCHES.md). FL_ELIMIT/FL_ENOMEM: nothing appended. */
FL_MUST_CHECK fl_err fl_freq_serialize(const struct fl_freq *f, struct fl_buf *out);
/*
 * Rebuild a sketch from len borrowed bytes. Validated: header, k and max_item_bytes within
 * limits, at most k counters, each count >= 1 and key length <= max_item_bytes, no duplicate
 * keys, counts adding up to at most n, max_error <= (n - sum of counts) / (k + 1), exact length.
 * Failures are FL_EINVAL with a diagnostic (field, byte offset) and *out NULL; FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_freq_deserialize(const void *p, size_t len, struct fl_freq **out,
                                         struct fl_diag *d);

#endif
