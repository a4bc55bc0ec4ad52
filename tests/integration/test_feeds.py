#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
Integration test of rbld's feeds: starts the real daemon on loopback with a
generated configuration whose feeds come from an HTTP server inside this
process (a handler the test controls, logging every request with its
status), from local files, and by AXFR from a real nsd on loopback. Checks
every published format, the scheduler, ETag / Last-Modified, each way a
fetch can fail (the last good list keeps serving), list changes and the
zone serial, the status rbldctl stats shows, and TSIG.

Run standalone (python3 tests/integration/test_feeds.py [TEST...]) or
through `meson test`. Environment: RBLD_BIN, RBLDCTL_BIN (default
build/rbld and build/rbldctl), NSD_BIN (default /usr/sbin/nsd),
RBLD_KEEP_TMP=1 keeps the temporary folder. Exit status: 0 when every
test passes.
"""

import base64
import email.utils
import gzip
import hashlib
import http.server
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
# The DNS test's helpers: Daemon, expect, udp... and its dnspython import.
from test_dns import (Daemon, Failure, check, describe, expect, run_tests,  # noqa: E402
                      rrs, run, udp, write, A, TXT, SOA, NOERROR,
                      NXDOMAIN, HOST)
import dns.exception  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.flags  # noqa: E402
import dns.rrset  # noqa: E402
import dns.tsig  # noqa: E402
import dns.tsigkeyring  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(TOP, 'tests', 'data', 'feeds')
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
RBLDCTL = os.environ.get('RBLDCTL_BIN', os.path.join(TOP, 'build', 'rbldctl'))
NSD = os.environ.get('NSD_BIN', '/usr/sbin/nsd')

EVERY = 10              # every feed's "every": the shortest rbld allows
SCHED_WAIT = 16.0       # one scheduler round: EVERY, 10% jitter, a slow fetch
SLOW_TIMEOUT = 2        # the timeout source's "timeout"
SLOW_SLEEP = 5.0        # ... and how long its handler stalls
SUFFIX = 'feeds.test'   # each source has its own zone NAME.feeds.test

TSIG_NAME = 'xfr-key'
TSIG_SECRET = base64.b64encode(b'rbld feed test tsig key, 32 byte').decode()
TSIG_WRONG = base64.b64encode(b'not the key nsd has, 32 bytes ok').decode()
UP = 'bl.up.test'       # nsd's zones: plain AXFR, and with TSIG
UPSIG = 'sig.up.test'
UP_V6 = '2a01:4f8:c17:1b2::35'


# ---------------------------------------------------------------- fixtures

def data(name):
    with open(os.path.join(DATA, name), 'rb') as f:
        return f.read()


def plain_list(ips, header='# test list\n'):
    return (header + ''.join(ip + '\n' for ip in ips)).encode()


# Each failure case is a source of its own, all failing at once, so one
# scheduler round covers them all.
FAIL_CASES = [
    # name, mode, the reason rbldctl and the log give
    ('f404', '404', r'HTTP status 404'),
    ('f500', '500', r'HTTP status 500'),
    ('fslow', 'slow', r'[Tt]imed? ?out'),
    ('fhtml', 'html', r'an HTML page'),
    ('fgzip', 'gzip-cut', r'gzip body is truncated'),
    ('fcut', 'cut', r'(?i)transfer closed|partial|bytes remaining'),
    ('fshrink', 'shrink', r'shrank from 20 to 5 entries'),
    ('fempty', 'empty', r'empty'),
    ('fjunk', 'junk', r'binary data'),
]


def fail_ips(k):
    # The gzip case is big enough that its cut half would pass max-shrink.
    n = 400 if FAIL_CASES[k][0] == 'fgzip' else 20
    return ['46.%d.%d.%d' % (k + 1, i // 250, i % 250 + 1) for i in range(n)]


CHANGE0 = ['45.10.0.%d' % i for i in range(1, 11)]
STATUS_LIST = (b'# status test: 10 good lines, 2 bad, 1 too broad\n' +
               b''.join(b'46.99.0.%d\n' % i for i in range(1, 11)) +
               b'not-an-ip\n1.2.3.4.5\n6.0.0.0/7\n')
ETAG_IPS = ['45.20.0.%d' % i for i in range(1, 6)]
LM_IPS = ['45.21.0.%d' % i for i in range(1, 6)]
FILE_A = ['45.30.0.%d' % i for i in range(1, 6)]
FILE_B = ['45.31.0.%d' % i for i in range(1, 6)]
FILE_GZ = ['45.32.%d.%d' % (i // 250, i % 250 + 1) for i in range(400)]


def up_zone(origin):
    v6 = '.'.join(reversed(socket.inet_pton(socket.AF_INET6, UP_V6).hex()))
    return '\n'.join([
        '$ORIGIN %s.' % origin,
        '$TTL 300',
        '@ IN SOA ns1.up.test. hostmaster.up.test. 7 3600 600 604800 300',
        '@ IN NS ns1.up.test.',
        '4.3.2.1 IN A 127.0.0.2',
        '4.3.2.1 IN TXT "Listed upstream: 1.2.3.4"',
        '*.89.67.45 IN A 127.0.0.3',
        '*.89.67.45 IN TXT "Upstream lists 45.67.89.0/24"',
        '%s IN A 127.0.0.4' % v6,
        '']) + '\n'


# ---------------------------------------------------------------- HTTP

class Feed:
    """What one path serves; MODE is ok or a way to fail."""

    def __init__(self, body, etag=True, lastmod=True, gzip=False):
        self.body = body
        self.mode = 'ok'
        self.etag = etag
        self.lastmod = lastmod
        self.gzip = gzip        # send it gzip-compressed when asked
        self.stamp = time.time() - 86400

    def set(self, body):
        self.body = body
        self.stamp += 60        # a later Last-Modified for the new list

    def tag(self):
        return '"%s"' % hashlib.sha1(self.body).hexdigest()[:16]

    def modified(self):
        return email.utils.formatdate(self.stamp, usegmt=True)


class Web:
    lock = threading.Lock()
    feeds = {}          # path -> Feed
    log = []            # (monotonic time, path, status, if-none-match, ims,
                        #  accept-encoding)

    @classmethod
    def serve(cls, path, body=None, mode=None):
        with cls.lock:
            f = cls.feeds[path]
            if body is not None:
                f.set(body)
            if mode is not None:
                f.mode = mode

    @classmethod
    def requests(cls, path, since=0.0):
        with cls.lock:
            return [r for r in cls.log if r[1] == path and r[0] >= since]


JUNK = random.Random(7).randbytes(6000)
HTML = (b'<!DOCTYPE html>\n<html><head><title>Too many requests</title>'
        b'</head>\n<body><h1>Slow down</h1><p>Try again later.</p>'
        b'</body></html>\n')


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = 'feedtest/1'

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body=b'', headers=()):
        inm = self.headers.get('If-None-Match')
        ims = self.headers.get('If-Modified-Since')
        with Web.lock:
            Web.log.append((time.monotonic(), self.path, status, inm, ims,
                            self.headers.get('Accept-Encoding')))
        try:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            if not any(k == 'Content-Length' for k, _ in headers):
                self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
        except OSError:
            pass            # the client gave up (the timeout case)

    def do_GET(self):
        with Web.lock:
            f = Web.feeds.get(self.path)
            if f is not None:
                mode, body, tag, mod = f.mode, f.body, f.tag(), f.modified()
                use_tag, use_mod, use_gz = f.etag, f.lastmod, f.gzip
        if f is None or mode == '404':
            return self._send(404, b'not found\n',
                              [('Content-Type', 'text/plain')])
        if mode == '500':
            return self._send(500, b'internal error\n',
                              [('Content-Type', 'text/plain')])
        if mode == 'html':
            return self._send(200, HTML, [('Content-Type', 'text/html')])
        if mode == 'empty':
            return self._send(200, b'', [('Content-Type', 'text/plain')])
        if mode == 'junk':
            return self._send(200, JUNK,
                              [('Content-Type', 'application/octet-stream')])
        if mode == 'gzip-cut':
            # A body the server believes is whole (Content-Length agrees)
            # but whose gzip stream stops in the middle.
            gz = gzip.compress(body)
            cut = gz[:len(gz) // 2]
            return self._send(200, cut, [('Content-Type', 'text/plain'),
                                         ('Content-Encoding', 'gzip')])
        if mode == 'cut':
            # The connection closes before Content-Length bytes came.
            return self._send(200, body[:len(body) // 2],
                              [('Content-Type', 'text/plain'),
                               ('Content-Length', str(len(body)))])
        if mode == 'slow':
            time.sleep(SLOW_SLEEP)
            return self._send(200, body, [('Content-Type', 'text/plain')])
        hdrs = [('Content-Type', 'text/plain')]
        if use_tag:
            hdrs.append(('ETag', tag))
        if use_mod:
            hdrs.append(('Last-Modified', mod))
        inm = self.headers.get('If-None-Match')
        ims = self.headers.get('If-Modified-Since')
        if use_tag and inm is not None:
            if tag in [t.strip() for t in inm.split(',')]:
                return self._send(304, b'', hdrs[1:] + [('Content-Length',
                                                         '0')])
        elif use_mod and ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                since = None
            if since is not None and int(f.stamp) <= since:
                return self._send(304, b'', hdrs[1:] + [('Content-Length',
                                                         '0')])
        if use_gz and 'gzip' in (self.headers.get('Accept-Encoding') or ''):
            body = gzip.compress(body)
            hdrs.append(('Content-Encoding', 'gzip'))
        return self._send(200, body, hdrs)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


# ---------------------------------------------------------------- context

class Ctx:
    dir = None
    conf = None
    port = None         # rbld's DNS port
    d = None
    http = None
    hport = None
    nsd = None
    nsd_port = None
    t0 = None           # monotonic time rbld was started
    etag_a = '127.0.0.26'   # the etag source's A, changed by a test
    sources = []        # every feed source's name


C = Ctx()


class TimedDaemon(Daemon):
    """test_dns's Daemon, also noting when each line arrived."""

    def __init__(self, *a, **kw):
        self.times = []
        super().__init__(*a, **kw)

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line.rstrip('\n'))
                self.times.append(time.monotonic())
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def find(self, regex, start=0):
        """Every (time, match) of REGEX in the lines from START on."""
        rx = re.compile(regex)
        with self.cv:
            return [(self.times[i], rx.search(self.lines[i]))
                    for i in range(start, len(self.lines))
                    if rx.search(self.lines[i])]


