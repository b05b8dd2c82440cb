/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c: the batch that carries records from ingest to the store, series interning, and the
 * canonical label-set forms (hash, exposition-style text).
 *
 * Series are interned by the hash that is kept with them anyway (fl_labels_hash, FNV-1a over the
 * sorted names and values with a 0xff byte after each; 0xff never occurs in UTF-8): an open
 * addressing table of 8-byte slots (series index + 1, high half of the hash) over the batch's
 * series array. A slot whose tag matches is confirmed by the full 64-bit hash and then by
 * comparing the label sets themselves, so a collision never merges two series. Each new series
 * takes one arena allocation: its label array followed by the NUL-terminated names and values.
 */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "limits.h"

#define BATCH_ARENA_BLOCK (256u * 1024)
#define SERIES_CHUNK (16u * 1024) /* arena bytes taken at a time for series labels */

struct fl_series_slot {
    uint32_t idx1; /* series index + 1; 0 = empty */
    uint32_t tag;  /* high 32 bits of the series hash */
};

struct fl_series_index {
    struct fl_series_slot *slots;
    size_t cap;       /* slots: a power of two, or 0 before the first series */
    char *chunk;      /* free tail of the arena chunk that new series are carved from */
    size_t chunk_len; /* bytes */
    /* The last series' first label and the hash state after it (see series_hash). */
    size_t hint;      /* series index + 1, 0 = none */
    size_t hint_name_len, hint_value_len;
    uint64_t hint_h;
};

static void index_reset(struct fl_series_index *x)
{
    if (x->cap)
        memset(x->slots, 0, x->cap * sizeof *x->slots);
    x->chunk = NULL;
    x->chunk_len = 0;
    x->hint = 0;
}

fl_err fl_batch_init(struct fl_batch *b, size_t max_records)
{
    memset(b, 0, sizeof *b);
    fl_arena_init(&b->arena, BATCH_ARENA_BLOCK, FL_LIMIT_BATCH_ARENA_BYTES);
    b->max_records = max_records ? max_records : FL_LIMIT_RECORDS_PER_BATCH;
    b->series_index = fl_calloc(1, sizeof *b->series_index);
    return b->series_index ? FL_OK : FL_ENOMEM;
}

void fl_batch_cleanup(struct fl_batch *b)
{
    if (!b)
        return;
    fl_arena_cleanup(&b->arena);
    if (b->series_index)
        fl_free(b->series_index->slots);
    fl_free(b->series_index);
    fl_free(b->series);
    fl_free(b->samples);
    fl_free(b->exemplars);
    fl_free(b->meta);
    fl_free(b->spans);
    fl_free(b->inferences);
    fl_free(b->outcomes);
    fl_free(b->events);
    fl_free(b->models);
    memset(b, 0, sizeof *b);
}

void fl_batch_reset(struct fl_batch *b)
{
    fl_arena_reset(&b->arena);
    if (b->series_index)
        index_reset(b->series_index);
    b->n_series = b->n_samples = b->n_exemplars = b->n_meta = b->n_spans = 0;
    b->n_inferences = b->n_outcomes = b->n_events = b->n_models = 0;
}

size_t fl_batch_count(const struct fl_batch *b)
{
    return b->n_samples + b->n_exemplars + b->n_spans + b->n_inferences + b->n_outcomes +
           b->n_events + b->n_models;
}

char *fl_batch_strndup(struct fl_batch *b, const char *p, size_t len)
{
    return fl_arena_strndup(&b->arena, p, len);
}

fl_err fl_batch_alloc_err(const struct fl_batch *b)
{
    return b->arena.limit_hit ? FL_ELIMIT : FL_ENOMEM;
}

/* Make room for one more element in *arr (doubling). */
static fl_err grow(void **arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return FL_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *na = fl_reallocarray(*arr, ncap, elem);
    if (!na)
        return FL_ENOMEM;
    *arr = na;
    *cap = ncap;
    return FL_OK;
}

