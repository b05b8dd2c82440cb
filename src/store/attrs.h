/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attrs.h: the compact encoding of span attributes. A span's attributes arrive as a compact JSON
 * object ({"http.route":"/pay","http.response.status_code":200,...}) whose keys repeat in every
 * span and make up about half of its bytes. The store keeps each key once (span_attr_keys) and
 * encodes the object as entries:
 *
 *   entry   uvarint key_id | (key_id == 0: uvarint len, key bytes) | uvarint len, value bytes
 *
 * Key bytes are the key's JSON string text without the quotes (escapes kept as written); value
 * bytes are the value's JSON text (string with quotes, number, literal, array or object), so
 * decoding writes back the identical JSON text. Key id 0 stores the key inline (the dictionary is
 * capped; see write.c). An object that is not in compact form (whitespace, or not an object at
 * all) is not encoded: the caller stores its text as is. No SQLite here; pure functions.
 */
#ifndef FL_STORE_ATTRS_H
#define FL_STORE_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"

/*
 * The id of key[0..len) (escaped JSON text), or *id = 0 to store this key inline. Returns FL_OK
 * or an error that aborts the encoding (and is returned by fl_store_attrs_encode).
 */
typedef fl_err (*fl_store_attr_key_fn)(void *ud, const char *key, size_t len, uint64_t *id);

/*
 * Encode the JSON object json[0..len) onto out. *encoded is 1 when it was encoded, 0 when it is
 * not a compact JSON object (then nothing was appended; the caller stores the text as is).
 * Errors: those of key_fn; buffer errors are sticky in out (check fl_buf_err).
 */
FL_MUST_CHECK fl_err fl_store_attrs_encode(const char *json, size_t len, fl_store_attr_key_fn key_fn,
                                           void *ud, struct fl_buf *out, int *encoded);

/*
 * The key text of dictionary id (>= 1): *key points at len bytes that stay valid while the store
 * is open. FL_ENOTFOUND (or another error) fails the decoding.
 */
typedef fl_err (*fl_store_attr_name_fn)(void *ud, uint64_t id, const char **key, size_t *len);

/*
 * Append the JSON text of the entries p[0..len) to out, NUL-terminated. FL_EPARSE when the
 * entries are malformed (a corrupt row), errors of name_fn; buffer errors are sticky in out.
 */
FL_MUST_CHECK fl_err fl_store_attrs_decode(const void *p, size_t len, fl_store_attr_name_fn name_fn,
                                           void *ud, struct fl_buf *out);

#endif
