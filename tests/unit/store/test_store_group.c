// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_group.c: group commit in fl_store_write. Concurrent callers' batches share one
 * transaction (one fsync), each batch in its own savepoint: every caller gets its own result only
 * after the COMMIT holding its batch, a failing batch is undone alone while the others of its group
 * commit, and allocation failures at any point of a group leave exactly the acknowledged batches.
 *
 * The tests look at the store's internals (store_int.h) to count commits and to hold the writer
 * lock so that a group forms deterministically.
 */
#include <pthread.h>
#include <sched.h>

#include "core/alloc.h"
#include "helpers.h"
#include "store/store_int.h"

static struct fl_store *gs;

/* ---- 8 threads x 200 batches ---- */

enum { THREADS = 8, BATCHES = 200, ROWS = 3 };

static const struct fl_feature feats[] = {
    {"age", FL_FEAT_PRESENT, FL_VAL_NUMBER, 42, NULL},
    {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"},
};

static void fill_inference(struct fl_inference *r, const char *rid, const char *model, int64_t ts)
{
    memset(r, 0, sizeof *r);
    r->ts_ms = ts;
    r->request_id = rid;
    r->model = model;
    r->model_version = "v1";
    r->features = feats;
    r->n_features = 2;
    r->pred_kind = FL_PRED_SCORE;
    r->score = 0.25;
}

static void *many_writer(void *arg)
{
    int t = (int)(intptr_t)arg;
    static char rid[THREADS][ROWS][48];
    struct fl_inference inf[ROWS];
    for (int k = 0; k < BATCHES; k++) {
        for (int i = 0; i < ROWS; i++) {
            snprintf(rid[t][i], sizeof rid[t][i], "t%d-b%d-r%d", t, k, i);
            fill_inference(&inf[i], rid[t][i], "m", (int64_t)(t * BATCHES + k) * ROWS + i);
        }
        struct fl_batch b;
        th_batch(&b);
        b.inferences = inf;
        b.n_inferences = ROWS;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_err e = fl_store_write(gs, &b, &d);
        cr_assert_eq(e, FL_OK, "thread %d batch %d: %s", t, k, d.msg);
        /* acknowledged means committed: a reader sees the batch at once */
        cr_assert_eq(fl_store_request(gs, rid[t][ROWS - 1], NULL, NULL, NULL, NULL), FL_OK,
                     "thread %d batch %d acknowledged but not readable", t, k);
    }
    return NULL;
}

Test(store_group, concurrent_writers_all_committed_in_fewer_transactions)
{
    char *dir = th_tmpdir();
    gs = th_open(dir);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, many_writer, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);

    cr_assert_eq(th_stats(gs).n_inferences, (uint64_t)THREADS * BATCHES * ROWS);
    for (int t = 0; t < THREADS; t++)
        for (int k = 0; k < BATCHES; k++)
            for (int i = 0; i < ROWS; i++) {
                char rid[48];
                snprintf(rid, sizeof rid, "t%d-b%d-r%d", t, k, i);
                cr_assert_eq(fl_store_request(gs, rid, NULL, NULL, NULL, NULL), FL_OK, "%s", rid);
            }
    cr_assert_eq(gs->n_group_batches, (uint64_t)THREADS * BATCHES);
    /* 8 writers waiting on fsyncs: batches must have shared commits */
    cr_assert_lt(gs->n_commits, (uint64_t)THREADS * BATCHES, "%llu commits for %d batches",
                 (unsigned long long)gs->n_commits, THREADS * BATCHES);
    cr_log_info("%llu commits for %d batches", (unsigned long long)gs->n_commits,
                THREADS * BATCHES);

    /* the data survive a reopen (the counts are recounted from the database) */
    fl_store_free(gs);
    gs = th_open(dir);
    cr_assert_eq(th_stats(gs).n_inferences, (uint64_t)THREADS * BATCHES * ROWS);
    cr_assert_eq(th_stats(gs).n_models, 1);
    fl_store_free(gs);
    th_rmdir(dir);
}

/* ---- a deterministic group: hold the writer lock while the batches queue ---- */

struct job {
    struct fl_batch b;
    struct fl_inference inf[3];
    char rid[3][48];
    struct fl_diag d;
    fl_err e;
    pthread_t th;
};

/* Three rows; with bad >= 0 row `bad` has no model, so the rows before it were already inserted
 * when the batch fails. */
static void job_init(struct job *j, const char *tag, int bad)
{
    memset(j, 0, sizeof *j);
    for (int i = 0; i < 3; i++) {
        snprintf(j->rid[i], sizeof j->rid[i], "%s-%d", tag, i);
        fill_inference(&j->inf[i], j->rid[i], i == bad ? NULL : "m", 1000 + i);
    }
    th_batch(&j->b);
    j->b.inferences = j->inf;
    j->b.n_inferences = 3;
    fl_diag_init(&j->d);
    j->e = FL_EIO; /* not a value fl_store_write returns here */
}

