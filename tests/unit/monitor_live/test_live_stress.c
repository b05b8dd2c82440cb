/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_live_stress.c: live monitoring under concurrency (ingest threads and a ticking thread at
 * once: every record is counted exactly once, as profiled or late) and under allocation failure
 * (every allocation point of new / add / tick / metrics / JSON fails in turn: no crash, and the
 * run that does not fail gives the full answer; leaks show under `make asan`).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/record.h"
#include "ingest/inference.h"
#include "monitor/live.h"
#include "unit/store/helpers.h"

#define T0 1800000000000LL
#define W 60000LL

/* n records of (model, version) spread over `windows` windows from T0. */
static void make_batch(struct fl_batch *b, const char *model, const char *version, int n,
                       int windows)
{
    struct fl_buf t;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_buf_init(&t, 1 << 26);
    for (int i = 0; i < n; i++)
        fl_buf_printf(&t,
                      "{\"ts\":1800000000,\"request_id\":\"r%d\",\"model\":\"%s\","
                      "\"model_version\":\"%s\",\"features\":{\"a\":%d,\"c\":\"%s\"},"
                      "\"prediction\":{\"class\":\"%s\"}}\n",
                      i, model, version, i % 97, i % 2 ? "x" : "y", i % 3 ? "p" : "q");
    cr_assert_eq(fl_batch_init(b, 0), FL_OK);
    cr_assert_eq(fl_inference_jsonl_to_batch(t.data, t.len, NULL, b, &d), FL_OK, "%s", d.msg);
    for (size_t i = 0; i < b->n_inferences; i++)
        b->inferences[i].ts_ms = T0 + (int64_t)(i % (size_t)windows) * W + (int64_t)i;
    fl_buf_cleanup(&t);
}

struct worker {
    struct fl_live *l;
    struct fl_batch *b;
    int rounds;
};

static void *ingest_main(void *arg)
{
    struct worker *w = arg;
    for (int k = 0; k < w->rounds; k++)
        if (fl_live_add(w->l, w->b->inferences, w->b->n_inferences, NULL) != FL_OK)
            return (void *)1;
    return NULL;
}

struct ticker {
    struct fl_live *l;
    int ticks;
};

static void *tick_main(void *arg)
{
    struct ticker *t = arg;
    for (int k = 0; k < t->ticks; k++)
        if (fl_live_tick(t->l, T0 + (k / 10) * W / 4, NULL) != FL_OK)
            return (void *)1;
    return NULL;
}

Test(live_stress, concurrent_ingest_and_ticks_count_every_record_once)
{
    struct fl_live_opts o;
    fl_live_opts_default(&o);
    o.window_ms = W;
    o.grace_ms = 0;
    o.min_rows = 10;
    o.open_windows = 2;
    o.retention_ms = 0;
    struct fl_live *l = NULL;
    cr_assert_eq(fl_live_new(&o, NULL, &l, NULL), FL_OK);
    enum { N_THREADS = 4, ROUNDS = 20, N = 300 };
    static const char *const versions[N_THREADS] = {"v1", "v2", "v1", "v3"};
    struct fl_batch b[N_THREADS];
    struct worker w[N_THREADS];
    pthread_t th[N_THREADS + 1];
    for (int i = 0; i < N_THREADS; i++) {
        make_batch(&b[i], "m", versions[i], N, 4);
        w[i] = (struct worker){l, &b[i], ROUNDS};
        cr_assert_eq(pthread_create(&th[i], NULL, ingest_main, &w[i]), 0);
    }
    struct ticker t = {l, 200};
    cr_assert_eq(pthread_create(&th[N_THREADS], NULL, tick_main, &t), 0);
    for (int i = 0; i <= N_THREADS; i++) {
        void *rv = NULL; /* ingest threads and the ticker return non-NULL on an error */
        pthread_join(th[i], &rv);
        cr_expect_null(rv, "thread %d failed", i);
    }
    cr_assert_eq(fl_live_tick(l, T0 + 100 * W, NULL), FL_OK);
    struct fl_live_stats s;
    fl_live_stats(l, &s);
    cr_expect_eq(s.records + s.late, (uint64_t)N_THREADS * ROUNDS * N);
    cr_expect_eq(s.failed, 0);
    cr_expect_eq(s.windows_open, 0);
    cr_expect_eq(s.versions, 3);
    cr_expect_geq(s.windows_closed, 4);
    struct fl_buf m;
    fl_buf_init(&m, 1 << 24);
    fl_live_write_metrics(l, &m);
    char want[128];
    snprintf(want, sizeof want, "\nfaultline_live_late_records_total %llu\n",
             (unsigned long long)s.late);
    cr_expect_not_null(strstr(m.data, want), "%s", m.data);
    fl_buf_cleanup(&m);
    fl_live_free(l);
    for (int i = 0; i < N_THREADS; i++)
        fl_batch_cleanup(&b[i]);
}

