#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The upstream resolver's latency: rbldnsd serves a DNS list on loopback
# (10.0.0.1 to 10.0.0.N, every other one listed), and upstream_bench asks it
# N distinct addresses through rbld/upstream.c (libunbound), then again
# from the cache.
#
#   tests/bench/upstream.sh [-n N] [-b BUILD]
#
# Needs rbldnsd and a built tree (build/, for librbldcore.a).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
n=2000 build=$top/build
while getopts n:b: o; do
	case $o in
	n) n=$OPTARG ;; b) build=$(cd "$OPTARG" && pwd) ;;
	*) echo "usage: $0 [-n N] [-b BUILD]" >&2; exit 2 ;;
	esac
done
rbldnsd=$(command -v rbldnsd || echo /usr/sbin/rbldnsd)
[ -x "$rbldnsd" ] || { echo "upstream: rbldnsd is missing" >&2; exit 1; }
work=$(mktemp -d /tmp/rbld-upstream-bench.XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"
i=1
while [ $i -le "$n" ]; do
	if [ $((i % 2)) = 1 ]; then
		echo "10.$((i >> 16 & 255)).$((i >> 8 & 255)).$((i & 255))"
	fi
	i=$((i + 1))
done >"$work/list"
chmod 644 "$work/list"
port=5391
"$rbldnsd" -n -f -b 127.0.0.1/$port -w "$work" \
    bl.upstream.bench:ip4set:list >"$work/rbldnsd.log" 2>&1 &
pid=$!
sleep 1
cc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top/rbld" \
    -o "$work/upstream_bench" "$here/upstream_bench.c" \
    "$build/librbldcore.a" -lunbound -pthread
"$work/upstream_bench" bl.upstream.bench "127.0.0.1@$port" "$n"
