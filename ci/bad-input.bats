#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Bad input and bad surroundings (docs/bad-input.md): every one gets one
# line naming the problem and its documented exit code, and nothing that
# was written before is lost or left half-written.  Each row of the doc's
# table names the test here (or in cli.bats, compare.bats, vm.bats) that
# tries it.

load helpers

# A project of its own: one case, "fake", whose reproducer prints what
# FAKE_KTAP says ("\0" as a NUL byte) after FAKE_BYTES bytes of filler
# diagnostics, so the harness can be fed any output on the live host.
setup_file() {
	FAKE="$BATS_FILE_TMPDIR/proj"
	mkdir -p "$FAKE/build/repro" "$FAKE/cases"
	cat > "$BATS_FILE_TMPDIR/fake.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	const char *t = getenv("FAKE_KTAP"), *b = getenv("FAKE_BYTES");
	long n = b ? atol(b) : 0;

	for (; n > 0; n -= 64)
		fputs("# filler filler filler filler filler filler filler filler fil\n", stdout);
	for (; t && *t; t++)
		if (t[0] == '\\' && t[1] == '0')
			putchar(0), t++;
		else
			putchar(*t);
	return 0;
}
EOF
	cc -O1 -o "$FAKE/build/repro/fake" "$BATS_FILE_TMPDIR/fake.c"
	printf '%s\n' 'name: fake' 'binary: fake' 'timeout: 30' \
		'subtest: a regression passes when the output says so' \
		'subtest: a_long regression passes when the output says so' > "$FAKE/cases/fake.case"
	export FAKE
}

setup() {
	OUT="$BATS_TEST_TMPDIR/out"
	MNT="$BATS_TEST_TMPDIR/mnt"
	unset FAKE_KTAP FAKE_BYTES
}

teardown() {
	umount -R "$BATS_TEST_TMPDIR/chroot/proc" 2>/dev/null || true
	umount "$BATS_TEST_TMPDIR/chroot" 2>/dev/null || true
	umount "$MNT" 2>/dev/null || true
}

# The fake case on the host, with FAKE_KTAP as its whole output.
fake_run() {
	KREPRO_ROOT="$FAKE" KREPRO_CASES="$FAKE/cases" kr run -k host -c fake "$@"
}

# One subtest's field in DIR/run.json.
sub_field() {
	json_get "$1/run.json" "[s['$3'] for s in d['results'][0]['subtests'] if s['name'] == '$2'][0]"
}

# Every file under a directory with its hash: equal before and after
# means nothing there was lost or changed.
snapshot() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# krepro's own error lines in the output ("krepro: ...").
error_lines() {
	printf '%s\n' "$output" | grep -c '^krepro: ' || true
}

# ---- the command line ----

@test "command line: every malformed value is one line and the hint, exit 2, nothing created" {
	requires root
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		kr run $args -o "$OUT"
		[ "$status" -eq 2 ]
		[ "$(first_line)" = "$want" ]
		[ ! -e "$OUT" ]
	done <<'EOF'
-k host -c nope|krepro: unknown case 'nope' (see krepro list)
-k host -c ovl_whiteout/nope|krepro: unknown subtest 'nope' in case ovl_whiteout (see krepro list)
-k host -c ovl_whiteout/|krepro: bad case 'ovl_whiteout/': expected CASE or CASE/SUBTEST
-k host -c /holds|krepro: bad case '/holds': expected CASE or CASE/SUBTEST
-k vmlinuz -c ovl_whiteout|krepro: bad kernel spec 'vmlinuz': expected host, debian:NAME, file:BZIMAGE[,modules=DIR] or build:TREE
-k debian:../x -c ovl_whiteout|krepro: bad kernel spec 'debian:../x': debian: takes an image name such as 6.1.0-47-cloud-amd64
-k file: -c ovl_whiteout|krepro: bad kernel spec 'file:': file: needs a path
-k file:/b,foo=1 -c ovl_whiteout|krepro: bad kernel spec 'file:/b,foo=1': after the image only modules=DIR may follow
-k host -k host -c ovl_whiteout|krepro: kernel host given twice
-k host -n 0|krepro: bad -n '0': expected a whole number from 1 to 10000000
-k host -n 99999999999999999999|krepro: bad -n '99999999999999999999': expected a whole number from 1 to 10000000
-k host -j x|krepro: bad -j 'x': expected a whole number from 1 to 256
-k host --repeat 1.5|krepro: bad --repeat '1.5': expected a whole number from 1 to 100000
-k host --seconds -1|krepro: bad --seconds '-1': expected a whole number from 1 to 86400
-k host --level 100|krepro: bad --level '100': expected a whole number from 0 to 99
-k host --precision 0|krepro: bad --precision '0': expected a whole number from 1 to 99
-k host --shard 0/1|krepro: bad --shard '0/1': expected I/N with 1 <= I <= N
-k host --shard 3/2|krepro: bad --shard '3/2': expected I/N with 1 <= I <= N
-k host --until-confident=0|krepro: bad --until-confident '0': expected a whole number from 1 to 100000
-k host --accel foo -c ovl_whiteout|krepro: bad accelerator 'foo': expected auto, kvm or tcg
-k host --bogus|krepro: run: unknown option or missing value: --bogus
-k host extra|krepro: run: unexpected argument 'extra'
EOF
}

