#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Cases in throwaway VMs on a real Debian kernel.

load helpers

@test "ovl_whiteout passes in a VM on a Debian kernel, and the image is reused" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/a"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/a/run.json"
	[ "$(json_get "$rj" 'd["results"][0]["outcome"]')" = pass ]
	[ "$(json_get "$rj" 'd["kernels"][0]["uname_r"]')" = "${VM_KERNEL#debian:}" ]
	[ "$(json_get "$rj" 'len(d["kernels"][0]["image_sha256"])')" -eq 64 ]
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/b/run.json" 'd["results"][0]["image_built"]')" = False ]
	assert_host_clean
}

@test "a kernel panic during a case is a crash with the console excerpt" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c selftest_panic -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'd["results"][0]["outcome"]')" = crash ]
	[ "$(json_get "$rj" 'd["results"][0]["subtests"][0]["outcome"]')" = crash ]
	[[ "$(json_get "$rj" 'd["results"][0]["excerpt"]')" == *"Kernel panic - not syncing: sysrq triggered crash"* ]]
	assert_host_clean
}

@test "random bytes as a kernel are refused as bad input: exit 2, one line, nothing written" {
	requires root qemu
	head -c 65536 /dev/urandom > "$BATS_TEST_TMPDIR/random.img"
	kr run -k "file:$BATS_TEST_TMPDIR/random.img" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot use kernel file:$BATS_TEST_TMPDIR/random.img: $BATS_TEST_TMPDIR/random.img is not a bootable x86 kernel image (no boot protocol header)" ]
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "a truncated kernel image ends in exit 3 after a retry: it did not boot" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/warm"
	image=$(ls "${KREPRO_CACHE:-/var/cache/krepro}/kernels/debian/${VM_KERNEL#debian:}/tree/boot/vmlinuz-"*)
	head -c 2000000 "$image" > "$BATS_TEST_TMPDIR/cut.img"
	kr run -k "file:$BATS_TEST_TMPDIR/cut.img" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 3 ]
	[[ "$output" == *"krepro: file:$BATS_TEST_TMPDIR/cut.img ovl_whiteout: kernel file:$BATS_TEST_TMPDIR/cut.img did not boot to the case"*"(after 2 attempts)"* ]]
	[ "$(json_get "$BATS_TEST_TMPDIR/out/run.json" 'd["results"][0]["attempts"]')" -eq 2 ]
	assert_host_clean
}

@test "a bzImage with a PVH entry boots as its vmlinux, extracted once; an image with none boots as given" {
	requires root qemu
	cache="${KREPRO_CACHE:-/var/cache/krepro}"
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/first"
	[ "$status" -eq 0 ]
	# The second run finds the vmlinux in the cache.
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/warm"
	[ "$status" -eq 0 ]
	image=$(ls "$cache/kernels/debian/${VM_KERNEL#debian:}/tree/boot/vmlinuz-"*)
	elf="$cache/vmlinux/$(sha256sum "$image" | cut -d' ' -f1).elf"
	[ "$(head -c 4 "$elf" | od -An -c | tr -d ' ')" = '177ELF' ]
	[ "$(json_get "$BATS_TEST_TMPDIR/warm/run.json" 'd["kernels"][0]["prepare_s"]["pvh"]')" = 0.0 ]
	kr run --show-command -k "$VM_KERNEL" -c ovl_whiteout
	[[ "$output" == *" -kernel $elf "* ]]
	# Not a whole bzImage: remembered as having none, and given to QEMU as it is.
	head -c 2000000 "$image" > "$BATS_TEST_TMPDIR/cut.img"
	kr run --show-command -k "file:$BATS_TEST_TMPDIR/cut.img" -c ovl_whiteout
	[[ "$output" == *" -kernel $BATS_TEST_TMPDIR/cut.img "* ]]
	[ -e "$cache/vmlinux/$(sha256sum "$BATS_TEST_TMPDIR/cut.img" | cut -d' ' -f1).none" ]
	assert_host_clean
}

@test "an interrupted run kills its VMs and says so in run.json" {
	requires root qemu
	"$KREPRO" run -k "$VM_KERNEL" -c ovl_whiteout -n 50 -o "$BATS_TEST_TMPDIR/out" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 50); do pgrep -f "qemu-system.*$BATS_TEST_TMPDIR" >/dev/null && break; sleep 0.1; done
	pgrep -f "qemu-system.*$BATS_TEST_TMPDIR" >/dev/null
	kill -INT "$pid"
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/out/run.json" 'd["interrupted"]')" = True ]
	assert_host_clean
}

