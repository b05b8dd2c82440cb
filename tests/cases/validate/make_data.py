#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Generates the data of the validate cases (fixed seed; run from this directory):
# train.csv (the data a schema is inferred from), good.csv / good.jsonl (clean batches) and one
# bad batch per anomaly kind. The committed files are this script's output.
import json
import random

rng = random.Random(20261126)
COUNTRIES = ["DE", "FR", "US", "GB"]


def row(i, r):
    return {
        "id": r.randrange(1000),  # an identifier drawn from one range: it keeps its range
        "amount": round(r.uniform(1, 500), 2),
        "country": r.choice(COUNTRIES),
        "channel": r.choice(["web", "app"]),
        "is_new": r.choice(["true", "false"]),
        "note": None if r.random() < 0.05 else "order %d" % r.randrange(10 ** 6),
    }


def write_csv(path, rows, cols=("id", "amount", "country", "channel", "is_new", "note")):
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for x in rows:
            f.write(",".join("" if x.get(c) is None else str(x[c]) for c in cols) + "\n")


train = [row(i, rng) for i in range(1000)]
write_csv("train.csv", train)
good = [row(1000 + i, rng) for i in range(500)]
write_csv("good.csv", good)
with open("good.jsonl", "w") as f:
    for x in good[:400]:
        y = dict(x, is_new=x["is_new"] == "true")
        f.write(json.dumps(y) + "\n")
with open("bad_nested.jsonl", "w") as f:  # amount and country moved under "order"
    for x in good[:400]:
        y = dict(x, is_new=x["is_new"] == "true")
        y["order"] = {"amount": y.pop("amount"), "country": y.pop("country")}
        f.write(json.dumps(y) + "\n")

# one anomaly kind per batch
small = [row(2000 + i, rng) for i in range(60)]
write_csv("bad_rows.csv", small)
b = [row(3000 + i, rng) for i in range(500)]
write_csv("bad_missing.csv", b, cols=("id", "amount", "channel", "is_new", "note"))
b = [dict(row(4000 + i, rng), coupon="C%d" % (i % 3)) for i in range(500)]
write_csv("bad_new.csv", b, cols=("id", "amount", "country", "channel", "is_new", "note", "coupon"))
b = [row(5000 + i, rng) for i in range(500)]
for i in range(0, 500, 10):
    b[i]["amount"] = "n/a"
write_csv("bad_type.csv", b)
b = [row(6000 + i, rng) for i in range(500)]
for i in range(3, 500, 30):
    b[i]["country"] = "XX"
b[7]["country"] = "de"
write_csv("bad_domain.csv", b)
b = [row(7000 + i, rng) for i in range(500)]
b[11]["amount"] = -5
b[40]["amount"] = 99999
b[41]["amount"] = 1e6
write_csv("bad_range.csv", b)
b = [row(8000 + i, rng) for i in range(500)]
for i in range(0, 500, 3):
    b[i]["channel"] = None
write_csv("bad_nulls.csv", b)
b = [row(9000 + i, rng) for i in range(500)]
for x in b:  # amounts shifted up: inside the range, but distributed differently
    x["amount"] = round(250 + rng.uniform(0, 290), 2)
write_csv("bad_drift.csv", b)