# ---- case declarations ----

@test "a malformed case declaration, field by field, is one line naming file and line, exit 2, nothing run" {
	requires root
	local dir="$BATS_TEST_TMPDIR/cases" ok='binary: b\nsubtest: s regression passes\n'
	mkdir -p "$dir"
	while IFS='|' read -r text want; do
		rm -f "$dir"/*
		# shellcheck disable=SC2059
		printf "$text" > "$dir/a.case"
		KREPRO_CASES="$dir" kr run -k host -o "$OUT"
		[ "$status" -eq 2 ]
		[ "$output" = "krepro: cannot read case $dir/a.case$want" ]
		[ ! -e "$OUT" ]
	done <<EOF
$ok|: no name
name: a\nname: a b\n$ok|:2: name must be letters, digits and '_'
name: b\n$ok|: name 'b' does not match the file name
name: a\nsubtest: s regression passes\n|: no binary
name: a\nbinary: ../b\nsubtest: s regression p\n|:2: binary must be a plain name
name: a\nbinary: b\n|: no subtest
name: a\nbinary: b\nsubtest: .s regression p\n|:3: subtest needs a name of letters, digits, '_' and '.'
name: a\nbinary: b\nsubtest: s frobnicate p\n|:3: subtest s: unknown kind 'frobnicate' (regression, mitigation, hazard, behaviour or control)
name: a\nbinary: b\nsubtest: s regression\n|:3: subtest s: says nothing about what pass means
name: a\n${ok}subtest: s hazard again\n|:4: subtest s declared twice
name: a\n${ok}guards: s\n|:4: guards must follow the mitigation it belongs to
name: a\nbinary: b\nsubtest: m mitigation holds\n|: mitigation m needs 'guards: HAZARD' or 'guards: within' on the next line
name: a\nbinary: b\nsubtest: m mitigation holds\nguards: h\n|: mitigation m guards h, which the case does not declare
name: a\nbinary: b\nsubtest: r regression p\nsubtest: m mitigation holds\nguards: r\n|: mitigation m guards r, a regression (a guard is a hazard)
name: a\nbinary: b\nsubtest: m mitigation holds\nguards: within\nguards: within\n|:5: subtest m: guards given twice
name: a\n${ok}timeout: 0\n|:4: timeout must be seconds, 1 to 86400
name: a\n${ok}timeout: 99999999999999999999\n|:4: timeout must be seconds, 1 to 86400
name: a\n${ok}memory: 10\n|:4: memory must be MiB, 64 to 65536
name: a\n${ok}default: maybe\n|:4: default must be yes or no
name: a\n${ok}budget: 10\n|:4: budget must be 'ROUNDS SECONDS' (whole numbers)
name: a\n${ok}budget: 10 x\n|:4: budget must be 'ROUNDS SECONDS' (whole numbers)
name: a\n${ok}bogus: 1\n|:4: unknown key 'bogus'
name: a\n${ok}no colon here\n|:4: expected 'key: value'
|: no name
name: a\\0\nbogus: 1\n$ok|: a NUL byte at offset 7 (not a text file)
EOF
}

@test "a case file that cannot be read, or a cases directory that does not exist, is one line, exit 2" {
	requires root
	mkdir -p "$BATS_TEST_TMPDIR/cases/d.case"
	KREPRO_CASES="$BATS_TEST_TMPDIR/cases" kr run -k host -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot read case $BATS_TEST_TMPDIR/cases/d.case: Is a directory" ]
	KREPRO_CASES="$BATS_TEST_TMPDIR/none" kr list
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot read cases in $BATS_TEST_TMPDIR/none: No such file or directory" ]
	[ ! -e "$OUT" ]
}

@test "a tool a case needs that is not installed is one line naming case and tool, exit 2, nothing run" {
	requires root
	for d in /usr/bin /bin; do
		[ ! -x "$d/mkfs.ext4" ] || skip "mkfs.ext4 is in $d"
	done
	PATH=/usr/bin:/bin kr run -k host -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run case ovl_whiteout: it needs mkfs.ext4, which is not installed (run make setup)" ]
	[ ! -e "$OUT" ]
}

# ---- KTAP from a reproducer ----

@test "KTAP: a subtest without a result line is an error, never a pass" {
	requires root
	export FAKE_KTAP=$'TAP version 13\n1..2\n# nothing else\n'
	fake_run -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$(sub_field "$OUT" a outcome)" = error ]
	[ "$(sub_field "$OUT" a reason)" = "no result line for a (exit status 0)" ]
	[ "$(sub_field "$OUT" a_long outcome)" = error ]
	assert_host_clean
}

@test "KTAP: a result line cut off mid-way counts for no subtest" {
	requires root
	# "ok 1 fake.a_long" cut after "fake.a" would read as a's pass.
	export FAKE_KTAP=$'TAP version 13\n1..2\nok 1 fake.a'
	fake_run -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$(sub_field "$OUT" a outcome)" = error ]
	[ "$(sub_field "$OUT" a reason)" = "no result line for a (exit status 0)" ]
	[ "$(sub_field "$OUT" a_long outcome)" = error ]
}

@test "KTAP: two result lines for one subtest are an error" {
	requires root
	export FAKE_KTAP=$'ok 1 fake.a\nnot ok 1 fake.a\nok 2 fake.a_long\n'
	fake_run -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$(sub_field "$OUT" a outcome)" = error ]
	[ "$(sub_field "$OUT" a reason)" = "2 result lines for a: the output is not one test's" ]
	[ "$(sub_field "$OUT" a_long outcome)" = pass ]
}

@test "KTAP: a result for a test the declaration does not name is an error" {
	requires root
	export FAKE_KTAP=$'ok 1 fake.a\nok 2 fake.a_long\nok 3 fake.stray\n'
	fake_run -o "$OUT"
	[ "$status" -eq 1 ]
	[ "$(sub_field "$OUT" stray outcome)" = error ]
	[ "$(sub_field "$OUT" stray reason)" = "not declared in the case file" ]
	[ "$(sub_field "$OUT" a outcome)" = pass ]
}

@test "KTAP: NUL bytes and binary garbage do not hide the results after them" {
	requires root
	export FAKE_KTAP=$'\x01\x02\xff garbage \\0 more\x7f\nok 1 fake.a\nok 2 fake.a_long\n'
	fake_run -o "$OUT"
	[ "$status" -eq 0 ]
	[ "$(sub_field "$OUT" a outcome)" = pass ]
	[ "$(sub_field "$OUT" a_long outcome)" = pass ]
}

@test "KTAP: a malformed statistics line is an error naming what is wrong" {
	requires root
	local good='n=2 elapsed_ms=1 first_hit_ms=1 budget_rounds=2 budget_ms=10 stop=rounds'
	while IFS='|' read -r stats want; do
		rm -rf "$OUT"
		export FAKE_KTAP="# krepro-stats: $stats
ok 1 fake.a
ok 2 fake.a_long
"
		fake_run -o "$OUT"
		[ "$status" -eq 1 ]
		[ "$(sub_field "$OUT" a outcome)" = error ]
		[ "$(sub_field "$OUT" a reason)" = "krepro-stats: $want" ]
	done <<EOF
k=1 n=2|a field is missing (k, n, elapsed_ms, first_hit_ms, budget_rounds, budget_ms, stop)
k=3 $good|k=3 is more than n=2
k=1e99 $good|k=1e99 is not a number up to 1e9
k=-1 $good|k=-1 is not a number up to 1e9
k=1 $good garbage|'garbage' is not NAME=VALUE
k=1 ${good% stop=rounds} stop=never|stop must be one of rounds, time, first-hit, bound, estimate, baseline
k=1 ${good/first_hit_ms=1/first_hit_ms=none}|k=1 but first_hit_ms=none
EOF
}

# ---- run.json ----

@test "a corrupt, truncated or foreign run.json is one line naming the file, exit 2, the other directories untouched" {
	local good="$BATS_TEST_TMPDIR/good" bad="$BATS_TEST_TMPDIR/bad" before
	local k='"kernels":[{"spec":"host"}]' hd='"schema":"krepro-run","version":"1.3"'
	local sub='"name":"s","kind":"regression","outcome":"pass"'
	mkrun "$good" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/one:regression:pass:0:1
	before=$(snapshot "$good")
	mkdir -p "$bad"
	while IFS='|' read -r text want; do
		printf '%s' "$text" > "$bad/run.json"
		kr compare "$good" "$bad"
		[ "$status" -eq 2 ]
		[ "$output" = "krepro: cannot read $bad/run.json: $want" ]
	done <<EOF
|line 1, column 0: '[' or '{' expected near end of file
{"schema":"krepro-run","version":"1.3",$k|line 1, column 66: '}' expected near end of file
[1,2]|not a JSON object
{"name":"left-pad","version":"1.3.0"}|not a krepro run (schema is not "krepro-run")
{"schema":"krepro-run"}|no schema version
{"schema":"krepro-run","version":"one"}|bad schema version 'one'
{"schema":"krepro-run","version":"2.0"}|schema version 2.0 is not supported (this krepro reads 1.x)
{$hd}|no kernels or results array
{$hd,$k,"results":{}}|no kernels or results array
{$hd,$k,"results":[{"kernel":"debian:x","case":"c","subtests":[]}]}|result for kernel debian:x, which is not in kernels
{$hd,$k,"results":[{"kernel":"host","case":"c"}]}|result c on host has no subtests array
{$hd,$k,"results":[{"kernel":"host","case":"c","subtests":[{"name":"s","kind":"regression"}]}]}|a subtest has no string "outcome"
{$hd,$k,"results":[{"kernel":"host","case":"c","subtests":[{"name":"s","kind":"hack","outcome":"pass"}]}]}|subtest s has an unknown kind
{$hd,$k,"results":[{"kernel":"host","case":"c","subtests":[{"name":"s","kind":"regression","outcome":"fine"}]}]}|subtest s has an unknown outcome
{$hd,$k,"results":[{"kernel":"host","case":"c","subtests":[{$sub,"k":2,"n":1}]}]}|subtest s has k=2 n=1
{$hd,$k,"results":[{"kernel":"host","case":"c","subtests":[{$sub,"k":1e300,"n":1e300}]}]}|subtest s has a bad "k"
{$hd,$k,"results":[{"kernel":"host","case":"c","subtests":[{$sub,"k":0,"n":1,"runs":1.5}]}]}|subtest s has a bad "runs"
{$hd,"shard":{"index":1,"count":1e9},$k,"results":[]}|bad shard 1/1e+09
{$hd,"shard":{"index":3,"count":2},$k,"results":[]}|bad shard 3/2
{$hd,$k,"results":[{"kernel":"host","case":"c","ktap":"../../../etc/passwd","subtests":[{$sub,"k":0,"n":1}]}]}|result c on host names a KTAP file outside the run directory
{$hd,$k,"results":[{"kernel":"host","case":"c","ktap":"/etc/passwd","subtests":[{$sub,"k":0,"n":1}]}]}|result c on host names a KTAP file outside the run directory
EOF
	python3 -c 'print("[" * 100000)' > "$bad/run.json"
	kr compare "$good" "$bad"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot read $bad/run.json: line 1, column 2049: maximum parsing depth reached near '['" ]
	printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' > "$bad/run.json"
	kr compare "$good" "$bad"
	[ "$status" -eq 2 ]
	[ "$(error_lines)" -eq 1 ]
	[ "$before" = "$(snapshot "$good")" ]
}

@test "a real run.json cut at any point is one line, exit 2" {
	requires root
	export FAKE_KTAP=$'ok 1 fake.a\nok 2 fake.a_long\n'
	fake_run -o "$OUT"
	[ "$status" -eq 0 ]
	cp "$OUT/run.json" "$BATS_TEST_TMPDIR/whole.json"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/whole.json")
	for pct in 1 10 25 50 75 90 99; do
		head -c $((size * pct / 100)) "$BATS_TEST_TMPDIR/whole.json" > "$OUT/run.json"
		kr compare "$OUT"
		[ "$status" -eq 2 ]
		[ "$(error_lines)" -eq 1 ]
		[[ "$output" == "krepro: cannot read $OUT/run.json: line "* ]]
	done
}

# ---- the result directory ----

@test "a result directory on a read-only filesystem is refused before anything runs, exit 2" {
	requires root
	mkdir -p "$MNT"
	mount -t tmpfs -o ro,size=4m krepro-test "$MNT"
	kr run -k host -c ovl_whiteout -o "$MNT/out"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot write results to $MNT/out: $MNT: Read-only file system" ]
}

@test "a result directory below a regular file is refused, exit 2, the file untouched" {
	requires root
	echo keep > "$BATS_TEST_TMPDIR/file"
	kr run -k host -c ovl_whiteout -o "$BATS_TEST_TMPDIR/file/out"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot write results to $BATS_TEST_TMPDIR/file/out: $BATS_TEST_TMPDIR/file is not a directory" ]
	[ "$(cat "$BATS_TEST_TMPDIR/file")" = keep ]
}

@test "a result directory with less than 1 MiB free is refused before anything runs, exit 2" {
	requires root
	mkdir -p "$MNT"
	mount -t tmpfs -o size=512k krepro-test "$MNT"
	kr run -k host -c ovl_whiteout -o "$MNT/out"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot write results to $MNT/out: 512 KiB free on $MNT, a run needs at least 1024 KiB" ]
	[ ! -e "$MNT/out" ]
}

@test "a result directory that fills up during the run: no result, one line, exit 3, the earlier run intact" {
	requires root
	local before
	mkdir -p "$MNT"
	mount -t tmpfs -o size=1536k krepro-test "$MNT"
	export FAKE_KTAP=$'ok 1 fake.a\nok 2 fake.a_long\n'
	fake_run -o "$MNT/earlier"
	[ "$status" -eq 0 ]
	before=$(snapshot "$MNT/earlier")
	export FAKE_BYTES=4000000
	fake_run -o "$MNT/out"
	[ "$status" -eq 3 ]
	[ "$(error_lines)" -eq 1 ]
	[[ "$output" == *"no space left in $MNT/out: this attempt's logs may be cut short"* ]]
	[[ "$output" == *"
krepro: cannot write $MNT/out/run.json: No space left on device" ]]
	[ ! -e "$MNT/out/run.json" ]
	[ -z "$(find "$MNT" -name '*.tmp*')" ]
	[ "$before" = "$(snapshot "$MNT/earlier")" ]
	kr compare "$MNT/earlier"
	[ "$status" -eq 0 ]
}

# ---- the kernel and image cache ----

# A private cache holding VM_KERNEL: symlinks to the machine's cache when
# it has the kernel (a repair replaces the links, never their targets),
# else a fetch.
private_cache() {
	local name=${VM_KERNEL#debian:} shared=/var/cache/krepro/kernels/debian
	CACHE="$BATS_TEST_TMPDIR/cache"
	ENTRY="$CACHE/kernels/debian/$name"
	IMAGE="$ENTRY/tree/boot/vmlinuz-$name"
	mkdir -p "$ENTRY"
	if [ -f "$shared/$name/ready" ]; then
		cp -as "$shared/$name/tree" "$ENTRY/tree"
		grep -v '^image_sha256=' "$shared/$name/ready" > "$ENTRY/ready"
	fi
	KREPRO_CACHE="$CACHE" kr run --show-command -k "$VM_KERNEL" -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 0 ]
	grep -q '^image_sha256=' "$ENTRY/ready"
}

@test "a cached kernel whose image was cut short is fetched again at once, with one line" {
	requires root qemu
	private_cache
	local whole
	whole=$(sha256sum < "$IMAGE")
	head -c 1000000 "$IMAGE" > "$BATS_TEST_TMPDIR/cut"
	rm "$IMAGE" && mv "$BATS_TEST_TMPDIR/cut" "$IMAGE"
	KREPRO_CACHE="$CACHE" kr run --show-command -k "$VM_KERNEL" -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"krepro: cached kernel $VM_KERNEL was damaged ($ENTRY: image or modules.dep missing, or the image changed); fetched again"* ]]
	[ "$(sha256sum < "$IMAGE")" = "$whole" ]
}

@test "a cached kernel whose stamp is there but whose tree lost modules.dep is fetched again at once" {
	requires root qemu
	private_cache
	rm "$ENTRY"/tree/lib/modules/*/modules.dep
	KREPRO_CACHE="$CACHE" kr run --show-command -k "$VM_KERNEL" -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"krepro: cached kernel $VM_KERNEL was damaged"*"; fetched again"* ]]
	ls "$ENTRY"/tree/lib/modules/*/modules.dep
}

@test "a cached guest image cut short is built anew, with one line" {
	requires root qemu
	private_cache
	local img size
	img=$(ls "$CACHE"/initrd/*.cpio)
	size=$(stat -c %s "$img")
	truncate -s $((size / 2)) "$img"
	KREPRO_CACHE="$CACHE" kr run --show-command -k "$VM_KERNEL" -c ovl_whiteout -o "$OUT"
	[ "$status" -eq 0 ]
	[[ "$output" == *"krepro: cached guest image $img was damaged (cut short); built anew"* ]]
	[ "$(stat -c %s "$img")" -eq "$size" ]
}

# ---- host mode where it cannot isolate a case ----

# A minimal root: krepro with its libraries, the cases, the static
# reproducers, /dev/null, /tmp and (unless told) /proc.
make_chroot() {
	r="$BATS_TEST_TMPDIR/chroot"
	mkdir -p "$r/proj/build/repro" "$r/proj/cases" "$r/proc" "$r/tmp" "$r/dev"
	cp "$KREPRO" "$r/proj/build/krepro"
	cp "$ROOT"/build/repro/* "$r/proj/build/repro/"
	cp "$ROOT"/cases/*.case "$r/proj/cases/"
	for lib in $(ldd "$KREPRO" | grep -o '/[^ ]*'); do
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
	mknod "$r/dev/null" c 1 3
	[ "${1:-}" = noproc ] || mount -t proc proc "$r/proc"
}

@test "host mode in a chroot whose / is not a mount point: one line naming the step and the fix, exit 2, no run" {
	requires root
	make_chroot
	run chroot "$r" /proj/build/krepro run -k host -c selftest_contract/holds -o /out
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run on the host kernel: cannot isolate a case on the host: make / private (mount --make-rprivate /): Invalid argument; / is not a mount point (a chroot?); bind the root onto itself first: mount --bind DIR DIR, then chroot DIR" ]
	[ ! -e "$r/out" ]
	# The fix it names works: the same run in a chroot that is a mount point.
	umount "$r/proc"
	mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	run chroot "$r" /proj/build/krepro run -k host -c selftest_contract/holds -o /out
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ -f "$r/out/run.json" ]
	umount "$r/proc"
	umount "$r"
	assert_host_clean
}

@test "host mode in a chroot without /proc: one line, exit 2, no run" {
	requires root
	if ldd "$KREPRO" | grep -q libasan; then
		skip "krepro is built with ASan (make SANITIZE=1), whose runtime needs /proc"
	fi
	make_chroot noproc
	run chroot "$r" /proj/build/krepro run -k host -c selftest_contract/holds -o /out
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot find myself: /proc/self/exe: No such file or directory (is /proc mounted? else set KREPRO_ROOT)" ]
	KREPRO_ROOT=/proj run chroot "$r" /proj/build/krepro run -k host -c selftest_contract/holds -o /out
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run on the host kernel: cannot read /proc/sys/kernel/tainted: No such file or directory (is /proc mounted?)" ]
	[ ! -e "$r/out" ]
}

@test "host mode without CAP_SYS_ADMIN: one line naming it, exit 2, no run" {
	requires root
	run capsh --drop=cap_sys_admin -- -c "exec '$KREPRO' run -k host -c selftest_contract/holds -o '$OUT'"
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run on the host kernel: CAP_SYS_ADMIN is not in the effective capability set (a container?); mount namespaces need it" ]
	[ ! -e "$OUT" ]
}

@test "host mode with a read-only /proc/sys: one line naming it, exit 2, no run" {
	requires root
	run unshare -m --propagation private sh -c \
		"mount --bind -o ro /proc/sys /proc/sys && exec '$KREPRO' run -k host -c selftest_contract/holds -o '$OUT'"
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run on the host kernel: /proc/sys is not writable (Read-only file system; a container?); the cases set sysctls such as vm.drop_caches" ]
	[ ! -e "$OUT" ]
}

@test "host mode in a container (no CAP_SYS_ADMIN, read-only /proc/sys): one line, exit 2, no run" {
	requires root
	run unshare -m --propagation private sh -c \
		"mount --bind -o ro /proc/sys /proc/sys && exec capsh --drop=cap_sys_admin -- -c \"exec '$KREPRO' run -k host -c selftest_contract/holds -o '$OUT'\""
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run on the host kernel: CAP_SYS_ADMIN is not in the effective capability set (a container?); mount namespaces need it" ]
	[ ! -e "$OUT" ]
}

@test "host mode as a user other than root: one line, exit 2, no run" {
	requires root
	chmod 755 "$BATS_TEST_TMPDIR"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$KREPRO" run -k host -c selftest_contract/holds -o "$OUT"
	echo "$output" >&2
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot run cases: not root (mounts, namespaces and loop devices need it)" ]
	[ ! -e "$OUT" ]
}

@test "environment: a malformed KREPRO_BOOT_DEADLINE or KREPRO_CONSOLE_CAP is one line, exit 2, nothing created" {
	requires root
	local v
	for v in 12x -1 1.5 3601; do
		KREPRO_BOOT_DEADLINE=$v kr run -k host -c selftest_contract/holds -o "$OUT"
		[ "$status" -eq 2 ]
		[ "$output" = "krepro: bad KREPRO_BOOT_DEADLINE '$v': expected whole seconds from 0 (none) to 3600" ]
		[ ! -e "$OUT" ]
	done
	for v in 10 1G x; do
		KREPRO_CONSOLE_CAP=$v kr run -k host -c selftest_contract/holds -o "$OUT"
		[ "$status" -eq 2 ]
		[ "$output" = "krepro: bad KREPRO_CONSOLE_CAP '$v': expected bytes, or a number with K or M, from 64K to 4096M" ]
		[ ! -e "$OUT" ]
	done
}

# ---- the table ----

@test "every row of docs/bad-input.md names a test that exists, and every test here has a row" {
	local doc="$ROOT/docs/bad-input.md" file name missing=0
	while IFS= read -r ref; do
		file=${ref%%: *}
		name=${ref#*: }
		grep -qF "@test \"$name\"" "$ROOT/ci/$file.bats" || { echo "no test: $ref" >&2; missing=1; }
	done < <(grep -o '`[a-z-]*: [^`]*`' "$doc" | tr -d '`' | grep -E '^(bad-input|cli|compare|vm|host|channel): ')
	while IFS= read -r name; do
		[ "$name" = "every row of docs/bad-input.md names a test that exists, and every test here has a row" ] && continue
		grep -qF "\`bad-input: $name\`" "$doc" || { echo "no row: $name" >&2; missing=1; }
	done < <(sed -n 's/^@test "\(.*\)" {$/\1/p' "$ROOT/ci/bad-input.bats")
	[ "$missing" -eq 0 ]
}
