/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.h: compact binary encodings of the store's small structured columns, so that the hot write
 * paths never build JSON and reads decode without a JSON parser.
 *
 *   labels   (series key, exemplar labels, inference segments):
 *            uvarint n | n x (uvarint len, name bytes, uvarint len, value bytes)
 *            For a label set sorted by name the encoding is canonical, so it doubles as the series'
 *            unique key (series.labels_key).
 *   feature names   uvarint n | n x (uvarint len, name): the key of a feature set, stored once in
 *                   the feature_sets table (an inference row holds only the set's id)
 *   feature values  n x (byte status << 4 | kind, value) in the order of the names;
 *                   value: number = 8 bytes LE double bits, bool = 1 byte, string = uvarint len +
 *                   bytes, null = nothing.
 *   doubles  n x 8 bytes LE double bits (prediction score vectors).
 *
 * Decoders treat their input as hostile (a corrupt database must not crash us): every length is
 * checked, and trailing bytes are an error. Decoded strings are NUL-terminated copies in the arena.
 * No SQLite here. Pure functions, thread-safe.
 */
#ifndef FL_STORE_CODEC_H
#define FL_STORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../core/record.h"

/* Appenders; errors are sticky in the buffer (check fl_buf_err). NULL strings encode as "". */
void fl_store_labels_encode(const struct fl_label *labels, size_t n, struct fl_buf *out);
void fl_store_feature_names_encode(const struct fl_feature *f, size_t n, struct fl_buf *out);
/* status and kind must be valid enum values (0..3); the caller checks. */
void fl_store_feature_values_encode(const struct fl_feature *f, size_t n, struct fl_buf *out);
void fl_store_doubles_encode(const double *v, size_t n, struct fl_buf *out);

/*
 * Decoders. *out is an arena array (NULL when n is 0). FL_EPARSE on malformed input, FL_ENOMEM
 * (or FL_ELIMIT at the arena's cap) when the arena fails.
 */
fl_err fl_store_labels_decode(const void *p, size_t len, struct fl_arena *a, struct fl_label **out,
                              size_t *n) FL_MUST_CHECK;
/* Features from a names blob and a values blob. */
fl_err fl_store_features_decode(const void *names, size_t names_len, const void *values,
                                size_t values_len, struct fl_arena *a, struct fl_feature **out,
                                size_t *n) FL_MUST_CHECK;
fl_err fl_store_doubles_decode(const void *p, size_t len, struct fl_arena *a, double **out,
                               size_t *n) FL_MUST_CHECK;

#endif
