# SPDX-License-Identifier: GPL-2.0-only
# Shared set-up for the command-line tests.

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
KREPRO="$ROOT/build/krepro"
# The kernel the VM tests boot; any Debian cloud image apt offers will do.
VM_KERNEL="${KREPRO_TEST_KERNEL:-debian:6.1.0-56-cloud-amd64}"

# Run krepro, keep status and output, and log both: bats shows the log
# only when a test fails.
kr() {
	run "$KREPRO" "$@"
	{
		echo "# command: krepro $*"
		echo "# status:  $status"
		printf '# output:\n%s\n' "$output"
	} >&2
}

first_line() {
	printf '%s\n' "$output" | head -n 1
}

requires() {
	local what
	for what in "$@"; do
		case "$what" in
		root) [ "$(id -u)" = 0 ] || skip "requires root" ;;
		qemu) command -v qemu-system-x86_64 >/dev/null || skip "requires qemu" ;;
		*) echo "unknown requirement '$what'" >&2; return 1 ;;
		esac
	done
}

# Nothing a run may leave behind: krepro's mounts and temp trees, VMs
# started for this test (their logs live in its temp dir), loop devices
# backed by krepro's files.
assert_host_clean() {
	local left
	left=$(findmnt -rn -o TARGET | grep -E '^/tmp/krepro' || true)
	[ -z "$left" ] || { echo "mounts left: $left" >&2; return 1; }
	left=$(ls -d /tmp/krepro-host.* 2>/dev/null || true)
	[ -z "$left" ] || { echo "temp trees left: $left" >&2; return 1; }
	left=$(pgrep -af qemu-system | grep -F "$BATS_TEST_TMPDIR" || true)
	[ -z "$left" ] || { echo "qemu left: $left" >&2; return 1; }
	left=$(losetup -a 2>/dev/null | grep -E 'krepro|bats' || true)
	[ -z "$left" ] || { echo "loop devices left: $left" >&2; return 1; }
}

# Read one field of run.json with python3's json module.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
