#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kill-trials.sh [TRIALS] - SIGKILL krepro at random moments (make stress).
#
# TRIALS host-mode runs and TRIALS VM runs (default 20 each), cycling
# through the default cases; every fourth VM trial starts from an empty
# kernel cache, so some kills land in the Debian fetch and the guest image
# build.  After each kill: the host's mounts, loop devices, krepro temp
# trees, processes (qemu, reproducers, sandbox holders) and kernel taint
# are compared with a snapshot taken before; then a krepro start on the
# same cache must leave nothing half-made behind.  Leftovers are counted
# (goal 0) and cleaned, so each trial starts as clean as the first.  Run
# it alone: other krepro runs on the machine look like leftovers, and the
# clean-up after a dirty trial kills krepro's VMs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
krepro=$top/build/krepro
trials=${1:-20}
work=$(mktemp -d /var/tmp/krepro-kill-trials.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM	# so that the EXIT trap runs
kernel=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' |
	cut -d' ' -f1 | sed 's/^linux-image-/debian:/' | sort -V | tail -n 1)
cases="chroot_propagation ovl_whiteout tar_protocol loop_image tar_race tmpfiles_age"
say() { echo "kill-trials: $*"; }

snapshot() { # FILE: what a run may leave behind
	{
		echo "## mounts"; findmnt -rn -o TARGET | sort
		echo "## loops"; losetup -a -n -O BACK-FILE 2>/dev/null | sort
		echo "## temp"; ls -d /tmp/krepro* /var/tmp/krepro* 2>/dev/null | grep -v "$work" | sort
		echo "## procs"; pgrep -a -f 'qemu-system|build/repro/|krepro' | grep -v -e "$$" \
			-e kill-trials -e pgrep | sed 's/^[0-9]* //' | sort
		echo "## taint"; cat /proc/sys/kernel/tainted
	} > "$1" 2>/dev/null || true
}

# Undo what a trial left, so the next one starts clean (counted before).
clean_up() {
	pkill -9 -f 'qemu-system.*krepro' 2>/dev/null || true
	pkill -9 -f "$top/build/repro/" 2>/dev/null || true
	findmnt -rn -o TARGET | grep -E '^/(tmp|var/tmp)/krepro' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	losetup -a -n -O NAME,BACK-FILE 2>/dev/null | grep krepro |
		while read -r dev _; do losetup -d "$dev" 2>/dev/null || true; done
	rm -rf /tmp/krepro-* 2>/dev/null || true
}

# One trial: start krepro, kill it after a random delay, compare.
trial() { # N MODE KERNEL CASE CACHE MAXDELAY
	n=$1 mode=$2 k=$3 c=$4 cache=$5 max=$6
	snapshot "$work/before"
	delay=$(awk -v s="$n$$" -v m="$max" 'BEGIN { srand(s); printf "%.1f", 0.3 + rand() * m }')
	KREPRO_CACHE=$cache "$krepro" run -k "$k" -c "$c" -o "$work/out-$mode-$n" \
		> "$work/log-$mode-$n" 2>&1 &
	pid=$!
	sleep "$delay"
	# A run that ended before its kill proves less: say which it was.
	if kill -9 "$pid" 2>/dev/null; then when="killed at ${delay} s"; else when="ended before ${delay} s"; fi
	wait "$pid" 2>/dev/null || true
	sleep 3		# PDEATHSIG and the kernel's own teardown
	snapshot "$work/after"
	left=$(diff "$work/before" "$work/after" | grep '^>' || true)
	# The next start on the same cache: it must not trip over what is left.
	KREPRO_CACHE=$cache "$krepro" run -k "$k" -c "$c" --show-command \
		> "$work/next-$mode-$n" 2>&1 || left="$left
> next start failed: $(tail -n 1 "$work/next-$mode-$n")"
	if [ -n "$left" ]; then
		echo "$left" > "$work/left-$mode-$n"
		say "$mode trial $n ($c, $when): LEFT $(echo "$left" | wc -l) item(s):"
		echo "$left" | sed 's/^/    /'
		clean_up
		return 1
	fi
	say "$mode trial $n ($c, $when): clean"
}

host_left=0 vm_left=0 i=0
while [ "$i" -lt "$trials" ]; do
	i=$((i + 1))
	c=$(echo $cases | cut -d' ' -f$(( (i - 1) % 6 + 1 )))
	trial "$i" host host "$c" /var/cache/krepro 8 || host_left=$((host_left + 1))
done
i=0
while [ "$i" -lt "$trials" ]; do
	i=$((i + 1))
	c=$(echo $cases | cut -d' ' -f$(( (i - 1) % 6 + 1 )))
	cache=/var/cache/krepro
	if [ $((i % 4)) -eq 1 ]; then
		cache=$work/cache-$i	# cold: the fetch and the image build get killed
	fi
	trial "$i" vm "$kernel" "$c" "$cache" 12 || vm_left=$((vm_left + 1))
	rm -rf "$work/cache-$i"
done
say "trials with leftovers: host $host_left/$trials, VM $vm_left/$trials (goal 0 of $((2 * trials)))"
[ "$host_left" -eq 0 ] && [ "$vm_left" -eq 0 ]
