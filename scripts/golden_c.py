# SPDX-License-Identifier: Apache-2.0
"""golden_c.py: what the golden-vector generators (scripts/gen-*-golden.py) share: C literals
for Python floats and arrays, and the 64-bit LCG that the C tests mirror so that big cases are
regenerated there from a seed instead of being stored as literals. Imported by the generators,
which run as scripts from any directory (Python puts a script's own folder on sys.path)."""

import math


def c(v):
    """A C literal for the float v: repr's shortest round-trip digits, NAN, INFINITY."""
    v = float(v)
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(v)


def arr(name, vals, ctype="double"):
    """A static const C array named name; integers for any ctype but double."""
    body = ", ".join(c(v) if ctype == "double" else str(int(v)) for v in vals) if len(vals) else "0"
    return f"static const {ctype} {name}[] = {{{body}}};"


class Lcg:
    """64-bit LCG with Knuth's MMIX constants; uniform() gives 53-bit doubles in [0, 1). Mirrored
    in the C tests (tests/unit/stats/test_ks.c, test_trend.c, tests/unit/monitor_drift)."""

    def __init__(self, seed):
        self.s = seed & (2**64 - 1)

    def uniform(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        return (self.s >> 11) * 2.0**-53
