#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""petshop.py: `faultline rank` on the PetShop dataset (Hardt et al., CLeaR 2024), the 52 issues
of low_traffic and high_traffic (those with a normal baseline), top-1 / top-3 for latency and for
availability issues, and specificity on normal data; beside the dataset authors' published
baseline (petshop/published/repo_notebook_baseline_results.txt).

Protocol, as the dataset's own evaluation (code/rca_task.py, data_preprocessing.py):
  - the metric of the symptom (target.json: latency or availability) with the symptom's
    statistic (Average), for every node: one series per node, named NODE|METRIC|STAT, mapped to
    the node (--map 'regex:^([^|]+)\\|');
  - the reference is noissue/metrics.csv (--normal); the issue file's rows are 5-minute
    aggregates labelled by the start of their period, so the incident window starts with the row
    whose period contains the target timestamp (the inject time passed to faultline);
  - the call graph graph.csv (row calls column) as caller,callee edges (--graph);
  - the symptom series PetSite|METRIC|Average (--symptom); its bad direction is up for latency,
    down for availability (--direction);
  - top-k: the ground truth node among the first k components faultline names (those that
    changed, roots first); nothing named counts as a miss.
Specificity (how often faultline names nothing on fault-free data): the dataset splits
noissue/metrics.csv at n/2, n/2 + n/10, ... (6 splits); the rows before a split are the
reference. The published protocol then analyses the third row after the split. faultline gets
the same shape as an issue file: the 5 rows from the split, the inject time at the third
("published splits"). The same is done at every split position in the second half ("all
windows", about 290 per scenario and metric) for a less noisy figure.

Usage: bench/rca/petshop.py [--verbose] [--stats all] [--threshold Z]
  --stats all: every statistic of the symptom's metric instead of the symptom's own, and
  --threshold Z: faultline's significance threshold instead of its default (sensitivity checks)
"""
import csv
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

SCENARIOS = ("low_traffic", "high_traffic")
MAP = "regex:^([^|]+)\\|"


def load_metrics(path):
    """(columns [(node, metric, stat)], rows [(ts, [cells])]) of a three-row-header file."""
    with open(path, newline="") as f:
        r = list(csv.reader(f))
    cols = list(zip(r[0][1:], r[1][1:], r[2][1:]))
    rows = [(float(x[0]), x[1:]) for x in r[4:]]
    return cols, rows


def wide(path, cols, rows, metric, stats):
    keep = [i for i, c in enumerate(cols) if c[1] == metric and (stats == "all" or c[2] == stats)]
    header = ["time"] + ["|".join(cols[i]) for i in keep]
    common.write_csv(path, header, [[repr(ts)] + [cells[i] for i in keep] for ts, cells in rows])


def edges(src, dst):
    with open(src, newline="") as f:
        r = list(csv.reader(f))
    names = r[0][1:]
    out = [(row[0], names[j]) for row in r[1:] for j, v in enumerate(row[1:]) if float(v) != 0]
    common.write_csv(dst, ["caller", "callee"], out)


EXTRA = []  # extra faultline options (--threshold Z), a sensitivity check


def rank(tmp, issue_csv, normal_csv, graph_csv, inject, metric):
    return common.rank(["--input", issue_csv, "--normal", normal_csv, "--inject-time", repr(inject),
                        "--map", MAP, "--graph", graph_csv,
                        "--symptom", f"PetSite|{metric}|Average",
                        "--direction", "up" if metric == "latency" else "down", *EXTRA])


def issues(root, scenario):
    with open(os.path.join(root, "cases.csv"), newline="") as f:
        return [c for c in csv.DictReader(f)
                if c["scenario"] == scenario and c["normal_baseline_present"] == "1"]


def run_issues(root, scenario, tmp, stats, verbose):
    out = {}
    normal_cols, normal_rows = load_metrics(
        os.path.join(root, "dataset", scenario, "noissue", "metrics.csv"))
    graph = os.path.join(tmp, "edges.csv")
    edges(os.path.join(root, "dataset", scenario, "graph.csv"), graph)
    for case in issues(root, scenario):
        metric = case["target_metric"]
        normal = os.path.join(tmp, f"normal_{metric}.csv")
        if not os.path.exists(normal):
            wide(normal, normal_cols, normal_rows, metric, stats)
        cols, rows = load_metrics(os.path.join(root, case["metrics_csv"]))
        issue = os.path.join(tmp, "issue.csv")
        wide(issue, cols, rows, metric, stats)
        target = float(case["target_timestamp"])
        starts = [ts for ts, _ in rows if ts <= target]
        inject = max(starts) if starts else target
        answer = rank(tmp, issue, normal, graph, inject, metric)
        named = common.ranked_changed(answer)
        pos = common.position(named, case["root_cause_node"])
        out.setdefault(metric, []).append(pos)
        if verbose and pos != 1:
            print(f"# {scenario} {case['split']} {case['issue']} {metric}: truth "
                  f"{case['root_cause_node']} at {pos}; named {named[:4]} ({answer['verdict']})")
    for f in os.listdir(tmp):
        if f.startswith("normal_"):
            os.remove(os.path.join(tmp, f))
    return out


def specificity(root, scenario, tmp, stats, every):
    cols, rows = load_metrics(os.path.join(root, "dataset", scenario, "noissue", "metrics.csv"))
    graph = os.path.join(tmp, "edges.csv")
    edges(os.path.join(root, "dataset", scenario, "graph.csv"), graph)
    n = len(rows)
    splits = range(n // 2, n - 4) if every else range(n // 2, n - 3, int(n * 0.1))
    out = {}
    for metric in ("latency", "availability"):
        silent = []
        for split in splits:
            normal = os.path.join(tmp, "normal.csv")
            window = os.path.join(tmp, "window.csv")
            wide(normal, cols, rows[:split], metric, stats)
            wide(window, cols, rows[split:split + 5], metric, stats)
            answer = rank(tmp, window, normal, graph, rows[min(split + 2, n - 1)][0], metric)
            silent.append(answer["verdict"] != "changed")
        out[metric] = (sum(silent) / len(silent), len(silent))
    return out


PUBLISHED = {  # the dataset authors' baseline (published/repo_notebook_baseline_results.txt)
    ("low_traffic", "latency"): (0.571, 0.571, 0.167),
    ("low_traffic", "availability"): (0.833, 1.000, 1.000),
    ("high_traffic", "latency"): (0.571, 0.786, 0.333),
    ("high_traffic", "availability"): (0.667, 1.000, 1.000),
}


def main():
    verbose = "--verbose" in sys.argv
    stats = "all" if "--stats" in sys.argv and "all" in sys.argv else "Average"
    if "--threshold" in sys.argv:
        EXTRA.extend(["--threshold", sys.argv[sys.argv.index("--threshold") + 1]])
    root = os.path.join(common.data_root(), "petshop")
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in SCENARIOS:
            acc = run_issues(root, scenario, tmp, stats, verbose)
            spec6 = specificity(root, scenario, tmp, stats, False)
            spec_all = specificity(root, scenario, tmp, stats, True)
            for metric in ("latency", "availability"):
                pos = acc[metric]
                top1 = sum(1 for p in pos if p == 1) / len(pos)
                top3 = sum(1 for p in pos if p is not None and p <= 3) / len(pos)
                empty = sum(1 for p in pos if p is None) / len(pos)
                pub = PUBLISHED[(scenario, metric)]
                lines.append(
                    f"bench=rca_petshop scenario={scenario} metric={metric} stats={stats} "
                    f"options={'_'.join(EXTRA) or 'default'} "
                    f"issues={len(pos)} top1={top1:.3f} top3={top3:.3f} missed={empty:.3f} "
                    f"spec_splits={spec6[metric][0]:.3f} (n={spec6[metric][1]}) "
                    f"spec_all={spec_all[metric][0]:.3f} (n={spec_all[metric][1]}) "
                    f"published_top1={pub[0]:.3f} published_top3={pub[1]:.3f} "
                    f"published_spec={pub[2]:.3f}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
