// SPDX-License-Identifier: Apache-2.0
/*
 * test_span_scan.c: fl_store_span_scan (src/store/scan.c), the bulk span read of trace analytics.
 * Spans are written in several batches (one block each) whose start times interleave, and every
 * scan is checked against a brute-force answer from the written records: window boundaries
 * (inclusive at both ends), the pieces of one trace written in several batches, a span rewritten
 * to a start outside its block, stopping, the attributes as fl_store_trace decodes them (encoded,
 * text, inline keys, empty, absent), rows that do not decode, an empty store, bad arguments.
 */
#include <sqlite3.h>
#include <stdint.h>

#include "core/alloc.h"
#include "helpers.h"
#include "store/store_int.h"

static char *dir;
static struct fl_store *st;

static void setup(void)
{
    dir = th_tmpdir();
    st = th_open(dir);
    st->span_block_rows = 0; /* one block per batch, so that scans cross several */
}

static void teardown(void)
{
    fl_store_free(st);
    st = NULL;
    th_rmdir(dir);
}

static void exec_sql(const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(st->w.db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql,
                 msg ? msg : "");
}

/* ---- what was written ---- */

#define MAXSP 256
#define TRACES 6

struct wspan {
    char trace_id[33], span_id[17];
    int64_t start;
    int live;
};

static struct wspan written[MAXSP];
static size_t n_written;

static const char *const attrs_cases[] = {
    "{\"http.route\":\"/pay\",\"http.response.status_code\":200,\"ok\":true}",
    "{\"a\": 1, \"b\": \"spaced, so stored as text\"}",
    "{}",
    NULL,
    "{\"esc\\\"aped\":\"x\\\\\\\"y\",\"nested\":{\"k\":[1,2,{\"z\":null}]},\"n\":-1.5e3}",
    "{\"http.route\":\"/cart\",\"thread.id\":7}",
};
#define N_ATTRS (sizeof attrs_cases / sizeof attrs_cases[0])

/* Span k of trace t (0-based); starts interleave across traces and batches. */
static void make_span(struct fl_span *sp, size_t t, size_t k, int64_t start)
{
    memset(sp, 0, sizeof *sp);
    snprintf(sp->trace_id, sizeof sp->trace_id, "%032zx", t + 0xabc0);
    snprintf(sp->span_id, sizeof sp->span_id, "%016zx", t * 100 + k + 1);
    if (k)
        snprintf(sp->parent_span_id, sizeof sp->parent_span_id, "%016zx", t * 100 + 1);
    sp->service = k % 2 ? "payments" : "checkout";
    sp->name = k % 3 ? "GET /a" : "POST /b";
    sp->kind = (int)(k % 5) + 1;
    sp->start_ns = start;
    sp->end_ns = start + 1000 + (int64_t)k;
    sp->status_code = k % 4 == 3 ? FL_STATUS_ERROR : FL_STATUS_UNSET;
    sp->status_message = k % 4 == 3 ? "boom" : "";
    sp->scope_name = "my.scope";
    sp->attrs_json = attrs_cases[(t + k) % N_ATTRS];
    sp->resource_json = "{\"service.name\":\"x\"}";
    sp->events_json = k % 2 ? "[{\"time_ns\":\"5\",\"name\":\"retry\",\"attrs\":{}}]" : NULL;
    sp->links_json = "[{\"trace_id\":\"00\",\"span_id\":\"01\",\"attrs\":{}}]";
}

static void remember(const struct fl_span *sp)
{
    for (size_t i = 0; i < n_written; i++) {
        if (!strcmp(written[i].trace_id, sp->trace_id) &&
            !strcmp(written[i].span_id, sp->span_id)) {
            written[i].start = sp->start_ns;
            return;
        }
    }
    cr_assert_lt(n_written, MAXSP);
    struct wspan *w = &written[n_written++];
    strcpy(w->trace_id, sp->trace_id);
    strcpy(w->span_id, sp->span_id);
    w->start = sp->start_ns;
    w->live = 1;
}

