/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kolmogn.c: the finite-n one-sample Kolmogorov-Smirnov distributions that SciPy's asymptotic
 * two-sample p-value is built on: the two-sided D_n (scipy.stats.kstwo, following the method
 * selection of Simard & L'Ecuyer 2011) and the one-sided D_n+ (scipy.special.smirnov).
 *
 * Pieces, written here from the papers: the Durbin matrix with the Marsaglia-Tsang-Wang scaling
 * (Durbin 1968; Marsaglia, Tsang & Wang 2003), the Pomeranz recursion (Pomeranz 1974), the
 * Pelz-Good asymptotic series (Pelz & Good 1976), the Ruben-Gambino closed forms at the ends,
 * and the Birnbaum-Tingey sum for D_n+ (evaluated in logarithms; Miller's approximation
 * exp(-(6nx+1)^2/(18n)) above n = 10^6, the same cut-over SciPy uses).
 */
#include "stats/kolmogn.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"

#define KN_E128 128
#define KN_P128 0x1p128
#define KN_M128 0x1p-128
#define KN_MIN_LOG (-708.0)
#define KN_CEPHES_MINLOG (-7.08396418532264106224e2)
#define KN_SMIRNOV_MAX_N 1000000

static double clip01(double p)
{
    return p < 0 ? 0 : (p > 1 ? 1 : p);
}

double fl_kolmogn_smirnov_sf(int64_t n, double x)
{
    if (isnan(x) || n < 1 || x < 0 || x > 1)
        return NAN;
    if (n == 1)
        return 1.0 - x;
    if (x == 0)
        return 1.0;
    if (x == 1)
        return 0.0;
    double dn = (double)n, nx = dn * x, nxfl = floor(nx);
    if (nxfl == 0 || (nxfl == 1 && nx == 1))
        return 1.0 - x * pow(1.0 + x, dn - 1);
    if (-2.0 * dn * x * x < KN_CEPHES_MINLOG)
        return 0.0;
    if (nxfl >= dn - 1)
        return pow(1.0 - x, dn);
    if (n > KN_SMIRNOV_MAX_N) {
        double logp = -pow(6.0 * nx + 1.0, 2) / 18.0 / dn;
        return logp < -M_LN2 ? exp(logp) : 1.0 + expm1(logp);
    }
    /* Birnbaum-Tingey: sf = x * sum_{j: j < n(1-x)} C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1). */
    double logc = 0.0, sum = 0.0, log_n = log(dn);
    int64_t last = (int64_t)ceil(dn - nx) - 1; /* largest j with n - j - nx > 0 */
    for (int64_t j = 0; j <= last; j++) {
        double a = dn - (double)j - nx, b = nx + (double)j;
        double lt = logc + (dn - (double)j) * (log(a) - log_n) + ((double)j - 1) * (log(b) - log_n);
        double t = exp(lt);
        sum += t;
        if (t > 0 && 4.0 * (double)(last - j + 1) * t < DBL_EPSILON * sum && j != last &&
            (double)j > nx)
            break;
        logc += log((dn - (double)j) / ((double)j + 1.0));
    }
    return clip01(x * sum);
}

/* log(n! / n^n) by Stirling's series with n log n removed up front. */
static double log_nfact_div_npown(double n)
{
    static const double c[] = {-2.955065359477124183e-2,  6.4102564102564102564e-3,
                               -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                               -5.952380952380952381e-4,  7.9365079365079365079e-4,
                               -2.7777777777777777778e-3, 8.3333333333333333333e-2};
    double rn = 1.0 / n, r2 = rn / n, poly = 0.0;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        poly = poly * r2 + c[i];
    return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * poly;
}

static void matmul(const double *a, const double *b, double *out, int m)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            double s = 0.0;
            for (int k = 0; k < m; k++)
                s += a[i * m + k] * b[k * m + j];
            out[i * m + j] = s;
        }
}

