/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_inf_encoding.c: the inference row encodings of schema 8 (codec.h segment refs and hex ids,
 * the bucketed 32-bit request key) and migration 8: round trips, the segment dictionary's cap,
 * request-id hash collisions, hostile blobs, and a schema-7 store that upgrades and reads back
 * what it held.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/codec.h"
#include "store/store_int.h"
#include "helpers.h"

/* ---- codec: segment refs ---- */

/* A fake dictionary: pairs whose name starts with 'd' get ids 1.., the others stay inline. */
struct fdict {
    char names[32][64], values[32][64];
    size_t n;
};

static fl_err fdict_id(void *ud, const char *name, const char *value, uint64_t *id)
{
    struct fdict *fd = ud;
    *id = 0;
    if (name[0] != 'd')
        return FL_OK;
    for (size_t i = 0; i < fd->n; i++)
        if (!strcmp(fd->names[i], name) && !strcmp(fd->values[i], value)) {
            *id = i + 1;
            return FL_OK;
        }
    cr_assert_lt(fd->n, 32);
    snprintf(fd->names[fd->n], 64, "%s", name);
    snprintf(fd->values[fd->n], 64, "%s", value);
    *id = ++fd->n;
    return FL_OK;
}

static fl_err fdict_pair(void *ud, uint64_t id, const char **name, const char **value)
{
    struct fdict *fd = ud;
    if (id == 0 || id > fd->n)
        return FL_EPARSE;
    *name = fd->names[id - 1];
    *value = fd->values[id - 1];
    return FL_OK;
}

Test(inf_encoding, segment_refs_round_trip)
{
    static const struct fl_label s1[] = {{"dcountry", "DE"}, {"platform", "ios"}};
    static const struct fl_label s2[] = {{"dcountry", "DE"}, {"dcountry", "FR"}, {"x", ""},
                                         {"", "empty name"}, {"dz", "\xc3\xa9t\xc3\xa9"}};
    static const struct fl_label s3[] = {{"plain", "inline only"}};
    const struct {
        const struct fl_label *l;
        size_t n;
    } cases[] = {{NULL, 0}, {s1, 2}, {s2, 5}, {s3, 1}, {s1, 2}};
    struct fdict fd = {.n = 0};
    struct fl_arena a;
    fl_arena_init(&a, 4096, 1 << 20);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fl_buf b;
        fl_buf_init(&b, 1 << 16);
        cr_assert_eq(fl_store_segments_encode(cases[c].l, cases[c].n, fdict_id, &fd, &b), FL_OK);
        struct fl_label *out = NULL;
        size_t n = 99;
        cr_assert_eq(fl_store_segments_decode(b.data, b.len, fdict_pair, &fd, &a, &out, &n), FL_OK,
                     "case %zu", c);
        cr_assert_eq(n, cases[c].n, "case %zu", c);
        for (size_t i = 0; i < n; i++) {
            cr_assert_str_eq(out[i].name, cases[c].l[i].name, "case %zu pair %zu", c, i);
            cr_assert_str_eq(out[i].value, cases[c].l[i].value, "case %zu pair %zu", c, i);
        }
        fl_buf_cleanup(&b);
    }
    /* "dcountry"=DE, "dcountry"=FR and "dz" are in the dictionary; the rest were inline */
    cr_assert_eq(fd.n, 3);
    /* s1 again: id 1 (one byte) replaces "dcountry"=DE (1 + 8 + 1 + 2 bytes); the inline pair
     * costs its 0 byte more than in the labels encoding */
    struct fl_buf refs, labels;
    fl_buf_init(&refs, 1 << 16);
    fl_buf_init(&labels, 1 << 16);
    cr_assert_eq(fl_store_segments_encode(s1, 2, fdict_id, &fd, &refs), FL_OK);
    fl_store_labels_encode(s1, 2, &labels);
    cr_assert_eq(refs.len, labels.len - 12 + 1 + 1);
    fl_buf_cleanup(&refs);
    fl_buf_cleanup(&labels);
    fl_arena_cleanup(&a);
}

