#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# Real consumers accept krepro's output: JUnit (python3-junitparser,
# xmllint), HTML (headless Chromium), KTAP (prove).

load helpers

# One real host run of the quick cases serves every test of this file.
setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	RUN="$BATS_FILE_TMPDIR/run"
	"$KREPRO" run -k host -c ovl_whiteout -c chroot_propagation -o "$RUN" >/dev/null 2>&1 || true
	NSUBS=$(( $(build_subtests ovl_whiteout) + $(build_subtests chroot_propagation) ))
	export RUN NSUBS
}

# A second, crafted kernel next to it with a regression and a crash.
crafted_pair() {
	mkrun "$BATS_TEST_TMPDIR/late" debian:99.0.0-1-cloud-amd64 99.0.0-1-cloud-amd64 \
		ovl_whiteout/mkdir_over_whiteout_gets_caller_owner:regression:fail:1:1 \
		chroot_propagation/later_host_mount_appears_in_chroot:hazard:crash:0:0
}

chromium_bin() {
	command -v chromium || command -v chromium-browser || true
}

@test "junit output of a real run parses with junitparser and xmllint" {
	requires root
	[ -f "$RUN/run.json" ]
	crafted_pair
	"$KREPRO" compare --format junit "$RUN" "$BATS_TEST_TMPDIR/late" > "$BATS_TEST_TMPDIR/r.xml" || true
	xmllint --noout "$BATS_TEST_TMPDIR/r.xml"
	# Debian's python3, where python3-junitparser lives, whatever PATH says.
	/usr/bin/python3 - "$BATS_TEST_TMPDIR/r.xml" "$NSUBS" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
assert len(suites) == 2, [s.name for s in suites]
host = [s for s in suites if s.name == "host"][0]
assert host.tests == int(sys.argv[2]) and host.failures == 0 and host.errors == 0, (host.tests, host.failures, host.errors)
late = [s for s in suites if s.name.startswith("debian:99")][0]
kinds = {c.name: [type(r).__name__ for r in c.result] for c in late}
assert kinds["mkdir_over_whiteout_gets_caller_owner"] == ["Failure"], kinds
assert kinds["later_host_mount_appears_in_chroot"] == ["Error"], kinds
PY
}

@test "the html report renders in headless chromium with one cell per subtest and kernel" {
	requires root
	[ -n "$(chromium_bin)" ] || skip "requires chromium"
	[ -f "$RUN/run.json" ]
	crafted_pair
	"$KREPRO" compare --format html "$RUN" "$BATS_TEST_TMPDIR/late" > "$BATS_TEST_TMPDIR/r.html" || true
	timeout 120 "$(chromium_bin)" --headless --no-sandbox --disable-gpu --user-data-dir="$BATS_TEST_TMPDIR/chrome" \
		--dump-dom "file://$BATS_TEST_TMPDIR/r.html" > "$BATS_TEST_TMPDIR/dom.html" 2>/dev/null
	python3 - "$BATS_TEST_TMPDIR/dom.html" "$NSUBS" <<'PY'
import sys
from html.parser import HTMLParser
class Grid(HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = []; self.cells = []; self.pre = False; self.ktap = 0; self.console = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-case" in a: self.rows.append(a["data-case"] + "/" + a["data-subtest"])
        if tag == "td" and "cell" in a.get("class", "").split(): self.cells.append(a)
        if tag == "pre" and a.get("class") == "ktap": self.ktap += 1
        if tag == "pre" and a.get("class") == "console": self.pre = True
    def handle_data(self, d):
        if self.pre: self.console.append(d)
    def handle_endtag(self, tag):
        if tag == "pre": self.pre = False
g = Grid(); g.feed(open(sys.argv[1]).read())
n = int(sys.argv[2])
assert len(g.rows) == n, g.rows
assert len(g.cells) == 2 * n, len(g.cells)
late = [c for c in g.cells if c["data-kernel"].startswith("debian:99")]
reg = [c for c in late if c["data-change"] == "regression"]
assert len(reg) == 2, late
assert g.ktap >= n, g.ktap
assert any("Kernel panic" in d for d in g.console), g.console
PY
	timeout 120 "$(chromium_bin)" --headless --no-sandbox --disable-gpu --user-data-dir="$BATS_TEST_TMPDIR/chrome" \
		--window-size=1400,900 --screenshot="$BATS_TEST_TMPDIR/r.png" "file://$BATS_TEST_TMPDIR/r.html" >/dev/null 2>&1
	[ -s "$BATS_TEST_TMPDIR/r.png" ]
}

@test "prove reads every KTAP file krepro stored without a parse error" {
	requires root
	[ -f "$RUN/run.json" ]
	n=0
	for f in "$RUN"/*/*.ktap; do
		run prove -e cat "$f"
		echo "$output" >&2
		[[ "$output" != *"Parse errors"* ]]
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}
