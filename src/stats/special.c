/* SPDX-License-Identifier: Apache-2.0 */
/*
 * special.c: special functions for the statistical tests (see special.h for the list).
 *
 * Algorithms, re-derived and written here: log-gamma by the Lanczos approximation (g = 7, 9 terms)
 * with the reflection formula below 1/2; incomplete gamma by the power series for x < a + 1 and
 * the modified-Lentz continued fraction otherwise; incomplete beta by its continued fraction with
 * the symmetry I_x(a,b) = 1 - I_{1-x}(b,a); the Kolmogorov series in its Jacobi-theta form for
 * small arguments; the exact Smirnov two-sample probability by Hodges' lattice-path method.
 */
#include "stats/special.h"

#include <float.h>
#include <math.h>

#include "core/alloc.h"

#define SPECIAL_EPS (DBL_EPSILON / 2)
#define SPECIAL_TINY 1e-300
#define SPECIAL_MAXITER 10000

static const double lanczos_coef[9] = {
    0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
    771.32342877765313,   -176.61502916214059,   12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
};

double fl_special_lgamma(double x)
{
    if (isnan(x) || x <= 0)
        return NAN;
    if (isinf(x))
        return INFINITY;
    if (x < 0.5) /* reflection: Gamma(x) Gamma(1-x) = pi / sin(pi x) */
        return log(M_PI / sin(M_PI * x)) - fl_special_lgamma(1.0 - x);
    double z = x - 1.0;
    double sum = lanczos_coef[0];
    for (int i = 1; i < 9; i++)
        sum += lanczos_coef[i] / (z + i);
    double t = z + 7.5;
    return 0.5 * log(2 * M_PI) + (z + 0.5) * log(t) - t + log(sum);
}

/* exp(-x + a log x - lgamma(a)): the common prefactor of P and Q. */
static double gamma_prefactor(double a, double x)
{
    return exp(-x + a * log(x) - fl_special_lgamma(a));
}

static double gamma_series_p(double a, double x)
{
    double ap = a, del = 1.0 / a, sum = del;
    for (int i = 0; i < SPECIAL_MAXITER; i++) {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if (fabs(del) < fabs(sum) * SPECIAL_EPS)
            break;
    }
    return sum * gamma_prefactor(a, x);
}

static double gamma_cf_q(double a, double x)
{
    double b = x + 1.0 - a, c = 1.0 / SPECIAL_TINY, d = 1.0 / b, h = d;
    for (int i = 1; i < SPECIAL_MAXITER; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < SPECIAL_TINY)
            d = SPECIAL_TINY;
        c = b + an / c;
        if (fabs(c) < SPECIAL_TINY)
            c = SPECIAL_TINY;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < SPECIAL_EPS)
            break;
    }
    return gamma_prefactor(a, x) * h;
}

double fl_special_gammainc(double a, double x)
{
    if (isnan(a) || isnan(x) || a <= 0 || x < 0)
        return NAN;
    if (x == 0)
        return 0.0;
    if (isinf(x))
        return 1.0;
    return x < a + 1.0 ? gamma_series_p(a, x) : 1.0 - gamma_cf_q(a, x);
}

double fl_special_gammaincc(double a, double x)
{
    if (isnan(a) || isnan(x) || a <= 0 || x < 0)
        return NAN;
    if (x == 0)
        return 1.0;
    if (isinf(x))
        return 0.0;
    return x < a + 1.0 ? 1.0 - gamma_series_p(a, x) : gamma_cf_q(a, x);
}

static double fix_tiny(double v)
{
    return fabs(v) < SPECIAL_TINY ? SPECIAL_TINY : v;
}

static double beta_cf(double a, double b, double x)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 / fix_tiny(1.0 - qab * x / qap), h = d;
    for (int m = 1; m < SPECIAL_MAXITER; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix_tiny(1.0 + aa * d);
        c = fix_tiny(1.0 + aa / c);
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix_tiny(1.0 + aa * d);
        c = fix_tiny(1.0 + aa / c);
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < SPECIAL_EPS)
            break;
    }
    return h;
}

double fl_special_betainc(double a, double b, double x)
{
    if (isnan(a) || isnan(b) || isnan(x) || a <= 0 || b <= 0 || x < 0 || x > 1)
        return NAN;
    if (x == 0 || x == 1)
        return x;
    double lbt = fl_special_lgamma(a + b) - fl_special_lgamma(a) - fl_special_lgamma(b) +
                 a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1.0) / (a + b + 2.0))
        return bt * beta_cf(a, b, x) / a;
    return 1.0 - bt * beta_cf(b, a, 1.0 - x) / b;
}

