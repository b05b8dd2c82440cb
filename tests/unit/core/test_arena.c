// SPDX-License-Identifier: Apache-2.0
/*
 * test_arena.c: the bump allocator's alignment, large requests, cap (limit_hit), reset and
 * out-of-memory behaviour.
 */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

Test(arena, alignment_and_copies)
{
    struct fl_arena a;
    fl_arena_init(&a, 256, 1 << 20);
    for (size_t n = 0; n < 300; n += 7) {
        unsigned char *p = fl_arena_alloc(&a, n);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % alignof(max_align_t), 0, "n=%zu", n);
        memset(p, 0xab, n);
    }
    char *s = fl_arena_strndup(&a, "hello world", 5);
    cr_assert_str_eq(s, "hello");
    cr_assert_str_eq(fl_arena_strdup(&a, "x"), "x");
    int ok = 0;
    struct fl_str c = fl_arena_str(&a, (struct fl_str){"abcdef", 3}, &ok);
    cr_assert(ok);
    cr_assert_eq(c.len, 3);
    cr_assert_str_eq(c.p, "abc");
    unsigned *z = fl_arena_calloc(&a, 100, sizeof *z);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(z[i], 0);
    fl_arena_cleanup(&a);
}

Test(arena, large_requests_get_their_own_block)
{
    struct fl_arena a;
    fl_arena_init(&a, 128, 1 << 20);
    char *small1 = fl_arena_alloc(&a, 16);
    char *big = fl_arena_alloc(&a, 10000);
    char *small2 = fl_arena_alloc(&a, 16);
    cr_assert(small1 && big && small2);
    memset(big, 1, 10000);
    memset(small1, 2, 16);
    memset(small2, 3, 16);
    cr_assert_eq(big[9999], 1);
    cr_assert_eq(small1[15], 2);
    fl_arena_cleanup(&a);
}

Test(arena, cap_sets_limit_hit)
{
    struct fl_arena a;
    fl_arena_init(&a, 1024, 4096);
    size_t got = 0;
    while (fl_arena_alloc(&a, 100))
        got++;
    cr_assert(a.limit_hit);
    cr_assert_leq(a.used, 4096);
    cr_assert_geq(got, 4096 / 128 - 1);
    cr_assert_null(fl_arena_calloc(&a, SIZE_MAX / 2, 4));
    cr_assert_null(fl_arena_strndup(&a, "x", SIZE_MAX));
    fl_arena_reset(&a);
    cr_assert_eq(a.used, 0);
    cr_assert_eq(a.limit_hit, 0);
    cr_assert_not_null(fl_arena_alloc(&a, 100), "usable again after reset");
    fl_arena_cleanup(&a);
}

Test(arena, out_of_memory_is_not_limit)
{
    struct fl_arena a;
    fl_arena_init(&a, 1024, 1 << 20);
    fl_alloc_fail_after(0);
    void *p = fl_arena_alloc(&a, 10);
    fl_alloc_fail_after(-1);
    cr_assert_null(p);
    cr_assert_eq(a.limit_hit, 0);
    int ok = 1;
    fl_alloc_fail_after(0);
    struct fl_str s = fl_arena_str(&a, (struct fl_str){"abc", 3}, &ok);
    fl_alloc_fail_after(-1);
    cr_assert_eq(ok, 0);
    cr_assert_eq(s.len, 0);
    fl_arena_cleanup(&a);
}

Test(arena, reset_reuses_memory)
{
    struct fl_arena a;
    fl_arena_init(&a, 4096, 1 << 20);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++)
            cr_assert_not_null(fl_arena_alloc(&a, 64));
        cr_assert_not_null(fl_arena_alloc(&a, 100000));
        fl_arena_reset(&a);
    }
    unsigned long before = fl_alloc_count();
    cr_assert_not_null(fl_arena_alloc(&a, 64));
    cr_assert_eq(fl_alloc_count(), before, "the kept block serves the first allocation");
    fl_arena_cleanup(&a);
}
