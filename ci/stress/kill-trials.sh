#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# kill-trials.sh [TRIALS] - SIGKILL krepro at random moments while it runs
# (make stress); TRIALS=0 runs only the two pinned kills.
#
# TRIALS host-mode runs and TRIALS VM runs (default 20 each), cycling
# through the default cases; every fourth VM trial starts from an empty
# kernel cache, so that kills land in the Debian fetch and the guest image
# build.  Each case's run is timed once first (warm; the cold one once
# too), and each kill comes at a random moment inside that time; it counts
# as landed only when krepro was still running right before it (else the
# trial is tried again inside the shorter time it took).
#
# Every trial is its own: its own TMPDIR (where the host sandbox puts a
# case's backing files), result directory and, cold, KREPRO_CACHE, all
# under one directory of this script.  The snapshots before and after
# (mounts, loop devices, temp trees, processes, kernel taint) and the
# clean-up after a dirty trial look only at what names that trial's
# directory - by path, or by TMPDIR in a process's environment - so other
# krepro runs on the machine are neither counted nor touched.  Then a
# krepro start on the same cache must leave nothing half-made in it.
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

# The processes of trial directory D: those with its TMPDIR (krepro passes
# its environment to QEMU, apt and the sandbox, which hands the same
# TMPDIR to the reproducer).  Not the command line: this script's own
# greps name D there.
trial_pids() { # D
	for p in /proc/[0-9]*; do
		if tr '\0' '\n' 2>/dev/null < "$p/environ" | grep -qxF "TMPDIR=$1/tmp"; then
			echo "${p#/proc/}"
		fi
	done
}

snapshot() { # FILE D: what trial D may leave behind, nothing else
	{
		echo "## mounts"; findmnt -rn -o TARGET,SOURCE | grep -F "$2/" | sort
		echo "## loops"; losetup -a -n -O NAME,BACK-FILE 2>/dev/null | grep -F "$2/" | sort
		echo "## temp"; find "$2/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | sort
		echo "## procs"; for pid in $(trial_pids "$2"); do
			tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-160
			echo; done | grep . | sort
		echo "## taint"; cat /proc/sys/kernel/tainted
	} > "$1" 2>/dev/null || true
}

