#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""sockshop.py: `faultline rank` on the RCD Sock Shop cases (RCAEval's "Sock Shop 1"), with
RCAEval's protocol (ASE 2024), printed beside the published Avg@5 (Table 5).

Protocol, per case (rcd-sockshop/README in the benchmark folder):
  - one series per metric: the normal rows followed by the anomalous rows; the inject time is
    the first anomalous timestamp; faultline gets the normal file as --normal (its rows precede
    the input, whatever their timestamps, which re-times orders-mem/5 as the README asks);
  - *_lat_50 and *_lat_99 are dropped; up to 300 rows before and 300 from the inject time
    (--max-rows 300);
  - service = the name before the first "_" with a trailing "-db" removed, repeats dropped
    (--map prefix:_ --strip-suffix -db);
  - AC@k over the 25 cpu and the 25 mem cases separately, Avg@5 = mean of AC@1..AC@5.
BARO ranks by its upward robust score, so the protocol run uses --direction up; the run with
--direction both (no prior on the direction) is printed too. For comparison the same answers are
also ranked by the plain BARO and NSigma scores faultline reports per series (RCAEval's formulas
on the raw units, without RCAEval's conversion of memory to MB).

Specificity (not in the published protocol): each case's normal.csv alone, its first half as
the reference and its second half as the incident window; the share of the 50 runs in which
faultline names nothing.

Usage: bench/rca/sockshop.py [--verbose]
Output: one line per figure, `bench=rca_sockshop fault=cpu direction=up ac1=... avg5=...`, then
the published table.
"""
import csv
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

KEEP = 300


def filtered(src, dst):
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, h in enumerate(rows[0]) if not h.endswith(("_lat_50", "_lat_99"))]
    common.write_csv(dst, [rows[0][i] for i in keep], [[r[i] for i in keep] for r in rows[1:]])
    return rows[1][0]  # first timestamp


def run_case_extra(root, case, tmp, extra):
    return run_case(root, case, tmp, "up", extra)


def run_case(root, case, tmp, direction, extra=()):
    normal = os.path.join(tmp, "normal.csv")
    anomalous = os.path.join(tmp, "anomalous.csv")
    filtered(os.path.join(root, case["normal_csv"]), normal)
    inject = filtered(os.path.join(root, case["anomalous_csv"]), anomalous)
    answer = common.rank(["--input", anomalous, "--normal", normal, "--inject-time", inject,
                          "--map", "prefix:_", "--strip-suffix", "-db", "--max-rows", str(KEEP),
                          "--direction", direction, *extra])
    return common.position(common.ranked_all(answer), case["root_cause_service"]), answer


def fault_free(root, case, tmp, direction, extra=()):
    """faultline on the normal file alone, split at its middle: True when it names nothing."""
    normal = os.path.join(tmp, "normal.csv")
    filtered(os.path.join(root, case["normal_csv"]), normal)
    with open(normal, newline="") as f:
        rows = list(csv.reader(f))
    middle = rows[1 + (len(rows) - 1) // 2][0]
    answer = common.rank(["--input", normal, "--inject-time", middle, "--map", "prefix:_",
                          "--strip-suffix", "-db", "--direction", direction, *extra])
    return answer["verdict"] != "changed", answer


def ranked_by(answer, key):
    """Services ordered by the best per-series value of key (BARO or NSigma), as RCAEval ranks."""
    best = {}
    for s in answer["series"]:
        v = s[key]
        if v is not None and (s["component"] not in best or v > best[s["component"]]):
            best[s["component"]] = v
    return sorted(best, key=lambda c: -best[c])


def published(root):
    out = {}
    path = os.path.join(root, "published", "rcaeval_ase24_table5_avg5_sockshop1.csv")
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out[r["method"]] = (r["SS1_CPU_Avg@5"], r["SS1_MEM_Avg@5"])
    return out


def main():
    verbose = "--verbose" in sys.argv
    root = os.path.join(common.data_root(), "rcd-sockshop")
    with open(os.path.join(root, "cases.csv"), newline="") as f:
        cases = list(csv.DictReader(f))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for direction in ("up", "both"):
            for case in cases:
                pos, answer = run_case(root, case, tmp, direction)
                results.setdefault((direction, case["fault_type"]), []).append(pos)
                silent, quiet = fault_free(root, case, tmp, direction)
                results.setdefault((direction, "specificity"), []).append(silent)
                if verbose and not silent:
                    top = [(x["name"], round(x["deviation"], 1)) for x in quiet["series"][:3]]
                    print(f"# {direction} {case['case_id']} normal.csv: named {top}")
                if direction == "up":
                    silent, _ = fault_free(root, case, tmp, direction, ("--min-change", "0.05"))
                    results.setdefault(("up_min_change_0.05", "specificity"), []).append(silent)
                    pos5, _ = run_case_extra(root, case, tmp, ("--min-change", "0.05"))
                    results.setdefault(("up_min_change_0.05", case["fault_type"]), []).append(pos5)
                    for key in ("baro", "nsigma"):
                        p = common.position(ranked_by(answer, key), case["root_cause_service"])
                        results.setdefault(("plain-" + key, case["fault_type"]), []).append(p)
                if verbose and pos != 1:
                    top = [c["component"] for c in answer["components"][:5]]
                    print(f"# {direction} {case['case_id']}: rank {pos}, top {top}")
    for (direction, fault), pos in sorted(results.items()):
        if fault == "specificity":
            print(f"bench=rca_sockshop specificity direction={direction.replace(' ', '_')} "
                  f"runs={len(pos)} "
                  f"named_nothing={sum(pos) / len(pos):.3f}")
            continue
        ac = [sum(1 for p in pos if p is not None and p <= k) / len(pos) for k in range(1, 6)]
        what = (f"score={direction}" if direction.startswith("plain")
                else f"direction={direction.replace(' ', '_')}")
        print(f"bench=rca_sockshop fault={fault} {what} cases={len(pos)} "
              + " ".join(f"ac{k + 1}={a:.3f}" for k, a in enumerate(ac))
              + f" avg5={sum(ac) / 5:.3f}")
    print("published Avg@5 (RCAEval ASE 2024, Table 5, Sock Shop 1): method cpu mem")
    for method, (cpu, mem) in published(root).items():
        print(f"  {method:36s} {cpu:>5s} {mem:>5s}")


if __name__ == "__main__":
    main()
