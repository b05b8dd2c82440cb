#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""gen-data.py: the input files of the drift and profile cases (fixed seeds; re-running gives the
same files). Run from this directory with /usr/bin/python3."""
import json
import random


def table(path, n, seed, age_shift=0.0, new_country=False, null_share=0.0):
    r = random.Random(seed)
    countries = ["DE", "US", "FR"] + (["NL"] if new_country else [])
    with open(path, "w") as f:
        f.write("age,income,country,is_new,score\n")
        for _ in range(n):
            age = "" if r.random() < null_share else "%.1f" % r.gauss(40 + age_shift, 10)
            income = "%.2f" % r.lognormvariate(10, 0.5)
            country = r.choice(countries)
            is_new = "true" if r.random() < 0.3 else "false"
            score = "%.4f" % r.random()
            f.write("%s,%s,%s,%s,%s\n" % (age, income, country, is_new, score))


def inferences(path, seed):
    r = random.Random(seed)
    with open(path, "w") as f:
        for hour in range(3):
            for i in range(200):
                shift = 0.25 if hour == 2 else 0.0
                rec = {
                    "ts": "2026-11-25T%02d:%02d:00Z" % (10 + hour, i % 60),
                    "request_id": "req-%d-%d" % (hour, i),
                    "model": "ranker",
                    "model_version": "v7",
                    "features": {"ctr": round(r.random() * 0.2, 4),
                                 "platform": r.choice(["ios", "android", "web"])},
                    "prediction": round(min(1.0, r.random() + shift), 4),
                    "segments": {"platform": "x"},
                }
                f.write(json.dumps(rec) + "\n")


table("ref.csv", 300, 1)
table("same.csv", 300, 2)
table("shift.csv", 300, 3, age_shift=8, new_country=True, null_share=0.15)
inferences("inferences.jsonl", 4)