static void *job_run(void *arg)
{
    struct job *j = arg;
    j->e = fl_store_write(gs, &j->b, &j->d);
    return NULL;
}

/* Start j and wait until its batch is queued (behind a leader that waits for the writer lock). */
static void start_queued(struct job *j, size_t n_before)
{
    cr_assert_eq(pthread_create(&j->th, NULL, job_run, j), 0);
    for (int spin = 0; spin < 50000 && fl_store__queued(gs) <= n_before; spin++)
        usleep(100);
    cr_assert_eq(fl_store__queued(gs), n_before + 1, "batch never queued");
}

static int inf_present(const char *rid)
{
    return fl_store_request(gs, rid, NULL, NULL, NULL, NULL) == FL_OK;
}

/*
 * The test holds the writer lock; job a becomes leader of a group of one and blocks on the lock;
 * b, c, d, e queue behind it. Releasing the lock lets a commit, then one of b..e leads a group of
 * four in which c and e fail: their rows (some inserted before the bad row) are undone, b and d
 * commit, and each caller gets its own result.
 */
Test(store_group, failing_batch_in_group_rolled_back_alone)
{
    char *dir = th_tmpdir();
    gs = th_open(dir);
    static struct job j[5];
    static const char *tags[] = {"a", "b", "c", "d", "e"};
    static const int bad[] = {-1, -1, 2, -1, 1};
    for (int i = 0; i < 5; i++)
        job_init(&j[i], tags[i], bad[i]);
    uint64_t commits0 = gs->n_commits;

    pthread_mutex_lock(&gs->wmu);
    cr_assert_eq(pthread_create(&j[0].th, NULL, job_run, &j[0]), 0);
    for (int spin = 0; spin < 50000; spin++) { /* a is the leader once its queue was taken */
        pthread_mutex_lock(&gs->gmu);
        int led = gs->g_leader && !gs->gq_head;
        pthread_mutex_unlock(&gs->gmu);
        if (led)
            break;
        usleep(100);
    }
    for (size_t i = 1; i < 5; i++)
        start_queued(&j[i], i - 1);
    pthread_mutex_unlock(&gs->wmu);
    for (int i = 0; i < 5; i++)
        pthread_join(j[i].th, NULL);

    cr_assert_eq(gs->n_commits - commits0, 2, "expected a group of 1, then a group of 4");
    for (int i = 0; i < 5; i++) {
        if (bad[i] < 0) {
            cr_assert_eq(j[i].e, FL_OK, "%s: %s", tags[i], j[i].d.msg);
            cr_assert_eq(j[i].d.code, FL_OK, "%s: a good batch got a diag", tags[i]);
        } else {
            char field[64];
            snprintf(field, sizeof field, "inferences[%d].model", bad[i]);
            cr_assert_eq(j[i].e, FL_EINVAL, "%s: %s", tags[i], fl_err_name(j[i].e));
            cr_assert_str_eq(j[i].d.field, field);
        }
        for (int r = 0; r < 3; r++)
            cr_assert_eq(inf_present(j[i].rid[r]), bad[i] < 0, "%s row %d", tags[i], r);
    }
    cr_assert_eq(th_stats(gs).n_inferences, 9);
    fl_store_free(gs);
    gs = th_open(dir); /* the counts agree with the database */
    cr_assert_eq(th_stats(gs).n_inferences, 9);
    fl_store_free(gs);
    th_rmdir(dir);
}

/*
 * Allocation failures while a group of three is written: whatever fails, the batch hit reports
 * FL_ENOMEM and leaves nothing behind, every other batch is either committed (FL_OK) or failed
 * with FL_ENOMEM too, and the stats match what is stored.
 */
