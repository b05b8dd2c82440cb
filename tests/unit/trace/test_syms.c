// SPDX-License-Identifier: Apache-2.0
/*
 * test_syms.c: the symbol table: ids are stable and dense, "" is 0, strings survive growth of
 * the hash table and chunk boundaries, long strings, bytes that are not text, the cap
 * (FL_LIMIT_TRACE_SYMS) and every allocation failure.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "trace/trace.h"

Test(syms, basics)
{
    struct fl_trace_syms *y = fl_trace_syms_new();
    cr_assert_not_null(y);
    cr_assert_eq(fl_trace_syms_count(y), 1);
    uint32_t a, b, c, e;
    cr_assert_eq(fl_trace_syms_intern(y, "", 0, &e), FL_OK);
    cr_assert_eq(e, 0);
    cr_assert_eq(fl_trace_syms_intern(y, NULL, 0, &e), FL_OK);
    cr_assert_eq(e, 0);
    cr_assert_eq(fl_trace_syms_intern(y, "feature-store", 13, &a), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "model-server", 12, &b), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "feature-store-xyz", 13, &c), FL_OK, "only len bytes");
    cr_assert_eq(a, 1);
    cr_assert_eq(b, 2);
    cr_assert_eq(c, a);
    cr_assert_eq(fl_trace_syms_count(y), 3);
    cr_assert_str_eq(fl_trace_syms_str(y, a), "feature-store");
    cr_assert_str_eq(fl_trace_syms_str(y, b), "model-server");
    cr_assert_str_eq(fl_trace_syms_str(y, 0), "");
    cr_assert_str_eq(fl_trace_syms_str(y, 3), "", "unknown id");
    cr_assert_str_eq(fl_trace_syms_str(y, UINT32_MAX), "");
    cr_assert_str_eq(fl_trace_syms_str(NULL, 1), "");
    cr_assert_eq(fl_trace_syms_count(NULL), 0);
    /* A prefix is a different string; embedded NUL bytes count. */
    cr_assert_eq(fl_trace_syms_intern(y, "feature", 7, &c), FL_OK);
    cr_assert_eq(c, 3);
    cr_assert_eq(fl_trace_syms_intern(y, "a\0b", 3, &c), FL_OK);
    cr_assert_eq(fl_trace_syms_intern(y, "a\0c", 3, &e), FL_OK);
    cr_assert_neq(c, e);
    cr_assert_eq(fl_trace_syms_intern(y, NULL, 3, &c), FL_EINVAL);
    fl_trace_syms_free(y);
    fl_trace_syms_free(NULL);
}

Test(syms, many_strings_and_long_ones)
{
    struct fl_trace_syms *y = fl_trace_syms_new();
    cr_assert_not_null(y);
    const char *first = NULL;
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        int len = snprintf(buf, sizeof buf, "svc-%d/op-%d", i, i * 7);
        uint32_t id;
        cr_assert_eq(fl_trace_syms_intern(y, buf, (size_t)len, &id), FL_OK);
        cr_assert_eq(id, (uint32_t)i + 1);
        if (i == 0)
            first = fl_trace_syms_str(y, id);
    }
    cr_assert_str_eq(first, "svc-0/op-0", "pointers stay valid as the table grows");
    for (int i = 0; i < 200000; i += 997) {
        int len = snprintf(buf, sizeof buf, "svc-%d/op-%d", i, i * 7);
        uint32_t id;
        cr_assert_eq(fl_trace_syms_intern(y, buf, (size_t)len, &id), FL_OK);
        cr_assert_eq(id, (uint32_t)i + 1);
        cr_assert_str_eq(fl_trace_syms_str(y, id), buf);
    }
    /* Longer than a chunk, and a short one after it still goes into the shared chunk. */
    size_t big = 100000;
    char *s = malloc(big);
    cr_assert_not_null(s);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    uint32_t id, id2;
    cr_assert_eq(fl_trace_syms_intern(y, s, big, &id), FL_OK);
    cr_assert_eq(strlen(fl_trace_syms_str(y, id)), big);
    cr_assert_eq(memcmp(fl_trace_syms_str(y, id), s, big), 0);
    cr_assert_eq(fl_trace_syms_intern(y, s, big, &id2), FL_OK);
    cr_assert_eq(id2, id);
    cr_assert_eq(fl_trace_syms_intern(y, "tail", 4, &id2), FL_OK);
    cr_assert_eq(id2, id + 1);
    cr_assert_str_eq(fl_trace_syms_str(y, id2), "tail");
    cr_assert_eq(fl_trace_syms_count(y), 200000 + 3);
    free(s);
    fl_trace_syms_free(y);
}

Test(syms, cap_is_a_limit_error)
{
    struct fl_trace_syms *y = fl_trace_syms_new();
    cr_assert_not_null(y);
    char buf[32];
    uint32_t id;
    for (int i = 0; i < FL_LIMIT_TRACE_SYMS; i++) {
        int len = snprintf(buf, sizeof buf, "%d", i);
        cr_assert_eq(fl_trace_syms_intern(y, buf, (size_t)len, &id), FL_OK);
    }
    cr_assert_eq(id, FL_LIMIT_TRACE_SYMS);
    cr_assert_eq(fl_trace_syms_intern(y, "one more", 8, &id), FL_ELIMIT);
    cr_assert_eq(id, 0);
    cr_assert_eq(fl_trace_syms_intern(y, "17", 2, &id), FL_OK, "known strings still resolve");
    cr_assert_eq(id, 18);
    fl_trace_syms_free(y);
}