/* Check the record cap and make room; used by every add function. */
#define BATCH_ADD(b, arr, n, cap, item)                                                            \
    do {                                                                                           \
        if (fl_batch_count(b) >= (b)->max_records)                                                 \
            return FL_ELIMIT;                                                                      \
        void *arr_ = (b)->arr;                                                                     \
        fl_err e_ = grow(&arr_, (b)->n, &(b)->cap, sizeof *(b)->arr);                              \
        (b)->arr = arr_;                                                                           \
        if (e_)                                                                                    \
            return e_;                                                                             \
        (b)->arr[(b)->n++] = (item);                                                               \
        return FL_OK;                                                                              \
    } while (0)

fl_err fl_batch_add_sample(struct fl_batch *b, uint32_t series, int64_t ts_ms, double value)
{
    if (series >= b->n_series)
        return FL_EINVAL;
    struct fl_sample s = {series, ts_ms, value};
    BATCH_ADD(b, samples, n_samples, cap_samples, s);
}

fl_err fl_batch_add_exemplar(struct fl_batch *b, const struct fl_exemplar *x)
{
    if (x->series >= b->n_series)
        return FL_EINVAL;
    BATCH_ADD(b, exemplars, n_exemplars, cap_exemplars, *x);
}

fl_err fl_batch_add_meta(struct fl_batch *b, const struct fl_metric_meta *m)
{
    /* Metadata is not a record, but is bounded by the same cap so it cannot grow without end. */
    if (b->n_meta >= b->max_records)
        return FL_ELIMIT;
    void *arr = b->meta;
    fl_err e = grow(&arr, b->n_meta, &b->cap_meta, sizeof *b->meta);
    b->meta = arr;
    if (e)
        return e;
    b->meta[b->n_meta++] = *m;
    return FL_OK;
}

fl_err fl_batch_add_span(struct fl_batch *b, const struct fl_span *s)
{
    BATCH_ADD(b, spans, n_spans, cap_spans, *s);
}

fl_err fl_batch_add_inference(struct fl_batch *b, const struct fl_inference *r)
{
    BATCH_ADD(b, inferences, n_inferences, cap_inferences, *r);
}

fl_err fl_batch_add_outcome(struct fl_batch *b, const struct fl_outcome *o)
{
    BATCH_ADD(b, outcomes, n_outcomes, cap_outcomes, *o);
}

fl_err fl_batch_add_event(struct fl_batch *b, const struct fl_event *e)
{
    BATCH_ADD(b, events, n_events, cap_events, *e);
}

fl_err fl_batch_add_model(struct fl_batch *b, const struct fl_model_version *m)
{
    BATCH_ADD(b, models, n_models, cap_models, *m);
}

/* Insertion sort of label pointers by name: label sets are small and often nearly sorted. */
static void sort_labels(const struct fl_label **v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const struct fl_label *x = v[i];
        size_t k = i;
        while (k > 0 && strcmp(v[k - 1]->name, x->name) > 0) {
            v[k] = v[k - 1];
            k--;
        }
        v[k] = x;
    }
}

static int cmp_label_ptr(const void *a, const void *b)
{
    const struct fl_label *x = *(const struct fl_label *const *)a;
    const struct fl_label *y = *(const struct fl_label *const *)b;
    return strcmp(x->name, y->name);
}

static void sort_label_ptrs(const struct fl_label **v, size_t n)
{
    if (n <= 32)
        sort_labels(v, n);
    else
        qsort(v, n, sizeof *v, cmp_label_ptr);
}

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL
#define FNV_SEP 0xffu /* after every name and value; never occurs in UTF-8 */

static inline uint64_t fnv_update(uint64_t h, const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        h = (h ^ s[i]) * FNV_PRIME;
        h = (h ^ s[i + 1]) * FNV_PRIME;
        h = (h ^ s[i + 2]) * FNV_PRIME;
        h = (h ^ s[i + 3]) * FNV_PRIME;
    }
    for (; i < len; i++)
        h = (h ^ s[i]) * FNV_PRIME;
    return h;
}

