/* SPDX-License-Identifier: Apache-2.0 */
/*
 * freq.c: the Misra-Gries frequent-items summary (Misra, Gries 1982) with the merge of Agarwal
 * et al., "Mergeable Summaries" (PODS 2012), over owned byte-string keys.
 *
 * Counters live in a dense array (at most k) indexed by an open-addressing table of at least 2k
 * slots keyed by fl_hll_hash_bytes. A decrement step (full sketch, new key) subtracts the
 * smallest of the k + 1 counts from all of them, which removes at least (k + 1) times that amount
 * from the counted mass, so there are at most n / (k + 1) such steps and each costs O(k): O(1)
 * amortized per update. Unit updates never allocate on the decrement path (the new key is the
 * one dropped).
 */
#include "stats/freq.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "stats/hll.h"
#include "stats/sketch_io.h"

struct entry {
    char *key; /* owned, NUL-terminated */
    uint32_t len;
    uint64_t hash;
    uint64_t count; /* >= 1 */
};

struct fl_freq {
    uint32_t k, max_item_bytes;
    uint64_t n;      /* total weight counted */
    uint64_t err;    /* sum of the amounts subtracted from every counter */
    struct entry *e; /* dense, n_e used, room for k */
    uint32_t n_e;
    int32_t *slots; /* index into e, -1 empty; mask + 1 slots */
    uint32_t mask;
};

#define FREQ_HEADER_BYTES 32

static size_t trunc_len(const char *p, size_t len, size_t max)
{
    if (len <= max)
        return len;
    /* A cut before a continuation byte splits a character: move back to its first byte. */
    size_t n = max;
    while (n > 0 && max - n < 3 && ((unsigned char)p[n] & 0xC0) == 0x80)
        n--;
    if (((unsigned char)p[n] & 0xC0) == 0x80)
        n = max; /* not UTF-8 */
    return n;
}

static int32_t find(const struct fl_freq *f, const char *key, size_t len, uint64_t h,
                    uint32_t *slot)
{
    uint32_t i = (uint32_t)h & f->mask;
    for (; f->slots[i] >= 0; i = (i + 1) & f->mask) {
        const struct entry *x = &f->e[f->slots[i]];
        if (x->hash == h && x->len == len && memcmp(x->key, key, len) == 0)
            break;
    }
    if (slot)
        *slot = i;
    return f->slots[i];
}

static void rebuild_index(struct fl_freq *f)
{
    memset(f->slots, 0xff, ((size_t)f->mask + 1) * sizeof *f->slots);
    for (uint32_t j = 0; j < f->n_e; j++) {
        uint32_t i = (uint32_t)f->e[j].hash & f->mask;
        while (f->slots[i] >= 0)
            i = (i + 1) & f->mask;
        f->slots[i] = (int32_t)j;
    }
}

/* Subtract c from every counter, drop (and free) those that reach zero. */
static void subtract_all(struct fl_freq *f, uint64_t c)
{
    uint32_t kept = 0;
    for (uint32_t j = 0; j < f->n_e; j++) {
        if (f->e[j].count <= c) {
            fl_free(f->e[j].key);
            continue;
        }
        f->e[kept] = f->e[j];
        f->e[kept++].count -= c;
    }
    int dropped = kept != f->n_e;
    f->n_e = kept;
    if (dropped)
        rebuild_index(f);
}

static struct fl_freq *alloc_freq(uint32_t k, uint32_t max_item_bytes)
{
    struct fl_freq *f = fl_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    uint32_t n_slots = 8;
    while (n_slots < 2 * k)
        n_slots *= 2;
    f->k = k;
    f->max_item_bytes = max_item_bytes;
    f->mask = n_slots - 1;
    f->e = fl_reallocarray(NULL, k, sizeof *f->e);
    f->slots = fl_reallocarray(NULL, n_slots, sizeof *f->slots);
    if (!f->e || !f->slots) {
        fl_free(f->e);
        fl_free(f->slots);
        fl_free(f);
        return NULL;
    }
    memset(f->slots, 0xff, (size_t)n_slots * sizeof *f->slots);
    return f;
}

