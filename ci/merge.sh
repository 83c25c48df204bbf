#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The merge job of a sharded kernel matrix: one verdict and one set of
# reports from the run directories ci/shard.sh wrote.
#
#   ci/merge.sh [-o DIR] [--baseline KERNEL] [--strict] [--allow-skip] SHARD_DIR...
#   e.g. ci/merge.sh -o reports results/shard-*
#
# krepro compare reads the shards as one matrix: the text matrix goes to
# the job's log, the reports to DIR (default .): report.md (also appended
# to $GITHUB_STEP_SUMMARY when set, by krepro), report.xml (JUnit) and
# report.html.  The options are compare's.  Set-up (make setup
# build/krepro) is the pipeline's.
#
# Exit status, krepro compare's: 0 no regression, 1 regression, 2 bad
# input (a shard missing or given twice - each run.json says which share
# of how many it ran - or a directory that holds no run), 3
# infrastructure (a kernel that never ran a case); 3 also when a report
# could not be written.
set -eu

usage() {
	echo "usage: ci/merge.sh [-o DIR] [--baseline KERNEL] [--strict] [--allow-skip] SHARD_DIR..." >&2
	exit 2
}

out=. baseline='' strict='' allow_skip=''
while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--baseline) [ $# -ge 2 ] || usage; baseline=$2; shift 2 ;;
	--strict) strict=$1; shift ;;
	--allow-skip) allow_skip=$1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage

# The krepro this script came with, wherever the job's working directory is.
krepro=$(dirname "$0")/../build/krepro

compare() {
	"$krepro" compare ${strict:+"$strict"} ${allow_skip:+"$allow_skip"} \
		${baseline:+--baseline "$baseline"} "$@"
}

# The verdict first: when the shards cannot be merged (2) there is no
# matrix to report, and krepro's one line should be said once.
rc=0
compare "$@" || rc=$?
case $rc in 0|1|3) ;; *) exit "$rc" ;; esac

# Each report is renamed into place only when complete, so that a CI
# system never picks up a half-written file as the pipeline's verdict.
if ! mkdir -p "$out"; then
	echo "ci/merge.sh: cannot create $out" >&2
	exit 3
fi
for report in md:report.md junit:report.xml html:report.html; do
	file=$out/${report#*:}
	# compare exits as it did above; only an empty report is a failure.
	compare --format "${report%%:*}" "$@" >"$file.tmp" || :
	if [ ! -s "$file.tmp" ] || ! mv -f "$file.tmp" "$file"; then
		rm -f "$file.tmp"
		echo "ci/merge.sh: cannot write $file" >&2
		exit 3
	fi
done
echo "ci/merge.sh: reports: $out/report.md $out/report.xml $out/report.html" >&2
exit "$rc"
