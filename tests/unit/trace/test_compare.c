/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_compare.c: fl_trace_compare (src/trace/compare.c). The fraud-model incident in miniature:
 * with extra network delay on gateway -> feature-store the comparison must name that edge first
 * with a share near 1 and say, with a KS p-value, that the model server's operation did not
 * change; with a slower model it must name the model's operation instead. Plus a hand-computed
 * case (exact means, shares, band), the band's size, and the errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "trace/window_int.h"
#include "window_fx.h"

static struct fl_trace_syms *y;
static struct fl_trace_window *wb, *wi;
static struct fl_arena a;

static void setup(void)
{
    y = fl_trace_syms_new();
    cr_assert_not_null(y);
    wb = fl_trace_window_new(y, 0, 3600 * 1000 * FX_MS);
    wi = fl_trace_window_new(y, 0, 3600 * 1000 * FX_MS);
    cr_assert(wb && wi);
    fl_arena_init(&a, 64 * 1024, 64u * 1024 * 1024);
}

static void teardown(void)
{
    fl_trace_window_free(wb);
    fl_trace_window_free(wi);
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}

static const struct fl_trace_cmp_row *row(const struct fl_trace_cmp *c, int kind, const char *s1,
                                          const char *s2)
{
    uint32_t x = fx_sym(y, s1), z = fx_sym(y, s2);
    for (size_t i = 0; i < c->n_rows; i++)
        if (c->rows[i].kind == kind && c->rows[i].a == x && c->rows[i].b == z)
            return &c->rows[i];
    cr_assert_fail("no row %s %s", s1, s2);
    return NULL;
}

/* Each row's histogram holds exactly its own-latency samples on increasing edges. */
static void check_histograms(const struct fl_trace_cmp *c)
{
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct fl_trace_cmp_row *r = &c->rows[i];
        if (r->n_base + r->n_inc == 0) {
            cr_assert_eq(r->n_hist, 0);
            cr_assert_null(r->hist_edges_ms);
            continue;
        }
        cr_assert(r->n_hist >= 1 && r->n_hist <= 24, "row %zu: %zu buckets", i, r->n_hist);
        uint64_t sb = 0, si = 0;
        for (size_t j = 0; j < r->n_hist; j++) {
            sb += r->hist_base[j];
            si += r->hist_inc[j];
            if (r->n_hist > 1)
                cr_assert_lt(r->hist_edges_ms[j], r->hist_edges_ms[j + 1], "row %zu edge %zu", i,
                             j);
        }
        cr_assert_eq(sb, r->n_base, "row %zu: baseline counts add up", i);
        cr_assert_eq(si, r->n_inc, "row %zu: incident counts add up", i);
    }
}

/* Mean bucket index of a histogram's counts. */
static double mean_bucket(const uint64_t *cnt, size_t n)
{
    double s = 0, w = 0;
    for (size_t j = 0; j < n; j++) {
        s += (double)j * (double)cnt[j];
        w += (double)cnt[j];
    }
    return w > 0 ? s / w : NAN;
}

static void check_invariants(const struct fl_trace_cmp *c)
{
    double sum = 0, dsum = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        sum += c->rows[i].share;
        dsum += c->rows[i].delta_ms;
        if (i)
            cr_assert_geq(c->rows[i - 1].delta_ms, c->rows[i].delta_ms, "sorted by delta");
    }
    cr_assert_float_eq(sum, 1.0, 1e-9, "shares add up to 1 (got %.12f)", sum);
    (void)dsum;
    check_histograms(c);
}

