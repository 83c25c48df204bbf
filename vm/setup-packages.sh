#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install the named Debian packages that are missing; a no-op when all are
# present.  Used by `make setup`.
set -eu
missing=""
for p in "$@"; do
	st=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$st" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "krepro: cannot install packages:$missing: not root" >&2
	exit 2
fi
echo "krepro: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
