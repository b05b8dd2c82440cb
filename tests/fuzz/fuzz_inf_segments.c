/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_inf_segments.c: libFuzzer target for the inference row encodings of schema 8
 * (src/store/codec.c): segment refs with their dictionary keys, and hex trace ids.
 *
 * The input is used twice. Split at NUL bytes into name, value, name, value... it is a segment
 * set: encoding with a small dictionary (pairs past its capacity stored inline) and decoding must
 * give the same pairs back, and a 32-hex-digit id must pack and unpack to itself. As a stored
 * blob (a corrupt database): decoding segment refs and splitting a dictionary key must fail
 * cleanly or give strings inside their bounds, never crash or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DICT 4
#define MAX_PAIRS 64

struct dict {
    const char *name[DICT], *value[DICT];
    size_t n;
};

static fl_err pair_id(void *ud, const char *name, const char *value, uint64_t *id)
{
    struct dict *d = ud;
    *id = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->name[i], name) && !strcmp(d->value[i], value)) {
            *id = i + 1;
            return FL_OK;
        }
    if (d->n < DICT) {
        d->name[d->n] = name;
        d->value[d->n] = value;
        *id = ++d->n;
    }
    return FL_OK;
}

static fl_err pair_of(void *ud, uint64_t id, const char **name, const char **value)
{
    struct dict *d = ud;
    if (id == 0 || id > d->n)
        return FL_EPARSE;
    *name = d->name[id - 1];
    *value = d->value[id - 1];
    return FL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct fl_label l[MAX_PAIRS];
    size_t n = 0;
    for (const char *p = text, *end = text + size; p < end && n < MAX_PAIRS; n++) {
        l[n].name = p;
        p += strlen(p) + 1;
        l[n].value = p < end ? p : "";
        p += p < end ? strlen(p) + 1 : 0;
    }
    struct dict d = {.n = 0};
    struct fl_buf enc;
    struct fl_arena a;
    fl_buf_init(&enc, 1u << 24);
    fl_arena_init(&a, 4096, 1u << 24);
    if (fl_store_segments_encode(l, n, pair_id, &d, &enc) != FL_OK)
        abort(); /* pair_id never fails and the input is far below the cap */
    struct fl_label *out = NULL;
    size_t m = 0;
    if (fl_store_segments_decode(enc.data, enc.len, pair_of, &d, &a, &out, &m) != FL_OK || m != n)
        abort();
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i].name, l[i].name) || strcmp(out[i].value, l[i].value))
            abort();
    unsigned char id[16];
    char hex[33];
    if (fl_store_hexid_pack(text, id)) {
        fl_store_hexid_unpack(id, hex);
        if (strlen(text) != 32 || strcmp(hex, text))
            abort();
    }
    /* the input as stored bytes */
    fl_arena_reset(&a);
    fl_err e = fl_store_segments_decode(data, size, pair_of, &d, &a, &out, &m);
    if (e == FL_OK)
        for (size_t i = 0; i < m; i++)
            if (!out[i].name || !out[i].value)
                abort();
    struct fl_str sn, sv;
    if (fl_store_seg_key_decode(data, size, &sn, &sv) == FL_OK &&
        (sn.p < (const char *)data || sv.p + sv.len != (const char *)data + size))
        abort();
    fl_arena_cleanup(&a);
    fl_buf_cleanup(&enc);
    free(text);
    return 0;
}