def free_port_both():
    """A port free for TCP and UDP on loopback (for nsd)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind((HOST, 0))
            p = t.getsockname()[1]
            u.bind((HOST, p))
            return p
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise Failure('no free port for nsd')


def zone(src):
    return '%s.%s' % (src, SUFFIX)


def source(name, url, fmt, a, txt, extra=()):
    return ['[source %s]' % name, 'kind = feed', 'url = %s' % url,
            'format = %s' % fmt, 'every = %ds' % EVERY,
            'a = %s' % a] + (['txt = %s' % txt] if txt else []) + \
        list(extra) + ['']


def url(path):
    return 'http://%s:%d%s' % (HOST, C.hport, path)


def conf_text(tsig_secret=TSIG_SECRET):
    srcs = []
    t5 = 'timeout = 5s'
    srcs += source('spamhaus', url('/spamhaus-drop.txt'), 'spamhaus',
                   '127.0.0.20', 'Spamhaus DROP: $', [t5])
    srcs += source('spamhaus-json', url('/drop_v4.json'), 'spamhaus-json',
                   '127.0.0.21', 'Spamhaus DROP (json): $', [t5])
    srcs += source('dshield', url('/block.txt'), 'dshield', '127.0.0.22',
                   'DShield: $', [t5])
    srcs += source('netset', url('/firehol_level1.netset'), 'netset',
                   '127.0.0.23', 'FireHOL level 1: $', [t5])
    srcs += source('plain', url('/ipsum.txt'), 'plain', '127.0.0.24',
                   'IPsum: $', [t5])
    srcs += source('rbldnsd', url('/real.rbl'), 'rbldnsd', '127.0.0.25',
                   'rbldnsd data: $', [t5])
    srcs += source('etag', url('/etag.txt'), 'plain', C.etag_a,
                   'ETag list: $', [t5])
    srcs += source('lastmod', url('/lastmod.txt'), 'plain', '127.0.0.27',
                   'Last-Modified list: $', [t5])
    for k, (name, _, _) in enumerate(FAIL_CASES):
        extra = ['timeout = %ds' % SLOW_TIMEOUT if name == 'fslow' else t5,
                 'max-shrink = 50%']
        srcs += source(name, url('/%s.txt' % name), 'plain',
                       '127.0.1.%d' % (k + 1), 'Failure case %s: $' % name,
                       extra)
    srcs += source('change', url('/change.txt'), 'plain', '127.0.0.40',
                   'Changed: $', [t5])
    srcs += source('status', url('/status.txt'), 'plain', '127.0.0.41',
                   'Status: $', [t5])
    srcs += source('fileurl', 'file://%s/files/a.txt' % C.dir, 'plain',
                   '127.0.0.42', 'file:// feed: $')
    srcs += source('filepath', 'files/b.txt', 'plain', '127.0.0.43',
                   'path feed: $')
    srcs += source('filegz', 'files/c.txt.gz', 'plain', '127.0.0.46',
                   'gzip file feed: $')
    srcs += source('axfr', 'axfr://%s:%d/%s' % (HOST, C.nsd_port, UP),
                   'axfr', '127.0.0.44', 'AXFR: $', ['timeout = 5s'])
    srcs += source('axfr-tsig', 'axfr://%s:%d/%s' % (HOST, C.nsd_port, UPSIG),
                   'axfr', '127.0.0.45', None,
                   ['timeout = 5s', 'tsig = hmac-sha256:%s:%s' %
                    (TSIG_NAME, tsig_secret)])
    names = [l[len('[source '):-1] for l in srcs if l.startswith('[source ')]
    C.sources = names
    out = ['[rbld]', 'database = %s/db' % C.dir, 'dns = %s:0' % HOST,
           'workers = 2', '']
    for n in names:
        out += ['[zone %s]' % zone(n), 'sources = %s' % n,
                'ns = ns1.%s.' % SUFFIX,
                'soa = ns1.%s. hostmaster.%s. 1h 10m 1w 60s' % (SUFFIX,
                                                                SUFFIX),
                'ttl = 5m', '']
    return '\n'.join(out + srcs)


def start_http():
    Web.feeds = {
        '/spamhaus-drop.txt': Feed(data('spamhaus-drop.txt')),
        '/drop_v4.json': Feed(data('spamhaus-drop_v4-head.json')),
        '/block.txt': Feed(data('dshield-block.txt')),
        '/firehol_level1.netset': Feed(data('firehol_level1.netset')),
        '/ipsum.txt': Feed(data('ipsum-head.txt')),
        '/real.rbl': Feed(data('real-rbldnsd.zone')),
        '/etag.txt': Feed(plain_list(ETAG_IPS), etag=True, lastmod=True),
        '/lastmod.txt': Feed(plain_list(LM_IPS), etag=False, lastmod=True),
        '/change.txt': Feed(plain_list(CHANGE0)),
        '/status.txt': Feed(STATUS_LIST),
    }
    for k, (name, _, _) in enumerate(FAIL_CASES):
        Web.feeds['/%s.txt' % name] = Feed(plain_list(fail_ips(k)),
                                           gzip=name == 'fgzip')
    C.http = Server((HOST, 0), Handler)
    C.hport = C.http.server_address[1]
    threading.Thread(target=C.http.serve_forever, daemon=True).start()


NSD_CONF = """\
server:
    port: {port}
    ip-address: 127.0.0.1
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "{dir}"
    pidfile: "{dir}/nsd.pid"
    xfrdfile: "{dir}/xfrd.state"
    xfrdir: "{dir}"
    zonelistfile: "{dir}/zone.list"
    database: ""
    server-count: 1
    verbosity: 1
    rrl-ratelimit: 0
