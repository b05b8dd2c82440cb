#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench-stats.py: the anchors of bench/bench_stats.c, side by side in the same run.

Rebuilds bench_stats' samples exactly (its counter-based splitmix64 generator, vectorized with
uint64 NumPy arrays), times SciPy 1.10 / NumPy 1.24 on them, runs build/bench/bench_stats, and
prints one machine-readable bench= line per figure plus the speed-up of each C figure:
    bench=scipy_ks_2samp          scipy.stats.ks_2samp(a, b) (method auto: asymp at this size)
    bench=scipy_mannwhitneyu      scipy.stats.mannwhitneyu(a, b) (auto: asymptotic)
    bench=scipy_wasserstein       scipy.stats.wasserstein_distance(a, b)
    bench=numpy_drift_bins        Evidently's binned PSI / JS per feature with NumPy: Sturges
                                  edges over ref + cur, np.histogram of both, the 1e-4 fill,
                                  PSI, scipy.spatial.distance.jensenshannon; variant=
                                  evidently_edges passes the edges array as Evidently does,
                                  numpy_equal_width the same bins as count + range (faster)
    bench=stats_vs_scipy          speed-up = anchor seconds / C seconds, per figure
Best of three runs (the drift figure runs once: it already makes 100 passes). Usage:
    scripts/bench-stats.py [BUILD_DIR] [quick]    (run by `make bench` via scripts/run-bench)
Run with Debian's /usr/bin/python3 (the one with SciPy).
"""
import subprocess
import sys
import time

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

N = 1000000
FEATURES = 100
REPEAT = 3
GOLD = np.uint64(0x9E3779B97F4A7C15)


def unit(seed, n):
    """bench_stats.c unit(seed, i) for i < n: splitmix64 of seed + (i + 1) * golden."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * GOLD
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def feature(f, current):
    u = unit(1000 + 2 * f + current, N)
    x = u if f % 3 == 0 else (u * u if f % 3 == 1 else u * u * u)
    return x * 1.05 + 0.01 if current and f % 5 == 0 else x


def best_of(fn):
    best, res = None, None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        res = fn()
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    return best, res


def evidently_fill(p):
    nz = p[p != 0]
    np.place(p, p == 0, min(nz) / 10**6 if min(nz) <= 0.0001 else 0.0001)
    return p


def drift_numpy(features, fast):
    """fast=False: np.histogram(x, edges) as Evidently calls it (explicit edges: NumPy sorts
    each block and binary-searches); fast=True: the same equal-width bins given as a count and
    range, NumPy's arithmetic path (same counts)."""
    t_edges = t_count = t_div = 0.0
    psi_sum = js_sum = 0.0
    for f in range(features):
        ref, cur = feature(f, 0), feature(f, 1)
        t0 = time.perf_counter()
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        t1 = time.perf_counter()
        if fast:
            k, rng = len(edges) - 1, (edges[0], edges[-1])
            rc = np.histogram(ref, k, rng)[0]
            cc = np.histogram(cur, k, rng)[0]
        else:
            rc = np.histogram(ref, edges)[0]
            cc = np.histogram(cur, edges)[0]
        t2 = time.perf_counter()
        r = evidently_fill(rc / len(ref))
        c = evidently_fill(cc / len(cur))
        psi = np.sum((r - c) * np.log(r / c))
        js = distance.jensenshannon(rc / len(ref), cc / len(cur))
        t3 = time.perf_counter()
        t_edges += t1 - t0
        t_count += t2 - t1
        t_div += t3 - t2
        psi_sum += psi
        js_sum += js
    return t_edges, t_count, t_div, psi_sum, js_sum


def run_c(build, quick):
    exe = build + "/bench/bench_stats"
    try:
        out = subprocess.run([exe] + (["quick"] if quick else []), check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench-stats: {exe}: {e}", file=sys.stderr)
        return {}
    figures = {}
    for line in out.splitlines():
        kv = dict(item.split("=", 1) for item in line.split() if "=" in item)
        key = kv.get("bench", "") + ":" + kv.get("case", kv.get("edges", ""))
        figures[key] = kv
    return figures


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    quick = len(sys.argv) > 2 and sys.argv[2] == "quick"
    features = 10 if quick else FEATURES
    ver = f"scipy={scipy.__version__} numpy={np.__version__}"
    a = unit(1, N)
    b = unit(2, N) + 0.0025
    c = unit(3, N)
    anchors = {}
    for case, other in (("shift", b), ("same", c)):
        t, r = best_of(lambda: stats.ks_2samp(a, other))
        anchors["stats_ks:" + case] = t
        print(f"bench=scipy_ks_2samp case={case} n={N}x{N} seconds={t:.4f} "
              f"d={r.statistic:.17g} p={r.pvalue:.17g} {ver}")
    t, r = best_of(lambda: stats.mannwhitneyu(a, b))
    anchors["stats_mwu:shift"] = t
    print(f"bench=scipy_mannwhitneyu case=shift n={N}x{N} seconds={t:.4f} u={r.statistic:.17g} "
          f"p={r.pvalue:.17g}")
    t, r = best_of(lambda: stats.wasserstein_distance(a, b))
    anchors["stats_wasserstein:shift"] = t
    print(f"bench=scipy_wasserstein case=shift n={N}x{N} seconds={t:.4f} w={r:.17g}")
    for variant, fast in (("evidently_edges", False), ("numpy_equal_width", True)):
        te, tc, td, psi_sum, js_sum = drift_numpy(features, fast)
        total = te + tc + td
        anchors["stats_drift_bins:" + variant] = total
        print(f"bench=numpy_drift_bins variant={variant} features={features} rows={N} "
              f"seconds={total:.4f} ms_per_feature={1e3 * total / features:.3f} "
              f"edges_s={te:.4f} count_s={tc:.4f} divergence_s={td:.4f} psi_sum={psi_sum:.12g} "
              f"js_sum={js_sum:.12g}")
    figures = run_c(build, quick)
    for key, t_anchor in anchors.items():
        name, case = key.split(":")
        kv = figures.get(key if name != "stats_drift_bins" else name + ":")
        if not kv or float(kv["seconds"]) <= 0:
            continue
        print(f"bench=stats_vs_scipy figure={name} case={case} "
              f"c_seconds={float(kv['seconds']):.4f} anchor_seconds={t_anchor:.4f} "
              f"speedup={t_anchor / float(kv['seconds']):.1f}")


if __name__ == "__main__":
    main()