uint64_t fl_labels_hash(const struct fl_label *labels, size_t n_labels)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n_labels; i++) {
        const char *v = labels[i].value ? labels[i].value : "";
        h = (fnv_update(h, labels[i].name, strlen(labels[i].name)) ^ FNV_SEP) * FNV_PRIME;
        h = (fnv_update(h, v, strlen(v)) ^ FNV_SEP) * FNV_PRIME;
    }
    return h;
}

/* The same FNV-1a over key[0..len), continuing from h: one unrolled pass over a whole key. */
static uint64_t hash_key(uint64_t h, const char *key, size_t len)
{
    const unsigned char *k = (const unsigned char *)key, *e = k + len;
    for (; e - k >= 16; k += 16) {
        h = (h ^ k[0]) * FNV_PRIME;
        h = (h ^ k[1]) * FNV_PRIME;
        h = (h ^ k[2]) * FNV_PRIME;
        h = (h ^ k[3]) * FNV_PRIME;
        h = (h ^ k[4]) * FNV_PRIME;
        h = (h ^ k[5]) * FNV_PRIME;
        h = (h ^ k[6]) * FNV_PRIME;
        h = (h ^ k[7]) * FNV_PRIME;
        h = (h ^ k[8]) * FNV_PRIME;
        h = (h ^ k[9]) * FNV_PRIME;
        h = (h ^ k[10]) * FNV_PRIME;
        h = (h ^ k[11]) * FNV_PRIME;
        h = (h ^ k[12]) * FNV_PRIME;
        h = (h ^ k[13]) * FNV_PRIME;
        h = (h ^ k[14]) * FNV_PRIME;
        h = (h ^ k[15]) * FNV_PRIME;
    }
    /* The last 0-15 bytes without a loop: keys are short, so this is a good part of the work. */
    switch (e - k) {
    case 15: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 14: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 13: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 12: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 11: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 10: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 9: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 8: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 7: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 6: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 5: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 4: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 3: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 2: h = (h ^ *k++) * FNV_PRIME; /* fall through */
    case 1: h = (h ^ *k) * FNV_PRIME; /* fall through */
    default: break;
    }
    return h;
}

/* ---- Series interning ---- */

/* strcmp order for slices without NUL bytes: bytes unsigned, a proper prefix first. */
static inline int slice_cmp(struct fl_str a, struct fl_str b)
{
    size_t m = a.len < b.len ? a.len : b.len;
    if (m) {
        unsigned char x = (unsigned char)a.p[0], y = (unsigned char)b.p[0];
        if (x != y)
            return x < y ? -1 : 1;
        int c = memcmp(a.p, b.p, m);
        if (c)
            return c;
    }
    return (a.len > b.len) - (a.len < b.len);
}

static int cmp_slice_name(const void *a, const void *b)
{
    return slice_cmp(((const struct fl_label_slice *)a)->name,
                     ((const struct fl_label_slice *)b)->name);
}

/*
 * Sort by name and measure the key (every name and value plus a separator each) in one pass.
 * FL_EINVAL when a name has p == NULL or two names are equal, FL_ELIMIT when the sizes overflow.
 * Label sets are small and often sorted already, so insertion sort, which also meets any
 * duplicate: an element stops next to its equal.
 */