static void write_batch(struct fl_span *sp, size_t n)
{
    struct fl_batch b;
    struct fl_diag d;
    th_batch(&b);
    b.spans = sp;
    b.n_spans = n;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    for (size_t i = 0; i < n; i++)
        remember(&sp[i]);
}

/*
 * Three batches; each holds a piece of every trace (spans 3p .. 3p+2 of trace t in batch p), so
 * each trace is in three blocks. Start of span k of trace t: 1000 * (9 * t + k) + 10, so the
 * batches' time ranges overlap each other.
 */
static int64_t start_of(size_t t, size_t k)
{
    return 1000 * (int64_t)(9 * t + k) + 10;
}

static void write_pieces(void)
{
    for (size_t p = 0; p < 3; p++) {
        struct fl_span sp[TRACES * 3];
        size_t n = 0;
        for (size_t t = 0; t < TRACES; t++)
            for (size_t k = 3 * p; k < 3 * p + 3; k++, n++)
                make_span(&sp[n], t, k, start_of(t, k));
        write_batch(sp, n);
    }
}

/* ---- what a scan gives ---- */

struct got {
    struct fl_span sp[MAXSP];
    char attrs[MAXSP][256], events[MAXSP][128];
    size_t n, stop_after;
};

static int collect(const struct fl_span *sp, void *ud)
{
    struct got *g = ud;
    cr_assert_lt(g->n, MAXSP);
    g->sp[g->n] = *sp;
    snprintf(g->attrs[g->n], sizeof g->attrs[g->n], "%s", sp->attrs_json);
    snprintf(g->events[g->n], sizeof g->events[g->n], "%s", sp->events_json);
    g->n++;
    return g->stop_after && g->n >= g->stop_after;
}

static struct got *scan(int64_t from, int64_t to)
{
    struct got *g = calloc(1, sizeof *g);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_not_null(g);
    cr_assert_eq(fl_store_span_scan(st, from, to, collect, g, &d), FL_OK, "%s", d.msg);
    return g;
}

/* The scan of [from, to] returns each written span that starts there, once. */
static void check_window(int64_t from, int64_t to)
{
    struct got *g = scan(from, to);
    size_t want = 0;
    for (size_t i = 0; i < n_written; i++) {
        if (written[i].start < from || written[i].start > to)
            continue;
        want++;
        size_t hits = 0;
        for (size_t j = 0; j < g->n; j++)
            hits += !strcmp(g->sp[j].span_id, written[i].span_id) &&
                    !strcmp(g->sp[j].trace_id, written[i].trace_id);
        cr_expect_eq(hits, 1, "[%lld, %lld]: span %s returned %zu times", (long long)from,
                     (long long)to, written[i].span_id, hits);
    }
    cr_expect_eq(g->n, want, "[%lld, %lld]: %zu spans, want %zu", (long long)from, (long long)to,
                 g->n, want);
    for (size_t j = 0; j < g->n; j++)
        cr_expect(g->sp[j].start_ns >= from && g->sp[j].start_ns <= to, "start %lld outside",
                  (long long)g->sp[j].start_ns);
    free(g);
}

Test(span_scan, empty_store, .init = setup, .fini = teardown)
{
    struct got *g = scan(INT64_MIN, INT64_MAX);
    cr_expect_eq(g->n, 0);
    free(g);
}

Test(span_scan, bad_arguments, .init = setup, .fini = teardown)
{
    struct fl_diag d;
    struct got g;
    fl_diag_init(&d);
    cr_expect_eq(fl_store_span_scan(st, 10, 9, collect, &g, &d), FL_EINVAL);
    fl_diag_init(&d);
    cr_expect_eq(fl_store_span_scan(st, 0, 9, NULL, &g, &d), FL_EINVAL);
    fl_diag_init(&d);
    cr_expect_eq(fl_store_span_scan(NULL, 0, 9, collect, &g, &d), FL_EINVAL);
}

