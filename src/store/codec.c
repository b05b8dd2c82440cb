/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.c: the binary encodings of labels, features and score vectors (see codec.h).
 *
 * The encoders reserve the worst-case size once and then write bytes directly, because the feature
 * encoder runs for every inference row (hundreds of thousands per second).
 */
#include "codec.h"

#include <string.h>

static unsigned char *put_uvarint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static unsigned char *put_bytes(unsigned char *p, const char *s, size_t len)
{
    p = put_uvarint(p, len);
    if (len)
        memcpy(p, s, len);
    return p + len;
}

static unsigned char *put_f64(unsigned char *p, double d)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &d, 8); /* the encoding is little-endian: one store instead of eight */
    return p + 8;
#else
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (int i = 0; i < 8; i++)
        *p++ = (unsigned char)(u >> (8 * i));
    return p;
#endif
}

/* Reserve `need` more bytes (+ NUL) and return where to write, or NULL (error is sticky). */
static unsigned char *reserve(struct fl_buf *out, size_t need)
{
    /* the common case without a call: room already there (the same conditions as
     * fl_buf_reserve(out, need + 1): under the cap, and the NUL fits too) */
    if (out->err == FL_OK && out->data && need < out->max && out->len <= out->max - need - 1 &&
        out->cap - out->len >= need + 2)
        return (unsigned char *)out->data + out->len;
    if (fl_buf_err(out) != FL_OK || fl_buf_reserve(out, need + 1) != FL_OK)
        return NULL;
    return (unsigned char *)out->data + out->len;
}

static void commit(struct fl_buf *out, unsigned char *end)
{
    out->len = (size_t)(end - (unsigned char *)out->data);
    out->data[out->len] = '\0';
}

void fl_store_labels_encode(const struct fl_label *labels, size_t n, struct fl_buf *out)
{
    size_t need = 10;
    for (size_t i = 0; i < n; i++)
        need += 20 + (labels[i].name ? strlen(labels[i].name) : 0) +
                (labels[i].value ? strlen(labels[i].value) : 0);
    unsigned char *p = reserve(out, need);
    if (!p)
        return;
    p = put_uvarint(p, n);
    for (size_t i = 0; i < n; i++) {
        const char *nm = labels[i].name ? labels[i].name : "";
        const char *v = labels[i].value ? labels[i].value : "";
        p = put_bytes(p, nm, strlen(nm));
        p = put_bytes(p, v, strlen(v));
    }
    commit(out, p);
}

void fl_store_feature_names_encode(const struct fl_feature *f, size_t n, struct fl_buf *out)
{
    size_t need = 10;
    for (size_t i = 0; i < n; i++)
        need += 10 + (f[i].name ? strlen(f[i].name) : 0);
    unsigned char *p = reserve(out, need);
    if (!p)
        return;
    p = put_uvarint(p, n);
    for (size_t i = 0; i < n; i++) {
        const char *nm = f[i].name ? f[i].name : "";
        p = put_bytes(p, nm, strlen(nm));
    }
    commit(out, p);
}

void fl_store_feature_values_encode(const struct fl_feature *f, size_t n, struct fl_buf *out)
{
    /* Reserve the fixed-size worst case (tag + 8 bytes) once; strings reserve their own room. */
    if (n > ((size_t)1 << 24)) {
        if (out->err == FL_OK)
            out->err = FL_ELIMIT;
        return;
    }
    unsigned char *p = reserve(out, 11 * n);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++) {
        *p++ = (unsigned char)(((unsigned)f[i].status & 0xf) << 4 | ((unsigned)f[i].kind & 0xf));
        switch (f[i].kind) {
        case FL_VAL_NUMBER:
            p = put_f64(p, f[i].num);
            break;
        case FL_VAL_BOOL:
            *p++ = f[i].num != 0;
            break;
        case FL_VAL_STRING: {
            const char *s = f[i].str ? f[i].str : "";
            size_t len = strlen(s);
            commit(out, p);
            if (len > SIZE_MAX / 4) {
                if (out->err == FL_OK)
                    out->err = FL_ELIMIT;
                return;
            }
            if (!(p = reserve(out, 10 + len + 11 * (n - i - 1))))
                return; /* the error is sticky in out */
            p = put_bytes(p, s, len);
            break;
        }
        default: /* FL_VAL_NULL carries no value */
            break;
        }
    }
    commit(out, p);
}

void fl_store_doubles_encode(const double *v, size_t n, struct fl_buf *out)
{
    if (n > (SIZE_MAX - 16) / 8) {
        if (out->err == FL_OK)
            out->err = FL_ELIMIT;
        return;
    }
    unsigned char *p = reserve(out, n * 8);
    if (!p)
        return;
    for (size_t i = 0; i < n; i++)
        p = put_f64(p, v[i]);
    commit(out, p);
}

