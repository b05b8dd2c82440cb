// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_blocks.c: spans and inferences are found through per-batch blocks (a rowid range
 * plus time bounds, schema version 2) instead of time indexes. These tests write several batches
 * whose times interleave, then check every query against a brute-force answer computed here from
 * the written records: order, limits, filters, rewrites of older spans, retention that empties or
 * shrinks blocks (and the batches written after it), and the upgrade of a version-1 database.
 */
#include <sqlite3.h>
#include <stdint.h>

#include "helpers.h"
#include "store/codec.h"
#include "store/store_int.h"

/* Times are generated in milliseconds (retention works in whole ms). */
#define MS(x) ((int64_t)(x) * 1000000)

static char *dir;
static struct fl_store *st;

static void setup(void)
{
    dir = th_tmpdir();
    st = th_open(dir);
    st->span_block_rows = 0; /* one block per batch, so that queries cross several */
    st->inf_block_rows = 0;
}

static void teardown(void)
{
    fl_store_free(st);
    st = NULL;
    th_rmdir(dir);
}

static struct fl_store *open_retention(int64_t retention_ms)
{
    struct fl_store_opts o;
    struct fl_diag d;
    struct fl_store *s = NULL;
    fl_store_opts_default(&o);
    o.retention_ms = retention_ms;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_open(dir, &o, &s, &d), FL_OK, "%s", d.msg);
    s->span_block_rows = 0;
    s->inf_block_rows = 0;
    return s;
}

static int64_t db_int(struct fl_store *s, const char *sql)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->w.db, sql, -1, &q, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* ---- spans ---- */

#define NB 4  /* batches */
#define PB 25 /* spans per batch */
#define NSP (NB * PB + 16)

static const char *svcs[] = {"checkout", "payments", "fraud-api"};
static const char *ops[] = {"GET /a", "POST /b"};

struct sp_model {
    char span_id[17];
    const char *service, *name;
    int64_t start, end;
    size_t order; /* write order of the row (its rowid order) */
    int error, live;
};

static struct sp_model model[NSP];
static size_t n_model, n_rows;

/* Span i: batch i / PB; start times of the batches interleave, each batch runs backwards. */
static void make_span(struct fl_span *sp, size_t i, int64_t start_ms)
{
    memset(sp, 0, sizeof *sp);
    strcpy(sp->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    snprintf(sp->span_id, sizeof sp->span_id, "%016zx", i + 1);
    sp->service = svcs[(i * 7) % 3];
    sp->name = ops[(i / 3) % 2];
    sp->start_ns = MS(start_ms) + (int64_t)(i % 5);
    sp->end_ns = sp->start_ns + (int64_t)((i * 37) % 100);
    sp->status_code = i % 6 == 0 ? FL_STATUS_ERROR : FL_STATUS_UNSET;
    sp->status_message = "";
    sp->scope_name = "";
    if (i >= n_model)
        n_model = i + 1;
    struct sp_model *m = &model[i];
    if (!m->live)
        m->order = n_rows++;
    strcpy(m->span_id, sp->span_id);
    m->service = sp->service;
    m->name = sp->name;
    m->start = sp->start_ns;
    m->end = sp->end_ns;
    m->error = sp->status_code == FL_STATUS_ERROR;
    m->live = 1;
}

static int64_t default_start(size_t i)
{
    size_t batch = i / PB, j = i % PB;
    return (int64_t)((PB - 1 - j) * NB + batch) * 1000 + 500;
}

static void write_span_batch(struct fl_store *s, size_t from, size_t n, const int64_t *start_ms)
{
    struct fl_span sp[PB];
    cr_assert_leq(n, PB);
    for (size_t j = 0; j < n; j++)
        make_span(&sp[j], from + j, start_ms ? start_ms[j] : default_start(from + j));
    struct fl_batch b;
    th_batch(&b);
    b.spans = sp;
    b.n_spans = n;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(s, &b, &d), FL_OK, "%s", d.msg);
}

static void write_spans(struct fl_store *s)
{
    for (size_t k = 0; k < NB; k++)
        write_span_batch(s, k * PB, PB, NULL);
}