# What the trial left half-made in a cache: fetch dirs and temp files of
# krepro pid P (the shared cache: only P's; a trial's own cache: all).
cache_temps() { # CACHE [PID]
	if [ "$1" = /var/cache/krepro ]; then
		ls -d "$1/kernels/.fetch.$2" "$1"/initrd/*.tmp."$2" 2>/dev/null || true
	else
		ls -d "$1"/kernels/.fetch.* "$1"/initrd/*.tmp.* 2>/dev/null || true
	fi
}

# Undo what trial D left, so the next trial starts clean (counted before).
clean_up() { # D
	for pid in $(trial_pids "$1"); do
		kill -9 "$pid" 2>/dev/null || true
	done
	findmnt -rn -o TARGET | grep -F "$1/" | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	losetup -a -n -O NAME,BACK-FILE 2>/dev/null | grep -F "$1/" |
		while read -r dev _; do losetup -d "$dev" 2>/dev/null || true; done
}

# Seconds one complete run of CASE takes (warm cache, or CACHE).
measure() { # MODE KERNEL CASE CACHE
	d=$work/measure-$1-$3
	mkdir -p "$d/tmp"
	s=$(date +%s.%N)
	TMPDIR=$d/tmp KREPRO_CACHE=$4 "$krepro" run -k "$2" -c "$3" -o "$d/out" \
		> "$d/log" 2>&1 || true
	echo "$(date +%s.%N) - $s" | bc
}

# Where a cold run was when it was killed: the fetch, the KVM probe (its
# answer is cached once known), the image build, the VM.
phase() { # CACHE
	if ! ls "$1"/kernels/debian/*/ready >/dev/null 2>&1; then echo "kernel fetch"
	elif [ -z "$(ls -A "$1/accel" 2>/dev/null)" ]; then echo "KVM probe"
	elif ! ls "$1"/initrd/*.cpio >/dev/null 2>&1; then echo "image build"
	else echo "VM"; fi
}

# One attempt: start krepro, kill it inside its run time, compare.
attempt() { # N MODE KERNEL CASE CACHE SECONDS
	n=$1 mode=$2 k=$3 c=$4 cache=$5 secs=$6 did_land=0
	d=$work/$mode-$n.$try
	mkdir -p "$d/tmp"
	snapshot "$d.before" "$d"
	delay=$(awk -v s="$n$$$try" -v m="$secs" 'BEGIN { srand(s); printf "%.3f", m * (0.1 + 0.8 * rand()) }')
	TMPDIR=$d/tmp KREPRO_CACHE=$cache "$krepro" run -k "$k" -c "$c" -o "$d/out" \
		> "$d/log" 2>&1 &
	pid=$!
	sleep "$delay"
	where=$(if [ "$cache" != /var/cache/krepro ]; then phase "$cache"; else echo run; fi)
	# Counted only when krepro was running right before the kill: the
	# process is there and is krepro (not the shell's fork before exec).
	if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$krepro" ] &&
	   kill -9 "$pid" 2>/dev/null; then
		did_land=1; when="killed at $delay s of ${secs} s, in the $where"
	else
		when="ended before $delay s"
	fi
	wait "$pid" 2>/dev/null || true
	sleep 3		# PDEATHSIG and the kernel's own teardown
	snapshot "$d.after" "$d"
	left=$(diff "$d.before" "$d.after" | grep '^>' || true)
	# The next start on the same cache removes what is half-made, or fails.
	if [ "$mode" = vm ]; then
		TMPDIR=$d/tmp KREPRO_CACHE=$cache "$krepro" run -k "$k" -c "$c" --show-command \
			> "$d/next" 2>&1 || left="$left
> next start failed: $(tail -n 1 "$d/next")"
		grep -h 'half-made' "$d/next" | sed 's/^/    next start: /' || true
	fi
	# /tmp itself: the sandbox covers it, so nothing of krepro's should
	# appear there; whose a new entry is cannot be told, so it is shown,
	# not counted.
	find /tmp -maxdepth 1 -name 'krepro*' -newer "$d.before" 2>/dev/null |
		sed 's/^/    note: new in \/tmp during the trial (not counted: maybe another run): /'
	t=$(cache_temps "$cache" "$pid")
	[ -z "$t" ] || left="$left
> half-made in the cache: $t"
	if [ -n "$left" ]; then
		say "$mode trial $n ($c, $when): LEFT $(echo "$left" | wc -l) item(s):"
		echo "$left" | sed 's/^/    /'
		clean_up "$d"
		return 1
	fi
	say "$mode trial $n ($c, $when): clean"
}

# One trial: attempts until a kill lands while krepro runs, at most five.
# A run that ended before its kill took less than that delay, which is the
# next attempt's window (racy cases stop once decided, so one run's time
# says little about the next).  A cold trial gets an empty cache each time.
# Dirty when any attempt left something.
trial() { # N MODE KERNEL CASE CACHE SECONDS
	dirty=0 try=0 n=$1 mode=$2 k=$3 c=$4 cache=$5 window=$6
	while [ "$try" -lt 5 ]; do
		try=$((try + 1))
		if [ "$cache" != /var/cache/krepro ]; then
			rm -rf "$cache"
			mkdir -p "$cache"
		fi
		attempt "$n" "$mode" "$k" "$c" "$cache" "$window" || dirty=1
		[ "$did_land" -eq 0 ] || { landed=$((landed + 1)); break; }
		window=$delay
	done
	return "$dirty"
}

# A kill pinned where a random one rarely lands: strace SIGKILLs krepro
# at its first rename, the one that publishes the kernel tree (WHAT=tree,
# from an empty cache) or the guest image (WHAT=image, the kernel cached).
# The kill must leave its half-made entry (proof that it landed there),
# and the next start must remove it and leave the cache whole.
pinned() { # WHAT
	d=$work/pinned-$1 cache=$work/pinned-$1/cache
	mkdir -p "$d/tmp" "$cache"
	if [ "$1" = image ]; then
		KREPRO_CACHE=$cache "$krepro" run -k "$kernel" -c ovl_whiteout --show-command \
			> "$d/warm" 2>&1
		rm -rf "$cache/initrd"
	fi
	TMPDIR=$d/tmp KREPRO_CACHE=$cache strace -o /dev/null -e trace=rename \
		-e inject=rename:signal=KILL:when=1 "$krepro" run -k "$kernel" -c ovl_whiteout \
		-o "$d/out" > "$d/log" 2>&1 || true
	sleep 3
	made=$(cache_temps "$cache" x)
	TMPDIR=$d/tmp KREPRO_CACHE=$cache "$krepro" run -k "$kernel" -c ovl_whiteout \
		--show-command > "$d/next" 2>&1 || true
	left=$(cache_temps "$cache"; trial_pids "$d"; losetup -a | grep -F "$d/")
	say "pinned kill at the $1's publishing rename: left $(echo "$made" | sed "s|$cache/||"); next start: $(grep -h half-made "$d/next" | cut -c1-60)...; after: ${left:-nothing}"
	[ -n "$made" ] && [ -z "$left" ] && grep -q half-made "$d/next"
}

landed=0 host_left=0 vm_left=0
[ "$trials" -gt 0 ] && say "timing one run of each case (host, then $kernel)"
[ "$trials" -gt 0 ] && for c in $cases; do
	eval "host_$c=$(measure host host "$c" /var/cache/krepro)"
	eval "vm_$c=$(measure vm "$kernel" "$c" /var/cache/krepro)"
	eval "say \"  $c: host \$host_$c s, VM \$vm_$c s\""
done
if [ "$trials" -gt 0 ]; then
	mkdir -p "$work/cold-measure"
	cold=$(measure cold "$kernel" ovl_whiteout "$work/cold-measure")
	rm -rf "$work/cold-measure"
	say "  cold cache (fetch, image build, VM) ovl_whiteout: $cold s"
fi
i=0
while [ "$i" -lt "$trials" ]; do
	i=$((i + 1))
	c=$(echo $cases | cut -d' ' -f$(( (i - 1) % 6 + 1 )))
	eval "secs=\$host_$c"
	trial "$i" host host "$c" /var/cache/krepro "$secs" || host_left=$((host_left + 1))
done
i=0
while [ "$i" -lt "$trials" ]; do
	i=$((i + 1))
	c=$(echo $cases | cut -d' ' -f$(( (i - 1) % 6 + 1 )))
	cache=/var/cache/krepro
	eval "secs=\$vm_$c"
	if [ $((i % 4)) -eq 1 ]; then
		# Cold: the fetch and the image build take most of the time.
		cache=$work/cache-$i secs=$cold c=ovl_whiteout
		mkdir -p "$cache"
	fi
	trial "$i" vm "$kernel" "$c" "$cache" "$secs" || vm_left=$((vm_left + 1))
	rm -rf "$work/cache-$i"
done
pinned_left=0
if command -v strace > /dev/null; then
	pinned tree || pinned_left=$((pinned_left + 1))
	pinned image || pinned_left=$((pinned_left + 1))
else
	say "no strace: the two pinned kills are not tried"
fi
total=$((2 * trials))
say "landed $landed/$total, leftovers $((host_left + vm_left))/$total (host $host_left/$trials, VM $vm_left/$trials)"
[ "$pinned_left" -eq 0 ] || say "pinned kills that left something or left no proof: $pinned_left/2"
[ "$host_left" -eq 0 ] && [ "$vm_left" -eq 0 ] && [ "$landed" -eq "$total" ] && [ "$pinned_left" -eq 0 ]
