/* SPDX-License-Identifier: Apache-2.0 */
/*
 * moments.c: Welford's streaming mean and sum of squared deviations (Welford 1962) over values
 * shifted by the first one, and the pairwise merge of Chan, Golub and LeVeque (1979), over finite
 * values; NaN, +inf, -inf and nulls are only counted. When a difference of two finite doubles
 * overflows (a spread beyond DBL_MAX), the state falls back to unshifted values with the mean
 * updated in a scaled form that cannot overflow, and m2 saturates at +inf.
 */
#include "stats/moments.h"

#include <math.h>

#include "stats/sketch_io.h"

void fl_moments_init(struct fl_moments *m)
{
    m->count = 0;
    m->shift = 0;
    m->mean_shifted = 0;
    m->m2 = 0;
    m->min = NAN;
    m->max = NAN;
    m->n_null = m->n_nan = m->n_pos_inf = m->n_neg_inf = 0;
}

uint64_t fl_moments_total(const struct fl_moments *m)
{
    return m->count + m->n_null + m->n_nan + m->n_pos_inf + m->n_neg_inf;
}

fl_err fl_moments_update(struct fl_moments *m, double v)
{
    if (fl_moments_total(m) == UINT64_MAX)
        return FL_ELIMIT;
    if (isnan(v)) {
        m->n_nan++;
        return FL_OK;
    }
    if (isinf(v)) {
        if (v > 0)
            m->n_pos_inf++;
        else
            m->n_neg_inf++;
        return FL_OK;
    }
    uint64_t n = ++m->count;
    if (n == 1) {
        m->shift = m->min = m->max = v;
        m->mean_shifted = m->m2 = 0;
        return FL_OK;
    }
    double dn = (double)n, x = v - m->shift, d = x - m->mean_shifted;
    if (isfinite(d)) {
        m->mean_shifted += d / dn;
        m->m2 += d * (x - m->mean_shifted);
    } else {
        double mean = m->shift + m->mean_shifted;
        m->shift = 0;
        m->mean_shifted = mean + (v / dn - mean / dn); /* no overflow */
        m->m2 = INFINITY;
    }
    if (v < m->min)
        m->min = v;
    if (v > m->max)
        m->max = v;
    return FL_OK;
}

fl_err fl_moments_update_null(struct fl_moments *m)
{
    if (fl_moments_total(m) == UINT64_MAX)
        return FL_ELIMIT;
    m->n_null++;
    return FL_OK;
}

fl_err fl_moments_merge(struct fl_moments *dst, const struct fl_moments *src)
{
    uint64_t ta = fl_moments_total(dst), tb = fl_moments_total(src);
    if (tb > UINT64_MAX - ta)
        return FL_ELIMIT;
    struct fl_moments a = *dst, b = *src, r = a;
    r.n_null = a.n_null + b.n_null;
    r.n_nan = a.n_nan + b.n_nan;
    r.n_pos_inf = a.n_pos_inf + b.n_pos_inf;
    r.n_neg_inf = a.n_neg_inf + b.n_neg_inf;
    if (b.count > 0 && a.count == 0) {
        r.count = b.count;
        r.shift = b.shift;
        r.mean_shifted = b.mean_shifted;
        r.m2 = b.m2;
        r.min = b.min;
        r.max = b.max;
    } else if (b.count > 0) {
        r.count = a.count + b.count;
        double na = (double)a.count, nb = (double)b.count, n = (double)r.count;
        /* mean_b - mean_a, keeping a's shift */
        double delta = (b.shift - a.shift) + (b.mean_shifted - a.mean_shifted);
        if (isfinite(delta)) {
            r.mean_shifted = a.mean_shifted + delta * (nb / n);
            r.m2 = a.m2 + b.m2 + delta * delta * (na * (nb / n));
        } else {
            r.shift = 0;
            r.mean_shifted = fl_moments_mean(&a) * (na / n) + fl_moments_mean(&b) * (nb / n);
            r.m2 = INFINITY;
        }
        r.min = b.min < a.min ? b.min : a.min;
        r.max = b.max > a.max ? b.max : a.max;
    }
    *dst = r;
    return FL_OK;
}

double fl_moments_mean(const struct fl_moments *m)
{
    return m->count ? m->shift + m->mean_shifted : NAN;
}