remote-control:
    control-enable: no
key:
    name: "{key}"
    algorithm: hmac-sha256
    secret: "{secret}"
zone:
    name: {up}
    zonefile: "{up}.zone"
    provide-xfr: 127.0.0.1 NOKEY
zone:
    name: {upsig}
    zonefile: "{upsig}.zone"
    provide-xfr: 127.0.0.1 {key}
"""


def start_nsd():
    if not os.access(NSD, os.X_OK):
        raise Failure('%s is missing (apt-get install nsd)' % NSD)
    nd = os.path.join(C.dir, 'nsd')
    os.mkdir(nd)
    write(os.path.join(nd, UP + '.zone'), up_zone(UP))
    write(os.path.join(nd, UPSIG + '.zone'), up_zone(UPSIG))
    for _ in range(3):
        C.nsd_port = free_port_both()
        write(os.path.join(nd, 'nsd.conf'), NSD_CONF.format(
            port=C.nsd_port, dir=nd, key=TSIG_NAME, secret=TSIG_SECRET,
            up=UP, upsig=UPSIG))
        C.nsd = Daemon([NSD, '-d', '-c', os.path.join(nd, 'nsd.conf')],
                       'nsd', cwd=nd)
        q = dns.message.make_query(UP, SOA)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and C.nsd.proc.poll() is None:
            try:
                r = dns.query.tcp(q, HOST, port=C.nsd_port, timeout=0.5)
                if r.rcode() == NOERROR and r.answer:
                    return
            except (dns.exception.Timeout, OSError, EOFError):
                pass
            time.sleep(0.2)
        out = C.nsd.tail()
        C.nsd.stop()
        C.nsd = None
        if 'address already in use' not in out.lower():
            break
    raise Failure('nsd did not start:\n' + out)


def setup():
    C.dir = tempfile.mkdtemp(prefix='rbld-feeds-')
    for b in (RBLD, RBLDCTL):
        if not os.access(b, os.X_OK):
            raise Failure('%s is not an executable: build first '
                          '(ninja -C build) or set RBLD_BIN/RBLDCTL_BIN' % b)
    os.mkdir(os.path.join(C.dir, 'files'))
    write(os.path.join(C.dir, 'files', 'a.txt'), plain_list(FILE_A).decode())
    write(os.path.join(C.dir, 'files', 'b.txt'), plain_list(FILE_B).decode())
    with open(os.path.join(C.dir, 'files', 'c.txt.gz'), 'wb') as f:
        f.write(gzip.compress(plain_list(FILE_GZ)))
    start_http()
    start_nsd()
    C.conf = os.path.join(C.dir, 'rbld.conf')
    write(C.conf, conf_text())
    C.t0 = time.monotonic()
    C.d = TimedDaemon([RBLD, '-c', C.conf], 'rbld', cwd=C.dir)
    m = C.d.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+) \(udp, tcp\)',
                     15)
    if m is None:
        raise Failure('rbld did not log its listening port:\n' + C.d.tail())
    C.port = int(m.group(1))
    if C.d.wait_for(r'\bready\b', 15) is None:
        raise Failure('rbld never logged "ready":\n' + C.d.tail())


def teardown():
    if C.d is not None:
        C.d.stop(signal.SIGKILL)
    if C.nsd is not None:
        C.nsd.stop()
    if C.http is not None:
        C.http.shutdown()
        C.http.server_close()
    if C.dir is not None and not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(C.dir, ignore_errors=True)
    elif C.dir is not None:
        print('kept %s' % C.dir)


# ---------------------------------------------------------------- helpers

def ctl(*args, ok=(0,), conf=None, timeout=30):
    r = run([RBLDCTL, '-c', conf or C.conf] + list(args), timeout=timeout)
    if ok is not None and r.returncode not in ok:
        raise Failure('rbldctl %s: exit %d\n  stdout: %s\n  stderr: %s' % (
            ' '.join(args), r.returncode, r.stdout.strip(), r.stderr.strip()))
    return r


def refresh_fails(src, why, conf=None):
    """rbldctl refresh SRC exits 1 with one line naming SRC and WHY."""
    r = ctl('refresh', src, ok=None, conf=conf)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 1, 'refresh %s: exit %d, want 1\n  stdout: %s\n'
          '  stderr: %s' % (src, r.returncode, r.stdout.strip(),
                            r.stderr.strip()))
    check(lines and lines[-1].startswith('rbldctl: %s: ' % src) and
          re.search(why, lines[-1]),
          'refresh %s: want a last line "rbldctl: %s: ..." matching %r, '
          'stderr: %r' % (src, src, why, r.stderr))
    return lines[-1]


def stats(conf=None):
    """rbldctl stats as {section: {key: value}}, e.g. ['source x']."""
    out, cur = {}, None
    for line in ctl('stats', conf=conf).stdout.splitlines():
        if not line.startswith(' '):
            cur = out.setdefault(line.strip(), {})
        elif cur is not None:
            # "  last attempt 2025-...": keys are padded to 13 columns
            cur[line[2:15].strip()] = line[15:].strip()
    return out


def src_stats(src, conf=None):
    s = stats(conf).get('source %s' % src)
    check(s is not None, 'rbldctl stats has no "source %s"' % src)
    return s


def listed(src, ip, a, txt=None):
    """IP is listed in SRC's zone with A (and TXT, when given)."""
    expect(C.port, ip, A, zone=zone(src), values=[a], soa_ttl=None)
    if txt is not None:
        expect(C.port, ip, TXT, zone=zone(src), values=[txt], soa_ttl=None)


