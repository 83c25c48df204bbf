#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The command line's contract: exit codes and first error lines.

load helpers

setup() {
	OUT="$BATS_TEST_TMPDIR/out"
}

@test "--help prints usage on stdout and exits 0" {
	kr --help
	[ "$status" -eq 0 ]
	[[ "$(first_line)" == "usage: krepro COMMAND [OPTIONS]" ]]
}

@test "an unknown command exits 2 and says which" {
	kr frobnicate
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: unknown command 'frobnicate'" ]
}

@test "list shows the overlay case with the kind of every subtest" {
	kr list
	[ "$status" -eq 0 ]
	[[ "$output" == *"ovl_whiteout - "* ]]
	[[ "$output" == *"mkdir_over_whiteout_gets_caller_owner"*"regression"* ]]
	[[ "$output" == *"selftest_panic (not run by default)"* ]]
}

@test "list --json is valid JSON naming the upstream fix" {
	kr list --json
	[ "$status" -eq 0 ]
	printf '%s' "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); c=[x for x in d if x["name"]=="ovl_whiteout"][0]; assert c["fix"].startswith("d0e13f5bbe4b"), c'
	# The guest settings each case declares: memory, and ASLR (loop_image keeps it).
	printf '%s' "$output" | python3 -c 'import json,sys; d={x["name"]: x for x in json.load(sys.stdin)}; assert d["tmpfiles_age"]["memory_mb"] == 512 and not d["tar_race"]["aslr"] and d["loop_image"]["aslr"], d'
}

@test "an unknown case exits 2 and writes nothing" {
	requires root
	kr run -k host -c nope -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: unknown case 'nope' (see krepro list)" ]
	[ ! -e "$OUT" ]
}

@test "an unknown subtest exits 2 and names the case" {
	requires root
	kr run -k host -c ovl_whiteout/nope -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: unknown subtest 'nope' in case ovl_whiteout (see krepro list)" ]
	[ ! -e "$OUT" ]
}

@test "a bad kernel spec exits 2" {
	kr run -k vmlinuz -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[[ "$(first_line)" == "krepro: bad kernel spec 'vmlinuz': expected host, debian:NAME"* ]]
	[ ! -e "$OUT" ]
}

@test "a Debian kernel apt does not know exits 2 and names the package" {
	requires root qemu
	kr run -k debian:9.9.9-99-nope-amd64 -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: unknown kernel debian:9.9.9-99-nope-amd64: apt knows no package linux-image-9.9.9-99-nope-amd64 (see krepro kernels)" ]
	[ ! -e "$OUT" ]
}

@test "a missing file: kernel exits 2 and names the path" {
	requires root qemu
	kr run -k file:/nonexistent/bzImage -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: cannot use kernel file:/nonexistent/bzImage: /nonexistent/bzImage: No such file or directory" ]
	[ ! -e "$OUT" ]
}

@test "run as a non-root user exits 2 saying so" {
	requires root
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$KREPRO" run -k host -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[[ "$(first_line)" == "krepro: cannot run cases: not root"* ]]
}

@test "without qemu a VM run exits 2 naming qemu" {
	requires root
	PATH=/nonexistent run "$KREPRO" run -k debian:6.1.0-56-cloud-amd64 -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: cannot run VMs: qemu-system-x86_64 not found (run make setup)" ]
	[ ! -e "$OUT" ]
}

@test "a malformed declaration exits 2 naming file and line" {
	requires root
	mkdir -p "$BATS_TEST_TMPDIR/cases"
	printf 'name: bad\nbinary: bad\nbogus: 1\n' > "$BATS_TEST_TMPDIR/cases/bad.case"
	KREPRO_CASES="$BATS_TEST_TMPDIR/cases" run "$KREPRO" run -k host -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: cannot read case $BATS_TEST_TMPDIR/cases/bad.case:3: unknown key 'bogus'" ]
	[ ! -e "$OUT" ]
}

@test "bad -n and -j values exit 2 with a hint" {
	kr run -n 0 -k host
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: bad -n '0': expected a whole number from 1 to 10000000" ]
	[[ "$output" == *"try 'krepro --help'"* ]]
	kr run -j x -k host
	[ "$status" -eq 2 ]
}

@test "an output directory that holds a run is refused and left as it was" {
	requires root
	mkdir -p "$OUT"
	echo '{"keep":1}' > "$OUT/run.json"
	kr run -k host -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: cannot write results to $OUT: it already holds a run (choose another -o)" ]
	[ "$(cat "$OUT/run.json")" = '{"keep":1}' ]
}

@test "an unknown option is one line naming it, then the hint, exit 2" {
	for cmd in list run compare gate; do
		kr "$cmd" --bogus
		[ "$status" -eq 2 ]
		[ "$output" = "krepro: $cmd: unknown option or missing value: --bogus
try 'krepro --help'" ]
	done
	kr run -k
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: run: unknown option or missing value: -k" ]
}

@test "run options that exclude each other are refused before anything runs" {
	kr run -k host -c ovl_whiteout --shard 1/2 --until-confident -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: run: --shard and --until-confident cannot be used together: a shard holds only part of each comparison" ]
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
}
