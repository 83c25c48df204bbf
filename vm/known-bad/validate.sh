#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# validate.sh [OUTDIR] - the suite's proof on kernels built from source
# (make validate).
#
#  1. Fidelity: every default case on Debian's linux-source-6.1 built with
#     vm/config/krepro.config, against the Debian 6.1 cloud kernel of the
#     same upstream version.  No subtest may differ but those the fragment's
#     comments explain (none today).
#  2. Proof: every default case on each known-bad kernel (linux-source-6.1
#     with one vm/known-bad/NAME.patch), compared with the unpatched build.
#     Each patch must fail (a regression, exit 1) exactly the subtests
#     that declare "kernel: NAME", and change nothing else.
#  3. The negative control (--negative) on the unpatched build: every
#     regression, mitigation and control must fail.
#
# Exit: 0 all three hold, 1 one does not, 2 it could not run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krepro=$top/build/krepro
out=${1:-$top/results/validate-$(date +%Y%m%d-%H%M%S)}
say() { echo "validate: $*"; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The Debian cloud image built from the same upstream version as the source.
src_version=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$src_version" ] || { say "linux-source-6.1 is not installed (krepro build installs it)"; }
debian=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
	cut -d' ' -f1 | sed 's/^linux-image-//' | sort -V | while read -r name; do
		v=$(apt-cache show --no-all-versions "linux-image-$name" | sed -n 's/^Version: //p')
		[ "${v%%-*}" = "${src_version%%-*}" ] && echo "$name"
	done | tail -n 1)
[ -n "$debian" ] || { say "no Debian 6.1 cloud image of upstream ${src_version%%-*}"; exit 2; }

unpatched=build:linux-source-6.1
set -- -k "debian:$debian" -k "$unpatched"
for p in "$here"/*.patch; do
	set -- "$@" -k "$unpatched,patch=$p"
done

say "building and running: $(($# / 2)) kernels x every default case (about 40 min on 2 cores)"
t0=$(date +%s)
# Builds happen first, one after another, incremental after the first.
for p in "$here"/*.patch; do
	b0=$(date +%s)
	"$krepro" build --patch "$p" > /dev/null || { say "build with $(basename "$p") failed"; exit 2; }
	echo "$(basename "$p" .patch) $(( $(date +%s) - b0 ))" >> "$out/build-times"
done
set +e
"$krepro" run "$@" -o "$out/matrix"
rc=$?
"$krepro" run -k "$unpatched" --negative -o "$out/negative"
nrc=$?
set -e
say "runs took $(( $(date +%s) - t0 )) s (run exit $rc, negative exit $nrc)"
[ -f "$out/matrix/run.json" ] || { say "no results"; exit 2; }

"$krepro" compare "$out/matrix" --baseline "$unpatched" --format json > "$out/compare.json" || true
"$krepro" compare "$out/matrix" --baseline "$unpatched" > "$out/compare.txt" || true
cat "$out/compare.txt"
python3 "$here/judge.py" "$out" "debian:$debian" "$unpatched" "$top/cases" "$nrc"
