/* SPDX-License-Identifier: Apache-2.0 */
/*
 * helpers.h: shared fixtures of the store tests: a fresh temporary data directory per test (made
 * with mkdtemp, removed after), and a hand-built batch (the store reads only the batch's arrays,
 * so the tests do not depend on the batch builder).
 */
#ifndef FL_TEST_STORE_HELPERS_H
#define FL_TEST_STORE_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/record.h"
#include "store/store.h"

static inline char *th_tmpdir(void)
{
    char tmpl[] = "/tmp/fl_store_test_XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static inline void th_rm_store_dir(const char *dir, const char *sub)
{
    static const char *files[] = {"faultline.db", "faultline.db-wal", "faultline.db-shm"};
    char p[512];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s%s/%s", dir, sub ? "/" : "", sub ? sub : "", files[i]);
        unlink(p);
    }
    if (sub) {
        snprintf(p, sizeof p, "%s/%s", dir, sub);
        rmdir(p);
    }
}

static inline void th_rmdir(char *dir)
{
    th_rm_store_dir(dir, NULL);
    rmdir(dir);
    free(dir);
}

static inline struct fl_store *th_open(const char *dir)
{
    struct fl_store_opts o;
    struct fl_diag d;
    struct fl_store *s = NULL;
    fl_store_opts_default(&o);
    fl_diag_init(&d);
    fl_err e = fl_store_open(dir, &o, &s, &d);
    cr_assert_eq(e, FL_OK, "open: %s", d.msg);
    return s;
}

/* The usual fixture: `dir` and `st`, a store opened in a fresh directory by setup() and closed
 * and removed by teardown() (for TestSuite's .init / .fini). */
#define TH_STORE_FIXTURE()                                                                         \
    static char *dir;                                                                              \
    static struct fl_store *st;                                                                    \
    static void setup(void)                                                                        \
    {                                                                                              \
        dir = th_tmpdir();                                                                         \
        st = th_open(dir);                                                                         \
    }                                                                                              \
    static void teardown(void)                                                                     \
    {                                                                                              \
        fl_store_free(st);                                                                         \
        st = NULL;                                                                                 \
        th_rmdir(dir);                                                                             \
    }

static inline void th_batch(struct fl_batch *b)
{
    memset(b, 0, sizeof *b);
}

static inline struct fl_store_stats th_stats(struct fl_store *s)
{
    struct fl_store_stats st;
    cr_assert_eq(fl_store_stats(s, &st), FL_OK);
    return st;
}

/* A span with the given ids (span and parent as numbers, printed as 16 hex digits; parent 0 = a
 * root), service, name, kind and times; every text field empty or "{}" / "[]". */
static inline struct fl_span th_span(const char *trace, uint64_t id, uint64_t parent,
                                     const char *service, const char *name, int kind,
                                     int64_t start_ns, int64_t end_ns)
{
    struct fl_span sp;
    memset(&sp, 0, sizeof sp);
    size_t n = strnlen(trace, sizeof sp.trace_id - 1); /* ids are 32 hex digits */
    memcpy(sp.trace_id, trace, n);
    snprintf(sp.span_id, sizeof sp.span_id, "%016llx", (unsigned long long)id);
    if (parent)
        snprintf(sp.parent_span_id, sizeof sp.parent_span_id, "%016llx",
                 (unsigned long long)parent);
    sp.service = service;
    sp.name = name;
    sp.kind = kind;
    sp.start_ns = start_ns;
    sp.end_ns = end_ns;
    sp.status_message = "";
    sp.scope_name = "";
    sp.attrs_json = "{}";
    sp.resource_json = "{}";
    sp.events_json = "[]";
    sp.links_json = "[]";
    return sp;
}

#endif
