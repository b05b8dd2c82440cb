#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""demo_merge.py LISTEN DATA_DIR FRAGMENT.yml...: one faultline.yml for `make demo` from the
faultline.yml fragments that faultline-sim writes for each simulated system (topology, kpis,
models, freshness). Items are concatenated per section; a component that two systems share
(the cluster network, the nodes) is defined identically by both and kept once. Plain text: the
fragments' shape is faultline-sim's own (sim/config.c), top-level keys at column 0 and list items
at two or four spaces, so no YAML library is needed."""
import re
import sys

SECTIONS = ["topology", "kpis", "models", "freshness"]


def items(lines, indent):
    """Split the lines of a block list into items, each starting with INDENT '- '."""
    out, cur = [], []
    for line in lines:
        if line.startswith(" " * indent + "- "):
            if cur:
                out.append(cur)
            cur = [line]
        elif cur:
            cur.append(line)
    if cur:
        out.append(cur)
    return out


def item_name(item):
    m = re.search(r"(?:name|component):\s*([^,}\s]+)", "\n".join(item))
    return m.group(1) if m else "\n".join(item)


def main():
    listen, data_dir, frags = sys.argv[1], sys.argv[2], sys.argv[3:]
    merged = {s: [] for s in SECTIONS}
    seen = {s: {} for s in SECTIONS}
    for path in frags:
        section, body = None, {s: [] for s in SECTIONS}
        for line in open(path).read().splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line.startswith(" "):
                key = line.split(":", 1)[0]
                section = key if key in SECTIONS else None
                continue
            if section:
                body[section].append(line)
        for s in SECTIONS:
            lines = body[s]
            if s == "topology":
                lines = [l for l in lines if l.strip() != "components:"]
                its = items(lines, 4)
            else:
                its = items(lines, 2)
            for it in its:
                name = item_name(it)
                if name in seen[s]:
                    if seen[s][name] != it:
                        sys.exit(f"demo_merge: {s} entry {name} differs between systems")
                    continue
                seen[s][name] = it
                merged[s].append(it)
    print(f"# faultline.yml of `make demo` (scripts/demo_merge.py): the three simulated systems")
    print(f"listen: {listen}\ndata_dir: {data_dir}\nretention: 100y\nself_scrape: false")
    if merged["topology"]:
        print("topology:\n  components:")
        for it in merged["topology"]:
            print("\n".join(it))
    for s in SECTIONS[1:]:
        if merged[s]:
            print(f"{s}:")
            for it in merged[s]:
                print("\n".join(it))


main()