void fl_store_seg_key_encode(const char *name, size_t nlen, const char *value, size_t vlen,
                             struct fl_buf *out)
{
    if (nlen > SIZE_MAX / 4 || vlen > SIZE_MAX / 4) {
        if (out->err == FL_OK)
            out->err = FL_ELIMIT;
        return;
    }
    unsigned char *p = reserve(out, 20 + nlen + vlen);
    if (!p)
        return;
    p = put_bytes(p, name, nlen);
    p = put_bytes(p, value, vlen);
    commit(out, p);
}

fl_err fl_store_segments_encode(const struct fl_label *labels, size_t n, fl_store_seg_id_fn id_fn,
                                void *ud, struct fl_buf *out)
{
    if (n > ((size_t)1 << 24)) {
        if (out->err == FL_OK)
            out->err = FL_ELIMIT;
        return FL_ELIMIT;
    }
    /* room for the count and every id; an inline pair reserves its own */
    unsigned char *p = reserve(out, 10 * (n + 1));
    if (!p)
        return fl_buf_err(out);
    p = put_uvarint(p, n);
    for (size_t i = 0; i < n; i++) {
        const char *nm = labels[i].name ? labels[i].name : "";
        const char *v = labels[i].value ? labels[i].value : "";
        uint64_t id = 0;
        fl_err e = id_fn(ud, nm, v, &id);
        if (e != FL_OK) {
            commit(out, p);
            return e;
        }
        if (id) {
            p = put_uvarint(p, id);
            continue;
        }
        commit(out, p);
        size_t nlen = strlen(nm), vlen = strlen(v);
        if (nlen > SIZE_MAX / 4 || vlen > SIZE_MAX / 4) {
            if (out->err == FL_OK)
                out->err = FL_ELIMIT;
            return FL_ELIMIT;
        }
        if (!(p = reserve(out, 21 + nlen + vlen + 10 * (n - i))))
            return fl_buf_err(out);
        *p++ = 0;
        p = put_bytes(p, nm, nlen);
        p = put_bytes(p, v, vlen);
    }
    commit(out, p);
    return FL_OK;
}

/* The value of a lowercase hex digit, or -1. */
static int hexval(unsigned char c)
{
    if ((unsigned)(c - '0') < 10u)
        return c - '0';
    if ((unsigned)(c - 'a') < 6u)
        return c - 'a' + 10;
    return -1;
}

int fl_store_hexid_pack(const char *id, unsigned char out[16])
{
    if (!id)
        return 0;
    for (size_t i = 0; i < 16; i++) {
        int hi = hexval((unsigned char)id[2 * i]), lo;
        if (hi < 0 || (lo = hexval((unsigned char)id[2 * i + 1])) < 0)
            return 0; /* also stops at the NUL of a shorter id, before reading past it */
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return id[32] == '\0';
}

void fl_store_hexid_unpack(const unsigned char in[16], char out[33])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 16; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[32] = '\0';
}

/* ---- decoding ---- */

struct rd {
    const unsigned char *p, *end;
};

