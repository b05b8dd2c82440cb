#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-localize-golden.py: golden vectors for src/rca/localize.c (segment localization).

An independent Python implementation of the definitions in src/rca/localize.h and docs/rca.md
("Localizing by segment"): Adtributor (Bhagwan et al., NSDI 2014) with its derived-measure
explanatory power and surprise, RiskLoc (Kalander, arXiv 2205.10004; logic of the reference
implementation shaido987/riskloc, algorithms/riskloc.py, with the changes docs/rca.md lists),
and the uniformity verdict. Plain Python floats, summed in leaf order as the C code does, so the
two agree to rounding; numpy only draws the synthetic data.

The synthetic datasets follow RiskLoc's generator (generate_dataset.py): every combination of
the dimensions' elements is a leaf; real values ~ Weibull(alpha) * 100, a share of leaves set to
zero, the forecast = real with relative Gaussian noise, forecast and real swapped at random,
then 1-3 anomalies, each on 1-3 elements of a random cuboid (layer 1 .. all dimensions), that
scale one side by (1 - r), r ~ N(severity, deviation). The forecast is our baseline window and
the real value our incident window. Derived datasets have a numerator and a denominator per
leaf (clicks and impressions), anomalies on the ratio, and one with a denominator that stopped
being logged in one element.

Run with Debian's interpreter (numpy from Debian; no pip packages):
    /usr/bin/python3 scripts/gen-localize-golden.py > tests/unit/rca/golden/localize_golden.json
Seeds are fixed; the data are stored in the output, so the C test does not depend on numpy's
generator. Non-finite numbers are written as the strings "inf", "-inf", "nan" (JSON has none).
With --report, prints to stderr how well RiskLoc found the injected root causes;
    /usr/bin/python3 scripts/gen-localize-golden.py --eval 100 6,5,4,3
