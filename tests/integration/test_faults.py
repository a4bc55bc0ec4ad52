#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Faults: kill -9 at any moment, a full disk, hostile feed servers.

The real daemon on loopback. kill -9 under API load, during an `rbldctl
import`, a feed import and a reload: every acknowledged write is served
after the restart and no list is half applied. A database on a small
tmpfs (in a mount namespace of the test's own) fills up: writes are refused
with "the disk is full" (API 503, rbldctl exit 1, one log line), DNS goes
on answering, and writes work again once space is freed, with no restart.
Feed servers that hang, trickle bytes or send an endless body hold up
neither DNS nor the other feeds. 20,000 hostile UDP packets, hostile TCP
streams and 300 idle TCP connections leave a real client answered and no
file leaked. Run: python3 test_faults.py [TEST...]
"""

import http.client
import http.server
import struct
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from test_dns import (Daemon, Failure, check, run_tests, run,  # noqa: E402
                      start_rbld, write, udp, A, NXDOMAIN, HOST, v4name)
import dns.message  # noqa: E402 (found where test_dns put the path)
import dns.query  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
RBLDCTL = os.environ.get('RBLDCTL_BIN', os.path.join(TOP, 'build', 'rbldctl'))

ZONE = 'bl.faults.test'
NS_ENV = 'RBLD_FAULTS_IN_NAMESPACE'


class Ctx:
    dir = None
    d = None
    port = None
    api = None
    admin = None
    tmpfs = None        # the small file system, when the namespace has one
    no_tmpfs = None     # why not


C = Ctx()


def conf_text(db, extra=''):
    return '\n'.join([
        '[rbld]',
        'database = %s' % db,
        'dns = %s:0' % HOST,
        'api = %s:0' % HOST,
        'workers = 1',
        'api-per-ip = 64',
        '',
        '[zone %s]' % ZONE,
        'sources = local reports big%s' % (' feeds' if 'feeds' in extra
                                           else ''),
        '',
        '[source local]',
        'kind = local',
        '',
        '[source big]',
        'kind = local',
        'file = big.rbl',
        'a = 127.0.0.4',
        '',
        '[source reports]',
        'kind = reports',
        'a = 127.0.0.3',
        'failed-login = 1 in 10m ban 1d',
        '', extra, ''])


def start(conf, cwd):
    if C.d is not None:     # what a failed test left running
        kill()
    C.d, C.port, C.api = start_rbld([RBLD, '-c', conf], cwd, 30)
    m = C.d.wait_for(r'admin token "admin": (\S+)', 0.5)
    if m is not None:
        C.admin = m.group(1)


def kill():
    """kill -9 the daemon (the test's own doing, not a death)."""
    C.d.stop(signal.SIGKILL)
    C.d = None


def ctl(conf, *args):
    return run([RBLDCTL, '-c', conf] + list(args), timeout=120)


def post(conn, path, body):
    conn.request('POST', path, body=json.dumps(body),
                 headers={'Authorization': 'Bearer ' + C.admin,
                          'Content-Type': 'application/json'})
    r = conn.getresponse()
    return r.status, r.read().decode('utf-8', 'replace'), r.getheaders()


def answer(ip, port=None):
    r = udp(v4name(ip, ZONE), A, port or C.port)
    if r.rcode() == NXDOMAIN:
        return None
    for rr in r.answer:
        for x in rr:
            return x.to_text()
    return None


def entries(conf, source):
    """The source's entry count as the database holds it (read-only)."""
    r = ctl(conf, 'stats')
    m = re.search(r'^source %s\n  entries +(\d+)' % source, r.stdout, re.M)
    if m is None:
        raise Failure('rbldctl stats has no source %s:\n%s%s' %
                      (source, r.stdout, r.stderr))
    return int(m.group(1))


def big_file(path, first, n, comment='list'):
    """N addresses from 10.FIRST.0.1 on, as an rbldnsd ip4set file."""
    with open(path + '.tmp', 'w') as f:
        f.write('# %s\n' % comment)
        for i in range(n):
            f.write('10.%d.%d.%d\n' % (first + i // 62500,
                                        i // 250 % 250, i % 250 + 1))
    os.rename(path + '.tmp', path)


def addr(first, i, top=10):
    return '%d.%d.%d.%d' % (top, first + i // 62500, i // 250 % 250,
                            i % 250 + 1)


def setup():
    C.dir = tempfile.mkdtemp(prefix='rbld-faults-')
    for b in (RBLD, RBLDCTL):
        if not os.access(b, os.X_OK):
            raise Failure('%s not built' % b)
    # A small file system of the test's own, in the mount namespace this
    # script runs in (see main); it vanishes with the namespace.
    if os.environ.get(NS_ENV) == '1':
        C.tmpfs = os.path.join(C.dir, 'small')
        os.mkdir(C.tmpfs)
        r = run(['mount', '-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'rbld',
                 C.tmpfs])
        if r.returncode != 0:
            C.no_tmpfs = 'mount -t tmpfs: ' + r.stderr.strip()
            C.tmpfs = None
    else:
        C.no_tmpfs = os.environ.get(NS_ENV) or 'no mount namespace'


def teardown():
    if C.d is not None:
        C.d.stop(signal.SIGKILL)
    if C.tmpfs is not None:
        run(['umount', '-l', C.tmpfs])
    if not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(C.dir, ignore_errors=True)


def fresh(name, extra=''):
    """A folder and a config of their own for one test."""
    d = os.path.join(C.dir, name)
    os.mkdir(d)
    big_file(os.path.join(d, 'big.rbl'), 1, 10, 'a small start')
    conf = os.path.join(d, 'rbld.conf')
    write(conf, conf_text('db', extra))
    return d, conf


# ---------------------------------------------------------------- kill -9

class Writer(threading.Thread):
    """Adds entries (or files reports) over one keep-alive connection until
    the connection breaks; remembers what rbld acknowledged."""

    def __init__(self, round_, k, kind):
        super().__init__(daemon=True)
        self.round, self.k, self.kind = round_, k, kind
        self.acked = []
        self.errors = []

    def run(self):
        conn = http.client.HTTPConnection(HOST, C.api, timeout=5)
        try:
            for i in range(250):
                ip = '198.%d.%d.%d' % (18 + self.kind, self.round * 8 +
                                       self.k, i + 1)
                if self.kind == 0:
                    st, body, _ = post(conn, '/v1/entries', {
                        'prefix': ip, 'source': 'local', 'reason': 'kill'})
                    ok = st == 201
                else:
                    st, body, _ = post(conn, '/v1/reports', {
                        'ip': ip, 'type': 'failed-login'})
                    ok = st == 202
                if ok:
                    self.acked.append(ip)
                else:
                    self.errors.append('%s: %d %s' % (ip, st, body[:100]))
        except (OSError, http.client.HTTPException):
            pass        # rbld was killed: what was acknowledged counts
        finally:
            conn.close()


def test_kill9_under_api_load():
    d, conf = fresh('kill9')
    total = 0
    rng = random.Random(9)
    for rnd in range(4):
        start(conf, d)
        writers = [Writer(rnd, k, k % 2) for k in range(4)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.4, 1.2))
        kill()
        for w in writers:
            w.join(10)
        errs = [e for w in writers for e in w.errors]
        check(not errs, 'writes refused under load: %r' % errs[:3])
        acked = [(w.kind, ip) for w in writers for ip in w.acked]
        check(acked, 'round %d: nothing was acknowledged before the kill'
              % rnd)
        t0 = time.monotonic()
        start(conf, d)
        took = time.monotonic() - t0
        missing = [ip for kind, ip in acked
                   if answer(ip) != ('127.0.0.2' if kind == 0
                                     else '127.0.0.3')]
        check(not missing, 'round %d: %d of %d acknowledged writes are not '
              'served after kill -9, e.g. %r' % (rnd, len(missing),
                                                 len(acked), missing[:5]))
        check(took < 10, 'the restart took %.1f s' % took)
        total += len(acked)
        kill()
    print('    %d acknowledged writes over 4 kills, every one served after '
          'its restart' % total)


def test_kill9_rbldctl_import_all_or_nothing():
    d, conf = fresh('import')
    start(conf, d)
    n = 300000
    path = os.path.join(d, 'import.rbl')
    big_file(path, 100, n)
    seen = set()
    # Kills from the parse into the commit, until one import completes.
    for delay in [0.02 * k for k in range(1, 60)] + [60]:
        before = entries(conf, 'local')
        p = subprocess.Popen([RBLDCTL, '-c', conf, 'import', 'local', path],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            p.wait(delay)
            killed = False
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
            killed = True
        after = entries(conf, 'local')
        first, last = answer(addr(100, 0)), answer(addr(100, n - 1))
        if after == before:
            state = 'nothing'
        else:
            state = 'all'
            check(after == n, 'kill -9 %.2f s into the import left %d '
                  'entries, not 0 or %d' % (delay, after, n))
        check((first is None) == (last is None) == (state == 'nothing') or
              state == 'all' and first == last == '127.0.0.2',
              'after the kill at %.2f s (%s): first %r, last %r' %
              (delay, state, first, last))
        seen.add((killed, state))
        if state == 'all':
            break
    check((True, 'nothing') in seen, 'no import was killed while it ran: '
          '%r' % seen)
    check(any(st == 'all' for _, st in seen),
          'the import never completed: %r' % seen)
    print('    %r' % sorted(seen))
    kill()


def test_kill9_reload_all_or_nothing():
    d, conf = fresh('reload')
    start(conf, d)
    n = 150000
    rbl = os.path.join(d, 'big.rbl')
    states = []
    for k, delay in enumerate((0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 1.0, 8.0)):
        first = 20 + k * 4      # each try's list is new: 10.FIRST.x.y
        old = entries(conf, 'big')
        big_file(rbl, first, n, 'try %d' % k)
        C.d.send(signal.SIGHUP)
        time.sleep(delay)
        kill()
        now = entries(conf, 'big')
        r = ctl(conf, 'lookup', addr(first, 0))
        new_first = r.returncode == 0
        r = ctl(conf, 'lookup', addr(first, n - 1))
        new_last = r.returncode == 0
        old_first = ctl(conf, 'lookup', addr(first - 4, 0)).returncode == 0
        check(new_first == new_last and (new_first or now == old) and
              (not new_first or now == n) and
              (new_first or k == 0 or old_first),
              'kill -9 %.1f s after SIGHUP: %d entries (%d before), new '
              'list first %s last %s' % (delay, now, old, new_first,
                                         new_last))
        states.append('new' if new_first else 'old')
        start(conf, d)      # the next start loads the file anyway
        deadline = time.monotonic() + 60    # (it serves the database first)
        while answer(addr(first, n - 1)) != '127.0.0.4' and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        check(answer(addr(first, n - 1)) == '127.0.0.4',
              'the restart did not serve the rewritten file')
    check('old' in states and 'new' in states,
          'the kills never fell both during and after a reload: %r' % states)
    print('    states after each kill: %s' % ' '.join(states))
    kill()


class FeedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """/good.txt a small list; /big.txt BIG_N lines; /hang answers nothing;
    /trickle a byte a second; /endless a body that never ends."""
    big = b''
    served = {}

    def log_message(self, *a):
        pass

    def do_GET(self):
        FeedHandler.served[self.path] = FeedHandler.served.get(
            self.path, 0) + 1
        try:
            if self.path == '/hang':
                time.sleep(30)
                return
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            if self.path == '/good.txt':
                body = b''.join(b'46.250.0.%d\n' % i for i in range(1, 11))
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == '/big.txt':
                self.send_header('Content-Length', str(len(self.big)))
                self.end_headers()
                self.wfile.write(self.big)
            elif self.path == '/trickle':
                self.end_headers()
                for _ in range(30):
                    self.wfile.write(b'1')
                    self.wfile.flush()
                    time.sleep(1)
            elif self.path == '/endless':
                self.end_headers()
                line = b'192.0.2.1\n' * 6553
                for _ in range(100000):
                    self.wfile.write(line)
            else:
                self.send_error(404)
        except OSError:
            pass


def feed_server():
    srv = FeedServer((HOST, 0), FeedHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_kill9_feed_import_all_or_nothing():
    n = 150000
    FeedHandler.big = b''.join(('%s\n' % addr(60, i, 45)).encode()
                               for i in range(n))
    srv = feed_server()
    try:
        extra = '\n'.join([
            '[source feeds]', 'kind = feed', 'format = plain',
            'url = http://%s:%d/big.txt' % (HOST, srv.server_address[1]),
            'every = 1h', 'a = 127.0.0.5'])
        states = []
        for k, delay in enumerate([0.04 * j for j in range(1, 40)] +
                                  [10]):
            d, conf = fresh('feed%d' % k, extra)
            if C.d is not None:
                kill()
            C.d = Daemon([RBLD, '-c', conf], 'rbld', cwd=d)
            time.sleep(delay)
            kill()
            r = ctl(conf, 'stats')
            m = re.search(r'^source feeds\n  entries +(\d+)', r.stdout, re.M)
            now = int(m.group(1)) if m else 0
            first = ctl(conf, 'lookup', addr(60, 0, 45)).returncode == 0
            last = ctl(conf, 'lookup', addr(60, n - 1, 45)).returncode == 0
            check(first == last and (now == n) == first and
                  (first or now == 0),
                  'kill -9 %.1f s into the first fetch: %d entries, first '
                  '%s, last %s' % (delay, now, first, last))
            states.append('all' if first else 'nothing')
            if first:
                break
        check('all' in states, 'the feed never finished: %r' % states)
        check('nothing' in states, 'no kill fell during the feed: %r'
              % states)
        print('    states after each kill: %s' % ' '.join(states))
    finally:
        srv.shutdown()


def test_hostile_feed_servers():
    srv = feed_server()
    base = 'http://%s:%d' % (HOST, srv.server_address[1])
    extra = []
    names = []
    for name, path, more in (('hangs', '/hang', 'timeout = 4s'),
                             ('trickles', '/trickle', 'timeout = 4s'),
                             ('endless', '/endless', 'max-size = 1M'),
                             ('good', '/good.txt', '')):
        extra += ['[source %s]' % name, 'kind = feed', 'format = plain',
                  'url = %s%s' % (base, path), 'every = 1h', more, '']
        names.append(name)
    d, conf = fresh('hostile', '\n'.join(extra))
    text = open(conf).read().replace('sources = local reports big',
                                     'sources = ' + ' '.join(names))
    write(conf, text)
    try:
        t0 = time.monotonic()
        start(conf, d)
        mark = 0
        # The good feed is served while the others still hold their
        # fetchers, and DNS answers meanwhile.
        served = None
        while time.monotonic() - t0 < 3.5:
            if answer('46.250.0.5') == '127.0.0.2':
                served = time.monotonic() - t0
                break
            time.sleep(0.05)
        check(served is not None, 'the good feed was not served within 3.5 '
              's of the start, next to the hostile ones:\n' + C.d.tail())
        for name, why in (('endless', r'larger than|max-size|exceed'),
                          ('hangs', r'(?i)timed? ?out'),
                          ('trickles', r'(?i)timed? ?out')):
            m = C.d.wait_for(r'feed %s: (.*)' % name, 10, mark)
            check(m is not None and re.search(why, m.group(1)),
                  'feed %s: %r' % (name, m and m.group(0)))
        took = time.monotonic() - t0
        check(took < 9, 'the hostile feeds were given up only after %.1f '
              's' % took)
        check(answer('46.250.0.10') == '127.0.0.2', 'DNS after the feeds')
        r = ctl(conf, 'stats')
        check(re.search(r'source endless\n(.*\n)*?  status +.*max', r.stdout)
              or 'larger' in r.stdout, 'stats of the endless feed:\n' +
              r.stdout)
        print('    the good feed served %.2f s after the start; the hostile '
              'ones given up within %.1f s' % (served, took))
    finally:
        srv.shutdown()
        kill()


# ---------------------------------------------------------------- hostile traffic

def struct_pack(*h):
    return struct.pack('!HHHHHH', *h)


def fds(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def test_hostile_traffic():
    """20,000 hostile UDP packets, hostile TCP streams and 300 idle TCP
    connections: rbld answers a real client throughout and leaks no file."""
    d, conf = fresh('hostile-traffic')
    big_file(os.path.join(d, 'big.rbl'), 1, 1000)
    start(conf, d)
    time.sleep(0.5)
    fd0 = fds(C.d.proc.pid)
    rng = random.Random(20000)
    stop = threading.Event()
    answered, missed = [0], [0]

    def client():      # a real resolver, asking throughout
        while not stop.is_set():
            try:
                ok = answer(addr(1, rng.randrange(1000))) == '127.0.0.4'
            except Exception:
                ok = False
            answered[0] += ok
            missed[0] += not ok
            stop.wait(0.01)

    t = threading.Thread(target=client)
    t.start()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        qname = b'\x011\x011\x011\x0210\x02bl\x06faults\x04test\x00'
        for i in range(20000):
            kind = i % 4
            if kind == 0:       # noise
                p = bytes(rng.randrange(256) for _ in range(rng.randrange(600)))
            elif kind == 1:     # a header that lies about its counts
                p = struct_pack(rng.randrange(65536), 0x0100, 65535, 65535,
                                65535, 65535) + b'\xc0\x0c' * 8
            elif kind == 2:     # a compression loop in the question
                p = struct_pack(rng.randrange(65536), 0x0100, 1, 0, 0, 0) + \
                    b'\xc0\x0c\x00\x01\x00\x01'
            else:               # a query with a huge EDNS size and junk
                p = struct_pack(rng.randrange(65536), 0x0100, 1, 0, 0, 1) + \
                    qname + b'\x00\xff\x00\x01' + \
                    b'\x00\x00\x29\xff\xff\x00\x00\x00\x00\x00\x04junk'
            s.sendto(p, ('127.0.0.1', C.port))
            if i % 64 == 63:
                time.sleep(0.001)
        s.close()
        # Hostile TCP streams: noise, lying lengths, a byte at a time.
        for i in range(50):
            c = socket.create_connection(('127.0.0.1', C.port), timeout=2)
            try:
                c.sendall(bytes(rng.randrange(256)
                                for _ in range(rng.randrange(1, 300))))
                c.shutdown(socket.SHUT_WR)
                c.recv(4096)
            except OSError:
                pass
            finally:
                c.close()
        # 300 idle TCP connections from 30 addresses: the longest idle make
        # room for a newcomer (tcp-connections 128, tcp-per-ip 16).
        idle = []
        for i in range(300):
            c = socket.socket()
            c.bind(('127.0.1.%d' % (10 + i % 30), 0))
            c.connect(('127.0.0.1', C.port))
            idle.append(c)
        time.sleep(0.3)
        q = dns.message.make_query(v4name(addr(1, 7), ZONE), 'A')
        r = dns.query.tcp(q, '127.0.0.1', port=C.port, timeout=3)
        check(r.answer and r.answer[0][0].to_text() == '127.0.0.4',
              'a TCP query with 300 idle connections open: %s' % r)
        for c in idle:
            c.close()
    finally:
        stop.set()
        t.join(10)
    check(C.d.proc.poll() is None, 'rbld died of hostile traffic')
    check(answered[0] > 0 and missed[0] <= answered[0] // 100 + 2,
          'the real client: %d answered, %d missed' % (answered[0],
                                                       missed[0]))
    deadline = time.monotonic() + 5
    while fds(C.d.proc.pid) > fd0 and time.monotonic() < deadline:
        time.sleep(0.1)
    check(fds(C.d.proc.pid) <= fd0, 'rbld holds %d files, %d before' % (
        fds(C.d.proc.pid), fd0))
    print('    a real client got %d answers (%d missed) meanwhile; %d files '
          'open before and after' % (answered[0], missed[0], fd0))
    kill()


# ---------------------------------------------------------------- full disk

def test_disk_full():
    if C.tmpfs is None:
        print('    SKIPPED: no small file system to fill (%s); run as root '
              'or where unshare -rm works' % C.no_tmpfs)
        return
    d, conf = fresh('full')
    db = os.path.join(C.tmpfs, 'db')
    write(conf, conf_text(db))
    start(conf, d)
    conn = http.client.HTTPConnection(HOST, C.api, timeout=10)
    st, body, _ = post(conn, '/v1/entries', {'prefix': '192.0.2.1',
                                             'source': 'local'})
    check(st == 201, 'a first entry: %d %s' % (st, body))
    # Fill the file system, then write until the database must grow.
    filler = os.path.join(C.tmpfs, 'filler')
    with open(filler, 'wb') as f:
        try:
            while True:
                f.write(b'\0' * 65536)
                f.flush()
        except OSError:
            pass
    mark = C.d.mark()
    refused = None
    added = []
    for i in range(4000):
        ip = '198.51.%d.%d' % (i // 250, i % 250 + 1)
        st, body, hdrs = post(conn, '/v1/entries', {
            'prefix': ip, 'source': 'local', 'reason': 'x' * 200})
        if st == 201:
            added.append(ip)
            continue
        refused = (st, body, dict((k.lower(), v) for k, v in hdrs))
        break
    check(refused is not None, '4000 writes on a full disk all succeeded')
    st, body, hdrs = refused
    check(st == 503 and 'the disk is full' in body and
          hdrs.get('retry-after', '').isdigit(),
          'a write on a full disk: %d %s %r' % (st, body, hdrs))
    m = C.d.wait_for(r'\[warning\]: store: .*: the disk is full', 5, mark)
    check(m is not None, 'no "the disk is full" line in the log:\n' +
          C.d.tail())
    # The other writers say so too, each once in the log at most.
    st, body, _ = post(conn, '/v1/reports', {'ip': '198.18.0.1',
                                             'type': 'failed-login'})
    check(st in (202, 503), 'a report on a full disk: %d %s' % (st, body))
    rbl = os.path.join(d, 'many.rbl')
    big_file(rbl, 150, 20000)
    r = ctl(conf, 'import', 'local', rbl)
    check(r.returncode == 1 and 'the disk is full' in r.stderr,
          'rbldctl import on a full disk: exit %d, %r' % (r.returncode,
                                                           r.stderr))
    # DNS answers from what was committed.
    check(answer('192.0.2.1') == '127.0.0.2', 'DNS lost 192.0.2.1')
    for ip in added[-3:]:
        check(answer(ip) == '127.0.0.2', 'DNS lost %s' % ip)
    check(C.d.proc.poll() is None, 'rbld died on a full disk')
    fulls = [l for l in C.d.lines[mark:] if 'the disk is full' in l]
    check(len(fulls) == 1, 'the full disk was logged %d times:\n%s' %
          (len(fulls), '\n'.join(fulls)))
    # Space again: writes work, no restart.
    os.unlink(filler)
    st, body, _ = post(conn, '/v1/entries', {'prefix': '192.0.2.200',
                                             'source': 'local'})
    check(st == 201, 'a write after space was freed: %d %s' % (st, body))
    check(C.d.wait_for(r'there is space again', 5, mark) is not None,
          'no "there is space again" line in the log')
    r = ctl(conf, 'import', 'local', rbl)
    check(r.returncode == 0, 'rbldctl import after space was freed: %r' %
          r.stderr)
    check(answer('192.0.2.200') == '127.0.0.2' and
          answer(addr(150, 19999)) == '127.0.0.2',
          'DNS does not serve what was written after space was freed')
    print('    %d entries before the disk filled; then 503 %s' %
          (len(added), refused[1].strip()))
    conn.close()
    kill()


TESTS = [
    test_kill9_under_api_load,
    test_kill9_rbldctl_import_all_or_nothing,
    test_kill9_reload_all_or_nothing,
    test_kill9_feed_import_all_or_nothing,
    test_hostile_feed_servers,
    test_hostile_traffic,
    test_disk_full,
]


def main():
    # The full-disk test mounts a small tmpfs: in a mount namespace of its
    # own (as root, or as a user namespace's root), so nothing outlives it.
    if NS_ENV not in os.environ and shutil.which('unshare'):
        argv = ['unshare', '-m', '--propagation', 'private']
        if os.geteuid() != 0:
            argv = ['unshare', '-rm', '--propagation', 'private']
        env = dict(os.environ, **{NS_ENV: '1'})
        probe = subprocess.run(argv + ['true'], capture_output=True,
                               text=True)
        if probe.returncode == 0:
            os.execvpe(argv[0], argv + [sys.executable] + sys.argv, env)
        os.environ[NS_ENV] = 'unshare failed: ' + probe.stderr.strip()
    return run_tests(TESTS, setup, teardown,
                     lambda: 'rbld faults, in %s' % C.dir, lambda: C.d)


if __name__ == '__main__':
    sys.exit(main())
