// SPDX-License-Identifier: Apache-2.0
/*
 * test_alloc.c: the allocation wrappers and the fail-the-Nth-allocation hook that every other
 * test uses to prove clean FL_ENOMEM paths.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"

Test(alloc, fail_after_counts_down_then_fails_until_reset)
{
    for (long n = 0; n < 5; n++) {
        fl_alloc_fail_after(n);
        void *ok[5] = {0};
        for (long i = 0; i < n; i++) {
            ok[i] = fl_malloc(16);
            cr_assert_not_null(ok[i], "allocation %ld of %ld must succeed", i, n);
        }
        cr_assert_null(fl_malloc(16));
        cr_assert_null(fl_calloc(2, 8));
        cr_assert_null(fl_realloc(NULL, 8));
        cr_assert_null(fl_strdup("x"));
        cr_assert_null(fl_strndup("xy", 1));
        fl_alloc_fail_after(-1);
        void *p = fl_malloc(16);
        cr_assert_not_null(p);
        fl_free(p);
        for (long i = 0; i < n; i++)
            fl_free(ok[i]);
    }
}

Test(alloc, count_increases_per_call)
{
    unsigned long before = fl_alloc_count();
    void *a = fl_malloc(1), *b = fl_calloc(1, 1);
    a = fl_realloc(a, 100);
    cr_assert_eq(fl_alloc_count() - before, 3);
    fl_free(a);
    fl_free(b);
}

Test(alloc, overflow_is_refused)
{
    cr_assert_null(fl_reallocarray(NULL, SIZE_MAX / 2, 4));
    cr_assert_null(fl_strndup("x", SIZE_MAX));
    void *p = fl_reallocarray(NULL, 10, 10);
    cr_assert_not_null(p);
    memset(p, 1, 100);
    fl_free(p);
}

Test(alloc, strdup_copies)
{
    char *s = fl_strdup("hello");
    cr_assert_str_eq(s, "hello");
    char *t = fl_strndup("hello world", 5);
    cr_assert_str_eq(t, "hello");
    cr_assert_null(fl_strdup(NULL));
    fl_free(s);
    fl_free(t);
    fl_free(NULL);
}