Test(span_scan, window_boundaries, .init = setup, .fini = teardown)
{
    write_pieces();
    cr_assert_eq(th_stats(st).n_spans, TRACES * 9);
    cr_assert_gt(n_written, 0);
    int64_t first = start_of(0, 0), last = start_of(TRACES - 1, 8);
    static const struct {
        int64_t from, to; /* offsets from the first start */
        int rel_last;     /* to is relative to the last start instead */
    } cases[] = {
        {0, 0, 1},        /* everything, exactly */
        {0, 0, 0},        /* the first span alone: both bounds inclusive */
        {1, -1, 1},       /* all but the first and the last */
        {1000, 1000, 0},  /* one span in the middle of a block */
        {999, 1001, 0},   /* the same, a little wider */
        {1001, 1999, 0},  /* between two starts: nothing */
        {8000, 12000, 0}, /* crosses from trace 0 into trace 1 (and several blocks) */
        {-5000, -1, 0},   /* before everything */
        {1, 1, 1},        /* after everything */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t from = first + cases[i].from;
        int64_t to = cases[i].rel_last ? last + cases[i].to : first + cases[i].to;
        check_window(from, to);
    }
    check_window(INT64_MIN, INT64_MAX);
    /* Every possible one-span window. */
    for (size_t i = 0; i < n_written; i++)
        check_window(written[i].start, written[i].start);
}

Test(span_scan, pieces_of_a_trace_in_several_batches, .init = setup, .fini = teardown)
{
    write_pieces();
    /* Three blocks, and each trace has a piece in each. */
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(st->w.db, "SELECT count(*) FROM span_blocks", -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(q, 0), 3);
    sqlite3_finalize(q);
    struct got *g = scan(INT64_MIN, INT64_MAX);
    cr_assert_eq(g->n, TRACES * 9);
    for (size_t t = 0; t < TRACES; t++) {
        char tid[33];
        snprintf(tid, sizeof tid, "%032zx", t + 0xabc0);
        int seen[9] = {0};
        for (size_t j = 0; j < g->n; j++) {
            if (strcmp(g->sp[j].trace_id, tid))
                continue;
            unsigned long long k = strtoull(g->sp[j].span_id, NULL, 16) - t * 100 - 1;
            cr_assert_lt(k, 9);
            seen[k]++;
        }
        for (size_t k = 0; k < 9; k++)
            cr_expect_eq(seen[k], 1, "trace %zu span %zu seen %d times", t, k, seen[k]);
    }
    /* Storage order: the first batch's rows come first, so trace 5's first piece comes before
     * trace 0's last. */
    size_t pos_t5_k0 = SIZE_MAX, pos_t0_k8 = SIZE_MAX;
    for (size_t j = 0; j < g->n; j++) {
        unsigned long long id = strtoull(g->sp[j].span_id, NULL, 16);
        if (id == 5 * 100 + 1)
            pos_t5_k0 = j;
        if (id == 9)
            pos_t0_k8 = j;
    }
    cr_expect_lt(pos_t5_k0, pos_t0_k8);
    free(g);
}

static int count_and_stop(const struct fl_span *sp, void *ud)
{
    size_t *n = ud;
    (void)sp;
    return ++*n == 7;
}

Test(span_scan, nonzero_return_stops, .init = setup, .fini = teardown)
{
    write_pieces();
    size_t n = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_store_span_scan(st, INT64_MIN, INT64_MAX, count_and_stop, &n, &d), FL_OK);
    cr_expect_eq(n, 7);
    /* Stopping on a block's last row also stops (the first block holds 18 rows). */
    struct got *g = calloc(1, sizeof *g);
    g->stop_after = TRACES * 3;
    fl_diag_init(&d);
    cr_expect_eq(fl_store_span_scan(st, INT64_MIN, INT64_MAX, collect, g, &d), FL_OK);
    cr_expect_eq(g->n, TRACES * 3);
    free(g);
}