static fl_err sort_slices(struct fl_label_slice *v, size_t n, size_t *key_len)
{
    size_t len = 0, big = 0;
    for (size_t i = 0; i < n; i++) {
        struct fl_label_slice x = v[i];
        if (!x.name.p)
            return FL_EINVAL;
        len += x.name.len + x.value.len + 2;
        big |= x.name.len | x.value.len;
        if (i == 0 || n > 32)
            continue;
        int c = slice_cmp(v[i - 1].name, x.name);
        if (c < 0)
            continue;
        size_t k = i;
        while (c > 0) {
            v[k] = v[k - 1];
            if (--k == 0)
                break;
            c = slice_cmp(v[k - 1].name, x.name);
        }
        if (c == 0)
            return FL_EINVAL;
        v[k] = x;
    }
    if (n > 32) {
        qsort(v, n, sizeof *v, cmp_slice_name);
        for (size_t i = 1; i < n; i++)
            if (slice_cmp(v[i - 1].name, v[i].name) == 0)
                return FL_EINVAL;
    }
    /* Below 32 KiB a string and 32 Ki labels, the sum cannot wrap even with a 32-bit size_t. */
    if (big >= 0x8000 || n >= 0x8000) {
        len = 0;
        for (size_t i = 0; i < n; i++) {
            size_t nl = v[i].name.len, vl = v[i].value.len;
            if (nl > SIZE_MAX - 2 || vl > SIZE_MAX - 2 - nl || nl + vl + 2 > SIZE_MAX - len)
                return FL_ELIMIT;
            len += nl + vl + 2;
        }
    }
    *key_len = len;
    return FL_OK;
}