@test "gate passes a clean candidate, reuses fresh results, and fails on a regression" {
	requires root qemu
	S="$BATS_TEST_TMPDIR/store"
	kr gate --baseline "$VM_KERNEL" --candidate host -c chroot_propagation --store "$S" -o "$S/g1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"## krepro: no regression"* ]]
	xmllint --noout "$S/g1/gate.xml"
	grep -q '<table class="grid"' "$S/g1/gate.html"
	# Same kernel images, same case build: nothing runs again.
	kr gate --baseline "$VM_KERNEL" --candidate host -c chroot_propagation --store "$S" -o "$S/g2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"krepro: reusing $S/g1 for $VM_KERNEL"* ]]
	[ ! -e "$S/g2/run.json" ]
	# The stored host result now says the private namespace leaked.
	python3 - "$S/g1/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    if r["kernel"] == "host":
        for s in r["subtests"]:
            if s["name"] == "private_namespace_keeps_host_mounts_out":
                s.update(outcome="fail", k=1, runs_hit=1)
json.dump(d, open(sys.argv[1], "w"))
PY
	kr gate --baseline "$VM_KERNEL" --candidate host -c chroot_propagation --store "$S" -o "$S/g3"
	[ "$status" -eq 1 ]
	[[ "$output" == *"**regression** \`chroot_propagation/private_namespace_keeps_host_mounts_out\` on \`host\`: pass -> fail"* ]]
	assert_host_clean
}

@test "gate with the baseline in the store: the candidate's hazards stop once decided against its counts" {
	requires root qemu
	S="$BATS_TEST_TMPDIR/store"
	kr run -k host -c tar_race -o "$S/base"
	base=$(json_get "$S/base/run.json" '"%d/%d" % next((s["k"], s["n"]) for s in d["results"][0]["subtests"] if s["name"] == "parallel_extractions_collide_exit_nonzero")')
	kr gate --baseline host --candidate "$VM_KERNEL" -c tar_race --store "$S" -o "$S/g"
	[[ "$output" == *"krepro: reusing $S/base for host"* ]]
	rule() { json_get "$S/g/run.json" "next(s['race']['$2'] for s in d['results'][0]['subtests'] if s['name'] == '$1')"; }
	[ "$(rule parallel_extractions_collide_exit_nonzero rule)" = "bound=0.1,base=$base,first" ]
	[[ "$(rule parallel_extractions_collide_exit_nonzero stop)" == *"'first-hit'"* ||
	   "$(rule parallel_extractions_collide_exit_nonzero stop)" == *"'baseline'"* ]]
	# A protection's rule does not depend on the baseline.
	[ "$(rule flock_serialised_extractions_are_exact rule)" = "bound=0.1,first" ]
	assert_host_clean
}

@test "gate refuses the same kernel on both sides" {
	kr gate --baseline host --candidate host
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot gate: baseline and candidate are both host" ]
}

@test "--until-confident re-runs an undecided race on every kernel, within its budget" {
	requires root qemu
	O="$BATS_TEST_TMPDIR/out"
	kr run -k "$VM_KERNEL" -k host -c tar_race/parallel_extractions_collide_exit_nonzero \
		--seconds 3 --until-confident=1 -o "$O"
	[ "$status" -eq 0 ]
	runs=$(json_get "$O/run.json" 'sorted(set(r["subtests"][0]["runs"] for r in d["results"]))')
	undecided=$("$KREPRO" compare --format json "$O" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(any(c["change"] == "inconclusive" for r in d["rows"] for c in r["cells"]))')
	if [[ "$output" == *"inconclusive; more runs (1 of at most 1)"* ]]; then
		# One more run of both kernels, and then the budget is spent.
		[ "$runs" = "[2]" ]
	else
		# Decided (or equal) after the first runs: nothing re-ran.
		[ "$runs" = "[1]" ]
		[ "$undecided" = False ]
	fi
	assert_host_clean
}

@test "a program's GP fault or SIGSEGV and crash-looking text from a test are not a crash" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c selftest_faults -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'd["results"][0]["outcome"]')" = pass ]
	[ "$(json_get "$rj" '",".join(s["outcome"] for s in d["results"][0]["subtests"])')" = pass,pass,pass ]
	# The console really holds what used to pass for a crash.
	console="$BATS_TEST_TMPDIR/out/$(json_get "$rj" 'd["results"][0]["console"]')"
	grep -q "traps: selftest_faults\[[0-9]*\] general protection fault" "$console"
	grep -q "segfault at 0" "$console"
	grep -q "Kernel panic - not syncing: written by a test" "$console"
	assert_host_clean
}