static void check_same_as_trace(void)
{
    struct got *all = scan(INT64_MIN, INT64_MAX);
    cr_assert_eq(all->n, n_written);
    for (size_t j = 0; j < all->n; j++) {
        const struct fl_span *a = &all->sp[j];
        struct got *tr = calloc(1, sizeof *tr);
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_trace(st, a->trace_id, collect, tr, &d), FL_OK, "%s", d.msg);
        size_t k = 0;
        while (k < tr->n && strcmp(tr->sp[k].span_id, a->span_id))
            k++;
        cr_assert_lt(k, tr->n, "span %s not in its trace", a->span_id);
        const struct fl_span *b = &tr->sp[k];
        cr_expect_str_eq(all->attrs[j], tr->attrs[k], "span %s attributes", a->span_id);
        cr_expect_str_eq(all->events[j], tr->events[k], "span %s events", a->span_id);
        cr_expect_str_eq(a->parent_span_id, b->parent_span_id);
        cr_expect_eq(a->kind, b->kind);
        cr_expect_eq(a->start_ns, b->start_ns);
        cr_expect_eq(a->end_ns, b->end_ns);
        cr_expect_eq(a->status_code, b->status_code);
        free(tr);
    }
    free(all);
}

Test(span_scan, attributes_as_fl_store_trace_decodes_them, .init = setup, .fini = teardown)
{
    write_pieces();
    /* One span's attributes with an inline key (id 0, used once the dictionary is full) and a
     * dictionary key, as the writer would encode them. */
    exec_sql("UPDATE spans SET attrs_json = x'0003696e6c03223122010132' "
             "WHERE span_id = '0000000000000002'");
    check_same_as_trace();
    /* The scan's own fields: the origin and links are not read. */
    struct got *g = scan(INT64_MIN, INT64_MAX);
    size_t n_text = 0, n_blob_seen = 0;
    for (size_t j = 0; j < g->n; j++) {
        if (!strcmp(g->sp[j].span_id, "0000000000000002")) {
            char want[128];
            snprintf(want, sizeof want, "{\"inl\":\"1\",\"%s\":2}", "http.route");
            cr_expect_str_eq(g->attrs[j], want);
            n_blob_seen++;
        }
        if (!strcmp(g->attrs[j], attrs_cases[1]))
            n_text++;
    }
    cr_expect_eq(n_blob_seen, 1);
    cr_expect_gt(n_text, 0, "a non-compact object is stored and read back as text");
    free(g);
}

struct fixed {
    int n;
    char service[32], message[32], resource[32], links[32], scope[32];
};

static int first_span(const struct fl_span *sp, void *ud)
{
    struct fixed *f = ud;
    f->n++;
    snprintf(f->service, sizeof f->service, "%s", sp->service);
    snprintf(f->message, sizeof f->message, "%s", sp->status_message);
    snprintf(f->resource, sizeof f->resource, "%s", sp->resource_json);
    snprintf(f->links, sizeof f->links, "%s", sp->links_json);
    snprintf(f->scope, sizeof f->scope, "%s", sp->scope_name);
    return 1;
}