fl_err fl_freq_new(size_t k, size_t max_item_bytes, struct fl_freq **out)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (k < 1 || k > FL_LIMIT_FREQ_COUNTERS || max_item_bytes < 1 ||
        max_item_bytes > FL_LIMIT_FREQ_ITEM_BYTES)
        return FL_EINVAL;
    if (!(*out = alloc_freq((uint32_t)k, (uint32_t)max_item_bytes)))
        return FL_ENOMEM;
    return FL_OK;
}

void fl_freq_free(struct fl_freq *f)
{
    if (!f)
        return;
    for (uint32_t j = 0; j < f->n_e; j++)
        fl_free(f->e[j].key);
    fl_free(f->e);
    fl_free(f->slots);
    fl_free(f);
}

/* Append an entry that is known to be absent; the sketch has room. Takes ownership of key. */
static void insert(struct fl_freq *f, char *key, size_t len, uint64_t h, uint64_t count,
                   uint32_t slot)
{
    f->e[f->n_e] = (struct entry){key, (uint32_t)len, h, count};
    f->slots[slot] = (int32_t)f->n_e++;
}

fl_err fl_freq_update_n(struct fl_freq *f, const char *key, size_t len, uint64_t w)
{
    if (!f || (!key && len))
        return FL_EINVAL;
    if (w == 0)
        return FL_OK;
    if (w > UINT64_MAX - f->n)
        return FL_ELIMIT;
    if (!key)
        key = "";
    len = trunc_len(key, len, f->max_item_bytes);
    uint64_t h = fl_hll_hash_bytes(key, len);
    uint32_t slot;
    int32_t idx = find(f, key, len, h, &slot);
    if (idx >= 0) {
        f->e[idx].count += w;
        f->n += w;
        return FL_OK;
    }
    if (f->n_e < f->k) {
        char *copy = fl_strndup(key, len);
        if (!copy)
            return FL_ENOMEM;
        insert(f, copy, len, h, w, slot);
        f->n += w;
        return FL_OK;
    }
    /* Full: subtract the smallest of the k + 1 counts (the new one included) from all. */
    uint64_t c = w;
    for (uint32_t j = 0; j < f->n_e; j++)
        if (f->e[j].count < c)
            c = f->e[j].count;
    char *copy = NULL;
    if (w > c && !(copy = fl_strndup(key, len)))
        return FL_ENOMEM;
    subtract_all(f, c);
    f->err += c;
    f->n += w;
    if (copy) {
        find(f, copy, len, h, &slot); /* a counter was dropped: there is room */
        insert(f, copy, len, h, w - c, slot);
    }
    return FL_OK;
}

fl_err fl_freq_update(struct fl_freq *f, const char *key, size_t len)
{
    return fl_freq_update_n(f, key, len, 1);
}

static int cmp_u64_desc(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a < b) - (a > b);
}

/* The (k+1)-th largest of the n_c counts of ce (n_c > k). */
static fl_err kth_count(const struct entry *ce, uint32_t n_c, uint32_t k, uint64_t *out)
{
    uint64_t *c = fl_reallocarray(NULL, n_c, sizeof *c);
    if (!c)
        return FL_ENOMEM;
    for (uint32_t j = 0; j < n_c; j++)
        c[j] = ce[j].count;
    qsort(c, n_c, sizeof *c, cmp_u64_desc);
    *out = c[k];
    fl_free(c);
    return FL_OK;
}

fl_err fl_freq_merge(struct fl_freq *dst, const struct fl_freq *src, struct fl_diag *d)
{
    if (!dst || !src)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "freq merge: NULL sketch");
    if (dst->k != src->k || dst->max_item_bytes != src->max_item_bytes)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "freq merge: k = %u, max_item_bytes = %u into "
                           "k = %u, max_item_bytes = %u",
                           src->k, src->max_item_bytes, dst->k, dst->max_item_bytes);
    if (src->n == 0)
        return FL_OK;
    if (src->n > UINT64_MAX - dst->n)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "freq merge: n would overflow 64 bits");
    uint32_t n_c = dst->n_e, cap = dst->n_e + src->n_e;
    uint64_t c = 0;
    fl_err e = FL_ENOMEM;
    /* Combined counters: dst's keys borrowed, src's absent keys copied (flag: hash kept). */
    struct entry *ce = fl_reallocarray(NULL, cap > dst->k ? cap : dst->k, sizeof *ce);
    if (!ce)
        goto fail;
    memcpy(ce, dst->e, (size_t)dst->n_e * sizeof *ce);
    for (uint32_t j = 0; j < src->n_e; j++) {
        const struct entry *x = &src->e[j];
        int32_t idx = find(dst, x->key, x->len, x->hash, NULL);
        if (idx >= 0) {
            ce[idx].count += x->count;
            continue;
        }
        char *copy = fl_strndup(x->key, x->len);
        if (!copy)
            goto fail;
        ce[n_c++] = (struct entry){copy, x->len, x->hash, x->count};
    }
    if (n_c > dst->k && (e = kth_count(ce, n_c, dst->k, &c)))
        goto fail;
    /* Commit: no failure past this point. */
    fl_free(dst->e);
    dst->e = ce;
    dst->n_e = n_c;
    dst->n += src->n;
    dst->err += src->err + c;
    if (c > 0)
        subtract_all(dst, c); /* rebuilds the index when counters drop, as they do here */
    else
        rebuild_index(dst);
    return FL_OK;
