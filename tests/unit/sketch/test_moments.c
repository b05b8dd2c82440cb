// SPDX-License-Identifier: Apache-2.0
/*
 * test_moments.c: streaming moments against exact rational results (Python's statistics module)
 * and numpy (mean, var with ddof 0 and 1, min, max), the Chan et al. merge against a single pass,
 * null/NaN/inf counts kept apart, overflowing values, count limits, serialization round trips
 * and hostile bytes.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "stats/moments.h"
#include "stats/sketch_io.h"

#include "golden/sketch_golden.h"
#include "sketch_util.h"

static int close_rel(double got, double want, double rtol)
{
    if (isnan(want))
        return isnan(got);
    return fabs(got - want) <= rtol * fabs(want) || got == want;
}

static void feed(struct fl_moments *m, const struct g_data *d, unsigned long from, unsigned long to)
{
    struct lcg g = {d->seed};
    for (unsigned long i = 0; i < to; i++) {
        double v = lcg_value(&g, d->scale, d->shift, d->ints);
        if (i >= from)
            cr_assert_eq(fl_moments_update(m, v), FL_OK);
    }
}

Test(moments, match_exact_values_and_numpy)
{
    for (size_t c = 0; c < N_OF(g_moments); c++) {
        const struct g_data *d = &g_moments[c].d;
        struct fl_moments m;
        fl_moments_init(&m);
        feed(&m, d, 0, d->n);
        /* offset_1e9 (1e9 + [0, 1e-3)) needs the shift: plain Welford is off by 1.5e-4 there. The
         * golden mean and variances are exact (correctly rounded). */
        double vtol = 1e-12;
        cr_expect_eq(m.count, d->n);
        /* The mean to rounding relative to the data's scale (|mean| + standard deviation). */
        double scale = fabs(g_moments[c].mean) + sqrt(g_moments[c].var0);
        cr_expect(fabs(fl_moments_mean(&m) - g_moments[c].mean) <= 1e-13 * scale,
                  "%s: mean %.17g, numpy %.17g", d->name, fl_moments_mean(&m), g_moments[c].mean);
        cr_expect(close_rel(fl_moments_variance(&m, 0), g_moments[c].var0, vtol),
                  "%s: var %.17g, numpy %.17g", d->name, fl_moments_variance(&m, 0),
                  g_moments[c].var0);
        cr_expect(close_rel(fl_moments_variance(&m, 1), g_moments[c].var1, vtol),
                  "%s: var ddof 1 %.17g, numpy %.17g", d->name, fl_moments_variance(&m, 1),
                  g_moments[c].var1);
        cr_expect(close_rel(fl_moments_stddev(&m, 1), sqrt(g_moments[c].var1), vtol));
        cr_expect_eq(m.min, g_moments[c].min, "%s", d->name);
        cr_expect_eq(m.max, g_moments[c].max, "%s", d->name);
        /* numpy itself: its two-pass var is off by 1.4e-7 relative on offset_1e9. */
        cr_expect(fabs(fl_moments_mean(&m) - g_moments[c].np_mean) <= 1e-13 * scale);
        cr_expect(close_rel(fl_moments_variance(&m, 0), g_moments[c].np_var0, 2e-7), "%s: numpy",
                  d->name);
    }
}

Test(moments, merge_matches_a_single_pass)
{
    for (size_t c = 0; c < N_OF(g_moments); c++) {
        const struct g_data *d = &g_moments[c].d;
        struct fl_moments whole, a, b, ab, ba;
        fl_moments_init(&whole);
        fl_moments_init(&a);
        fl_moments_init(&b);
        feed(&whole, d, 0, d->n);
        feed(&a, d, 0, d->n / 3);
        feed(&b, d, d->n / 3, d->n);
        ab = a;
        ba = b;
        cr_assert_eq(fl_moments_merge(&ab, &b), FL_OK);
        cr_assert_eq(fl_moments_merge(&ba, &a), FL_OK);
        double vtol = 1e-12;
        const struct fl_moments *r[] = {&ab, &ba};
        for (int i = 0; i < 2; i++) {
            /* Counts, min and max exactly; mean and m2 to rounding. */
            cr_expect_eq(r[i]->count, whole.count, "%s", d->name);
            cr_expect_eq(r[i]->min, whole.min, "%s", d->name);
            cr_expect_eq(r[i]->max, whole.max, "%s", d->name);
            double spread = sqrt(fl_moments_variance(&whole, 0)) + fabs(fl_moments_mean(&whole));
            cr_expect(fabs(fl_moments_mean(r[i]) - fl_moments_mean(&whole)) <= 1e-13 * spread,
                      "%s: %.17g vs %.17g", d->name, fl_moments_mean(r[i]),
                      fl_moments_mean(&whole));
            cr_expect(close_rel(r[i]->m2, whole.m2, vtol), "%s: m2 %.17g vs %.17g", d->name,
                      r[i]->m2, whole.m2);
        }
    }
}

