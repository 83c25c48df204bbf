# SPDX-License-Identifier: GPL-2.0-only
"""Judge make validate's matrix: fidelity, each known-bad patch, --negative.

usage: judge.py OUTDIR DEBIAN_SPEC UNPATCHED_SPEC CASES_DIR NEGATIVE_EXIT
Reads OUTDIR/compare.json (baseline: the unpatched build) and
OUTDIR/negative/run.json through `krepro compare`; prints one table and
exits 0 when everything holds, 1 otherwise.
"""
import glob
import json
import os
import subprocess
import sys

QUIET = {"same", "baseline"}


def declared(cases_dir):
    """(case, subtest) -> behaviour, from the kernel: lines."""
    names = {}
    for path in glob.glob(os.path.join(cases_dir, "*.case")):
        case, sub = None, None
        for line in open(path):
            key, _, val = line.partition(":")
            val = val.strip()
            if key == "name":
                case = val
            elif key == "subtest":
                sub = val.split()[0]
            elif key == "kernel" and sub:
                names[(case, sub)] = val
    return names


def column(kernels, spec):
    for i, k in enumerate(kernels):
        if k["spec"] == spec:
            return i
    sys.exit(f"judge: no column {spec} in the comparison")


def changes(rows, col):
    """{(case, subtest): (change, outcome label, why)} that are not quiet."""
    seen = {}
    for r in rows:
        c = r["cells"][col]
        if c.get("change") not in QUIET:
            seen[(r["case"], r["subtest"])] = (c.get("change"), c.get("label"), c.get("why", ""))
    return seen


def judge_patch(rows, col, name, names):
    want = {k for k, v in names.items() if v == name}
    got = changes(rows, col)
    missed = sorted(k for k in want if got.get(k, ("same",))[0] != "regression")
    extra = sorted(k for k in got if k not in want)
    return want, got, missed, extra


def show(keys):
    return ", ".join(f"{c}/{s}" for c, s in keys) or "-"


def main():
    out, debian, unpatched, cases_dir, neg_rc = sys.argv[1:6]
    cmp = json.load(open(os.path.join(out, "compare.json")))
    rows, kernels = cmp["rows"], cmp["kernels"]
    names = declared(cases_dir)
    ok = True

    fidelity = changes(rows, column(kernels, debian))
    print(f"\nfidelity: {debian} against {unpatched}: "
          f"{len(fidelity)} subtest(s) differ")
    for (c, s), (ch, label, why) in sorted(fidelity.items()):
        print(f"  {c}/{s}: {ch} ({label}) {why}")
    ok &= not fidelity

    times = dict(line.split() for line in open(os.path.join(out, "build-times")))
    print(f"\n{'known-bad patch':40} {'build s':>7}  {'named':>5}  {'failed':>6}  result")
    for k in kernels:
        if ",patch=" not in k["spec"]:
            continue
        name = os.path.basename(k["spec"].split(",patch=")[1])[:-len(".patch")]
        want, got, missed, extra = judge_patch(rows, column(kernels, k["spec"]), name, names)
        good = want and not missed and not extra
        ok &= bool(good)
        print(f"{name:40} {times.get(name, '?'):>7}  {len(want):>5}  "
              f"{len(want) - len(missed):>6}  {'holds' if good else 'DOES NOT HOLD'}")
        if missed:
            print(f"    not failed: {show(missed)}")
        if extra:
            print(f"    also changed: {show(extra)}")

    neg = subprocess.run([os.path.join(os.path.dirname(__file__), "../../build/krepro"),
                          "compare", os.path.join(out, "negative"), "--format", "json"],
                         capture_output=True, text=True)
    held = []
    for r in json.loads(neg.stdout)["rows"]:
        if r["kind"] in ("regression", "mitigation", "control"):
            if r["cells"][0]["outcome"] != "fail":
                held.append((r["case"], r["subtest"]))
    print(f"\nnegative control on {unpatched}: exit {neg_rc}; "
          f"{'every protection removed failed' if not held else 'still held: ' + show(held)}")
    ok &= not held and neg_rc == "1"
    print(f"\nvalidate: {'the proof holds' if ok else 'the proof DOES NOT hold'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