@test "a first run on an empty cache with a relative -o writes under the caller's directory" {
	requires root qemu
	mkdir "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work"
	KREPRO_CACHE=$(mktemp -d "$BATS_TEST_TMPDIR/cache.XXXXXX") kr run -k "$VM_KERNEL" -c ovl_whiteout -o results/first
	[ "$status" -eq 0 ]
	[ -f "$BATS_TEST_TMPDIR/work/results/first/run.json" ]
	[ ! -e /results/first ]
	kr compare results/first
	[ "$status" -eq 0 ]
	[[ "$output" == *"ovl_whiteout/mkdir_over_whiteout_gets_caller_owner"*pass* ]]
	assert_host_clean
}

# fresh_runs OUT: selftest_fresh once (taking its snapshot when the cache
# has none), then - 5 s later, so that a snapshot's clock would be behind
# - twice more; each later run's line "rnd=HEX realtime=T0:T boot_id=ID
# boot=HOW" into OUT, T0 being the host's clock just before the run.
fresh_runs() {
	local i t0
	kr run -k "$VM_KERNEL" -c selftest_fresh --accel tcg -o "$BATS_TEST_TMPDIR/f1"
	[ "$status" -eq 0 ]
	sleep 5
	for i in 2 3; do
		t0=$(date +%s)
		kr run -k "$VM_KERNEL" -c selftest_fresh --accel tcg -o "$BATS_TEST_TMPDIR/f$i"
		[ "$status" -eq 0 ]
		echo "$(grep -ho '# fresh: .*' "$BATS_TEST_TMPDIR/f$i"/*/selftest_fresh.ktap |
			sed "s/^# fresh: //; s/realtime=/realtime=$t0:/") boot=$(json_get \
			"$BATS_TEST_TMPDIR/f$i/run.json" 'd["results"][0]["boot"]')" >> "$1"
	done
}

# distinct WORD FILE: how many different values of WORD= the lines have.
distinct() {
	grep -o "$1=[^ ]*" "$2" | sort -u | wc -l
}

# clock_fresh FILE: every restored guest's clock was the host's (the RTC
# has whole seconds).
clock_fresh() {
	local t0 t
	for pair in $(grep -o 'realtime=[0-9:]*' "$1" | cut -d= -f2); do
		t0=${pair%:*} t=${pair#*:}
		[ "$t" -ge $((t0 - 1)) ] || return 1
	done
}

@test "VMs are restored from a snapshot of the booted guest, each fresh: its own random bytes and boot_id, the host's clock" {
	requires root qemu
	fresh_runs "$BATS_TEST_TMPDIR/fresh"
	cat "$BATS_TEST_TMPDIR/fresh" >&2
	[ "$(grep -c 'boot=restored' "$BATS_TEST_TMPDIR/fresh")" -eq 2 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/f3/run.json" 'd["results"][0]["phases_s"]["boot"]')" = None ]
	[ "$(json_get "$BATS_TEST_TMPDIR/f3/run.json" 'd["results"][0]["phases_s"]["restore"] > 0')" = True ]
	# Both start from one saved pool, clock and (unread) boot_id.
	[ "$(distinct rnd "$BATS_TEST_TMPDIR/fresh")" -eq 2 ]
	[ "$(distinct boot_id "$BATS_TEST_TMPDIR/fresh")" -eq 2 ]
	clock_fresh "$BATS_TEST_TMPDIR/fresh"
	kr run -k "$VM_KERNEL" -c selftest_fresh --accel tcg --no-snapshot -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/b/run.json" 'd["results"][0]["boot"]')" = booted ]
	assert_host_clean
}

@test "known-bad: a knobs reader that does not reseed or set the clock leaves restored guests with the snapshot's draws and time" {
	requires root qemu
	bad="$BATS_TEST_TMPDIR/root"
	mkdir -p "$bad/build/guest"
	ln -s "$ROOT/cases" "$ROOT/vm" "$bad/"
	ln -s "$ROOT/build/repro" "$bad/build/repro"
	sed -e 's/if (reseed_random())/if (0)/' -e 's/if (clock_from_rtc())/if (0)/' \
		"$ROOT/vm/guest/knobs.c" > "$bad/knobs.c"
	[ "$(grep -c 'if (0)' "$bad/knobs.c")" -eq 2 ]
	cc -O2 -static -o "$bad/build/guest/knobs" "$bad/knobs.c"
	KREPRO_ROOT="$bad" fresh_runs "$BATS_TEST_TMPDIR/stale"
	cat "$BATS_TEST_TMPDIR/stale" >&2
	[ "$(grep -c 'boot=restored' "$BATS_TEST_TMPDIR/stale")" -eq 2 ]
	[ "$(distinct rnd "$BATS_TEST_TMPDIR/stale")" -eq 1 ]
	! clock_fresh "$BATS_TEST_TMPDIR/stale"
	assert_host_clean
}