/* Copies and compares of the short names and values of label sets, inline. */
static inline void copy_bytes(char *d, const char *s, size_t n)
{
    if (n > 32) {
        memcpy(d, s, n);
    } else if (n > 16) {
        uint64_t x[4];
        memcpy(x, s, 16);
        memcpy(x + 2, s + n - 16, 16);
        memcpy(d, x, 16);
        memcpy(d + n - 16, x + 2, 16);
    } else if (n >= 8) {
        uint64_t x, y;
        memcpy(&x, s, 8);
        memcpy(&y, s + n - 8, 8);
        memcpy(d, &x, 8);
        memcpy(d + n - 8, &y, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + n - 4, &y, 4);
    } else if (n) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

static inline int bytes_eq(const char *a, const char *b, size_t n)
{
    if (n > 32)
        return memcmp(a, b, n) == 0;
    if (n > 16) {
        uint64_t x[4], y[4];
        memcpy(x, a, 16);
        memcpy(x + 2, a + n - 16, 16);
        memcpy(y, b, 16);
        memcpy(y + 2, b + n - 16, 16);
        return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
    }
    if (n >= 8) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8);
        memcpy(&a1, a + n - 8, 8);
        memcpy(&b0, b, 8);
        memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4) {
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, a, 4);
        memcpy(&a1, a + n - 4, 4);
        memcpy(&b0, b, 4);
        memcpy(&b1, b + n - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/*
 * Write the label array of a sorted label set at arr and its key right after it: name 0xff
 * value 0xff ..., exactly the bytes that fl_labels_hash hashes, with the array pointing at the
 * names and values. Returns the key.
 */
static char *write_labels(const struct fl_label_slice *ls, size_t n, struct fl_label *arr)
{
    char *key = (char *)(arr + n), *w = key;
    for (size_t i = 0; i < n; i++) {
        arr[i].name = w;
        copy_bytes(w, ls[i].name.p, ls[i].name.len);
        w += ls[i].name.len;
        *w++ = (char)FNV_SEP;
        arr[i].value = w;
        copy_bytes(w, ls[i].value.p, ls[i].value.len);
        w += ls[i].value.len;
        *w++ = (char)FNV_SEP;
    }
    return key;
}

/*
 * Hash of a sorted label set (n > 0) from its key. Consecutive series mostly share their first
 * label (__name__ for all the series of a family, histogram buckets included), so the state after
 * the last series' first label is kept: when this one starts with the same label, hashing starts
 * there.
 */
static uint64_t series_hash(const struct fl_batch *b, struct fl_series_index *x,
                            const struct fl_label_slice *ls, const char *key, size_t len)
{
    size_t nl = ls[0].name.len, vl = ls[0].value.len, first = nl + vl + 2;
    if (x->hint && x->hint_name_len == nl && x->hint_value_len == vl) {
        const struct fl_label *l = &b->series[x->hint - 1].labels[0];
        if (bytes_eq(l->name, ls[0].name.p, nl) && bytes_eq(l->value, ls[0].value.p, vl))
            return hash_key(x->hint_h, key + first, len - first);
    }
    x->hint = 0; /* the state is this series'; the caller points the hint at it when found */
    x->hint_h = hash_key(FNV_OFFSET, key, first);
    x->hint_name_len = nl;
    x->hint_value_len = vl;
    return hash_key(x->hint_h, key + first, len - first);
}

/* s equals the slice v (s NUL-terminated; read no further than its NUL or v.len + 1 bytes). */
static int str_is(const char *s, struct fl_str v)
{
    return strnlen(s, v.len + 1) == v.len && bytes_eq(s, v.p, v.len);
}

static int same_labels(const struct fl_series *s, const struct fl_label_slice *ls, size_t n)
{
    if (s->n_labels != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!str_is(s->labels[i].name, ls[i].name) || !str_is(s->labels[i].value, ls[i].value))
            return 0;
    return 1;
}

/* Home slot of a hash: FNV-1a's low bits see only low bits of each step, so fold the high in. */
static inline size_t slot_home(uint64_t h, size_t mask)
{
    return (size_t)(h ^ (h >> 31)) & mask;
}

/* Rebuild the slots with room for one more series (load at most 1/2). */
static fl_err grow_slots(struct fl_batch *b, struct fl_series_index *x)
{
    size_t ncap = x->cap ? x->cap : 64;
    while ((b->n_series + 1) * 2 > ncap)
        ncap *= 2;
    struct fl_series_slot *ns = fl_calloc(ncap, sizeof *ns);
    if (!ns)
        return FL_ENOMEM;
    size_t mask = ncap - 1;
    for (size_t i = 0; i < b->n_series; i++) {
        uint64_t h = b->series[i].hash;
        size_t j = slot_home(h, mask);
        while (ns[j].idx1)
            j = (j + 1) & mask;
        ns[j] = (struct fl_series_slot){(uint32_t)(i + 1), (uint32_t)(h >> 32)};
    }
    fl_free(x->slots);
    x->slots = ns;
    x->cap = ncap;
    return FL_OK;
}

/* The series with this sorted label set and hash, or UINT32_MAX with *empty its free slot. */
static inline uint32_t find_series(const struct fl_batch *b, const struct fl_series_index *x,
                                   const struct fl_label_slice *ls, size_t n, uint64_t h,
                                   size_t *empty)
{
    size_t mask = x->cap - 1;
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t j = slot_home(h, mask);; j = (j + 1) & mask) {
        const struct fl_series_slot *sl = &x->slots[j];
        if (!sl->idx1) {
            *empty = j;
            return UINT32_MAX;
        }
        const struct fl_series *s = &b->series[sl->idx1 - 1];
        if (sl->tag == tag && s->hash == h && same_labels(s, ls, n))
            return sl->idx1 - 1;
    }
}

/*
 * Room for a series' label array and key (need bytes), written before it is looked up: the free
 * tail of the current arena chunk (taken only if the series is new, so a lookup costs no memory),
 * else a new chunk, or, for a label set of more than a quarter chunk or when no chunk can be had,
 * a heap buffer (*heap) whose bytes a new series copies into the arena. NULL when out of memory.
 */
static char *series_space(struct fl_batch *b, struct fl_series_index *x, size_t need,
                          char **heap)
{
    if (need <= x->chunk_len)
        return x->chunk;
    char *c = need <= SERIES_CHUNK / 4 ? fl_arena_alloc(&b->arena, SERIES_CHUNK) : NULL;
    if (c) {
        x->chunk = c;
        x->chunk_len = SERIES_CHUNK;
        return c;
    }
    return *heap = fl_malloc(need);
}

