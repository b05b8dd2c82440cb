// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_threads.c: the store used from several threads at once, as the HTTP server does.
 * Writers commit batches of spans while readers list spans and read stats: every reader must see
 * whole batches only (a multiple of the batch size), never an error, and the final count is exact.
 * Also: a read-only store opens a database no writer has open.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "helpers.h"

enum { BATCH = 250, BATCHES = 24, WRITERS = 2, READERS = 3 };

static struct fl_store *shared;
static atomic_int writers_done;

static void *writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    static struct fl_span sp[WRITERS][BATCH];
    for (int k = 0; k < BATCHES; k++) {
        for (int i = 0; i < BATCH; i++) {
            struct fl_span *s = &sp[w][i];
            memset(s, 0, sizeof *s);
            snprintf(s->trace_id, sizeof s->trace_id, "%08x%08x%016x", w, k, i);
            snprintf(s->span_id, sizeof s->span_id, "%016x", i + 1);
            s->service = "svc";
            s->name = "op";
            s->start_ns = (int64_t)(w * BATCHES + k) * BATCH + i + 1;
            s->end_ns = s->start_ns + 1;
        }
        struct fl_batch b;
        th_batch(&b);
        b.spans = sp[w];
        b.n_spans = BATCH;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_store_write(shared, &b, &d);
        cr_assert_eq(e, FL_OK, "writer %d batch %d: %s", w, k, d.msg);
    }
    atomic_fetch_add(&writers_done, 1);
    return NULL;
}

static int count_span(const struct fl_span *sp, void *ud)
{
    (void)sp;
    (*(size_t *)ud)++;
    return 0;
}

static void *reader(void *arg)
{
    size_t *reads = arg;
    while (atomic_load(&writers_done) < WRITERS) {
        size_t n = 0;
        struct fl_span_query q = {NULL, NULL, 0, INT64_MAX, 0, 0, 1000000};
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_store_spans(shared, &q, count_span, &n, &d);
        cr_assert_eq(e, FL_OK, "reader: %s", d.msg);
        cr_assert_eq(n % BATCH, 0, "a reader saw %zu spans: part of a batch", n);
        struct fl_store_stats st;
        cr_assert_eq(fl_store_stats(shared, &st), FL_OK);
        cr_assert_eq(st.n_spans % BATCH, 0);
        (*reads)++;
    }
    return NULL;
}

Test(store_threads, concurrent_writers_and_readers_see_whole_batches)
{
    char *dir = th_tmpdir();
    shared = th_open(dir);
    pthread_t w[WRITERS], r[READERS];
    size_t reads[READERS] = {0};
    for (int i = 0; i < READERS; i++)
        cr_assert_eq(pthread_create(&r[i], NULL, reader, &reads[i]), 0);
    for (int i = 0; i < WRITERS; i++)
        cr_assert_eq(pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i), 0);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(w[i], NULL);
    for (int i = 0; i < READERS; i++)
        pthread_join(r[i], NULL);
    cr_assert_eq(th_stats(shared).n_spans, (uint64_t)WRITERS * BATCHES * BATCH);
    size_t total_reads = 0;
    for (int i = 0; i < READERS; i++)
        total_reads += reads[i];
    cr_log_info("%zu concurrent reads", total_reads);
    fl_store_free(shared);
    th_rmdir(dir);
}

Test(store_threads, read_only_without_a_writer)
{
    char *dir = th_tmpdir();
    struct fl_store *s = th_open(dir);
    struct fl_event ev = {"e1", 5000, FL_TS_NONE, "deploy", "api", NULL, -1, "", "{}"};
    struct fl_batch b;
    th_batch(&b);
    b.events = &ev;
    b.n_events = 1;
    cr_assert_eq(fl_store_write(s, &b, NULL), FL_OK);
    fl_store_free(s);

    struct fl_store_opts o;
    fl_store_opts_default(&o);
    o.read_only = true;
    struct fl_diag d;
    fl_diag_init(&d);
    s = NULL;
    cr_assert_eq(fl_store_open(dir, &o, &s, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(th_stats(s).n_events, 1);
    fl_store_free(s);

    /* read-only never creates anything */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/none", dir);
    fl_diag_init(&d);
    s = NULL;
    cr_assert_neq(fl_store_open(missing, &o, &s, &d), FL_OK);
    cr_assert_null(s);
    th_rmdir(dir);
}