prints RiskLoc's F1 over 100 generated instances with our cutoff rule and with the reference's.
"""
import itertools
import json
import math
import sys

import numpy as np

# ---- options (the defaults of fl_localize_opts_init) -----------------------------------------

DEFAULT_OPTS = {
    "baseline_scale": 1.0,
    "t_eep": 0.1,
    "t_ep": 0.67,
    "top_k": 3,
    "risk_threshold": 0.5,
    "pep_threshold": 0.02,
    "n_remove": 5,
    "prune_elements": True,
    "max_layer": 3,
    "max_causes": 10,
    "uniform_excess": 0.05,
    "uniform_gap": 0.5,
    "uniform_z": 3.0,
    "min_rel_change": 0.0,
}

INF = float("inf")


def ratio(n, d):
    return n / d if d > 0 else 0.0


def rel(f, v):
    if f > 0:
        return v / f - 1.0
    return INF if v > 0 else 0.0


def js_term(p, q):
    """Adtributor's surprise: one element's term of the Jensen-Shannon divergence, natural log,
    0 log 0 = 0."""
    s = 0.0
    m = p + q
    if p > 0:
        s += p * math.log(2.0 * p / m)
    if q > 0:
        s += q * math.log(2.0 * q / m)
    return 0.5 * s


# ---- the model -------------------------------------------------------------------------------

class Model:
    """Leaves (attribute tuples, element ids by first appearance) with their four sums."""

    def __init__(self, dims, derived):
        self.dims = list(dims)
        self.derived = derived
        self.values = [[] for _ in dims]   # element strings per dimension, first-seen order
        self.index = [{} for _ in dims]
        self.leaf_of = {}
        self.keys = []                     # element ids per leaf
        self.sums = []                     # [b_num, b_den, i_num, i_den] per leaf

    def add(self, vals, b_num, b_den, i_num, i_den):
        key = []
        for d, v in enumerate(vals):
            ix = self.index[d].get(v)
            if ix is None:
                ix = len(self.values[d])
                self.index[d][v] = ix
                self.values[d].append(v)
            key.append(ix)
        key = tuple(key)
        li = self.leaf_of.get(key)
        if li is None:
            li = len(self.keys)
            self.leaf_of[key] = li
            self.keys.append(key)
            self.sums.append([0.0] * 6)
        s = self.sums[li]
        if not self.derived:
            b_den = i_den = 0.0
        s[0] += b_num
        s[1] += b_den
        s[2] += i_num
        s[3] += i_den


class Ctx:
    """Totals and the segment statistics shared by Adtributor, RiskLoc and the verdict."""

    def __init__(self, m, o):
        self.m = m
        self.o = o
        self.derived = m.derived
        sc = o["baseline_scale"]
        # Per leaf [f1, f2, v1, v2, w, w2]: w weights the leaf in its segment's change (the
        # baseline value, or the baseline denominator of a ratio), for the noise estimate.
        self.leaf = []
        for s in m.sums:
            f1, f2 = s[0] * sc, s[1] * sc
            w = f2 if self.derived else f1
            self.leaf.append([f1, f2, s[2], s[3], w, w * w])
        T = [0.0] * 6
        for p in self.leaf:
            add_sums(T, p)
        self.T = T
        F1, F2, A1, A2 = T[:4]
        self.MF = self.measure(F1, F2)
        self.MA = self.measure(A1, A2)
        self.R = rel(self.MF, self.MA)
        self.sigma = self.leaf_noise()

    def leaf_noise(self):
        """1.4826 x MAD of the deviation scores of the leaves with data in both windows."""
        d = []
        for p in self.leaf:
            f, v = self.measure(p[0], p[1]), self.measure(p[2], p[3])
            if f > 0 and v > 0:
                d.append(2.0 * (f - v) / (f + v))
        if len(d) < 2:
            return 0.0
        d.sort()
        med = median_sorted(d)
        a = sorted(abs(x - med) for x in d)
        return 1.4826 * median_sorted(a)

    def measure(self, n, d):
        return ratio(n, d) if self.derived else n

    def raw_ep(self, f1, f2, v1, v2, *_):
        """Unnormalized explanatory power: the change of the total if only this segment had
        changed (derived: Adtributor's counterfactual ratio; fundamental: v - f)."""
        F1, F2 = self.T[0], self.T[1]
        if not self.derived:
            return v1 - f1
        return ratio(F1 + (v1 - f1), F2 + (v2 - f2)) - ratio(F1, F2)

    def eps(self, parts):
        """EP of each part of a partition (elements of a dimension, or leaves)."""
        F1, F2, A1, A2 = self.T[:4]
        if not self.derived:
            den = A1 - F1
            return [(p[2] - p[0]) / den if den != 0 else 0.0 for p in parts]
        raws = [self.raw_ep(*p) for p in parts]
        tot = 0.0
        for r in raws:
            tot += r
        return [r / tot if tot != 0 else 0.0 for r in raws]

    def uniform_eps(self, parts, eps):
        """EP each part would have if every part had changed as the total did."""
        F1, F2, A1, A2 = self.T[:4]
        if not self.derived:
            if F1 > 0:
                return [p[0] / F1 for p in parts]
            return list(eps)
        if not (F1 > 0 and F2 > 0):
            return list(eps)
        r1 = A1 / F1
        r2 = A2 / F2
        raws = [ratio(F1 + (r1 - 1.0) * p[0], F2 + (r2 - 1.0) * p[1]) - ratio(F1, F2)
                for p in parts]
        tot = 0.0
        for r in raws:
            tot += r
        return [r / tot if tot != 0 else 0.0 for r in raws]

    def se2(self, w, w2):
        return self.sigma * self.sigma * w2 / (w * w) if w > 0 else 0.0

    def seg(self, q, ep, uep, rest_empty):
        """Segment statistics from its six sums, EP and uniform EP."""
        o = self.o
        f1, f2, v1, v2, w, w2 = q
        g = {"base_num": f1, "base_den": f2, "inc_num": v1, "inc_den": v2}
        g["base"] = self.measure(f1, f2)
        g["inc"] = self.measure(v1, v2)
        g["rel_change"] = rel(g["base"], g["inc"])
        rest = [max(t - x, 0.0) for t, x in zip(self.T, q)]
        g["rest_rel_change"] = rel(self.measure(rest[0], rest[1]),
                                   self.measure(rest[2], rest[3]))
        g["ep"] = ep
        g["uniform_ep"] = uep
        g["excess"] = ep - uep
        R = self.R
        diff = 0.0
        if not rest_empty:
            a, b = g["rel_change"], g["rest_rel_change"]
            if math.isinf(a) and math.isinf(b):
                diff = 0.0
            elif math.isinf(a) or math.isinf(b):
                diff = INF
            else:
                diff = abs(a - b)
        g["gap"] = diff / abs(R) if R != 0 and not math.isinf(R) else 0.0
        se = math.sqrt(self.se2(w, w2) + self.se2(rest[4], rest[5]))
        g["z"] = 0.0 if diff == 0 else (diff / se if se > 0 else INF)
        g["disproportionate"] = abs(g["excess"]) >= o["uniform_excess"] and \
            g["gap"] >= o["uniform_gap"] and g["z"] >= o["uniform_z"]
        return g


def add_sums(acc, p):
    for k in range(6):
        acc[k] += p[k]


def median_sorted(v):
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# ---- Adtributor ------------------------------------------------------------------------------

def adtributor(c):
    m, o = c.m, c.o
    F1, F2, A1, A2 = c.T[:4]
    dims = []
    for d in range(len(m.dims)):
        n = len(m.values[d])
        parts = [[0.0] * 6 for _ in range(n)]
        for li, key in enumerate(m.keys):
            add_sums(parts[key[d]], c.leaf[li])
        eps = c.eps(parts)
        ueps = c.uniform_eps(parts, eps)
        elems = []
        for e in range(n):
            p = parts[e]
            sn = js_term(p[0] / F1 if F1 > 0 else 0.0, p[2] / A1 if A1 > 0 else 0.0)
            sd = 0.0
            if c.derived:
                sd = js_term(p[1] / F2 if F2 > 0 else 0.0, p[3] / A2 if A2 > 0 else 0.0)
            el = {"value": m.values[d][e], "index": e, "parts": p,
                  "s": c.seg(p, eps[e], ueps[e], n == 1),
                  "surprise": sn + sd, "surprise_num": sn, "surprise_den": sd, "in_set": False}
            elems.append(el)
        surprise = 0.0
        for el in elems:   # the dimension's JS divergence, summed in element-id order
            surprise += el["surprise"]
        elems.sort(key=lambda el: (-el["surprise"], el["index"]))
        cum = 0.0
        chosen = []
        complete = False
        for el in elems:
            if el["s"]["ep"] > o["t_eep"]:
                chosen.append(el)
                cum += el["s"]["ep"]
                if cum > o["t_ep"]:
                    complete = True
                    break
        explains = complete and len(chosen) < n
        dim = {"name": m.dims[d], "index": d, "elems": elems, "surprise": surprise,
               "explains": explains, "n_set": 0, "set_surprise": 0.0, "set": None,
               "selected": False}
        if explains:
            acc = [0.0] * 6
            sep = sue = ss = 0.0
            for el in chosen:
                el["in_set"] = True
                add_sums(acc, el["parts"])
                sep += el["s"]["ep"]
                sue += el["s"]["uniform_ep"]
                ss += el["surprise"]
            dim["n_set"] = len(chosen)
            dim["set_surprise"] = ss
            dim["set"] = c.seg(acc, sep, sue, False)
        dims.append(dim)
    exp = sorted([x for x in dims if x["explains"]], key=lambda x: (-x["set_surprise"],
                                                                    x["index"]))
    rest = sorted([x for x in dims if not x["explains"]], key=lambda x: (-x["surprise"],
                                                                         x["index"]))
    for i, x in enumerate(exp):
        x["selected"] = i < o["top_k"]
    return exp + rest


# ---- RiskLoc ---------------------------------------------------------------------------------

def cutoff_rule(c, dev, f, v):
    """(anomalies are decreases, |cutoff|) from the leaves with data in a window: the
    (n_remove + 1)-th smallest and largest deviations, duplicates counted; the anomalous side is
    the one of larger magnitude, the cutoff the smaller magnitude. None without such leaves."""
    info = sorted(dev[i] for i in range(len(dev)) if not (f[i] == 0 and v[i] == 0))
    if not info:
        return None
    k = min(c.o["n_remove"], len(info) - 1)
    lo, hi = info[k], info[len(info) - 1 - k]
    if abs(hi) > abs(lo):
        return True, abs(lo)
    if abs(lo) > abs(hi):
        return False, abs(hi)
    return c.MF >= c.MA, abs(lo)


def riskloc(c):
    m, o = c.m, c.o
    n = len(m.keys)
    nd = len(m.dims)
    parts = c.leaf
    ep0 = c.eps(parts)
    uep = c.uniform_eps(parts, ep0)
    f = [c.measure(p[0], p[1]) for p in parts]
    v = [c.measure(p[2], p[3]) for p in parts]
    dev = [2.0 * (f[i] - v[i]) / (f[i] + v[i]) if f[i] + v[i] > 0 else 0.0 for i in range(n)]
    res = {"cutoff": 0.0, "decrease": True, "n_anomalous": 0, "causes": [], "union": None}
    cut = cutoff_rule(c, dev, f, v)
    if cut is None:
        return res
    dec, cmag = cut
    cutoff = cmag if dec else -cmag
    part = [(dev[i] > cmag) if dec else (dev[i] < -cmag) for i in range(n)]
    w = []
    for i in range(n):
        if part[i]:
            x = abs(dev[i])
        elif f[i] == 0 and v[i] == 0:
            x = 0.0
        else:
            x = abs(cutoff - dev[i])
        w.append(min(x, 1.0))
    res.update(cutoff=cutoff, decrease=dec, n_anomalous=sum(part))
    ep = list(ep0)
    s = 0.0
    for i in range(n):
        if part[i]:
            s += ep[i]
    if s < 0:
        ep = [-x for x in ep]
        s = -s
    adj = s * o["pep_threshold"]
    epz = [x if x > 0 else 0.0 for x in ep]
    active = [True] * n
    pruned = [set() for _ in range(nd)]
    L = nd if o["max_layer"] == 0 else min(o["max_layer"], nd)

    def risks(sel):
        na = nn = 0.0
        for i in sel:
            if part[i]:
                na += w[i]
            else:
                nn += w[i]
        high = na / (na + nn + 1.0)
        flt = [i for i in sel if v[i] != 0 and f[i] != 0]
        low = 0.0
        if flt:
            sv = sf = 0.0
            for i in flt:
                sv += v[i]
                sf += f[i]
            w1 = w2 = 0.0
            for i in flt:
                a = f[i] * sv / sf
                w1 += abs(2.0 * (a - v[i]) / (a + v[i]))
                w2 += abs(dev[i])
            w1 /= len(flt)
            w2 /= len(flt)
            if w2 != 0:
                low = w1 / w2
        return high, low

    def search():
        best = None
        best_ep = adj
        for layer in range(1, L + 1):
            for cub in itertools.combinations(range(nd), layer):
                groups = {}
                order = []
                for i in range(n):
                    if not active[i]:
                        continue
                    key = m.keys[i]
                    if o["prune_elements"] and any(key[d] in pruned[d] for d in cub):
                        continue
                    t = tuple(key[d] for d in cub)
                    g = groups.get(t)
                    if g is None:
                        g = {"ep": 0.0, "epz": 0.0, "np": 0, "leaves": []}
                        groups[t] = g
                        order.append(t)
                    g["ep"] += ep[i]
                    g["epz"] += epz[i]
                    g["np"] += 1 if part[i] else 0
                    g["leaves"].append(i)
                if o["prune_elements"] and layer == 1:
                    for t in order:
                        g = groups[t]
                        if g["epz"] < adj or g["np"] == 0:
                            pruned[cub[0]].add(t[0])
                cands = [t for t in order if groups[t]["np"] > 0 and groups[t]["ep"] > best_ep]
                cands.sort(key=lambda t: -groups[t]["ep"])   # stable: first appearance on ties
                for t in cands:
                    g = groups[t]
                    high, low = risks(g["leaves"])
                    if high - low >= o["risk_threshold"]:
                        best = {"cuboid": cub, "tuple": t, "risk": high - low, "high": high,
                                "low": low, "search_ep": g["ep"], "layer": layer}
                        best_ep = g["ep"]
                        break
            if best is not None:
                return best
        return None

    taken_all = []
    while len(res["causes"]) < o["max_causes"]:
        s = 0.0
        for i in range(n):
            if active[i] and part[i]:
                s += ep[i]
        if s < adj:
            break
        best = search()
        if best is None:
            break
        taken = [i for i in range(n)
                 if active[i] and all(m.keys[i][d] == e for d, e in zip(best["cuboid"],
                                                                        best["tuple"]))]
        for i in taken:
            active[i] = False
        taken_all.extend(taken)
        acc = [0.0] * 6
        sep = sue = 0.0
        for i in taken:
            add_sums(acc, parts[i])
            sep += ep0[i]
            sue += uep[i]
        best["n_leaves"] = len(taken)
        best["attrs"] = [[m.dims[d], m.values[d][e]] for d, e in zip(best["cuboid"],
                                                                     best["tuple"])]
        best["s"] = c.seg(acc, sep, sue, len(taken) == n)
        res["causes"].append(best)
    if res["causes"]:
        taken_all.sort()
        acc = [0.0] * 6
        sep = sue = 0.0
        for i in taken_all:
            add_sums(acc, parts[i])
            sep += ep0[i]
            sue += uep[i]
        res["union"] = c.seg(acc, sep, sue, len(taken_all) == n)
    return res


def verdict(c, dims, rl):
    if abs(c.R) <= c.o["min_rel_change"]:
        return "no_change"
    if rl["union"] is not None and rl["union"]["disproportionate"]:
        return "localized"
    for x in rl["causes"]:
        if x["s"]["disproportionate"]:
            return "localized"
    for dm in dims:
        if dm["set"] is not None and dm["set"]["disproportionate"]:
            return "localized"
        for el in dm["elems"]:
            if el["s"]["disproportionate"]:
                return "localized"
    return "uniform"


def localize(m, o):
    c = Ctx(m, o)
    dims = adtributor(c)
    rl = riskloc(c)
    total = c.seg(list(c.T), 1.0, 1.0, True)
    return c, dims, rl, verdict(c, dims, rl), total


# ---- synthetic data (RiskLoc's generator, re-implemented) ------------------------------------

def gen_fundamental(seed, sizes, noise_max=0.25, zero_max=0.25):
    rng = np.random.default_rng(seed)
    names = "abcdefgh"[:len(sizes)]
    elems = [[f"{n}{i}" for i in range(1, k + 1)] for n, k in zip(names, sizes)]
    leaves = list(itertools.product(*elems))
    N = len(leaves)
    zero_rate = rng.uniform(0.0, zero_max)
    noise = rng.uniform(0.0, noise_max)
    alpha = rng.uniform(0.5, 1.0)
    real = rng.weibull(alpha, N) * 100
    real = real * (rng.uniform(size=N) > zero_rate)
    pred = real + real * rng.normal(0, noise, N)
    swap = rng.integers(0, 1, size=N, endpoint=True)
    pred, real = np.where(swap == 1, real, pred), np.where(swap == 0, real, pred)
    pred = np.maximum(pred, 0.0)
    real = np.maximum(real, 0.0)
    direction = 1 if real.sum() > pred.sum() else 0
    labels, masks = inject(rng, names, sizes, leaves, real, noise)
    for mask, (sev, sd) in masks:
        for i in np.nonzero(mask)[0]:
            r = rng.normal(sev, sd)
            if direction == 0:
                real[i] = max(pred[i] * (1 - r), 0.0)
            else:
                pred[i] = max(real[i] * (1 - r), 0.0)
    rows = [[list(leaves[i]), float(pred[i]), 0.0, float(real[i]), 0.0] for i in range(N)]
    return names, rows, labels


def inject(rng, names, sizes, leaves, base, noise):
    """1-3 anomalies, each 1-3 elements of one cuboid, not overlapping earlier ones."""
    nd = len(names)
    used = []   # (dims, set of tuples)
    out = []
    labels = []
    for _ in range(int(rng.integers(1, 3, endpoint=True))):
        for _attempt in range(100):
            layer = int(rng.integers(1, nd, endpoint=True))
            dims = sorted(rng.choice(nd, size=layer, replace=False).tolist())
            k = int(rng.integers(1, 3, endpoint=True))
            tuples = set()
            for _j in range(k):
                tuples.add(tuple(int(rng.integers(1, sizes[d], endpoint=True)) for d in dims))
            ok = True
            for udims, utuples in used:
                common = [d for d in dims if d in udims]
                if udims == dims or (common and any(
                        all(t[dims.index(d)] == u[udims.index(d)] for d in common)
                        for t in tuples for u in utuples)):
                    ok = False
            mask = np.zeros(len(leaves), bool)
            for t in tuples:
                want = {names[d] + str(e) for d, e in zip(dims, t)}
                for i, lf in enumerate(leaves):
                    if want.issubset(lf):
                        mask[i] = True
            if ok and base[mask].sum() > 0:
                break
        used.append((dims, tuples))
        sev = rng.uniform(0.2, 1.0) + noise
        sd = rng.uniform(0.0, 0.1)
        out.append((mask, (sev, sd)))
        for t in sorted(tuples):
            labels.append("&".join(f"{names[d]}={names[d]}{e}" for d, e in zip(dims, t)))
    return ";".join(labels), out


def gen_derived(seed, sizes, kind):
    """Impressions per leaf (Weibull), a CTR per leaf; baseline and incident with Poisson-like
    noise. kind "ratio": CTR of 1-2 cuboid elements falls by 30-80 %; "den_lost": the
    denominator of one element of dimension b is not logged in the incident window."""
    rng = np.random.default_rng(seed)
    names = "abcdefgh"[:len(sizes)]
    elems = [[f"{n}{i}" for i in range(1, k + 1)] for n, k in zip(names, sizes)]
    leaves = list(itertools.product(*elems))
    N = len(leaves)
    imp = np.floor(rng.weibull(0.8, N) * 2000) + 1
    ctr = rng.uniform(0.01, 0.08, N)
    b_den = np.floor(imp * rng.uniform(0.9, 1.1, N))
    b_num = np.floor(b_den * ctr * rng.uniform(0.85, 1.15, N))
    i_den = np.floor(imp * rng.uniform(0.9, 1.1, N))
    i_ctr = ctr * rng.uniform(0.85, 1.15, N)
    labels = []
    if kind == "ratio":
        nd = len(sizes)
        layer = int(rng.integers(1, min(nd, 3), endpoint=True))
        dims = sorted(rng.choice(nd, size=layer, replace=False).tolist())
        t = tuple(int(rng.integers(1, sizes[d], endpoint=True)) for d in dims)
        want = {names[d] + str(e) for d, e in zip(dims, t)}
        drop = rng.uniform(0.3, 0.8)
        for i, lf in enumerate(leaves):
            if want.issubset(lf):
                i_ctr[i] *= 1 - drop
        labels.append("&".join(f"{names[d]}={names[d]}{e}" for d, e in zip(dims, t)))
    i_num = np.floor(i_den * i_ctr)
    if kind == "den_lost":
        e = int(rng.integers(1, sizes[1], endpoint=True))
        for i, lf in enumerate(leaves):
            if f"b{e}" in lf:
                i_den[i] = 0.0
        labels.append(f"b=b{e}")
    rows = [[list(leaves[i]), float(b_num[i]), float(b_den[i]), float(i_num[i]),
             float(i_den[i])] for i in range(N)]
    return names, rows, ";".join(labels)


def gen_sparse(seed, sizes, n_rows, pair):
    """Random combinations (most of the lattice empty, so the C code's large cuboids take its
    hash-table path), values 50-150 with +-10 % noise; pair: the values of one element pair of
    dimensions a and b fall by 70 %, else no anomaly (a search over every combination)."""
    rng = np.random.default_rng(seed)
    names = "abcdefgh"[:len(sizes)]
    rows = []
    labels = ""
    if pair:
        ea, eb = int(rng.integers(1, sizes[0], endpoint=True)), \
            int(rng.integers(1, sizes[1], endpoint=True))
        labels = f"a=a{ea}&b=b{eb}"
    for _ in range(n_rows):
        idx = [int(rng.integers(1, k, endpoint=True)) for k in sizes]
        vals = [f"{n}{i}" for n, i in zip(names, idx)]
        b = 50.0 + 100.0 * rng.uniform()
        v = b * rng.uniform(0.9, 1.1)
        if pair and idx[0] == ea and idx[1] == eb:
            v *= 0.3
        rows.append([vals, float(b), 0.0, float(v), 0.0])
    if pair:   # enough leaves under the pair for RiskLoc's n_remove trimming
        for k in range(12):
            vals = [f"a{ea}", f"b{eb}"] + [f"{n}{1 + (k * 7 + j) % m}"
                                          for j, (n, m) in enumerate(zip(names[2:], sizes[2:]))]
            b = 50.0 + 100.0 * rng.uniform()
            rows.append([vals, float(b), 0.0, float(b * 0.3 * rng.uniform(0.9, 1.1)), 0.0])
    return names, rows, labels


def gen_shift(seed, sizes, everywhere, drop_elem):
    """Every leaf changes by `everywhere` (+-3 % noise); with drop_elem, the leaves of a=a<k>
    fall by 80 % instead (a drop against a rising total: RiskLoc's sign flip of the EP)."""
    rng = np.random.default_rng(seed)
    names = "abcdefgh"[:len(sizes)]
    elems = [[f"{n}{i}" for i in range(1, k + 1)] for n, k in zip(names, sizes)]
    rows = []
    for lf in itertools.product(*elems):
        b = 20.0 + 200.0 * rng.uniform()
        v = b * (1.0 + everywhere) * rng.uniform(0.97, 1.03)
        if drop_elem and lf[0] == f"a{drop_elem}":
            v = b * 0.2 * rng.uniform(0.97, 1.03)
        rows.append([list(lf), float(b), 0.0, float(v), 0.0])
    return names, rows, f"a=a{drop_elem}" if drop_elem else ""


# ---- output ----------------------------------------------------------------------------------

def jnum(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


SEG_KEYS = ["base_num", "base_den", "inc_num", "inc_den", "base", "inc", "rel_change",
            "rest_rel_change", "ep", "uniform_ep", "excess", "gap", "z"]


def jseg(g):
    if g is None:
        return None
    out = {k: jnum(g[k]) for k in SEG_KEYS}
    out["disproportionate"] = g["disproportionate"]
    return out


def run_case(name, dims, rows, derived, injected, opts):
    # Inputs rounded to 4 decimals keep the file small; both implementations read these.
    rows = [[vals] + [round(float(x), 4) for x in r] for vals, *r in rows]
    o = dict(DEFAULT_OPTS)
    o.update(opts)
    m = Model(dims, derived)
    for vals, bn, bd, i_n, i_d in rows:
        m.add(vals, bn, bd, i_n, i_d)
    c, rdims, rl, vd, total = localize(m, o)
    exp = {"R": jnum(c.R), "noise": jnum(c.sigma), "total": jseg(total), "verdict": vd}
    exp["dims"] = [{
        "name": x["name"], "index": x["index"], "surprise": jnum(x["surprise"]),
        "explains": x["explains"], "n_set": x["n_set"], "set_surprise": jnum(x["set_surprise"]),
        "selected": x["selected"], "set": jseg(x["set"]),
        "elems": [{"value": el["value"], "surprise": jnum(el["surprise"]),
                   "surprise_num": jnum(el["surprise_num"]),
                   "surprise_den": jnum(el["surprise_den"]), "in_set": el["in_set"],
                   "s": jseg(el["s"])} for el in x["elems"]]} for x in rdims]
    exp["riskloc"] = {
        "cutoff": jnum(rl["cutoff"]), "decrease": rl["decrease"],
        "n_anomalous": rl["n_anomalous"], "union": jseg(rl["union"]),
        "causes": [{"attrs": x["attrs"], "risk": jnum(x["risk"]), "high": jnum(x["high"]),
                    "low": jnum(x["low"]), "search_ep": jnum(x["search_ep"]),
                    "n_leaves": x["n_leaves"], "s": jseg(x["s"])} for x in rl["causes"]]}
    found = sorted("&".join(f"{a}={b}" for a, b in sorted(x["attrs"])) for x in rl["causes"])
    return {"name": name, "derived": derived, "dims": list(dims), "opts": opts,
            "injected": injected,
            "rows": [[vals, jnum(bn), jnum(bd), jnum(i_n), jnum(i_d)]
                     for vals, bn, bd, i_n, i_d in rows],
            "expect": exp}, found


def reference_cutoff_rule(c, dev, f, v):
    """The reference implementation's cutoff (shaido987/riskloc get_cutoff and add_partition):
    over unique deviation values, t = -min(lo, hi, key=abs), side by the sign of t (of -0.0
    too). For --eval only."""
    u = sorted(set(dev))
    k = min(c.o["n_remove"], len(u) - 1)
    lo, hi = u[k], u[len(u) - 1 - k]
    t = -min(lo, hi, key=abs)
    return math.copysign(1.0, t) > 0, abs(t)


def evaluate(n, sizes):
    """RiskLoc's F1 over n generated instances (seeds 1000 ..), with our cutoff rule and with the
    reference's: true positives are root causes found exactly as injected."""
    global cutoff_rule
    ours = cutoff_rule
    for name, rule in [("ours", ours), ("reference", reference_cutoff_rule)]:
        cutoff_rule = rule
        tp = fp = fn = 0
        for seed in range(1000, 1000 + n):
            dims, rows, labels = gen_fundamental(seed, sizes)
            o = dict(DEFAULT_OPTS)
            o["max_layer"] = 0
            m = Model(dims, False)
            for r in rows:
                m.add(*r)
            rl = riskloc(Ctx(m, o))
            got = {"&".join(f"{a}={b}" for a, b in sorted(x["attrs"])) for x in rl["causes"]}
            want = set(labels.split(";"))
            tp += len(got & want)
            fp += len(got - want)
            fn += len(want - got)
        print(f"riskloc cutoff={name} instances={n} dims={sizes} tp={tp} fp={fp} fn={fn} "
              f"f1={2 * tp / (2 * tp + fp + fn):.3f}")
    # A segment that vanished (a=a1 -> 0: many leaves with deviation exactly 2) amid
    # log-symmetric noise: is a=a1 the first root cause?
    for name, rule in [("ours", ours), ("reference", reference_cutoff_rule)]:
        cutoff_rule = rule
        hits = 0
        for seed in range(n):
            rng = np.random.default_rng(seed)
            m = Model("abcd", False)
            for lf in itertools.product(*[[f"{d}{i}" for i in range(1, k + 1)]
                                          for d, k in zip("abcd", (6, 5, 4, 3))]):
                b = 50 + 100 * rng.uniform()
                v = 0.0 if lf[0] == "a1" else b * math.exp(rng.normal(0, 0.03))
                m.add(list(lf), b, 0.0, v, 0.0)
            o = dict(DEFAULT_OPTS)
            o["max_layer"] = 0
            rl = riskloc(Ctx(m, o))
            hits += bool(rl["causes"]) and rl["causes"][0]["attrs"] == [["a", "a1"]]
        print(f"riskloc cutoff={name} vanished_segment_found={hits}/{n}")
    cutoff_rule = ours


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--eval":
        evaluate(int(sys.argv[2]), tuple(int(x) for x in sys.argv[3].split(",")))
        return
    report = "--report" in sys.argv[1:]
    cases = []
    stats = []
    fund = [("fund_s1", 121, (6, 5, 4, 3)), ("fund_s2", 122, (6, 5, 4, 3)),
            ("fund_s3", 123, (8, 6, 5)), ("fund_s4", 124, (5, 5, 4, 3)),
            ("fund_s5", 125, (10, 4, 3, 3))]
    for name, seed, sizes in fund:
        dims, rows, labels = gen_fundamental(seed, sizes)
        case, found = run_case(name, dims, rows, False, labels, {"max_layer": 0})
        cases.append(case)
        stats.append((name, labels, found))
    der = [("derived_ratio1", 221, (6, 5, 4), "ratio"), ("derived_ratio2", 222, (5, 4, 4, 3),
                                                          "ratio"),
           ("derived_den_lost", 223, (4, 6, 5), "den_lost")]
    for name, seed, sizes, kind in der:
        dims, rows, labels = gen_derived(seed, sizes, kind)
        case, found = run_case(name, dims, rows, True, labels, {"max_layer": 0})
        cases.append(case)
        stats.append((name, labels, found))
    for name, seed, pair in [("sparse_noise", 321, False), ("sparse_pair", 322, True)]:
        dims, rows, labels = gen_sparse(seed, (10, 12, 15, 20), 800, pair)
        case, found = run_case(name, dims, rows, False, labels, {"max_layer": 0})
        cases.append(case)
        stats.append((name, labels, found))
    for name, seed, everywhere, drop in [("uniform_drop", 421, -0.15, 0),
                                         ("drop_against_rise", 422, 0.25, 2)]:
        dims, rows, labels = gen_shift(seed, (6, 5, 4), everywhere, drop)
        case, found = run_case(name, dims, rows, False, labels, {"max_layer": 0})
        cases.append(case)
        stats.append((name, labels, found))
    # The same data with other options: a shorter search, a baseline scale, no pruning.
    dims, rows, labels = gen_fundamental(126, (6, 5, 4, 3))
    case, found = run_case("fund_opts", dims, rows, False, labels,
                           {"max_layer": 2, "baseline_scale": 1.1, "prune_elements": False,
                            "n_remove": 3, "t_ep": 0.5, "top_k": 2})
    cases.append(case)
    stats.append(("fund_opts", labels, found))
    # One case per line, so that a regenerated file diffs case by case.
    head = {"generator": "scripts/gen-localize-golden.py", "numpy": np.__version__,
            "python": sys.version.split()[0]}
    w = sys.stdout.write
    w(json.dumps(head, separators=(",", ":"))[:-1] + ',"cases":[\n')
    w(",\n".join(json.dumps(cs, separators=(",", ":")) for cs in cases))
    w("\n]}\n")
    if report:
        for name, labels, found in stats:
            want = set(labels.split(";")) if labels else set()
            got = set(found)
            tp = len(want & got)
            print(f"{name}: injected {sorted(want)} found {sorted(got)} "
                  f"tp={tp} fp={len(got - want)} fn={len(want - got)}", file=sys.stderr)


if __name__ == "__main__":
    main()
