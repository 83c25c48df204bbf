#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# check-config.sh FRAGMENT DOTCONFIG
#
# Lists every option of a config fragment that did not survive into a
# kernel .config (after merge_config.sh and olddefconfig), one a line:
#   CONFIG_FOO: wanted y, got n (not set)
# Exit status: 0 every option stuck, 1 some did not, 2 usage.
set -eu

if [ $# -ne 2 ] || [ ! -r "$1" ] || [ ! -r "$2" ]; then
	echo "usage: $0 FRAGMENT DOTCONFIG" >&2
	exit 2
fi

awk '
# Pass 1: the resulting .config.
FNR == NR {
	if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
		eq = index($0, "=")
		have[substr($0, 1, eq - 1)] = substr($0, eq + 1)
	} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) {
		have[$2] = "n"
	}
	next
}
# Pass 2: the fragment.
{
	name = ""
	if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
		eq = index($0, "=")
		name = substr($0, 1, eq - 1)
		want = substr($0, eq + 1)
	} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) {
		name = $2
		want = "n"
	}
	if (name == "")
		next
	got = (name in have) ? have[name] : "n"
	if (got != want) {
		printf "%s: wanted %s, got %s%s\n", name, want, got,
		       (name in have) ? "" : " (absent: unknown symbol or unmet dependency)"
		bad++
	}
}
END { exit bad ? 1 : 0 }
' "$2" "$1"