Test(store_group, allocation_failure_sweep_in_group)
{
    char *dir = th_tmpdir();
    gs = th_open(dir);
    int any_fail = 0, all_ok = 0;
    long sweep_k = 0;
    for (long k = 0; k < 400 && !all_ok; k++, sweep_k = k) {
        static struct job j[3];
        char tag[3][48];
        for (int i = 0; i < 3; i++) {
            snprintf(tag[i], sizeof tag[i], "k%ld-%d", k, i);
            job_init(&j[i], tag[i], -1);
        }
        uint64_t before = th_stats(gs).n_inferences;
        pthread_mutex_lock(&gs->wmu);
        cr_assert_eq(pthread_create(&j[0].th, NULL, job_run, &j[0]), 0);
        for (int spin = 0; spin < 50000; spin++) {
            pthread_mutex_lock(&gs->gmu);
            int led = gs->g_leader && !gs->gq_head;
            pthread_mutex_unlock(&gs->gmu);
            if (led)
                break;
            usleep(100);
        }
        start_queued(&j[1], 0);
        start_queued(&j[2], 1);
        /* a commits alone first; then b and c form the group under test */
        fl_alloc_fail_after(k);
        pthread_mutex_unlock(&gs->wmu);
        for (int i = 0; i < 3; i++)
            pthread_join(j[i].th, NULL);
        fl_alloc_fail_after(-1);
        size_t stored = 0;
        all_ok = 1;
        for (int i = 0; i < 3; i++) {
            cr_assert(j[i].e == FL_OK || j[i].e == FL_ENOMEM, "k=%ld batch %d: %s", k, i,
                      fl_err_name(j[i].e));
            all_ok &= j[i].e == FL_OK;
            any_fail |= j[i].e != FL_OK;
            for (int r = 0; r < 3; r++)
                cr_assert_eq(inf_present(j[i].rid[r]), j[i].e == FL_OK, "k=%ld batch %d row %d",
                             k, i, r);
            stored += j[i].e == FL_OK ? 3 : 0;
        }
        cr_assert_eq(th_stats(gs).n_inferences, before + stored, "k=%ld", k);
    }
    cr_log_info("group sweep: %ld failure points", sweep_k);
    cr_assert(any_fail, "no allocation failed: the sweep exercised nothing");
    cr_assert(all_ok, "the sweep never reached a fully successful group");
    fl_store_free(gs);
    th_rmdir(dir);
}

/* ---- multi-row inserts: duplicates inside and across groups of FL_STORE_SPAN_MULTI ---- */

struct span_seen {
    size_t n;
    char name_of_3[32];
};

static int see_span(const struct fl_span *sp, void *ud)
{
    struct span_seen *x = ud;
    x->n++;
    if (!strcmp(sp->span_id, "0000000000000003"))
        snprintf(x->name_of_3, sizeof x->name_of_3, "%s", sp->name);
    return 0;
}

Test(store_group, multi_row_spans_dedup_later_write_wins)
{
    char *dir = th_tmpdir();
    gs = th_open(dir);
    enum { N = 2 * FL_STORE_SPAN_MULTI + 3 };
    struct fl_span sp[N];
    for (int i = 0; i < N; i++) {
        memset(&sp[i], 0, sizeof sp[i]);
        strcpy(sp[i].trace_id, "0af7651916cd43dd8448eb211c80319c");
        snprintf(sp[i].span_id, sizeof sp[i].span_id, "%016x", i);
        sp[i].service = "svc";
        sp[i].name = "first";
        sp[i].start_ns = 1000 + i;
        sp[i].end_ns = 2000 + i;
    }
    sp[5] = sp[3]; /* the same span twice inside one multi-row group: the later one wins */
    sp[5].name = "second";
    struct fl_batch b;
    th_batch(&b);
    b.spans = sp;
    b.n_spans = N;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(gs, &b, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(th_stats(gs).n_spans, N - 1);
    struct span_seen x = {0, ""};
    cr_assert_eq(fl_store_trace(gs, "0af7651916cd43dd8448eb211c80319c", see_span, &x, NULL), FL_OK);
    cr_assert_eq(x.n, N - 1);
    cr_assert_str_eq(x.name_of_3, "second");

    /* the whole batch again with new names: nothing new, every span updated */
    for (int i = 0; i < N; i++)
        sp[i].name = "third";
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(gs, &b, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(th_stats(gs).n_spans, N - 1);
    x = (struct span_seen){0, ""};
    cr_assert_eq(fl_store_trace(gs, "0af7651916cd43dd8448eb211c80319c", see_span, &x, NULL), FL_OK);
    cr_assert_eq(x.n, N - 1);
    cr_assert_str_eq(x.name_of_3, "third");

    /* a bad span in the second multi-row group: nothing of the batch is stored */
    for (int i = 0; i < N; i++)
        snprintf(sp[i].span_id, sizeof sp[i].span_id, "%016x", 100 + i);
    sp[FL_STORE_SPAN_MULTI + 2].trace_id[0] = 0;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(gs, &b, &d), FL_EINVAL);
    char field[64];
    snprintf(field, sizeof field, "spans[%d].trace_id", FL_STORE_SPAN_MULTI + 2);
    cr_assert_str_eq(d.field, field);
    cr_assert_eq(th_stats(gs).n_spans, N - 1);
    fl_store_free(gs);
    gs = th_open(dir);
    cr_assert_eq(th_stats(gs).n_spans, N - 1);
    fl_store_free(gs);
    th_rmdir(dir);
}
