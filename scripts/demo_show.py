#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Pretty-printers for scripts/demo: read one faultline API response on stdin and print it for
people. Usage: demo_show.py events|range|trace|slowest-trace FILE"""
import json
import sys


def events(d):
    for e in d["data"]:
        print(f"  {e['ts']}  {e['kind']:<22} {e['component']:<16} {e.get('message', '')}")


def range_(d):
    for s in d["data"]["result"]:
        print("  ", s["metric"])
        for t, v in s["values"]:
            print(f"     {t:>12.0f}  {v}")


def trace(d):
    for s in sorted(d["spans"], key=lambda s: int(s["startTimeUnixNano"])):
        ms = (int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"])) / 1e6
        note = s["status"].get("message") or ""
        print(f"  {s['service']:<14} {s['name']:<14} {ms:8.1f} ms  {note}")


def slowest_trace(path):
    d = json.load(open(path))
    best = max((int(s["endTimeUnixNano"]) - int(s["startTimeUnixNano"]), s["traceId"])
               for r in d["resourceSpans"] for ss in r["scopeSpans"] for s in ss["spans"]
               if s["name"] == "POST /score")
    print(best[1])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "slowest-trace":
        slowest_trace(sys.argv[2])
    else:
        {"events": events, "range": range_, "trace": trace}[cmd](json.load(sys.stdin))
