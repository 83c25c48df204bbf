#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bad-kernels.sh [OUTDIR] - three bad kernels in a matrix with a good one
# (make stress): linux-source-6.1 built to panic before init, built to hang
# before init, and a file with an x86 boot header that is no kernel.  Each
# must end in infra after one retry, with its reason; the good kernel's
# result must be untouched; the run exits 3.  A file that is not even a
# boot image is bad input: one line, exit 2, before anything runs.
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
head -c 4096 /dev/urandom > "$out/random"
set +e
msg=$("$krepro" run -k "file:$out/random" -c selftest_contract/holds -o "$out/r2" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a file that is not a boot image exited $rc, not 2"
[ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || fail "more than one line: $msg"
say "each bad kernel is infra after one retry, the good one passes; $msg"
