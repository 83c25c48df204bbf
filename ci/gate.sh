#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# CI entry for a kernel upgrade: may CANDIDATE replace BASELINE?
#
#   ci/gate.sh BASELINE CANDIDATE [krepro gate options...]
#   e.g. ci/gate.sh debian:6.1.0-56-cloud-amd64 debian:6.12.117+deb12-cloud-amd64
#
# Installs what krepro needs (Debian packages), builds it, runs both
# kernels - or reuses fresh results for the same kernel image and case
# build from results/ - and prints the Markdown summary (also appended to
# $GITHUB_STEP_SUMMARY when set).  The run directory (printed, and
# results/gate-latest) also holds gate.md, gate.xml (JUnit) and gate.html
# for the CI system to pick up as artifacts.
# Exit status: 0 the candidate may ship, 1 regression, 2 bad input,
# 3 infrastructure (a VM would not boot, a package could not be fetched).
set -u
if [ $# -lt 2 ]; then
	echo "usage: ci/gate.sh BASELINE CANDIDATE [krepro gate options...]" >&2
	exit 2
fi
base=$1 cand=$2
shift 2
cd "$(dirname "$0")/.." || exit 3
make --no-print-directory setup all >&2 || exit 3
out=results/gate-$(date +%Y%m%d-%H%M%S)
build/krepro gate --baseline "$base" --candidate "$cand" -o "$out" "$@"
rc=$?
ln -sfn "$(basename "$out")" results/gate-latest
echo "gate reports: $out/gate.md $out/gate.xml $out/gate.html" >&2
exit $rc