struct got {
    char ids[NSP][17];
    int64_t start[NSP];
    size_t n;
};

static int got_span(const struct fl_span *sp, void *ud)
{
    struct got *g = ud;
    cr_assert_lt(g->n, NSP);
    strcpy(g->ids[g->n], sp->span_id);
    g->start[g->n] = sp->start_ns;
    g->n++;
    return 0;
}

static int stop_span(const struct fl_span *sp, void *ud)
{
    (void)sp;
    (*(size_t *)ud)++;
    return 1;
}

static int sp_matches(const struct sp_model *m, const struct fl_span_query *q)
{
    return m->live && (!q->service || !strcmp(q->service, m->service)) &&
           (!q->operation || !strcmp(q->operation, m->name)) && m->start >= q->start_ns &&
           m->start <= q->end_ns && m->end - m->start >= q->min_duration_ns &&
           (!q->error_only || m->error);
}

/* Newest first: start descending, then rowid (write order) descending. */
static int sp_before(const struct sp_model *x, const struct sp_model *y)
{
    return x->start > y->start || (x->start == y->start && x->order > y->order);
}

static size_t sp_expect(const struct fl_span_query *q, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < n_model; i++)
        if (sp_matches(&model[i], q))
            idx[n++] = i;
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && sp_before(&model[idx[b]], &model[idx[b - 1]]); b--) {
            size_t t = idx[b - 1];
            idx[b - 1] = idx[b];
            idx[b] = t;
        }
    size_t lim = q->limit ? q->limit : 1000;
    return n < lim ? n : lim;
}

static void check_spans(struct fl_store *s, const struct fl_span_query *q, const char *what)
{
    size_t idx[NSP];
    size_t n = sp_expect(q, idx);
    static struct got g;
    memset(&g, 0, sizeof g);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_spans(s, q, got_span, &g, &d), FL_OK, "%s: %s", what, d.msg);
    cr_assert_eq(g.n, n, "%s: %zu spans, want %zu", what, g.n, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(g.start[i], model[idx[i]].start, "%s: row %zu", what, i);
        cr_assert_str_eq(g.ids[i], model[idx[i]].span_id, "%s: row %zu", what, i);
    }
}

static const struct fl_span_query span_cases[] = {
    {NULL, NULL, 0, INT64_MAX, 0, 0, 0},
    {NULL, NULL, 0, INT64_MAX, 0, 0, 7},
    {NULL, NULL, 0, INT64_MAX, 0, 0, 30},
    {"payments", NULL, 0, INT64_MAX, 0, 0, 5},
    {"payments", "GET /a", 0, INT64_MAX, 0, 0, 0},
    {NULL, NULL, MS(20000), MS(60000), 0, 0, 0},
    {NULL, NULL, MS(20000), MS(60000), 0, 0, 3},
    {"fraud-api", NULL, MS(10000), MS(90000), 50, 0, 0},
    {NULL, NULL, 0, INT64_MAX, 0, 1, 4},
    {"nobody", NULL, 0, INT64_MAX, 0, 0, 0},
    {NULL, "POST /b", MS(90000), INT64_MAX, 0, 0, 0},
    {NULL, NULL, INT64_MIN, INT64_MAX, 0, 0, 1},
};