Test(inf_encoding, seg_key_round_trip)
{
    const char *cases[][2] = {{"country", "DE"}, {"", ""}, {"a", ""}, {"", "b"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fl_buf b;
        struct fl_str n, v;
        fl_buf_init(&b, 1 << 10);
        fl_store_seg_key_encode(cases[c][0], strlen(cases[c][0]), cases[c][1],
                                strlen(cases[c][1]), &b);
        cr_assert_eq(fl_store_seg_key_decode(b.data, b.len, &n, &v), FL_OK);
        cr_assert_eq(n.len, strlen(cases[c][0]));
        cr_assert_eq(v.len, strlen(cases[c][1]));
        cr_assert_eq(memcmp(n.p, cases[c][0], n.len), 0);
        cr_assert_eq(memcmp(v.p, cases[c][1], v.len), 0);
        /* one byte more or less is malformed */
        cr_assert_eq(fl_store_seg_key_decode(b.data, b.len - 1, &n, &v), FL_EPARSE);
        fl_buf_putc(&b, 'x');
        cr_assert_eq(fl_store_seg_key_decode(b.data, b.len, &n, &v), FL_EPARSE);
        fl_buf_cleanup(&b);
    }
    struct fl_str n, v;
    cr_assert_eq(fl_store_seg_key_decode(NULL, 0, &n, &v), FL_EPARSE);
}

static uint64_t xs = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}

Test(inf_encoding, hostile_segment_blobs_never_crash)
{
    static const struct fl_label s2[] = {{"dcountry", "DE"}, {"x", "yy"}, {"dz", "q"}};
    struct fdict fd = {.n = 0};
    struct fl_buf good;
    fl_buf_init(&good, 1 << 16);
    cr_assert_eq(fl_store_segments_encode(s2, 3, fdict_id, &fd, &good), FL_OK);
    struct fl_arena a;
    fl_arena_init(&a, 4096, 1 << 20);
    size_t ok = 0, bad = 0;
    /* every truncation, every single-byte change, then random blobs */
    for (size_t cut = 0; cut < good.len; cut++) {
        struct fl_label *out;
        size_t n;
        fl_arena_reset(&a);
        cr_assert_eq(fl_store_segments_decode(good.data, cut, fdict_pair, &fd, &a, &out, &n),
                     FL_EPARSE, "truncated at %zu", cut);
    }
    unsigned char buf[256];
    for (size_t i = 0; i < good.len; i++)
        for (int v = 0; v < 256; v++) {
            memcpy(buf, good.data, good.len);
            buf[i] = (unsigned char)v;
            struct fl_label *out;
            size_t n;
            fl_arena_reset(&a);
            fl_err e = fl_store_segments_decode(buf, good.len, fdict_pair, &fd, &a, &out, &n);
            cr_assert(e == FL_OK || e == FL_EPARSE, "byte %zu = %d: %d", i, v, e);
            if (e == FL_OK) {
                ok++;
                for (size_t k = 0; k < n; k++)
                    cr_assert(out[k].name && out[k].value);
            } else {
                bad++;
            }
        }
    for (int r = 0; r < 20000; r++) {
        size_t len = next_rand() % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)next_rand();
        if (r % 2)
            buf[0] = (unsigned char)(next_rand() % 4); /* plausible counts reach deeper */
        struct fl_label *out;
        size_t n;
        struct fl_str sn, sv;
        fl_arena_reset(&a);
        fl_err e = fl_store_segments_decode(buf, len, fdict_pair, &fd, &a, &out, &n);
        cr_assert(e == FL_OK || e == FL_EPARSE);
        e = fl_store_seg_key_decode(buf, len, &sn, &sv);
        cr_assert(e == FL_OK || e == FL_EPARSE);
        if (e == FL_OK)
            cr_assert(sn.p >= (const char *)buf && sv.p + sv.len == (const char *)buf + len);
    }
    cr_assert_gt(ok, 0);
    cr_assert_gt(bad, 0);
    fl_arena_cleanup(&a);
    fl_buf_cleanup(&good);
}