Test(syms, every_allocation_failure_leaves_a_usable_table)
{
    int saw_ok = 0, saw_fail = 0;
    for (long n = 0; n < 400 && !saw_ok; n++) {
        fl_alloc_fail_after(n);
        struct fl_trace_syms *y = fl_trace_syms_new();
        fl_err e = y ? FL_OK : FL_ENOMEM;
        int i;
        char buf[40];
        for (i = 0; y && i < 3000; i++) {
            /* Every 100th is long enough to need a chunk of its own. */
            int len = snprintf(buf, sizeof buf, "name-%d", i);
            if (i % 100 == 99) {
                static char longs[20000];
                memset(longs, 'x', sizeof longs);
                memcpy(longs, buf, (size_t)len);
                uint32_t id;
                if ((e = fl_trace_syms_intern(y, longs, sizeof longs, &id)))
                    break;
                continue;
            }
            uint32_t id;
            if ((e = fl_trace_syms_intern(y, buf, (size_t)len, &id)))
                break;
        }
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
        } else {
            saw_fail = 1;
            cr_assert_eq(e, FL_ENOMEM, "n=%ld", n);
        }
        if (y) {
            /* Everything interned before the failure is there with its id; then it goes on. */
            cr_assert_eq(fl_trace_syms_count(y), (size_t)i + 1, "n=%ld", n);
            for (int k = 0; k < i; k += 37) {
                if (k % 100 == 99)
                    continue;
                int len = snprintf(buf, sizeof buf, "name-%d", k);
                uint32_t id;
                cr_assert_eq(fl_trace_syms_intern(y, buf, (size_t)len, &id), FL_OK);
                cr_assert_eq(id, (uint32_t)k + 1, "n=%ld k=%d", n, k);
            }
            uint32_t id;
            cr_assert_eq(fl_trace_syms_intern(y, "late", 4, &id), FL_OK);
            cr_assert_eq(id, (uint32_t)i + 1);
        }
        fl_trace_syms_free(y);
    }
    cr_assert(saw_ok && saw_fail);
}

/* Merging a table gives every string the id that interning the same sequence directly would
 * have given: strings already present keep theirs, new ones follow in the source's id order
 * (bytes that are not text and embedded NULs included). */
Test(syms, merge_matches_direct_interning)
{
    static const struct {
        const char *s;
        size_t len;
    } seq1[] = {{"gateway", 7}, {"POST /score", 11}, {"a\0b", 3}, {"feature-store", 13}},
      seq2[] = {{"model-server", 12},
                {"gateway", 7},
                {"a\0c", 3},
                {"feature-store", 13},
                {"\xff\xfe", 2}};
    struct fl_trace_syms *direct = fl_trace_syms_new(), *merged = fl_trace_syms_new();
    struct fl_trace_syms *p1 = fl_trace_syms_new(), *p2 = fl_trace_syms_new();
    uint32_t id, d1[4], d2[5], m1[5], m2[6];
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(fl_trace_syms_intern(direct, seq1[i].s, seq1[i].len, &d1[i]), FL_OK);
        cr_assert_eq(fl_trace_syms_intern(p1, seq1[i].s, seq1[i].len, &id), FL_OK);
    }
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(fl_trace_syms_intern(direct, seq2[i].s, seq2[i].len, &d2[i]), FL_OK);
        cr_assert_eq(fl_trace_syms_intern(p2, seq2[i].s, seq2[i].len, &id), FL_OK);
    }
    cr_assert_eq(fl_trace_syms_merge(merged, p1, m1), FL_OK);
    cr_assert_eq(fl_trace_syms_merge(merged, p2, m2), FL_OK);
    cr_assert_eq(fl_trace_syms_count(merged), fl_trace_syms_count(direct));
    cr_assert_eq(fl_trace_syms_count(merged), 1 + 4 + 3);
    cr_assert_eq(m1[0], 0);
    cr_assert_eq(m2[0], 0);
    /* p1's and p2's ids are 1.. in their own first-seen order. */
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(m1[i + 1], d1[i], "seq1 %zu", i);
    uint32_t p2_id[5] = {1, 2, 3, 4, 5};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(m2[p2_id[i]], d2[i], "seq2 %zu", i);
    cr_assert_eq(memcmp(fl_trace_syms_str(merged, m1[3]), "a\0b", 4), 0);
    cr_assert_eq(fl_trace_syms_merge(merged, merged, m1), FL_EINVAL);
    cr_assert_eq(fl_trace_syms_merge(NULL, p1, m1), FL_EINVAL);
    cr_assert_eq(fl_trace_syms_merge(merged, p1, NULL), FL_EINVAL);
    fl_trace_syms_free(direct);
    fl_trace_syms_free(merged);
    fl_trace_syms_free(p1);
    fl_trace_syms_free(p2);
}