Test(moments, many_way_merge_in_any_order)
{
    const size_t n = 100000, parts = 16;
    double *v = gen_values(D_NORMAL, n, 3);
    struct fl_moments whole, part[16], fwd, rev;
    fl_moments_init(&whole);
    fl_moments_init(&fwd);
    fl_moments_init(&rev);
    for (size_t p = 0; p < parts; p++)
        fl_moments_init(&part[p]);
    for (size_t i = 0; i < n; i++) {
        double x = v[i] * 1e3 + 42;
        cr_assert_eq(fl_moments_update(&whole, x), FL_OK);
        cr_assert_eq(fl_moments_update(&part[(i * 7) % parts], x), FL_OK);
        if (i % 11 == 0)
            cr_assert_eq(fl_moments_update_null(&part[i % parts]), FL_OK);
    }
    for (size_t p = 0; p < parts; p++) {
        cr_assert_eq(fl_moments_merge(&fwd, &part[p]), FL_OK);
        cr_assert_eq(fl_moments_merge(&rev, &part[parts - 1 - p]), FL_OK);
    }
    cr_expect_eq(fwd.count, n);
    cr_expect_eq(fwd.n_null, rev.n_null);
    cr_expect_eq(fwd.n_null, (n + 10) / 11);
    cr_expect(fwd.min == whole.min && rev.min == whole.min);
    cr_expect(fwd.max == whole.max && rev.max == whole.max);
    double tol = 1e-14 * sqrt(fl_moments_variance(&whole, 0));
    cr_expect(fabs(fl_moments_mean(&fwd) - fl_moments_mean(&whole)) <= tol);
    cr_expect(fabs(fl_moments_mean(&rev) - fl_moments_mean(&whole)) <= tol);
    cr_expect(close_rel(fwd.m2, whole.m2, 1e-12) && close_rel(rev.m2, whole.m2, 1e-12),
              "%.17g %.17g %.17g", fwd.m2, rev.m2, whole.m2);
    fl_free(v);
}

Test(moments, special_values_are_counted_apart)
{
    struct fl_moments m;
    fl_moments_init(&m);
    double v[] = {1, NAN, INFINITY, 3, -INFINITY, -NAN, INFINITY, 2};
    for (size_t i = 0; i < N_OF(v); i++)
        cr_assert_eq(fl_moments_update(&m, v[i]), FL_OK);
    cr_assert_eq(fl_moments_update_null(&m), FL_OK);
    cr_expect_eq(m.count, 3);
    cr_expect_eq(m.n_nan, 2);
    cr_expect_eq(m.n_pos_inf, 2);
    cr_expect_eq(m.n_neg_inf, 1);
    cr_expect_eq(m.n_null, 1);
    cr_expect_eq(fl_moments_total(&m), 9);
    cr_expect_eq(fl_moments_mean(&m), 2.0);
    cr_expect_eq(fl_moments_variance(&m, 1), 1.0);
    cr_expect_eq(m.min, 1.0);
    cr_expect_eq(m.max, 3.0);
    /* Only specials: no finite statistics. */
    struct fl_moments s;
    fl_moments_init(&s);
    cr_assert_eq(fl_moments_update(&s, NAN), FL_OK);
    cr_assert_eq(fl_moments_update_null(&s), FL_OK);
    cr_expect_eq(s.count, 0);
    cr_expect(isnan(s.min) && isnan(s.max) && isnan(fl_moments_mean(&s)));
    cr_expect(isnan(fl_moments_variance(&s, 0)));
    cr_assert_eq(fl_moments_merge(&s, &m), FL_OK);
    cr_expect(s.count == 3 && fl_moments_mean(&s) == 2.0 && s.n_nan == 3 && s.n_null == 2);
}