/*
 * Keep a new series' label array and key: take them from the chunk, or copy them from the heap
 * buffer into the arena (and move the array's pointers with them). Every key separator becomes
 * the NUL that ends a name or value. NULL when the arena is full or out of memory.
 */
static struct fl_label *keep_labels(struct fl_batch *b, struct fl_series_index *x, char *space,
                                    const char *heap, const struct fl_label_slice *ls, size_t n,
                                    size_t need)
{
    struct fl_label *copy = (struct fl_label *)(void *)space;
    if (heap) {
        char *base = fl_arena_alloc(&b->arena, need);
        if (!base)
            return NULL;
        memcpy(base, heap, need);
        copy = (struct fl_label *)(void *)base;
        for (size_t i = 0; i < n; i++) {
            copy[i].name = base + (copy[i].name - heap);
            copy[i].value = base + (copy[i].value - heap);
        }
    } else {
        /* Keep the next series' label array aligned. */
        size_t used = (need + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
        if (used > x->chunk_len)
            used = x->chunk_len;
        x->chunk += used;
        x->chunk_len -= used;
    }
    for (size_t i = 0; i < n; i++) {
        char *v = (char *)(uintptr_t)copy[i].value;
        v[-1] = '\0';
        v[ls[i].value.len] = '\0';
    }
    return copy;
}

/* Add the series found missing at slot: FL_ELIMIT at the series cap or a full arena. */
static fl_err add_series(struct fl_batch *b, struct fl_series_index *x,
                         const struct fl_label_slice *ls, size_t n, uint64_t h, size_t slot,
                         char *space, const char *heap, size_t need)
{
    /* FL_LIMIT_MAP_ENTRIES is the cap the index always had. */
    if (b->n_series >= FL_LIMIT_MAP_ENTRIES || b->n_series >= UINT32_MAX - 1)
        return FL_ELIMIT;
    fl_err e;
    if ((b->n_series + 1) * 2 > x->cap) {
        if ((e = grow_slots(b, x)) != FL_OK)
            return e;
        (void)find_series(b, x, ls, n, h, &slot);
    }
    void *arr = b->series;
    e = grow(&arr, b->n_series, &b->cap_series, sizeof *b->series);
    b->series = arr;
    if (e)
        return e;
    struct fl_label *copy = NULL;
    if (n && !(copy = keep_labels(b, x, space, heap, ls, n, need)))
        return fl_batch_alloc_err(b);
    x->slots[slot] = (struct fl_series_slot){(uint32_t)(b->n_series + 1), (uint32_t)(h >> 32)};
    b->series[b->n_series++] = (struct fl_series){copy, n, h};
    return FL_OK;
}

fl_err fl_batch_series_slices(struct fl_batch *b, struct fl_label_slice *labels, size_t n_labels,
                              uint32_t *idx)
{
    struct fl_series_index *x = b->series_index;
    char *heap = NULL, *space = NULL;
    size_t slot = 0, len = 0, need = 0;
    uint64_t h = FNV_OFFSET;
    fl_err e;

    if (n_labels > UINT32_MAX || n_labels > SIZE_MAX / sizeof(struct fl_label))
        return FL_ELIMIT;
    if ((e = sort_slices(labels, n_labels, &len)) != FL_OK)
        return e;
    if (!x && !(x = b->series_index = fl_calloc(1, sizeof *x)))
        return FL_ENOMEM;
    if (n_labels) {
        size_t arr_bytes = n_labels * sizeof(struct fl_label);
        if ((need = arr_bytes + len) < len)
            return FL_ELIMIT;
        if (!(space = series_space(b, x, need, &heap)))
            return FL_ENOMEM;
        const char *key = write_labels(labels, n_labels, (struct fl_label *)(void *)space);
        h = series_hash(b, x, labels, key, len);
    }
    uint32_t found = x->cap ? find_series(b, x, labels, n_labels, h, &slot) : UINT32_MAX;
    if (found == UINT32_MAX) {
        if ((e = add_series(b, x, labels, n_labels, h, slot, space, heap, need)) != FL_OK)
            goto out;
        found = (uint32_t)(b->n_series - 1);
    }
    *idx = found;
    if (n_labels)
        x->hint = (size_t)found + 1;
out:
    if (heap)
        fl_free(heap);
    return e;
}

fl_err fl_batch_series(struct fl_batch *b, const struct fl_label *labels, size_t n_labels,
                       uint32_t *idx)
{
    struct fl_label_slice stack[64];
    struct fl_label_slice *ls = stack;
    if (n_labels > 64) {
        if (n_labels > UINT32_MAX)
            return FL_ELIMIT;
        ls = fl_reallocarray(NULL, n_labels, sizeof *ls);
        if (!ls)
            return FL_ENOMEM;
    }
    fl_err e = FL_OK;
    for (size_t i = 0; i < n_labels; i++) {
        if (!labels[i].name) {
            e = FL_EINVAL;
            goto out;
        }
        const char *v = labels[i].value ? labels[i].value : "";
        ls[i].name = (struct fl_str){labels[i].name, strlen(labels[i].name)};
        ls[i].value = (struct fl_str){v, strlen(v)};
    }
    e = fl_batch_series_slices(b, ls, n_labels, idx);
out:
    if (ls != stack)
        fl_free(ls);
    return e;
}

/* Label value escaped as the exposition format wants: \\ \" \n. */
static void put_label_value(struct fl_buf *out, const char *v)
{
    const char *run = v;
    for (; *v; v++) {
        const char *esc = NULL;
        if (*v == '\\')
            esc = "\\\\";
        else if (*v == '"')
            esc = "\\\"";
        else if (*v == '\n')
            esc = "\\n";
        if (esc) {
            fl_buf_append(out, run, (size_t)(v - run));
            fl_buf_append(out, esc, 2);
            run = v + 1;
        }
    }
    fl_buf_append(out, run, (size_t)(v - run));
}

void fl_labels_format(const struct fl_label *labels, size_t n_labels, struct fl_buf *out)
{
    const struct fl_label *stack_ptrs[64];
    const struct fl_label **sorted = stack_ptrs;
    const char *name = NULL;
    size_t printed = 0;

    if (n_labels > 64) {
        sorted = fl_reallocarray(NULL, n_labels, sizeof *sorted);
        if (!sorted) {
            if (!out->err)
                out->err = FL_ENOMEM;
            return;
        }
    }
    for (size_t i = 0; i < n_labels; i++)
        sorted[i] = &labels[i];
    sort_label_ptrs(sorted, n_labels);
    for (size_t i = 0; i < n_labels; i++)
        if (strcmp(sorted[i]->name, "__name__") == 0)
            name = (sorted[i]->value ? sorted[i]->value : "");
    if (name)
        fl_buf_puts(out, name);
    for (size_t i = 0; i < n_labels; i++) {
        if (strcmp(sorted[i]->name, "__name__") == 0)
            continue;
        fl_buf_putc(out, printed++ ? ',' : '{');
        fl_buf_puts(out, sorted[i]->name);
        fl_buf_append(out, "=\"", 2);
        put_label_value(out, (sorted[i]->value ? sorted[i]->value : ""));
        fl_buf_putc(out, '"');
    }
    if (printed)
        fl_buf_putc(out, '}');
    else if (!name)
        fl_buf_append(out, "{}", 2);
    if (sorted != stack_ptrs)
        fl_free(sorted);
}

int fl_event_kind_valid(const char *kind)
{
    static const char *const kinds[] = {
#define FL__KIND_STR(k) #k,
        FL_EVENT_KIND_LIST(FL__KIND_STR)
#undef FL__KIND_STR
    };
    if (!kind)
        return 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return 1;
    return 0;
}
