# SPDX-License-Identifier: Apache-2.0
"""Sustained ingest for the crash-safety test: several threads POST inference batches and events to
faultline and append the ids of every *acknowledged* (HTTP 200) request to a file, flushed and fsynced
before the next request, until the server dies. Usage: crash_loader.py BASE_URL ACK_FILE ROUND"""
import json, os, sys, threading, urllib.request, urllib.error

base, ack_path, rnd = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
ack = open(ack_path, "a")


def post(path, body):
    req = urllib.request.Request(base + path, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/x-ndjson"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def worker(tid):
    n = 0
    while True:
        ids = [f"r{rnd}-t{tid}-{n}-{k}" for k in range(20)]
        lines = "\n".join(json.dumps({
            "ts": 1764000000 + n, "request_id": i, "model": "fraud", "model_version": "v3",
            "features": {"amount": n * 1.5, "country": "DE"}, "prediction": 0.25,
            "segments": {"platform": "ios"}}) for i in ids) + "\n"
        ev = json.dumps({"id": f"e{rnd}-t{tid}-{n}", "ts": 1764000000 + n, "kind": "deploy",
                         "component": "fraud-api", "message": "crash test"})
        try:
            if post("/v1/inferences", lines) != 200 or post("/api/v1/events", ev) != 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            return
        with lock:
            for i in ids:
                ack.write("inference " + i + "\n")
            ack.write(f"event e{rnd}-t{tid}-{n}\n")
            ack.flush()
            os.fsync(ack.fileno())
        n += 1


threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