static void check_all_spans(struct fl_store *s, const char *stage)
{
    for (size_t i = 0; i < sizeof span_cases / sizeof span_cases[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s, case %zu", stage, i);
        check_spans(s, &span_cases[i], what);
    }
}

static void reset_model(void)
{
    memset(model, 0, sizeof model);
    n_model = n_rows = 0;
}

Test(store_blocks, span_queries_across_interleaved_batches, .init = setup, .fini = teardown)
{
    reset_model();
    write_spans(st);
    cr_assert_eq(th_stats(st).n_spans, NB * PB);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), NB);
    check_all_spans(st, "written");

    /* Rewrite spans of the first batch: one becomes the newest of all under a new service, one
     * the oldest; both blocks' bounds must follow. */
    int64_t when[2] = {500000, -7};
    struct fl_span sp[2];
    struct fl_batch b;
    make_span(&sp[0], 3, when[0]);
    sp[0].service = "late-service";
    model[3].service = "late-service";
    make_span(&sp[1], 10, when[1]);
    th_batch(&b);
    b.spans = sp;
    b.n_spans = 2;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    cr_assert_eq(th_stats(st).n_spans, NB * PB);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), NB, "no block for rewrites");
    check_all_spans(st, "rewritten");
    struct fl_span_query q = {"late-service", NULL, 0, INT64_MAX, 0, 0, 0};
    check_spans(st, &q, "moved to a new service");
    struct fl_span_query q2 = {NULL, NULL, INT64_MIN, -1, 0, 0, 0};
    check_spans(st, &q2, "moved before every other span");

    /* The callback stops the query. */
    size_t calls = 0;
    cr_assert_eq(fl_store_spans(st, &span_cases[0], stop_span, &calls, NULL), FL_OK);
    cr_assert_eq(calls, 1);
}

/*
 * Retention empties one block and shrinks the others; the span with the highest rowid is among
 * the deleted, so the next batch's rowids continue from a lower one: no span may be read twice.
 */
Test(store_blocks, span_retention_shrinks_blocks, .init = setup, .fini = teardown)
{
    reset_model();
    write_spans(st);
    int64_t old[5] = {100, 200, 300, 400, 10};
    write_span_batch(st, NB * PB, 5, old); /* a block old as a whole */
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), NB + 1);
    fl_store_free(st);
    st = open_retention(1000);
    /* cutoff 50,000 ms: each of the first NB blocks loses about half its spans */
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_retain(st, 51000, &d), FL_OK, "%s", d.msg);
    size_t live = 0;
    for (size_t i = 0; i < n_model; i++) {
        model[i].live = model[i].start >= MS(50000);
        live += model[i].live;
    }
    cr_assert_gt(live, 10);
    cr_assert_lt(live, NB * PB);
    cr_assert_eq(th_stats(st).n_spans, live);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), NB, "the old block went");
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_block_services WHERE block NOT IN "
                            "(SELECT first_id FROM span_blocks)"),
                 0);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks b WHERE last_id != (SELECT "
                            "max(id) FROM spans WHERE id BETWEEN b.first_id AND b.last_id)"),
                 0, "every block ends at an existing row");
    check_all_spans(st, "after retention");
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_traces t WHERE NOT EXISTS (SELECT 1 FROM "
                            "spans s WHERE s.id BETWEEN t.first_id AND t.last_id)"),
                 0, "no trace piece outlives its rows");
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_traces"), NB, "the old batch's piece went");
    cr_assert_eq(db_int(st, "SELECT count(*) FROM spans s WHERE NOT EXISTS (SELECT 1 FROM "
                            "span_traces t WHERE s.id BETWEEN t.first_id AND t.last_id AND "
                            "t.trace_key = s.trace_key)"),
                 0, "every row is in a piece of its trace");

    int64_t fresh[6] = {60000, 61000, 62000, 49000, 99000, 75000};
    write_span_batch(st, NB * PB + 5, 6, fresh);
    check_all_spans(st, "written after retention");
    fl_store_free(st);
    st = th_open(dir);
    cr_assert_eq(th_stats(st).n_spans, live + 6);
}

/*
 * Traces that arrive in pieces: TR traces, each of SPT spans spread over three batches that mix
 * all traces in shuffled order, the third batch also re-sending spans of the first with new
 * names. Every trace reads back whole, once per span, with the later names; each batch left one
 * span_traces row per trace it held, and the rows of each piece are consecutive.
 */
#define TR 7
#define SPT 9

static void piece_span(struct fl_span *sp, int t, int k, const char *name)
{
    memset(sp, 0, sizeof *sp);
    snprintf(sp->trace_id, sizeof sp->trace_id, "%08x%024x", 0x5eed0000u + (unsigned)t, t * 31);
    snprintf(sp->span_id, sizeof sp->span_id, "%08x%08x", (unsigned)t, (unsigned)k + 1);
    sp->service = svcs[k % 3];
    sp->name = name;
    sp->start_ns = MS(1000 + t * 100 + k);
    sp->end_ns = sp->start_ns + 5;
    sp->status_message = "";
    sp->scope_name = "";
}

