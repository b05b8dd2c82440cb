/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_span_attrs.c: libFuzzer target for the span attribute encoding (src/store/attrs.c).
 *
 * The input is used twice. As JSON text: when the encoder accepts it, decoding must give back the
 * identical bytes (the encoding is lossless), with keys numbered by a small dictionary and, past
 * its capacity, stored inline. As a stored blob (a corrupt database): decoding must fail cleanly
 * or produce text, never crash or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "store/attrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DICT 8

struct dict {
    char key[DICT][64];
    size_t len[DICT];
    size_t n;
};

static fl_err key_id(void *ud, const char *key, size_t len, uint64_t *id)
{
    struct dict *d = ud;
    *id = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->len[i] == len && !memcmp(d->key[i], key, len)) {
            *id = i + 1;
            return FL_OK;
        }
    if (d->n < DICT && len < sizeof d->key[0]) {
        memcpy(d->key[d->n], key, len);
        d->len[d->n] = len;
        *id = ++d->n;
    }
    return FL_OK;
}

static fl_err key_name(void *ud, uint64_t id, const char **key, size_t *len)
{
    struct dict *d = ud;
    if (id == 0 || id > d->n)
        return FL_ENOTFOUND;
    *key = d->key[id - 1];
    *len = d->len[id - 1];
    return FL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dict d = {.n = 0};
    struct fl_buf enc, dec;
    int encoded = 0;
    fl_buf_init(&enc, 1u << 24);
    fl_buf_init(&dec, 1u << 24);
    if (fl_store_attrs_encode((const char *)data, size, key_id, &d, &enc, &encoded) != FL_OK)
        abort(); /* key_id never fails */
    if (encoded) {
        if (fl_buf_err(&enc) != FL_OK)
            abort();
        if (fl_store_attrs_decode(enc.data, enc.len, key_name, &d, &dec) != FL_OK ||
            fl_buf_err(&dec) != FL_OK || dec.len != size || memcmp(dec.data, data, size) != 0)
            abort();
    } else if (enc.len != 0) {
        abort(); /* a declined input appends nothing */
    }
    fl_buf_reset(&dec);
    fl_err e = fl_store_attrs_decode(data, size, key_name, &d, &dec);
    if (e == FL_OK && fl_buf_err(&dec) == FL_OK && (dec.len < 2 || dec.data[0] != '{'))
        abort();
    fl_buf_cleanup(&enc);
    fl_buf_cleanup(&dec);
    return 0;
}
