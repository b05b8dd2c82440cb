/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.c: the batch that carries records from ingest to the store, series interning, and the
 * canonical label-set forms (hash, exposition-style text).
 *
 * A series is interned under a canonical byte key of its sorted label set: for every label the
 * name and the value, each preceded by its length as a LEB128 varint. Length prefixes make the
 * encoding unambiguous whatever bytes names and values contain.
 */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "limits.h"
#include "map.h"

#define BATCH_ARENA_BLOCK (256u * 1024)

fl_err fl_batch_init(struct fl_batch *b, size_t max_records)
{
    memset(b, 0, sizeof *b);
    fl_arena_init(&b->arena, BATCH_ARENA_BLOCK, FL_LIMIT_BATCH_ARENA_BYTES);
    b->max_records = max_records ? max_records : FL_LIMIT_RECORDS_PER_BATCH;
    b->series_index = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES);
    if (!b->series_index)
        return FL_ENOMEM;
    return FL_OK;
}

void fl_batch_cleanup(struct fl_batch *b)
{
    if (!b)
        return;
    fl_arena_cleanup(&b->arena);
    fl_map_free(b->series_index);
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
    /* The map has no clear(): drop it; fl_batch_series recreates it on demand. */
    fl_map_free(b->series_index);
    b->series_index = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES);
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

/* LEB128 varint of n at o; returns bytes written (at most 10). */
static size_t put_varint(unsigned char *o, size_t n)
{
    size_t i = 0;
    do {
        o[i] = (unsigned char)(n & 0x7f);
        n >>= 7;
        if (n)
            o[i] |= 0x80;
        i++;
    } while (n);
    return i;
}

static const char *value_or_empty(const char *v)
{
    return v ? v : "";
}

fl_err fl_batch_series(struct fl_batch *b, const struct fl_label *labels, size_t n_labels,
                       uint32_t *idx)
{
    const struct fl_label *stack_ptrs[64];
    const struct fl_label **sorted = stack_ptrs;
    unsigned char key_stack[1024];
    unsigned char *key = key_stack;
    size_t key_len = 0, key_need = 0;
    struct fl_label *copy = NULL;
    fl_err e = FL_OK;

    if (n_labels > 64) {
        if (n_labels > UINT32_MAX)
            return FL_ELIMIT;
        sorted = fl_reallocarray(NULL, n_labels, sizeof *sorted);
        if (!sorted)
            return FL_ENOMEM;
    }
    for (size_t i = 0; i < n_labels; i++) {
        if (!labels[i].name) {
            e = FL_EINVAL;
            goto out;
        }
        sorted[i] = &labels[i];
    }
    sort_label_ptrs(sorted, n_labels);
    for (size_t i = 1; i < n_labels; i++) {
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
            e = FL_EINVAL;
            goto out;
        }
    }

    /* Canonical key; the stack buffer covers the common case without touching the heap. */
    for (size_t i = 0; i < n_labels; i++)
        key_need += strlen(sorted[i]->name) + strlen(value_or_empty(sorted[i]->value)) + 20;
    if (key_need > sizeof key_stack) {
        key = fl_malloc(key_need);
        if (!key) {
            e = FL_ENOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n_labels; i++) {
        const char *v = value_or_empty(sorted[i]->value);
        size_t nl = strlen(sorted[i]->name), vl = strlen(v);
        key_len += put_varint(key + key_len, nl);
        memcpy(key + key_len, sorted[i]->name, nl);
        key_len += nl;
        key_len += put_varint(key + key_len, vl);
        memcpy(key + key_len, v, vl);
        key_len += vl;
    }

    if (!b->series_index) {
        b->series_index = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES);
        if (!b->series_index) {
            e = FL_ENOMEM;
            goto out;
        }
    }
    void *hit = fl_map_get(b->series_index, key, key_len);
    if (hit) {
        *idx = (uint32_t)((uintptr_t)hit - 1);
        goto out;
    }
    if (b->n_series >= UINT32_MAX - 1) {
        e = FL_ELIMIT;
        goto out;
    }
    void *arr = b->series;
    e = grow(&arr, b->n_series, &b->cap_series, sizeof *b->series);
    b->series = arr;
    if (e)
        goto out;
    copy = n_labels ? fl_arena_calloc(&b->arena, n_labels, sizeof *copy) : NULL;
    if (n_labels && !copy) {
        e = fl_batch_alloc_err(b);
        goto out;
    }
    for (size_t i = 0; i < n_labels; i++) {
        const char *v = value_or_empty(sorted[i]->value);
        copy[i].name = fl_arena_strdup(&b->arena, sorted[i]->name);
        copy[i].value = fl_arena_strdup(&b->arena, v);
        if (!copy[i].name || !copy[i].value) {
            e = fl_batch_alloc_err(b);
            goto out;
        }
    }
    e = fl_map_put(b->series_index, key, key_len, (void *)(uintptr_t)(b->n_series + 1));
    if (e)
        goto out;
    b->series[b->n_series] = (struct fl_series){copy, n_labels, fl_labels_hash(copy, n_labels)};
    *idx = (uint32_t)b->n_series;
    b->n_series++;
out:
    if (key != key_stack)
        fl_free(key);
    if (sorted != stack_ptrs)
        fl_free(sorted);
    return e;
}

static uint64_t fnv_update(uint64_t h, const void *p, size_t len)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t fl_labels_hash(const struct fl_label *labels, size_t n_labels)
{
    static const unsigned char sep = 0xff; /* never occurs in UTF-8 */
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n_labels; i++) {
        const char *v = value_or_empty(labels[i].value);
        h = fnv_update(h, labels[i].name, strlen(labels[i].name));
        h = fnv_update(h, &sep, 1);
        h = fnv_update(h, v, strlen(v));
        h = fnv_update(h, &sep, 1);
    }
    return h;
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
            name = value_or_empty(sorted[i]->value);
    if (name)
        fl_buf_puts(out, name);
    for (size_t i = 0; i < n_labels; i++) {
        if (strcmp(sorted[i]->name, "__name__") == 0)
            continue;
        fl_buf_putc(out, printed++ ? ',' : '{');
        fl_buf_puts(out, sorted[i]->name);
        fl_buf_append(out, "=\"", 2);
        put_label_value(out, value_or_empty(sorted[i]->value));
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