Test(compare, network_delay_names_the_feature_store_edge, .init = setup, .fini = teardown)
{
    fx_chain_window(wb, y, 2000, 11, 0, 0, 0);
    fx_chain_window(wi, y, 2000, 12, 0, 20 * FX_MS, 0);
    const double pcts[] = {50, 90, 99};
    for (size_t k = 0; k < 3; k++) {
        struct fl_trace_cmp c;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_trace_compare(wb, wi, pcts[k], &a, &c, &d), FL_OK, "%s", d.msg);
        cr_assert_eq(c.n_rows, 5);
        cr_assert_eq(c.n_base, 2000);
        cr_assert_eq(c.n_inc, 2000);
        check_invariants(&c);
        const struct fl_trace_cmp_row *top = &c.rows[0];
        cr_assert_eq(top->kind, FL_TRACE_KEY_EDGE, "p%g: the edge comes first", pcts[k]);
        cr_assert_str_eq(fl_trace_syms_str(y, top->a), "gateway");
        cr_assert_str_eq(fl_trace_syms_str(y, top->b), "feature-store");
        cr_assert_float_eq(top->share, 1.0, 0.1, "p%g: share %.3f", pcts[k], top->share);
        cr_assert_float_eq(top->delta_ms, 20.0, 1.5, "p%g: delta %.3f", pcts[k], top->delta_ms);
        cr_assert(top->changed);
        cr_assert_lt(top->ks_p, 1e-10);
        /* Own latency of the edge is its network time: ~1 ms before, ~21 ms after. */
        cr_assert_lt(top->base_own_ms, 1.6);
        cr_assert_gt(top->inc_own_ms, 20.4);
        cr_assert_eq(top->n_base, 2000);
        cr_assert_eq(top->n_hist, 24, "4000 samples: 24 buckets");
        cr_assert_gt(mean_bucket(top->hist_inc, top->n_hist),
                     mean_bucket(top->hist_base, top->n_hist) + 5,
                     "p%g: 20 ms more network time moves the mass up", pcts[k]);

        const struct fl_trace_cmp_row *m =
            row(&c, FL_TRACE_KEY_OPERATION, "model-server", "predict");
        cr_assert_not(m->changed, "p%g: the model did not change", pcts[k]);
        cr_assert_lt(fabs(m->share), 0.1, "p%g: model share %.3f", pcts[k], m->share);
        cr_assert_gt(m->ks_p, 0.01, "p%g: model KS p %.3g", pcts[k], m->ks_p);
        cr_assert_float_eq(m->base_own_ms, m->inc_own_ms, 0.6);
        for (size_t i = 1; i < c.n_rows; i++)
            cr_assert_not(c.rows[i].changed, "p%g: only the edge changed (row %zu)", pcts[k], i);
        cr_assert_gt(c.inc_ms - c.base_ms, 15.0);
        cr_assert_eq(c.base_error_rate, 0);
    }
}

Test(compare, slower_model_names_the_model_operation, .init = setup, .fini = teardown)
{
    fx_chain_window(wb, y, 2000, 21, 0, 0, 0);
    fx_chain_window(wi, y, 2000, 22, 0, 0, 15 * FX_MS);
    struct fl_trace_cmp c;
    cr_assert_eq(fl_trace_compare(wb, wi, 99, &a, &c, NULL), FL_OK);
    check_invariants(&c);
    const struct fl_trace_cmp_row *top = &c.rows[0];
    cr_assert_eq(top->kind, FL_TRACE_KEY_OPERATION);
    cr_assert_str_eq(fl_trace_syms_str(y, top->a), "model-server");
    cr_assert_str_eq(fl_trace_syms_str(y, top->b), "predict");
    cr_assert_float_eq(top->share, 1.0, 0.1, "share %.3f", top->share);
    cr_assert(top->changed);
    const struct fl_trace_cmp_row *e = row(&c, FL_TRACE_KEY_EDGE, "gateway", "feature-store");
    cr_assert_not(e->changed);
    cr_assert_lt(fabs(e->share), 0.1);
    cr_assert_gt(e->ks_p, 0.01);
}

/* Identical spans in every trace: every number can be worked out by hand. Baseline: gateway
 * [0, 10] calls feature-store [2, 8] whose server span is [3, 7]. Incident: the call takes 20 ms
 * longer on the network ([2, 28], server [3, 7], gateway [0, 30]). */
static void fixed_window(struct fl_trace_window *w, size_t n, int64_t extra)
{
    struct fl_tspan_in in[3];
    struct fl_trace t;
    struct fl_trace_analysis an;
    for (size_t i = 0; i < n; i++) {
        in[0] = fx_span(y, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 0, 10 * FX_MS + extra);
        in[1] = fx_span(y, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 2 * FX_MS,
                        8 * FX_MS + extra);
        in[2] = fx_span(y, 3, 2, "feature-store", "GET /features", FL_SPAN_SERVER, 3 * FX_MS,
                        7 * FX_MS);
        fx_add(w, "0af7651916cd43dd8448eb211c80319c", in, 3, &a, &t, &an);
    }
}

