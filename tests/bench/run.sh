#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark rbld against rbldnsd on the same data and queries, alternating.
#
#   tests/bench/run.sh [-n HOSTS] [-m NETS] [-l SECONDS] [-r ROUNDS] [-c CLIENTS]
#                      [-w WORKERS] [-b BUILD] [-o LINE] [-L SHARE]
#
# Prints, per server and round: queries per second (dnsperf), server CPU time
# per answered query (user+sys of the whole process from /proc over the run),
# resident memory, and for rbld the import time, the time from start to the
# first answer on an already-loaded database, and database bytes per entry.
# Each round also runs null_dns (tests/bench/null_dns.c), a server that does
# nothing but turn each query into an answer in place: its CPU per query is
# the kernel's floor for a UDP server on this machine, which neither server
# can go below, so the figures can be read against it. With -b, the rbld of
# another build folder (of an earlier commit, say) runs in every round too,
# on a database of its own, as "rbld-base": a change is measured against
# what it changes in the same run. -o adds LINE to rbld-base's [rbld]
# section ("-b build -o 'hits = 0'" measures one setting in one build).
# -L sets the share of queries for listed names (0.4).
# Loopback only. Needs: dnsperf, rbldnsd, python3, cc, a built rbld (build/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${RBLD_BUILD:-$top/build}
hosts=1000000 nets=50000 secs=10 rounds=2 clients=4 workers=2 base= extra=
listed=0.4
while getopts n:m:l:r:c:w:b:o:L: o; do
	case $o in
	n) hosts=$OPTARG ;; m) nets=$OPTARG ;; l) secs=$OPTARG ;;
	r) rounds=$OPTARG ;; c) clients=$OPTARG ;; w) workers=$OPTARG ;;
	b) base=$(cd "$OPTARG" && pwd) ;;
	o) extra=$OPTARG ;; L) listed=$OPTARG ;;
	*) echo "usage: $0 [-n HOSTS] [-m NETS] [-l SECONDS] [-r ROUNDS] [-c CLIENTS] [-w WORKERS] [-b BUILD] [-o LINE]" >&2; exit 2 ;;
	esac
done
if [ -n "$base" ] && [ ! -x "$base/rbld" ]; then
	echo "bench: $base/rbld is missing" >&2; exit 1
fi
for t in dnsperf rbldnsd python3 cc; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || { echo "bench: $t is missing" >&2; exit 1; }
done
work=$(mktemp -d /tmp/rbld-bench.XXXXXX)
chmod 755 "$work"
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM
port_rbld=5381 port_rbldnsd=5382 port_null=5383 port_base=5384 zone=bl.bench.test
null=$bin/null_dns
if [ ! -x "$null" ] || [ "$here/null_dns.c" -nt "$null" ]; then
	cc -O2 -Wall -Wextra -Werror -o "$null" "$here/null_dns.c"
fi

echo "generating $hosts /32 + $nets /24 entries..."
python3 "$here/gen.py" "$work" --hosts "$hosts" --nets "$nets" --zone $zone \
    --listed "$listed"
chmod 644 "$work"/*
entries=$((hosts + nets))

cat >"$work/rbld.conf" <<CONF
[rbld]
database = db
dns = 127.0.0.1:$port_rbld
workers = $workers
[zone $zone]
sources = data
soa = ns.bench.test. hostmaster.bench.test. 1h 10m 1w 5m
ttl = 35m
[source data]
kind = local
CONF

t0=$(date +%s.%N)
"$bin/rbldctl" -c "$work/rbld.conf" import data "$work/data.rbl" >/dev/null
t1=$(date +%s.%N)
import_s=$(echo "$t1 - $t0" | bc)
dbbytes=$(du -b "$work/db/data.mdb" | cut -f1)
if [ -n "$base" ]; then
	sed -e "s/^database = db$/database = db-base/" \
	    -e "s/^dns = .*/dns = 127.0.0.1:$port_base/" \
	    "$work/rbld.conf" >"$work/rbld-base.conf"
	if [ -n "$extra" ]; then
		sed -i "s/^\[rbld\]$/[rbld]\n$extra/" "$work/rbld-base.conf"
	fi
	"$base/rbldctl" -c "$work/rbld-base.conf" import data "$work/data.rbl" >/dev/null
fi
used=$("$bin/rbldctl" -c "$work/rbld.conf" stats | awk '/bytes in use/ {print $2}')
echo "rbld import: $import_s s for $entries entries; database $used bytes in use ($(echo "$used / $entries" | bc) bytes/entry), file $dbbytes bytes"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {r=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "%s (anon %s, file %s)", r, a, f}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

