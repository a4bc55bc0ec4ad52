#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
Response rate limiting against the real daemon: one client network that
sends thousands of queries a second gets about rrl-rate full answers a
second, every rrl-slip-th of the rest truncated and the others dropped;
another network is served meanwhile; an exempt network is never limited;
/metrics counts it all. Loopback only (127.0.0.0/8 holds many /24s).

Environment: RBLD_BIN. Ends with "N passed, M failed".
"""

import os
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from test_dns import Daemon  # noqa: E402
from tally import RESULTS, check, query, summary  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RBLD = os.environ.get('RBLD_BIN', os.path.join(HERE, '..', '..', 'build',
                                               'rbld'))
RATE = 50
def flood(src, port, n, seconds):
    """N queries spread over SECONDS from SRC: (full, truncated, none)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.setblocking(False)
    full = tc = 0
    t0 = time.monotonic()
    for i in range(n):
        s.sendto(query(i & 0xffff, '2.0.0.127.bl.test'), ('127.0.0.1', port))
        while True:
            try:
                r = s.recv(4096)
            except BlockingIOError:
                break
            if len(r) >= 12 and struct.unpack('>H', r[2:4])[0] & 0x0200:
                tc += 1
            else:
                full += 1
        # Pace the sending over SECONDS.
        ahead = t0 + seconds * (i + 1) / n - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        try:
            r = s.recv(4096)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        if len(r) >= 12 and struct.unpack('>H', r[2:4])[0] & 0x0200:
            tc += 1
        else:
            full += 1
    s.close()
    return full, tc, n - full - tc, time.monotonic() - t0


def main():
    d = tempfile.mkdtemp(prefix='rbld-rrl.')
    conf = os.path.join(d, 'rbld.conf')
    with open(conf, 'w') as f:
        f.write('\n'.join([
            '[rbld]', 'database = %s/db' % d, 'dns = 127.0.0.1:0',
            'workers = 1', 'rrl-rate = %d' % RATE, 'rrl-slip = 2',
            'rrl-exempt = 127.0.9.0/24', '',
            '[zone bl.test]', 'sources = s', '',
            '[source s]', 'kind = local', '']))
    p = Daemon([RBLD, '-c', conf], 'rbld', cwd=d)
    try:
        m = p.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+) ', 20)
        if not check(m is not None, 'rbld started'):
            return 1
        port = int(m.group(1))
        # 2,000 queries in 2 s from one /24: 1,000 a second.
        full, tc, none, took = flood('127.0.0.5', port, 2000, 2.0)
        limit = RATE * (int(took) + 2)
        check(full <= limit and full >= RATE,
              '%d full answers in %.1f s from one network (at most about '
              '%d a second)' % (full, took, RATE))
        limited = tc + none
        check(limited > 1500 and abs(tc - none) <= limited * 0.1 + 10,
              'of the %d over the rate, %d truncated and %d dropped (every '
              '2nd truncated)' % (limited, tc, none))
        check(p.wait_for(r'rrl: 127\.0\.0\.0/24: more than %d answers'
                         % RATE, 2) is not None,
              'the limited network is logged')
        # Meanwhile another /24 is answered in full, and an exempt one is
        # never limited.
        full2, tc2, none2, _ = flood('127.0.1.5', port, 40, 0.5)
        check(full2 == 40, 'another network: %d of 40 answered in full' %
              full2)
        full3, tc3, none3, took3 = flood('127.0.9.5', port, 600, 1.0)
        check(full3 >= 590, 'an exempt network: %d of 600 answered in full '
              'in %.1f s' % (full3, took3))
        logs = [ln for ln in p.lines if 'rrl: ' in ln]
        check(len(logs) == 1, 'one log line for a minute of limiting: %d' %
              len(logs))
    finally:
        p.stop()
    ok = RESULTS[1] == 0
    if ok:
        shutil.rmtree(d, ignore_errors=True)
    else:
        print('data kept in %s' % d)
    return 0 if summary() else 1


if __name__ == '__main__':
    sys.exit(main())