def not_listed(src, ip):
    expect(C.port, ip, A, zone=zone(src), rcode=NXDOMAIN, soa_ttl=None,
           transports=('udp',))


def serial(src):
    r = udp(zone(src), SOA, C.port)
    got = rrs(r, SOA)
    check(r.rcode() == NOERROR and len(got) == 1,
          'SOA of %s: %s' % (zone(src), describe(r)))
    return int(got[0][0].split()[2])


FETCHED = r'feed %s: (\d+) bytes, (\d+) entries, (\d+) bad lines, ' \
    r'(\d+) too broad, (\d+) special, (\d+) changed'
NOT_MODIFIED = r'feed %s: not modified'
KEPT = r'feed %s: (.*); the last good list \((\d+) entries\) keeps serving'


# ---------------------------------------------------------------- tests

def test_scheduler_first_fetch():
    # No refresh has run: the daemon's own scheduler fetches every feed,
    # the first time within FEED_FIRST_SPREAD (10 s) of the start.
    late = []
    for s in C.sources:
        m = C.d.wait_for(FETCHED % re.escape(s), C.t0 + SCHED_WAIT -
                         time.monotonic())
        if m is None:
            late.append(s)
    check(not late, 'no first fetch within %.0f s for %s:\n%s' % (
        SCHED_WAIT, ', '.join(late), C.d.tail(30)))
    worst = max(C.d.find(FETCHED % re.escape(s))[0][0] - C.t0
                for s in C.sources)
    check(worst <= 12.5, 'the last first fetch came %.1f s after the start '
          '(want about 10 s at most)' % worst)
    print('    every feed fetched by the scheduler within %.1f s' % worst)


def test_format_spamhaus():
    listed('spamhaus', '1.10.16.5', '127.0.0.20', 'Spamhaus DROP: 1.10.16.5')
    listed('spamhaus', '2.56.193.7', '127.0.0.20', 'Spamhaus DROP: 2.56.193.7')
    not_listed('spamhaus', '1.10.32.1')
    r = ctl('refresh', 'spamhaus')
    check('spamhaus: 936 entries serving' in r.stdout,
          'refresh spamhaus: %r' % r.stdout)


def test_format_spamhaus_json():
    listed('spamhaus-json', '2.57.122.9', '127.0.0.21',
           'Spamhaus DROP (json): 2.57.122.9')
    listed('spamhaus-json', '5.42.92.200', '127.0.0.21',
           'Spamhaus DROP (json): 5.42.92.200')
    not_listed('spamhaus-json', '5.42.93.1')
    check(src_stats('spamhaus-json')['list'].startswith('265 entries'),
          'spamhaus-json stats: %r' % src_stats('spamhaus-json'))


def test_format_dshield():
    listed('dshield', '77.72.82.9', '127.0.0.22', 'DShield: 77.72.82.9')
    listed('dshield', '77.72.82.255', '127.0.0.22', 'DShield: 77.72.82.255')
    not_listed('dshield', '77.72.83.1')
    check(src_stats('dshield')['list'].startswith('20 entries'),
          'dshield stats: %r' % src_stats('dshield'))


