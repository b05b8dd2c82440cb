#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-trend-golden.py: golden vectors for src/stats/trend.c, computed by SciPy (the oracle):
scipy.stats.theilslopes(y, x) (method "separate", its default) and
scipy.stats.kendalltau(x, y, method="asymptotic") (variant "b").

Run with Debian's interpreter so the recorded SciPy is the packaged one:
    /usr/bin/python3 scripts/gen-trend-golden.py > tests/unit/stats/golden/trend_golden.h
Doubles are written with repr(), which C's strtod reads back to the identical double. Seeds are
fixed, so re-running gives the same file for the same SciPy version.

Where faultline answers differently from SciPy on purpose (trend.h), the expected value is
written out here with the reason, and SciPy's own answer is asserted so that a SciPy that changes
its mind is noticed:
  - Kendall with a constant side: SciPy NaN, faultline tau 0, p 1;
  - Kendall at n = 2: SciPy's variance adds 0 / 0 (x0 y0 / (9 m (n - 2)) with x0 = y0 = 0), so its
    p is NaN; the variance is exactly 1 there and faultline answers p = 2 norm.sf(|C - D|);
  - Theil-Sen with NaN or infinite values: faultline drops those points; the oracle is SciPy on
    the finite points only.
"""
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

from golden_c import c, arr, Lcg


def theil(x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)  # faultline drops non-finite points
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its confidence interval: sqrt(< 0) with constant y
        r = stats.theilslopes(y[keep], x[keep])
    return r.slope, r.intercept


def kendall(x, y):
    """(tau, p, scipy_nan): faultline's expected answer and whether SciPy says NaN there."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = stats.kendalltau(x, y, method="asymptotic", variant="b")
    tau, p = float(r.statistic), float(r.pvalue)
    if len(np.unique(x)) == 1 or len(np.unique(y)) == 1:
        assert math.isnan(tau) and math.isnan(p), (tau, p)
        return 0.0, 1.0, 1
    if len(x) == 2:
        assert math.isnan(p) and abs(tau) == 1.0, (tau, p)
        # C - D = tau = +-1 and var = m (2n + 5) / 18 = 2 * 9 / 18 = 1, so z = tau
        return tau, 2 * stats.norm.sf(abs(tau)), 1
    assert not math.isnan(p)
    return tau, p, 0


def literal_cases():
    rng = np.random.default_rng(20261201)
    out = []

    def add(name, x, y, do_theil=True, do_kendall=True):
        out.append((name, np.asarray(x, float), np.asarray(y, float), do_theil, do_kendall))

    t = np.arange(50.0)
    add("linear", t, 3.0 + 0.25 * t)
    add("linear_negative_noisy", np.arange(80.0), 10.0 - 2.5 * np.arange(80.0)
        + rng.normal(0, 4.0, 80))
    add("noise_200", np.arange(200.0), rng.normal(0, 1.0, 200))
    add("n2", [0.0, 1.0], [5.0, 3.0])
    add("n2_rising", [10.0, 70.0], [1.0, 2.0])
    add("n3", [0.0, 1.0, 2.0], [1.0, 3.0, 2.0])
    add("constant_y", np.arange(20.0), np.full(20, 7.0))
    add("constant_y_ties_x", [1, 1, 2, 2, 3, 5], np.full(6, -4.5))
    # x with repeated values: several samples per timestamp (pairs with equal x are skipped)
    xr = np.sort(rng.integers(0, 12, 60)).astype(float)
    add("repeated_x", xr, 2.0 * xr + np.round(rng.normal(0, 3.0, 60)))
    add("repeated_x_unsorted", rng.integers(0, 5, 40), rng.normal(0, 1.0, 40))
    # ties on both sides: the x0 y0 term of the variance
    add("ties_both", rng.integers(0, 5, 80), rng.integers(0, 4, 80))
    # a batch job's hourly row count sampled every minute: each value held 60 samples
    hours = [120_443, 120_443, 119_870, 119_870, 118_302, 117_966, 117_966, 116_540, 115_001,
             114_987]
    add("held_steps_minutes", 60.0 * np.arange(600), np.repeat(np.array(hours, float), 60))
    # the same, step down at one hour only (most pairs have slope 0: the median is 0)
    flat = np.repeat(np.array([5000.0] * 9 + [4200.0]), 60)
    add("held_steps_one_drop", np.arange(600.0), flat)
    # unix-time x (large magnitudes: the intercept is median(y) - slope * 1.7e9)
    add("unix_seconds", 1.7e9 + 15.0 * np.arange(300), 0.002 * np.arange(300)
        + rng.normal(0, 0.05, 300))
    # robust to outliers: 5 % of the points far off
    yo = 1.5 * np.arange(120.0) + rng.normal(0, 1.0, 120)
    yo[rng.choice(120, 6, replace=False)] += 1000.0
    add("outliers", np.arange(120.0), yo)
    # n around 500
    add("n500_trend_t_noise", np.arange(500.0) * 0.5, 0.01 * np.arange(500.0)
        + rng.standard_t(3.0, 500))
    add("n512_poisson_counts", np.arange(512.0), rng.poisson(20 + 0.02 * np.arange(512)))
    add("n499_irregular_x", np.sort(rng.uniform(0, 1000, 499)), rng.normal(0, 1.0, 499))
    add("n500_strong_trend", np.arange(500.0), np.arange(500.0) + rng.normal(0, 5.0, 500))
    add("n500_negative_tiny_p", np.arange(500.0), -0.3 * np.arange(500.0)
        + rng.normal(0, 3.0, 500))
    # Theil-Sen only: non-finite points are dropped (oracle: SciPy on the finite points)
    yn = 0.5 * np.arange(30.0) + rng.normal(0, 0.5, 30)
    xn = np.arange(30.0)
    yn[[3, 17]] = [math.nan, math.inf]
    xn[25] = -math.inf
    add("nonfinite_dropped", xn, yn, True, False)
    return out


