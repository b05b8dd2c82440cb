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
 *   segment refs (inference segments since schema 8): uvarint n | n x (uvarint id |
 *            (id == 0: uvarint len, name bytes, uvarint len, value bytes)); id >= 1 names a
 *            (name, value) pair of the store's dictionary (inf_seg_keys), whose key is the pair's
 *            bytes as in labels: uvarint len, name, uvarint len, value. Id 0 stores the pair
 *            inline (the dictionary is capped).
 *   hex id   a trace id of exactly 32 lowercase hex digits as its 16 bytes (the text again on
 *            reading); any other text is stored as text.
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
#include "../core/str.h"

/* Appenders; errors are sticky in the buffer (check fl_buf_err). NULL strings encode as "". */
void fl_store_labels_encode(const struct fl_label *labels, size_t n, struct fl_buf *out);
void fl_store_feature_names_encode(const struct fl_feature *f, size_t n, struct fl_buf *out);
/* status and kind must be valid enum values (0..3); the caller checks. */
void fl_store_feature_values_encode(const struct fl_feature *f, size_t n, struct fl_buf *out);
void fl_store_doubles_encode(const double *v, size_t n, struct fl_buf *out);

/*
 * The dictionary id (>= 1) of the segment pair (name, value), or *id = 0 to store the pair
 * inline. name/value are the caller's NUL-terminated strings (their addresses may serve as a
 * cache key). Errors abort the encoding.
 */
typedef fl_err (*fl_store_seg_id_fn)(void *ud, const char *name, const char *value, uint64_t *id);
/* Segment refs of labels[0..n) onto out. Errors: those of id_fn, and FL_ENOMEM/FL_ELIMIT from
 * the buffer (also sticky in out). */
FL_MUST_CHECK fl_err fl_store_segments_encode(const struct fl_label *labels, size_t n,
                                              fl_store_seg_id_fn id_fn, void *ud,
                                              struct fl_buf *out);
/* Encode a pair's dictionary key (uvarint len, name, uvarint len, value) onto out (sticky). */
void fl_store_seg_key_encode(const char *name, size_t nlen, const char *value, size_t vlen,
                             struct fl_buf *out);
/* Split a pair's dictionary key into name and value slices (pointing into key). FL_EPARSE when
 * malformed. */
FL_MUST_CHECK fl_err fl_store_seg_key_decode(const void *key, size_t len, struct fl_str *name,
                                             struct fl_str *value);
/* The name and value of dictionary id (>= 1), NUL-terminated, valid while the store is open.
 * FL_EPARSE (unknown id) or another error fails the decoding. */
typedef fl_err (*fl_store_seg_pair_fn)(void *ud, uint64_t id, const char **name,
                                       const char **value);
/* Decode segment refs; inline pairs are copied into the arena, dictionary pairs point where
 * pair_fn says. *out is an arena array (NULL when n is 0). FL_EPARSE on malformed input. */
FL_MUST_CHECK fl_err fl_store_segments_decode(const void *p, size_t len,
                                              fl_store_seg_pair_fn pair_fn, void *ud,
                                              struct fl_arena *a, struct fl_label **out,
                                              size_t *n);

/* 1 and the 16 bytes in out when id is exactly 32 lowercase hex digits, else 0. */
int fl_store_hexid_pack(const char *id, unsigned char out[16]);
/* The 32 lowercase hex digits of 16 bytes, NUL-terminated. */
void fl_store_hexid_unpack(const unsigned char in[16], char out[33]);

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