fail:
    for (uint32_t j = dst->n_e; ce && j < n_c; j++)
        fl_free(ce[j].key);
    fl_free(ce);
    return fl_diag_set(d, e, 0, 0, "freq merge: out of memory");
}

uint64_t fl_freq_n(const struct fl_freq *f)
{
    return f->n;
}

uint64_t fl_freq_max_error(const struct fl_freq *f)
{
    return f->err;
}

size_t fl_freq_size(const struct fl_freq *f)
{
    return f->n_e;
}

size_t fl_freq_k(const struct fl_freq *f)
{
    return f->k;
}

void fl_freq_estimate(const struct fl_freq *f, const char *key, size_t len, uint64_t *lower,
                      uint64_t *upper)
{
    uint64_t lo = 0;
    if (key || len == 0) {
        if (!key)
            key = "";
        len = trunc_len(key, len, f->max_item_bytes);
        int32_t idx = find(f, key, len, fl_hll_hash_bytes(key, len), NULL);
        if (idx >= 0)
            lo = f->e[idx].count;
    }
    if (lower)
        *lower = lo;
    if (upper)
        *upper = lo + f->err;
}

static int cmp_item(const void *pa, const void *pb)
{
    const struct fl_freq_item *a = pa, *b = pb;
    if (a->lower != b->lower)
        return a->lower > b->lower ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->key, b->key, n);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

fl_err fl_freq_items(const struct fl_freq *f, struct fl_freq_item **items, size_t *n)
{
    if (!f || !items || !n)
        return FL_EINVAL;
    *items = NULL;
    *n = 0;
    if (f->n_e == 0)
        return FL_OK;
    struct fl_freq_item *it = fl_reallocarray(NULL, f->n_e, sizeof *it);
    if (!it)
        return FL_ENOMEM;
    for (uint32_t j = 0; j < f->n_e; j++)
        it[j] =
            (struct fl_freq_item){f->e[j].key, f->e[j].len, f->e[j].count, f->e[j].count + f->err};
    qsort(it, f->n_e, sizeof *it, cmp_item);
    *items = it;
    *n = f->n_e;
    return FL_OK;
}

size_t fl_freq_serialized_size(const struct fl_freq *f)
{
    size_t s = FREQ_HEADER_BYTES;
    for (uint32_t j = 0; j < f->n_e; j++)
        s += 10 + (size_t)f->e[j].len;
    return s;
}

fl_err fl_freq_serialize(const struct fl_freq *f, struct fl_buf *out)
{
    if (!f || !out)
        return FL_EINVAL;
    fl_err e = fl_buf_reserve(out, fl_freq_serialized_size(f));
    if (e)
        return e;
    fl_sketch_put_header(out, FL_SKETCH_FREQ);
    fl_sketch_put_u16(out, 0);
    fl_sketch_put_u32(out, f->k);
    fl_sketch_put_u32(out, f->max_item_bytes);
    fl_sketch_put_u64(out, f->n);
    fl_sketch_put_u64(out, f->err);
    fl_sketch_put_u32(out, f->n_e);
    for (uint32_t j = 0; j < f->n_e; j++) {
        fl_sketch_put_u64(out, f->e[j].count);
        fl_sketch_put_u16(out, (uint16_t)f->e[j].len);
        fl_buf_append(out, f->e[j].key, f->e[j].len);
    }
    return fl_buf_err(out);
}