Test(compare, hand_computed_means_shares_and_ks, .init = setup, .fini = teardown)
{
    fixed_window(wb, 30, 0);
    fixed_window(wi, 40, 20 * FX_MS);
    struct fl_trace_cmp c;
    struct fl_arena ra;
    fl_arena_init(&ra, 4096, 1 << 20);
    cr_assert_eq(fl_trace_compare(wb, wi, 50, &ra, &c, NULL), FL_OK);
    cr_assert_float_eq(c.base_ms, 10.0, 1e-9);
    cr_assert_float_eq(c.inc_ms, 30.0, 1e-9);
    cr_assert_eq(c.n_base_band, 20, "30 traces: the band is widened to 20");
    cr_assert_eq(c.n_inc_band, 20);
    cr_assert_eq(c.n_rows, 3);
    const struct fl_trace_cmp_row *e = &c.rows[0];
    cr_assert_eq(e->kind, FL_TRACE_KEY_EDGE);
    cr_assert_float_eq(e->base_ms, 2.0, 1e-9); /* network: [2,3] + [7,8] */
    cr_assert_float_eq(e->inc_ms, 22.0, 1e-9); /* [2,3] + [7,28] */
    cr_assert_float_eq(e->delta_ms, 20.0, 1e-9);
    cr_assert_float_eq(e->share, 1.0, 1e-12);
    cr_assert_float_eq(e->base_own_ms, 2.0, 1e-9);
    cr_assert_float_eq(e->inc_own_ms, 22.0, 1e-9);
    cr_assert_eq(e->n_base, 30);
    cr_assert_eq(e->n_inc, 40);
    cr_assert_float_eq(e->ks_d, 1.0, 1e-12);
    /* SciPy 1.10.1: scipy.stats.ks_2samp([2.0]*30, [22.0]*40).pvalue = 3.6135170070159586e-20 */
    cr_assert_float_eq(e->ks_p, 3.6135170070159586e-20, 1e-28);
    /* 70 samples: ceil(sqrt(70)) = 9 buckets from 2 to 22 ms, ratio (22/2)^(1/9) each. */
    cr_assert_eq(e->n_hist, 9);
    cr_assert_float_eq(e->hist_edges_ms[0], 2.0, 1e-12);
    cr_assert_float_eq(e->hist_edges_ms[1], 2.0 * pow(11.0, 1.0 / 9), 1e-9);
    cr_assert_float_eq(e->hist_edges_ms[9], 22.0, 1e-12);
    cr_assert_eq(e->hist_base[0], 30);
    cr_assert_eq(e->hist_inc[8], 40, "the largest sample falls in the last bucket");
    cr_assert_eq(e->hist_inc[0] + e->hist_base[8], 0);
    cr_assert(e->changed);
    const struct fl_trace_cmp_row *gw = row(&c, FL_TRACE_KEY_OPERATION, "gateway", "POST /score");
    cr_assert_float_eq(gw->base_ms, 4.0, 1e-9);
    cr_assert_float_eq(gw->delta_ms, 0.0, 1e-9);
    cr_assert_float_eq(gw->share, 0.0, 1e-12);
    cr_assert_float_eq(gw->base_own_ms, 10.0, 1e-9);
    cr_assert_float_eq(gw->inc_own_ms, 30.0, 1e-9, "own latency = span duration");
    const struct fl_trace_cmp_row *fs =
        row(&c, FL_TRACE_KEY_OPERATION, "feature-store", "GET /features");
    cr_assert_float_eq(fs->base_ms, 4.0, 1e-9);
    cr_assert_float_eq(fs->inc_ms, 4.0, 1e-9);
    cr_assert_float_eq(fs->ks_d, 0.0, 1e-12);
    cr_assert_float_eq(fs->ks_p, 1.0, 1e-12);
    cr_assert_not(fs->changed);
    cr_assert_float_eq(fs->base_error_rate, 0.0, 1e-12);
    fl_arena_cleanup(&ra);
}

