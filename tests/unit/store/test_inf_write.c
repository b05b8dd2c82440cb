/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_inf_write.c: the inference write path (src/store/write.c) with rows that change model,
 * version, feature set, prediction kind, class and score vector from one row to the next, in
 * batches whose sizes use every statement (32-row, 8-row and single-row INSERTs, one after the
 * other, several times each). A statement's row slots keep the bindings of its previous
 * execution and only changed values are bound again, so every row must read back exactly as it
 * was written, whatever its neighbours were.
 */
#include <math.h>

#include "helpers.h"

TH_STORE_FIXTURE()

TestSuite(inf_write, .init = setup, .fini = teardown);

#define N_ROWS 203 /* 32 * 6 + 8 + 3: big six times, multi once, three single rows */

static const struct fl_feature feats_a[] = {
    {"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 99.5, NULL},
    {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"},
};
static const struct fl_feature feats_b[] = {
    {"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 0.1, NULL},
    {"is_new", FL_FEAT_PRESENT, FL_VAL_BOOL, 1, NULL},
    {"age", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL},
};
static const double vec2[] = {0.25, 0.75}, vec3[] = {0.1, 0.2, 0.7};
static const struct fl_label seg1[] = {{"country", "DE"}, {"platform", "ios"}};

struct rows {
    struct fl_inference r[N_ROWS];
    char rid[N_ROWS][16];
};

/* Row i of batch `salt`: every field that write.c may skip binding varies with a different period
 * (and irregularly with the salt), so a row slot sees both repeats and changes. */
static void make_rows(struct rows *x, unsigned salt)
{
    static const char *const models[] = {"ranker", "fraud"};
    static const char *const versions[] = {"v1", "v2", "v3"};
    static const char *const classes[] = {"click", "skip"};
    for (size_t i = 0; i < N_ROWS; i++) {
        struct fl_inference *r = &x->r[i];
        unsigned h = (unsigned)i * 2654435761u ^ salt;
        memset(r, 0, sizeof *r);
        snprintf(x->rid[i], sizeof x->rid[i], "b%u-%zu", salt, i);
        r->request_id = x->rid[i];
        r->ts_ms = 1000 + (int64_t)i;
        r->trace_id = (h >> 3) % 4 ? "0af7651916cd43dd8448eb211c80319c" : NULL;
        r->model = models[(h >> 5) % 7 == 0];
        r->model_version = versions[(i / 5 + (h >> 9) % 2) % 3];
        if ((h >> 11) % 3) {
            r->features = feats_a;
            r->n_features = 2;
        } else {
            r->features = feats_b;
            r->n_features = 3;
        }
        switch ((h >> 13) % 4) {
        case 0:
            r->pred_kind = FL_PRED_SCORE;
            r->score = (double)i / 7;
            break;
        case 1:
            r->pred_kind = FL_PRED_CLASS;
            r->score = 0.5;
            r->pred_class = classes[(h >> 17) % 2];
            break;
        case 2:
            r->pred_kind = FL_PRED_VECTOR;
            r->score = NAN;
            r->scores = i % 2 ? vec2 : vec3;
            r->n_scores = i % 2 ? 2 : 3;
            break;
        default:
            r->pred_kind = FL_PRED_NONE;
            r->score = NAN;
        }
        if ((h >> 19) % 2) {
            r->segments = seg1;
            r->n_segments = 2;
        }
        r->latency_ms = (h >> 21) % 5 ? 1.5 * (double)i : NAN;
    }
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

struct check {
    const struct fl_inference *want;
    int seen;
};

static int check_row(const struct fl_inference *r, void *ud)
{
    struct check *c = ud;
    const struct fl_inference *w = c->want;
    c->seen++;
    cr_assert_str_eq(r->request_id, w->request_id);
    cr_assert_eq(r->ts_ms, w->ts_ms, "%s", w->request_id);
    if (w->trace_id)
        cr_assert_str_eq(r->trace_id, w->trace_id, "%s", w->request_id);
    else
        cr_assert(r->trace_id == NULL || r->trace_id[0] == '\0', "%s", w->request_id);
    cr_assert_str_eq(r->model, w->model, "%s", w->request_id);
    cr_assert_str_eq(r->model_version, w->model_version, "%s", w->request_id);
    cr_assert_eq(r->n_features, w->n_features, "%s", w->request_id);
    for (size_t k = 0; k < r->n_features; k++) {
        cr_assert_str_eq(r->features[k].name, w->features[k].name);
        cr_assert_eq(r->features[k].status, w->features[k].status);
        cr_assert_eq(r->features[k].kind, w->features[k].kind);
        if (w->features[k].kind == FL_VAL_STRING)
            cr_assert_str_eq(r->features[k].str, w->features[k].str);
        else
            cr_assert_eq(r->features[k].num, w->features[k].num);
    }
    cr_assert_eq(r->pred_kind, w->pred_kind, "%s", w->request_id);
    cr_assert(same_double(r->score, w->score), "%s: score %g want %g", w->request_id, r->score,
              w->score);
    if (w->pred_class)
        cr_assert_str_eq(r->pred_class, w->pred_class, "%s", w->request_id);
    else
        cr_assert_null(r->pred_class, "%s: class %s", w->request_id, r->pred_class);
    cr_assert_eq(r->n_scores, w->n_scores, "%s", w->request_id);
    for (size_t k = 0; k < r->n_scores; k++)
        cr_assert_eq(r->scores[k], w->scores[k], "%s", w->request_id);
    cr_assert_eq(r->n_segments, w->n_segments, "%s", w->request_id);
    for (size_t k = 0; k < r->n_segments; k++) {
        cr_assert_str_eq(r->segments[k].name, w->segments[k].name);
        cr_assert_str_eq(r->segments[k].value, w->segments[k].value);
    }
    cr_assert(same_double(r->latency_ms, w->latency_ms), "%s", w->request_id);
    return 0;
}

Test(inf_write, changing_neighbours_read_back_exactly)
{
    static struct rows x[3];
    for (unsigned salt = 0; salt < 3; salt++) {
        make_rows(&x[salt], salt * 0x9e3779b9u);
        struct fl_batch b;
        th_batch(&b);
        b.inferences = x[salt].r;
        b.n_inferences = N_ROWS;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
    }
    cr_assert_eq(th_stats(st).n_inferences, 3 * N_ROWS);
    for (unsigned salt = 0; salt < 3; salt++)
        for (size_t i = 0; i < N_ROWS; i++) {
            struct check c = {&x[salt].r[i], 0};
            cr_assert_eq(fl_store_request(st, x[salt].rid[i], check_row, NULL, &c, NULL), FL_OK,
                         "%s", x[salt].rid[i]);
            cr_assert_eq(c.seen, 1, "%s", x[salt].rid[i]);
        }
}
