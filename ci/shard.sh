#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One shard of a kernel x case matrix: the job a CI matrix runs N times.
#
#   ci/shard.sh I/N DIR KERNELS [CASES [krepro run options...]]
#   e.g. ci/shard.sh 2/4 results/shard-2 "debian:6.1.0-56-cloud-amd64 debian:6.12.117+deb12-cloud-amd64"
#
# KERNELS and CASES are lists separated by spaces, as a pipeline keeps
# them in one variable; CASES empty means krepro's default cases.  Runs
#   build/krepro run -k KERNEL... -c CASE... [options] --shard I/N -o DIR
# Every shard must get the same KERNELS and CASES: krepro deals the pairs
# of the full list out to the shards, so a shard given other lists runs
# pairs another shard also runs, or none of its own.  ci/merge.sh merges
# the N directories.  Set-up (make setup all) is the pipeline's.
#
# Exit status: 0 when DIR holds this run's run.json, whatever the cases
# did - a failed case, a crash or a VM that would not boot is recorded
# there, and the merge judges the whole matrix; otherwise krepro's: 2 bad
# input (a bad I/N, an unknown case, DIR already holds a run), 3
# infrastructure (a kernel package that could not be fetched).
set -eu

if [ $# -lt 3 ]; then
	echo "usage: ci/shard.sh I/N DIR KERNELS [CASES [krepro run options...]]" >&2
	exit 2
fi
spec=$1 dir=$2 kernels=$3 cases=${4-}
shift 3
[ $# -eq 0 ] || shift

# The krepro this script came with, wherever the job's working directory is.
krepro=$(dirname "$0")/../build/krepro

# Split the lists on blanks only: a kernel spec such as file:/boot/vmlinuz-*
# is not a pattern for this shell to expand.
set -f
nopts=$#
for k in $kernels; do set -- "$@" -k "$k"; done
# Without -k krepro runs the Debian kernels apt knows when the job starts,
# which two shards on two machines may not agree on.
if [ $# -eq "$nopts" ]; then
	echo "ci/shard.sh: KERNELS is empty: every shard must name the same kernels" >&2
	exit 2
fi
for c in $cases; do set -- "$@" -c "$c"; done
set +f
# The run options go last, so that run.json's command reads -k, -c, options.
while [ "$nopts" -gt 0 ]; do
	set -- "$@" "$1"
	shift
	nopts=$((nopts - 1))
done

rc=0
"$krepro" run "$@" --shard "$spec" -o "$dir" || rc=$?
case $rc in
0|1|3)
	# krepro refuses a DIR that holds a run (exit 2), so a run.json here
	# after 0, 1 or 3 is this run's.
	if [ ! -f "$dir/run.json" ]; then
		echo "ci/shard.sh: krepro run exited $rc but wrote no $dir/run.json" >&2
		exit 3
	fi
	[ "$rc" -eq 0 ] ||
		echo "ci/shard.sh: krepro run exited $rc; $dir/run.json holds why, for the merge to judge" >&2
	exit 0 ;;
esac
exit "$rc"
