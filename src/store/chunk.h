/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunk.h: the compressed encoding of one series' samples, as stored in the chunks table.
 *
 * Gorilla-style (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series Database",
 * VLDB 2015, as adapted by the Prometheus TSDB XOR chunk): timestamps as delta-of-delta in
 * variable-width buckets, values as the XOR with the previous value, coded with the count of
 * leading and trailing zero bits, bit-packed most significant bit first. Any int64 timestamps
 * (unsorted, duplicated, extreme) and any double bit pattern (NaN payloads such as the Prometheus
 * stale marker, -0.0, infinities) round-trip exactly.
 *
 * Layout: uvarint n | mode byte (0 = XOR, 1 = decimal deltas, 2 = decimal delta-of-deltas) |
 * scale byte k (decimal modes) | zigzag varint t0 | v0 as 8 bytes LE (XOR) or zigzag varint m0
 * (decimal: v = m / 10^k) | (n >= 2) zigzag varint t1 - t0 | bit stream: v1, then for every later
 * sample its timestamp delta-of-delta bucket and its value code. See chunk.c.
 *
 * No SQLite here: tests include this header directly. Pure functions, thread-safe.
 */
#ifndef FL_STORE_CHUNK_H
#define FL_STORE_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"

/* Cap on samples in one chunk accepted by the decoder (protects against corrupt rows). */
#define FL_STORE_CHUNK_MAX_SAMPLES (1u << 24)

/*
 * Append the encoding of n samples (ts[i], v[i]) to out. n may be 0. Returns FL_ENOMEM/FL_ELIMIT
 * from the buffer, FL_EINVAL when n exceeds FL_STORE_CHUNK_MAX_SAMPLES.
 */
fl_err fl_store_chunk_encode(const int64_t *ts, const double *v, size_t n,
                             struct fl_buf *out) FL_MUST_CHECK;

/* Number of samples in the chunk p[0..len) (header only). FL_EPARSE when malformed. */
fl_err fl_store_chunk_count(const void *p, size_t len, size_t *n) FL_MUST_CHECK;

/*
 * Decode the chunk into ts[0..cap) and v[0..cap); *n receives the count. FL_EPARSE when the chunk
 * is malformed (truncated, trailing garbage) and FL_ELIMIT when it holds more than cap samples.
 * On error the arrays' contents are unspecified.
 */
fl_err fl_store_chunk_decode(const void *p, size_t len, int64_t *ts, double *v, size_t cap,
                             size_t *n) FL_MUST_CHECK;

#endif
