#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bad-kernels.sh [OUTDIR] - three bad kernels in a matrix with a good one
# (make stress): linux-source-6.1 built to panic before init, built to hang
# before init, and a file with an x86 boot header that is no kernel.  Each
# must end in infra after one retry, with its reason; the good kernel's
# result must be untouched; the run exits 3.  A file that is not even a
# boot image is bad input: one line, exit 2, before anything runs.  The
# hang kernel then runs a case with a long timeout: the boot deadline
# must make it infra in two short tries.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krepro=$top/build/krepro
out=${1:-$(mktemp -d /var/tmp/krepro-bad-kernels.XXXXXX)}
mkdir -p "$out"
say() { echo "bad-kernels: $*"; }
fail() { say "$*"; exit 1; }

good=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
	cut -d' ' -f1 | sed 's/^linux-image-/debian:/' | sort -V | tail -n 1)
panic=build:linux-source-6.1,patch=$top/ci/kernels/panic_before_init.patch
hang=build:linux-source-6.1,patch=$top/ci/kernels/hang_before_init.patch
# A boot protocol header ("HdrS" at 0x202) on random bytes: QEMU loads it.
fake=$out/not-a-kernel
head -c 2097152 /dev/urandom > "$fake"
printf 'HdrS' | dd of="$fake" bs=1 seek=514 conv=notrunc 2>/dev/null
printf '\x0f\x02' | dd of="$fake" bs=1 seek=518 conv=notrunc 2>/dev/null

set +e
"$krepro" run -k "$good" -k "$panic" -k "$hang" -k "file:$fake" \
	-c selftest_contract/holds -o "$out/run"
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "the run exited $rc, not 3"
python3 - "$out/run/run.json" "$good" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
for r in d["results"]:
    spec, outcome = r["kernel"], r["outcome"]
    if spec == sys.argv[2]:
        ok = outcome == "pass"
    else:
        ok = outcome == "infra" and r.get("attempts") == 2 and r.get("detail")
    print(f"  {spec[:60]:60} {outcome:6} attempts={r.get('attempts')} "
          f"{(r.get('detail') or '')[:70]}")
    bad += not ok
sys.exit(1 if bad else 0)
PY
# The boot deadline: the hang kernel with a case whose timeout (120 s) is
# far past it is infra after two attempts of about KREPRO_BOOT_DEADLINE
# (30 s) each, not of the case's timeout each (240 s in all).
start=$(date +%s)
set +e
"$krepro" run -k "$hang" -c chroot_propagation -o "$out/hang" > "$out/hang.log" 2>&1
rc=$?
set -e
took=$(( $(date +%s) - start ))
[ "$rc" -eq 3 ] || fail "the hang kernel's run exited $rc, not 3"
grep -q 'init did not start within' "$out/hang/run.json" || fail "the hang kernel's detail does not name the boot deadline"
[ "$took" -lt 120 ] || fail "the hang kernel took $took s to be infra (the boot deadline is 30 s a try)"
say "the kernel that hangs before init is infra after two tries in $took s (chroot_propagation's timeout: 120 s)"
head -c 4096 /dev/urandom > "$out/random"
set +e
msg=$("$krepro" run -k "file:$out/random" -c selftest_contract/holds -o "$out/r2" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a file that is not a boot image exited $rc, not 2"
[ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "more than one line: $msg"
say "each bad kernel is infra after one retry, the good one passes; $msg"
