#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-stats-golden.py: golden vectors for src/stats, computed by SciPy (the oracle).

Run with Debian's interpreter so the recorded SciPy is the packaged one:
    /usr/bin/python3 scripts/gen-stats-golden.py > tests/unit/stats/golden/stats_golden.h
Doubles are written with repr(), which C's strtod reads back to the identical double. Seeds are
fixed, so re-running gives the same file for the same SciPy version.
"""
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import special
from scipy.spatial import distance
from scipy.stats import _stats_py

from golden_c import c, arr, Lcg


def lcg_sample(seed, n, scale, shift):
    g = Lcg(seed)
    return np.array([g.uniform() * scale + shift for _ in range(n)])


# ---- issue 3, second part: z-test, Mann-Whitney U, divergences, binning ---------------------

def lcg_sample_x(seed, n, scale, shift, quant=0.0, square=0):
    """lcg_sample with two extras mirrored in the C tests: square the uniform first (a skewed
    sample for Doane) and snap to a grid of 1/quant (ties)."""
    g = Lcg(seed)
    out = np.empty(n)
    for i in range(n):
        u = g.uniform()
        if square:
            u = u * u
        v = u * scale + shift
        if quant:
            v = math.floor(v * quant) / quant
        out[i] = v
    return out


def ztest_oracle(x1, n1, x2, n2):
    """Pooled two-proportion z-test. statsmodels is not packaged with Debian's SciPy here, so the
    oracle is statsmodels' proportions_ztest formula written out, with scipy.stats.norm.sf."""
    count = np.array([x1, x2], float)
    nobs = np.array([n1, n2], float)
    prop = count / nobs
    p_pooled = np.sum(count) * 1. / np.sum(nobs)
    var_ = p_pooled * (1 - p_pooled) * np.sum(1. / nobs)
    z = (prop[0] - prop[1]) / np.sqrt(var_)
    return (z, scipy.stats.norm.sf(np.abs(z)) * 2, scipy.stats.norm.sf(z),
            scipy.stats.norm.cdf(z))


def gen_ztest(w):
    zs = [-40.0, -38.0, -10.0, -3.0, -1.0, -0.70710678118654757, -0.5, -1e-9, 0.0, 1e-9, 0.3,
          0.70710678118654757, 1.0, 1.5, 2.5, 5.0, 8.0, 10.0, 20.0, 30.0, 37.0, 38.0, 40.0]
    w("static const struct { double z, cdf, sf; } g_norm[] = {")
    for z in zs:
        w(f"    {{{c(z)}, {c(scipy.stats.norm.cdf(z))}, {c(scipy.stats.norm.sf(z))}}},")
    w("};")
    cases = [("balanced", 45, 100, 55, 100), ("unequal_n", 30, 100, 450, 1000),
             ("greater", 620, 1000, 480, 1000), ("tiny", 1, 2, 0, 3),
             ("one_zero", 0, 50, 7, 60), ("one_full", 40, 40, 35, 41),
             ("equal_props", 25, 50, 50, 100), ("large_n", 500123456, 1000000000, 499876543,
                                                    1000000000),
             ("extreme_p", 900, 1000, 100, 1000), ("z_near_38", 5000, 10000, 3120, 10000)]
    w("static const struct { const char *name; unsigned long long x1, n1, x2, n2;")
    w("    double z, p_two, p_greater, p_less; } g_ztest[] = {")
    for name, x1, n1, x2, n2 in cases:
        z, p2, pg, pl = ztest_oracle(x1, n1, x2, n2)
        w(f'    {{"{name}", {x1}ULL, {n1}ULL, {x2}ULL, {n2}ULL, {c(z)}, {c(p2)}, {c(pg)}, '
          f'{c(pl)}}},')
    w("};")


MWU_ALT = {"two-sided": 0, "less": 1, "greater": 2}
MWU_METHOD = {"auto": 0, "exact": 1, "asymptotic": 2}


