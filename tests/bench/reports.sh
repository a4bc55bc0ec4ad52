#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark the API's report throughput: POST /v1/reports from report_bench
# against a fresh rbld with one reports source, on loopback.
#
#   tests/bench/reports.sh [-c CLIENTS] [-d SECONDS]
#
# Builds build/report_bench if it is missing or older than its source, writes
# a config and a reporter token into a temporary folder, starts build/rbld on
# it, runs report_bench, then prints the daemon's CPU time (user+sys from
# /proc) per report and the number of entries the reports source lists
# afterwards. Exit status: report_bench's (1 if any response was not 202 or a
# connection failed), or 1 if the daemon does not start.
# Needs: a built rbld and rbldctl (build/), cc, python3, curl.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
clients=8 secs=10
usage() { echo "usage: $0 [-c CLIENTS] [-d SECONDS]" >&2; exit 2; }
while getopts c:d: o; do
	case $o in
	c) clients=$OPTARG ;; d) secs=$OPTARG ;; *) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for t in cc python3 curl getconf; do
	command -v $t >/dev/null 2>&1 || { echo "reports: $t is missing" >&2; exit 1; }
done
for b in build/rbld build/rbldctl; do
	[ -x "$b" ] || { echo "reports: $b is missing: build rbld first (meson compile -C build)" >&2; exit 1; }
done

src=tests/bench/report_bench.c bench=build/report_bench
if [ ! -x "$bench" ] || [ "$src" -nt "$bench" ]; then
	echo "building $bench"
	cc -O2 -Wall -Wextra -Werror -pthread -o "$bench" "$src"
fi

work=$(mktemp -d /tmp/rbld-reports.XXXXXX)
pid="" bpid=""
# shellcheck disable=SC2317  # called from the trap
cleanup() {
	[ -z "$bpid" ] || kill "$bpid" 2>/dev/null || true
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two distinct free loopback ports: DNS (UDP and TCP) and API.
read -r dnsport apiport < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')

tok="rbld_$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$tok" >"$work/token"
chmod 600 "$work/token"
hash=$(printf %s "$tok" | sha256sum | cut -d' ' -f1)
conf=$work/rbld.conf
cat >"$conf" <<CONF
[rbld]
database = $work/db
dns = 127.0.0.1:$dnsport
api = 127.0.0.1:$apiport
workers = 1

[zone bl.bench.test]
sources = reports

[source reports]
kind = reports
a = 127.0.0.3
txt = Reported for abuse: \$
failed-login = 5 in 10m ban 1h
spam = 3 in 1d ban 1d
escalate = 2x max 30d
ipv6-prefix = 64

[token bench]
role = reporter
hash = sha256:$hash
CONF

if ! out=$(./build/rbld -c "$conf" --check 2>&1); then
	echo "reports: the config does not pass rbld --check:" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi

# With no admin token rbld creates one and prints it once: it stays in the log.
./build/rbld -c "$conf" >"$work/rbld.log" 2>&1 &
pid=$!
up=0
for _ in $(seq 100); do	# at most 10 s
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "reports: rbld exited at start; its log:" >&2
		cat "$work/rbld.log" >&2
		exit 1
	fi
	code=$(curl -s --noproxy '*' --max-time 1 -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$apiport/healthz" || true)
	if [ "$code" = 200 ]; then up=1; break; fi
	sleep 0.1
done
if [ $up -ne 1 ]; then
	echo "reports: rbld's API on 127.0.0.1:$apiport did not answer /healthz within 10 s; its log:" >&2
	cat "$work/rbld.log" >&2
	exit 1
fi

hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
c0=$(cpu_ticks "$pid")
rc=0
# In the background so that a signal to this script stops it at once.
"$bench" -h 127.0.0.1 -p "$apiport" -c "$clients" -d "$secs" -t "$work/token" \
    >"$work/bench.out" &
bpid=$!
wait "$bpid" || rc=$?
bpid=""
cat "$work/bench.out"
c1=$(cpu_ticks "$pid")
# The CPU covers the warm-up too, so divide by every response.
n=$(awk -F': *' '/^all responses/ {print $2}' "$work/bench.out")
awk -v c0="$c0" -v c1="$c1" -v hz="$hz" -v n="${n:-0}" 'BEGIN {
	s = (c1 - c0) / hz
	if (n > 0)
		printf "rbld cpu:    %.2f s user+sys for %d reports = %.1f us/report\n", s, n, s * 1e6 / n
	else
		printf "rbld cpu:    %.2f s user+sys, no reports answered\n", s
}'
if ! kill -0 "$pid" 2>/dev/null; then
	echo "reports: rbld died during the benchmark; its log:" >&2
	cat "$work/rbld.log" >&2
	exit 1
fi
listed=$(./build/rbldctl -c "$conf" list --source reports | wc -l)
echo "listed:      $listed entries in source reports afterwards"
exit $rc