/* Durbin matrix: Pr(D_n <= d) = n!/n^n * (H^n)[k,k], with d = (k - h)/n, scaled by 2^128 steps. */
static fl_err cdf_durbin(int64_t n, double d, double *out)
{
    if (d >= 1.0) {
        *out = 1.0;
        return FL_OK;
    }
    double nd = (double)n * d;
    if (nd <= 0.5) {
        *out = 0.0;
        return FL_OK;
    }
    int k = (int)ceil(nd), m = 2 * k - 1;
    double h = k - nd;
    size_t mm = (size_t)m * (size_t)m;
    double *buf = fl_calloc(4 * mm + 2 * (size_t)m, sizeof *buf);
    if (!buf)
        return FL_ENOMEM;
    double *H = buf, *P = buf + mm, *T = buf + 2 * mm, *v = buf + 4 * mm, *w = v + m;
    double fac = 1.0;
    for (int j = 1; j <= m; j++) {
        w[j - 1] = fac;
        fac /= j;
        v[j - 1] = (1.0 - pow(h, j)) * fac;
    }
    double tt = pow(fmax(2 * h - 1.0, 0.0), m) - 2 * pow(h, m);
    v[m - 1] = (1.0 + tt) * fac;
    for (int i = 1; i < m; i++)
        for (int r = i - 1; r < m; r++)
            H[r * m + i] = w[r - (i - 1)];
    for (int r = 0; r < m; r++)
        H[r * m] = v[r];
    for (int c = 0; c < m; c++)
        H[(m - 1) * m + c] = v[m - 1 - c];
    for (int i = 0; i < m; i++)
        P[i * m + i] = 1.0;
    long expnt = 0, hexpnt = 0;
    for (int64_t nn = n; nn > 0; nn /= 2) {
        if (nn % 2) {
            matmul(P, H, T, m);
            memcpy(P, T, mm * sizeof *P);
            expnt += hexpnt;
        }
        matmul(H, H, T, m);
        memcpy(H, T, mm * sizeof *H);
        hexpnt *= 2;
        if (fabs(H[(k - 1) * m + (k - 1)]) > KN_P128) {
            for (size_t i = 0; i < mm; i++)
                H[i] *= KN_M128;
            hexpnt += KN_E128;
        }
    }
    double p = P[(k - 1) * m + (k - 1)];
    fl_free(buf);
    for (int64_t i = 1; i <= n; i++) {
        p = (double)i * p / (double)n;
        if (fabs(p) < KN_M128) {
            p *= KN_P128;
            expnt -= KN_E128;
        }
    }
    *out = clip01(expnt != 0 ? ldexp(p, (int)expnt) : p);
    return FL_OK;
}

static void pomeranz_j1j2(int64_t i, int64_t n, int64_t ll, int64_t ceilf, int64_t roundf,
                          int64_t *j1, int64_t *j2)
{
    int64_t a, b;
    if (i == 0) {
        a = -ll - ceilf - 1;
        b = ll + ceilf - 1;
    } else {
        int64_t q = (i + 1) / 2, r = (i + 1) % 2;
        if (r == 0) {
            if (q == n + 1) {
                a = n - ll - ceilf - 1;
                b = n + ll + ceilf - 1;
            } else {
                a = q - 1 - ll - roundf - 1;
                b = q + ll - 1 + ceilf - 1;
            }
        } else {
            a = q - 1 - ll - 1;
            b = q + ll + roundf - 1;
        }
    }
    *j1 = a + 2 > 0 ? a + 2 : 0;
    *j2 = b < n ? b : n;
}

/* Pomeranz recursion: two rows of a banded convolution with Poisson-like weights. Used for
 * n <= 140 only, so the rows (at most 2 * (floor(n d) + 1) <= 48 entries) live on the stack. */
#define KN_POM_CAP 64
static double cdf_pomeranz(int64_t n, double x)
{
    double t = (double)n * x;
    int64_t ll = (int64_t)floor(t);
    double f = t - (double)ll, g = fmin(f, 1.0 - f);
    int64_t ceilf = f > 0, roundf = f > 0.5, npw = 2 * (ll + 1);
    if (npw > KN_POM_CAP)
        return NAN;
    double gp[KN_POM_CAP], g2p[KN_POM_CAP], g12p[KN_POM_CAP];
    double r0[KN_POM_CAP] = {0}, r1[KN_POM_CAP] = {0};
    double *V0 = r0, *V1 = r1;
    gp[0] = g2p[0] = g12p[0] = 1.0;
    double a1 = g / n, a2 = 2 * g / n, a3 = (1 - 2 * g) / n;
    for (int64_t i = 1; i < npw; i++) {
        gp[i] = gp[i - 1] * a1 / i;
        g2p[i] = g2p[i - 1] * a2 / i;
        g12p[i] = g12p[i - 1] * a3 / i;
    }
    V1[0] = 1.0;
    int64_t V0s = 0, V1s = 0, j1, j2;
    long expnt = 0;
    pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
    for (int64_t i = 1; i < 2 * n + 2; i++) {
        int64_t k1 = j1;
        double *tmp = V0;
        V0 = V1;
        V1 = tmp;
        int64_t ts = V0s;
        V0s = V1s;
        V1s = ts;
        memset(V1, 0, sizeof r0);
        pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
        const double *pw = (i == 1 || i == 2 * n + 1) ? gp : (i % 2 ? g2p : g12p);
        int64_t ln2 = j2 - k1 + 1;
        if (ln2 <= 0)
            continue;
        int64_t off = k1 - V0s, alen = ln2;
        if (off < 0 || off >= npw)
            return NAN;
        if (off + alen > npw)
            alen = npw - off;
        int64_t cstart = j1 - k1, clen = j2 - j1 + 1;
        double vmax = 0.0;
        for (int64_t c = 0; c < clen; c++) {
            int64_t tt = cstart + c; /* index into the full convolution of V0[off..] and pw */
            double s = 0.0;
            for (int64_t q = 0; q < alen; q++)
                if (tt - q >= 0 && tt - q < ln2)
                    s += V0[off + q] * pw[tt - q];
            if (c < npw)
                V1[c] = s;
            if (s > vmax)
                vmax = s;
        }
        if (vmax > 0 && vmax < KN_M128) {
            for (int64_t c = 0; c < npw; c++)
                V1[c] *= KN_P128;
            expnt -= KN_E128;
        }
        V1s = V0s + j1 - k1;
    }
    int64_t idx = n - V1s;
    if (idx < 0 || idx >= npw)
        return NAN;
    double ans = V1[idx];
    for (int64_t m = 1; m <= n; m++) {
        if (fabs(ans) > KN_P128) {
            ans *= KN_M128;
            expnt += KN_E128;
        }
        ans *= (double)m;
    }
    return clip01(expnt != 0 ? ldexp(ans, (int)expnt) : ans);
}