def gen_mwu(w):
    rng = np.random.default_rng(20261126)
    cases = []

    def add(name, x, y, alt, method, cont=True):
        r = scipy.stats.mannwhitneyu(x, y, use_continuity=cont, alternative=alt, method=method)
        cases.append((name, np.asarray(x, float), np.asarray(y, float), alt, method, cont, r))

    males, females = [19, 22, 16, 29, 24], [20, 11, 17, 12]
    add("doc_exact", males, females, "two-sided", "exact")
    add("doc_asymp", males, females, "two-sided", "asymptotic")
    add("doc_asymp_nocont", males, females, "two-sided", "asymptotic", False)
    add("doc_less_exact", females, males, "less", "exact")
    add("doc_greater_auto", males, females, "greater", "auto")
    add("singletons", [1.0], [2.0], "two-sided", "auto")
    add("singletons_asymp", [2.0], [1.0], "greater", "asymptotic")
    add("all_tied_cont", [1.0, 1.0, 1.0], [1.0, 1.0], "two-sided", "auto")
    add("all_tied_nocont", [1.0, 1.0, 1.0], [1.0, 1.0], "two-sided", "auto", False)
    add("ties_auto_goes_asymp", [1, 2, 2, 3, 5], [2, 4, 6, 6], "two-sided", "auto")
    add("ties_exact_half_u", [1, 2, 2, 3, 5], [2, 4, 6, 6], "two-sided", "exact")
    add("ties_exact_less", [1, 2, 2, 3, 5], [2, 4, 6, 6], "less", "exact")
    add("ties_int_asymp", rng.integers(0, 6, 60), rng.integers(1, 7, 45), "two-sided", "auto")
    add("ties_int_less", rng.integers(0, 6, 60), rng.integers(1, 7, 45), "less", "auto")
    add("ties_int_greater_nocont", rng.integers(0, 6, 30), rng.integers(0, 5, 25), "greater",
        "asymptotic", False)
    add("auto_exact_7_9", rng.normal(size=7), rng.normal(0.8, 1, 9), "two-sided", "auto")
    add("auto_exact_8_50", rng.normal(size=8), rng.normal(0.5, 1, 50), "two-sided", "auto")
    add("auto_exact_50_3", rng.normal(size=50), rng.normal(0.5, 1, 3), "greater", "auto")
    add("auto_asymp_9_9", rng.normal(size=9), rng.normal(1.0, 1, 9), "two-sided", "auto")
    add("exact_8_400_tiny_p", np.arange(8.0), np.arange(400.0) + 0.5, "two-sided", "exact")
    add("exact_30_40", rng.normal(size=30), rng.normal(0.4, 1, 40), "two-sided", "exact")
    add("exact_30_40_less", rng.normal(size=30), rng.normal(0.4, 1, 40), "less", "exact")
    add("exact_25_25_greater", rng.normal(0.3, 1, 25), rng.normal(size=25), "greater", "exact")
    add("exact_odd_mn", rng.normal(size=5), rng.normal(size=7), "two-sided", "exact")
    # SciPy 1.10's rankdata looks for NaN with np.sum, so -inf and +inf together rank as NaN
    # there; each sign alone ranks normally (the C test covers both together separately).
    add("pos_infinities", [0.5, 2.0, math.inf], [math.inf, 1.0, -1.0, 3.0], "two-sided",
        "asymptotic")
    add("neg_infinities", [-math.inf, 0.5, 2.0, -math.inf], [1.0, -1.0, -math.inf], "greater",
        "asymptotic")
    add("signed_zeros", [-0.0, 1.0, 2.0], [0.0, 3.0, -1.0, 4.0], "two-sided", "auto")
    add("far_apart_asymp", rng.normal(size=500), rng.normal(5.0, 1, 400), "two-sided", "auto")
    add("far_apart_less", rng.normal(size=500), rng.normal(5.0, 1, 400), "less", "auto")
    add("normal_300_200", rng.normal(size=300), rng.normal(0.1, 1, 200), "two-sided", "auto")
    for i, (name, x, y, alt, method, cont, r) in enumerate(cases):
        w(arr(f"g_mwu_x{i}", x))
        w(arr(f"g_mwu_y{i}", y))
    w("static const struct { const char *name; const double *x; unsigned long nx;")
    w("    const double *y; unsigned long ny; int alt, method, cont; double u, p; } g_mwu[] = {")
    for i, (name, x, y, alt, method, cont, r) in enumerate(cases):
        w(f'    {{"{name}", g_mwu_x{i}, {len(x)}, g_mwu_y{i}, {len(y)}, {MWU_ALT[alt]}, '
          f'{MWU_METHOD[method]}, {int(cont)}, {c(r.statistic)}, {c(r.pvalue)}}},')
    w("};")

    # large samples from the mirrored LCG: (seed, n, scale, shift, quant) for x and y
    big = [("lcg_asymp_20000_15000", (21, 20000, 1.0, 0.0, 0.0), (22, 15000, 1.0, 0.01, 0.0),
            "two-sided", "auto", True),
           ("lcg_ties_grid", (23, 30000, 1.0, 0.0, 50.0), (24, 25000, 1.0, 0.005, 50.0),
            "two-sided", "auto", True),
           ("lcg_ties_grid_less_nocont", (25, 12000, 1.0, 0.0, 20.0),
            (26, 13000, 1.0, 0.01, 20.0), "less", "asymptotic", False),
           ("lcg_exact_6_480", (27, 6, 1.0, 0.3, 0.0), (28, 480, 1.0, 0.0, 0.0),
            "two-sided", "auto", True),
           ("lcg_exact_3_500_greater", (29, 3, 1.0, 0.5, 0.0), (30, 500, 1.0, 0.0, 0.0),
            "greater", "exact", True),
           ("lcg_big_300000_200000", (31, 300000, 1.0, 0.0, 0.0), (32, 200000, 1.0, 0.002, 0.0),
            "two-sided", "auto", True)]
    w("static const struct { const char *name; unsigned long sx, nx; double kx, hx, qx;")
    w("    unsigned long sy, ny; double ky, hy, qy; int alt, method, cont; double u, p; }")
    w("    g_mwu_lcg[] = {")
    for name, (sx, nx, kx, hx, qx), (sy, ny, ky, hy, qy), alt, method, cont in big:
        x = lcg_sample_x(sx, nx, kx, hx, qx)
        y = lcg_sample_x(sy, ny, ky, hy, qy)
        r = scipy.stats.mannwhitneyu(x, y, use_continuity=cont, alternative=alt, method=method)
        w(f'    {{"{name}", {sx}, {nx}, {c(kx)}, {c(hx)}, {c(qx)}, {sy}, {ny}, {c(ky)}, '
          f'{c(hy)}, {c(qy)}, {MWU_ALT[alt]}, {MWU_METHOD[method]}, {int(cont)}, '
          f'{c(r.statistic)}, {c(r.pvalue)}}},')
    w("};")