Test(moments, huge_values_never_produce_nan)
{
    struct fl_moments m, n;
    fl_moments_init(&m);
    fl_moments_init(&n);
    double v[] = {1e308, -1e308, 1.7e308, -1.7e308, 5};
    for (size_t i = 0; i < N_OF(v); i++)
        cr_assert_eq(fl_moments_update(&m, v[i]), FL_OK);
    cr_expect(isfinite(fl_moments_mean(&m)), "mean %g", fl_moments_mean(&m));
    cr_expect(fabs(fl_moments_mean(&m)) < 1e300);
    cr_expect_eq(m.m2, INFINITY);
    cr_expect_eq(fl_moments_variance(&m, 1), INFINITY);
    cr_assert_eq(fl_moments_update(&n, -1.7e308), FL_OK);
    struct fl_moments far = {0};
    fl_moments_init(&far);
    cr_assert_eq(fl_moments_update(&far, 1.7e308), FL_OK);
    cr_assert_eq(fl_moments_merge(&n, &far), FL_OK); /* delta overflows */
    cr_expect(isfinite(fl_moments_mean(&n)) && n.m2 == INFINITY, "mean %g m2 %g",
              fl_moments_mean(&n), n.m2);
    /* Such states serialize and read back. */
    struct fl_buf b;
    fl_buf_init(&b, 1024);
    cr_assert_eq(fl_moments_serialize(&n, &b), FL_OK);
    struct fl_moments back;
    cr_expect_eq(fl_moments_deserialize(b.data, b.len, &back, NULL), FL_OK);
    cr_expect(back.m2 == INFINITY && fl_moments_mean(&back) == fl_moments_mean(&n));
    fl_buf_cleanup(&b);
}

Test(moments, counts_stop_at_64_bits)
{
    struct fl_moments m, big;
    fl_moments_init(&m);
    fl_moments_init(&big);
    big.n_null = UINT64_MAX - 1;
    cr_expect_eq(fl_moments_update_null(&big), FL_OK);
    cr_expect_eq(fl_moments_update_null(&big), FL_ELIMIT);
    cr_expect_eq(fl_moments_update(&big, 1.0), FL_ELIMIT);
    cr_expect_eq(big.count, 0);
    cr_assert_eq(fl_moments_update(&m, 1.0), FL_OK);
    struct fl_moments before = m;
    cr_expect_eq(fl_moments_merge(&m, &big), FL_ELIMIT);
    cr_expect(memcmp(&m, &before, sizeof m) == 0, "a refused merge changes nothing");
}

static struct fl_buf mom_bytes(const struct fl_moments *m)
{
    struct fl_buf b;
    fl_buf_init(&b, 1024);
    cr_assert_eq(fl_moments_serialize(m, &b), FL_OK);
    cr_assert_eq(b.len, FL_MOMENTS_SERIALIZED_SIZE);
    return b;
}

Test(moments, round_trip_is_byte_exact)
{
    struct fl_moments m[3];
    for (int i = 0; i < 3; i++)
        fl_moments_init(&m[i]);
    cr_assert_eq(fl_moments_update(&m[1], 7.25), FL_OK);
    double v[] = {1, 2, NAN, INFINITY, -INFINITY, 1e-300, -3.5};
    for (size_t i = 0; i < N_OF(v); i++)
        cr_assert_eq(fl_moments_update(&m[2], v[i]), FL_OK);
    cr_assert_eq(fl_moments_update_null(&m[2]), FL_OK);
    for (int i = 0; i < 3; i++) {
        struct fl_buf b = mom_bytes(&m[i]), b2;
        struct fl_moments back;
        cr_assert_eq(fl_moments_deserialize(b.data, b.len, &back, NULL), FL_OK, "case %d", i);
        b2 = mom_bytes(&back);
        cr_expect(memcmp(b.data, b2.data, b.len) == 0, "case %d", i);
        cr_expect_eq(back.count, m[i].count);
        cr_expect_eq(fl_moments_total(&back), fl_moments_total(&m[i]));
        cr_expect_eq(b.data[0], FL_SKETCH_FORMAT_VERSION);
        cr_expect_eq(b.data[1], FL_SKETCH_MOMENTS);
        fl_buf_cleanup(&b);
        fl_buf_cleanup(&b2);
    }
}

