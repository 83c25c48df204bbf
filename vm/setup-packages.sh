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
# Two krepro processes that miss the same packages (two `krepro build`s
# at once): one installs, the other waits for it, then finds nothing
# missing - apt's own lock would make it fail at once.
if [ -z "${KREPRO_PACKAGES_LOCKED:-}" ]; then
	KREPRO_PACKAGES_LOCKED=1 exec flock /run/lock/krepro-packages.lock sh "$0" "$@"
fi
echo "krepro: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Any other apt (unattended-upgrades) is waited for too.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