struct piece_got {
    int n[SPT];
    char name[SPT][16];
};

static int got_piece(const struct fl_span *sp, void *ud)
{
    struct piece_got *g = ud;
    unsigned t, k;
    cr_assert_eq(sscanf(sp->span_id, "%8x%8x", &t, &k), 2);
    cr_assert(k >= 1 && k <= SPT);
    g->n[k - 1]++;
    snprintf(g->name[k - 1], sizeof g->name[k - 1], "%s", sp->name);
    return 0;
}

Test(store_blocks, traces_in_pieces_read_back_whole, .init = setup, .fini = teardown)
{
    struct fl_span sp[TR * SPT];
    size_t n;
    struct fl_batch b;
    struct fl_diag d;
    for (int part = 0; part < 3; part++) {
        n = 0;
        /* traces in an order that changes per batch; part p holds spans k with k % 3 == p */
        for (int i = 0; i < TR; i++) {
            int t = (i * 3 + part * 2) % TR;
            for (int k = part; k < SPT; k += 3)
                piece_span(&sp[n++], t, k, "first");
            if (part == 2)
                for (int k = 0; k < SPT; k += 3)
                    piece_span(&sp[n++], t, k, "again"); /* re-sent from the first batch */
        }
        th_batch(&b);
        b.spans = sp;
        b.n_spans = n;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    }
    cr_assert_eq(th_stats(st).n_spans, TR * SPT);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM spans"), TR * SPT, "re-sent spans rewritten");
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_traces"), 3 * TR);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_traces t WHERE t.last_id - t.first_id + 1 "
                            "!= (SELECT count(*) FROM spans s WHERE s.id BETWEEN t.first_id AND "
                            "t.last_id AND s.trace_key = t.trace_key)"),
                 0, "each piece is a run of its own trace's rows");
    for (int t = 0; t < TR; t++) {
        struct fl_span probe;
        struct piece_got g;
        memset(&g, 0, sizeof g);
        piece_span(&probe, t, 0, "");
        cr_assert_eq(fl_store_trace(st, probe.trace_id, got_piece, &g, NULL), FL_OK);
        for (int k = 0; k < SPT; k++) {
            cr_expect_eq(g.n[k], 1, "trace %d span %d read %d times", t, k, g.n[k]);
            cr_expect_str_eq(g.name[k], k % 3 == 0 ? "again" : "first", "trace %d span %d", t,
                             k);
        }
    }
}

/*
 * Attributes come back as the exact text written, whether the store encoded them (compact
 * objects, keys in span_attr_keys) or kept them as text (anything else), also after a reopen
 * (the readers' key table starts empty) and for a key seen by an earlier batch only.
 */
struct attrs_got {
    char text[4][160];
};

static int got_attrs(const struct fl_span *sp, void *ud)
{
    struct attrs_got *g = ud;
    unsigned t, k;
    cr_assert_eq(sscanf(sp->span_id, "%8x%8x", &t, &k), 2);
    cr_assert(k >= 1 && k <= 4);
    snprintf(g->text[k - 1], sizeof g->text[k - 1], "%s", sp->attrs_json);
    return 0;
}