def step_cases():
    """x[i] = dt * i, y[i] = levels[i / hold]: held values at the size cap, rebuilt in C."""
    return [
        # a batch job's daily row count sampled every minute, 2.8 days (4,096 samples)
        ("daily_rows_4096", 4096, 60.0, 1440, [1_204_331.0, 1_187_902.0, 1_171_455.0]),
        # hourly counts, rising, 4,000 samples
        ("hourly_rows_4000", 4000, 60.0, 60, [float(1000 + 3 * k + (k % 7)) for k in range(67)]),
    ]


def lcg_cases():
    """x[i] = i, y[i] = trend * i + scale * uniform (LCG), rebuilt in C."""
    return [("lcg_noise_4096", 91, 4096, 0.0, 1.0),
            ("lcg_trend_4096", 92, 4096, 1e-4, 1.0),
            ("lcg_trend_1000", 93, 1000, -0.002, 1.0)]


def main():
    w = print
    w("/* SPDX-License-Identifier: Apache-2.0 */")
    w("/* Generated by scripts/gen-trend-golden.py; do not edit. */")
    w(f'#define FL_GOLDEN_TREND_SCIPY_VERSION "{scipy.__version__}"')
    w(f'#define FL_GOLDEN_TREND_NUMPY_VERSION "{np.__version__}"')
    cases = literal_cases()
    for i, (name, x, y, _, _) in enumerate(cases):
        w(arr(f"g_trend_x{i}", x))
        w(arr(f"g_trend_y{i}", y))
    w("static const struct { const char *name; const double *x, *y; unsigned long n;")
    w("    double slope, intercept; } g_theil[] = {")
    for i, (name, x, y, do_theil, _) in enumerate(cases):
        if do_theil:
            s, b = theil(x, y)
            w(f'    {{"{name}", g_trend_x{i}, g_trend_y{i}, {len(x)}, {c(s)}, {c(b)}}},')
    w("};")
    w("/* scipy_nan: SciPy answers NaN here and faultline the documented value (trend.h). */")
    w("static const struct { const char *name; const double *x, *y; unsigned long n;")
    w("    double tau, p; int scipy_nan; } g_kendall[] = {")
    for i, (name, x, y, _, do_kendall) in enumerate(cases):
        if do_kendall:
            tau, p, sn = kendall(x, y)
            w(f'    {{"{name}", g_trend_x{i}, g_trend_y{i}, {len(x)}, {c(tau)}, {c(p)}, {sn}}},')
    w("};")

    w("static const struct { const char *name; unsigned long n; double dt; unsigned long hold;")
    w("    unsigned long n_levels; double levels[80]; double slope, intercept, tau, p; }")
    w("    g_trend_steps[] = {")
    for name, n, dt, hold, levels in step_cases():
        assert len(levels) <= 80 and (n - 1) // hold < len(levels)
        x = dt * np.arange(n)
        y = np.array([levels[i // hold] for i in range(n)])
        s, b = theil(x, y)
        tau, p, sn = kendall(x, y)
        assert not sn
        w(f'    {{"{name}", {n}, {c(dt)}, {hold}, {len(levels)}, '
          f'{{{", ".join(c(v) for v in levels)}}}, {c(s)}, {c(b)}, {c(tau)}, {c(p)}}},')
    w("};")

    w("static const struct { const char *name; unsigned long seed, n; double trend, scale;")
    w("    double slope, intercept, tau, p; } g_trend_lcg[] = {")
    for name, seed, n, trend, scale in lcg_cases():
        g = Lcg(seed)
        x = np.arange(n, dtype=float)
        y = np.array([trend * i + scale * g.uniform() for i in range(n)])
        s, b = theil(x, y)
        tau, p, sn = kendall(x, y)
        assert not sn
        w(f'    {{"{name}", {seed}, {n}, {c(trend)}, {c(scale)}, {c(s)}, {c(b)}, {c(tau)}, '
          f'{c(p)}}},')
    w("};")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
