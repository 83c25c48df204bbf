#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bisect.sh [OUTDIR] - bisection over kernels built from source (make
# validate).  Two tests, each must land on the known-bad kernel:
#
#  1. krepro bisect over an explicit list: two Debian 6.1 cloud kernels and
#     the unpatched linux-source-6.1 build (all good), then the build with
#     vm/known-bad/ovl_whiteout_creator_owns.patch (bad).
#  2. git bisect run krepro bisect-run over a history made from Debian's
#     source: the source, an unrelated change, the known-bad patch, two
#     more unrelated changes.  git must name the known-bad commit.
#
# Exit: 0 both found it, 1 one did not, 2 it could not run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krepro=$top/build/krepro
out=${1:-$top/results/validate-bisect-$(date +%Y%m%d-%H%M%S)}
patch=$here/ovl_whiteout_creator_owns.patch
sub=ovl_whiteout/mkdir_over_whiteout_gets_caller_owner
say() { echo "bisect-validate: $*"; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
ok=0

# ---- 1. an explicit list ----
olds=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
	cut -d' ' -f1 | sed 's/^linux-image-/debian:/' | sort -V | tail -n 2)
{
	echo "$olds"
	echo "build:linux-source-6.1"
	echo "build:linux-source-6.1,patch=$patch"
} > "$out/kernels"
t0=$(date +%s)
if "$krepro" bisect --kernels "$out/kernels" -c "$sub" -o "$out/list" > "$out/list.txt"; then
	cat "$out/list.txt"
	if grep -qx "first bad: build:linux-source-6.1,patch=$patch" "$out/list.txt"; then
		say "list: found the known-bad build in $(( $(date +%s) - t0 )) s"
	else
		say "list: named another kernel"; ok=1
	fi
else
	say "list: krepro bisect failed"; ok=1
fi

# ---- 2. git bisect run ----
git=$out/linux
t0=$(date +%s)
mkdir -p "$git"
tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$git" --strip-components=1
cd "$git"
git init -q
git config user.email krepro@localhost
git config user.name krepro
git add -A && git commit -qm "Debian linux-source-6.1"
good=$(git rev-parse HEAD)
change() { # an unrelated change that still compiles into the kernel
	sed -i "1a /* krepro: unrelated change $1 */" kernel/sys.c
	git commit -qam "unrelated change $1"
}
change 1
patch -p1 -s < "$patch"
git commit -qam "known-bad: ovl_whiteout_creator_owns"
culprit=$(git rev-parse HEAD)
change 2
change 3
say "history made in $(( $(date +%s) - t0 )) s; culprit $culprit"
t0=$(date +%s)
git bisect start -q HEAD "$good"
git bisect run "$krepro" bisect-run -c "$sub" > "$out/git-bisect.log" 2>&1 || true
cat "$out/git-bisect.log" | grep -E "is the first bad commit|bisect-run:" || true
if grep -q "^$culprit is the first bad commit" "$out/git-bisect.log"; then
	say "git bisect run: found the known-bad commit in $(( $(date +%s) - t0 )) s"
else
	say "git bisect run: did not find $culprit"; ok=1
fi
git bisect reset -q
exit "$ok"
