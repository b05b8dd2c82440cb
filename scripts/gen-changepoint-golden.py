#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-changepoint-golden.py: golden vectors for src/stats/robust.c and src/stats/changepoint.c.

Oracles: NumPy and SciPy for the robust statistics (numpy.median, numpy.quantile, scipy.stats.iqr,
scipy.stats.median_abs_deviation), sklearn's RobustScaler / StandardScaler rules written out in
NumPy for the BARO and NSigma scores (sklearn is not a Debian dependency here), and brute force in
NumPy for the change points: every split for the single change point, optimal partitioning by
exhaustive O(n^2) dynamic programming for PELT (PELT is exact, so both must agree), and a plain
re-implementation of binary segmentation.

Run with Debian's interpreter so the recorded versions are the packaged ones:
    /usr/bin/python3 scripts/gen-changepoint-golden.py > tests/unit/stats/golden/changepoint_golden.h
Doubles are written with repr(), which C's strtod reads back to the identical double. Seeds are
fixed, so re-running gives the same file for the same NumPy / SciPy versions.
"""
import math

import numpy as np
import scipy
from scipy import stats

from golden_c import c, arr

QS = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]


# ---- series --------------------------------------------------------------------------------

def series_cases():
    rng = np.random.default_rng(20261126)
    out = []
    out.append(("tiny", np.array([3.0])))
    out.append(("two", np.array([1.0, 4.0])))
    out.append(("ties", np.array([1.0, 2.0, 2.0, 2.0, 3.0, 9.0])))
    out.append(("normal", rng.normal(10.0, 2.0, 101)))
    out.append(("heavy", rng.standard_t(2.0, 240) * 0.3 + 5.0))
    out.append(("skewed", rng.exponential(1.5, 77)))
    out.append(("quantised", np.round(rng.normal(100.0, 0.2, 60), 1)))
    out.append(("negative", -rng.gamma(2.0, 3.0, 50)))
    step = np.concatenate([rng.normal(0.0, 1.0, 120), rng.normal(3.0, 1.0, 80)])
    out.append(("step", step))
    return out


def robust_rows(cases):
    lines = []
    for name, x in cases:
        q = [np.quantile(x, qq) for qq in QS]
        lines.append(arr(f"g_rob_{name}", x))
        lines.append(
            f'    {{"{name}", g_rob_{name}, {len(x)}, {c(np.median(x))}, '
            f"{{{', '.join(c(v) for v in q)}}}, {c(stats.iqr(x))}, "
            f"{c(stats.median_abs_deviation(x))}}},"
        )
    return lines


def sk_robust_score(normal, anom):
    med = np.median(normal)
    scale = np.percentile(normal, 75) - np.percentile(normal, 25)
    if scale < 10 * np.finfo(float).eps:
        scale = 1.0
    return np.max((anom - med) / scale)


def sk_standard_score(normal, anom):
    mean = np.mean(normal)
    sd = np.std(normal)
    if sd < 10 * np.finfo(float).eps:
        sd = 1.0
    return np.max((anom - mean) / sd)


def score_cases():
    rng = np.random.default_rng(7)
    out = []
    out.append(("shift", rng.normal(1.0, 0.5, 300), rng.normal(2.5, 0.5, 280)))
    out.append(("drop", rng.normal(50.0, 3.0, 200), rng.normal(40.0, 3.0, 100)))
    out.append(("constant_normal", np.full(40, 7.0), np.array([7.0, 7.5, 9.0])))
    out.append(("spiky", rng.standard_t(1.5, 120), rng.standard_t(1.5, 30) + 2.0))
    return out


# ---- change points (brute force) -----------------------------------------------------------

def sse(x):
    return float(np.sum((x - np.mean(x)) ** 2)) if len(x) else 0.0


def sigma_diff(x):
    d = np.diff(x)
    mad = stats.median_abs_deviation(d, scale="normal")
    if mad > 0:
        return mad / math.sqrt(2.0)
    return math.sqrt(np.mean(d * d) / 2.0)


def single_brute(x, m):
    n = len(x)
    total = sse(x)
    best, best_tau = -1.0, 0
    for tau in range(m, n - m + 1):
        g = total - sse(x[:tau]) - sse(x[tau:])
        if g > best + 1e-12 * max(1.0, abs(best)):
            best, best_tau = g, tau
    return best_tau, best


def op_brute(x, sigma2, pen, m):
    """Optimal partitioning without pruning: F[t] = min_s F[s] + C(s,t) + pen."""
    n = len(x)
    F = [math.inf] * (n + 1)
    last = [0] * (n + 1)
    F[0] = -pen
    for t in range(m, n + 1):
        for s in range(0, t - m + 1):
            if not math.isfinite(F[s]):
                continue
            v = F[s] + sse(x[s:t]) / sigma2 + pen
            if v < F[t]:
                F[t], last[t] = v, s
    cps, t = [], n
    while t > 0 and last[t] > 0:
        cps.append(last[t])
        t = last[t]
    return sorted(cps), F[n]


def binseg_brute(x, sigma2, pen, m, max_cps):
    n = len(x)
    cps = []
    while max_cps == 0 or len(cps) < max_cps:
        bounds = [0] + cps + [n]
        best = (-1.0, 0)
        for a, b in zip(bounds[:-1], bounds[1:]):
            if b - a < 2 * m:
                continue
            tot = sse(x[a:b])
            for tau in range(a + m, b - m + 1):
                g = tot - sse(x[a:tau]) - sse(x[tau:b])
                if g > best[0] + 1e-12 * max(1.0, abs(best[0])):
                    best = (g, tau)
        if best[1] == 0 or not best[0] / sigma2 > pen:
            break
        cps = sorted(cps + [best[1]])
    return cps


def cp_series():
    rng = np.random.default_rng(42)
    out = []
    out.append(("flat", rng.normal(0.0, 1.0, 80), 0, 1))
    out.append(("one_step", np.concatenate([rng.normal(0, 1, 60), rng.normal(4, 1, 40)]), 0, 1))
    out.append(("small_step", np.concatenate([rng.normal(0, 1, 100), rng.normal(0.6, 1, 100)]), 0, 1))
    out.append(("three_steps", np.concatenate([rng.normal(0, 0.5, 50), rng.normal(2, 0.5, 30),
                                               rng.normal(-1, 0.5, 40), rng.normal(1, 0.5, 60)]), 0, 2))
    out.append(("known_sigma", np.concatenate([rng.normal(5, 2, 70), rng.normal(9, 2, 50)]), 4.0, 1))
    out.append(("min_seg5", np.concatenate([rng.normal(0, 1, 30), rng.normal(5, 1, 3),
                                            rng.normal(0, 1, 30)]), 0, 5))
    out.append(("ramp", np.linspace(0, 10, 90) + rng.normal(0, 0.3, 90), 0, 3))
    out.append(("quantised", np.concatenate([np.full(40, 100.0), np.full(20, 97.5),
                                             np.full(30, 100.0)]), 0, 1))
    return out


def cp_rows(cases):
    lines, single, pelt, binseg = [], [], [], []
    for name, x, sig, m in cases:
        n = len(x)
        sigma2 = sig if sig > 0 else sigma_diff(x) ** 2
        if not sigma2 > 0:
            sigma2 = max(1e-12 * float(np.mean(x * x)), np.finfo(float).tiny)
        pen = 2 * math.log(n)
        lines.append(arr(f"g_cpx_{name}", x))
        tau, red = single_brute(x, m)
        mb = float(np.mean(x[:tau])) if tau else math.nan
        ma = float(np.mean(x[tau:]))
        single.append(f'    {{"{name}", g_cpx_{name}, {n}, {c(sig)}, {m}, {tau}, {c(red)}, '
                      f"{c(sigma2)}, {c(red / sigma2)}, {c(pen)}, {int(red / sigma2 > pen)}, "
                      f"{c(mb)}, {c(ma)}}},")
        cps, cost = op_brute(x, sigma2, pen, m)
        lines.append(arr(f"g_cpp_{name}", cps, "size_t"))
        pelt.append(f'    {{"{name}", g_cpx_{name}, {n}, {c(sig)}, {m}, g_cpp_{name}, {len(cps)}, '
                    f"{c(cost)}}},")
        bs = binseg_brute(x, sigma2, pen, m, 0)
        lines.append(arr(f"g_cpb_{name}", bs, "size_t"))
        binseg.append(f'    {{"{name}", g_cpx_{name}, {n}, {c(sig)}, {m}, g_cpb_{name}, '
                      f"{len(bs)}}},")
    return lines, single, pelt, binseg


def main():
    print("/* SPDX-License-Identifier: Apache-2.0 */")
    print("/* Generated by scripts/gen-changepoint-golden.py; do not edit. */")
    print(f'#define FL_GOLDEN_CP_NUMPY_VERSION "{np.__version__}"')
    print(f'#define FL_GOLDEN_CP_SCIPY_VERSION "{scipy.__version__}"')
    print(f"#define FL_GOLDEN_N_QS {len(QS)}")
    print(arr("g_rob_qs", QS))
    sc = series_cases()
    rows = robust_rows(sc)
    for line in rows:
        if line.startswith("static"):
            print(line)
    print("static const struct { const char *name; const double *x; size_t n; double median;"
          " double q[FL_GOLDEN_N_QS]; double iqr, mad; } g_robust[] = {")
    for line in rows:
        if not line.startswith("static"):
            print(line)
    print("};")
    scs = score_cases()
    for name, a, b in scs:
        print(arr(f"g_scn_{name}", a))
        print(arr(f"g_sca_{name}", b))
    print("static const struct { const char *name; const double *normal; size_t nn;"
          " const double *anom; size_t na; double baro, nsigma; } g_scores[] = {")
    for name, a, b in scs:
        print(f'    {{"{name}", g_scn_{name}, {len(a)}, g_sca_{name}, {len(b)}, '
              f"{c(sk_robust_score(a, b))}, {c(sk_standard_score(a, b))}}},")
    print("};")
    lines, single, pelt, binseg = cp_rows(cp_series())
    for line in lines:
        print(line)
    print("static const struct { const char *name; const double *x; size_t n; double sigma2_in;"
          " size_t min_seg; size_t tau; double reduction, sigma2, stat, threshold;"
          " int significant; double mean_before, mean_after; } g_cp_single[] = {")
    print("\n".join(single))
    print("};")
    print("static const struct { const char *name; const double *x; size_t n; double sigma2_in;"
          " size_t min_seg; const size_t *cps; size_t n_cps; double cost; } g_cp_pelt[] = {")
    print("\n".join(pelt))
    print("};")
    print("static const struct { const char *name; const double *x; size_t n; double sigma2_in;"
          " size_t min_seg; const size_t *cps; size_t n_cps; } g_cp_binseg[] = {")
    print("\n".join(binseg))
    print("};")


if __name__ == "__main__":
    main()
