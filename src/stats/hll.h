/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hll.h: HyperLogLog distinct counting (Flajolet, Fusy, Gandouet, Meunier 2007) with the 64-bit
 * hash of HyperLogLog++ (Heule, Nunkesser, Hall 2013), so no large-range correction is needed,
 * linear counting for small cardinalities and Ertl's bias-free estimator above them; plus the
 * 64-bit hashes the sketches share.
 *
 * With precision p the sketch has m = 2^p one-byte registers and a relative standard error of
 * about 1.04 / sqrt(m): 1.63% at the default p = 12 (4 KiB), 0.81% at p = 14 (16 KiB). Merging
 * takes the register-wise maximum, so merge(A, B) equals the sketch of the union exactly, in any
 * order. Register values depend only on the hashes, which are defined on bytes and little-endian
 * words, so sketches built on different hosts merge. Layout and measured errors: docs/SKETCHES.md.
 */
#ifndef FL_STATS_HLL_H
#define FL_STATS_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h" /* FL_LIMIT_* caps named in the contracts below */

#define FL_HLL_DEFAULT_P 12 /* 4096 registers, ~1.6% relative standard error */
#define FL_HLL_MIN_P 4      /* the maximum is FL_LIMIT_HLL_P (core/limits.h) */

struct fl_hll;

/*
 * 64-bit hashes (wyhash-style multiply-fold mixing, written here): deterministic across hosts
 * and runs. fl_hll_hash_double maps -0.0 to 0.0 and every NaN to one value, so values that
 * compare equal hash equal. Thread-safe, no allocation.
 */
uint64_t fl_hll_hash_u64(uint64_t x);
uint64_t fl_hll_hash_double(double v);
uint64_t fl_hll_hash_bytes(const void *p, size_t len);

/*
 * New empty sketch with 2^p registers, p in [FL_HLL_MIN_P, FL_LIMIT_HLL_P]. On success *out owns
 * a sketch to release with fl_hll_free. FL_EINVAL (p out of range, out NULL), FL_ENOMEM.
 */
FL_MUST_CHECK fl_err fl_hll_new(unsigned p, struct fl_hll **out);
/* Release a sketch; NULL is a no-op. */
void fl_hll_free(struct fl_hll *h);

/* Add one item by its 64-bit hash (from the functions above). Never fails. */
void fl_hll_update_hash(struct fl_hll *h, uint64_t hash);
/* Add a double (fl_hll_hash_double) / a byte string (fl_hll_hash_bytes). Never fail. */
void fl_hll_update_double(struct fl_hll *h, double v);
void fl_hll_update_bytes(struct fl_hll *h, const void *p, size_t len);

/*
 * Merge src into dst (register-wise maximum); src is unchanged and may equal dst. Both must have
 * the same p, else FL_EINVAL with a diagnostic and dst unchanged. Never allocates.
 */
FL_MUST_CHECK fl_err fl_hll_merge(struct fl_hll *dst, const struct fl_hll *src, struct fl_diag *d);

/*
 * Estimated number of distinct items. As HyperLogLog++: linear counting m ln(m / V) while some
 * V registers are empty and that estimate is at most HLL++'s threshold for p (3100 at p = 12,
 * about 0.75 m); above it Ertl's improved estimator (2017), which corrects the raw estimator's
 * bias analytically where HLL++ uses empirical tables. 0 for an empty sketch. O(m), no
 * allocation; thread-safe for concurrent readers.
 */
double fl_hll_estimate(const struct fl_hll *h);
/* Precision p of the sketch. */
unsigned fl_hll_p(const struct fl_hll *h);
/* Relative standard error 1.04 / sqrt(2^p) of the estimate (the raw estimator's). */
double fl_hll_rse(unsigned p);
/* True when no item was ever added (all registers zero). */
int fl_hll_is_empty(const struct fl_hll *h);

/* Exact size in bytes fl_hll_serialize appends: 4 + 2^p. */
size_t fl_hll_serialized_size(const struct fl_hll *h);
/*
 * Append the serialized sketch to out (layout in docs/SKETCHES.md). FL_ELIMIT / FL_ENOMEM from
 * the buffer, in which case nothing was appended.
 */
FL_MUST_CHECK fl_err fl_hll_serialize(const struct fl_hll *h, struct fl_buf *out);
/*
 * Rebuild a sketch from len borrowed bytes. Every byte is validated (version, type, p, register
 * values at most 65 - p, exact length); any failure is FL_EINVAL with a diagnostic naming the
 * field and byte offset, and *out is NULL. FL_ENOMEM. On success *out is owned by the caller.
 */
FL_MUST_CHECK fl_err fl_hll_deserialize(const void *p, size_t len, struct fl_hll **out,
                                        struct fl_diag *d);

#endif