double fl_special_kolmogorov(double y)
{
    if (isnan(y))
        return NAN;
    if (y <= 0)
        return 1.0;
    if (y < 1.0) {
        /* CDF = sqrt(2 pi) / y * sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 y^2)): converges fast here. */
        double w = -M_PI * M_PI / (8.0 * y * y), sum = 0.0;
        for (int k = 1; k < 100; k++) {
            double t = exp(w * (2 * k - 1) * (2 * k - 1));
            sum += t;
            if (t <= sum * SPECIAL_EPS)
                break;
        }
        return 1.0 - sqrt(2 * M_PI) / y * sum;
    }
    double sum = 0.0, sign = 1.0;
    for (int k = 1; k < 100; k++) {
        double t = exp(-2.0 * k * k * y * y);
        sum += sign * t;
        if (t <= fabs(sum) * SPECIAL_EPS)
            break;
        sign = -sign;
    }
    return 2.0 * sum;
}

/* Pr(D_{n,n} >= h/n): 2 * sum_k (-1)^(k-1) C(2n, n-kh) / C(2n, n), Horner-nested so that no
 * binomial is formed and no cancellation occurs. */
static double ks2_square(int64_t n, int64_t h)
{
    double p = 0.0;
    for (int64_t k = n / h; k >= 0; k--) {
        double p1 = 1.0;
        for (int64_t j = 0; j < h; j++)
            p1 = (double)(n - k * h - j) * p1 / (double)(n + k * h + j + 1);
        p = p1 * (1.0 - p);
    }
    return 2.0 * p;
}

static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b) /* b > 0 */
{
    return -floor_div(-a, b);
}

/*
 * Inside method, m >= n: walk the lattice column by column, keeping only the window of rows
 * with |x/m - y/n| < h/lcm, and carry 1 - (share of paths still inside) so the answer needs no
 * huge binomial (Viehmann's recursion). col holds n + 1 doubles.
 */
static double ks2_inside(int64_t m, int64_t n, int64_t g, int64_t h, double *col)
{
    int64_t mg = m / g, ng = n / g;
    int64_t minj = 0, maxj = ceil_div(h, mg);
    if (maxj > n + 1)
        maxj = n + 1;
    int64_t curlen = maxj - minj;
    for (int64_t j = 0; j <= n; j++)
        col[j] = j < maxj ? 0.0 : 1.0;
    for (int64_t i = 1; i <= m; i++) {
        int64_t lastminj = minj, lastlen = curlen;
        minj = floor_div(ng * i - h, mg) + 1;
        if (minj < 0)
            minj = 0;
        if (minj > n)
            minj = n;
        maxj = ceil_div(ng * i + h, mg);
        if (maxj > n + 1)
            maxj = n + 1;
        if (maxj <= minj)
            return 1.0;
        double val = minj == 0 ? 0.0 : 1.0;
        for (int64_t jj = 0; jj < maxj - minj; jj++) {
            int64_t j = jj + minj;
            val = (col[jj + minj - lastminj] * (double)i + val * (double)j) / (double)(i + j);
            col[jj] = val;
        }
        curlen = maxj - minj;
        for (int64_t k = curlen; k < lastlen && k <= n; k++)
            col[k] = 1.0;
    }
    return col[maxj - minj - 1];
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

fl_err fl_special_ks2_exact_sf(int64_t m, int64_t n, int64_t g, int64_t h, double *out)
{
    if (!out)
        return FL_EINVAL;
    *out = NAN;
    if (m < 1 || n < 1 || g != gcd64(m, n) || h < 0 || m / g > INT64_MAX / n || h > (m / g) * n)
        return FL_OK;
    if (h == 0) {
        *out = 1.0;
        return FL_OK;
    }
    if (m == n) {
        *out = ks2_square(n, h);
        return FL_OK;
    }
    if (m < n) {
        int64_t t = m;
        m = n;
        n = t;
    }
    if ((uint64_t)n + 1 > SIZE_MAX / sizeof(double))
        return FL_ENOMEM;
    double *col = fl_malloc((size_t)(n + 1) * sizeof *col);
    if (!col)
        return FL_ENOMEM;
    *out = ks2_inside(m, n, g, h, col);
    fl_free(col);
    return FL_OK;
}

static double log_beta(double a, double b)
{
    return fl_special_lgamma(a) + fl_special_lgamma(b) - fl_special_lgamma(a + b);
}

double fl_special_betabinom_sf(size_t k, size_t m, double a, double b)
{
    if (!(a > 0) || !(b > 0) || isinf(a) || isinf(b))
        return NAN;
    if (k == 0)
        return 1;
    if (k > m)
        return 0;
    double lb = log_beta(a, b), lm = fl_special_lgamma((double)m + 1), p = 0;
    for (size_t i = k; i <= m; i++) {
        double lc = lm - fl_special_lgamma((double)i + 1) - fl_special_lgamma((double)(m - i) + 1);
        p += exp(lc + log_beta((double)i + a, (double)(m - i) + b) - lb);
    }
    return p > 1 ? 1 : p;
}
