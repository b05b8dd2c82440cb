/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc.h: the allocation wrappers every module uses instead of malloc & co.
 *
 * They exist so that tests can make the Nth allocation fail (fl_alloc_fail_after) and prove that
 * every path returns FL_ENOMEM cleanly, frees what it took, and never crashes. Sizes are checked
 * for overflow (fl_mallocarray). Thread-safe: the failure counter is atomic.
 */
#ifndef FL_CORE_ALLOC_H
#define FL_CORE_ALLOC_H

#include <stddef.h>

/* Like malloc/calloc/realloc/free; return NULL on failure (or injected failure). */
void *fl_malloc(size_t n);
void *fl_calloc(size_t count, size_t size);
void *fl_realloc(void *p, size_t n);
/* realloc for count * size with overflow check; NULL on overflow. */
void *fl_reallocarray(void *p, size_t count, size_t size);
void fl_free(void *p);
/* Copy of a NUL-terminated string / of len bytes plus a NUL. NULL on failure. */
char *fl_strdup(const char *s);
char *fl_strndup(const char *s, size_t len);

/*
 * Test hook: after `n` more successful allocations, every allocation fails until reset with a
 * negative n (the default). Not for production use.
 */
void fl_alloc_fail_after(long n);
/* Number of allocations performed since start (for tests that loop over every failure point). */
unsigned long fl_alloc_count(void);

#endif
