#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# krepro compare on crafted run directories: every kind of change, the
# statistics behind them, and bad input.

load helpers

setup() {
	A="$BATS_TEST_TMPDIR/a"
	B="$BATS_TEST_TMPDIR/b"
}

@test "identical runs compare clean and exit 0" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1 c/race:hazard:pass:3:100:racy
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:pass:0:1 c/race:hazard:pass:3:100:racy
	kr compare "$A" "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"summary: 0 regressions, 0 fixed, 0 behaviour changes, 0 inconclusive, 0 new, 0 missing, 0 errors"* ]]
	kr compare --all "$A" "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reproduced 3/100 [1.0-8.5%]"* ]]
}

@test "a regression subtest going from pass to fail is a regression and exits 1" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:fail:1:1
	kr compare "$A" "$B"
	[ "$status" -eq 1 ]
	[[ "$output" == *"regression       c/holds on debian:6.12.1+deb12-cloud-amd64: pass -> fail (1/1 failed)"* ]]
}

@test "columns are in kernel version order whatever the argument order" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:fail:1:1
	kr compare "$B" "$A"
	[ "$status" -eq 1 ]
	[ "$(first_line)" = "case/subtest  6.1.0-1 (baseline)  6.12.1" ]
}

@test "a significant rise in a mitigation's failure rate is a regression with its p-value" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/lock:mitigation:fail:2:200:racy
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/lock:mitigation:fail:40:200:racy
	kr compare "$A" "$B"
	[ "$status" -eq 1 ]
	[[ "$output" == *"failure rate rose: 2/200 -> 40/200 (p="* ]]
}

@test "a significant change in a reproduced hazard's rate is a rate change: exit 0, or 1 with --strict" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/race:hazard:pass:60:200:racy
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/race:hazard:pass:5:200:racy
	kr compare "$A" "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rate-change      c/race on debian:6.12.1+deb12-cloud-amd64: rate fell: 60/200 -> 5/200 (p="* ]]
	[[ "$output" == *"summary: 0 regressions, 0 fixed, 0 behaviour changes, 1 rate change, 0 inconclusive,"* ]]
	kr compare --strict "$A" "$B"
	[ "$status" -eq 1 ]
}

@test "an insignificant rate change is inconclusive and says how many runs would decide" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/race:hazard:pass:5:200:racy
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/race:hazard:fail:0:200:racy
	kr compare --strict "$A" "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"inconclusive     c/race on debian:6.12.1+deb12-cloud-amd64: not reproduced in 200 runs here (5/200 on the baseline), p=0.0609; about "*" more runs per kernel would decide"* ]]
	! grep -q "^  fixed" <<<"$output"
}

@test "a crash cell is a regression even for a hazard" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/race:hazard:pass:1:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/race:hazard:crash:0:0
	kr compare "$A" "$B"
	[ "$status" -eq 1 ]
	[[ "$output" == *"regression       c/race on debian:6.12.1+deb12-cloud-amd64: crash: kernel crashed while c ran"* ]]
	kr compare --format html "$A" "$B"
	[[ "$output" == *"Kernel panic - not syncing: crafted"* ]]
}

@test "a subtest missing on one side is reported as missing or new" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/one:regression:pass:0:1 c/two:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/one:regression:pass:0:1 c/three:regression:pass:0:1
	kr compare "$A" "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"missing          c/two on debian:6.12.1+deb12-cloud-amd64"* ]]
	[[ "$output" == *"new              c/three on debian:6.12.1+deb12-cloud-amd64"* ]]
}

@test "a run.json with an unknown major version exits 2 naming the file" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/one:regression:pass:0:1
	sed -i 's/"version": "1.1"/"version": "2.0"/' "$A/run.json"
	kr compare "$A"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot read $A/run.json: schema version 2.0 is not supported (this krepro reads 1.x)" ]
}

