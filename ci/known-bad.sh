#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The proof's bookkeeping (make check): in every default case, each
# regression and mitigation names the kernel behaviour its verdict rests
# on ("kernel: NAME", or "kernel: user-space"); each NAME has its known-bad
# patch in vm/known-bad/NAME.patch, and each patch there is named by some
# subtest.  make validate then shows every patch failing those subtests.
set -eu
cd "$(dirname "$0")/.."
bad=0
named=$(mktemp)
trap 'rm -f "$named"' EXIT
for c in cases/*.case; do
	grep -q '^default: *yes' "$c" || continue
	awk -v file="$c" '
	function done_sub() {
		if (sub_name != "" && (kind == "regression" || kind == "mitigation") && !seen)
			printf "%s: %s (%s) names no kernel behaviour\n", file, sub_name, kind
	}
	/^subtest:/ { done_sub(); sub_name = $2; kind = $3; seen = 0; next }
	/^kernel:/ { seen = 1; print "NAMED " $2; next }
	END { done_sub() }' "$c"
done > "$named"
if grep -v '^NAMED ' "$named" >&2; then
	bad=1
fi
for b in $(sed -n 's/^NAMED //p' "$named" | sort -u); do
	[ "$b" = user-space ] && continue
	[ -f "vm/known-bad/$b.patch" ] || { echo "known-bad: no vm/known-bad/$b.patch" >&2; bad=1; }
done
for p in vm/known-bad/*.patch; do
	b=$(basename "$p" .patch)
	grep -qx "NAMED $b" "$named" || { echo "known-bad: no subtest names $p" >&2; bad=1; }
done
[ "$bad" = 0 ] && echo "known-bad: $(sed -n 's/^NAMED //p' "$named" | wc -l) subtests name a behaviour; $(ls vm/known-bad/*.patch | wc -l) patches, each named"
exit "$bad"
