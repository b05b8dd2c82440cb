# SPDX-License-Identifier: Apache-2.0
"""common.py: shared helpers of the bench/rca accuracy scripts (standard library only).

Paths: the datasets are read from $FL_BENCH_DATA, default ../shared/benchmarks relative to the
repository root (they are never copied into the repository); the binary is $FAULTLINE, default
build/faultline. Every run writes its CSVs to a temporary directory that is removed afterwards.
"""
import csv
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_root():
    root = os.environ.get("FL_BENCH_DATA") or os.path.join(REPO, "..", "shared", "benchmarks")
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        sys.exit(f"benchmark data not found at {root} (set FL_BENCH_DATA)")
    return root


def binary():
    b = os.environ.get("FAULTLINE") or os.path.join(REPO, "build", "faultline")
    if not os.access(b, os.X_OK):
        sys.exit(f"{b} not found: run make first (or set FAULTLINE)")
    return b


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def rank(args):
    """Run `faultline rank ARGS --format json` and return the parsed answer."""
    cmd = [binary(), "rank", *args, "--format", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"faultline rank failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return json.loads(p.stdout)


def ranked_changed(answer):
    """Components faultline names, in its order: those that changed (roots, then inherited).
    Empty when the verdict is no significant change."""
    if answer["verdict"] != "changed":
        return []
    return [c["component"] for c in answer["components"] if c["changed"]]


def ranked_all(answer):
    """The whole component ranking (changed first, then the unchanged by score): what an Avg@k
    over a full ranking uses. Empty when nothing is named."""
    if answer["verdict"] != "changed":
        return []
    return [c["component"] for c in answer["components"]]


def position(names, truth):
    """1-based rank of truth in names, or None."""
    return names.index(truth) + 1 if truth in names else None


def fmt(v):
    return "-" if v is None else f"{v:.3f}"