double fl_moments_variance(const struct fl_moments *m, unsigned ddof)
{
    if (m->count <= ddof)
        return NAN;
    return m->m2 / (double)(m->count - ddof);
}

double fl_moments_stddev(const struct fl_moments *m, unsigned ddof)
{
    return sqrt(fl_moments_variance(m, ddof));
}

fl_err fl_moments_serialize(const struct fl_moments *m, struct fl_buf *out)
{
    if (!m || !out)
        return FL_EINVAL;
    fl_err e = fl_buf_reserve(out, FL_MOMENTS_SERIALIZED_SIZE);
    if (e)
        return e;
    fl_sketch_put_header(out, FL_SKETCH_MOMENTS);
    fl_sketch_put_u64(out, m->count);
    fl_sketch_put_u64(out, m->n_null);
    fl_sketch_put_u64(out, m->n_nan);
    fl_sketch_put_u64(out, m->n_pos_inf);
    fl_sketch_put_u64(out, m->n_neg_inf);
    fl_sketch_put_f64(out, m->shift);
    fl_sketch_put_f64(out, m->mean_shifted);
    fl_sketch_put_f64(out, m->m2);
    fl_sketch_put_f64(out, m->min);
    fl_sketch_put_f64(out, m->max);
    return fl_buf_err(out);
}

static fl_err read_counts(struct fl_sketch_reader *r, struct fl_moments *m)
{
    static const char *const names[] = {"count", "n_null", "n_nan", "n_pos_inf", "n_neg_inf"};
    uint64_t *dst[] = {&m->count, &m->n_null, &m->n_nan, &m->n_pos_inf, &m->n_neg_inf};
    uint64_t total = 0;
    fl_err e;
    for (size_t i = 0; i < 5; i++) {
        if ((e = fl_sketch_get_u64(r, names[i], dst[i])))
            return e;
        if (*dst[i] > UINT64_MAX - total)
            return fl_sketch_fail(r, names[i], "total count overflows 64 bits");
        total += *dst[i];
    }
    return FL_OK;
}

static fl_err check_values(struct fl_sketch_reader *r, const struct fl_moments *m)
{
    if (m->count == 0) {
        if (m->shift != 0 || m->mean_shifted != 0 || m->m2 != 0 || !isnan(m->min) || !isnan(m->max))
            return fl_sketch_fail(r, "mean_shifted",
                                  "no finite values, but shift/mean_shifted/"
                                  "m2 are not 0 or min/max are not NaN");
        return FL_OK;
    }
    if (!isfinite(m->shift) || !isfinite(m->mean_shifted) || !isfinite(fl_moments_mean(m)))
        return fl_sketch_fail(r, "mean_shifted", "shift %g, mean_shifted %g: mean not finite",
                              m->shift, m->mean_shifted);
    if (isnan(m->m2) || m->m2 < 0)
        return fl_sketch_fail(r, "m2", "m2 %g is negative or NaN", m->m2);
    if (!isfinite(m->min) || !isfinite(m->max) || m->min > m->max)
        return fl_sketch_fail(r, "max", "min %g, max %g: not finite or min > max", m->min, m->max);
    if (m->count == 1 &&
        (m->m2 != 0 || m->mean_shifted != 0 || m->min != m->max || m->shift != m->min))
        return fl_sketch_fail(r, "max",
                              "one value, but m2 or mean_shifted is not 0 or shift, "
                              "min, max differ");
    return FL_OK;
}

fl_err fl_moments_deserialize(const void *p, size_t len, struct fl_moments *out, struct fl_diag *d)
{
    struct fl_sketch_reader r;
    struct fl_moments m;
    fl_err e;
    if (!out)
        return FL_EINVAL;
    fl_sketch_reader_init(&r, p, len, "moments", d);
    if ((e = fl_sketch_get_header(&r, FL_SKETCH_MOMENTS)) || (e = read_counts(&r, &m)) ||
        (e = fl_sketch_get_f64(&r, "shift", &m.shift)) ||
        (e = fl_sketch_get_f64(&r, "mean_shifted", &m.mean_shifted)) ||
        (e = fl_sketch_get_f64(&r, "m2", &m.m2)) || (e = fl_sketch_get_f64(&r, "min", &m.min)) ||
        (e = fl_sketch_get_f64(&r, "max", &m.max)) || (e = fl_sketch_reader_end(&r)) ||
        (e = check_values(&r, &m)))
        return e;
    *out = m;
    return FL_OK;
}
