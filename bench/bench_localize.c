/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_localize.c: speed of segment localization (src/rca/localize.c) on a realistic case.
 *
 * Five dimensions of 10, 20, 30, 40 and 50 elements; 100,000 rows, each a random combination
 * (so ~99,600 distinct leaves out of 12 million possible); per row impressions 50-150 and a CTR
 * of 2-8 %, both windows with +-5 % noise (counter-based splitmix64, fixed seed). Cases:
 *   ctr_pair     derived (clicks / impressions): the CTR of {d1=e3, d3=e7} halves (~125 leaves)
 *   imp_country  fundamental (impressions): d0=e2 falls by 40 %
 *   uniform      derived: every CTR falls by 20 % (RiskLoc then walks every combination of up to
 *                three dimensions, and again after each "cause" it takes: the slow path)
 * Figures, one machine-readable line each, best of three runs (wall clock; cpu_s is process CPU
 * time of the best run):
 *   bench=localize_build  fl_localize_add of the 100,000 rows (interning, leaf merge)
 *   bench=localize_run    fl_localize_run with the defaults (max_layer 3): Adtributor over the
 *                         five dimensions, RiskLoc, the verdict; with what it found
 * Usage: bench_localize [rows]   (default 100000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "rca/localize.h"

#define N_DIMS 5
#define REPEAT 3

static const size_t SIZES[N_DIMS] = {10, 20, 30, 40, 50};

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

/* splitmix64 at counter i of stream seed, as a uniform double in [0, 1). */
static double unit(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

enum bcase { CTR_PAIR, IMP_COUNTRY, UNIFORM };
static const char *const CASE_NAMES[] = {"ctr_pair", "imp_country", "uniform"};

struct data {
    size_t rows;
    uint32_t *elem;             /* rows x N_DIMS */
    struct fl_localize_row *m;  /* rows */
    char names[N_DIMS][64][24]; /* element strings "e<k>" per dimension */
};

static void gen(struct data *g, enum bcase c)
{
    for (size_t d = 0; d < N_DIMS; d++)
        for (size_t k = 0; k < SIZES[d]; k++)
            snprintf(g->names[d][k], sizeof g->names[d][k], "e%zu", k);
    for (size_t i = 0; i < g->rows; i++) {
        uint32_t *e = g->elem + i * N_DIMS;
        for (size_t d = 0; d < N_DIMS; d++)
            e[d] = (uint32_t)(unit(10 + d, i) * (double)SIZES[d]);
        double imp = 50.0 + 100.0 * unit(20, i), ctr = 0.02 + 0.06 * unit(21, i);
        double iimp = imp * (0.95 + 0.1 * unit(22, i));
        double ictr = ctr * (0.95 + 0.1 * unit(23, i));
        if (c == CTR_PAIR && e[1] == 3 && e[3] == 7)
            ictr *= 0.5;
        if (c == UNIFORM)
            ictr *= 0.8;
        if (c == IMP_COUNTRY) {
            g->m[i] = (struct fl_localize_row){imp, 0, e[0] == 2 ? 0.6 * iimp : iimp, 0};
        } else {
            g->m[i] = (struct fl_localize_row){imp * ctr, imp, iimp * ictr, iimp};
        }
    }
}

static struct fl_localize *build(const struct data *g, bool derived)
{
    static const char *const dims[N_DIMS] = {"d0", "d1", "d2", "d3", "d4"};
    struct fl_localize *l = NULL;
    if (fl_localize_new(dims, N_DIMS, derived, &l, NULL) != FL_OK)
        return NULL;
    for (size_t i = 0; i < g->rows; i++) {
        struct fl_str v[N_DIMS];
        for (size_t d = 0; d < N_DIMS; d++)
            v[d] = fl_str_c(g->names[d][g->elem[i * N_DIMS + d]]);
        if (fl_localize_add(l, v, &g->m[i], NULL) != FL_OK) {
            fl_localize_free(l);
            return NULL;
        }
    }
    return l;
}

static int bench_case(struct data *g, enum bcase c)
{
    bool derived = c != IMP_COUNTRY;
    gen(g, c);
    double bw = 0, bc = 0, rw = 0, rc = 0;
    struct fl_localize *l = NULL;
    for (int k = 0; k < REPEAT; k++) {
        fl_localize_free(l);
        double w0 = now_s(), c0 = cpu_s();
        l = build(g, derived);
        if (!l)
            return 1;
        double w = now_s() - w0, cc = cpu_s() - c0;
        if (bw == 0 || w < bw) {
            bw = w;
            bc = cc;
        }
    }
    struct fl_localize_report *r = NULL;
    for (int k = 0; k < REPEAT; k++) {
        fl_localize_report_free(r);
        r = NULL;
        double w0 = now_s(), c0 = cpu_s();
        if (fl_localize_run(l, NULL, &r, NULL) != FL_OK)
            return 1;
        double w = now_s() - w0, cc = cpu_s() - c0;
        if (rw == 0 || w < rw) {
            rw = w;
            rc = cc;
        }
    }
    printf("bench=localize_build case=%s rows=%zu leaves=%zu seconds=%.4f cpu_s=%.4f "
           "rows_per_s=%.0f\n",
           CASE_NAMES[c], g->rows, fl_localize_n_leaves(l), bw, bc, (double)g->rows / bw);
    char first[128] = "none";
    if (r->n_causes) {
        size_t len = 0;
        for (size_t j = 0; j < r->causes[0].n_attrs && len < sizeof first - 16; j++)
            len += (size_t)snprintf(first + len, sizeof first - len, "%sd%zu=%s", j ? "&" : "",
                                    r->causes[0].dims[j], r->causes[0].values[j]);
    }
    printf("bench=localize_run case=%s leaves=%zu seconds=%.4f cpu_s=%.4f verdict=%s causes=%zu "
           "first_cause=%s top_dim=%s\n",
           CASE_NAMES[c], fl_localize_n_leaves(l), rw, rc, fl_localize_verdict_name(r->verdict),
           r->n_causes, first, r->dims[0].name);
    fl_localize_report_free(r);
    fl_localize_free(l);
    return 0;
}

int main(int argc, char **argv)
{
    struct data *g = calloc(1, sizeof *g);
    if (!g)
        return 1;
    g->rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    if (g->rows == 0)
        g->rows = 100000;
    g->elem = calloc(g->rows * N_DIMS, sizeof *g->elem);
    g->m = calloc(g->rows, sizeof *g->m);
    int rc = !g->elem || !g->m;
    for (int c = CTR_PAIR; !rc && c <= UNIFORM; c++)
        rc = bench_case(g, (enum bcase)c);
    free(g->elem);
    free(g->m);
    free(g);
    return rc;
}