static int get_uvarint(struct rd *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return 0;
        unsigned char c = *r->p++;
        if (shift == 63 && c > 1)
            return 0;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

static fl_err get_str(struct rd *r, struct fl_arena *a, const char **out)
{
    uint64_t len;
    if (!get_uvarint(r, &len) || len > (uint64_t)(r->end - r->p))
        return FL_EPARSE;
    char *s = fl_arena_strndup(a, (const char *)r->p, (size_t)len);
    if (!s)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    r->p += len;
    *out = s;
    return FL_OK;
}

static double get_f64(struct rd *r)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Read the element count; each element needs at least min_bytes, which bounds the allocation. */
static fl_err get_count(struct rd *r, size_t min_bytes, size_t *n)
{
    uint64_t cnt;
    if (!get_uvarint(r, &cnt) || cnt > (uint64_t)(r->end - r->p) / min_bytes)
        return FL_EPARSE;
    *n = (size_t)cnt;
    return FL_OK;
}

static fl_err arena_err(const struct fl_arena *a)
{
    return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
}

fl_err fl_store_labels_decode(const void *p, size_t len, struct fl_arena *a, struct fl_label **out,
                              size_t *n)
{
    struct rd r = {p, (const unsigned char *)p + len};
    struct fl_label *l = NULL;
    size_t cnt;
    fl_err e;

    if (!p)
        return FL_EPARSE;
    if ((e = get_count(&r, 2, &cnt)) != FL_OK)
        return e;
    if (cnt && !(l = fl_arena_calloc(a, cnt, sizeof *l)))
        return arena_err(a);
    for (size_t i = 0; i < cnt; i++) {
        if ((e = get_str(&r, a, &l[i].name)) != FL_OK || (e = get_str(&r, a, &l[i].value)) != FL_OK)
            return e;
    }
    if (r.p != r.end)
        return FL_EPARSE;
    *out = l;
    *n = cnt;
    return FL_OK;
}

fl_err fl_store_seg_key_decode(const void *key, size_t len, struct fl_str *name,
                               struct fl_str *value)
{
    struct rd r = {key, (const unsigned char *)key + len};
    uint64_t n;
    if (!key)
        return FL_EPARSE;
    if (!get_uvarint(&r, &n) || n > (uint64_t)(r.end - r.p))
        return FL_EPARSE;
    *name = (struct fl_str){(const char *)r.p, (size_t)n};
    r.p += n;
    if (!get_uvarint(&r, &n) || n != (uint64_t)(r.end - r.p))
        return FL_EPARSE;
    *value = (struct fl_str){(const char *)r.p, (size_t)n};
    return FL_OK;
}

fl_err fl_store_segments_decode(const void *p, size_t len, fl_store_seg_pair_fn pair_fn, void *ud,
                                struct fl_arena *a, struct fl_label **out, size_t *n)
{
    struct rd r = {p, (const unsigned char *)p + len};
    struct fl_label *l = NULL;
    size_t cnt;
    fl_err e;

    if (!p)
        return FL_EPARSE;
    if ((e = get_count(&r, 1, &cnt)) != FL_OK)
        return e;
    if (cnt && !(l = fl_arena_calloc(a, cnt, sizeof *l)))
        return arena_err(a);
    for (size_t i = 0; i < cnt; i++) {
        uint64_t id;
        if (!get_uvarint(&r, &id))
            return FL_EPARSE;
        if (id == 0) {
            if ((e = get_str(&r, a, &l[i].name)) != FL_OK ||
                (e = get_str(&r, a, &l[i].value)) != FL_OK)
                return e;
        } else if ((e = pair_fn(ud, id, &l[i].name, &l[i].value)) != FL_OK) {
            return e;
        }
    }
    if (r.p != r.end)
        return FL_EPARSE;
    *out = l;
    *n = cnt;
    return FL_OK;
}

fl_err fl_store_features_decode(const void *names, size_t names_len, const void *values,
                                size_t values_len, struct fl_arena *a, struct fl_feature **out,
                                size_t *n)
{
    struct rd r = {names, (const unsigned char *)names + names_len};
    struct rd v = {values, (const unsigned char *)values + values_len};
    struct fl_feature *f = NULL;
    size_t cnt;
    fl_err e;

    if (!names || (!values && values_len))
        return FL_EPARSE;
    if ((e = get_count(&r, 1, &cnt)) != FL_OK)
        return e;
    if (cnt > values_len) /* every feature has at least its status/kind byte */
        return FL_EPARSE;
    if (cnt && !(f = fl_arena_calloc(a, cnt, sizeof *f)))
        return arena_err(a);
    for (size_t i = 0; i < cnt; i++) {
        if ((e = get_str(&r, a, &f[i].name)) != FL_OK)
            return e;
        if (v.p >= v.end)
            return FL_EPARSE;
        f[i].status = *v.p >> 4;
        f[i].kind = *v.p & 0xf;
        v.p++;
        if (f[i].status > FL_FEAT_OUTSIDE_MAX_AGE)
            return FL_EPARSE;
        switch (f[i].kind) {
        case FL_VAL_NUMBER:
            if (v.end - v.p < 8)
                return FL_EPARSE;
            f[i].num = get_f64(&v);
            break;
        case FL_VAL_BOOL:
            if (v.end - v.p < 1 || v.p[0] > 1)
                return FL_EPARSE;
            f[i].num = *v.p++;
            break;
        case FL_VAL_STRING:
            if ((e = get_str(&v, a, &f[i].str)) != FL_OK)
                return e;
            break;
        case FL_VAL_NULL:
            break;
        default:
            return FL_EPARSE;
        }
    }
    if (r.p != r.end || v.p != v.end)
        return FL_EPARSE;
    *out = f;
    *n = cnt;
    return FL_OK;
}

fl_err fl_store_doubles_decode(const void *p, size_t len, struct fl_arena *a, double **out,
                               size_t *n)
{
    struct rd r = {p, (const unsigned char *)p + len};
    double *v = NULL;

    if ((!p && len) || len % 8)
        return FL_EPARSE;
    size_t cnt = len / 8;
    if (cnt && !(v = fl_arena_alloc(a, cnt * sizeof *v)))
        return arena_err(a);
    for (size_t i = 0; i < cnt; i++)
        v[i] = get_f64(&r);
    *out = v;
    *n = cnt;
    return FL_OK;
}