struct freq_head {
    uint16_t reserved;
    uint32_t k, max_item_bytes, n_entries;
    uint64_t n, err;
};

static fl_err read_head(struct fl_sketch_reader *r, struct freq_head *h)
{
    fl_err e;
    if ((e = fl_sketch_get_u16(r, "reserved", &h->reserved)))
        return e;
    if (h->reserved != 0)
        return fl_sketch_fail(r, "reserved", "reserved field is %u, expected 0", h->reserved);
    if ((e = fl_sketch_get_u32(r, "k", &h->k)))
        return e;
    if (h->k < 1 || h->k > FL_LIMIT_FREQ_COUNTERS)
        return fl_sketch_fail(r, "k", "k = %u outside [1, %d]", h->k, FL_LIMIT_FREQ_COUNTERS);
    if ((e = fl_sketch_get_u32(r, "max_item_bytes", &h->max_item_bytes)))
        return e;
    if (h->max_item_bytes < 1 || h->max_item_bytes > FL_LIMIT_FREQ_ITEM_BYTES)
        return fl_sketch_fail(r, "max_item_bytes", "%u outside [1, %d]", h->max_item_bytes,
                              FL_LIMIT_FREQ_ITEM_BYTES);
    if ((e = fl_sketch_get_u64(r, "n", &h->n)) || (e = fl_sketch_get_u64(r, "max_error", &h->err)))
        return e;
    if ((e = fl_sketch_get_u32(r, "n_counters", &h->n_entries)))
        return e;
    if (h->n_entries > h->k)
        return fl_sketch_fail(r, "n_counters", "%u counters, more than k = %u", h->n_entries, h->k);
    return fl_sketch_need(r, "counters", h->n_entries, 10);
}

static fl_err read_entry(struct fl_sketch_reader *r, struct fl_freq *f, uint64_t *sum)
{
    uint64_t count;
    uint16_t len;
    const uint8_t *key;
    uint32_t slot;
    fl_err e;
    if ((e = fl_sketch_get_u64(r, "count", &count)))
        return e;
    if (count == 0 || count > f->n - *sum)
        return fl_sketch_fail(r, "count", "count %llu is 0 or the counts exceed n = %llu",
                              (unsigned long long)count, (unsigned long long)f->n);
    *sum += count;
    if ((e = fl_sketch_get_u16(r, "key_len", &len)))
        return e;
    if (len > f->max_item_bytes)
        return fl_sketch_fail(r, "key_len", "key of %u bytes, above max_item_bytes = %u", len,
                              f->max_item_bytes);
    if ((e = fl_sketch_get_bytes(r, "key", len, &key)))
        return e;
    uint64_t h = fl_hll_hash_bytes(key, len);
    if (find(f, (const char *)key, len, h, &slot) >= 0)
        return fl_sketch_fail(r, "key", "duplicate key");
    char *copy = fl_strndup((const char *)key, len);
    if (!copy)
        return fl_diag_set(r->d, FL_ENOMEM, 0, 0, "freq: out of memory");
    insert(f, copy, len, h, count, slot);
    return FL_OK;
}

fl_err fl_freq_deserialize(const void *p, size_t len, struct fl_freq **out, struct fl_diag *d)
{
    struct fl_sketch_reader r;
    struct freq_head h;
    struct fl_freq *f = NULL;
    uint64_t sum = 0;
    fl_err e;
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    fl_sketch_reader_init(&r, p, len, "freq", d);
    if ((e = fl_sketch_get_header(&r, FL_SKETCH_FREQ)) || (e = read_head(&r, &h)))
        return e;
    if (!(f = alloc_freq(h.k, h.max_item_bytes)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "freq: out of memory");
    f->n = h.n;
    f->err = h.err;
    for (uint32_t j = 0; j < h.n_entries; j++)
        if ((e = read_entry(&r, f, &sum)))
            goto fail;
    if ((e = fl_sketch_reader_end(&r)))
        goto fail;
    if (h.err > (h.n - sum) / ((uint64_t)h.k + 1)) {
        r.last = 20;
        e = fl_sketch_fail(&r, "max_error", "max_error %llu above (n - sum of counts) / (k + 1)",
                           (unsigned long long)h.err);
        goto fail;
    }
    *out = f;
    return FL_OK;
fail:
    fl_freq_free(f);
    return e;
}
