/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h: a bump allocator for per-request and per-batch lifetimes.
 *
 * Allocations are freed all at once by fl_arena_cleanup/reset. A hard cap on total bytes turns
 * hostile input into FL_ELIMIT (NULL return) instead of exhaustion. Not thread-safe.
 */
#ifndef FL_CORE_ARENA_H
#define FL_CORE_ARENA_H

#include <stddef.h>

#include "str.h"

struct fl_arena_block;

struct fl_arena {
    struct fl_arena_block *head;
    size_t used;       /* bytes handed out, including alignment padding */
    size_t max;        /* hard cap on used */
    size_t block_size; /* default block size */
    int limit_hit;     /* 1 when a NULL return was due to the cap, 0 when due to memory */
};

void fl_arena_init(struct fl_arena *a, size_t block_size, size_t max);
void fl_arena_cleanup(struct fl_arena *a);
/* Free everything but keep the first block for reuse. */
void fl_arena_reset(struct fl_arena *a);
/* n bytes aligned for any type; NULL on cap or out of memory (see limit_hit). */
void *fl_arena_alloc(struct fl_arena *a, size_t n);
void *fl_arena_calloc(struct fl_arena *a, size_t count, size_t size);
/* NUL-terminated copy of len bytes. */
char *fl_arena_strndup(struct fl_arena *a, const char *p, size_t len);
char *fl_arena_strdup(struct fl_arena *a, const char *s);
/* Copy of a slice as a slice whose bytes are NUL-terminated. */
struct fl_str fl_arena_str(struct fl_arena *a, struct fl_str s, int *ok);

#endif