/* Pelz-Good: K0 + K1/sqrt(n) + K2/n + K3/n^1.5 with theta-function forms for small z. */
static double cdf_pelz_good(int64_t n, double x)
{
    if (x <= 0)
        return 0.0;
    if (x >= 1)
        return 1.0;
    const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
    const double sqrt2pi = sqrt(2 * M_PI);
    double z = sqrt((double)n) * x, z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
    double qlog = -pi2 / 8 / z2;
    if (qlog < KN_MIN_LOG)
        return 0.0;
    double q = exp(qlog);
    double k1a = -z2, k1b = pi2 / 4;
    double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16;
    double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
    double k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * pow(z, 8);
    double K[4] = {0, 0, 0, 0};
    int64_t maxk = (int64_t)ceil(16 * z / M_PI);
    for (int64_t k = maxk; k > 0; k--) {
        double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
        double qp = pow(q, 8.0 * k);
        double c[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                       k3a + k3b * m2 + k3c * m4 + k3d * m6};
        for (int i = 0; i < 4; i++)
            K[i] = K[i] * qp + c[i];
    }
    double den[4] = {z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)};
    for (int i = 0; i < 4; i++)
        K[i] = K[i] * q * sqrt2pi / den[i];
    double q2 = exp(-pi2 / 2 / z2), e2 = 0.0, e3 = 0.0, s3z = sqrt(3.0) * z;
    for (int64_t k = maxk; k > 0; k--) {
        double kk = (double)k * (double)k, qk = pow(q2, kk), kp = M_PI * (double)k;
        e2 += kk * qk;
        e3 += (s3z + kp) * (s3z - kp) * kk * qk;
    }
    K[2] += e2 * pi2 * sqrt2pi / (-36 * z3);
    K[3] += e3 * pi2 * sqrt2pi / (216 * z6);
    double sum = 0.0;
    for (int i = 0; i < 4; i++)
        sum += K[i] / pow((double)n, i / 2.0);
    return sum;
}

fl_err fl_kolmogn_sf(int64_t n, double x, double *out)
{
    if (!out)
        return FL_EINVAL;
    *out = NAN;
    if (n < 1 || isnan(x))
        return FL_OK;
    double dn = (double)n;
    if (x >= 1.0) {
        *out = 0.0;
        return FL_OK;
    }
    if (x <= 0.0) {
        *out = 1.0;
        return FL_OK;
    }
    double t = dn * x, cdf;
    if (t <= 1.0) { /* Ruben-Gambino: 1/(2n) <= x <= 1/n */
        if (t <= 0.5) {
            *out = 1.0;
            return FL_OK;
        }
        double prob;
        if (n <= 140) {
            prob = 1.0;
            for (int64_t i = 1; i <= n; i++)
                prob *= (double)i * (1.0 / dn) * (2 * t - 1);
        } else {
            prob = exp(log_nfact_div_npown(dn) + dn * log(2 * t - 1));
        }
        *out = clip01(1.0 - prob);
        return FL_OK;
    }
    if (t >= dn - 1) {
        *out = clip01(2 * pow(1.0 - x, dn));
        return FL_OK;
    }
    if (x >= 0.5) {
        *out = clip01(2 * fl_kolmogn_smirnov_sf(n, x));
        return FL_OK;
    }
    double nx2 = t * x;
    if (n <= 140) {
        if (nx2 <= 0.754693) {
            fl_err e = cdf_durbin(n, x, &cdf);
            if (e != FL_OK)
                return e;
        } else if (nx2 <= 4) {
            cdf = cdf_pomeranz(n, x);
        } else {
            *out = clip01(2 * fl_kolmogn_smirnov_sf(n, x));
            return FL_OK;
        }
        *out = clip01(1.0 - cdf);
        return FL_OK;
    }
    if (nx2 >= 370.0) {
        *out = 0.0;
        return FL_OK;
    }
    if (nx2 >= 2.2) {
        *out = clip01(2 * fl_kolmogn_smirnov_sf(n, x));
        return FL_OK;
    }
    if (n <= 100000 && dn * pow(x, 1.5) <= 1.4) {
        fl_err e = cdf_durbin(n, x, &cdf);
        if (e != FL_OK)
            return e;
    } else {
        cdf = cdf_pelz_good(n, x);
    }
    *out = clip01(1.0 - cdf);
    return FL_OK;
}
