#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# memory.sh [KERNEL] [MB...] - how much guest memory each default case needs.
#
# Runs every default case on KERNEL (default: the newest 6.1 cloud kernel)
# with its declaration's `memory:` replaced by each MB (default 128 192
# 256 384 512), from a copy of cases/ (KREPRO_CASES), and prints per case
# and size the outcome, the VM time and QEMU's peak resident set.  The
# smallest size at which every verdict is the same as at 512 MB, with a
# margin, is what the declaration should say.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
krepro=$top/build/krepro
kernel=${1:-$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
	cut -d' ' -f1 | sed 's/^linux-image-/debian:/' | sort -V | tail -n 1)}
[ $# -gt 0 ] && shift
sizes=${*:-128 192 256 384 512}
work=$(mktemp -d /var/tmp/krepro-bench-memory.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
out=$top/results/bench-memory-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

for mb in $sizes; do
	mkdir -p "$work/cases-$mb"
	for c in "$top"/cases/*.case; do
		sed "s/^memory:.*/memory:  $mb/" "$c" > "$work/cases-$mb/$(basename "$c")"
	done
	KREPRO_CASES=$work/cases-$mb "$krepro" run -k "$kernel" -o "$out/m$mb" \
		>"$out/m$mb.log" 2>&1 || true
done
python3 - "$out" $sizes <<'EOF'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
runs = {mb: json.load(open(f"{out}/m{mb}/run.json")) for mb in sizes}
ref = runs[sizes[-1]]
def verdicts(r):
    return {(x["case"], s["name"]): s["outcome"] for x in r["results"] for s in x["subtests"]}
print("%-20s %s" % ("case", "  ".join("%-26s" % (mb + " MB") for mb in sizes)))
cases = [x["case"] for x in ref["results"]]
for c in cases:
    cells = []
    for mb in sizes:
        x = next(r for r in runs[mb]["results"] if r["case"] == c)
        same = all(v == verdicts(ref).get(k) for k, v in verdicts(runs[mb]).items() if k[0] == c)
        cells.append("%-26s" % ("%s%s %.0fs %dMB" % (x["outcome"], "" if same else "(differs)",
                                 x["duration_s"], x["peak_rss_kb"] // 1024)))
    print("%-20s %s" % (c, "  ".join(cells)))
EOF
echo "runs: $out"
