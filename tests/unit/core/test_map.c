// SPDX-License-Identifier: Apache-2.0
/*
 * test_map.c: the hash map against a brute-force model (insert, replace, delete, take, growth with
 * tombstones), destructor calls, the max_entries cap, binary keys, and every allocation failure.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"

static int freed;
static void count_free(void *v)
{
    freed++;
    fl_free(v);
}

static int *boxed(int v)
{
    int *p = fl_malloc(sizeof *p);
    cr_assert_not_null(p);
    *p = v;
    return p;
}

Test(map, basic_ops_and_destructor)
{
    freed = 0;
    struct fl_map *m = fl_map_new(count_free, 0);
    cr_assert_not_null(m);
    cr_assert_null(fl_map_get(m, "a", 1), "empty map");
    cr_assert_eq(fl_map_put(m, "a", 1, boxed(1)), FL_OK);
    cr_assert_eq(fl_map_put(m, "b", 1, boxed(2)), FL_OK);
    cr_assert_eq(fl_map_put(m, "", 0, boxed(3)), FL_OK);
    cr_assert_eq(fl_map_count(m), 3);
    cr_assert_eq(*(int *)fl_map_get(m, "a", 1), 1);
    cr_assert_eq(*(int *)fl_map_get(m, "", 0), 3);
    cr_assert_eq(fl_map_put(m, "a", 1, boxed(10)), FL_OK);
    cr_assert_eq(freed, 1, "replace destroys the old value");
    cr_assert_eq(*(int *)fl_map_get(m, "a", 1), 10);
    cr_assert_eq(fl_map_count(m), 3);
    cr_assert(fl_map_del(m, "b", 1));
    cr_assert_eq(freed, 2);
    cr_assert(!fl_map_del(m, "b", 1));
    cr_assert(!fl_map_has(m, "b", 1));
    int *t = fl_map_take(m, "a", 1);
    cr_assert_eq(*t, 10);
    cr_assert_eq(freed, 2, "take does not destroy");
    fl_free(t);
    cr_assert_null(fl_map_take(m, "a", 1));
    cr_assert_eq(fl_map_count(m), 1);
    fl_map_free(m);
    cr_assert_eq(freed, 3, "free destroys the remaining value");
    fl_map_free(NULL);
}

Test(map, binary_keys_are_distinct)
{
    struct fl_map *m = fl_map_new(NULL, 0);
    cr_assert_eq(fl_map_put(m, "a\0b", 3, (void *)1), FL_OK);
    cr_assert_eq(fl_map_put(m, "a\0c", 3, (void *)2), FL_OK);
    cr_assert_eq(fl_map_put(m, "a", 1, (void *)3), FL_OK);
    cr_assert_eq(fl_map_get(m, "a\0b", 3), (void *)1);
    cr_assert_eq(fl_map_get(m, "a\0c", 3), (void *)2);
    cr_assert_eq(fl_map_get(m, "a", 1), (void *)3);
    /* The map owns copies: changing the caller's key buffer changes nothing. */
    char key[4] = "xyz";
    cr_assert_eq(fl_map_put(m, key, 3, (void *)4), FL_OK);
    key[0] = 'q';
    cr_assert_eq(fl_map_get(m, "xyz", 3), (void *)4);
    cr_assert_null(fl_map_get(m, key, 3));
    fl_map_free(m);
}

struct model {
    int present[5000];
};

static int sum_visit(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    *(long *)ud += (long)(intptr_t)value;
    return 0;
}

static int stop_visit(const char *key, size_t key_len, void *value, void *ud)
{
    (void)key;
    (void)key_len;
    (void)value;
    return ++*(int *)ud == 3 ? 7 : 0;
}

Test(map, matches_a_model_under_churn)
{
    static struct model md;
    memset(&md, 0, sizeof md);
    struct fl_map *m = fl_map_new(NULL, 0);
    uint64_t r = 12345;
    for (int step = 0; step < 200000; step++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)((r >> 33) % 5000);
        char key[16];
        int kl = snprintf(key, sizeof key, "k%d", k);
        if ((r >> 20) % 3 == 0) {
            bool had = fl_map_del(m, key, (size_t)kl);
            cr_assert_eq(had, md.present[k] != 0);
            md.present[k] = 0;
        } else {
            cr_assert_eq(fl_map_put(m, key, (size_t)kl, (void *)(intptr_t)(k + 1)), FL_OK);
            md.present[k] = 1;
        }
    }
    size_t n = 0;
    long sum = 0, want = 0;
    for (int k = 0; k < 5000; k++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%d", k);
        void *v = fl_map_get(m, key, (size_t)kl);
        cr_assert_eq(v != NULL, md.present[k] != 0, "k%d", k);
        if (v) {
            cr_assert_eq((intptr_t)v, k + 1);
            n++;
            want += k + 1;
        }
    }
    cr_assert_eq(fl_map_count(m), n);
    cr_assert_eq(fl_map_each(m, sum_visit, &sum), 0);
    cr_assert_eq(sum, want);
    int calls = 0;
    cr_assert_eq(fl_map_each(m, stop_visit, &calls), 7);
    cr_assert_eq(calls, 3);
    fl_map_free(m);
}

Test(map, max_entries_cap)
{
    struct fl_map *m = fl_map_new(NULL, 3);
    cr_assert_eq(fl_map_put(m, "a", 1, (void *)1), FL_OK);
    cr_assert_eq(fl_map_put(m, "b", 1, (void *)1), FL_OK);
    cr_assert_eq(fl_map_put(m, "c", 1, (void *)1), FL_OK);
    cr_assert_eq(fl_map_put(m, "d", 1, (void *)1), FL_ELIMIT);
    cr_assert_eq(fl_map_put(m, "a", 1, (void *)2), FL_OK, "replacing is not growing");
    cr_assert(fl_map_del(m, "b", 1));
    cr_assert_eq(fl_map_put(m, "d", 1, (void *)1), FL_OK);
    cr_assert_eq(fl_map_count(m), 3);
    fl_map_free(m);
}

static int values[100];
static int destroyed;
static void count_only(void *v)
{
    cr_assert(v >= (void *)values && v < (void *)(values + 100));
    destroyed++;
}

Test(map, every_allocation_failure_leaves_a_consistent_map)
{
    int saw_ok = 0, saw_fail = 0;
    for (long n = 0; n < 500 && !saw_ok; n++) {
        destroyed = 0;
        fl_alloc_fail_after(n);
        struct fl_map *m = fl_map_new(count_only, 0);
        fl_err e = m ? FL_OK : FL_ENOMEM;
        int i;
        for (i = 0; m && i < 100; i++) {
            char key[16];
            int kl = snprintf(key, sizeof key, "key%d", i);
            if ((e = fl_map_put(m, key, (size_t)kl, &values[i])))
                break;
        }
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(fl_map_count(m), 100);
        } else {
            saw_fail = 1;
            cr_assert_eq(e, FL_ENOMEM, "n=%ld", n);
        }
        if (m) {
            cr_assert_eq(fl_map_count(m), (size_t)i);
            for (int k = 0; k < i; k++) {
                char key[16];
                int kl = snprintf(key, sizeof key, "key%d", k);
                cr_assert_eq(fl_map_get(m, key, (size_t)kl), &values[k], "n=%ld", n);
            }
            /* Still usable after the failure. */
            cr_assert_eq(fl_map_put(m, "late", 4, &values[99]), FL_OK);
        }
        fl_map_free(m);
        cr_assert_eq(destroyed, m ? i + 1 : 0, "n=%ld: values destroyed exactly once", n);
    }
    cr_assert(saw_ok && saw_fail);
}