Test(span_scan, resource_read_scope_and_links_not, .init = setup, .fini = teardown)
{
    struct fl_span sp;
    make_span(&sp, 0, 3, 500);
    write_batch(&sp, 1);
    struct fixed f = {0};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_span_scan(st, 0, 1000, first_span, &f, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(f.n, 1);
    cr_expect_str_eq(f.service, "payments");
    cr_expect_str_eq(f.message, "boom");
    cr_expect_str_eq(f.resource, "{\"service.name\":\"x\"}"); /* from span_origins */
    cr_expect_str_eq(f.links, "[]");
    cr_expect_str_eq(f.scope, "");
}

Test(span_scan, rewritten_span_moves_with_its_block, .init = setup, .fini = teardown)
{
    write_pieces();
    /* Re-send span 1 of trace 0 with a start far after everything: the writer rewrites the row
     * in the first block and widens that block's bounds. */
    struct fl_span sp;
    make_span(&sp, 0, 1, 5000000);
    write_batch(&sp, 1);
    cr_assert_eq(th_stats(st).n_spans, TRACES * 9);
    check_window(4000000, 6000000);
    check_window(start_of(0, 1), start_of(0, 1));
    check_window(INT64_MIN, INT64_MAX);
}

Test(span_scan, rows_that_do_not_decode, .init = setup, .fini = teardown)
{
    static const struct {
        const char *sql;
        const char *what;
    } cases[] = {
        {"UPDATE spans SET attrs_json = x'01' WHERE span_id = '0000000000000001'", "truncated"},
        {"UPDATE spans SET attrs_json = x'0005616263' WHERE span_id = '0000000000000001'",
         "inline key overruns"},
        {"UPDATE spans SET attrs_json = x'0100' WHERE span_id = '0000000000000001'", "empty value"},
        {"UPDATE spans SET attrs_json = x'f07f0131' WHERE span_id = '0000000000000001'",
         "unknown key id"},
        {"UPDATE spans SET attrs_json = x'ffffffffffffffffffffff' WHERE span_id = "
         "'0000000000000001'",
         "varint too long"},
    };
    write_pieces();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        exec_sql(cases[i].sql);
        struct got *g = calloc(1, sizeof *g);
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_store_span_scan(st, INT64_MIN, INT64_MAX, collect, g, &d), FL_ESTORE, "%s",
                     cases[i].what);
        cr_expect(strstr(d.msg, "0000000000000001") != NULL, "%s: %s", cases[i].what, d.msg);
        free(g);
    }
}

Test(span_scan, failing_allocation_fails_cleanly, .init = setup, .fini = teardown)
{
    write_pieces();
    fl_err e = FL_ENOMEM;
    long k;
    for (k = 0; k < 200 && e != FL_OK; k++) {
        struct got *g = calloc(1, sizeof *g);
        cr_assert_not_null(g);
        fl_alloc_fail_after(k);
        e = fl_store_span_scan(st, INT64_MIN, INT64_MAX, collect, g, NULL);
        fl_alloc_fail_after(-1);
        if (e != FL_OK)
            cr_assert_eq(e, FL_ENOMEM, "failure point %ld gave %s", k, fl_err_name(e));
        else
            cr_assert_eq(g->n, TRACES * 9);
        free(g);
    }
    cr_assert_eq(e, FL_OK);
    cr_assert_gt(k, 2, "the scan never allocated: the test exercised nothing");
}

static int collect_resources(const struct fl_span *sp, void *ud)
{
    char(*res)[64] = ud;
    int i = sp->start_ns == 100 ? 0 : sp->start_ns == 200 ? 1 : 2;
    snprintf(res[i], 64, "%s", sp->resource_json);
    return 0;
}

Test(span_scan, each_span_gets_its_own_resource, .init = setup, .fini = teardown)
{
    struct fl_span sp[3];
    make_span(&sp[0], 0, 1, 100);
    make_span(&sp[1], 0, 2, 200);
    make_span(&sp[2], 1, 3, 300);
    sp[1].resource_json = "{\"service.name\":\"y\",\"k8s.node.name\":\"n2\"}";
    sp[2].resource_json = NULL; /* no resource: "{}" */
    write_batch(sp, 3);
    char res[3][64] = {{0}};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_span_scan(st, 0, 1000, collect_resources, res, &d), FL_OK, "%s", d.msg);
    cr_expect_str_eq(res[0], "{\"service.name\":\"x\"}");
    cr_expect_str_eq(res[1], "{\"service.name\":\"y\",\"k8s.node.name\":\"n2\"}");
    cr_expect_str_eq(res[2], "{}");
}