Test(inf_encoding, hex_ids)
{
    const struct {
        const char *id;
        int packs;
    } cases[] = {
        {"0af7651916cd43dd8448eb211c80319c", 1},  {"00000000000000000000000000000000", 1},
        {"ffffffffffffffffffffffffffffffff", 1},  {"0AF7651916CD43DD8448EB211C80319C", 0},
        {"0af7651916cd43dd8448eb211c80319", 0},   {"0af7651916cd43dd8448eb211c80319c0", 0},
        {"0af7651916cd43dd8448eb211c80319g", 0},  {"", 0},
        {"trace-1", 0},                           {"0af7651916cd43dd 448eb211c80319c", 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char b[16];
        cr_assert_eq(fl_store_hexid_pack(cases[c].id, b), cases[c].packs, "%s", cases[c].id);
        if (cases[c].packs) {
            char back[33];
            fl_store_hexid_unpack(b, back);
            cr_assert_str_eq(back, cases[c].id);
        }
    }
    unsigned char b[16];
    cr_assert_eq(fl_store_hexid_pack(NULL, b), 0);
}

/* ---- through the store ---- */

TH_STORE_FIXTURE()

static int64_t db_int(struct fl_store *s, const char *sql)
{
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->w.db, sql, -1, &q, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* What a read returned, copied out of the callback. */
struct rowcopy {
    int64_t ts_ms;
    char request_id[64], trace_id[64], model[32], version[32], pred_class[32];
    int has_trace, has_class, pred_kind;
    double score, latency_ms;
    size_t n_features, n_segments;
    char seg[8][2][64];
    struct fl_feature feat[8];
    char feat_names[8][32], feat_str[8][32];
};

struct rows {
    struct rowcopy r[64];
    size_t n;
};

static int keep_row(const struct fl_inference *r, void *ud)
{
    struct rows *g = ud;
    cr_assert_lt(g->n, 64);
    struct rowcopy *c = &g->r[g->n++];
    memset(c, 0, sizeof *c);
    c->ts_ms = r->ts_ms;
    snprintf(c->request_id, sizeof c->request_id, "%s", r->request_id);
    c->has_trace = r->trace_id != NULL;
    snprintf(c->trace_id, sizeof c->trace_id, "%s", r->trace_id ? r->trace_id : "");
    snprintf(c->model, sizeof c->model, "%s", r->model);
    snprintf(c->version, sizeof c->version, "%s", r->model_version);
    c->has_class = r->pred_class != NULL;
    snprintf(c->pred_class, sizeof c->pred_class, "%s", r->pred_class ? r->pred_class : "");
    c->pred_kind = r->pred_kind;
    c->score = r->score;
    c->latency_ms = r->latency_ms;
    c->n_segments = r->n_segments;
    cr_assert_leq(r->n_segments, 8);
    for (size_t i = 0; i < r->n_segments; i++) {
        snprintf(c->seg[i][0], 64, "%s", r->segments[i].name);
        snprintf(c->seg[i][1], 64, "%s", r->segments[i].value);
    }
    c->n_features = r->n_features;
    cr_assert_leq(r->n_features, 8);
    for (size_t i = 0; i < r->n_features; i++) {
        c->feat[i] = r->features[i];
        snprintf(c->feat_names[i], 32, "%s", r->features[i].name);
        snprintf(c->feat_str[i], 32, "%s", r->features[i].str ? r->features[i].str : "");
    }
    return 0;
}

static void assert_same(const struct rowcopy *c, const struct fl_inference *r)
{
    cr_assert_eq(c->ts_ms, r->ts_ms);
    cr_assert_str_eq(c->request_id, r->request_id);
    cr_assert_eq(c->has_trace, r->trace_id != NULL && r->trace_id[0], "%s", r->request_id);
    if (c->has_trace)
        cr_assert_str_eq(c->trace_id, r->trace_id);
    cr_assert_str_eq(c->model, r->model);
    cr_assert_str_eq(c->version, r->model_version);
    cr_assert_eq(c->pred_kind, r->pred_kind);
    cr_assert_eq(c->has_class, r->pred_class != NULL);
    if (c->has_class)
        cr_assert_str_eq(c->pred_class, r->pred_class);
    cr_assert(c->score == r->score || (isnan(c->score) && isnan(r->score)));
    cr_assert(c->latency_ms == r->latency_ms || (isnan(c->latency_ms) && isnan(r->latency_ms)));
    cr_assert_eq(c->n_segments, r->n_segments, "%s", r->request_id);
    for (size_t i = 0; i < r->n_segments; i++) {
        cr_assert_str_eq(c->seg[i][0], r->segments[i].name);
        cr_assert_str_eq(c->seg[i][1], r->segments[i].value);
    }
    cr_assert_eq(c->n_features, r->n_features);
    for (size_t i = 0; i < r->n_features; i++) {
        cr_assert_str_eq(c->feat_names[i], r->features[i].name);
        cr_assert_eq(c->feat[i].status, r->features[i].status);
        cr_assert_eq(c->feat[i].kind, r->features[i].kind);
        if (r->features[i].kind == FL_VAL_STRING)
            cr_assert_str_eq(c->feat_str[i], r->features[i].str);
        else if (r->features[i].kind != FL_VAL_NULL)
            cr_assert_eq(memcmp(&c->feat[i].num, &r->features[i].num, sizeof(double)), 0);
    }
}

static const struct fl_feature feats[] = {
    {"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 12.5, NULL},
    {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"},
    {"coupon", FL_FEAT_NULL, FL_VAL_NULL, 0, NULL},
    {"is_new", FL_FEAT_PRESENT, FL_VAL_BOOL, 1, NULL},
    {"ltv", FL_FEAT_OUTSIDE_MAX_AGE, FL_VAL_NUMBER, -0.0, NULL},
};
static const struct fl_label seg_a[] = {{"country", "DE"}, {"platform", "ios"}};
static const struct fl_label seg_b[] = {
    {"app_version", ""}, {"country", "FR"}, {"platform", "ios"}};

/* The rows of the round-trip tests: trace ids in every form, segments or none, each prediction. */
static void sample_rows(struct fl_inference *r, size_t n, const char *prefix, char ids[][32])
{
    static const char *traces[] = {"0af7651916cd43dd8448eb211c80319c", NULL,
                                   "0AF7651916CD43DD8448EB211C80319C", "not-hex",
                                   "0af7651916cd43dd8448eb211c80319",  ""};
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], 32, "%s-%zu", prefix, i);
        r[i] = (struct fl_inference){
            .ts_ms = 1000 + (int64_t)i,
            .request_id = ids[i],
            .trace_id = traces[i % 6],
            .model = "fraud",
            .model_version = i % 3 ? "v2" : "v1",
            .features = feats,
            .n_features = 5,
            .pred_kind = i % 2 ? FL_PRED_CLASS : FL_PRED_SCORE,
            .score = i % 4 == 3 ? NAN : 0.25 * (double)i,
            .pred_class = i % 2 ? "fraud" : NULL,
            .segments = i % 3 == 0 ? NULL : i % 3 == 1 ? seg_a : seg_b,
            .n_segments = i % 3 == 0 ? 0 : i % 3 == 1 ? 2 : 3,
            .latency_ms = 3.5,
        };
    }
}

/* 44 rows: a group of 32 of mixed versions (W_INF_MULTI_BIG), one of 8, then 4 alone. */
#define RT_ROWS 44

Test(inf_encoding, rows_read_back_identically, .init = setup, .fini = teardown)
{
    struct fl_inference r[RT_ROWS];
    char ids[RT_ROWS][32];
    sample_rows(r, RT_ROWS, "rt", ids);
    struct fl_batch b;
    th_batch(&b);
    b.inferences = r;
    b.n_inferences = RT_ROWS;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    for (size_t i = 0; i < RT_ROWS; i++) {
        static struct rows g;
        g.n = 0;
        cr_assert_eq(fl_store_request(st, ids[i], keep_row, NULL, &g, &d), FL_OK, "%s", d.msg);
        cr_assert_eq(g.n, 1);
        assert_same(&g.r[0], &r[i]);
    }
    static struct rows g;
    g.n = 0;
    struct fl_inference_query q = {"fraud", NULL, 0, INT64_MAX, 0};
    cr_assert_eq(fl_store_inferences(st, &q, keep_row, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, RT_ROWS);
    for (size_t i = 0; i < RT_ROWS; i++)
        assert_same(&g.r[i], &r[i]);
    /* the pairs went to the dictionary once each; canonical trace ids are 16-byte blobs */
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inf_seg_keys"), 4);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inferences WHERE typeof(trace_id) = 'blob' "
                            "AND length(trace_id) = 16"),
                 (RT_ROWS + 5) / 6);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inferences WHERE segs IS NULL"), 0);
    /* a second store handle (fresh caches) reads the same */
    fl_store_free(st);
    st = th_open(dir);
    g.n = 0;
    cr_assert_eq(fl_store_inferences(st, &q, keep_row, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, RT_ROWS);
    for (size_t i = 0; i < RT_ROWS; i++)
        assert_same(&g.r[i], &r[i]);
}

/* 40 rows of one model version and feature set: a group of 32 binds those once (W_INF_RUN). */
Test(inf_encoding, one_version_runs_read_back, .init = setup, .fini = teardown)
{
    struct fl_inference r[40];
    char ids[40][32];
    sample_rows(r, 40, "run", ids);
    for (size_t i = 0; i < 40; i++) {
        r[i].model = i < 32 ? "ranker" : "fraud";
        r[i].model_version = i < 32 ? "v9" : "v2";
    }
    struct fl_batch b;
    th_batch(&b);
    b.inferences = r;
    b.n_inferences = 40;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    static struct rows g;
    g.n = 0;
    struct fl_inference_query q = {NULL, NULL, 0, INT64_MAX, 0};
    cr_assert_eq(fl_store_inferences(st, &q, keep_row, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, 40);
    for (size_t i = 0; i < 40; i++)
        assert_same(&g.r[i], &r[i]);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inferences WHERE model = 'ranker' AND "
                            "model_version = 'v9'"),
                 32);
    g.n = 0;
    struct fl_inference_query qv = {"ranker", "v9", 0, INT64_MAX, 0};
    cr_assert_eq(fl_store_inferences(st, &qv, keep_row, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, 32);
    cr_assert_str_eq(g.r[31].request_id, "run-31");
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Two request ids whose 32-bit hashes (fl_store__req_key's low half) are equal. */
static void find_collision(char a[32], char b[32])
{
    enum { N = 400000 };
    uint64_t *k = malloc(N * sizeof *k);
    cr_assert_not_null(k);
    for (uint64_t i = 0; i < N; i++) {
        char id[32];
        snprintf(id, sizeof id, "c-%llu", (unsigned long long)i);
        k[i] = (uint64_t)fl_store__req_key(id, 0) << 32 | i; /* hash, then index */
    }
    qsort(k, N, sizeof *k, cmp_u64);
    for (size_t i = 1; i < N; i++)
        if (k[i] >> 32 == k[i - 1] >> 32) {
            snprintf(a, 32, "c-%llu", (unsigned long long)(k[i - 1] & 0xffffffffu));
            snprintf(b, 32, "c-%llu", (unsigned long long)(k[i] & 0xffffffffu));
            free(k);
            return;
        }
    free(k);
    cr_assert_fail("no 32-bit collision among %d ids", N);
}

Test(inf_encoding, request_hash_collisions_and_buckets, .init = setup, .fini = teardown)
{
    char ca[32], cb[32];
    find_collision(ca, cb);
    cr_assert_str_neq(ca, cb);
    cr_assert_eq(fl_store__req_key(ca, 5), fl_store__req_key(cb, 5));
    /* 20,000 rows over three rowid buckets; the colliding pair in the first and the last */
    enum { N = 20000 };
    struct fl_inference *r = calloc(N, sizeof *r);
    char(*ids)[32] = calloc(N, 32);
    cr_assert(r && ids);
    for (size_t i = 0; i < N; i++) {
        if (i == 3)
            snprintf(ids[i], 32, "%s", ca);
        else if (i == N - 2)
            snprintf(ids[i], 32, "%s", cb);
        else
            snprintf(ids[i], 32, "b-%zu", i);
        r[i] = (struct fl_inference){.ts_ms = (int64_t)i,
                                     .request_id = ids[i],
                                     .model = "m",
                                     .model_version = "1",
                                     .pred_kind = FL_PRED_SCORE,
                                     .score = (double)i,
                                     .latency_ms = NAN};
    }
    struct fl_batch b;
    th_batch(&b);
    b.inferences = r;
    b.n_inferences = N / 2;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    b.inferences = r + N / 2;
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(db_int(st, "SELECT count(DISTINCT request_key >> 32) FROM inferences"), 3);
    const size_t probe[] = {0, 3, 8191, 8192, N / 2, 16383, 16384, N - 2, N - 1};
    for (size_t p = 0; p < sizeof probe / sizeof probe[0]; p++) {
        static struct rows g;
        g.n = 0;
        cr_assert_eq(fl_store_request(st, ids[probe[p]], keep_row, NULL, &g, &d), FL_OK, "%s",
                     d.msg);
        cr_assert_eq(g.n, 1, "%s", ids[probe[p]]);
        cr_assert_str_eq(g.r[0].request_id, ids[probe[p]]);
        cr_assert_eq(g.r[0].score, (double)probe[p]);
    }
    /* same bucket, same hash: both rows share the key, each is found by its own id */
    struct fl_inference two[2] = {r[0], r[1]};
    two[0].request_id = ca;
    two[0].score = -1;
    two[1].request_id = cb;
    two[1].score = -2;
    two[0].ts_ms = two[1].ts_ms = 999999;
    b.inferences = two;
    b.n_inferences = 2;
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    static struct rows g;
    g.n = 0;
    cr_assert_eq(fl_store_request(st, ca, keep_row, NULL, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(g.r[0].score, -1.0, "the latest row of the id, not its colliding neighbour");
    g.n = 0;
    cr_assert_eq(fl_store_request(st, cb, keep_row, NULL, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.r[0].score, -2.0);
    fl_diag_init(&d);
    cr_assert_eq(fl_store_request(st, "c-none", keep_row, NULL, &g, &d), FL_ENOTFOUND);
    free(r);
    free(ids);
}

Test(inf_encoding, segment_dictionary_is_capped, .init = setup, .fini = teardown)
{
    enum { N = FL_STORE_SEG_KEYS_MAX + 500 };
    struct fl_inference *r = calloc(N, sizeof *r);
    struct fl_label *seg = calloc(N, sizeof *seg);
    char(*vals)[16] = calloc(N, 16);
    cr_assert(r && seg && vals);
    for (size_t i = 0; i < N; i++) {
        snprintf(vals[i], 16, "u%zu", i);
        seg[i] = (struct fl_label){"user", vals[i]};
        r[i] = (struct fl_inference){.ts_ms = (int64_t)i,
                                     .request_id = vals[i],
                                     .model = "m",
                                     .model_version = "1",
                                     .pred_kind = FL_PRED_SCORE,
                                     .score = 1,
                                     .latency_ms = NAN,
                                     .segments = &seg[i],
                                     .n_segments = 1};
    }
    struct fl_batch b;
    th_batch(&b);
    struct fl_diag d;
    fl_diag_init(&d);
    for (size_t i = 0; i < N; i += 20000) {
        b.inferences = r + i;
        b.n_inferences = N - i < 20000 ? N - i : 20000;
        cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    }
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inf_seg_keys"), FL_STORE_SEG_KEYS_MAX);
    const size_t probe[] = {0, 1, FL_STORE_SEG_KEYS_MAX - 1, FL_STORE_SEG_KEYS_MAX, N - 1};
    for (size_t p = 0; p < sizeof probe / sizeof probe[0]; p++) {
        static struct rows g;
        g.n = 0;
        cr_assert_eq(fl_store_request(st, vals[probe[p]], keep_row, NULL, &g, &d), FL_OK, "%s",
                     d.msg);
        cr_assert_eq(g.n, 1);
        cr_assert_eq(g.r[0].n_segments, 1);
        cr_assert_str_eq(g.r[0].seg[0][0], "user");
        cr_assert_str_eq(g.r[0].seg[0][1], vals[probe[p]]);
    }
    free(r);
    free(seg);
    free(vals);
}

Test(inf_encoding, corrupt_rows_are_errors_not_crashes, .init = setup, .fini = teardown)
{
    struct fl_inference r[3];
    char ids[3][32];
    sample_rows(r, 3, "bad", ids);
    struct fl_batch b;
    th_batch(&b);
    b.inferences = r;
    b.n_inferences = 3;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    /* an unknown dictionary id, a truncated ref list, a trace blob of the wrong size */
    const char *corrupt[] = {
        "UPDATE inferences SET segs = x'01ff7f' WHERE request_id = 'bad-1'",
        "UPDATE inferences SET segs = x'0201' WHERE request_id = 'bad-1'",
        "UPDATE inferences SET trace_id = x'0102' WHERE request_id = 'bad-1'",
    };
    for (size_t c = 0; c < sizeof corrupt / sizeof corrupt[0]; c++) {
        fl_store_free(st);
        st = th_open(dir);
        cr_assert_eq(sqlite3_exec(st->w.db, corrupt[c], NULL, NULL, NULL), SQLITE_OK);
        static struct rows g;
        g.n = 0;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_request(st, "bad-1", keep_row, NULL, &g, &d), FL_ESTORE, "%s",
                     corrupt[c]);
        cr_assert_eq(g.n, 0);
        cr_assert(strstr(d.msg, "cannot decode inference row") != NULL, "%s", d.msg);
        g.n = 0;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_request(st, "bad-2", keep_row, NULL, &g, &d), FL_OK, "%s", d.msg);
        cr_assert_eq(g.n, 1);
        sqlite3_exec(st->w.db,
                     "UPDATE inferences SET trace_id = NULL, segs = x'00' "
                     "WHERE request_id = 'bad-1'",
                     NULL, NULL, NULL);
    }
}

/* ---- migration 8: a schema-7 store upgrades and reads back what it held ---- */

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql,
                 msg ? msg : "");
}

Test(inf_encoding, upgrade_from_version_7_reads_back)
{
    dir = th_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/faultline.db", dir);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode = WAL");
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store__migrate_to(db, 0, 7, &d), FL_OK, "%s", d.msg);
    cr_assert_neq(sqlite3_exec(db, "SELECT segs FROM inferences", NULL, NULL, NULL), SQLITE_OK,
                  "a version-7 database has no segs column");

    /* Version-7 rows, as version-7 code wrote them: text trace ids, labels-encoded segments,
     * the 64-bit request key, one inf_blocks row per model version, model_seen. */
    struct fl_inference r[12];
    char ids[12][32];
    sample_rows(r, 12, "old", ids);
    struct fl_buf names, vals, segs;
    fl_buf_init(&names, 1 << 16);
    fl_store_feature_names_encode(feats, 5, &names);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "INSERT INTO feature_sets(id, names) VALUES (1, ?1)", -1,
                                    &q, NULL),
                 SQLITE_OK);
    sqlite3_bind_blob(q, 1, names.data, (int)names.len, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    cr_assert_eq(
        sqlite3_prepare_v2(db,
                           "INSERT INTO inferences(id, ts_ms, request_id, trace_id, model, "
                           "model_version, features, pred_kind, score, pred_class, scores, "
                           "segments, latency_ms, request_key, feature_set, model_key) VALUES "
                           "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?12, ?13, 1, ?14)",
                           -1, &q, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < 12; i++) {
        fl_buf_init(&vals, 1 << 16);
        fl_buf_init(&segs, 1 << 16);
        fl_store_feature_values_encode(r[i].features, r[i].n_features, &vals);
        fl_store_labels_encode(r[i].segments, r[i].n_segments, &segs);
        sqlite3_bind_int64(q, 1, (int64_t)i + 1);
        sqlite3_bind_int64(q, 2, r[i].ts_ms);
        sqlite3_bind_text(q, 3, r[i].request_id, -1, SQLITE_STATIC);
        if (r[i].trace_id && r[i].trace_id[0])
            sqlite3_bind_text(q, 4, r[i].trace_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, r[i].model, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, r[i].model_version, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 7, vals.data, (int)vals.len, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 8, r[i].pred_kind);
        if (!isnan(r[i].score))
            sqlite3_bind_double(q, 9, r[i].score);
        if (r[i].pred_class)
            sqlite3_bind_text(q, 10, r[i].pred_class, -1, SQLITE_STATIC);
        sqlite3_bind_blob(q, 11, segs.data, (int)segs.len, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 12, r[i].latency_ms);
        sqlite3_bind_int64(q, 13, fl_store__key(r[i].request_id));
        sqlite3_bind_int64(q, 14, fl_store__key2(r[i].model, r[i].model_version));
        cr_assert_eq(sqlite3_step(q), SQLITE_DONE, "%s", sqlite3_errmsg(db));
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        fl_buf_cleanup(&vals);
        fl_buf_cleanup(&segs);
    }
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(db,
                                    "INSERT INTO inf_blocks(model_key, first_id, last_id, min_ts, "
                                    "max_ts) SELECT model_key, min(id), max(id), min(ts_ms), "
                                    "max(ts_ms) FROM inferences GROUP BY model_key",
                                    -1, &q, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    exec_ok(db, "INSERT INTO model_seen(model, version, model_key, first_ms, last_ms, n) "
                "SELECT model, model_version, model_key, min(ts_ms), max(ts_ms), count(*) "
                "FROM inferences GROUP BY model, model_version");
    fl_buf_cleanup(&names);
    cr_assert_eq(sqlite3_close(db), SQLITE_OK);

    /* Opening upgrades it in place (no row is rewritten) ... */
    st = th_open(dir);
    cr_assert_eq(db_int(st, "PRAGMA user_version"), 8);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inferences WHERE segs IS NULL"), 12);
    cr_assert_eq(db_int(st, "SELECT count(*) FROM inf_seg_keys"), 0);
    /* ... and every row reads back as it was written, by request id and by query */
    for (size_t i = 0; i < 12; i++) {
        static struct rows g;
        g.n = 0;
        cr_assert_eq(fl_store_request(st, ids[i], keep_row, NULL, &g, &d), FL_OK, "%s", d.msg);
        cr_assert_eq(g.n, 1, "%s", ids[i]);
        assert_same(&g.r[0], &r[i]);
    }
    static struct rows g;
    g.n = 0;
    struct fl_inference_query qa = {NULL, NULL, 0, INT64_MAX, 0};
    cr_assert_eq(fl_store_inferences(st, &qa, keep_row, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, 12);
    for (size_t i = 0; i < 12; i++)
        assert_same(&g.r[i], &r[i]);

    /* New rows next to the old ones: both read back, old and new encodings side by side. */
    struct fl_inference nr[12];
    char nids[12][32];
    sample_rows(nr, 12, "new", nids);
    for (size_t i = 0; i < 12; i++)
        nr[i].ts_ms += 100;
    struct fl_batch b;
    th_batch(&b);
    b.inferences = nr;
    b.n_inferences = 12;
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    g.n = 0;
    cr_assert_eq(fl_store_inferences(st, &qa, keep_row, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n, 24);
    for (size_t i = 0; i < 12; i++) {
        assert_same(&g.r[i], &r[i]);
        assert_same(&g.r[12 + i], &nr[i]);
    }
    struct fl_store_stats x = th_stats(st);
    cr_assert_eq(x.n_inferences, 24);
    fl_store_free(st);
    st = NULL;
    th_rmdir(dir);
}