Test(store_blocks, span_attributes_read_back_exactly, .init = setup, .fini = teardown)
{
    static const char *attrs[4] = {
        "{\"http.route\":\"/pay\",\"http.response.status_code\":200,\"retry\":true}",
        "{ \"spaced\": 1 }",
        "{\"nested\":{\"a\":[1,\"}\"]},\"k\\\"q\":\"\\u00e9\"}",
        "{\"http.route\":\"/b\",\"new.key\":null}",
    };
    struct fl_span sp[4];
    struct fl_batch b;
    struct fl_diag d;
    for (int k = 0; k < 4; k++) {
        piece_span(&sp[k], 1, k, "op");
        sp[k].attrs_json = attrs[k];
    }
    for (int part = 0; part < 2; part++) { /* spans 0-2, then 3 in a later batch */
        th_batch(&b);
        b.spans = part ? sp + 3 : sp;
        b.n_spans = part ? 1 : 3;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    }
    cr_assert_eq(db_int(st, "SELECT count(*) FROM spans WHERE typeof(attrs_json) = 'blob'"), 3);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_attr_keys"), 6);
    for (int round = 0; round < 2; round++) {
        struct attrs_got g;
        memset(&g, 0, sizeof g);
        cr_assert_eq(fl_store_trace(st, sp[0].trace_id, got_attrs, &g, NULL), FL_OK);
        for (int k = 0; k < 4; k++)
            cr_expect_str_eq(g.text[k], attrs[k], "round %d span %d", round, k);
        fl_store_free(st);
        st = th_open(dir);
    }
}

/* Small batches that follow each other join one block until it holds span_block_rows rows. */
Test(store_blocks, small_span_batches_share_a_block, .init = setup, .fini = teardown)
{
    reset_model();
    st->span_block_rows = 2 * PB;
    for (size_t k = 0; k < NB; k++) /* 4 x 25 rows: blocks of 25+25, 25+25 */
        write_span_batch(st, k * PB, PB, NULL);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), 2);
    cr_assert_eq(db_int(st, "SELECT min(last_id - first_id) FROM span_blocks"), 2 * PB - 1);
    check_all_spans(st, "joined blocks");
    /* A rewrite only (no new row) leaves the blocks alone; a new span joins nothing full. */
    int64_t t[1] = {777};
    write_span_batch(st, 0, 1, t);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), 2);
    write_span_batch(st, NB * PB, 1, t);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM span_blocks"), 3);
    check_all_spans(st, "after a rewrite and a new span");
}

/* ---- inferences ---- */

#define NI 60
static const char *models[][2] = {{"fraud", "v1"}, {"fraud", "v2"}, {"churn", "v1"}};
static const struct fl_feature feat1[] = {{"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 4.5, NULL}};

struct inf_model {
    char rid[16];
    int mv;
    int64_t ts;
    int live;
};
static struct inf_model im[NI];

static void write_inferences(struct fl_store *s)
{
    struct fl_inference r[NI / 3];
    for (size_t k = 0; k < 3; k++) {
        for (size_t j = 0; j < NI / 3; j++) {
            size_t i = k * (NI / 3) + j;
            struct inf_model *m = &im[i];
            snprintf(m->rid, sizeof m->rid, "r%zu", i);
            m->mv = (int)((i * 5) % 3);
            m->ts = (int64_t)(((NI / 3 - j) * 3 + (2 - k)) * 1000 + (i % 2));
            m->live = 1;
            memset(&r[j], 0, sizeof r[j]);
            r[j].ts_ms = m->ts;
            r[j].request_id = m->rid;
            r[j].model = models[m->mv][0];
            r[j].model_version = models[m->mv][1];
            r[j].features = feat1;
            r[j].n_features = 1;
            r[j].pred_kind = FL_PRED_SCORE;
            r[j].score = (double)i;
            r[j].latency_ms = 1;
        }
        struct fl_batch b;
        th_batch(&b);
        b.inferences = r;
        b.n_inferences = NI / 3;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_write(s, &b, &d), FL_OK, "%s", d.msg);
    }
}

struct got_inf {
    size_t idx[NI];
    size_t n;
};

static int got_inference(const struct fl_inference *r, void *ud)
{
    struct got_inf *g = ud;
    cr_assert_lt(g->n, NI);
    cr_assert_geq(r->n_features, 1);
    cr_assert_str_eq(r->features[0].name, "amount");
    g->idx[g->n++] = (size_t)r->score; /* score holds the model index */
    return 0;
}

static void check_inferences(struct fl_store *s, const struct fl_inference_query *q,
                             const char *what)
{
    size_t want[NI], n = 0;
    for (size_t i = 0; i < NI; i++) {
        const struct inf_model *m = &im[i];
        if (m->live && (!q->model || !strcmp(q->model, models[m->mv][0])) &&
            (!q->version || !strcmp(q->version, models[m->mv][1])) && m->ts >= q->start_ms &&
            m->ts <= q->end_ms)
            want[n++] = i;
    }
    /* oldest first: ts ascending, then write order */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && im[want[b]].ts < im[want[b - 1]].ts; b--) {
            size_t t = want[b - 1];
            want[b - 1] = want[b];
            want[b] = t;
        }
    if (q->limit && n > q->limit)
        n = q->limit;
    struct got_inf g;
    memset(&g, 0, sizeof g);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_inferences(s, q, got_inference, &g, &d), FL_OK, "%s: %s", what, d.msg);
    cr_assert_eq(g.n, n, "%s: %zu rows, want %zu", what, g.n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(g.idx[i], want[i], "%s: row %zu is %zu, want %zu", what, i, g.idx[i],
                     want[i]);
}