Test(compare, keys_in_one_window_only_and_few_samples, .init = setup, .fini = teardown)
{
    /* The incident's traces call a new dependency; the baseline's do not. */
    struct fl_tspan_in in[3];
    struct fl_trace t;
    struct fl_trace_analysis an;
    fixed_window(wb, 5, 0);
    for (int i = 0; i < 5; i++) {
        in[0] = fx_span(y, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 0, 15 * FX_MS);
        in[1] = fx_span(y, 2, 1, "gateway", "GET", FL_SPAN_CLIENT, 2 * FX_MS, 12 * FX_MS);
        in[1].peer = fx_sym(y, "api.example.com");
        in[1].peer_kind = FL_PEER_EXTERNAL;
        in[1].status = i == 0 ? FL_STATUS_ERROR : FL_STATUS_UNSET;
        fx_add(wi, "0af7651916cd43dd8448eb211c80319c", in, 2, &a, &t, &an);
    }
    struct fl_trace_cmp c;
    cr_assert_eq(fl_trace_compare(wb, wi, 90, &a, &c, NULL), FL_OK);
    cr_assert_eq(c.n_base_band, 5, "fewer than 20 traces: all of them");
    cr_assert_eq(c.n_rows, 4);
    const struct fl_trace_cmp_row *x = &c.rows[0];
    cr_assert_str_eq(fl_trace_syms_str(y, x->b), "api.example.com");
    cr_assert_float_eq(x->base_ms, 0.0, 1e-12);
    cr_assert_float_eq(x->inc_ms, 10.0, 1e-9);
    cr_assert_float_eq(x->share, 2.0, 1e-9, "10 of a 5 ms change: gateway's own time fell");
    cr_assert_eq(x->n_base, 0);
    cr_assert(isnan(x->base_own_ms));
    cr_assert_float_eq(x->inc_own_ms, 10.0, 1e-9, "untraced edge: call duration");
    cr_assert(isnan(x->ks_p), "too few samples for KS");
    cr_assert(isnan(x->base_error_rate));
    cr_assert_float_eq(x->inc_error_rate, 0.2, 1e-12);
    cr_assert(x->changed, "too few samples to test: the share decides");
    cr_assert_float_eq(c.inc_error_rate, 0.2, 1e-12);
    const struct fl_trace_cmp_row *gone =
        row(&c, FL_TRACE_KEY_OPERATION, "feature-store", "GET /features");
    cr_assert_float_eq(gone->inc_ms, 0.0, 1e-12);
    cr_assert_eq(gone->n_inc, 0);
    /* 5 identical samples in the baseline only: one bucket [4, 4]. */
    cr_assert_eq(gone->n_hist, 1);
    cr_assert_float_eq(gone->hist_edges_ms[0], 4.0, 1e-12);
    cr_assert_float_eq(gone->hist_edges_ms[1], 4.0, 1e-12);
    cr_assert_eq(gone->hist_base[0], 5);
    cr_assert_eq(gone->hist_inc[0], 0);
    check_histograms(&c);
    cr_assert_float_eq(gone->share, -4.0 / 5.0, 1e-9);
}

Test(compare, band_size_around_the_percentile, .init = setup, .fini = teardown)
{
    fx_chain_window(wb, y, 2000, 31, 0, 0, 0);
    fx_chain_window(wi, y, 100, 32, 0, 0, 0);
    struct fl_trace_cmp c;
    /* p50: +-2.5 points of 2000 traces: ranks ceil(0.475*1999)=950 .. floor(0.525*1999)=1049. */
    cr_assert_eq(fl_trace_compare(wb, wi, 50, &a, &c, NULL), FL_OK);
    cr_assert_eq(c.n_base_band, 100);
    cr_assert_eq(c.n_inc_band, 20, "100 traces: 4 in the band, widened to 20");
    /* p99: half-width min(2.5, 0.5) = 0.5: ranks ceil(0.985*1999)=1970 .. floor(0.995*1999)=1989 */
    cr_assert_eq(fl_trace_compare(wb, wi, 99, &a, &c, NULL), FL_OK);
    cr_assert_eq(c.n_base_band, 20);
    cr_assert_eq(fl_trace_compare(wb, wi, 99.9, &a, &c, NULL), FL_OK);
    cr_assert_eq(c.n_base_band, 20, "2 in the band, widened to 20");
}

Test(compare, errors, .init = setup, .fini = teardown)
{
    struct fl_trace_cmp c;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_compare(wb, wi, 99, &a, &c, &d), FL_EINVAL);
    cr_assert_str_eq(d.msg, "baseline window has no traces to compare");
    fixed_window(wb, 3, 0);
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_compare(wb, wi, 99, &a, &c, &d), FL_EINVAL);
    cr_assert_str_eq(d.msg, "incident window has no traces to compare");
    fixed_window(wi, 3, 0);
    const double bad[] = {0, 100, -1, 101, NAN};
    for (size_t i = 0; i < 5; i++) {
        fl_diag_init(&d);
        cr_assert_eq(fl_trace_compare(wb, wi, bad[i], &a, &c, &d), FL_EINVAL);
        cr_assert_not_null(strstr(d.msg, "percentile"));
    }
    struct fl_trace_syms *y2 = fl_trace_syms_new();
    struct fl_trace_window *other = fl_trace_window_new(y2, 0, 1);
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_compare(wb, other, 99, &a, &c, &d), FL_EINVAL);
    cr_assert_not_null(strstr(d.msg, "symbol tables"));
    cr_assert_eq(fl_trace_compare(NULL, wi, 99, &a, &c, NULL), FL_EINVAL);
    fl_trace_window_free(other);
    fl_trace_syms_free(y2);
    /* Same windows: nothing changed, no share. */
    cr_assert_eq(fl_trace_compare(wb, wi, 50, &a, &c, NULL), FL_OK);
    for (size_t i = 0; i < c.n_rows; i++) {
        cr_assert_float_eq(c.rows[i].delta_ms, 0.0, 1e-12);
        cr_assert(isnan(c.rows[i].share));
        cr_assert_not(c.rows[i].changed);
    }
}