def test_format_netset_special_and_broad():
    listed('netset', '5.8.60.90', '127.0.0.23', 'FireHOL level 1: 5.8.60.90')
    listed('netset', '1.4.100.1', '127.0.0.23', 'FireHOL level 1: 1.4.100.1')
    not_listed('netset', '5.8.60.91')
    # firehol lists 127.0.0.0/8, 10.0.0.0/8 and 224.0.0.0/3
    for ip in ('127.0.0.1', '127.0.0.9', '10.0.0.1', '10.20.30.40',
               '192.168.1.1', '230.1.2.3'):
        not_listed('netset', ip)
    s = src_stats('netset')
    check(s['list'] == '6260 entries; last parse: 6273 lines, 0 rejected, '
          '1 too broad, 12 special', 'netset stats: %r' % s)


def test_format_plain():
    listed('plain', '80.94.95.112', '127.0.0.24', 'IPsum: 80.94.95.112')
    listed('plain', '45.221.64.242', '127.0.0.24', 'IPsum: 45.221.64.242')
    not_listed('plain', '80.94.95.111')
    r = ctl('refresh', 'plain')
    check('plain: 975 entries serving' in r.stdout,
          'refresh plain: %r' % r.stdout)


def test_format_rbldnsd():
    # Per-entry text replaces the source's TXT; the A is the source's.
    ip = '2001:1201:10::77'
    expect(C.port, ip, A, zone=zone('rbldnsd'), values=['127.0.0.25'],
           soa_ttl=None)
    expect(C.port, ip, TXT, zone=zone('rbldnsd'),
           values=['27661|2001:1201:10::/48|MX|lacnic|'], soa_ttl=None)
    # 2000::/6 is broader than min-prefix /19; 100::1 is special.
    for ip in ('2300::1', '2100:1::1', '100::1'):
        not_listed('rbldnsd', ip)
    s = src_stats('rbldnsd')
    check(s['list'].startswith('285 entries') and '1 too broad' in s['list']
          and '1 special' in s['list'], 'rbldnsd stats: %r' % s)


def test_broader_than_min_prefix_not_served():
    # status.txt has 6.0.0.0/7: public space, only too broad
    listed('status', '46.99.0.3', '127.0.0.41', 'Status: 46.99.0.3')
    for ip in ('6.6.6.6', '7.1.2.3'):
        not_listed('status', ip)


def test_etag_304():
    t = time.monotonic()
    r = ctl('refresh', 'etag')
    check('etag: 5 entries serving' in r.stdout, 'refresh etag: %r' %
          r.stdout)
    reqs = Web.requests('/etag.txt', t)
    want = Web.feeds['/etag.txt'].tag()
    check(reqs and reqs[-1][2] == 304 and reqs[-1][3] == want,
          'refresh etag: want a 304 to If-None-Match %s, requests %r' % (
              want, reqs))
    s = src_stats('etag')
    check(s.get('http status') == '304' and s['list'].startswith('5 entries')
          and s['status'] == 'ok', 'etag stats after a 304: %r' % s)
    check(int(stats()['source etag']['entries']) == 5, 'etag entries')
    listed('etag', '45.20.0.3', '127.0.0.26', 'ETag list: 45.20.0.3')


def test_last_modified_304():
    t = time.monotonic()
    ctl('refresh', 'lastmod')
    reqs = Web.requests('/lastmod.txt', t)
    want = Web.feeds['/lastmod.txt'].modified()
    check(reqs and reqs[-1][2] == 304 and reqs[-1][4] == want and
          reqs[-1][3] is None,
          'refresh lastmod: want a 304 to If-Modified-Since %s, requests %r'
          % (want, reqs))
    s = src_stats('lastmod')
    check(s.get('http status') == '304' and s['list'].startswith('5 entries'),
          'lastmod stats after a 304: %r' % s)
    listed('lastmod', '45.21.0.5', '127.0.0.27', 'Last-Modified list: '
           '45.21.0.5')


def test_scheduler_conditional():
    # By now the scheduler has asked again by itself, conditionally.
    for path, src in (('/etag.txt', 'etag'), ('/lastmod.txt', 'lastmod'),
                      ('/spamhaus-drop.txt', 'spamhaus')):
        if not any(r[2] == 304 for r in Web.requests(path)):
            m = C.d.wait_for(NOT_MODIFIED % re.escape(src), SCHED_WAIT)
            check(m is not None, 'the scheduler never asked %s '
                  'conditionally:\n%s' % (src, C.d.tail(20)))
        codes = [r[2] for r in Web.requests(path)]
        check(codes[0] == 200 and 304 in codes,
              '%s: statuses %r, want 200 then 304s' % (path, codes))
    check(C.d.find(NOT_MODIFIED % 'spamhaus'), 'no "not modified" line')


def test_settings_change_refetches():
    # The upstream has not changed, but the source's A has: a conditional
    # request would get a 304 and keep serving the old A for as long as
    # the publisher does not change the list.
    C.etag_a = '127.0.0.126'
    write(C.conf, conf_text())
    mark = C.d.mark()
    t = time.monotonic()
    C.d.send(signal.SIGHUP)
    m = C.d.wait_for(r'keeping the old one|configuration reloaded', 10, mark)
    check(m is not None and 'reloaded' in m.group(0),
          'SIGHUP: %s\n%s' % (m and m.group(0), C.d.tail(10)))
    ctl('refresh', 'etag')
    reqs = Web.requests('/etag.txt', t)
    check(any(r[2] == 200 and r[3] is None for r in reqs),
          'after a settings change, want an unconditional 200: %r' % reqs)
    listed('etag', '45.20.0.3', '127.0.0.126', 'ETag list: 45.20.0.3')
    # and then conditional again
    t = time.monotonic()
    ctl('refresh', 'etag')
    reqs = Web.requests('/etag.txt', t)
    check(reqs and reqs[-1][2] == 304, 'then a 304 again: %r' % reqs)


