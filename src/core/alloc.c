/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc.c: malloc & co. behind a failure-injection hook, so tests can fail the Nth allocation and
 * prove every path returns FL_ENOMEM cleanly. The counters are C11 atomics: the hook is safe to use
 * from the server's threads, and costs one relaxed load when disabled.
 */
#include "alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1; /* allocations left before failing; negative = never */
static atomic_ulong alloc_count;

/* True when this allocation must fail (injected). */
static int inject_failure(void)
{
    atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
    long left = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (left < 0)
        return 0;
    while (left > 0) {
        if (atomic_compare_exchange_weak(&fail_after, &left, left - 1))
            return 0;
        if (left < 0)
            return 0;
    }
    return 1;
}

void fl_alloc_fail_after(long n)
{
    atomic_store(&fail_after, n < 0 ? -1 : n);
}

unsigned long fl_alloc_count(void)
{
    return atomic_load(&alloc_count);
}

void *fl_malloc(size_t n)
{
    if (inject_failure())
        return NULL;
    return malloc(n ? n : 1);
}

void *fl_calloc(size_t count, size_t size)
{
    if (inject_failure())
        return NULL;
    if (count == 0 || size == 0)
        count = size = 1;
    return calloc(count, size);
}

void *fl_realloc(void *p, size_t n)
{
    if (inject_failure())
        return NULL;
    return realloc(p, n ? n : 1);
}

void *fl_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return fl_realloc(p, count * size);
}

void fl_free(void *p)
{
    free(p);
}

char *fl_strndup(const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *r = fl_malloc(len + 1);
    if (!r)
        return NULL;
    if (len)
        memcpy(r, s, len);
    r[len] = '\0';
    return r;
}

char *fl_strdup(const char *s)
{
    return s ? fl_strndup(s, strlen(s)) : NULL;
}