def evidently_fill(counts):
    """Evidently's get_binned_data(feel_zeroes=True) rule on one count vector, with numpy."""
    pc = np.asarray(counts, float)
    pc = pc / np.sum(pc)
    nz = pc[pc != 0]
    np.place(pc, pc == 0, min(nz) / 10**6 if min(nz) <= 0.0001 else 0.0001)
    return pc


def psi_oracle(ref, cur):
    r, q = evidently_fill(ref), evidently_fill(cur)
    return np.sum((r - q) * np.log(r / q))


def hellinger_oracle(p, q):
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    p = p / np.sum(p)
    q = q / np.sum(q)
    return np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)


def js_divergence_oracle(p, q, base):
    """The quantity scipy's jensenshannon takes the square root of, with the same steps."""
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    p = p / np.sum(p)
    q = q / np.sum(q)
    m = (p + q) / 2.0
    js = np.sum(special.rel_entr(p, m)) + np.sum(special.rel_entr(q, m))
    if base is not None:
        js /= np.log(base)
    return js / 2.0


def gen_divergence(w):
    rng = np.random.default_rng(20261127)
    # Wasserstein: explicit samples, optionally weighted
    wcases = [("anchor_example", [0, 1, 3], [5, 6, 8], None, None),
              ("anchor_weighted", [0, 1], [0, 1], [3, 1], [2, 2]),
              ("identical", [1.5, 2.5, 2.5], [2.5, 1.5, 2.5], None, None),
              ("single_values", [3.0], [-1.25], None, None),
              ("ties_across", [1, 2, 2, 3, 3, 3], [2, 3, 3, 4], None, None),
              ("negative_zero", [-0.0, 0.0, 1.0], [0.0, 2.0], None, None),
              ("normal_200_150", rng.normal(size=200), rng.normal(0.5, 2.0, 150), None, None),
              ("weighted_ties", [1, 1, 2, 3], [1, 2, 2, 5], [0.5, 1.5, 2, 0], [1, 1, 1, 1]),
              ("weighted_random", rng.normal(size=40), rng.normal(1, 1, 30), rng.random(40),
               rng.random(30) * 3)]
    for i, (name, u, v, uw, vw) in enumerate(wcases):
        w(arr(f"g_wass_u{i}", u))
        w(arr(f"g_wass_v{i}", v))
        w(arr(f"g_wass_uw{i}", uw if uw is not None else []))
        w(arr(f"g_wass_vw{i}", vw if vw is not None else []))
    w("static const struct { const char *name; const double *u; unsigned long nu;")
    w("    const double *v; unsigned long nv; const double *uw, *vw; int weighted; double d; }")
    w("    g_wass[] = {")
    for i, (name, u, v, uw, vw) in enumerate(wcases):
        d = scipy.stats.wasserstein_distance(u, v, uw, vw)
        w(f'    {{"{name}", g_wass_u{i}, {len(u)}, g_wass_v{i}, {len(v)}, g_wass_uw{i}, '
          f'g_wass_vw{i}, {int(uw is not None)}, {c(d)}}},')
    w("};")
    # normalized by numpy.std(ref) with Evidently's floor, on LCG samples (seed, n, scale, shift)
    wbig = [("lcg_10000_8000", (41, 10000, 2.0, -1.0), (42, 8000, 2.0, -0.9)),
            ("lcg_100000_100000", (43, 100000, 1.0, 0.0), (44, 100000, 1.1, 0.0)),
            ("lcg_narrow_ref", (45, 5000, 1e-3, 7.0), (46, 5000, 1e-3, 7.0005)),
            ("lcg_const_like_ref", (47, 3000, 1e-6, 1.0), (48, 2000, 1.0, 0.0))]
    w("static const struct { const char *name; unsigned long su, nu; double ku, hu;")
    w("    unsigned long sv, nv; double kv, hv; double d, ref_std, normalized; } g_wass_lcg[] = {")
    for name, (su, nu, ku, hu), (sv, nv, kv, hv) in wbig:
        u = lcg_sample(su, nu, ku, hu)
        v = lcg_sample(sv, nv, kv, hv)
        d = scipy.stats.wasserstein_distance(u, v)
        sd = np.std(u)
        w(f'    {{"{name}", {su}, {nu}, {c(ku)}, {c(hu)}, {sv}, {nv}, {c(kv)}, {c(hv)}, '
          f'{c(d)}, {c(sd)}, {c(d / max(sd, 0.001))}}},')
    w("};")

    # binned distributions: JS (both bases), KL, PSI (Evidently's fill), Hellinger
    near = rng.random(12) + 0.5
    bcases = [("identical", [1, 2, 3, 4], [1, 2, 3, 4]),
              ("scaled_counts", [10, 20, 30, 40], [0.1, 0.2, 0.3, 0.4]),
              ("kl_example", [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]),
              ("psi_example", [0.5, 0.5, 0.0], [0.4, 0.4, 0.2]),
              ("disjoint", [1, 1, 0, 0], [0, 0, 3, 1]),
              ("zeros_both", [5, 0, 3, 0, 2], [4, 0, 0, 1, 5]),
              ("tiny_min_fill", [1, 99999, 0], [50000, 50000, 0]),
              ("single_bin", [7], [3]),
              ("nearly_equal", near, near * (1 + 1e-6 * rng.standard_normal(12))),
              ("counts_20", rng.integers(0, 1000, 20), rng.integers(0, 1000, 20)),
              ("counts_200_sparse", rng.integers(0, 3, 200) * rng.integers(0, 50, 200),
               rng.integers(1, 40, 200))]
    for i, (name, p, q) in enumerate(bcases):
        w(arr(f"g_bin_p{i}", p))
        w(arr(f"g_bin_q{i}", q))
    w("static const struct { const char *name; const double *p, *q; unsigned long k;")
    w("    double js_dist_e, js_dist_2, js_div_e, js_div_2, js_div_10, kl_e, kl_2, kl_filled_e,")
    w("    psi, hellinger; } g_binned[] = {")
    for i, (name, p, q) in enumerate(bcases):
        de = distance.jensenshannon(p, q)
        d2 = distance.jensenshannon(p, q, 2.0)
        ve = js_divergence_oracle(p, q, None)
        v2 = js_divergence_oracle(p, q, 2.0)
        v10 = js_divergence_oracle(p, q, 10.0)
        assert abs(de * de - ve) <= 1e-12 * max(ve, 1e-300) + 1e-300 or math.isnan(de)
        kle = scipy.stats.entropy(p, q)
        kl2 = scipy.stats.entropy(p, q, base=2.0)
        klf = scipy.stats.entropy(evidently_fill(p), evidently_fill(q))
        w(f'    {{"{name}", g_bin_p{i}, g_bin_q{i}, {len(p)}, {c(de)}, {c(d2)}, {c(ve)}, '
          f'{c(v2)}, {c(v10)}, {c(kle)}, {c(kl2)}, {c(klf)}, {c(psi_oracle(p, q))}, '
          f'{c(hellinger_oracle(p, q))}}},')
    w("};")
    # Evidently's fill rule itself on three vectors
    fills = [[0.5, 0.5, 0.0], [1, 99999, 0, 0], [3, 0, 0, 1]]
    w("static const struct { double counts[4]; unsigned long k; double props[4]; } g_fill[] = {")
    for f in fills:
        pr = evidently_fill(f)
        pad = list(f) + [0] * (4 - len(f))
        prp = list(pr) + [0] * (4 - len(pr))
        w(f"    {{{{{', '.join(c(v) for v in pad)}}}, {len(f)}, "
          f"{{{', '.join(c(v) for v in prp)}}}}},")
    w("};")


