# SPDX-License-Identifier: Apache-2.0
"""drift_data.py OUTDIR: the live-drift data of the browser test (tests/integration/test_ui.sh).

Writes, with a fixed seed:
  ref.csv      2000 training rows: income ~ N(50, 10), age ~ U{18..80}, channel in {web, app}
  risk.jsonl   inferences of model risk v1: six 5-minute windows from 2025-11-24T12:00:00Z, 300
               records each (one a second). Windows 0-2 are drawn like the reference; from window
               3 on, income's mean moves up by 12 per window; windows 4 and 5 add the channel
               "kiosk" (a new category).
  churn.jsonl  inferences of model churn v2: two 5-minute windows from 2025-11-24T12:00:00Z, 300
               records each, drawn like the reference (its reference is a models[].reference file).
  plain.jsonl  the same for model plain v1, which has no reference at all.
The day lies outside the windows the test's investigation reads (2025-11-25 12:30-15:00 UTC).
"""
import json
import os
import random
import sys

T0 = 1763985600  # 2025-11-24T12:00:00Z
ROWS = 300
WINDOW_S = 300


def reference(rng, path):
    with open(path, "w") as f:
        f.write("income,age,channel\n")
        for _ in range(2000):
            f.write("%.3f,%d,%s\n" % (rng.gauss(50, 10), rng.randint(18, 80),
                                      rng.choice(["web", "app"])))


def inferences(rng, path, model, version, windows, shift):
    with open(path, "w") as f:
        for w in range(windows):
            for i in range(ROWS):
                mu = 50 + (12 * (w - 2) if shift and w >= 3 else 0)
                channels = ["web", "app", "kiosk"] if shift and w >= 4 else ["web", "app"]
                rec = {"ts": T0 + w * WINDOW_S + i, "request_id": "%s-%d-%d" % (model, w, i),
                       "model": model, "model_version": version,
                       "features": {"income": round(rng.gauss(mu, 10), 3),
                                    "age": rng.randint(18, 80),
                                    "channel": rng.choice(channels)},
                       "prediction": 0.1}
                f.write(json.dumps(rec) + "\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(8)
    reference(rng, os.path.join(out, "ref.csv"))
    inferences(rng, os.path.join(out, "risk.jsonl"), "risk", "v1", 6, True)
    inferences(rng, os.path.join(out, "churn.jsonl"), "churn", "v2", 2, False)
    inferences(rng, os.path.join(out, "plain.jsonl"), "plain", "v1", 2, False)


if __name__ == "__main__":
    main()