static const struct fl_inference_query inf_cases[] = {
    {"fraud", "v1", INT64_MIN, INT64_MAX, 0},
    {"fraud", "v2", 10000, 40000, 0},
    {"fraud", NULL, INT64_MIN, INT64_MAX, 0},
    {"fraud", NULL, INT64_MIN, INT64_MAX, 5},
    {NULL, NULL, INT64_MIN, INT64_MAX, 0},
    {NULL, NULL, 20000, 30000, 4},
    {NULL, "v1", INT64_MIN, INT64_MAX, 0},
    {"churn", "v2", INT64_MIN, INT64_MAX, 0},
    {"nobody", NULL, INT64_MIN, INT64_MAX, 0},
};

static void check_all_inferences(struct fl_store *s, const char *stage)
{
    for (size_t i = 0; i < sizeof inf_cases / sizeof inf_cases[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s, case %zu", stage, i);
        check_inferences(s, &inf_cases[i], what);
    }
}

struct seen {
    int64_t first[3];
    uint64_t n[3];
};

static int got_model(const struct fl_model_info *m, void *ud)
{
    struct seen *s = ud;
    for (int k = 0; k < 3; k++)
        if (!strcmp(m->v.model, models[k][0]) && !strcmp(m->v.version, models[k][1])) {
            s->first[k] = m->first_seen_ms;
            s->n[k] = m->n_inferences;
        }
    return 0;
}

static void check_models(struct fl_store *s)
{
    struct seen want, got;
    memset(&want, 0, sizeof want);
    memset(&got, 0, sizeof got);
    for (int k = 0; k < 3; k++)
        want.first[k] = got.first[k] = INT64_MAX;
    for (size_t i = 0; i < NI; i++)
        if (im[i].live) {
            want.n[im[i].mv]++;
            if (im[i].ts < want.first[im[i].mv])
                want.first[im[i].mv] = im[i].ts;
        }
    cr_assert_eq(fl_store_models(s, NULL, got_model, &got, NULL), FL_OK);
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(got.n[k], want.n[k], "model %d", k);
        cr_assert_eq(got.first[k], want.first[k], "model %d", k);
    }
}

/* Inferences in 3 batches of 3 model versions; block_rows 0: 9 blocks, else 3 joined ones. */
static void inference_case(int64_t block_rows, int64_t want_blocks)
{
    st->inf_block_rows = block_rows;
    write_inferences(st);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inf_blocks"), want_blocks);
    check_all_inferences(st, "written");
    check_models(st);

    fl_store_free(st);
    st = open_retention(1000);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_retain(st, 31000, &d), FL_OK, "%s", d.msg);
    size_t live = 0;
    for (size_t i = 0; i < NI; i++) {
        im[i].live = im[i].ts >= 30000;
        live += im[i].live;
    }
    cr_assert_gt(live, 10);
    cr_assert_lt(live, NI);
    cr_assert_eq(th_stats(st).n_inferences, live);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inf_blocks b WHERE last_id != (SELECT max(id) "
                            "FROM inferences WHERE id BETWEEN b.first_id AND b.last_id AND "
                            "model_key = b.model_key) OR min_ts != (SELECT min(ts_ms) FROM "
                            "inferences WHERE id BETWEEN b.first_id AND b.last_id AND "
                            "model_key = b.model_key)"),
                 0, "blocks are exact after retention");
    check_all_inferences(st, "after retention");
    check_models(st);
}

