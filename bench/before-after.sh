#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# before-after.sh BEFORE AFTER - the racy verdicts of two runs side by side.
#
# BEFORE and AFTER are run directories of the same kernels (e.g. `make run`
# before and after a change to how races stop).  For every racy subtest
# and kernel: the verdict, k/n with its 95 % interval (Wilson; for 0 hits
# the exact one-sided bound, as the table shows it), why the race stopped
# and how long it raced; then each side's VM time per kernel.  A verdict
# that differs is marked; "less decided" is a verdict that became
# not-comparable, inconclusive or error.
set -eu
[ $# -eq 2 ] || { echo "usage: before-after.sh BEFORE AFTER" >&2; exit 2; }
python3 - "$1/run.json" "$2/run.json" <<'EOF'
import json, math, sys

def interval(k, n):
    if n == 0:
        return "-"
    if k == 0:
        return "<=%.1f%%" % (100 * (1 - 0.05 ** (1 / n)))
    z, p = 1.96, k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return "%.0f-%.0f%%" % (100 * max(0, c - h), 100 * min(1, c + h))

def racy(path):
    d = json.load(open(path))
    out, vm = {}, {}
    for r in d["results"]:
        vm[r["kernel"]] = vm.get(r["kernel"], 0) + r["duration_s"]
        for s in r["subtests"]:
            if s.get("racy"):
                stop = ",".join(s["race"].get("stop", ["-"]))
                o = s["outcome"]
                if s["kind"] in ("hazard", "behaviour") and o in ("pass", "fail"):
                    o = "reproduced" if o == "pass" else "not-reproduced"
                out[(r["kernel"], r["case"] + "/" + s["name"])] = (
                    o, s["k"], s["n"], stop, s["duration_s"])
    return out, vm

(b, bvm), (a, avm) = racy(sys.argv[1]), racy(sys.argv[2])
print("%-16s %-52s %-44s %-44s" % ("kernel", "case/subtest", "before", "after"))
for key in sorted(set(b) | set(a)):
    cells = []
    for side in (b, a):
        if key not in side:
            cells.append("-")
            continue
        o, k, n, stop, t = side[key]
        cells.append("%s %d/%d [%s] %s %.0fs" % (o, k, n, interval(k, n), stop, t))
    mark = ""
    if key in b and key in a and b[key][0] != a[key][0]:
        mark = "  <- verdict differs"
    print("%-16s %-52s %-44s %-44s%s" % (key[0].split(":")[1][:16], key[1], cells[0], cells[1], mark))
for k in sorted(set(bvm) | set(avm)):
    print("VM time on %s: before %.0f s, after %.0f s" % (k, bvm.get(k, 0), avm.get(k, 0)))
EOF