BIN_RULE = {"sturges": 0, "doane": 1, "equal": 2, "quantile": 3}


def np_edges(rule, k, data):
    if rule in ("sturges", "doane"):
        return np.histogram_bin_edges(data, bins=rule)
    if rule == "equal":
        return np.histogram_bin_edges(data, bins=k)
    e = np.unique(np.quantile(data, np.linspace(0, 1, k + 1)))
    if len(e) == 1:
        e = np.array([e[0] - 0.5, e[0] + 0.5])
    return e


def gen_binning(w):
    rng = np.random.default_rng(20261128)
    # edges of small explicit samples given in two parts a ++ b
    ecases = [("sturges_small", "sturges", 0, [1.0, 2.0, 2.5, 7.0, 3.0], [0.5, 4.0]),
              ("doane_small", "doane", 0, [1.0, 2.0, 2.5, 7.0, 3.0], [0.5, 40.0]),
              ("equal_5", "equal", 5, [1.0, 2.0, 2.5, 7.0, 3.0], []),
              ("quantile_4", "quantile", 4, [1.0, 2.0, 2.5, 7.0, 3.0], [0.5, 4.0]),
              ("sturges_min_eq_max", "sturges", 0, [3.0, 3.0, 3.0], []),
              ("doane_min_eq_max", "doane", 0, [3.0], [3.0]),
              ("equal_min_eq_max", "equal", 3, [-2.0, -2.0], []),
              ("quantile_constant", "quantile", 10, [5.0, 5.0, 5.0, 5.0], []),
              ("doane_two_values", "doane", 0, [1.0, 2.0], []),
              ("quantile_ties_collapse", "quantile", 10,
               [0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 9], [0, 0]),
              ("quantile_k1", "quantile", 1, [4.0, 1.0, 3.0], []),
              # numpy's _lerp takes b - (b - a)(1 - t) for t >= 0.5: here that differs from
              # a + (b - a) t in the last bit of one edge
              ("quantile_lerp_upper_form", "quantile", 7,
               [-3.9, 4.8, -2.4, 9.6, -2.0, 0.2, 15.5], []),
              ("quantile_more_bins_than_values", "quantile", 7, [1.0, 2.0, 3.0], []),
              ("sturges_normal_1000", "sturges", 0, rng.normal(size=600), rng.normal(size=400)),
              ("doane_lognormal_1000", "doane", 0, rng.lognormal(size=1000), []),
              ("sturges_pow2_1024", "sturges", 0, rng.normal(size=1024), []),
              ("quantile_normal_deciles", "quantile", 10, rng.normal(size=777), []),
              ("equal_negative_range", "equal", 7, -rng.random(50) * 1e-3 - 5.0, [])]
    for i, (name, rule, k, a, b) in enumerate(ecases):
        w(arr(f"g_edges_a{i}", a))
        w(arr(f"g_edges_b{i}", b))
    w("static const struct { const char *name; int rule; unsigned long k; const double *a;")
    w("    unsigned long na; const double *b; unsigned long nb; unsigned long n_edges;")
    w("    double edges[20]; } g_edges[] = {")
    for i, (name, rule, k, a, b) in enumerate(ecases):
        e = np_edges(rule, k, np.concatenate((np.asarray(a, float), np.asarray(b, float))))
        assert len(e) <= 20
        w(f'    {{"{name}", {BIN_RULE[rule]}, {k}, g_edges_a{i}, {len(a)}, g_edges_b{i}, '
          f'{len(b)}, {len(e)}, {{{", ".join(c(v) for v in e)}}}}},')
    w("};")
    # edges of LCG samples: (seed, n, scale, shift, quant, square) for a and b (n = 0: none)
    ebig = [("sturges_lcg_100000", "sturges", 0, (51, 60000, 3.0, -1.0, 0.0, 0),
             (52, 40000, 3.0, -0.5, 0.0, 0)),
            ("doane_lcg_skewed", "doane", 0, (53, 50000, 10.0, 0.0, 0.0, 1), (0, 0, 0, 0, 0, 0)),
            ("doane_lcg_skewed_parts", "doane", 0, (54, 20001, 10.0, 0.0, 0.0, 1),
             (55, 12345, 10.0, 1.0, 0.0, 1)),
            ("equal_lcg_30", "equal", 30, (56, 40000, 1.0, 0.0, 0.0, 0), (0, 0, 0, 0, 0, 0)),
            ("quantile_lcg_deciles", "quantile", 10, (57, 50000, 5.0, 2.0, 0.0, 1),
             (0, 0, 0, 0, 0, 0)),
            ("quantile_lcg_ties", "quantile", 20, (58, 30000, 1.0, 0.0, 8.0, 1),
             (59, 1000, 1.0, 0.0, 8.0, 0)),
            ("sturges_lcg_pow2", "sturges", 0, (60, 65536, 1.0, 0.0, 0.0, 0), (0, 0, 0, 0, 0, 0))]
    w("static const struct { const char *name; int rule; unsigned long k;")
    w("    unsigned long sa, na; double ka, ha, qa; int sqa;")
    w("    unsigned long sb, nb; double kb, hb, qb; int sqb;")
    w("    unsigned long n_edges; double edges[40]; } g_edges_lcg[] = {")
    for name, rule, k, (sa, na, ka, ha, qa, sqa), (sb, nb, kb, hb, qb, sqb) in ebig:
        a = lcg_sample_x(sa, na, ka, ha, qa, sqa)
        b = lcg_sample_x(sb, nb, kb, hb, qb, sqb)
        e = np_edges(rule, k, np.concatenate((a, b)))
        assert len(e) <= 40
        w(f'    {{"{name}", {BIN_RULE[rule]}, {k}, {sa}, {na}, {c(ka)}, {c(ha)}, {c(qa)}, {sqa}, '
          f'{sb}, {nb}, {c(kb)}, {c(hb)}, {c(qb)}, {sqb}, {len(e)}, '
          f'{{{", ".join(c(v) for v in e)}}}}},')
    w("};")

    # numpy.histogram counts into explicit edges, with the values outside and NaNs counted
    def outside(v, e):
        v = np.asarray(v, float)
        fin = v[~np.isnan(v)]
        return int(np.sum(fin < e[0])), int(np.sum(fin > e[-1])), int(np.sum(np.isnan(v)))

    ccases = [("on_edges", [0, 1, 2, 3], [0, 0.5, 1, 1.5, 2, 2.5, 3, -0.1, 3.1]),
              ("duplicate_edges", [0, 1, 1, 2, 2], [0.5, 1, 1, 1.5, 2, 2, 2.0000001, -1]),
              ("closed_last_zero_width", [0, 1, 1], [0.5, 1, 1, 0.999999]),
              ("infinite_edges", [-math.inf, -1, 0, 1, math.inf],
               [-math.inf, -5, -1, -0.5, 0, 0.5, 1, 7, math.inf]),
              ("nan_values", [0.0, 10.0], [1, math.nan, 5, math.nan, 10, 11]),
              ("uneven", [0, 0.1, 0.5, 3, 100], rng.random(200) * 120 - 10),
              ("uniform_linspace", list(np.linspace(-2, 3, 8)), rng.random(500) * 6 - 2.5),
              ("signed_zero", [-1, 0, 1], [-0.0, 0.0, -1e-300, 1e-300])]
    for i, (name, e, v) in enumerate(ccases):
        w(arr(f"g_count_e{i}", e))
        w(arr(f"g_count_v{i}", v))
    w("static const struct { const char *name; const double *e; unsigned long ne;")
    w("    const double *v; unsigned long nv; unsigned long counts[8];")
    w("    unsigned long below, above, nan; } g_count[] = {")
    for i, (name, e, v) in enumerate(ccases):
        va = np.asarray(v, float)
        cnt = np.histogram(va[~np.isnan(va)], np.asarray(e, float))[0]
        bl, ab, nn = outside(v, e)
        w(f'    {{"{name}", g_count_e{i}, {len(e)}, g_count_v{i}, {len(v)}, '
          f'{{{", ".join(str(int(x)) for x in cnt)}}}, {bl}, {ab}, {nn}}},')
    w("};")
    # the same on LCG samples, edges from numpy (linspace: the arithmetic path; quantile: the
    # binary search); counts of the second sample, as drift code will count current data
    cbig = [("linspace_edges_50", "equal", 50, (61, 100000, 2.0, -1.0, 0.0, 0),
             (62, 100000, 2.2, -1.1, 0.0, 0)),
            ("sturges_edges_grid", "sturges", 0, (63, 30000, 1.0, 0.0, 64.0, 0),
             (64, 50000, 1.0, 0.0, 64.0, 1)),
            ("quantile_edges", "quantile", 25, (65, 40000, 1.0, 0.0, 0.0, 1),
             (66, 60000, 1.2, -0.1, 0.0, 1))]
    w("static const struct { const char *name; int rule; unsigned long k;")
    w("    unsigned long sa, na; double ka, ha, qa; int sqa;")
    w("    unsigned long sb, nb; double kb, hb, qb; int sqb;")
    w("    unsigned long n_edges; unsigned long counts[60]; unsigned long below, above; }")
    w("    g_count_lcg[] = {")
    for name, rule, k, (sa, na, ka, ha, qa, sqa), (sb, nb, kb, hb, qb, sqb) in cbig:
        a = lcg_sample_x(sa, na, ka, ha, qa, sqa)
        b = lcg_sample_x(sb, nb, kb, hb, qb, sqb)
        e = np_edges(rule, k, a)
        assert len(e) <= 61
        cnt = np.histogram(b, e)[0]
        bl, ab, _ = outside(b, e)
        w(f'    {{"{name}", {BIN_RULE[rule]}, {k}, {sa}, {na}, {c(ka)}, {c(ha)}, {c(qa)}, {sqa}, '
          f'{sb}, {nb}, {c(kb)}, {c(hb)}, {c(qb)}, {sqb}, {len(e)}, '
          f'{{{", ".join(str(int(x)) for x in cnt)}}}, {bl}, {ab}}},')
    w("};")
    # numpy.std (ddof 0) of a few samples
    sds = [("small", [1.0, 2.0, 4.0, 8.0]), ("constant", [2.5, 2.5, 2.5]),
           ("single", [3.0]), ("offset", list(1e9 + rng.random(1000))),
           ("normal_3000", list(rng.normal(3.0, 2.0, 3000)))]
    for i, (name, v) in enumerate(sds):
        w(arr(f"g_std_v{i}", v))
    w("static const struct { const char *name; const double *v; unsigned long n;")
    w("    double sum, std; } g_std[] = {")
    for i, (name, v) in enumerate(sds):
        w(f'    {{"{name}", g_std_v{i}, {len(v)}, {c(np.sum(v))}, {c(np.std(v))}}},')
    w("};")