Test(store_blocks, inference_queries_and_retention, .init = setup, .fini = teardown)
{
    inference_case(0, 9);
}

Test(store_blocks, inference_batches_join_blocks, .init = setup, .fini = teardown)
{
    inference_case(1000, 3);
}

/* ---- upgrade from schema version 1 ---- */

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql,
                 msg ? msg : "");
}

Test(store_blocks, upgrade_from_version_1_keeps_data)
{
    dir = th_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/faultline.db", dir);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store__migrate_to(db, 0, 1, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(sqlite3_exec(db, "SELECT 1 FROM span_blocks", NULL, NULL, NULL), SQLITE_ERROR,
                 "a version-1 database has no blocks");

    /* Version-1 rows, as version-1 code wrote them. */
    const char *tid = "0af7651916cd43dd8448eb211c80319c";
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "INSERT INTO spans(trace_key, span_key, trace_id, span_id, "
                                    "parent, service, name, kind, start_ns, end_ns, status, "
                                    "message, scope) VALUES (?1, ?2, ?3, ?4, '', ?5, 'op', 2, ?6, "
                                    "?7, ?8, '', '')",
                                    -1, &q, NULL),
                 SQLITE_OK);
    for (int i = 0; i < 3; i++) {
        char sid[17];
        snprintf(sid, sizeof sid, "%016d", i + 1);
        sqlite3_bind_int64(q, 1, fl_store__key(tid));
        sqlite3_bind_int64(q, 2, fl_store__key(sid));
        sqlite3_bind_text(q, 3, tid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, sid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, i == 1 ? "payments" : "checkout", -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, MS(1000 * (i + 1)));
        sqlite3_bind_int64(q, 7, MS(1000 * (i + 1)) + 50);
        sqlite3_bind_int(q, 8, i == 2 ? FL_STATUS_ERROR : FL_STATUS_UNSET);
        cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);

    static const struct fl_feature f[] = {{"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 12.5, NULL},
                                          {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"}};
    static const struct fl_label seg[] = {{"country", "DE"}};
    struct fl_buf names, vals, segs;
    fl_buf_init(&names, 1 << 16);
    fl_buf_init(&vals, 1 << 16);
    fl_buf_init(&segs, 1 << 16);
    fl_store_feature_names_encode(f, 2, &names);
    fl_store_feature_values_encode(f, 2, &vals);
    fl_store_labels_encode(seg, 1, &segs);
    cr_assert_eq(sqlite3_prepare_v2(db, "INSERT INTO feature_sets(id, names) VALUES (1, ?1)", -1,
                                    &q, NULL),
                 SQLITE_OK);
    sqlite3_bind_blob(q, 1, names.data, (int)names.len, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "INSERT INTO inferences(ts_ms, request_key, request_id, "
                                    "model_key, model, model_version, feature_set, features, "
                                    "pred_kind, score, segments, latency_ms) VALUES (?1, ?2, ?3, "
                                    "?4, 'fraud', ?5, 1, ?6, 1, ?7, ?8, 3.0)",
                                    -1, &q, NULL),
                 SQLITE_OK);
    for (int i = 0; i < 4; i++) {
        char rid[8];
        const char *ver = i % 2 ? "v2" : "v1";
        snprintf(rid, sizeof rid, "req%d", i);
        sqlite3_bind_int64(q, 1, 5000 - i * 1000);
        sqlite3_bind_int64(q, 2, fl_store__key(rid));
        sqlite3_bind_text(q, 3, rid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, fl_store__key2("fraud", ver));
        sqlite3_bind_text(q, 5, ver, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 6, vals.data, (int)vals.len, SQLITE_STATIC);
        sqlite3_bind_double(q, 7, i);
        sqlite3_bind_blob(q, 8, segs.data, (int)segs.len, SQLITE_STATIC);
        cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    exec_ok(db, "INSERT INTO model_seen(model, version, model_key, first_ms, last_ms, n) VALUES "
                "('fraud', 'v1', 0, 3000, 5000, 2), ('fraud', 'v2', 0, 2000, 4000, 2)");
    sqlite3_stmt *fix = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE model_seen SET model_key = ?1 WHERE version = ?2",
                                    -1, &fix, NULL),
                 SQLITE_OK);
    for (int i = 0; i < 2; i++) {
        const char *ver = i ? "v2" : "v1";
        sqlite3_bind_int64(fix, 1, fl_store__key2("fraud", ver));
        sqlite3_bind_text(fix, 2, ver, -1, SQLITE_STATIC);
        cr_assert_eq(sqlite3_step(fix), SQLITE_DONE);
        sqlite3_reset(fix);
    }
    sqlite3_finalize(fix);
    fl_buf_cleanup(&names);
    fl_buf_cleanup(&vals);
    fl_buf_cleanup(&segs);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    /* Opening upgrades it; everything reads back through the new paths. */
    st = th_open(dir);
    cr_assert_eq(db_int(st, "PRAGMA user_version"), FL_STORE_SCHEMA_VERSION);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM sqlite_master WHERE name IN ('spans_start', "
                            "'spans_service', 'inferences_model')"),
                 0);
    struct fl_store_stats x = th_stats(st);
    cr_assert_eq(x.n_spans, 3);
    cr_assert_eq(x.n_inferences, 4);

    static struct got g;
    memset(&g, 0, sizeof g);
    cr_assert_eq(fl_store_trace(st, tid, got_span, &g, NULL), FL_OK);
    cr_assert_eq(g.n, 3);
    memset(&g, 0, sizeof g);
    struct fl_span_query sq = {"checkout", NULL, 0, INT64_MAX, 0, 0, 0};
    cr_assert_eq(fl_store_spans(st, &sq, got_span, &g, NULL), FL_OK);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.ids[0], "0000000000000003");
    cr_assert_str_eq(g.ids[1], "0000000000000001");
    memset(&g, 0, sizeof g);
    struct fl_span_query eq = {NULL, NULL, 0, INT64_MAX, 0, 1, 0};
    cr_assert_eq(fl_store_spans(st, &eq, got_span, &g, NULL), FL_OK);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(g.start[0], MS(3000));

    struct got_inf gi;
    memset(&gi, 0, sizeof gi);
    struct fl_inference_query iq = {"fraud", NULL, INT64_MIN, INT64_MAX, 0};
    cr_assert_eq(fl_store_inferences(st, &iq, got_inference, &gi, NULL), FL_OK);
    cr_assert_eq(gi.n, 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(gi.idx[i], 3 - i, "oldest first: req3 (2000 ms) .. req0 (5000 ms)");
    struct fl_inference_query iq2 = {"fraud", "v1", 4000, 6000, 0};
    memset(&gi, 0, sizeof gi);
    cr_assert_eq(fl_store_inferences(st, &iq2, got_inference, &gi, NULL), FL_OK);
    cr_assert_eq(gi.n, 1, "req0 at 5000 only");
    cr_assert_eq(gi.idx[0], 0);

    /* And new writes and retention work on the upgraded blocks. */
    fl_store_free(st);
    st = open_retention(1000);
    fl_diag_init(&d);
    cr_assert_eq(fl_store_retain(st, 3500, &d), FL_OK, "%s", d.msg); /* cutoff 2500 ms */
    x = th_stats(st);
    cr_assert_eq(x.n_spans, 1);
    cr_assert_eq(x.n_inferences, 3);
    memset(&gi, 0, sizeof gi);
    cr_assert_eq(fl_store_inferences(st, &iq, got_inference, &gi, NULL), FL_OK);
    cr_assert_eq(gi.n, 3);
    cr_assert_eq(gi.idx[0], 2);
    fl_store_free(st);
    st = NULL;
    th_rmdir(dir);
}