@test "a damaged snapshot is removed and taken anew; the run passes" {
	requires root qemu
	kr run -k "$VM_KERNEL" -c selftest_fresh --accel tcg -o "$BATS_TEST_TMPDIR/a"
	[ "$status" -eq 0 ]
	kr run --show-command -k "$VM_KERNEL" -c selftest_fresh --accel tcg
	# The restore on the printed line: -incoming 'exec:zstd -dcq PATH', quoted.
	snap=$(printf '%s\n' "$output" | grep -o "[^' ]*/snapshot/[0-9a-f]*" | head -n 1)
	[ -f "$snap" ]
	head -c 4096 /dev/urandom > "$snap"
	kr run -k "$VM_KERNEL" -c selftest_fresh --accel tcg -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[[ "$output" == *"the guest did not come back from snapshot $snap; removed"* ]]
	[ "$(json_get "$BATS_TEST_TMPDIR/b/run.json" 'd["results"][0]["boot"]')" = restored ]
	[ "$(json_get "$BATS_TEST_TMPDIR/b/run.json" 'd["results"][0]["attempts"]')" -eq 2 ]
	[ "$(stat -c %s "$snap")" -gt 1000000 ]
	assert_host_clean
}

@test "--show-command prints a QEMU command line that runs the case, and starts nothing" {
	requires root qemu
	kr run --show-command -k "$VM_KERNEL" -c ovl_whiteout --accel tcg -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	cmd=$(printf '%s\n' "$output" | grep '^/.*qemu-system-x86_64 ')
	[[ "$cmd" == *" -accel tcg,tb-size=128 -cpu qemu64,+rdrand "* ]]	# the TCG cache size and CPU model are main's
	[[ "$cmd" == *" norandmaps'"* ]]	# ovl_whiteout declares aslr: off
	kr run --show-command -k "$VM_KERNEL" -c loop_image --accel tcg
	[ "$status" -eq 0 ]
	[[ "$output" == *" -append 'console=ttyS0 "* && "$output" != *norandmaps* ]]	# loop_image keeps ASLR
	mkdir -p "$BATS_TEST_TMPDIR/out/${VM_KERNEL/:/-}"
	eval "timeout 120 $cmd"
	# The guest ran every subtest (one result line each) and reached END.
	chan="$BATS_TEST_TMPDIR/out/${VM_KERNEL/:/-}/ovl_whiteout.chan.log"
	[ "$(grep -c '^ok 1 ' "$chan")" -eq "$(build_subtests ovl_whiteout)" ]
	grep -q " END rc=0 " "$chan"
	assert_host_clean
}

@test "a kernel whose guest cannot be saved: one warning, its VMs boot, and the run says why they failed" {
	requires root qemu
	# A boot protocol header on random bytes: QEMU loads it, nothing runs.
	fake="$BATS_TEST_TMPDIR/not-a-kernel"
	head -c 2097152 /dev/urandom > "$fake"
	printf 'HdrS' | dd of="$fake" bs=1 seek=514 conv=notrunc 2>/dev/null
	printf '\x0f\x02' | dd of="$fake" bs=1 seek=518 conv=notrunc 2>/dev/null
	# It hangs: a short boot deadline keeps the test short.
	KREPRO_BOOT_DEADLINE=4 kr run -k "file:$fake" -c selftest_fresh \
		-c selftest_contract/holds --accel tcg -j 1 -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 3 ]
	[ "$(printf '%s\n' "$output" | grep -c 'no snapshot, booting its VMs instead')" -eq 1 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" '[r["boot"] for r in d["results"]]')" = "['booted', 'booted']" ]
	[ "$(json_get "$rj" '[r["outcome"] for r in d["results"]]')" = "['infra', 'infra']" ]
	[[ "$(json_get "$rj" 'd["results"][0]["detail"]')" == "kernel file:$fake did not boot to the case"* ]]
	[ -z "$(ls "${KREPRO_CACHE:-/var/cache/krepro}/snapshot" | grep tmp)" ]
	[[ "$output" == *"no snapshot, booting its VMs instead: the guest did not reach its knobs within 4 s"* ]]
	assert_host_clean
}