/* Every allocation of a comparison fails in turn: an error with a diagnostic, then success. */
Test(compare, failed_allocations, .init = setup, .fini = teardown)
{
    fx_chain_window(wb, y, 200, 41, 0, 0, 0);
    fx_chain_window(wi, y, 200, 42, 0, 20 * FX_MS, 0);
    size_t failures = 0;
    for (long k = 0;; k++) {
        struct fl_trace_cmp c;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_trace_compare(wb, wi, 99, &a, &c, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_eq(c.rows[0].kind, FL_TRACE_KEY_EDGE);
            break;
        }
        failures++;
        cr_assert_eq(e, FL_ENOMEM);
        cr_assert_neq(d.msg[0], '\0');
    }
    cr_assert_gt(failures, 5);
}

/* Small hand-worked histograms: bucket count, edges and counts by the rule of trace.h. */
Test(compare, histogram_small_cases, .init = setup, .fini = teardown)
{
    static const struct {
        const char *what;
        double b[6];
        size_t nb;
        double i[6];
        size_t ni;
        size_t n_hist;
        double edges[4];
        uint64_t cb[3], ci[3];
    } cases[] = {
        {"one sample", {5}, 1, {0}, 0, 1, {5, 5}, {1}, {0}},
        {"one sample, incident side", {0}, 0, {7.5}, 1, 1, {7.5, 7.5}, {0}, {1}},
        {"all equal", {3, 3, 3}, 3, {3, 3}, 2, 1, {3, 3}, {3}, {2}},
        {"all zero", {0, 0}, 2, {0}, 1, 1, {0, 0}, {2}, {1}},
        {"zero and one positive value", {0, 3}, 2, {3}, 1, 1, {0, 3}, {2}, {1}},
        /* 4 samples: 2 buckets on 1, 2, 4; the zero counts in bucket 0, 4 in the last */
        {"zero below the first edge", {0, 1, 4}, 3, {2.5}, 1, 2, {1, 2, 4}, {2, 1}, {0, 1}},
        /* 5 samples: 3 buckets on 1, 10, 100, 1000 (no sample on an inner edge, whose last
         * bit depends on libm's exp) */
        {"three decades", {1, 9.99, 10.5}, 3, {100.5, 1000}, 2, 3, {1, 10, 100, 1000},
         {2, 1, 0}, {0, 0, 2}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fl_trace_cmp_row r;
        memset(&r, 0xff, sizeof r);
        cr_assert_eq(fl_trace__cmp_hist(cases[c].b, cases[c].nb, cases[c].i, cases[c].ni, &a, &r),
                     FL_OK, "%s", cases[c].what);
        cr_assert_eq(r.n_hist, cases[c].n_hist, "%s: %zu buckets", cases[c].what, r.n_hist);
        for (size_t j = 0; j <= r.n_hist; j++)
            cr_assert_float_eq(r.hist_edges_ms[j], cases[c].edges[j], 1e-9, "%s: edge %zu = %.17g",
                               cases[c].what, j, r.hist_edges_ms[j]);
        for (size_t j = 0; j < r.n_hist; j++) {
            cr_assert_eq(r.hist_base[j], cases[c].cb[j], "%s: baseline bucket %zu", cases[c].what,
                         j);
            cr_assert_eq(r.hist_inc[j], cases[c].ci[j], "%s: incident bucket %zu", cases[c].what,
                         j);
        }
    }
    /* No samples at all: no histogram. */
    struct fl_trace_cmp_row r;
    memset(&r, 0xff, sizeof r);
    cr_assert_eq(fl_trace__cmp_hist(NULL, 0, NULL, 0, &a, &r), FL_OK);
    cr_assert_eq(r.n_hist, 0);
    cr_assert_null(r.hist_edges_ms);
    cr_assert_null(r.hist_base);
    cr_assert_null(r.hist_inc);
    /* Largest within rounding of the smallest positive: one bucket, not equal edges. */
    const double close[] = {1.0, nextafter(1.0, 2.0), 1.0, nextafter(1.0, 2.0)};
    cr_assert_eq(fl_trace__cmp_hist(close, 2, close + 2, 2, &a, &r), FL_OK);
    cr_assert_eq(r.n_hist, 1);
    cr_assert_eq(r.hist_base[0] + r.hist_inc[0], 4);
}

/* Log-normal samples, the incident's 3x slower: counts add up and match a brute-force binning,
 * edges increase, and the incident's mass sits higher at every cumulative bucket. */
Test(compare, histogram_shifted_distribution, .init = setup, .fini = teardown)
{
    enum { NB = 3000, NI = 2000 };
    static double xb[NB], xi[NI];
    uint64_t s = 12345;
    for (size_t k = 0; k < NB + NI; k++) {
        double u = 0;
        for (int j = 0; j < 12; j++) { /* Irwin-Hall: about standard normal */
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            u += (double)(s >> 11) / 9007199254740992.0;
        }
        double x = 5.0 * exp(0.5 * (u - 6.0));
        if (k < NB)
            xb[k] = x;
        else
            xi[k - NB] = 3.0 * x;
    }
    struct fl_trace_cmp_row r;
    cr_assert_eq(fl_trace__cmp_hist(xb, NB, xi, NI, &a, &r), FL_OK);
    cr_assert_eq(r.n_hist, 24);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < NB; k++) {
        lo = fmin(lo, xb[k]);
        hi = fmax(hi, xb[k]);
    }
    for (size_t k = 0; k < NI; k++) {
        lo = fmin(lo, xi[k]);
        hi = fmax(hi, xi[k]);
    }
    cr_assert_eq(r.hist_edges_ms[0], lo, "first edge: the smallest sample");
    cr_assert_eq(r.hist_edges_ms[24], hi, "last edge: the largest sample");
    uint64_t sb = 0, si = 0, cb = 0, ci = 0;
    for (size_t j = 0; j < 24; j++) {
        cr_assert_lt(r.hist_edges_ms[j], r.hist_edges_ms[j + 1]);
        /* log-spaced: equal ratios */
        cr_assert_float_eq(log(r.hist_edges_ms[j + 1] / r.hist_edges_ms[j]), log(hi / lo) / 24,
                           1e-9);
        uint64_t bb = 0, bi = 0; /* brute force: samples in [e_j, e_j+1), the last closed */
        for (size_t k = 0; k < NB; k++)
            bb += xb[k] >= r.hist_edges_ms[j] &&
                  (xb[k] < r.hist_edges_ms[j + 1] || (j == 23 && xb[k] == hi));
        for (size_t k = 0; k < NI; k++)
            bi += xi[k] >= r.hist_edges_ms[j] &&
                  (xi[k] < r.hist_edges_ms[j + 1] || (j == 23 && xi[k] == hi));
        cr_assert_eq(r.hist_base[j], bb, "baseline bucket %zu", j);
        cr_assert_eq(r.hist_inc[j], bi, "incident bucket %zu", j);
        sb += r.hist_base[j];
        si += r.hist_inc[j];
        cb += r.hist_base[j];
        ci += r.hist_inc[j];
        cr_assert_leq((double)ci / NI, (double)cb / NB + 1e-12,
                      "cumulative share up to bucket %zu: incident below baseline", j);
    }
    cr_assert_eq(sb, NB);
    cr_assert_eq(si, NI);
    cr_assert_gt(mean_bucket(r.hist_inc, 24), mean_bucket(r.hist_base, 24) + 3,
                 "x3 is log(3) / bucket width buckets higher");
}

/* The histogram's arrays come from the arena: its cap gives FL_ELIMIT. */
Test(compare, histogram_arena_cap, .init = setup, .fini = teardown)
{
    double x[100];
    for (size_t k = 0; k < 100; k++)
        x[k] = 1.0 + (double)k;
    struct fl_arena small;
    fl_arena_init(&small, 64, 64);
    struct fl_trace_cmp_row r;
    cr_assert_eq(fl_trace__cmp_hist(x, 50, x + 50, 50, &small, &r), FL_ELIMIT);
    fl_arena_cleanup(&small);
}
