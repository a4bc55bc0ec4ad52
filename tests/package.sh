#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build rbld's Debian package from the source tree, check it with lintian,
# install it, and check what an admin gets: the rbld user, the binaries,
# man pages, /etc/rbld/rbld.conf that `rbld --check` accepts, the unit
# enabled, a daemon that starts as rbld, the database kept on upgrade and
# removed on purge. Needs root (dpkg -i) and debhelper, lintian.
# Ends with one "N passed, M failed" line.
#
# usage: tests/package.sh [SOURCE_ROOT]
set -u
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() {	# description, command...
	what=$1; shift
	if "$@" >/tmp/rbld-pkg-check.$$ 2>&1; then ok "$what"; else
		bad "$what"; sed 's/^/    | /' /tmp/rbld-pkg-check.$$ | tail -20
	fi
	rm -f /tmp/rbld-pkg-check.$$
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit $?; }

if [ "$(id -u)" != 0 ]; then
	bad "the package test installs a package: run it as root"
	finish
fi
if dpkg -s rbld >/dev/null 2>&1; then
	bad "a package rbld is installed already: the test would replace it"
	finish
fi

work=$(mktemp -d /tmp/rbld-package.XXXXXX)
policy=
trap 'rm -rf "$work"; [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d' EXIT
version=$(sed -n "s/^  version : '\(.*\)',/\1/p" "$root/meson.build")
src="$work/rbld-$version"
mkdir "$src"
# What git knows of (committed or not), not the build directories.
(cd "$root" && git ls-files -co --exclude-standard -z |
    tar --null -T - --no-recursion --ignore-failed-read -cf -) |
    tar -xf - -C "$src"

echo "=== dpkg-buildpackage -b -us -uc"
if (cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage builds the package"
else
	bad "dpkg-buildpackage"; tail -30 "$work/build.log"; finish
fi
deb=$(ls "$work"/rbld_*.deb)

echo "=== lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.log" 2>&1
rc=$?
sed 's/^/    /' "$work/lintian.log"
if [ $rc = 0 ]; then
	ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log") warnings)"
else
	bad "lintian found errors"
fi

echo "=== dpkg -i"
# Install without starting the service (no init may run here): as
# Debian's own package tests do, through policy-rc.d.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	policy=1
fi
check "dpkg -i installs it" dpkg -i "$deb"
check "the rbld system user exists" sh -c 'getent passwd rbld | grep -q "^rbld:x:[0-9]*:[0-9]*:.*:/var/lib/rbld:/usr/sbin/nologin$"'
check "binaries in /usr/sbin" test -x /usr/sbin/rbld -a -x /usr/sbin/rbldctl
check "man pages rbld(8) rbldctl(8) rbld.conf(5)" test -f /usr/share/man/man8/rbld.8.gz -a -f /usr/share/man/man8/rbldctl.8.gz -a -f /usr/share/man/man5/rbld.conf.5.gz
check "the feed presets and the web page in /usr/share/rbld" test -f /usr/share/rbld/feeds/spamhaus-drop.conf -a -f /usr/share/rbld/web/index.html
check "rbld --check accepts /etc/rbld/rbld.conf" /usr/sbin/rbld -c /etc/rbld/rbld.conf --check
check "the unit is installed and enabled" sh -c 'test -f /lib/systemd/system/rbld.service && test -L /etc/systemd/system/multi-user.target.wants/rbld.service'
check "the unit's paths are the installed ones" grep -q '^ExecStart=/usr/sbin/rbld -c /etc/rbld/rbld.conf$' /lib/systemd/system/rbld.service

# rbld as the unit runs it: the rbld user, its database in /var/lib/rbld.
log="$work/rbld.log"
runuser -u rbld -- /usr/sbin/rbld -c /etc/rbld/rbld.conf >"$log" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q ' ready' "$log"; do sleep 0.1; i=$((i + 1)); done
check "the installed rbld starts as user rbld" grep -q ' ready' "$log"
check "it made its database in /var/lib/rbld, not world-readable" sh -c 'test -f /var/lib/rbld/db/data.mdb && [ "$(stat -c %U:%a /var/lib/rbld/db/data.mdb)" = rbld:640 ]'
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
check "rbldctl adds an entry to the installed database" /usr/sbin/rbldctl -c /etc/rbld/rbld.conf add 192.0.2.77 --reason "package test"

echo "=== upgrade (the same package again), remove, purge"
check "dpkg -i again (an upgrade)" dpkg -i "$deb"
check "the database is kept on upgrade" /usr/sbin/rbldctl -c /etc/rbld/rbld.conf lookup 192.0.2.77
check "dpkg -r removes it" dpkg -r rbld
check "the database is kept on remove" test -f /var/lib/rbld/db/data.mdb
check "dpkg --purge purges it" dpkg --purge rbld
check "the database is gone after purge" test ! -e /var/lib/rbld
check "the configuration is gone after purge" test ! -e /etc/rbld/rbld.conf
finish