def main():
    out = []
    w = out.append
    w("/* SPDX-License-Identifier: Apache-2.0 */")
    w("/* Generated by scripts/gen-stats-golden.py; do not edit. */")
    w(f'#define FL_GOLDEN_SCIPY_VERSION "{scipy.__version__}"')
    w(f'#define FL_GOLDEN_NUMPY_VERSION "{np.__version__}"')

    # lgamma, gammainc/gammaincc, betainc, kolmogorov
    xs = [1e-8, 0.1, 0.5, 0.999, 1.0, 1.5, 2.0, 2.5, 3.7, 10.0, 33.3, 171.5, 1000.0, 1e6]
    w("static const struct { double x, v; } g_lgamma[] = {")
    for x in xs:
        w(f"    {{{c(x)}, {c(special.gammaln(x))}}},")
    w("};")
    pairs = [(0.5, 0.1), (0.5, 2.0), (1.0, 1.0), (2.5, 0.3), (2.5, 7.0), (3.0, 3.0),
             (10.0, 5.0), (10.0, 15.0), (50.0, 45.0), (50.0, 60.0), (0.01, 0.5),
             (100.0, 100.0), (7.5, 30.0), (1.5, 1e-3)]
    w("static const struct { double a, x, p, q; } g_gammainc[] = {")
    for a, x in pairs:
        w(f"    {{{c(a)}, {c(x)}, {c(special.gammainc(a, x))}, {c(special.gammaincc(a, x))}}},")
    w("};")
    triples = [(0.5, 0.5, 0.3), (1.0, 1.0, 0.7), (2.0, 3.0, 0.4), (2.0, 3.0, 0.9),
               (10.0, 2.0, 0.8), (0.1, 5.0, 0.01), (30.0, 40.0, 0.45), (5.0, 0.5, 0.999),
               (100.0, 100.0, 0.5), (1.5, 7.25, 0.2)]
    w("static const struct { double a, b, x, v; } g_betainc[] = {")
    for a, b, x in triples:
        w(f"    {{{c(a)}, {c(b)}, {c(x)}, {c(special.betainc(a, b, x))}}},")
    w("};")
    ys = [0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.99, 1.0, 1.01, 1.2, 1.5, 2.0, 3.0, 5.0]
    w("static const struct { double y, v; } g_kolmogorov[] = {")
    for y in ys:
        w(f"    {{{c(y)}, {c(special.kolmogorov(y))}}},")
    w("};")
    # beta-binomial upper tail P(K >= k): the exceedance test of a latency symptom
    # (src/rca/inv_symptom.c), as the sum of scipy.stats.betabinom.pmf over k..m: SciPy's sf is
    # 1 - cdf there and loses the far tail (3.1197e-14 instead of 1 / C(48, 24) = 3.1010e-14)
    w("static const struct { long k, m; double a, b, v; } g_betabinom_sf[] = {")
    for k, m, a, b in [(0, 10, 1.0, 24.0), (1, 10, 1.0, 24.0), (3, 10, 1.0, 24.0),
                       (24, 24, 1.0, 24.0), (5, 30, 2.0, 199.0), (12, 40, 1.0, 120.0),
                       (2, 40, 1.0, 120.0), (50, 200, 10.0, 990.0), (1, 1, 0.5, 0.5),
                       (7, 20, 3.0, 3.0)]:
        w(f"    {{{k}, {m}, {c(a)}, {c(b)}, {c(sum(scipy.stats.betabinom.pmf(i, m, a, b) for i in range(k, m + 1)))}}},")
    w("};")

    # exact two-sided two-sample probabilities straight from SciPy's helper
    w("static const struct { long m, n, h; double p; } g_ks2_exact[] = {")
    for m, n in [(5, 5), (10, 10), (100, 100), (3, 7), (8, 12), (20, 35), (100, 120),
                 (1000, 999), (1, 1), (1, 9)]:
        g = math.gcd(m, n)
        lcm = m // g * n
        for frac in (0.05, 0.2, 0.5, 0.8, 1.0):
            h = max(1, int(round(frac * lcm)))
            if m == n:
                p = _stats_py._compute_prob_outside_square(n, h)
            else:
                p = _stats_py._compute_outer_prob_inside_method(m, n, g, h)
            w(f"    {{{m}, {n}, {h}, {c(p)}}},")
    w("};")

    # one-sample finite-n distributions behind the asymptotic two-sample p-value; the (n, x) grid
    # visits every branch of SciPy's kolmogn selector (Ruben-Gambino ends, Durbin, Pomeranz,
    # Pelz-Good, 2 * smirnov) and smirnov's own branches (n = 1, x <= 1/n, Miller above 10^6).
    kn = [(1, 0.3), (5, 0.15), (5, 0.3), (5, 0.5), (5, 0.9), (10, 0.2), (10, 0.35), (30, 0.1),
          (30, 0.2), (30, 0.3), (30, 0.45), (100, 0.05), (100, 0.08), (100, 0.15), (100, 0.25),
          (140, 0.2), (141, 0.05), (141, 0.1), (141, 0.15), (500, 0.01), (500, 0.03),
          (500, 0.07), (1000, 0.02), (1000, 0.04), (1000, 0.3), (5000, 0.01), (5000, 0.02),
          (20000, 0.005), (20000, 0.012), (200000, 0.002), (200000, 0.003), (2000000, 0.0009),
          (2000000, 0.0005), (857, 0.0011)]
    w("static const struct { long n; double x, kstwo_sf, smirnov; } g_kolmogn[] = {")
    for n, x in kn:
        w(f"    {{{n}, {c(x)}, {c(scipy.stats.kstwo.sf(x, n))}, {c(special.smirnov(n, x))}}},")
    w("};")

    # ks_2samp cases
    rng = np.random.default_rng(20261125)
    cases = []

    def add(name, a, b, method):
        r = scipy.stats.ks_2samp(a, b, alternative="two-sided", method=method)
        cases.append((name, np.asarray(a, float), np.asarray(b, float), method, r))

    add("tiny", [1.0], [2.0], "exact")
    add("tiny_auto", [0.3, 1.2], [0.5, 0.7, 2.0], "auto")
    add("identical", [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], "exact")
    add("ties_int", rng.integers(0, 5, 40), rng.integers(0, 6, 37), "exact")
    add("ties_equal_n", rng.integers(0, 4, 30), rng.integers(1, 5, 30), "auto")
    add("normal_50_60", rng.normal(size=50), rng.normal(0.3, 1.0, size=60), "exact")
    add("normal_200_200", rng.normal(size=200), rng.normal(size=200), "auto")
    add("shift_300_170", rng.normal(size=300), rng.normal(0.5, 1.0, size=170), "exact")
    add("far_apart", rng.normal(size=25), rng.normal(10, 1.0, size=31), "exact")
    add("normal_1000_900", rng.normal(size=1000), rng.normal(0.05, 1.0, size=900), "auto")
    add("asymp_small", rng.normal(size=12), rng.normal(0.4, 1.0, size=17), "asymp")
    add("asymp_ties", rng.integers(0, 8, 300), rng.integers(0, 9, 280), "asymp")
    add("asymp_mid", rng.normal(size=700), rng.normal(0.1, 1.0, size=900), "asymp")
    add("asymp_far", rng.normal(size=40), rng.normal(3.0, 1.0, size=50), "asymp")
    add("neg_zero_inf", [-0.0, 0.0, 1.0, math.inf], [0.0, -math.inf, 2.0], "exact")
    for i, (name, a, b, method, r) in enumerate(cases):
        w(arr(f"g_ks_a{i}", a))
        w(arr(f"g_ks_b{i}", b))
    w("static const struct { const char *name; const double *a; unsigned long na;")
    w("    const double *b; unsigned long nb; int method; double d, p; } g_ks[] = {")
    for i, (name, a, b, method, r) in enumerate(cases):
        mcode = {"auto": 0, "exact": 1, "asymp": 2}[method]
        w(f'    {{"{name}", g_ks_a{i}, {len(a)}, g_ks_b{i}, {len(b)}, {mcode}, '
          f'{c(r.statistic)}, {c(r.pvalue)}}},')
    w("};")

    # chi-square: contingency tables (row-major) with and without Yates, and goodness of fit
    tables = [("yates_2x2", [[12, 5], [7, 9]], True),
              ("yates_2x2_small", [[1, 2], [3, 1]], True),
              ("yates_2x2_near_expected", [[10, 10], [10, 11]], True),
              ("no_yates_2x2", [[12, 5], [7, 9]], False),
              ("yates_2x2_large", [[1200, 950], [1100, 1300]], True),
              ("table_3x4", [[10, 3, 7, 0], [4, 8, 2, 5], [6, 1, 9, 3]], True),
              ("table_3x4_small", [[1, 0, 2, 1], [0, 3, 1, 0], [2, 1, 0, 4]], True),
              ("table_2x3_frac", [[2.5, 3.25, 7.0], [1.0, 4.5, 0.75]], True),
              ("table_1x4", [[3, 5, 2, 7]], True)]
    w("static const struct { const char *name; unsigned long r, c; int yates;")
    w("    double counts[12]; double stat, p; unsigned long dof; } g_chi2_cont[] = {")
    for name, t, yates in tables:
        res = scipy.stats.chi2_contingency(np.array(t, float), correction=yates)
        flat = ", ".join(c(v) for row in t for v in row)
        w(f'    {{"{name}", {len(t)}, {len(t[0])}, {int(yates)}, {{{flat}}}, '
          f'{c(res[0])}, {c(res[1])}, {int(res[2])}}},')
    w("};")
    gof = [("uniform", [16, 18, 16, 14, 12, 12], None, 0),
           ("uniform_ddof1", [16, 18, 16, 14, 12, 12], None, 1),
           ("expected", [16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8], 0),
           ("skewed", [50, 3, 1, 0, 2], None, 0),
           ("two_cells", [9, 1], [5, 5], 0),
           ("frac_expected", [10.5, 20.25, 30.0], [12.0, 18.75, 30.0], 0)]
    w("static const struct { const char *name; unsigned long k, ddof; int has_exp;")
    w("    double obs[6], exp[6]; double stat, p; } g_chi2_gof[] = {")
    for name, o, e, ddof in gof:
        res = scipy.stats.chisquare(o, e, ddof=ddof)
        es = ", ".join(c(v) for v in (e if e else [0] * len(o)))
        w(f'    {{"{name}", {len(o)}, {ddof}, {int(e is not None)}, '
          f'{{{", ".join(c(v) for v in o)}}}, {{{es}}}, {c(res[0])}, {c(res[1])}}},')
    w("};")

    # big samples from the mirrored LCG: (seed, n, scale, shift) for a and b
    big = [("lcg_exact_2000_1500", (1, 2000, 1.0, 0.0), (2, 1500, 1.0, 0.02), "auto"),
           ("lcg_auto_asymp_12000_9000", (3, 12000, 1.0, 0.0), (4, 9000, 1.0, 0.01), "auto"),
           ("lcg_auto_asymp_11000_11000", (5, 11000, 1.0, 0.0), (6, 11000, 1.0, 0.0), "auto"),
           ("lcg_exact_10000_9999", (7, 10000, 1.0, 0.0), (8, 9999, 1.02, 0.0), "exact"),
           ("lcg_exact_tiny_p", (9, 10000, 1.0, 0.0), (10, 10000, 1.0, 0.5), "exact"),
           ("lcg_exact_lcm_too_big", (11, 50000, 1.0, 0.0), (12, 49999, 1.0, 0.01), "exact")]
    w("static const struct { const char *name; unsigned long sa, na; double ka, ha;")
    w("    unsigned long sb, nb; double kb, hb; int method; double d, p; } g_ks_lcg[] = {")
    for name, (sa, na, ka, ha), (sb, nb, kb, hb), method in big:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = scipy.stats.ks_2samp(lcg_sample(sa, na, ka, ha), lcg_sample(sb, nb, kb, hb),
                                     alternative="two-sided", method=method)
        mcode = {"auto": 0, "exact": 1, "asymp": 2}[method]
        w(f'    {{"{name}", {sa}, {na}, {c(ka)}, {c(ha)}, {sb}, {nb}, {c(kb)}, {c(hb)}, {mcode}, '
          f'{c(r.statistic)}, {c(r.pvalue)}}},')
    w("};")
    gen_ztest(w)
    gen_mwu(w)
    gen_divergence(w)
    gen_binning(w)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
