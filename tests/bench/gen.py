#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate the benchmark data set and dnsperf query file.

Writes DIR/data.rbl (N /32 entries and M /24 entries, rbldnsd format, random
addresses outside reserved space) and DIR/queries.txt (dnsperf format: 40% of
the names listed by default, --listed to change it; 10% TXT queries),
reproducibly from a seed.
"""
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dir")
    ap.add_argument("--hosts", type=int, default=1_000_000)
    ap.add_argument("--nets", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=200_000)
    ap.add_argument("--zone", default="bl.bench.test")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--listed", type=float, default=0.40,
                    help="the share of queries for listed names")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)

    def pub():
        while True:
            x = rnd.getrandbits(32)
            o = x >> 24
            if o in (0, 10, 127) or o >= 224:
                continue
            return x

    hosts = set()
    while len(hosts) < a.hosts:
        hosts.add(pub())
    nets = set()
    while len(nets) < a.nets:
        nets.add(pub() & 0xFFFFFF00)
    hosts = list(hosts)
    nets = list(nets)
    with open(os.path.join(a.dir, "data.rbl"), "w") as f:
        f.write(":127.0.0.2:Listed: see https://bl.example.test/?$\n")
        for x in hosts:
            f.write("%d.%d.%d.%d\n" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255))
        f.write(":127.0.0.3:Network listed: $\n")
        for x in nets:
            f.write("%d.%d.%d.0/24\n" % (x >> 24, (x >> 16) & 255, (x >> 8) & 255))
    with open(os.path.join(a.dir, "queries.txt"), "w") as f:
        for _ in range(a.queries):
            r = rnd.random()
            if r < a.listed * 0.75:
                x = rnd.choice(hosts)
            elif r < a.listed:
                x = rnd.choice(nets) | rnd.getrandbits(8)
            else:
                x = pub()
            t = "TXT" if rnd.random() < 0.10 else "A"
            f.write("%d.%d.%d.%d.%s %s\n" % (x & 255, (x >> 8) & 255, (x >> 16) & 255,
                                            x >> 24, a.zone, t))


if __name__ == "__main__":
    main()