static void set_u64(char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (char)(v >> (8 * i));
}

static void set_f64(char *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    set_u64(p, bits);
}

Test(moments, hostile_bytes_are_rejected)
{
    struct fl_moments m, empty, one, back;
    fl_moments_init(&m);
    fl_moments_init(&empty);
    fl_moments_init(&one);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(fl_moments_update(&m, i), FL_OK);
    cr_assert_eq(fl_moments_update(&one, 4), FL_OK);
    struct fl_buf good = mom_bytes(&m), eb = mom_bytes(&empty), ob = mom_bytes(&one);
    for (size_t len = 0; len < good.len; len++) {
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_moments_deserialize(good.data, len, &back, &d), FL_EINVAL);
        cr_expect(d.msg[0] && strncmp(d.field, "moments.", 8) == 0, "len %zu", len);
    }
    /* offsets: 2 count, 10 n_null, 18 n_nan, 26 +inf, 34 -inf, 42 shift, 50 mean_shifted,
     * 58 m2, 66 min, 74 max */
    static const struct {
        int base;
        const char *what, *field;
    } t[] = {
        {0, "version", "moments.version"},
        {0, "type", "moments.type"},
        {0, "overflow", "moments.n_neg_inf"},
        {0, "nan_mean", "moments.mean_shifted"},
        {0, "inf_mean", "moments.mean_shifted"},
        {0, "neg_m2", "moments.m2"},
        {0, "nan_m2", "moments.m2"},
        {0, "min_gt_max", "moments.max"},
        {0, "inf_max", "moments.max"},
        {1, "empty_mean", "moments.mean_shifted"},
        {1, "empty_min", "moments.mean_shifted"},
        {2, "one_m2", "moments.max"},
        {2, "one_minmax", "moments.max"},
        {0, "trailing", "moments.end"},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        const struct fl_buf *src = t[i].base == 0 ? &good : (t[i].base == 1 ? &eb : &ob);
        char p[FL_MOMENTS_SERIALIZED_SIZE + 1] = {0};
        size_t len = FL_MOMENTS_SERIALIZED_SIZE;
        memcpy(p, src->data, len);
        const char *w = t[i].what;
        if (!strcmp(w, "version"))
            p[0] = 9;
        else if (!strcmp(w, "type"))
            p[1] = FL_SKETCH_FREQ;
        else if (!strcmp(w, "overflow"))
            set_u64(p + 34, UINT64_MAX - 5);
        else if (!strcmp(w, "nan_mean"))
            set_f64(p + 42, NAN);
        else if (!strcmp(w, "inf_mean"))
            set_f64(p + 50, INFINITY);
        else if (!strcmp(w, "neg_m2"))
            set_f64(p + 58, -1);
        else if (!strcmp(w, "nan_m2"))
            set_f64(p + 58, NAN);
        else if (!strcmp(w, "min_gt_max"))
            set_f64(p + 66, 100);
        else if (!strcmp(w, "inf_max"))
            set_f64(p + 74, INFINITY);
        else if (!strcmp(w, "empty_mean"))
            set_f64(p + 50, 1);
        else if (!strcmp(w, "empty_min"))
            set_f64(p + 66, 0);
        else if (!strcmp(w, "one_m2"))
            set_f64(p + 58, 0.5);
        else if (!strcmp(w, "one_minmax"))
            set_f64(p + 74, 5);
        else if (!strcmp(w, "trailing"))
            len++;
        struct fl_diag d;
        fl_diag_init(&d);
        struct fl_moments out;
        fl_moments_init(&out);
        out.count = 12345;
        cr_expect_eq(fl_moments_deserialize(p, len, &out, &d), FL_EINVAL, "%s", w);
        cr_expect_str_eq(d.field, t[i].field, "%s: %s", w, d.msg);
        cr_expect_eq(out.count, 12345, "%s: output untouched", w);
    }
    fl_buf_cleanup(&good);
    fl_buf_cleanup(&eb);
    fl_buf_cleanup(&ob);
}
