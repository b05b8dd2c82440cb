/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.c: a bump allocator made of a chain of blocks. Requests larger than the block size get a
 * block of their own. The cap counts bytes handed out (with alignment padding), so a hostile input
 * is stopped by FL_ELIMIT long before it exhausts memory.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

struct fl_arena_block {
    struct fl_arena_block *next;
    size_t size; /* usable bytes in data */
    size_t off;  /* bytes used */
    alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN (alignof(max_align_t))
#define ARENA_DEFAULT_BLOCK 65536

void fl_arena_init(struct fl_arena *a, size_t block_size, size_t max)
{
    a->head = NULL;
    a->used = 0;
    a->max = max ? max : SIZE_MAX;
    a->block_size = block_size ? block_size : ARENA_DEFAULT_BLOCK;
    a->limit_hit = 0;
}

void fl_arena_cleanup(struct fl_arena *a)
{
    if (!a)
        return;
    struct fl_arena_block *b = a->head;
    while (b) {
        struct fl_arena_block *next = b->next;
        fl_free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
    a->limit_hit = 0;
}

void fl_arena_reset(struct fl_arena *a)
{
    struct fl_arena_block *keep = NULL, *b = a->head;
    /* Keep one block of the default size (oversize blocks are freed) for the next round. */
    while (b) {
        struct fl_arena_block *next = b->next;
        if (!keep && b->size == a->block_size)
            keep = b;
        else
            fl_free(b);
        b = next;
    }
    if (keep) {
        keep->off = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->used = 0;
    a->limit_hit = 0;
}

void *fl_arena_alloc(struct fl_arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (n == 0)
        need = ARENA_ALIGN;
    if (need < n || need > a->max - a->used) {
        a->limit_hit = 1;
        return NULL;
    }
    struct fl_arena_block *b = a->head;
    if (!b || b->size - b->off < need) {
        size_t size = need > a->block_size ? need : a->block_size;
        if (size > SIZE_MAX - sizeof *b) {
            a->limit_hit = 1;
            return NULL;
        }
        struct fl_arena_block *nb = fl_malloc(sizeof *nb + size);
        if (!nb) {
            a->limit_hit = 0;
            return NULL;
        }
        nb->size = size;
        nb->off = 0;
        if (b && size > a->block_size && b->size - b->off >= a->block_size / 4) {
            /* An oversize request: slot the block behind head so head's free space stays usable. */
            nb->next = b->next;
            b->next = nb;
            nb->off = need;
            a->used += need;
            return nb->data;
        }
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *r = b->data + b->off;
    b->off += need;
    a->used += need;
    return r;
}

void *fl_arena_calloc(struct fl_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        a->limit_hit = 1;
        return NULL;
    }
    void *p = fl_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *fl_arena_strndup(struct fl_arena *a, const char *p, size_t len)
{
    if (len == SIZE_MAX) {
        a->limit_hit = 1;
        return NULL;
    }
    char *r = fl_arena_alloc(a, len + 1);
    if (!r)
        return NULL;
    if (len)
        memcpy(r, p, len);
    r[len] = '\0';
    return r;
}

char *fl_arena_strdup(struct fl_arena *a, const char *s)
{
    return fl_arena_strndup(a, s, strlen(s));
}

struct fl_str fl_arena_str(struct fl_arena *a, struct fl_str s, int *ok)
{
    char *c = fl_arena_strndup(a, s.p, s.len);
    if (ok)
        *ok = c != NULL;
    if (!c)
        return (struct fl_str){"", 0};
    return (struct fl_str){c, s.len};
}
