/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_stats.c: speed of the drift statistics in src/stats on million-row samples.
 *
 * Data come from a counter-based generator (splitmix64 of seed + i * golden ratio, top 53 bits
 * as a uniform double), so scripts/bench-stats.py rebuilds exactly the same samples with NumPy
 * and times SciPy/NumPy on them side by side. Figures, one machine-readable line each, best of
 * three runs (wall clock; cpu_s is process CPU time of the best run):
 *   bench=stats_ks          fl_ks_two_sample(AUTO) on 1,000,000 vs 1,000,000 uniforms;
 *                           case=shift (b + 0.0025: D ~ 0.003, SciPy's p-value takes the
 *                           Birnbaum-Tingey sum) and case=same (no drift: Pelz-Good series)
 *   bench=stats_ks_split    where the KS time goes: the p-value, and D (the rest); for scale,
 *                           what sorting both samples alone would cost (D no longer needs it)
 *                           (fl_kolmogn_sf at D), and the rest (the merge walk for D)
 *   bench=stats_mwu         fl_mwu_test(AUTO, two-sided) on the same shifted samples
 *   bench=stats_wasserstein fl_divergence_wasserstein on the same shifted samples
 *   bench=stats_drift_bins  100 features, reference 1,000,000 rows and current 1,000,000 rows
 *                           each: Sturges edges over both (Evidently's rule), counting both,
 *                           PSI (Evidently's empty-bin rule) and JS distance (base e); generation
 *                           excluded; psi_sum / js_sum let the NumPy run check it computed the
 *                           same thing
 *   bench=stats_count       fl_binning_count alone, values per second, equal-width edges
 *                           (arithmetic path) and 10 quantile edges (binary search)
 * Usage: bench_stats [quick]   (quick: 10 features instead of 100)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "stats/binning.h"
#include "stats/divergence.h"
#include "stats/kolmogn.h"
#include "stats/ks.h"
#include "stats/mwu.h"

#define N 1000000
#define FEATURES 100
#define REPEAT 3

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* splitmix64 at counter i of stream `seed`; bench-stats.py computes the same with uint64. */
static double unit(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

static void fill_uniform(double *v, size_t n, uint64_t seed, double scale, double shift)
{
    for (size_t i = 0; i < n; i++)
        v[i] = unit(seed, i) * scale + shift;
}

/* Feature f: uniform, squared or cubed uniforms (skewed); every fifth feature drifts. */
static void fill_feature(double *v, size_t n, int f, int current)
{
    uint64_t seed = 1000 + 2 * (uint64_t)f + (uint64_t)current;
    int drift = current && f % 5 == 0;
    for (size_t i = 0; i < n; i++) {
        double u = unit(seed, i);
        double x = f % 3 == 0 ? u : (f % 3 == 1 ? u * u : u * u * u);
        v[i] = drift ? x * 1.05 + 0.01 : x;
    }
}

struct timing {
    double wall, cpu;
};

static void keep_best(struct timing *best, double w0, double c0)
{
    double w = now_s() - w0, c = cpu_s() - c0;
    if (best->wall == 0 || w < best->wall) {
        best->wall = w;
        best->cpu = c;
    }
}

static int bench_ks(const double *a, const double *b, const char *name)
{
    struct timing t = {0, 0}, t_sort = {0, 0}, t_p = {0, 0};
    struct fl_ks_result r;
    for (int k = 0; k < REPEAT; k++) {
        double w0 = now_s(), c0 = cpu_s();
        if (fl_ks_two_sample(a, N, b, N, FL_KS_AUTO, &r) != FL_OK)
            return 1;
        keep_best(&t, w0, c0);
    }
    for (int k = 0; k < REPEAT; k++) {
        double *sa, *sb, w0 = now_s(), c0 = cpu_s();
        if (fl_binning_sorted_copy(a, N, &sa) != FL_OK || fl_binning_sorted_copy(b, N, &sb))
            return 1;
        keep_best(&t_sort, w0, c0);
        fl_free(sa);
        fl_free(sb);
        double p;
        w0 = now_s();
        c0 = cpu_s();
        if (fl_kolmogn_sf(N / 2, r.d, &p) != FL_OK) /* en = round(N N / 2N) */
            return 1;
        keep_best(&t_p, w0, c0);
    }
    printf("bench=stats_ks case=%s n=%dx%d seconds=%.4f cpu_s=%.4f values_per_s=%.0f d=%.17g "
           "p=%.17g exact=%d\n",
           name, N, N, t.wall, t.cpu, 2.0 * N / t.wall, r.d, r.pvalue, r.exact);
    double d_s = t.wall - t_p.wall;
    printf("bench=stats_ks_split case=%s d_s=%.4f pvalue_s=%.4f sort_both_alone_s=%.4f\n", name,
           d_s > 0 ? d_s : 0.0, t_p.wall, t_sort.wall);
    return 0;
}

static int bench_pairs(const double *a, const double *b)
{
    struct timing t = {0, 0};
    struct fl_mwu_result m;
    for (int k = 0; k < REPEAT; k++) {
        double w0 = now_s(), c0 = cpu_s();
        if (fl_mwu_test(a, N, b, N, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &m) != FL_OK)
            return 1;
        keep_best(&t, w0, c0);
    }
    printf("bench=stats_mwu case=shift n=%dx%d seconds=%.4f cpu_s=%.4f u=%.17g p=%.17g\n", N, N,
           t.wall, t.cpu, m.u, m.pvalue);
    t = (struct timing){0, 0};
    double d = 0;
    for (int k = 0; k < REPEAT; k++) {
        double w0 = now_s(), c0 = cpu_s();
        if (fl_divergence_wasserstein(a, N, b, N, NULL, NULL, &d) != FL_OK)
            return 1;
        keep_best(&t, w0, c0);
    }
    printf("bench=stats_wasserstein case=shift n=%dx%d seconds=%.4f cpu_s=%.4f w=%.17g\n", N, N,
           t.wall, t.cpu, d);
    return 0;
}

/* One feature of the drift figure; adds the time of each stage. */
static int drift_feature(const double *ref, const double *cur, double *t_edges, double *t_count,
                         double *t_div, double *psi, double *js)
{
    double e[FL_BINNING_AUTO_MAX_EDGES], rc[FL_BINNING_AUTO_MAX_EDGES];
    double cc[FL_BINNING_AUTO_MAX_EDGES];
    size_t n_e, cr[FL_BINNING_AUTO_MAX_EDGES], ccount[FL_BINNING_AUTO_MAX_EDGES];
    double t0 = now_s();
    if (fl_binning_edges(FL_BINNING_STURGES, 0, ref, N, cur, N, e, FL_BINNING_AUTO_MAX_EDGES,
                         &n_e) != FL_OK)
        return 1;
    double t1 = now_s();
    if (fl_binning_count(e, n_e, ref, N, cr, NULL) != FL_OK ||
        fl_binning_count(e, n_e, cur, N, ccount, NULL) != FL_OK)
        return 1;
    double t2 = now_s();
    for (size_t i = 0; i + 1 < n_e; i++) {
        rc[i] = (double)cr[i];
        cc[i] = (double)ccount[i];
    }
    struct fl_js_result j;
    if (fl_divergence_psi(rc, cc, n_e - 1, psi) != FL_OK ||
        fl_divergence_js(rc, cc, n_e - 1, FL_DIVERGENCE_NATS, &j) != FL_OK)
        return 1;
    *js = j.distance;
    double t3 = now_s();
    *t_edges += t1 - t0;
    *t_count += t2 - t1;
    *t_div += t3 - t2;
    return 0;
}

static int bench_drift(double *ref, double *cur, int features)
{
    double t_edges = 0, t_count = 0, t_div = 0, psi_sum = 0, js_sum = 0, c0 = cpu_s(), gen = 0;
    for (int f = 0; f < features; f++) {
        double g0 = cpu_s();
        fill_feature(ref, N, f, 0);
        fill_feature(cur, N, f, 1);
        gen += cpu_s() - g0;
        double psi, js;
        if (drift_feature(ref, cur, &t_edges, &t_count, &t_div, &psi, &js) != 0)
            return 1;
        psi_sum += psi;
        js_sum += js;
    }
    double total = t_edges + t_count + t_div;
    printf("bench=stats_drift_bins features=%d rows=%d seconds=%.4f cpu_s=%.4f ms_per_feature=%.3f "
           "edges_s=%.4f count_s=%.4f divergence_s=%.6f values_per_s=%.0f psi_sum=%.12g "
           "js_sum=%.12g\n",
           features, N, total, cpu_s() - c0 - gen, 1e3 * total / features, t_edges, t_count, t_div,
           2.0 * N * features / total, psi_sum, js_sum);
    return 0;
}

static int bench_count(const double *v)
{
    double e[64];
    size_t n_e, counts[64];
    static const enum fl_binning_rule rules[] = {FL_BINNING_EQUAL, FL_BINNING_QUANTILE};
    static const char *const names[] = {"equal_width_30", "quantile_10"};
    static const size_t bins[] = {30, 10};
    for (int r = 0; r < 2; r++) {
        if (fl_binning_edges(rules[r], bins[r], v, N, NULL, 0, e, 64, &n_e) != FL_OK)
            return 1;
        struct timing t = {0, 0};
        for (int k = 0; k < REPEAT; k++) {
            double w0 = now_s(), c0 = cpu_s();
            if (fl_binning_count(e, n_e, v, N, counts, NULL) != FL_OK)
                return 1;
            keep_best(&t, w0, c0);
        }
        printf("bench=stats_count edges=%s n=%d seconds=%.4f values_per_s=%.0f\n", names[r], N,
               t.wall, N / t.wall);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int features = argc > 1 && strcmp(argv[1], "quick") == 0 ? 10 : FEATURES;
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), *c = malloc(N * sizeof *c);
    int rc = 1;
    if (!a || !b || !c)
        goto out;
    fill_uniform(a, N, 1, 1.0, 0.0);
    fill_uniform(b, N, 2, 1.0, 0.0025);
    fill_uniform(c, N, 3, 1.0, 0.0);
    if (bench_ks(a, b, "shift") || bench_ks(a, c, "same") || bench_pairs(a, b) || bench_count(a) ||
        bench_drift(b, c, features))
        goto out;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "bench_stats: failed\n");
    free(a);
    free(b);
    free(c);
    return rc;
}
