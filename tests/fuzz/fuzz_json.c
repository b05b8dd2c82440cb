/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json.c: libFuzzer target for the streaming JSON reader (src/core/json.c).
 *
 * Walks any input generically (recursively over fl_json_peek types, reading every scalar with its
 * typed getter) and checks beyond "no crash":
 *  - fl_json_skip and the walk agree: the walk accepts only what skip accepts, and they fail at the
 *    same place, unless the walk stopped on a number out of double range (skip checks syntax only);
 *  - a rejected input has a diagnostic with its code, a message and a 1-based line/column;
 *  - fl_json_raw over an accepted document returns exactly the trimmed text;
 *  - every string read re-encodes with fl_buf_put_json_str and reads back to the same bytes;
 *  - int64/uint64 getters on each number or string either succeed or fail cleanly;
 *  - fl_json_next_scalar_member agrees with the general path on every object member (same key,
 *    type, value and end) or declines without consuming anything or setting an error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_reencode(struct fl_str s)
{
    struct fl_buf enc, scratch;
    struct fl_json j;
    struct fl_str back;
    fl_buf_init(&enc, 8 * s.len + 16);
    fl_buf_init(&scratch, s.len + 16);
    fl_buf_put_json_str(&enc, s.p, s.len);
    CHECK(fl_buf_err(&enc) == FL_OK);
    fl_json_init(&j, enc.data, enc.len, NULL);
    CHECK(fl_json_get_string(&j, &scratch, &back) == FL_OK);
    CHECK(fl_json_end(&j) == FL_OK);
    CHECK(back.len == s.len && memcmp(back.p, s.p, s.len) == 0);
    fl_buf_cleanup(&enc);
    fl_buf_cleanup(&scratch);
}

static fl_err walk(struct fl_json *j, struct fl_buf *scratch)
{
    fl_err e;
    bool more;
    struct fl_str s;
    switch (fl_json_peek(j)) {
    case FL_JSON_OBJECT:
        if ((e = fl_json_enter_object(j)))
            return e;
        for (;;) {
            /* The scalar-member fast path on a copy of the reader must agree with the general
             * path: same key, type, value and end position when it accepts; untouched when it
             * declines. */
            struct fl_json probe = *j;
            struct fl_json_scalar sv;
            struct fl_str pk;
            probe.diag = NULL;
            bool fast = fl_json_next_scalar_member(&probe, &pk, &sv);
            if (!fast)
                CHECK(probe.pos == j->pos && probe.err == FL_OK &&
                      probe.first[probe.depth] == j->first[j->depth]);
            if ((e = fl_json_next_key(j, scratch, &s, &more)) != FL_OK || !more) {
                CHECK(!fast || e != FL_OK || more);
                return e;
            }
            if (fast) {
                CHECK(pk.len == s.len && memcmp(pk.p, s.p, s.len) == 0);
                CHECK(sv.pos == j->pos && fl_json_peek(j) == sv.type);
                struct fl_json g = *j;
                g.diag = NULL;
                if (sv.type == FL_JSON_NUMBER) {
                    double v;
                    CHECK(fl_json_get_double(&g, &v) == FL_OK && memcmp(&v, &sv.num, sizeof v) == 0);
                } else if (sv.type == FL_JSON_STRING) {
                    struct fl_str gs;
                    CHECK(fl_json_get_string(&g, scratch, &gs) == FL_OK && gs.len == sv.str.len &&
                          memcmp(gs.p, sv.str.p, gs.len) == 0);
                } else {
                    CHECK(fl_json_skip(&g) == FL_OK);
                }
                CHECK(g.pos == probe.pos);
            }
            check_reencode(s);
            if ((e = walk(j, scratch)))
                return e;
        }
    case FL_JSON_ARRAY:
        if ((e = fl_json_enter_array(j)))
            return e;
        while ((e = fl_json_next_elem(j, &more)) == FL_OK && more)
            if ((e = walk(j, scratch)))
                return e;
        return e;
    case FL_JSON_STRING: {
        /* Try it as an integer on a copy of the reader, then read it as a string. */
        struct fl_json probe = *j;
        probe.diag = NULL; /* the probe must not claim the first-error slot */
        int64_t iv;
        fl_err ie = fl_json_get_int64(&probe, &iv);
        CHECK(ie == FL_OK || ie == FL_EPARSE || ie == FL_ENOMEM);
        if ((e = fl_json_get_string(j, scratch, &s)))
            return e;
        check_reencode(s);
        return FL_OK;
    }
    case FL_JSON_NUMBER: {
        struct fl_json probe = *j;
        probe.diag = NULL; /* the probe must not claim the first-error slot */
        uint64_t uv;
        fl_err ue = fl_json_get_uint64(&probe, &uv);
        CHECK(ue == FL_OK || ue == FL_EPARSE);
        double d;
        return fl_json_get_double(j, &d);
    }
    case FL_JSON_BOOL: {
        bool b;
        return fl_json_get_bool(j, &b);
    }
    case FL_JSON_NULL:
        return fl_json_get_null(j);
    default:
        return fl_json_skip(j);
    }
}

static void check_diag(const struct fl_diag *d, fl_err e)
{
    CHECK(d->code == e);
    CHECK(d->msg[0] != '\0');
    CHECK(d->line >= 1 && d->column >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct fl_json j;
    struct fl_diag d1, d2;
    struct fl_buf scratch;
    struct fl_str raw;

    fl_diag_init(&d1);
    fl_json_init(&j, p, size, &d1);
    fl_err e_skip = fl_json_raw(&j, &raw);
    if (e_skip == FL_OK)
        e_skip = fl_json_end(&j);
    if (e_skip != FL_OK)
        check_diag(&d1, e_skip);
    else {
        /* raw is the document without surrounding whitespace. */
        size_t a = 0, b = size;
        while (a < b && strchr(" \t\r\n", p[a]))
            a++;
        while (b > a && strchr(" \t\r\n", p[b - 1]))
            b--;
        CHECK(raw.p == p + a && raw.len == b - a);
    }

    fl_diag_init(&d2);
    fl_buf_init(&scratch, 1 << 20);
    fl_json_init(&j, p, size, &d2);
    fl_err e_walk = walk(&j, &scratch);
    if (e_walk == FL_OK)
        e_walk = fl_json_end(&j);
    fl_buf_cleanup(&scratch);
    if (e_walk != FL_OK)
        check_diag(&d2, e_walk);

    /* The walk may stop earlier than skip only on a number out of double range. */
    bool walk_range = e_walk == FL_EPARSE && strstr(d2.msg, "out of range") != NULL;
    if (e_walk == FL_OK)
        CHECK(e_skip == FL_OK);
    if (e_skip != FL_OK && !walk_range) {
        CHECK(e_walk == e_skip);
        CHECK(d1.line == d2.line && d1.column == d2.column);
    }
    if (e_skip == FL_OK && e_walk != FL_OK)
        CHECK(walk_range);
    return 0;
}