probe() {	# port outfile: poll every 1 ms, write the epoch time of the first answer
	python3 - "$1" "$2" <<'PY' &
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
q = bytes.fromhex("abcd01000001000000000000") + b"".join(
    bytes([len(l)]) + l.encode() for l in "2.0.0.127.bl.bench.test".split(".")) + b"\0\0\1\0\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.001)
t0 = time.monotonic()
while time.monotonic() - t0 < 120:
    s.sendto(q, ("127.0.0.1", port))
    try:
        s.recv(512)
        open(out, "w").write("%.6f\n" % time.time())
        break
    except OSError:
        pass
PY
	probe_pid=$!
	sleep 0.5	# let python start before the server does
}
first_answer() {	# start-epoch: seconds from START to the probe's first answer
	echo "$(cat "$work/first") - $1" | bc
}

run_dnsperf() {	# name pid port
	c0=$(cpu_ticks "$2")
	out=$(dnsperf -s 127.0.0.1 -p "$3" -d "$work/queries.txt" -l "$secs" -c "$clients" -T 1 -Q 2000000 2>&1)
	c1=$(cpu_ticks "$2")
	qps=$(echo "$out" | awk '/Queries per second/ {print $4}')
	done=$(echo "$out" | awk '/Queries completed/ {print $3}')
	lost=$(echo "$out" | awk '/Queries lost/ {print $3}')
	us=$(echo "scale=3; ($c1 - $c0) * 1000000 / $hz / $done" | bc)
	echo "$1: qps $qps, completed $done, lost $lost, cpu $us us/query, rss $(rss_kb "$2") kB"
	echo "$1 $qps $us" >>"$work/results"
}

run_rbld() {
	probe $port_rbld "$work/first"
	t0=$(date +%s.%N)
	"$bin/rbld" -c "$work/rbld.conf" 2>"$work/rbld.log" &
	rp=$!; pids="$pids $rp"
	wait $probe_pid
	first=$(first_answer "$t0")
	echo "rbld: first answer $first s after start (database already loaded)"
	run_dnsperf rbld $rp $port_rbld
	kill $rp; wait $rp 2>/dev/null || true
}

run_base() {
	[ -n "$base" ] || return 0
	"$base/rbld" -c "$work/rbld-base.conf" 2>"$work/rbld-base.log" &
	bp=$!; pids="$pids $bp"
	probe $port_base "$work/first"
	wait $probe_pid
	run_dnsperf rbld-base $bp $port_base
	kill $bp; wait $bp 2>/dev/null || true
}

r=1
while [ $r -le "$rounds" ]; do
	echo "--- round $r"
	# The two rblds take turns at going first: neither gains from its place.
	if [ $((r % 2)) -eq 1 ]; then
		run_rbld
		run_base
	else
		run_base
		run_rbld
	fi

	probe $port_rbldnsd "$work/first"
	t0=$(date +%s.%N)
	/usr/sbin/rbldnsd -n -u rbldns -b 127.0.0.1/$port_rbldnsd -w "$work" -t 35m \
	    $zone:ip4set:data.rbl >"$work/rbldnsd.log" 2>&1 &
	np=$!; pids="$pids $np"
	wait $probe_pid
	first=$(first_answer "$t0")
	echo "rbldnsd: first answer $first s after start (parses its files)"
	run_dnsperf rbldnsd $np $port_rbldnsd
	kill $np; wait $np 2>/dev/null || true

	"$null" $port_null &
	xp=$!; pids="$pids $xp"
	sleep 0.2
	run_dnsperf null_dns $xp $port_null
	kill $xp; wait $xp 2>/dev/null || true
	r=$((r + 1))
done
awk '{q[$1]+=$2; c[$1]+=$3; n[$1]++} END {
	for (k in q) { q[k] /= n[k]; c[k] /= n[k] }
	printf "mean: rbld %.0f qps %.2f us/q; rbldnsd %.0f qps %.2f us/q; null_dns %.0f qps %.2f us/q\n", q["rbld"], c["rbld"], q["rbldnsd"], c["rbldnsd"], q["null_dns"], c["null_dns"];
	printf "ratios: qps rbld/rbldnsd %.2f (target >= 1.3), cpu/query rbld/rbldnsd %.2f (target <= 0.6)\n", q["rbld"] / q["rbldnsd"], c["rbld"] / c["rbldnsd"];
	printf "floor: null_dns/rbldnsd cpu/query %.2f, qps %.2f; rbld spends %.2f us/q (%.0f%%) above the floor\n", c["null_dns"] / c["rbldnsd"], q["null_dns"] / q["rbldnsd"], c["rbld"] - c["null_dns"], 100 * (c["rbld"] - c["null_dns"]) / c["null_dns"];
	if (n["rbld-base"] > 0)
		printf "base: rbld-base %.0f qps %.2f us/q; rbld/rbld-base qps %.2f, cpu/query %.2f\n", q["rbld-base"], c["rbld-base"], q["rbld"] / q["rbld-base"], c["rbld"] / c["rbld-base"] }' "$work/results"