@test "a newer minor version is still read" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/one:regression:pass:0:1
	sed -i 's/"version": "1.1"/"version": "1.7", "future_field": [1, 2]/' "$A/run.json"
	kr compare "$A"
	[ "$status" -eq 0 ]
}

@test "a corrupt run.json exits 2 with one line naming the file" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/one:regression:pass:0:1
	head -c 100 "$A/run.json" > "$A/cut" && mv "$A/cut" "$A/run.json"
	kr compare "$A"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "krepro: cannot read $A/run.json: line 1, column "* ]]
}

@test "a directory without run.json exits 2 naming the file" {
	mkdir -p "$A"
	kr compare "$A"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot read $A/run.json: No such file or directory" ]
}

@test "an unknown format or baseline exits 2" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/one:regression:pass:0:1
	kr compare --format pdf "$A"
	[ "$status" -eq 2 ]
	[ "$(first_line)" = "krepro: bad --format 'pdf': expected text, md, json, junit or html" ]
	kr compare --baseline debian:9.9 "$A"
	[ "$status" -eq 2 ]
	[ "$output" = "krepro: cannot compare: baseline debian:9.9 is not in the run directories" ]
}

@test "md goes to stdout and to GITHUB_STEP_SUMMARY" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:fail:1:1
	GITHUB_STEP_SUMMARY="$BATS_TEST_TMPDIR/summary.md" kr compare --format md "$A" "$B"
	[ "$status" -eq 1 ]
	[ "$(first_line)" = "## krepro: regression" ]
	grep -q '^| `c/holds` | regression | pass | \*\*fail REGRESSION\*\* |$' "$BATS_TEST_TMPDIR/summary.md"
}

@test "json output carries the interval, the p-value and the change of every cell" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/race:hazard:pass:5:200:racy
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/race:hazard:fail:0:200:racy
	"$KREPRO" compare --format json "$A" "$B" > "$BATS_TEST_TMPDIR/c.json"
	[ "$(json_get "$BATS_TEST_TMPDIR/c.json" 'd["rows"][0]["cells"][1]["change"]')" = inconclusive ]
	[ "$(json_get "$BATS_TEST_TMPDIR/c.json" 'round(d["rows"][0]["cells"][1]["p"], 4)')" = 0.0609 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/c.json" 'd["rows"][0]["cells"][0]["interval95"][1] > 0.05')" = True ]
}

@test "a crash on the baseline is its own class: no fixed, no regression, exit 3" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:crash:0:0 c/other:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:pass:0:1 c/other:regression:pass:0:1
	kr compare "$A" "$B"
	[ "$status" -eq 3 ]
	[[ "$output" == *"baseline-crash   c/holds on debian:6.1.0-1-cloud-amd64: crash on the baseline: kernel crashed while c ran"* ]]
	[[ "$output" == *"baseline-crash   c/holds on debian:6.12.1+deb12-cloud-amd64: the baseline crashed; no comparison"* ]]
	[[ "$output" == *"summary: 0 regressions, 0 fixed, "*", 2 baseline crashes (no comparison)"* ]]
	! grep -q "fixed  *c/holds" <<<"$output"
	kr compare --format json "$A" "$B"
	[ "$status" -eq 3 ]
	[[ "$output" == *'"baseline-crash"'* ]]
}

@test "a subtest the baseline passed and the candidate skipped fails, with its reason, unless --allow-skip" {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 "c/holds:regression:skip:0:0:reason=no overlayfs in this kernel"
	kr compare "$A" "$B"
	[ "$status" -eq 1 ]
	[[ "$output" == *"skipped          c/holds on debian:6.12.1+deb12-cloud-amd64: passed on the baseline, skipped here: no overlayfs in this kernel"* ]]
	for f in md json junit html; do
		kr compare --format "$f" "$A" "$B"
		[ "$status" -eq 1 ]
		[[ "$output" == *"no overlayfs in this kernel"* ]]
	done
	kr compare --allow-skip "$A" "$B"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 skipped where the baseline passed (allowed)"* ]]
}

