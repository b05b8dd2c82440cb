/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift_util.h: helpers shared by the profile and drift tests: the LCG of
 * scripts/gen-drift-golden.py, sample generation, profiles / profile sets built from arrays, and
 * temporary option files.
 */
#ifndef FL_TEST_DRIFT_UTIL_H
#define FL_TEST_DRIFT_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "monitor/drift.h"
#include "monitor/profile.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct lcg {
    uint64_t s;
};

static inline double lcg_u(struct lcg *g)
{
    g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g->s >> 11) * 0x1p-53;
}

/* The golden generator's sample: u * scale + shift, snapped to 1/quant when quant > 0. */
static inline double *gen_sample(uint64_t seed, size_t n, double scale, double shift, double quant)
{
    struct lcg g = {seed};
    double *v = malloc((n ? n : 1) * sizeof *v);
    cr_assert(v);
    for (size_t i = 0; i < n; i++) {
        double x = lcg_u(&g) * scale + shift;
        v[i] = quant > 0 ? floor(x * quant) / quant : x;
    }
    return v;
}

/* Approximately normal values (sum of 12 uniforms - 6) * sd + mean. */
static inline double *gen_normal(uint64_t seed, size_t n, double mean, double sd)
{
    struct lcg g = {seed};
    double *v = malloc((n ? n : 1) * sizeof *v);
    cr_assert(v);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < 12; j++)
            s += lcg_u(&g);
        v[i] = (s - 6) * sd + mean;
    }
    return v;
}

static inline struct fl_profile *num_profile(const char *feature, const double *v, size_t n,
                                             unsigned k)
{
    struct fl_profile_opts o;
    fl_profile_opts_default(&o);
    if (k)
        o.kll_k = k;
    struct fl_profile_key key = {"", "", "", "", feature, 0};
    struct fl_profile *p = NULL;
    cr_assert_eq(fl_profile_new(&o, &key, &p, NULL), FL_OK);
    cr_assert_eq(fl_profile_update_numbers(p, v, n), FL_OK);
    return p;
}

/* Add n values to feature of set s (chunk ch). */
static inline void set_add_numbers(struct fl_profile_set *s, const char *feature, uint32_t ch,
                                   const double *v, size_t n)
{
    struct fl_profile_key key = {"", "", "", "", feature, ch};
    struct fl_profile *p = NULL;
    cr_assert_eq(fl_profile_set_get(s, &key, true, &p, NULL), FL_OK);
    cr_assert_eq(fl_profile_update_numbers(p, v, n), FL_OK);
}

/* Add category "c<i>" counts[i] times to feature of set s, interleaved by rounds. */
static inline void set_add_categories(struct fl_profile_set *s, const char *feature,
                                      const unsigned *counts, size_t k)
{
    struct fl_profile_key key = {"", "", "", "", feature, 0};
    struct fl_profile *p = NULL;
    cr_assert_eq(fl_profile_set_get(s, &key, true, &p, NULL), FL_OK);
    for (size_t i = 0; i < k; i++) {
        char name[16];
        int len = snprintf(name, sizeof name, "c%zu", i);
        for (unsigned j = 0; j < counts[i]; j++)
            cr_assert_eq(fl_profile_update_string(p, name, (size_t)len), FL_OK);
    }
}

static inline struct fl_profile_set *new_set(void)
{
    struct fl_profile_set *s = NULL;
    cr_assert_eq(fl_profile_set_new(NULL, &s), FL_OK);
    return s;
}

/* The report row of feature with check ch, or NULL. */
static inline const struct fl_drift_row *find_row(const struct fl_drift_report *r,
                                                  const char *feature, enum fl_drift_check ch)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (!strcmp(r->rows[i].feature, feature) && r->rows[i].check == ch)
            return &r->rows[i];
    return NULL;
}

static inline int close_rel(double got, double want, double rtol)
{
    if (isnan(want))
        return isnan(got);
    return got == want || fabs(got - want) <= rtol * fabs(want);
}

/* Write n bytes to a new temporary file; its path (static storage, overwritten by the next
 * call; unlink it when done). */
static inline char *write_tmp_n(const void *p, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/fl_drift_opts_XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, p, n), (ssize_t)n);
    close(fd);
    return path;
}

static inline char *write_tmp(const char *text)
{
    return write_tmp_n(text, strlen(text));
}

#endif
