/* SPDX-License-Identifier: Apache-2.0 */
/*
 * map.c: open addressing with linear probing over a power-of-two table, tombstones for deletion,
 * and the full 64-bit FNV-1a hash kept per slot so most probes compare one integer. The load
 * factor (live + tombstones) stays under 3/4; a rehash also drops the tombstones.
 */
#include "map.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "str.h"

struct slot {
    char *key; /* owned copy; NULL = empty, TOMBSTONE = deleted */
    size_t key_len;
    uint64_t hash;
    void *value;
};

struct fl_map {
    struct slot *slots;
    size_t cap;   /* power of two, or 0 before the first insert */
    size_t count; /* live entries */
    size_t used;  /* live + tombstones */
    size_t max_entries;
    fl_map_free_fn free_value;
};

static char tombstone_byte;
#define TOMBSTONE (&tombstone_byte)

struct fl_map *fl_map_new(fl_map_free_fn free_value, size_t max_entries)
{
    struct fl_map *m = fl_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->free_value = free_value;
    m->max_entries = max_entries;
    return m;
}

void fl_map_free(struct fl_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        struct slot *s = &m->slots[i];
        if (s->key && s->key != TOMBSTONE) {
            if (m->free_value)
                m->free_value(s->value);
            fl_free(s->key);
        }
    }
    fl_free(m->slots);
    fl_free(m);
}

static uint64_t key_hash(const void *key, size_t len)
{
    return fl_hash_bytes(key, len, 0);
}

/* Slot holding key, or NULL. */
static struct slot *find(const struct fl_map *m, const void *key, size_t len, uint64_t h)
{
    if (m->cap == 0)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask, n = 0; n < m->cap; i = (i + 1) & mask, n++) {
        struct slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMBSTONE && s->hash == h && s->key_len == len &&
            (len == 0 || memcmp(s->key, key, len) == 0))
            return s;
    }
    return NULL;
}

static fl_err grow(struct fl_map *m)
{
    size_t ncap = m->cap ? m->cap : 8;
    /* Double only when live entries need it; otherwise a rehash at the same size drops tombstones. */
    while ((m->count + 1) * 2 > ncap)
        ncap *= 2;
    if (ncap > SIZE_MAX / sizeof(struct slot) / 2)
        return FL_ENOMEM;
    struct slot *ns = fl_calloc(ncap, sizeof *ns);
    if (!ns)
        return FL_ENOMEM;
    size_t mask = ncap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        struct slot *s = &m->slots[i];
        if (!s->key || s->key == TOMBSTONE)
            continue;
        size_t j = (size_t)s->hash & mask;
        while (ns[j].key)
            j = (j + 1) & mask;
        ns[j] = *s;
    }
    fl_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    m->used = m->count;
    return FL_OK;
}

fl_err fl_map_put(struct fl_map *m, const void *key, size_t key_len, void *value)
{
    uint64_t h = key_hash(key, key_len);
    struct slot *s = find(m, key, key_len, h);
    if (s) {
        if (s->value != value && m->free_value)
            m->free_value(s->value);
        s->value = value;
        return FL_OK;
    }
    if (m->max_entries && m->count >= m->max_entries)
        return FL_ELIMIT;
    if ((m->used + 1) * 4 > m->cap * 3) {
        fl_err e = grow(m);
        if (e)
            return e;
    }
    char *k = fl_malloc(key_len + 1);
    if (!k)
        return FL_ENOMEM;
    if (key_len)
        memcpy(k, key, key_len);
    k[key_len] = '\0';
    size_t mask = m->cap - 1;
    size_t i = (size_t)h & mask;
    while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
        i = (i + 1) & mask;
    if (!m->slots[i].key)
        m->used++;
    m->slots[i] = (struct slot){k, key_len, h, value};
    m->count++;
    return FL_OK;
}

void *fl_map_get(const struct fl_map *m, const void *key, size_t key_len)
{
    struct slot *s = find(m, key, key_len, key_hash(key, key_len));
    return s ? s->value : NULL;
}

bool fl_map_has(const struct fl_map *m, const void *key, size_t key_len)
{
    return find(m, key, key_len, key_hash(key, key_len)) != NULL;
}

void *fl_map_take(struct fl_map *m, const void *key, size_t key_len)
{
    struct slot *s = find(m, key, key_len, key_hash(key, key_len));
    if (!s)
        return NULL;
    void *v = s->value;
    fl_free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    return v;
}

bool fl_map_del(struct fl_map *m, const void *key, size_t key_len)
{
    struct slot *s = find(m, key, key_len, key_hash(key, key_len));
    if (!s)
        return false;
    void *v = s->value;
    fl_free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->count--;
    if (m->free_value)
        m->free_value(v);
    return true;
}

size_t fl_map_count(const struct fl_map *m)
{
    return m->count;
}

int fl_map_each(const struct fl_map *m, fl_map_visit_fn fn, void *ud)
{
    for (size_t i = 0; i < m->cap; i++) {
        const struct slot *s = &m->slots[i];
        if (!s->key || s->key == TOMBSTONE)
            continue;
        int r = fn(s->key, s->key_len, s->value, ud);
        if (r)
            return r;
    }
    return 0;
}
