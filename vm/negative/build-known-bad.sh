#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# build-known-bad.sh - build the KNOWN-BAD overlayfs kernel for the
# ovl_whiteout negative control.
#
# Debian's linux-source-6.1 with ovl_whiteout-known-bad.patch (the fix
# d0e13f5bbe4b reverted in effect), configured as `make tinyconfig` plus
# vm/config/krepro.config (everything built in), built as an x86_64 bzImage.
#
# The tree is kept in a cache directory and reused: a second run only
# re-runs make (about 20 s); a changed fragment reconfigures, a changed patch
# is swapped in, a changed source tarball re-extracts.
#
# Progress goes to stderr, make's output to DIR/build.log; the last line
# on stdout is the path of the bzImage.
#
# Environment:
#   KREPRO_KNOWN_BAD_DIR  cache dir (default /var/cache/krepro/src/known-bad-ovl)
#   KREPRO_KERNEL_TARBALL source (default /usr/src/linux-source-6.1.tar.xz)
#   JOBS                  make -j (default: nproc)
#
# Exit status: 0 built, 1 the build failed, 2 usage or missing tools.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=${KREPRO_KNOWN_BAD_DIR:-/var/cache/krepro/src/known-bad-ovl}
tarball=${KREPRO_KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
topdir=linux-source-6.1
jobs=${JOBS:-$(nproc)}
patchfile=$here/ovl_whiteout-known-bad.patch
fragment=$top/vm/config/krepro.config
checker=$top/vm/config/check-config.sh
localversion=-krepro-known-bad-ovl
tree=$dir/$topdir
log=$dir/build.log

say() { echo "build-known-bad: $*" >&2; }
fail() { say "$*"; exit "${2:-1}"; }

# ---- build dependencies ----
need_pkgs="gcc make bc bison flex libelf-dev libssl-dev xz-utils tar patch"
missing=""
for p in $need_pkgs; do
	st=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || fail "missing build packages:$missing (not root, cannot install)" 2
	say "installing build packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	aptlog=$(mktemp)
	# shellcheck disable=SC2086
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
			$missing; } > "$aptlog" 2>&1; then
		tail -n 20 "$aptlog" >&2
		rm -f "$aptlog"
		fail "cannot install:$missing" 2
	fi
	rm -f "$aptlog"
fi
[ -r "$tarball" ] || fail "no kernel source at $tarball (apt-get install linux-source-6.1)" 2
[ -r "$patchfile" ] || fail "no patch at $patchfile" 2
[ -r "$fragment" ] || fail "no config fragment at $fragment" 2

mkdir -p "$dir"
# One build per cache dir at a time.
exec 9>"$dir/.lock"
flock 9 || fail "cannot lock $dir/.lock" 2

sum() { sha256sum "$1" | cut -d' ' -f1; }
stamp_is() { [ -f "$dir/$1" ] && [ "$(cat "$dir/$1")" = "$2" ]; }

# ---- source tree ----
src_id="$(stat -c '%s %Y' "$tarball") $tarball"
if [ ! -f "$tree/Makefile" ] || ! stamp_is .source "$src_id"; then
	say "extracting $tarball into $dir (about a minute)"
	rm -rf "$dir/.extract" "$tree" "$dir/.source" "$dir/.patch" "$dir/.config-id"
	mkdir "$dir/.extract"
	tar -xJf "$tarball" -C "$dir/.extract" || fail "cannot extract $tarball"
	[ -f "$dir/.extract/$topdir/Makefile" ] ||
		fail "$tarball has no $topdir/ top directory"
	mv "$dir/.extract/$topdir" "$tree"
	rmdir "$dir/.extract"
	echo "$src_id" > "$dir/.source"
fi

# ---- the known-bad patch ----
patch_id=$(sum "$patchfile")
if ! stamp_is .patch "$patch_id"; then
	if [ -f "$dir/applied.patch" ]; then
		say "the patch changed: reverting the old one"
		patch -d "$tree" -p1 -R -s < "$dir/applied.patch" >&2 ||
			fail "cannot revert the old patch; remove $dir and run again"
		rm -f "$dir/applied.patch" "$dir/.patch"
	fi
	say "applying $(basename "$patchfile")"
	patch -d "$tree" -p1 -N -s < "$patchfile" >&2 ||
		fail "the patch does not apply to $tree"
	cp "$patchfile" "$dir/applied.patch"
	echo "$patch_id" > "$dir/.patch"
fi
grep -q 'krepro KNOWN-BAD' "$tree/fs/overlayfs/dir.c" ||
	fail "$tree/fs/overlayfs/dir.c lacks the known-bad change"

# ---- configuration ----
: > "$log"
config_id="$(sum "$fragment") $(sum "$checker") $localversion"
if [ ! -f "$tree/.config" ] || ! stamp_is .config-id "$config_id"; then
	say "configuring: tinyconfig + $(basename "$fragment")"
	rm -f "$dir/.config-id"
	{
		make -C "$tree" ARCH=x86_64 tinyconfig &&
		(cd "$tree" && scripts/kconfig/merge_config.sh -m .config "$fragment") &&
		"$tree/scripts/config" --file "$tree/.config" \
			--set-str LOCALVERSION "$localversion" \
			--disable LOCALVERSION_AUTO &&
		make -C "$tree" ARCH=x86_64 olddefconfig
	} >> "$log" 2>&1 || { tail -n 30 "$log" >&2; fail "configuration failed (log: $log)"; }
	if ! "$checker" "$fragment" "$tree/.config" >&2; then
		fail "options of $fragment did not survive olddefconfig (listed above)"
	fi
	echo "$config_id" > "$dir/.config-id"
fi

# ---- build ----
say "make -j$jobs bzImage (log: $log; from scratch 8-16 min on 2 cores, else seconds)"
start=$(date +%s)
if ! make -C "$tree" ARCH=x86_64 -j"$jobs" bzImage >> "$log" 2>&1; then
	grep -E 'error|Error' "$log" | tail -n 20 >&2 || true
	fail "the kernel build failed (log: $log)"
fi
image=$tree/arch/x86/boot/bzImage
[ -f "$image" ] || fail "make succeeded but $image is missing"
say "built $(cat "$tree/include/config/kernel.release" 2>/dev/null || echo '?') in $(( $(date +%s) - start )) s"
echo "$image"
