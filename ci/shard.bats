#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# --shard: N separate shard runs, compared together, give the matrix of
# one unsharded run.

load helpers

cases=(-c ovl_whiteout -c chroot_propagation -c selftest_panic)

# compare's JSON without where each cell came from.
matrix_json() {
	"$KREPRO" compare --format json "$@" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for r in d["rows"]:
    for c in r["cells"]:
        c.pop("run_dir", None)
print(json.dumps(d, sort_keys=True))'
}

@test "three shards compared together give exactly the unsharded matrix" {
	requires root
	T="$BATS_TEST_TMPDIR"
	kr run -k host "${cases[@]}" -o "$T/all"
	[ "$status" -eq 0 ]
	for i in 1 2 3; do
		kr run -k host "${cases[@]}" --shard "$i/3" -o "$T/shard-$i"
		[ "$status" -eq 0 ]
	done
	# Each pair ran in exactly one shard.
	[ "$(python3 -c 'import json,sys; print(sum(len(json.load(open(f))["results"]) for f in sys.argv[1:]))' "$T"/shard-*/run.json)" -eq 3 ]
	[ "$(json_get "$T/shard-2/run.json" 'd["shard"]')" = "{'index': 2, 'count': 3}" ]
	"$KREPRO" compare "$T/all" > "$T/all.txt"
	"$KREPRO" compare "$T"/shard-* > "$T/shards.txt"
	diff "$T/all.txt" "$T/shards.txt"
	[ "$(matrix_json "$T/all")" = "$(matrix_json "$T"/shard-*)" ]
	assert_host_clean
}

@test "a shard with nothing to do still writes an empty, comparable run" {
	requires root
	T="$BATS_TEST_TMPDIR"
	kr run -k host -c ovl_whiteout --shard 2/2 -o "$T/empty"
	[ "$status" -eq 0 ]
	[ "$(json_get "$T/empty/run.json" 'len(d["results"])')" -eq 0 ]
	kr run -k host -c ovl_whiteout --shard 1/2 -o "$T/full"
	kr compare "$T/full" "$T/empty"
	[ "$status" -eq 0 ]
}

@test "a bad shard spec exits 2 before anything runs" {
	kr run -k host --shard 4/3 -o "$BATS_TEST_TMPDIR/x"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: bad --shard '4/3': expected I/N with 1 <= I <= N" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "compare refuses a set of shards with one missing or one given twice" {
	requires root
	T="$BATS_TEST_TMPDIR"
	for i in 1 2; do
		kr run -k host -c ovl_whiteout -c chroot_propagation --shard "$i/3" -o "$T/shard-$i"
	done
	kr compare "$T/shard-1" "$T/shard-2"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot compare: shard 3/3 is missing (the set includes $T/shard-1)" ]
	kr compare "$T/shard-1" "$T/shard-2" "$T/shard-2"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot compare: shard 2/3 given twice ($T/shard-2)" ]
}