/* One full run; true when nothing failed and the answers are complete. */
static bool run_once(const char *ref, const struct fl_batch *b1, const struct fl_batch *b2,
                     long fail_after)
{
    struct fl_live_opts o;
    struct fl_live *l = NULL;
    struct fl_buf m, j;
    bool ok = true;
    fl_live_opts_default(&o);
    o.window_ms = W;
    o.min_rows = 10;
    o.retention_ms = 0;
    fl_buf_init(&m, 1 << 24);
    fl_buf_init(&j, 1 << 24);
    fl_alloc_fail_after(fail_after);
    if (fl_live_new(&o, NULL, &l, NULL) != FL_OK) {
        ok = false;
        goto out;
    }
    ok &= fl_live_set_reference_file(l, "m", ref, NULL) == FL_OK;
    ok &= fl_live_add(l, b1->inferences, b1->n_inferences, NULL) == FL_OK;
    ok &= fl_live_add(l, b2->inferences, b2->n_inferences, NULL) == FL_OK;
    ok &= fl_live_tick(l, T0 + 10 * W, NULL) == FL_OK;
    fl_live_write_metrics(l, &m);
    ok &= fl_buf_err(&m) == FL_OK;
    ok &= fl_live_drift_json(l, "m", "v1", &j, NULL) == FL_OK && fl_buf_err(&j) == FL_OK;
out:
    fl_live_free(l);
    fl_alloc_fail_after(-1);
    if (ok) {
        cr_expect_not_null(strstr(m.data, "faultline_feature_drift_detected{model=\"m\","
                                          "version=\"v1\",feature=\"a\",method="),
                           "%s", m.data);
        cr_expect_not_null(strstr(j.data, "\"status\":\"ok\""), "%s", j.data);
    }
    fl_buf_cleanup(&m);
    fl_buf_cleanup(&j);
    return ok;
}

Test(live_stress, every_allocation_failure_is_survived)
{
    char *dir = th_tmpdir();
    char ref[600];
    snprintf(ref, sizeof ref, "%s/ref.csv", dir);
    FILE *f = fopen(ref, "w");
    cr_assert_not_null(f);
    fprintf(f, "a,c\n");
    for (int i = 0; i < 100; i++)
        fprintf(f, "%d,%s\n", i % 97, i % 2 ? "x" : "y");
    fclose(f);
    struct fl_batch b1, b2;
    fl_log_set_level(FL_LOG_OFF); /* every failure point logs a warning */
    make_batch(&b1, "m", "v1", 60, 2);
    make_batch(&b2, "m", "v2", 20, 1);
    long n = 0;
    int failures = 0;
    for (; n < 100000; n += n < 2000 ? 1 : 7) {
        if (run_once(ref, &b1, &b2, n))
            break;
        failures++;
    }
    cr_expect_lt(n, 100000, "never completed");
    cr_expect_gt(failures, 100, "only %d failure points", failures);
    fl_batch_cleanup(&b1);
    fl_batch_cleanup(&b2);
    unlink(ref);
    th_rmdir(dir);
}
