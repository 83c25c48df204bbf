#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The VM accelerator: KVM only where a probe boot under KVM reaches init.

load helpers

CACHE="${KREPRO_CACHE:-/var/cache/krepro}"

# A qemu-system-x86_64 on PATH in front of the real one.  MODE "always":
# every KVM start aborts as a nested KVM here does; "run": the probe boot
# passes (run under TCG behind krepro's back), the case's VM aborts.
stub_qemu() {
	local mode=$1 real
	real=$(command -v qemu-system-x86_64)
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat > "$BATS_TEST_TMPDIR/bin/qemu-system-x86_64" <<SH
#!/bin/sh
kvm= probe=
for a; do
	[ "\$a" = kvm ] && kvm=1
	case "\$a" in *krepro.probe=1*) probe=1 ;; esac
done
if [ -n "\$kvm" ] && { [ $mode = always ] || [ -z "\$probe" ]; }; then
	echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
	echo "qemu-system-x86_64: ../accel/kvm/kvm-all.c:1234: kvm_buf_set_msrs: Assertion \\\`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
	kill -ABRT \$\$
fi
n=\$#
for a; do
	case "\$a" in kvm) a=tcg ;; host) a=max ;; esac
	set -- "\$@" "\$a"
done
shift \$n
exec $real "\$@"
SH
	chmod +x "$BATS_TEST_TMPDIR/bin/qemu-system-x86_64"
	export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
	# The stub needs no KVM: any device that opens will do.
	export KREPRO_KVM_DEVICE=/dev/null
}

@test "auto on this machine's /dev/kvm boots a probe, picks what works and records why" {
	requires root qemu
	[ -e "${KREPRO_KVM_DEVICE:-/dev/kvm}" ] || skip "requires /dev/kvm"
	rm -rf "$CACHE/accel"
	kr run -k "$VM_KERNEL" -c ovl_whiteout --accel auto -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"krepro: accelerator "*"(probe "*" s)"* ]]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	accel=$(json_get "$rj" 'd["results"][0]["accel"]')
	reason=$(json_get "$rj" 'd["host"]["accel_reason"]')
	[ "$accel" = "$(json_get "$rj" 'd["host"]["accel"]')" ]
	if [ "$accel" = tcg ]; then
		# A /dev/kvm that opens but cannot run a stock kernel: the fallback.
		[[ "$reason" == "KVM probe: "* ]]
	else
		[ "$reason" = "KVM probe boot reached init" ]
	fi
	# The answer is cached: the second run does not probe again.
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/again"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(cached probe)"* ]]
	[ "$(json_get "$BATS_TEST_TMPDIR/again/run.json" 'd["results"][0]["accel"]')" = "$accel" ]
	assert_host_clean
}

@test "a QEMU that aborts under KVM makes auto fall back to TCG with QEMU's reason" {
	requires root qemu
	stub_qemu always
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'd["results"][0]["accel"]')" = tcg ]
	[ "$(json_get "$rj" 'd["results"][0]["outcome"]')" = pass ]
	[ "$(json_get "$rj" 'd["host"]["accel_reason"]')" = "KVM probe: QEMU stopped before init: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" ]
	assert_host_clean
}

@test "a VM that dies under KVM after a good probe is re-run under TCG, not counted as a boot failure" {
	requires root qemu
	stub_qemu run
	kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	rj="$BATS_TEST_TMPDIR/out/run.json"
	[ "$(json_get "$rj" 'd["host"]["accel"]')" = tcg ]
	[[ "$(json_get "$rj" 'd["host"]["accel_reason"]')" == "KVM probe boot reached init, but a VM never reached init under KVM"* ]]
	[ "$(json_get "$rj" 'd["results"][0]["accel"]')" = tcg ]
	[ "$(json_get "$rj" 'd["results"][0]["outcome"]')" = pass ]
	[ "$(json_get "$rj" 'd["results"][0]["attempts"]')" -eq 1 ]
	[[ "$(json_get "$rj" 'd["results"][0]["accel_reason"]')" == *"never reached init under KVM"* ]]
	assert_host_clean
}

@test "--accel kvm where KVM cannot boot a kernel exits 3 with one line and writes nothing" {
	requires root qemu
	stub_qemu always
	kr run -k "$VM_KERNEL" -c ovl_whiteout --accel kvm -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 3 ]
	[ "$output" = "krepro: cannot use kvm: KVM probe: QEMU stopped before init: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" ]
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	KREPRO_ACCEL=kvm kr run -k "$VM_KERNEL" -c ovl_whiteout -o "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 3 ]
	[[ "$output" == "krepro: cannot use kvm: "*"(cached probe)" ]]
}

@test "an unknown accelerator is a usage error" {
	kr run -k host -c ovl_whiteout --accel xen
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: bad accelerator 'xen': expected auto, kvm or tcg" ]
}