def test_failures_keep_last_list():
    for k, (name, _, _) in enumerate(FAIL_CASES):
        listed(name, fail_ips(k)[0], '127.0.1.%d' % (k + 1),
               'Failure case %s: %s' % (name, fail_ips(k)[0]))
    mark = C.d.mark()
    with Web.lock:
        for k, (name, mode, _) in enumerate(FAIL_CASES):
            f = Web.feeds['/%s.txt' % name]
            if mode == 'shrink':
                f.set(plain_list(fail_ips(k)[:5]))
            else:
                f.mode = mode
    bad = []
    try:
        for k, (name, mode, why) in enumerate(FAIL_CASES):
            try:
                t = time.monotonic()
                line = refresh_fails(name, why)
                took = time.monotonic() - t
                if mode == 'slow':
                    check(took < SLOW_SLEEP, 'the slow fetch took %.1f s, '
                          'more than timeout %d s' % (took, SLOW_TIMEOUT))
                listed(name, fail_ips(k)[0], '127.0.1.%d' % (k + 1))
                listed(name, fail_ips(k)[-1], '127.0.1.%d' % (k + 1))
                s = src_stats(name)
                check(re.search(why, s.get('status', '')) and
                      s['list'].startswith('%d entries' % len(fail_ips(k))),
                      'stats of %s: %r' % (name, s))
                print('    %s: %s' % (name, line))
            except Failure as e:
                bad.append(str(e))
        # The daemon's scheduler meets each failure by itself too.
        deadline = time.monotonic() + SCHED_WAIT
        for k, (name, _, why) in enumerate(FAIL_CASES):
            m = C.d.wait_for(KEPT % re.escape(name),
                             deadline - time.monotonic(), mark)
            if m is None:
                bad.append('%s: no "keeps serving" line in the rbld log' %
                           name)
            elif not re.search(why, m.group(1)) or \
                    m.group(2) != str(len(fail_ips(k))):
                bad.append('%s: rbld logged %r' % (name, m.group(0)))
        for k, (name, _, _) in enumerate(FAIL_CASES):
            try:
                listed(name, fail_ips(k)[0], '127.0.1.%d' % (k + 1))
            except Failure as e:
                bad.append(str(e))
        codes = {name: [r[2] for r in Web.requests('/%s.txt' % name)]
                 for name in ('f404', 'f500')}
        if 404 not in codes['f404'] or 500 not in codes['f500']:
            bad.append('request log: %r' % codes)
        s = src_stats('f404')
        if s.get('http status') != '404':
            bad.append('f404 stats: %r' % s)
        # the good fgzip list came gzip-compressed, as rbld asked
        gz = Web.requests('/fgzip.txt')
        if not gz or 'gzip' not in (gz[0][5] or ''):
            bad.append('rbld did not ask for gzip: %r' % gz[:1])
    finally:
        with Web.lock:
            for k, (name, mode, _) in enumerate(FAIL_CASES):
                f = Web.feeds['/%s.txt' % name]
                f.mode = 'ok'
                if mode == 'shrink':
                    f.set(plain_list(fail_ips(k)))
    check(not bad, '\n    '.join(bad))
    # and recovery: a good list again is a success
    r = ctl('refresh', 'f500')
    check('f500: 20 entries serving' in r.stdout, 'f500 recovered: %r' %
          r.stdout)
    check(src_stats('f500')['status'] == 'ok', 'f500 status after recovery')


def test_change_via_refresh():
    s0 = serial('change')
    listed('change', CHANGE0[0], '127.0.0.40', 'Changed: %s' % CHANGE0[0])
    not_listed('change', '45.10.0.99')
    new = CHANGE0[1:] + ['45.10.0.99']
    Web.serve('/change.txt', plain_list(new))
    t = time.monotonic()
    r = ctl('refresh', 'change')
    check('change: 10 entries serving' in r.stdout, 'refresh change: %r' %
          r.stdout)
    # It wrote only the difference: one entry out, one in. ("not modified"
    # means the scheduler fetched the new list first.)
    m = re.search(r'(\d+) changed', r.stdout)
    check('not modified' in r.stdout or (m is not None and m.group(1) == '2'),
          'refresh wrote more than the difference: %r' % r.stdout)
    listed('change', '45.10.0.99', '127.0.0.40', 'Changed: 45.10.0.99')
    not_listed('change', CHANGE0[0])
    check(time.monotonic() - t < 5, 'refresh and answer took %.1f s' %
          (time.monotonic() - t))
    s1 = serial('change')
    check(s1 > s0, 'serial %d -> %d after a change' % (s0, s1))


def test_change_via_scheduler():
    s0 = serial('change')
    mark = C.d.mark()
    cur = CHANGE0[1:] + ['45.10.0.99']
    new = cur[1:] + ['45.10.0.100']
    Web.serve('/change.txt', plain_list(new))
    t = time.monotonic()
    m = C.d.wait_for(FETCHED % 'change', SCHED_WAIT, mark)
    check(m is not None, 'the scheduler did not fetch the changed list '
          'within %.0f s:\n%s' % (SCHED_WAIT, C.d.tail(20)))
    took = time.monotonic() - t
    check(m.group(6) == '2', 'want "2 changed" (one out, one in), got %r' %
          m.group(0))
    check(m.group(2) == '10', 'entries: %r' % m.group(0))
    listed('change', '45.10.0.100', '127.0.0.40', 'Changed: 45.10.0.100')
    not_listed('change', cur[0])
    listed('change', '45.10.0.99', '127.0.0.40')
    s1 = serial('change')
    check(s1 > s0, 'serial %d -> %d after a change' % (s0, s1))
    print('    applied by the scheduler %.1f s after the change' % took)


def test_status_fields():
    # A new ETag, so this refresh is a 200 and not a 304 (unless the
    # scheduler came first: then again).
    for i in range(3):
        Web.serve('/status.txt', STATUS_LIST + b'# comment %d\n' % i)
        ctl('refresh', 'status')
        s = src_stats('status')
        if s.get('http status') == '200':
            break
    want = {'url': url('/status.txt'), 'format': 'plain, every %ds' % EVERY,
            'http status': '200', 'status': 'ok',
            'list': '10 entries; last parse: 13 lines, 2 rejected, '
                    '1 too broad, 0 special'}
    for k, v in want.items():
        check(s.get(k) == v, 'stats "%s": %r, want %r (all: %r)' % (
            k, s.get(k), v, s))
    stamp = r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
    check(re.match(stamp, s.get('last attempt', '')) and
          s['last attempt'] == s.get('last success'),
          'last attempt / success: %r' % s)
    ok_at = s['last success']
    time.sleep(1.1)         # the times have one-second steps
    Web.serve('/status.txt', mode='500')
    try:
        refresh_fails('status', r'HTTP status 500')
        s = src_stats('status')
    finally:
        Web.serve('/status.txt', mode='ok')
    check(s.get('http status') == '500' and
          s.get('status') == 'HTTP status 500' and
          s.get('last success') == ok_at and
          s.get('last attempt', '') > ok_at and
          s['list'].startswith('10 entries') and s.get('entries') == '10',
          'stats after a failure: %r' % s)
    listed('status', '46.99.0.1', '127.0.0.41', 'Status: 46.99.0.1')


