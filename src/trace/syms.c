/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syms.c: the symbol table of a trace analysis. Every service, operation and peer name is
 * interned once and named by a 32-bit id afterwards, so spans are compared and grouped by
 * integers and a window of a million spans holds each distinct string once.
 *
 * An open-addressing hash table (linear probing, power-of-two size, at most half full) maps a
 * string to its id; slots hold the id and the high bits of the hash, so most mismatches are
 * rejected without touching the string. The strings themselves live NUL-terminated in chunks of
 * SYMS_CHUNK bytes (a longer string gets a chunk of its own) and never move, which is what lets
 * fl_trace_syms_str hand out pointers that stay valid until the table is freed.
 */
#include <stdint.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/limits.h"
#include "../core/str.h"
#include "trace.h"

#define SYMS_CHUNK 16384  /* bytes of one string chunk */
#define SYMS_MIN_SLOTS 64 /* initial hash table size (power of two) */
#define SYMS_HASH_SEED 0x9e3779b97f4a7c15ULL

struct syms_chunk {
    struct syms_chunk *next;
    size_t size, used; /* bytes */
    char data[];
};

struct syms_entry {
    const char *s; /* NUL-terminated, in a chunk */
    uint32_t len;  /* bytes, excluding NUL */
    uint32_t hash; /* low 32 bits of the string's hash */
};

struct syms_slot {
    uint32_t id;   /* 0 = empty (id 0, "", is never stored in the table) */
    uint32_t hash; /* low 32 bits, as the entry */
};

struct fl_trace_syms {
    struct syms_entry *ent; /* ent[id]; ent[0] is "" */
    size_t n_ent, cap_ent;
    struct syms_slot *slot;
    size_t n_slots;           /* power of two */
    struct syms_chunk *chunk; /* newest first; new strings go into the newest */
};

struct fl_trace_syms *fl_trace_syms_new(void)
{
    struct fl_trace_syms *y = fl_calloc(1, sizeof *y);
    if (!y)
        return NULL;
    y->cap_ent = 64;
    y->ent = fl_malloc(y->cap_ent * sizeof *y->ent);
    y->n_slots = SYMS_MIN_SLOTS;
    y->slot = fl_calloc(y->n_slots, sizeof *y->slot);
    if (!y->ent || !y->slot) {
        fl_trace_syms_free(y);
        return NULL;
    }
    y->ent[0] = (struct syms_entry){"", 0, 0};
    y->n_ent = 1;
    return y;
}

void fl_trace_syms_free(struct fl_trace_syms *y)
{
    if (!y)
        return;
    struct syms_chunk *c = y->chunk;
    while (c) {
        struct syms_chunk *next = c->next;
        fl_free(c);
        c = next;
    }
    fl_free(y->ent);
    fl_free(y->slot);
    fl_free(y);
}

/* Double the slot array and re-insert every id (their hashes are kept in the entries). */
static fl_err grow_slots(struct fl_trace_syms *y)
{
    size_t n = y->n_slots * 2;
    struct syms_slot *s = fl_calloc(n, sizeof *s);
    if (!s)
        return FL_ENOMEM;
    for (size_t id = 1; id < y->n_ent; id++) {
        size_t i = y->ent[id].hash & (n - 1);
        while (s[i].id)
            i = (i + 1) & (n - 1);
        s[i] = (struct syms_slot){(uint32_t)id, y->ent[id].hash};
    }
    fl_free(y->slot);
    y->slot = s;
    y->n_slots = n;
    return FL_OK;
}

/* A NUL-terminated copy of s[0..len) in a chunk. */
static const char *store_string(struct fl_trace_syms *y, const char *s, size_t len)
{
    struct syms_chunk *c = y->chunk;
    if (!c || c->size - c->used < len + 1) {
        size_t size = len + 1 > SYMS_CHUNK ? len + 1 : SYMS_CHUNK;
        struct syms_chunk *nc = fl_malloc(sizeof *nc + size);
        if (!nc)
            return NULL;
        nc->size = size;
        nc->used = 0;
        if (c && size > SYMS_CHUNK) {
            /* A long string gets a chunk of its own behind the newest, whose space stays usable. */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            y->chunk = nc;
        }
        c = nc;
    }
    char *r = c->data + c->used;
    memcpy(r, s, len);
    r[len] = '\0';
    c->used += len + 1;
    return r;
}

fl_err fl_trace_syms_intern(struct fl_trace_syms *y, const char *s, size_t len, uint32_t *id)
{
    *id = 0;
    if (len == 0)
        return FL_OK;
    if (!s)
        return FL_EINVAL;
    if (len >= UINT32_MAX)
        return FL_ELIMIT;
    uint32_t h = (uint32_t)fl_hash_bytes(s, len, SYMS_HASH_SEED);
    size_t mask = y->n_slots - 1, i = h & mask;
    for (; y->slot[i].id; i = (i + 1) & mask) {
        const struct syms_entry *e = &y->ent[y->slot[i].id];
        if (y->slot[i].hash == h && e->len == len && memcmp(e->s, s, len) == 0) {
            *id = y->slot[i].id;
            return FL_OK;
        }
    }
    /* New string: ids 1..FL_LIMIT_TRACE_SYMS are available. Everything that can fail happens
     * before the table changes, so an error leaves it as it was. */
    if (y->n_ent > FL_LIMIT_TRACE_SYMS)
        return FL_ELIMIT;
    if (y->n_ent == y->cap_ent) {
        struct syms_entry *ne = fl_reallocarray(y->ent, y->cap_ent * 2, sizeof *ne);
        if (!ne)
            return FL_ENOMEM;
        y->ent = ne;
        y->cap_ent *= 2;
    }
    if ((y->n_ent + 1) * 2 > y->n_slots) {
        if (grow_slots(y) != FL_OK)
            return FL_ENOMEM;
        mask = y->n_slots - 1;
        for (i = h & mask; y->slot[i].id; i = (i + 1) & mask)
            ;
    }
    const char *copy = store_string(y, s, len);
    if (!copy)
        return FL_ENOMEM;
    uint32_t nid = (uint32_t)y->n_ent;
    y->ent[nid] = (struct syms_entry){copy, (uint32_t)len, h};
    y->n_ent++;
    y->slot[i] = (struct syms_slot){nid, h};
    *id = nid;
    return FL_OK;
}

const char *fl_trace_syms_str(const struct fl_trace_syms *y, uint32_t id)
{
    if (!y || id >= y->n_ent)
        return "";
    return y->ent[id].s;
}

size_t fl_trace_syms_count(const struct fl_trace_syms *y)
{
    return y ? y->n_ent : 0;
}

fl_err fl_trace_syms_merge(struct fl_trace_syms *y, const struct fl_trace_syms *src, uint32_t *map)
{
    if (!y || !src || !map || y == src)
        return FL_EINVAL;
    map[0] = 0;
    for (size_t id = 1; id < src->n_ent; id++) {
        fl_err e = fl_trace_syms_intern(y, src->ent[id].s, src->ent[id].len, &map[id]);
        if (e != FL_OK)
            return e;
    }
    return FL_OK;
}
