#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# concurrent.sh [runs|builds|all] - two krepro processes on one cold cache
# (make stress).
#
# runs:   two `krepro run`s of the same Debian kernel and case at once,
#         KREPRO_CACHE empty: both must pass, and the cache must hold one
#         whole kernel tree (its stamp's hash matches the image), whole
#         guest images only, and no temp file or fetch directory.
# builds: two `krepro build`s of linux-source-6.1 with the same patch at
#         once, on an empty cache: both must print the same file: spec,
#         that image must be a bzImage, and the build must have run once
#         (the second waits on the work directory's lock, then reuses).
#
# Everything lives under one temp directory of this script, removed at the
# end; KEEP=DIR keeps the build cache in DIR instead (bad-kernels.sh can
# reuse it).  Other krepro runs on the machine are never looked at.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krepro=$top/build/krepro
what=${1:-all}
work=$(mktemp -d /var/tmp/krepro-concurrent.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM	# so that the EXIT trap runs
say() { echo "concurrent: $*"; }
fail=0
bad() { say "FAIL: $*"; fail=1; }

kernel=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
	cut -d' ' -f1 | sed 's/^linux-image-/debian:/' | sort -V | tail -n 1)

# The cache after both runs: one stamped tree whose image hash matches,
# whole images, and nothing half-made.
check_run_cache() { # CACHE
	python3 - "$1" "${kernel#debian:}" <<'PY'
import glob, hashlib, os, sys
cache, name = sys.argv[1], sys.argv[2]
problems = []
d = os.path.join(cache, "kernels", "debian", name)
stamp = dict(l.split("=", 1) for l in open(os.path.join(d, "ready")).read().split())
img = os.path.join(d, "tree", "boot", "vmlinuz-" + stamp["release"])
if hashlib.sha256(open(img, "rb").read()).hexdigest() != stamp["image_sha256"]:
    problems.append("kernel image hash differs from its stamp")
for p in glob.glob(os.path.join(cache, "kernels", ".fetch.*")):
    problems.append("fetch directory left: " + p)
images = glob.glob(os.path.join(cache, "initrd", "*"))
for p in images:
    data = open(p, "rb").read()
    if not p.endswith(".cpio") or len(data) % 512 or b"TRAILER!!!" not in data[-1024:]:
        problems.append("not a whole image: " + p)
print("  cache: kernel tree whole, %d image(s)" % len(images))
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}

two_runs() {
	cache=$work/run-cache
	mkdir -p "$cache"
	start=$(date +%s)
	for x in a b; do
		KREPRO_CACHE=$cache "$krepro" run -k "$kernel" -c ovl_whiteout \
			-o "$work/run-$x" > "$work/run-$x.log" 2>&1 &
		eval "pid_$x=\$!"
	done
	rc_a=0 rc_b=0
	wait "$pid_a" || rc_a=$?
	wait "$pid_b" || rc_b=$?
	say "two runs of $kernel ovl_whiteout on one cold cache: exit $rc_a and $rc_b in $(( $(date +%s) - start )) s"
	for x in a b; do
		python3 - "$work/run-$x/run.json" <<'PY' || bad "run $x: not every subtest passed"
import json, sys
d = json.load(open(sys.argv[1]))
subs = [(s["name"], s["outcome"]) for r in d["results"] for s in r["subtests"]]
built = [r.get("image_built") for r in d["results"]]
print("  %s: %s, image built: %s" % (sys.argv[1].split("/")[-2], " ".join("%s=%s" % s for s in subs), built))
sys.exit(0 if subs and all(o == "pass" for _, o in subs) else 1)
PY
	done
	[ "$rc_a" -eq 0 ] && [ "$rc_b" -eq 0 ] || bad "a run exited non-zero"
	check_run_cache "$cache" || bad "the shared cache is damaged"
}

two_builds() {
	cache=${KEEP:-$work/build-cache}
	patch=$top/ci/kernels/hang_before_init.patch
	mkdir -p "$cache"
	start=$(date +%s)
	for x in a b; do
		KREPRO_CACHE=$cache "$krepro" build --patch "$patch" \
			> "$work/build-$x.out" 2> "$work/build-$x.log" &
		eval "pid_$x=\$!"
		sleep 1
	done
	rc_a=0 rc_b=0
	wait "$pid_a" || rc_a=$?
	wait "$pid_b" || rc_b=$?
	say "two builds of linux-source-6.1 + $(basename "$patch") on one cold cache: exit $rc_a and $rc_b in $(( $(date +%s) - start )) s"
	spec_a=$(tail -n 1 "$work/build-a.out") spec_b=$(tail -n 1 "$work/build-b.out")
	say "  a: $spec_a"
	say "  b: $spec_b"
	[ "$rc_a" -eq 0 ] && [ "$rc_b" -eq 0 ] || { tail -n 5 "$work"/build-*.log; bad "a build failed"; return; }
	[ "$spec_a" = "$spec_b" ] || bad "the two builds name different images"
	img=${spec_a#file:}
	[ "$(dd if="$img" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] || bad "$img is not a bzImage"
	# The second waits on the work directory's lock, then finds the image.
	n=$(cat "$work"/build-*.log | grep -c '^krepro: build: compiled in' || true)
	say "  compiled $n time(s): $(grep -h '^krepro: build: compiled in' "$work"/build-*.log)"
	[ "$n" -eq 1 ] || bad "the tree was compiled $n times, not once"
	ls "$cache"/build/images | grep -q . || bad "no image in the cache"
	[ "$(ls "$cache"/build/images | wc -l)" -eq 1 ] || bad "more than one image for one build"
}

case $what in
runs) two_runs ;;
builds) two_builds ;;
all) two_runs; two_builds ;;
*) echo "usage: concurrent.sh [runs|builds|all]" >&2; exit 2 ;;
esac
[ "$fail" -eq 0 ] && say "ok" || say "FAILED"
exit "$fail"