def test_file_feeds():
    listed('fileurl', FILE_A[0], '127.0.0.42', 'file:// feed: %s' %
           FILE_A[0])
    listed('filepath', FILE_B[0], '127.0.0.43', 'path feed: %s' % FILE_B[0])
    s = src_stats('fileurl')
    check(s.get('url') == os.path.join(C.dir, 'files', 'a.txt') and
          'http status' not in s and s['status'] == 'ok', 'fileurl: %r' % s)
    # a change is picked up
    new = FILE_A[1:] + ['45.30.0.99']
    write(os.path.join(C.dir, 'files', 'a.txt'), plain_list(new).decode())
    r = ctl('refresh', 'fileurl')
    check('fileurl: 5 entries serving' in r.stdout, 'refresh: %r' % r.stdout)
    listed('fileurl', '45.30.0.99', '127.0.0.42')
    not_listed('fileurl', FILE_A[0])
    # unchanged: nothing to do, still fine
    ctl('refresh', 'fileurl')
    # missing: an error, the last list stays
    b = os.path.join(C.dir, 'files', 'b.txt')
    os.rename(b, b + '.away')
    mark = C.d.mark()
    try:
        refresh_fails('filepath', r'No such file')
        listed('filepath', FILE_B[0], '127.0.0.43')
        s = src_stats('filepath')
        check('No such file' in s.get('status', '') and
              s['list'].startswith('5 entries'), 'filepath stats: %r' % s)
        m = C.d.wait_for(KEPT % 'filepath', SCHED_WAIT, mark)
        check(m is not None and 'No such file' in m.group(1),
              'rbld log for the missing file: %r' % (m and m.group(0)))
        listed('filepath', FILE_B[0], '127.0.0.43')
    finally:
        os.rename(b + '.away', b)
    # a gzip-compressed file; cut short, it is an error, not a shorter list
    listed('filegz', FILE_GZ[-1], '127.0.0.46', 'gzip file feed: %s' %
           FILE_GZ[-1])
    gz = gzip.compress(plain_list(FILE_GZ))
    with open(os.path.join(C.dir, 'files', 'c.txt.gz'), 'wb') as f:
        f.write(gz[:len(gz) * 3 // 4])
    refresh_fails('filegz', r'unexpected end of file \(the gzip file is '
                  r'truncated\)')
    listed('filegz', FILE_GZ[-1], '127.0.0.46')
    check(src_stats('filegz')['list'].startswith('400 entries'),
          'filegz stats: %r' % src_stats('filegz'))


def test_axfr():
    for src in ('axfr', 'axfr-tsig'):
        z = zone(src)
        upz = UP if src == 'axfr' else UPSIG
        expect(C.port, '1.2.3.4', A, zone=z, values=['127.0.0.2'],
               soa_ttl=None)
        expect(C.port, '1.2.3.4', TXT, zone=z,
               values=['Listed upstream: 1.2.3.4'], soa_ttl=None)
        for ip in ('45.67.89.0', '45.67.89.77', '45.67.89.255'):
            expect(C.port, ip, A, zone=z, values=['127.0.0.3'],
                   soa_ttl=None, transports=('udp',))
        expect(C.port, '45.67.89.77', TXT, zone=z,
               values=['Upstream lists 45.67.89.0/24'], soa_ttl=None)
        expect(C.port, UP_V6, A, zone=z, values=['127.0.0.4'], soa_ttl=None)
        for ip in ('1.2.3.5', '45.67.90.1', '2a01:4f8:c17:1b2::36'):
            not_listed(src, ip)
        r = ctl('refresh', src)
        check('%s: 3 entries serving' % src in r.stdout,
              'refresh %s: %r (zone %s)' % (src, r.stdout, upz))


def test_axfr_tsig_wrong_secret():
    bad = os.path.join(C.dir, 'wrong-key.conf')
    write(bad, conf_text(tsig_secret=TSIG_WRONG))
    line = refresh_fails('axfr-tsig', r'the server answered NOTAUTH '
                         r'\(check the tsig key name and secret\)', conf=bad)
    print('    wrong secret: %s' % line)
    s = src_stats('axfr-tsig')
    check(s.get('status', 'ok') != 'ok' and s['list'].startswith('3 entries'),
          'axfr-tsig stats after a wrong secret: %r' % s)
    expect(C.port, '1.2.3.4', A, zone=zone('axfr-tsig'), values=['127.0.0.2'],
           soa_ttl=None)
    # without the key at all, nsd refuses the transfer
    write(bad, conf_text().replace(
        'tsig = hmac-sha256:%s:%s' % (TSIG_NAME, TSIG_SECRET), ''))
    line = refresh_fails('axfr-tsig', r'the server answered (REFUSED|NOTAUTH)',
                         conf=bad)
    print('    no key: %s' % line)
    expect(C.port, '1.2.3.4', A, zone=zone('axfr-tsig'), values=['127.0.0.2'],
           soa_ttl=None)
    ctl('refresh', 'axfr-tsig')
    check(src_stats('axfr-tsig')['status'] == 'ok', 'axfr-tsig recovers')


class FakePrimary:
    """An AXFR primary written with dnspython, whose answers the test
    shapes: three messages, the middle one unsigned (as RFC 8945 allows);
    or a record changed after signing; or no TSIG at all; or another secret;
    or the last message unsigned. It checks rbld's signed query too."""

    ZONE = 'fake.up.test'

    def __init__(self):
        self.mode = 'good'
        self.errors = []
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.keyring = dns.tsigkeyring.from_text({TSIG_NAME: TSIG_SECRET})
        # A key, as Message.keyring holds it after use_tsig().
        self.wrong = dns.tsig.Key(TSIG_NAME, TSIG_WRONG)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(5)
                self.serve(conn)
            except Exception as e:      # noqa: BLE001 (reported by the test)
                self.errors.append('%s: %s' % (type(e).__name__, e))
            finally:
                conn.close()

    def recv(self, conn, n):
        data = b''
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise EOFError('query cut short')
            data += part
        return data

    def rrs(self, *lines):
        return [dns.rrset.from_text(n + '.' + self.ZONE + '.', 60, 'IN', t, v)
                for n, t, v in lines]

    def serve(self, conn):
        size = struct_unpack(self.recv(conn, 2))
        # Raises unless rbld signed the query with the right key.
        q = dns.message.from_wire(self.recv(conn, size), keyring=self.keyring)
        soa = dns.rrset.from_text(self.ZONE + '.', 60, 'IN', 'SOA',
                                  'ns. host. 7 3600 600 86400 60')
        parts = [[soa] + self.rrs(('4.3.2.1', 'A', '127.0.0.2')),
                 self.rrs(('8.7.6.5', 'A', '127.0.0.2'),
                          ('9.9.8.8', 'A', '127.0.0.2')),
                 self.rrs(('3.3.3.3', 'A', '127.0.0.2')) + [soa]]
        wires = []
        r1 = dns.message.make_response(q)
        r1.answer = parts[0]
        if self.mode == 'unsigned':
            r1.tsig = None
        if self.mode == 'wrong-secret':
            r1.keyring = self.wrong
        wires.append(r1.to_wire(multi=True))
        ctx = getattr(r1, 'tsig_ctx', None)
        r2 = dns.message.make_response(q)
        r2.answer = parts[1]
        r2.tsig = None
        wires.append(r2.to_wire())
        if ctx is not None:
            ctx.update(wires[1])
        r3 = dns.message.make_response(q)
        r3.answer = parts[2]
        if self.mode in ('unsigned', 'last-unsigned'):
            r3.tsig = None
            wires.append(r3.to_wire())
        else:
            if self.mode == 'wrong-secret':
                r3.keyring = self.wrong
            wires.append(r3.to_wire(multi=True, tsig_ctx=ctx))
        if self.mode == 'tampered':
            # 8.7.6.5 -> 127.0.0.3 in the unsigned middle message.
            wires[1] = wires[1][:-1] + bytes([wires[1][-1] ^ 1])
        try:
            for w in wires:
                conn.sendall(len(w).to_bytes(2, 'big') + w)
        except (BrokenPipeError, ConnectionResetError):
            pass        # rbld hung up at the first bad message: right

    def close(self):
        self.sock.close()


def struct_unpack(b):
    return int.from_bytes(b, 'big')


def test_axfr_tsig_every_message_checked():
    """Answers to a TSIG transfer are verified, message by message."""
    fp = FakePrimary()
    try:
        conf = os.path.join(C.dir, 'fake-primary.conf')
        write(conf, conf_text() + '\n'.join(source(
            'fake', 'axfr://%s:%d/%s' % (HOST, fp.port, fp.ZONE), 'axfr',
            '127.0.0.47', None, ['timeout = 5s', 'tsig = hmac-sha256:%s:%s'
                                 % (TSIG_NAME, TSIG_SECRET)])))
        fp.mode = 'good'
        r = ctl('refresh', 'fake', conf=conf)
        check('fake: 4 entries serving' in r.stdout and not fp.errors,
              'good transfer: %r %r' % (r.stdout, fp.errors))
        for mode, why in [
                ('tampered', r'message 3: bad TSIG signature'),
                ('unsigned', r'message 1: the answer is not signed'),
                ('wrong-secret', r'message 1: bad TSIG signature'),
                ('last-unsigned', r'the last message is not signed')]:
            fp.mode = mode
            line = refresh_fails('fake', why, conf=conf)
            print('    %s: %s' % (mode, line))
        check(not fp.errors, 'fake primary: %r' % fp.errors)
        s = src_stats('fake', conf=conf)
        check(s['list'].startswith('4 entries'),
              'the last good list went: %r' % s)
    finally:
        fp.close()


def test_https_verified():
    """HTTPS is verified: a self-signed server is refused, with the reason."""
    d = tempfile.mkdtemp(prefix='rbld-https.')
    srv = None
    try:
        key, cert = os.path.join(d, 'key.pem'), os.path.join(d, 'cert.pem')
        r = run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                 '-keyout', key, '-out', cert, '-days', '1',
                 '-subj', '/CN=127.0.0.1',
                 '-addext', 'subjectAltName=IP:127.0.0.1'], timeout=60)
        check(r.returncode == 0, 'openssl: %s' % r.stderr)

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'45.1.2.3\n45.1.2.4\n'
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        import ssl
        srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        conf = os.path.join(d, 'rbld.conf')
        with open(conf, 'w') as f:
            f.write('[rbld]\ndatabase = db\ndns = 127.0.0.1:0\n'
                    '[zone t.test]\nsources = tls\n'
                    '[source tls]\nkind = feed\nformat = plain\n'
                    'url = https://127.0.0.1:%d/list.txt\n' %
                    srv.server_address[1])
        refresh_fails('tls', r'(?i)certificate|SSL', conf=conf)
    finally:
        if srv is not None:
            srv.shutdown()
            srv.server_close()
        shutil.rmtree(d, ignore_errors=True)


