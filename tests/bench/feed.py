#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Benchmark a big feed: parse + commit of a 1,000,000-line list, a refresh in
which 1% changed, and a full replace by a list that shares nothing, each with
the bytes the refresh wrote to disk (from /proc/self/io, which counts reaped
children). Runs rbldctl refresh on a plain-format file feed.

    tests/bench/feed.py [--lines N] [--build DIR]
"""
import argparse
import os
import random
import subprocess
import tempfile
import time


def io_write_bytes():
    for line in open("/proc/self/io"):
        k, v = line.split(":")
        if k == "write_bytes":
            return int(v)
    return 0


def write_list(path, addrs):
    with open(path, "w") as f:
        f.write("# benchmark feed, one address per line\n")
        for x in addrs:
            f.write("%d.%d.%d.%d\n" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--build", default=os.path.join(top, "build"))
    a = ap.parse_args()
    rnd = random.Random(7)

    def pub():
        while True:
            x = rnd.getrandbits(32)
            if (x >> 24) not in (0, 10, 100, 127, 169, 172, 192, 198, 203) and (x >> 24) < 224:
                return x

    def fresh(n, avoid):
        out = set()
        while len(out) < n:
            x = pub()
            if x not in avoid:
                out.add(x)
        return out

    with tempfile.TemporaryDirectory(prefix="rbld-feedbench.") as d:
        feed = os.path.join(d, "feed.txt")
        conf = os.path.join(d, "rbld.conf")
        with open(conf, "w") as f:
            f.write("[rbld]\ndatabase = db\ndns = 127.0.0.1:0\n"
                    "[zone bl.bench.test]\nsources = big\n"
                    "[source big]\nkind = feed\nurl = feed.txt\nformat = plain\n"
                    "max-size = 1G\nmax-shrink = 100%\n")
        base = fresh(a.lines, set())

        def refresh(label):
            w0 = io_write_bytes()
            t0 = time.monotonic()
            r = subprocess.run([os.path.join(a.build, "rbldctl"), "-c", conf, "refresh", "big"],
                               capture_output=True, text=True)
            t = time.monotonic() - t0
            w = io_write_bytes() - w0
            if r.returncode != 0:
                raise SystemExit("refresh failed: " + r.stderr)
            log = [l for l in r.stderr.splitlines() if "changed" in l]
            print("%-28s %6.2f s  %9.1f MB written  %s" % (
                label, t, w / 1e6, log[-1].split("feed big: ")[-1] if log else ""))

        write_list(feed, base)
        refresh("first load (%d lines)" % a.lines)
        base = list(base)
        k = a.lines // 100
        out = set(rnd.sample(base, k // 2))
        new = fresh(k // 2, set(base))
        write_list(feed, [x for x in base if x not in out] + list(new))
        refresh("refresh, 1% changed")
        write_list(feed, list(fresh(a.lines, set(base) | new)))
        refresh("full replace (0% shared)")


if __name__ == "__main__":
    main()
