#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The layering check (make check): the harness's dependencies point one
# way, lib <- vm <- harness(run) <- harness(store) <- harness(compare)
# <- harness(report) <- krepro.c.  The Makefile already compiles lib/ with
# -Ilib and vm/ with -Ivm -Ilib only, so an upward include there does not
# build; this script checks what the compiler cannot: relative includes,
# the order inside harness/, that lib/ and vm/ never exit or change
# directory, and that no function runs past 80 lines without saying why.
set -eu
cd "$(dirname "$0")/.."
bad=0
fail() { echo "layers: $*" >&2; bad=1; }

# A header's layer inside harness/; lower layers never include higher ones.
level() {
	case "$1" in
	cli|cases|ktap|stats|outcome|changelog|bisect|version) echo 1 ;;
	run|classify|runtable|plan|preflight) echo 2 ;;
	store|json) echo 3 ;;
	compare) echo 4 ;;
	report|report_*|view|bisect_report) echo 5 ;;
	krepro) echo 6 ;;
	*) echo 0 ;;
	esac
}

for f in lib/*.[ch] vm/*.[ch] harness/*.[ch]; do
	if grep -n '#include "\.\./' "$f" >/dev/null; then
		fail "$f: a relative include reaches across layers"
	fi
done

for f in harness/*.c harness/*.h; do
	me=$(basename "$f"); me=${me%.*}
	mine=$(level "$me")
	[ "$mine" -gt 0 ] || { fail "$f: not placed in a layer (ci/layers.sh)"; continue; }
	for inc in $(sed -n 's/^#include "\([a-z_]*\)\.h"$/\1/p' "$f"); do
		[ -e "harness/$inc.h" ] || continue
		theirs=$(level "$inc")
		if [ "$theirs" -gt "$mine" ]; then
			fail "$f includes $inc.h, a layer above it"
		fi
	done
done

# lib/ and vm/ return errors; only the command line exits.  A forked
# child's _exit and its own chdir are not the caller's: spawn's child and
# the host sandbox's init.
for f in lib/*.c vm/*.c; do
	grep -nE '(^|[^_a-z])(exit|die|chdir)\(' "$f" |
	grep -vE 'o->cwd && chdir|chdir\(tmpdir\)' |
	while IFS= read -r line; do
		echo "layers: $f:$line: exits or changes directory" >&2
		echo x
	done | grep -q x && bad=1
done

# Functions longer than 80 lines need a reason on the line above them
# ("/* long: ... */").
for f in harness/*.c vm/*.c lib/*.c; do
	awk -v file="$f" '
		/^[a-z].*\(/ && !/;$/ { name = $0; start = NR; why = (prev ~ /long:/) }
		/^\{$/ && start { open = NR }
		/^\}$/ && open {
			if (NR - open > 80 && !why)
				printf "layers: %s:%d: %s is %d lines (over 80, no reason given)\n",
				       file, start, name, NR - open > "/dev/stderr"
			open = 0; start = 0
		}
		{ if ($0 !~ /^$/) prev = $0 }
	' "$f"
done 2>&1 | tee /tmp/layers.$$ >&2
[ -s /tmp/layers.$$ ] && bad=1
rm -f /tmp/layers.$$

[ "$bad" -eq 0 ] && echo "layers: one way, lib <- vm <- harness(run) <- store <- compare <- report <- krepro.c"
exit "$bad"
