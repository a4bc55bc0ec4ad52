#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
DNS over TCP against the real daemon, with small limits: tcp-per-ip
connections from one client at most (its own longest idle one makes room),
tcp-connections in all (the longest idle one makes room), tcp-queries answers per connection, tcp-query-timeout
for a message that trickles in, tcp-idle-timeout for a silent one; and UDP
answered at once meanwhile. Loopback only.

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
def tcp_msg(qid):
    q = query(qid)
    return struct.pack('>H', len(q)) + q


def connect(src, port):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(('127.0.0.1', port))
    return s


def closed(s, wait):
    """Does the server close S within WAIT seconds (EOF or reset)?"""
    s.settimeout(wait)
    try:
        return s.recv(4096) == b''
    except socket.timeout:
        return False
    except OSError:
        return True


def answers(s, n, wait=3):
    """Read up to N TCP answers from S: how many came."""
    s.settimeout(wait)
    buf, got = b'', 0
    try:
        while got < n:
            d = s.recv(4096)
            if not d:
                break
            buf += d
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(
                    '>H', buf[:2])[0]:
                buf = buf[2 + struct.unpack('>H', buf[:2])[0]:]
                got += 1
    except OSError:
        pass
    return got


def udp_ok(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    t0 = time.monotonic()
    s.sendto(query(7), ('127.0.0.1', port))
    try:
        s.recv(512)
        ok = True
    except OSError:
        ok = False
    s.close()
    return ok, time.monotonic() - t0


def main():
    d = tempfile.mkdtemp(prefix='rbld-tcp.')
    conf = os.path.join(d, 'rbld.conf')
    with open(conf, 'w') as f:
        f.write('\n'.join([
            '[rbld]', 'database = %s/db' % d, 'dns = 127.0.0.1:0',
            'workers = 1', 'tcp-connections = 5', 'tcp-per-ip = 3',
            'tcp-queries = 2', 'tcp-query-timeout = 1s',
            'tcp-idle-timeout = 3s', '',
            '[zone bl.test]', 'sources = s', '',
            '[source s]', 'kind = local', '']))
    p = Daemon([RBLD, '-c', conf], 'rbld', cwd=d)
    socks = []
    try:
        m = p.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+) ', 20)
        if not check(m is not None, 'rbld started'):
            return 1
        port = int(m.group(1))
        # tcp-per-ip: a 4th from one client takes the place of its own
        # longest idle connection, never another client's.
        socks = [connect('127.0.0.5', port) for _ in range(3)]
        time.sleep(0.2)
        extra = connect('127.0.0.5', port)
        extra.sendall(tcp_msg(9))
        check(answers(extra, 1) == 1 and closed(socks[0], 1.5),
              'a 4th connection from one client is served, and its oldest '
              'idle one closed (tcp-per-ip = 3)')
        socks = socks[1:] + [extra]
        other = connect('127.0.0.6', port)
        other.sendall(tcp_msg(1))
        check(answers(other, 1) == 1, 'another client is answered')
        # UDP is never held up by TCP.
        ok, took = udp_ok(port)
        check(ok and took < 0.5, 'UDP answered in %.3f s with TCP '
              'connections open' % took)
        # tcp-connections = 5 in all: a 6th makes the longest idle go.
        more = connect('127.0.0.7', port)
        time.sleep(0.2)
        newest = connect('127.0.0.8', port)
        newest.sendall(tcp_msg(2))
        check(answers(newest, 1) == 1, 'a 6th connection is served ...')
        check(closed(socks[0], 1.5), '... and the longest idle one made room')
        for s in (other, more, newest):
            s.close()
        # tcp-queries = 2: the connection ends after its 2nd answer.
        s = connect('127.0.0.9', port)
        s.sendall(tcp_msg(3) + tcp_msg(4) + tcp_msg(5))
        got = answers(s, 3)
        check(got == 2 and closed(s, 1.5), '3 queries on one connection: '
              '%d answers, then closed (tcp-queries = 2)' % got)
        s.close()
        # tcp-query-timeout = 1s: a message trickling in byte by byte.
        s = connect('127.0.0.10', port)
        msg = tcp_msg(6)
        t0 = time.monotonic()
        gone = False
        for b in msg:
            try:
                s.sendall(bytes([b]))
            except OSError:
                gone = True
                break
            if closed(s, 0.4):
                gone = True
                break
        took = time.monotonic() - t0
        check(gone and took < 3.5, 'a query trickling in is closed after '
              '%.1f s (tcp-query-timeout = 1s)' % took)
        s.close()
        # tcp-idle-timeout = 3s: a silent connection.
        s = connect('127.0.0.11', port)
        t0 = time.monotonic()
        gone = closed(s, 6)
        took = time.monotonic() - t0
        check(gone and 2.5 < took < 5.5, 'a silent connection is closed '
              'after %.1f s (tcp-idle-timeout = 3s)' % took)
        s.close()
    finally:
        for s in socks:
            s.close()
        p.stop()
    ok = RESULTS[1] == 0
    if ok:
        shutil.rmtree(d, ignore_errors=True)
    else:
        print('data kept in %s' % d)
    return 0 if summary() else 1


if __name__ == '__main__':
    sys.exit(main())