# Which differences are worth a line (issue 13): inconclusive only where
# the verdict could differ, a named number of runs only within reach.

# compare_rows ROW_A ROW_B [OPTION...]: ROW_A on the baseline 6.1.0-1,
# ROW_B on 6.12.1 (mkrun's ROW), compared.
compare_rows() {
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 "$1"
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 "$2"
	shift 2
	kr compare "$@" "$A" "$B"
}

@test "two kernels that both reproduce a race at rates that differ by chance show no change" {
	compare_rows c/race:hazard:pass:7:9:racy c/race:hazard:pass:6:8:racy
	[ "$status" -eq 0 ]
	[[ "$output" == *"changes against debian:6.1.0-1-cloud-amd64:"$'\n'"  none"* ]]
	[[ "$output" == *"summary: 0 regressions, 0 fixed, 0 behaviour changes, 0 inconclusive,"* ]]
	kr compare --rates "$A" "$B"
	[[ "$output" == *"rates against debian:6.1.0-1-cloud-amd64:"$'\n'"  same             c/race on 6.12.1: 7/9 -> 6/8, p=1; no practical number of runs would decide"* ]]
	# json keeps the comparison on the cell.
	"$KREPRO" compare --format json "$A" "$B" > "$BATS_TEST_TMPDIR/c.json"
	[ "$(json_get "$BATS_TEST_TMPDIR/c.json" 'd["rows"][0]["cells"][1]["change"]')" = same ]
	[ "$(json_get "$BATS_TEST_TMPDIR/c.json" 'd["rows"][0]["cells"][1]["why"]')" = "7/9 -> 6/8, p=1; no practical number of runs would decide" ]
}

@test "a race reproduced on one kernel only, without significance, is inconclusive with the runs that would decide" {
	compare_rows c/race:hazard:fail:0:10:racy c/race:hazard:pass:2:10:racy
	[ "$status" -eq 0 ]
	[[ "$output" == *"inconclusive     c/race on debian:6.12.1+deb12-cloud-amd64: 0/10 -> 2/10, p=0.474; about 18 more runs per kernel would decide"* ]]
}

@test "a protection failing more often, not significantly, is inconclusive; beyond ten times the runs made no number is named" {
	compare_rows c/lock:mitigation:fail:1:10:racy c/lock:mitigation:fail:2:10:racy
	[ "$status" -eq 0 ]
	# 103 more runs per kernel would decide: more than 10 x 10.
	[[ "$output" == *"inconclusive     c/lock on debian:6.12.1+deb12-cloud-amd64: 1/10 -> 2/10, p=1; no practical number of runs would decide"* ]]
	! grep -q "more runs per kernel" <<<"$output"
}

@test "a protection failing less often but still failing, not significantly, shows no change" {
	compare_rows c/lock:mitigation:fail:4:10:racy c/lock:mitigation:fail:2:10:racy
	[ "$status" -eq 0 ]
	[[ "$output" == *"summary: 0 regressions, 0 fixed, 0 behaviour changes, 0 inconclusive,"* ]]
}

@test "a protection that stopped failing, without significance, is inconclusive, not fixed" {
	compare_rows c/lock:mitigation:fail:2:10:racy c/lock:mitigation:pass:0:10:racy
	[ "$status" -eq 0 ]
	[[ "$output" == *"inconclusive     c/lock on debian:6.12.1+deb12-cloud-amd64: 2/10 -> 0/10, p=0.474; about 18 more runs per kernel would decide"* ]]
	[[ "$output" == *", 0 fixed,"* ]]
}

@test "a protection that fails once where it never failed is a regression, however few the runs" {
	compare_rows c/lock:mitigation:pass:0:20:racy c/lock:mitigation:fail:1:20:racy
	[ "$status" -eq 1 ]
	[[ "$output" == *"regression       c/lock on debian:6.12.1+deb12-cloud-amd64: pass -> fail (1/20 failed)"* ]]
}