def test_sigterm_exit_0():
    rc = C.d.stop(signal.SIGTERM, timeout=10)
    check(rc == 0, 'rbld exited %s on SIGTERM\n%s' % (rc, C.d.tail(10)))


TESTS = [
    test_scheduler_first_fetch,
    test_format_spamhaus,
    test_format_spamhaus_json,
    test_format_dshield,
    test_format_netset_special_and_broad,
    test_format_plain,
    test_format_rbldnsd,
    test_broader_than_min_prefix_not_served,
    test_etag_304,
    test_last_modified_304,
    test_failures_keep_last_list,
    test_scheduler_conditional,
    test_settings_change_refetches,
    test_change_via_refresh,
    test_change_via_scheduler,
    test_status_fields,
    test_file_feeds,
    test_axfr,
    test_axfr_tsig_wrong_secret,
    test_axfr_tsig_every_message_checked,
    test_https_verified,
    test_sigterm_exit_0,
]


def main():
    return run_tests(
        TESTS, setup, teardown,
        lambda: 'rbld on %s:%d, feeds on port %d, nsd on port %d, folder %s' %
        (HOST, C.port, C.hport, C.nsd_port, C.dir),
        lambda: C.d, keep=('scheduler_first_fetch', 'sigterm_exit_0'))


if __name__ == '__main__':
    sys.exit(main())
