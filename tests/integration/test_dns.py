#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
Integration test of rbld's DNS service: starts the real daemon on loopback
with a generated configuration and data files, and checks its answers over
UDP and TCP, file reloads, SIGHUP, rbldctl, and an rbldctl export served by
the real rbldnsd.

Run standalone (python3 tests/integration/test_dns.py) or through
`meson test`. Environment: RBLD_BIN, RBLDCTL_BIN (default build/rbld and
build/rbldctl), RBLDNSD_BIN (default /usr/sbin/rbldnsd), RBLD_KEEP_TMP=1
keeps the temporary folder. Exit status: 0 when every test passes.
"""

import gzip
import os
import random
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

try:
    import dns.message
except ImportError:
    # A Python other than the system one (pyenv, venv) does not see the
    # Debian package; dnspython is pure Python, so borrowing it is safe.
    for _p in ('/usr/lib/python3/dist-packages',
               '/usr/local/lib/python3/dist-packages'):
        if os.path.isdir(_p) and _p not in sys.path:
            sys.path.append(_p)
    try:
        import dns.message
    except ImportError:
        print('FAIL setup: dnspython is missing '
              '(apt-get install python3-dnspython)')
        sys.exit(1)
import dns.exception
import dns.flags
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
RBLDCTL = os.environ.get('RBLDCTL_BIN', os.path.join(TOP, 'build', 'rbldctl'))
RBLDNSD = os.environ.get('RBLDNSD_BIN', '/usr/sbin/rbldnsd')

HOST = '127.0.0.1'
TIMEOUT = 2.0           # per DNS try
TRIES = 3               # UDP tries before giving up
RELOAD_WAIT = 9.0       # rbld polls files every 5 s

ZONE = 'bl.example.test'
BIG = 'big.example.test'
TP = 'tp.example.test'
NEW = 'new.example.test'
NBIG = 12               # sources in the big zone, each with its own long TXT
SOA_MIN = 90            # the bl zone's SOA minimum: negative answers' TTL
ZONE_TTL = 300
TWO_TTL = 120           # $TTL of two.rbl
TP_TTL = 600

A, TXT, NS, SOA, MX, ANY = (dns.rdatatype.A, dns.rdatatype.TXT,
                            dns.rdatatype.NS, dns.rdatatype.SOA,
                            dns.rdatatype.MX, dns.rdatatype.ANY)
NOERROR, NXDOMAIN, REFUSED, NOTIMP, FORMERR = (
    dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.REFUSED,
    dns.rcode.NOTIMP, dns.rcode.FORMERR)

ONE_RBL = """\
# source one: seed data of the integration test
1.2.3.4
1.2.3.5 :5:five $
1.2.3.6 :6:
5.6.7.8 :8:four $
10.0.0.0/8 :10:ten $
!10.1.0.0/16
10.1.2.0/24 :11:inner $
127.0.0.0/8 :4:loopback $
192.0.2.0/24 :2:doc $
198.51.100.0/24
2001:db8::/32 :7:six $
!2001:db8:1::/48
2001:db8:1:2::/64 :8:inner six $
2001:db8:ffff::/48 :7:allowed six $
2002:506:708::/48 :9:sixtofour $
::/96 :12:compat $
"""

TWO_RBL = """\
$TTL %d
1.2.3.4
1.2.3.5 :5:five $
20.0.0.1
""" % TWO_TTL

ALLOW_RBL = """\
198.51.100.128/25
2001:db8:ffff::/48
"""


def big_txt(i):
    return ('source %02d says $ is listed; ' % i) + chr(ord('a') + i) * 70


# ---------------------------------------------------------------- helpers

class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Daemon:
    """A child process whose merged stdout/stderr is collected by a thread."""

    def __init__(self, argv, name, cwd=None):
        self.name = name
        self.lines = []
        self.cv = threading.Condition()
        self.eof = False
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=cwd,
                                     text=True, errors='replace')
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line.rstrip('\n'))
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def mark(self):
        with self.cv:
            return len(self.lines)

    def wait_for(self, regex, timeout, start=0):
        """First match of REGEX in a line from index START on, or None."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        i = start
        with self.cv:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None
                self.cv.wait(min(left, 0.2))

    def send(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Stop the process; returns its exit status (killed if stuck)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.thread.join(5)
        return self.proc.returncode

    def tail(self, n=40):
        with self.cv:
            return '\n'.join('    | ' + l for l in self.lines[-n:])


def start_rbld(argv, cwd=None, timeout=15):
    """Start rbld (ARGV) and wait until it is ready: (the Daemon, its DNS
    port, its API port or None). Raises Failure with its log otherwise."""
    d = Daemon(argv, 'rbld', cwd=cwd)
    m = d.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+)', timeout)
    if m is None:
        raise Failure('rbld did not log its DNS port:\n' + d.tail())
    port = int(m.group(1))
    if d.wait_for(r'\bready\b', timeout) is None:
        raise Failure('rbld never logged "ready":\n' + d.tail())
    # The API, if any, listens before rbld says it is ready.
    m = d.wait_for(r'api: listening on 127\.0\.0\.1:(\d+)', 0)
    return d, port, int(m.group(1)) if m else None


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def udp(name, rdtype, port, edns=-1, payload=1232, tries=TRIES):
    q = dns.message.make_query(name, rdtype, use_edns=edns, payload=payload)
    last = None
    for _ in range(tries):
        try:
            return dns.query.udp(q, HOST, port=port, timeout=TIMEOUT)
        except dns.exception.Timeout as e:
            last = e
    raise Failure('%s/%s over udp: no answer after %d tries (%s)' %
                  (name, dns.rdatatype.to_text(rdtype), tries, last))


def tcp(name, rdtype, port, edns=-1, payload=1232):
    q = dns.message.make_query(name, rdtype, use_edns=edns, payload=payload)
    try:
        return dns.query.tcp(q, HOST, port=port, timeout=TIMEOUT)
    except (dns.exception.Timeout, OSError, EOFError) as e:
        raise Failure('%s/%s over tcp: %r' %
                      (name, dns.rdatatype.to_text(rdtype), e))


def query(transport, name, rdtype, port, **kw):
    return (udp if transport == 'udp' else tcp)(name, rdtype, port, **kw)


def raw_udp(wire, port, timeout=1.0):
    """Send WIRE, return the reply bytes or None when there is none."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(wire, (HOST, port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None
    finally:
        s.close()


def v4name(ip, zone):
    return '.'.join(reversed(ip.split('.'))) + '.' + zone


def v6name(ip, zone):
    packed = socket.inet_pton(socket.AF_INET6, ip)
    nibbles = packed.hex()
    return '.'.join(reversed(nibbles)) + '.' + zone


def qname(ip, zone):
    return v6name(ip, zone) if ':' in ip else v4name(ip, zone)


def rrs(r, rdtype):
    """[(text, ttl)] of the answer records of RDTYPE, in wire order."""
    out = []
    for rrset in r.answer:
        if rrset.rdtype != rdtype:
            continue
        for rd in rrset:
            if rdtype == TXT:
                text = b''.join(rd.strings).decode('utf-8', 'replace')
            else:
                text = rd.to_text()
            out.append((text, rrset.ttl))
    return out


def describe(r):
    if r is None:
        return '(no reply)'
    parts = ['rcode %s' % dns.rcode.to_text(r.rcode()),
             'flags %s' % dns.flags.to_text(r.flags)]
    for sect, rs in (('an', r.answer), ('ns', r.authority),
                     ('ar', r.additional)):
        for rrset in rs:
            for rd in rrset:
                parts.append('%s: %s %d %s %s' % (
                    sect, rrset.name, rrset.ttl,
                    dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
    if r.edns >= 0:
        parts.append('OPT payload %d' % r.payload)
    return '\n      '.join(parts)


def expect(port, ip, rdtype, zone=ZONE, rcode=NOERROR, values=None,
           ttl=None, transports=('udp', 'tcp'), soa_ttl=SOA_MIN):
    """
    Query IP's name in ZONE for RDTYPE (A or TXT) over each transport and
    compare: the rcode, the answer values in order, their TTL, and for
    negative answers the SOA in the authority section with TTL SOA_TTL.
    """
    name = qname(ip, zone) if ip is not None else zone
    for tr in transports:
        r = query(tr, name, rdtype, port)
        got = rrs(r, rdtype)
        want = None if values is None else list(values)
        bad = []
        if r.rcode() != rcode:
            bad.append('rcode %s, want %s' % (dns.rcode.to_text(r.rcode()),
                                             dns.rcode.to_text(rcode)))
        if not r.flags & dns.flags.AA:
            bad.append('AA not set')
        if want is not None and [v for v, _ in got] != want:
            bad.append('answer %r, want %r' % ([v for v, _ in got], want))
        if ttl is not None and any(t != ttl for _, t in got):
            bad.append('TTLs %r, want %d' % ([t for _, t in got], ttl))
        if rcode == NXDOMAIN or (rcode == NOERROR and want == []):
            soas = [rs for rs in r.authority if rs.rdtype == SOA]
            if len(soas) != 1:
                bad.append('no SOA in the authority section')
            elif soa_ttl is not None and soas[0].ttl != soa_ttl:
                bad.append('authority SOA TTL %d, want %d' %
                           (soas[0].ttl, soa_ttl))
            if r.answer:
                bad.append('answer section not empty')
        if bad:
            raise Failure('%s %s over %s: %s\n      got: %s' % (
                name, dns.rdatatype.to_text(rdtype), tr, '; '.join(bad),
                describe(r)))


def expect_listed(port, ip, a, txt, ttl=None, zone=ZONE, **kw):
    expect(port, ip, A, zone=zone, values=a, ttl=ttl, **kw)
    expect(port, ip, TXT, zone=zone, values=txt, ttl=ttl, **kw)


def expect_nx(port, ip, zone=ZONE, **kw):
    expect(port, ip, A, zone=zone, rcode=NXDOMAIN, **kw)
    expect(port, ip, TXT, zone=zone, rcode=NXDOMAIN, **kw)


def run(argv, timeout=30, **kw):
    return subprocess.run(argv, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, errors='replace',
                          timeout=timeout, **kw)


def write(path, text, mode=0o644):
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, mode)


# ---------------------------------------------------------------- fixture

class Ctx:
    dir = None
    conf = None
    port = None
    d = None


C = Ctx()


def conf_text(new_zone=False, broken=False):
    d = C.dir
    out = ['[rbld]',
           'database = %s/db' % d,
           'dns = %s:0' % HOST,
           'workers = 2',
           '']
    if broken:
        out.append('no-such-key = 1')
    out += ['[zone %s]' % ZONE,
            'sources = one two',
            'ns = ns1.example.test. ns2.example.test.',
            'soa = ns1.example.test. hostmaster.example.test. 1h 10m 1w %ds'
            % SOA_MIN,
            'ttl = %ds' % ZONE_TTL,
            '',
            '[zone %s]' % BIG,
            'sources = ' + ' '.join('big%d' % i for i in range(NBIG)),
            'ns = ns1.example.test.',
            'soa = ns1.example.test. hostmaster.example.test. 1h 10m 1w 5m',
            'ttl = 5m',
            '',
            '[zone %s]' % TP,
            'sources = two',
            'ttl = %ds' % TP_TTL,
            '']
    if new_zone:
        out += ['[zone %s]' % NEW, 'sources = one', 'ttl = 5m', '']
    out += ['[source one]',
            'kind = local',
            'file = %s/one.rbl' % d,
            'a = 127.0.0.2',
            'txt = One: $',
            '',
            '[source two]',
            'kind = local',
            'file = %s/two.rbl' % d,
            'a = 127.0.0.3',
            'txt = Two lists $',
            '']
    for i in range(NBIG):
        out += ['[source big%d]' % i, 'kind = local',
                'file = %s/big%d.rbl' % (d, i), '']
    out += ['[allow]',
            'file = %s/allow.rbl' % d,
            'nets = 127.0.0.1/32 ::1/128 192.0.2.1/32',
            '']
    return '\n'.join(out)


def setup():
    C.dir = tempfile.mkdtemp(prefix='rbld-int-')
    # rbldnsd runs as user rbldns and must read the export there.
    os.chmod(C.dir, 0o755)
    write(os.path.join(C.dir, 'one.rbl'), ONE_RBL)
    write(os.path.join(C.dir, 'two.rbl'), TWO_RBL)
    write(os.path.join(C.dir, 'allow.rbl'), ALLOW_RBL)
    for i in range(NBIG):
        write(os.path.join(C.dir, 'big%d.rbl' % i),
              '9.9.9.9 :2:%s\n' % big_txt(i))
    C.conf = os.path.join(C.dir, 'rbld.conf')
    write(C.conf, conf_text())
    for b in (RBLD, RBLDCTL):
        if not os.access(b, os.X_OK):
            raise Failure('%s is not an executable: build first '
                          '(ninja -C build) or set RBLD_BIN/RBLDCTL_BIN' % b)
    C.d = Daemon([RBLD, '-c', C.conf], 'rbld', cwd=C.dir)
    m = C.d.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+) \(udp, tcp\)',
                     15)
    if m is None:
        raise Failure('rbld did not log its listening port:\n' + C.d.tail())
    C.port = int(m.group(1))
    if C.d.wait_for(r'\bready\b', 15) is None:
        raise Failure('rbld never logged "ready":\n' + C.d.tail())
    for s in ['one', 'two'] + ['big%d' % i for i in range(NBIG)]:
        if C.d.wait_for(r'source %s: loaded' % s, 15) is None:
            raise Failure('source %s was never loaded:\n%s' % (s, C.d.tail()))


def stop_and_clean(daemon, folder):
    """Kill DAEMON and remove FOLDER, unless RBLD_KEEP_TMP is set."""
    if daemon is not None:
        daemon.stop(signal.SIGKILL)
    if folder is not None and not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(folder, ignore_errors=True)
    elif folder is not None:
        print('kept %s' % folder)


def teardown():
    stop_and_clean(C.d, C.dir)


def ctl(*args, ok=(0,)):
    r = run([RBLDCTL, '-c', C.conf] + list(args))
    if ok is not None and r.returncode not in ok:
        raise Failure('rbldctl %s: exit %d\n  stdout: %s\n  stderr: %s' % (
            ' '.join(args), r.returncode, r.stdout.strip(), r.stderr.strip()))
    return r


# ---------------------------------------------------------------- tests

def test_listed_ipv4():
    expect_listed(C.port, '1.2.3.6', ['127.0.0.6'], [], ttl=ZONE_TTL,
                  transports=('udp',))
    expect(C.port, '5.6.7.8', A, values=['127.0.0.8'], ttl=ZONE_TTL)
    expect(C.port, '5.6.7.8', TXT, values=['four 5.6.7.8'], ttl=ZONE_TTL)
    expect_listed(C.port, '10.200.0.1', ['127.0.0.10'], ['ten 10.200.0.1'],
                  ttl=ZONE_TTL)
    expect_listed(C.port, '198.51.100.5', ['127.0.0.2'],
                  ['One: 198.51.100.5'], ttl=ZONE_TTL)


def test_longest_prefix_and_exclusion():
    expect_listed(C.port, '10.1.2.3', ['127.0.0.11'], ['inner 10.1.2.3'])
    expect_nx(C.port, '10.1.5.5')
    expect_listed(C.port, '10.2.0.1', ['127.0.0.10'], ['ten 10.2.0.1'])


def test_unlisted_nxdomain_soa():
    expect_nx(C.port, '4.4.4.4')
    r = udp(v4name('4.4.4.4', ZONE), A, C.port)
    soa = [rs for rs in r.authority if rs.rdtype == SOA][0]
    rd = soa[0]
    check(str(soa.name) == ZONE + '.', 'SOA owner %s' % soa.name)
    check((str(rd.mname), str(rd.rname), rd.refresh, rd.retry, rd.expire,
           rd.minimum) == ('ns1.example.test.', 'hostmaster.example.test.',
                           3600, 600, 604800, SOA_MIN),
          'authority SOA %s' % rd.to_text())


def test_nodata_mx_on_listed():
    expect(C.port, '1.2.3.4', MX, values=[])
    # listed without a TXT: TXT is NODATA, A is there
    expect(C.port, '1.2.3.6', TXT, values=[])


def test_nodata_partial_names():
    for name in ('3.2.1.' + ZONE, '1.' + ZONE,
                 '.'.join('0123456789abcdef') + '.' + ZONE):
        for tr in ('udp', 'tcp'):
            r = query(tr, name, A, C.port)
            check(r.rcode() == NOERROR and not r.answer and
                  any(rs.rdtype == SOA for rs in r.authority),
                  '%s A over %s: want NOERROR/NODATA with SOA, got %s' % (
                      name, tr, describe(r)))


def test_bad_names_nxdomain():
    # (5.4.3.2.1 would be a partial IPv6 nibble name: NODATA)
    for name in ('x.4.3.2.1.' + ZONE, '256.3.2.1.' + ZONE,
                 '10.4.3.2.1.' + ZONE, 'www.' + ZONE, '0004.3.2.1.' + ZONE):
        r = udp(name, A, C.port)
        check(r.rcode() == NXDOMAIN and any(rs.rdtype == SOA
                                            for rs in r.authority),
              '%s A: want NXDOMAIN with SOA, got %s' % (name, describe(r)))


def test_apex_soa_ns_any():
    for tr in ('udp', 'tcp'):
        r = query(tr, ZONE, SOA, C.port)
        got = rrs(r, SOA)
        check(r.rcode() == NOERROR and len(got) == 1 and
              r.flags & dns.flags.AA, 'apex SOA over %s: %s' % (tr,
                                                                describe(r)))
        f = got[0][0].split()
        check(f[0:2] == ['ns1.example.test.', 'hostmaster.example.test.'] and
              f[3:] == ['3600', '600', '604800', str(SOA_MIN)],
              'apex SOA over %s: %s' % (tr, got))
        r = query(tr, ZONE, NS, C.port)
        ns = sorted(v for v, _ in rrs(r, NS))
        check(r.rcode() == NOERROR and
              ns == ['ns1.example.test.', 'ns2.example.test.'],
              'apex NS over %s: %s' % (tr, describe(r)))
        # ANY: every record over TCP, the SOA alone over UDP (RFC 8482)
        r = query(tr, ZONE, ANY, C.port)
        check(r.rcode() == NOERROR and len(rrs(r, SOA)) == 1 and
              len(rrs(r, NS)) == (2 if tr == 'tcp' else 0),
              'apex ANY over %s: %s' % (tr, describe(r)))
    # A, TXT and MX at the apex: NODATA with the SOA
    for t in (A, TXT, MX):
        r = udp(ZONE, t, C.port)
        check(r.rcode() == NOERROR and not r.answer and
              any(rs.rdtype == SOA for rs in r.authority),
              'apex %s: %s' % (dns.rdatatype.to_text(t), describe(r)))


def test_refused_outside_zones():
    for name in ('4.3.2.1.other.test', 'example.test', 'test',
                 '4.3.2.1.bl.example.test.evil'):
        for tr in ('udp', 'tcp'):
            r = query(tr, name, A, C.port)
            check(r.rcode() == REFUSED and not r.flags & dns.flags.AA and
                  not r.answer, '%s over %s: want REFUSED without AA, got %s'
                  % (name, tr, describe(r)))


def test_notimp_opcodes():
    for op in (dns.opcode.IQUERY, dns.opcode.STATUS, 3, dns.opcode.UPDATE):
        q = dns.message.make_query(v4name('1.2.3.4', ZONE), A)
        q.set_opcode(op)
        wire = raw_udp(q.to_wire(), C.port)
        check(wire is not None and len(wire) >= 12, 'opcode %d: no reply' % op)
        # dnspython cannot parse every opcode: read the header by hand
        rid, flags, qd, an, ns, ar = struct.unpack('!HHHHHH', wire[:12])
        check(rid == q.id and flags & 0x8000 and flags & 0xf == NOTIMP and
              an == 0 and not flags & 0x0400,
              'opcode %d: want NOTIMP without AA, got flags %#x an %d' % (
                  op, flags, an))


def test_formerr_qdcount_zero():
    hdr = struct.pack('!HHHHHH', 0x1234, 0x0100, 0, 0, 0, 0)
    wire = raw_udp(hdr, C.port)
    check(wire is not None and len(wire) >= 12, 'qdcount=0: no reply')
    rid, flags = struct.unpack('!HH', wire[:4])
    check(rid == 0x1234 and flags & 0x8000 and flags & 0xf == FORMERR,
          'qdcount=0: want FORMERR, got id %#x flags %#x' % (rid, flags))
    # two questions are as bad
    q = dns.message.make_query(v4name('1.2.3.4', ZONE), A).to_wire()
    body = q[12:]
    two = struct.pack('!HHHHHH', 0x4321, 0x0100, 2, 0, 0, 0) + body + body
    wire = raw_udp(two, C.port)
    if wire is not None:
        check(struct.unpack('!H', wire[:2])[0] == 0x4321 and
              wire[3] & 0xf == FORMERR, 'qdcount=2: not FORMERR')


def assert_alive(what):
    try:
        r = udp(v4name('1.2.3.4', ZONE), A, C.port)
    except Failure as e:
        raise Failure('server stopped answering after %s: %s' % (what, e))
    check(r.rcode() == NOERROR and rrs(r, A),
          'after %s: 1.2.3.4 no longer answers: %s' % (what, describe(r)))
    check(C.d.proc.poll() is None, 'rbld exited after %s' % what)


def garbage_replies(packets, what):
    """Send PACKETS; each reply must be FORMERR (or absent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bad = []
    try:
        s.settimeout(0.5)
        for i, p in enumerate(packets):
            s.sendto(p, (HOST, C.port))
            if i % 16 == 15:
                time.sleep(0.002)
        for _ in range(len(packets) + 1):
            try:
                w = s.recv(65535)
            except socket.timeout:
                break
            if len(w) < 12 or not w[2] & 0x80 or (w[3] & 0xf) != FORMERR:
                bad.append(w[:32].hex())
    finally:
        s.close()
    check(not bad, '%s: replies that are not FORMERR: %s' % (what, bad[:5]))


def test_malformed_packets():
    rnd = random.Random(5782)
    q = dns.message.make_query(v4name('1.2.3.4', ZONE), A, use_edns=0)
    wire = q.to_wire()
    # every truncation of a query (with EDNS, so the last cut lacks the OPT)
    garbage_replies([wire[:n] for n in range(len(wire))], 'truncated queries')
    assert_alive('truncated queries')
    pk = []
    for _ in range(150):
        body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 60)))
        qd = rnd.choice([0, rnd.randrange(2, 65536)])
        pk.append(struct.pack('!HHHHHH', rnd.randrange(65536), 0x0100, qd,
                              rnd.randrange(3), 0, rnd.randrange(3)) + body)
        # one question whose name uses compression or overruns the packet
        pk.append(struct.pack('!HHHHHH', rnd.randrange(65536), 0, 1, 0, 0, 0)
                  + bytes([0xc0 | rnd.randrange(64), rnd.randrange(256)]) +
                  body)
        pk.append(struct.pack('!HHHHHH', rnd.randrange(65536), 0, 1, 0, 0, 0)
                  + bytes([rnd.randrange(1, 64)]) + b'x' * rnd.randrange(3))
    garbage_replies(pk, 'malformed packets')
    assert_alive('malformed packets')
    # pure noise: any reply is fine, the server must survive it
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _ in range(300):
            s.sendto(bytes(rnd.randrange(256)
                           for _ in range(rnd.randrange(0, 600))),
                     (HOST, C.port))
    finally:
        s.close()
    # and over TCP: a short length prefix, then a lying one
    for payload in (b'\x00', b'\x00\x05abc', b'\xff\xff' + b'\x00' * 20,
                    b'\x00\x0c' + b'\x00' * 12):
        s = socket.create_connection((HOST, C.port), timeout=TIMEOUT)
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            try:
                s.recv(4096)
            except (socket.timeout, ConnectionResetError):
                pass
        finally:
            s.close()
    time.sleep(0.2)
    assert_alive('random noise')


def test_edns_opt_echoed():
    for tr in ('udp', 'tcp'):
        r = query(tr, v4name('1.2.3.4', ZONE), A, C.port, edns=0,
                  payload=1232)
        check(r.edns == 0 and r.payload >= 512,
              'EDNS query over %s: no OPT in the reply: %s' % (tr,
                                                               describe(r)))
        r = query(tr, v4name('1.2.3.4', ZONE), A, C.port)
        check(r.edns < 0, 'plain query over %s got an OPT' % tr)
        r = query(tr, v4name('4.4.4.4', ZONE), A, C.port, edns=0)
        check(r.edns == 0 and r.rcode() == NXDOMAIN,
              'EDNS NXDOMAIN over %s: %s' % (tr, describe(r)))


def big_expected():
    return [big_txt(i).replace('$', '9.9.9.9') for i in range(NBIG)]


def test_big_answer_truncation():
    name = v4name('9.9.9.9', BIG)
    r = udp(name, TXT, C.port)
    check(r.flags & dns.flags.TC, 'big TXT over udp without EDNS: TC not set:'
          ' %s' % describe(r))
    check(len(r.to_wire()) <= 512, 'truncated reply longer than 512 bytes')
    r = tcp(name, TXT, C.port)
    got = [v for v, _ in rrs(r, TXT)]
    check(not r.flags & dns.flags.TC and got == big_expected(),
          'big TXT over tcp: %s\n  want %s' % (got, big_expected()))
    check(len(r.to_wire()) > 512, 'the big answer is not big')
    # EDNS raises the UDP limit, but never above the 1232 bytes rbld
    # advertises: what is bigger goes TC, whatever the query says.
    size = len(r.to_wire())
    r = udp(name, TXT, C.port, edns=0, payload=4096)
    got = [v for v, _ in rrs(r, TXT)]
    if size <= 1232:
        check(not r.flags & dns.flags.TC and got == big_expected() and
              r.edns == 0, 'big TXT over udp with EDNS 4096: %s' %
              describe(r))
    else:
        check(r.flags & dns.flags.TC and not got and r.edns == 0 and
              r.payload == 1232 and len(r.to_wire()) <= 1232,
              'a %d-byte TXT answer over udp with EDNS 4096: TC, OPT 1232: '
              '%s' % (size, describe(r)))
    r = udp(v4name('9.9.9.9', BIG), A, C.port, edns=0, payload=4096)
    check(not r.flags & dns.flags.TC and r.payload == 1232,
          'a small answer with EDNS 4096: whole, OPT 1232: %s' % describe(r))
    # identical A values of twelve sources merge into one record
    r = tcp(name, ANY, C.port)
    check(rrs(r, A) == [('127.0.0.2', 300)] and
          [v for v, _ in rrs(r, TXT)] == big_expected(),
          'big ANY over tcp: %s' % describe(r))
    # a small EDNS payload still truncates
    r = udp(name, TXT, C.port, edns=0, payload=512)
    check(r.flags & dns.flags.TC and r.edns == 0,
          'big TXT with EDNS 512: want TC with OPT, got %s' % describe(r))


def test_question_case_preserved():
    name = '4.3.2.1.BL.Example.TEST'
    for tr in ('udp', 'tcp'):
        q = dns.message.make_query(name, A)
        if tr == 'udp':
            r = dns.query.udp(q, HOST, port=C.port, timeout=TIMEOUT)
        else:
            r = dns.query.tcp(q, HOST, port=C.port, timeout=TIMEOUT)
        got = r.question[0].name.to_text()
        check(got == name + '.', 'question over %s came back as %s' % (tr,
                                                                      got))
        check(r.rcode() == NOERROR and rrs(r, A),
              'mixed-case query over %s not answered: %s' % (tr,
                                                            describe(r)))


def test_tcp_idle_clients_cannot_lock_out():
    """128 idle TCP connections fill the table; a newcomer still gets in."""
    idle = []
    try:
        for _ in range(140):
            c = socket.create_connection((HOST, C.port), timeout=TIMEOUT)
            idle.append(c)
        time.sleep(0.3)
        r = tcp(qname('1.2.3.4', ZONE), A, C.port)
        check(r.rcode() == NOERROR and rrs(r, A),
              'TCP query with 140 idle connections open: %s' % describe(r))
    finally:
        for c in idle:
            c.close()


def test_rfc5782_test_points():
    # tp lists neither: 127.0.0.2 is listed anyway, 127.0.0.1 is not
    for ip in ('127.0.0.2', '::ffff:7f00:2'):
        for tr in ('udp', 'tcp'):
            r = query(tr, qname(ip, TP), A, C.port)
            check(r.rcode() == NOERROR and rrs(r, A),
                  '%s in %s over %s: want listed, got %s' % (
                      ip, TP, tr, describe(r)))
            # with the first source's TTL, as if it listed it
            check(all(t == TWO_TTL for _, t in rrs(r, A)),
                  '%s in %s: want TTL %d (two.rbl\'s $TTL), got %s' % (
                      ip, TP, TWO_TTL, describe(r)))
            r = query(tr, qname(ip, TP), TXT, C.port)
            check(r.rcode() == NOERROR and
                  all('127.0.0.2' in v for v, _ in rrs(r, TXT)),
                  '%s TXT in %s: %s' % (ip, TP, describe(r)))
    expect_nx(C.port, '127.0.0.1', zone=TP, soa_ttl=None)
    # one lists 127.0.0.0/8: 127.0.0.1 stays unlisted, the rest is listed
    expect_nx(C.port, '127.0.0.1')
    expect_nx(C.port, '::ffff:127.0.0.1')
    expect_listed(C.port, '127.0.0.3', ['127.0.0.4'], ['loopback 127.0.0.3'])
    expect_listed(C.port, '127.0.0.2', ['127.0.0.4'], ['loopback 127.0.0.2'])


def test_ipv4_mapped_and_6to4():
    want_a = ['127.0.0.2', '127.0.0.3']
    want_txt = ['One: 1.2.3.4', 'Two lists 1.2.3.4']
    for ip in ('::ffff:1.2.3.4', '2002:102:304::', '2002:102:304:ffff::1'):
        expect_listed(C.port, ip, want_a, want_txt, ttl=TWO_TTL)
    # 6to4 is looked up as IPv6 and as IPv4: both answer, IPv6 first
    expect_listed(C.port, '2002:506:708::1', ['127.0.0.9', '127.0.0.8'],
                  ['sixtofour 2002:506:708::1', 'four 5.6.7.8'])
    expect_nx(C.port, '::ffff:4.4.4.4')
    expect_nx(C.port, '2002:404:404::')
    # rbldctl lookup gives the answers DNS gives, in the same order.
    out = ctl('lookup', '2002:506:708::1').stdout
    lines = [l for l in out.splitlines() if ': listed in %s ' % ZONE in l]
    check(len(lines) == 2 and 'A 127.0.0.9' in lines[0] and
          'TXT "four 5.6.7.8"' in lines[1], 'rbldctl lookup of 6to4:\n' + out)
    ctl('lookup', '2002:404:404::', ok=(1,))


def test_ipv6_nibbles():
    expect_listed(C.port, '2001:db8:5::1', ['127.0.0.7'],
                  ['six 2001:db8:5::1'], ttl=ZONE_TTL)
    expect_nx(C.port, '2001:db8:1::1')
    expect_listed(C.port, '2001:db8:1:2::abcd', ['127.0.0.8'],
                  ['inner six 2001:db8:1:2::abcd'])
    expect_nx(C.port, '3001::1')
    # uppercase nibbles are the same name
    name = v6name('2001:db8:5::1', ZONE).upper()
    r = udp(name, TXT, C.port)
    check([v for v, _ in rrs(r, TXT)] == ['six 2001:db8:5::1'],
          'uppercase nibbles: %s' % describe(r))


def test_ipv6_text_rendering():
    cases = [('2001:db8:0:0:1:0:0:1', 'six 2001:db8::1:0:0:1'),
             ('2001:db8:0:1:0:0:0:1', 'six 2001:db8:0:1::1'),
             ('2001:db8:1:0:0:0:0:0', None),      # excluded /48
             ('2001:db8:2:3:4:5:6:7', 'six 2001:db8:2:3:4:5:6:7'),
             ('2001:db8:ff00:42::8329', 'six 2001:db8:ff00:42::8329'),
             ('::1.2.3.4', 'compat ::102:304'),
             ('::abcd', 'compat ::abcd')]
    for ip, txt in cases:
        if txt is None:
            expect_nx(C.port, ip, transports=('udp',))
        else:
            expect(C.port, ip, TXT, values=[txt], transports=('udp',))


def test_allow_never_listed():
    for ip in ('192.0.2.1', '198.51.100.200', '198.51.100.128',
               '2001:db8:ffff::1', '::ffff:192.0.2.1', '::1'):
        expect_nx(C.port, ip)
    expect_listed(C.port, '192.0.2.2', ['127.0.0.2'], ['doc 192.0.2.2'])
    expect_listed(C.port, '198.51.100.127', ['127.0.0.2'],
                  ['One: 198.51.100.127'])


def test_allow_file_reloaded():
    """A changed [allow] file applies within one file check, no SIGHUP."""
    path = os.path.join(C.dir, 'allow.rbl')
    expect_listed(C.port, '192.0.2.2', ['127.0.0.2'], ['doc 192.0.2.2'])
    mark = C.d.mark()
    write(path, ALLOW_RBL + '192.0.2.2\n')
    check(C.d.wait_for(r'allow: .* changed', RELOAD_WAIT, mark),
          'no allow reload logged:\n' + C.d.tail())
    expect_nx(C.port, '192.0.2.2')
    expect_listed(C.port, '192.0.2.3', ['127.0.0.2'], ['doc 192.0.2.3'])
    mark = C.d.mark()
    write(path, ALLOW_RBL)
    check(C.d.wait_for(r'allow: .* changed', RELOAD_WAIT, mark),
          'no second allow reload logged:\n' + C.d.tail())
    expect_listed(C.port, '192.0.2.2', ['127.0.0.2'], ['doc 192.0.2.2'])


def test_several_sources_order_merge_ttl():
    # both sources: sources order, TTL the minimum (two's $TTL)
    expect_listed(C.port, '1.2.3.4', ['127.0.0.2', '127.0.0.3'],
                  ['One: 1.2.3.4', 'Two lists 1.2.3.4'], ttl=TWO_TTL)
    # identical A and TXT from both sources merge
    expect_listed(C.port, '1.2.3.5', ['127.0.0.5'], ['five 1.2.3.5'],
                  ttl=TWO_TTL)
    # only in two: its $TTL; only in one: the zone ttl
    expect_listed(C.port, '20.0.0.1', ['127.0.0.3'], ['Two lists 20.0.0.1'],
                  ttl=TWO_TTL)
    expect_listed(C.port, '5.6.7.8', ['127.0.0.8'], ['four 5.6.7.8'],
                  ttl=ZONE_TTL)
    # same source alone in another zone: that zone's ttl does not apply
    # to a file with $TTL
    expect_listed(C.port, '20.0.0.1', ['127.0.0.3'], ['Two lists 20.0.0.1'],
                  ttl=TWO_TTL, zone=TP, soa_ttl=None)
    # ANY: A and TXT of each source in turn
    r = tcp(v4name('1.2.3.4', ZONE), ANY, C.port)
    seq = []
    for rrset in r.answer:
        for rd in rrset:
            seq.append(dns.rdatatype.to_text(rrset.rdtype))
    check(r.rcode() == NOERROR and sorted(seq) == ['A', 'A', 'TXT', 'TXT'],
          'ANY 1.2.3.4: %s' % describe(r))


def test_rbldctl_add_del():
    ctl('add', '--source', 'one', '--reason', 'x', '203.0.113.0/24')
    expect_listed(C.port, '203.0.113.9', ['127.0.0.2'], ['One: 203.0.113.9'],
                  ttl=ZONE_TTL)
    r = ctl('lookup', '203.0.113.9')
    check('one' in r.stdout, 'lookup output: %s' % r.stdout)
    ctl('del', '--source', 'one', '203.0.113.0/24')
    expect_nx(C.port, '203.0.113.9')
    r = ctl('lookup', '203.0.113.9', ok=(1,))
    # wrong usage exits 2 (1 is "failed" or "not listed"); --help anywhere
    r = ctl('lookup', ok=(2,))
    check('usage: lookup IP' in r.stderr, 'lookup without IP: %s' % r.stderr)
    r = ctl('token', 'new', '--help')
    check('token new NAME' in r.stdout and 'Exit status' in r.stdout,
          'token new --help: %s' % r.stdout)
    r = ctl('add', '--source', 'one', '--ttl', '9000w', '203.0.113.0/24',
            ok=(1,))
    check('--ttl 9000w is too long' in r.stderr, 'add --ttl 9000w: %s' %
          r.stderr.strip())
    # one.rbl's own entry: changed in the file, not by hand
    r = ctl('del', '--source', 'one', '1.2.3.4', ok=(1,))
    check('data file or a feed' in r.stderr, 'del of a file entry: %s' %
          r.stderr.strip())
    r = ctl('add', '--source', 'one', '--ttl', '7d', '1.2.3.4', ok=(1,))
    check('data file or a feed' in r.stderr, 'add over a file entry: %s' %
          r.stderr.strip())
    expect(C.port, '1.2.3.4', A, values=['127.0.0.2', '127.0.0.3'],
           ttl=TWO_TTL)


def test_rbldctl_options_after_argument():
    # SPEC: add PREFIX [--source S] [--ttl DUR] [--reason TEXT], and so on
    bad = []
    for args in (('add', '203.0.115.0/24', '--source', 'two', '--reason',
                  'x'),
                 ('del', '203.0.115.0/24', '--source', 'two'),
                 ('list', '--source', 'two'),
                 ('export', ZONE, '--format', 'rbldnsd')):
        r = ctl(*args, ok=None)
        if r.returncode != 0:
            bad.append('rbldctl %s: exit %d: %s' % (
                ' '.join(args), r.returncode, r.stderr.strip()))
    ctl('del', '--source', 'two', '203.0.115.0/24', ok=None)
    check(not bad, 'options after the argument are refused:\n  ' +
          '\n  '.join(bad))


def test_rbldctl_ttl_expires():
    t0 = time.monotonic()
    ctl('add', '--source', 'one', '--ttl', '2s', '203.0.114.0/24')
    expect(C.port, '203.0.114.1', A, values=['127.0.0.2'],
           transports=('udp',))
    check(time.monotonic() - t0 < 1.9, 'rbldctl add took too long to check')
    time.sleep(max(0.0, t0 + 3.0 - time.monotonic()))
    expect_nx(C.port, '203.0.114.1')


def test_rbldctl_lookup_exit_codes():
    r = ctl('lookup', '1.2.3.4')
    check(r.returncode == 0 and ZONE in r.stdout,
          'lookup 1.2.3.4: %s' % r.stdout)
    check('TXT "One: 1.2.3.4"' in r.stdout,
          'lookup shows the TXT as DNS answers it: %s' % r.stdout)
    r = ctl('lookup', '8.8.8.8', ok=(1,))
    r = ctl('lookup', '2001:db8:5::1')
    # what DNS never lists, lookup does not call listed either
    for ip in ('192.0.2.1', '::ffff:192.0.2.1', '127.0.0.1'):
        r = ctl('lookup', ip, ok=(1,))
        check('never listed' in r.stdout, 'lookup %s: %s' % (ip, r.stdout))
    r = ctl('lookup', 'not-an-ip', ok=None)
    check(r.returncode != 0, 'lookup of garbage exited 0')


def test_rbldctl_tokens():
    r = ctl('token', 'new', 'f2b-test', '--role', 'reporter')
    tok = r.stdout.strip()
    check(re.fullmatch(r'rbld_[0-9a-f]{40}', tok) is not None,
          'token new printed %r' % r.stdout)
    ctl('token', 'new', 'f2b-test', '--role', 'reporter', ok=(1,))
    ctl('token', 'new', 'x', '--role', 'root', ok=(1,))
    r = ctl('token', 'list')
    check('f2b-test\treporter' in r.stdout and tok not in r.stdout,
          'token list: %r' % r.stdout)
    ctl('token', 'revoke', 'f2b-test')
    r = ctl('token', 'list')
    check('f2b-test' not in r.stdout, 'revoked token still listed')
    ctl('token', 'revoke', 'f2b-test', ok=(1,))


def test_rbldctl_list():
    ctl('add', '--source', 'two', '--reason', 'listed', '203.0.113.77')
    try:
        r = ctl('list')
        for want in ('1.2.3.4/32', '10.0.0.0/8', '2001:db8::/32',
                     '203.0.113.77/32'):
            check(want in r.stdout, 'list lacks %s:\n%s' % (want, r.stdout))
        r = ctl('list', '--source', 'two')
        check('203.0.113.77/32' in r.stdout and '10.0.0.0/8' not in r.stdout,
              'list --source two:\n%s' % r.stdout)
    finally:
        ctl('del', '--source', 'two', '203.0.113.77/32', ok=None)


def test_rbldctl_import():
    path = os.path.join(C.dir, 'import.rbl')
    write(path, ':127.0.0.7:imported $\n40.0.0.0/16\n40.1.2.3 :9:nine $\n')
    ctl('import', 'two', path)
    expect_listed(C.port, '40.0.1.1', ['127.0.0.7'], ['imported 40.0.1.1'],
                  ttl=TWO_TTL)
    expect_listed(C.port, '40.1.2.3', ['127.0.0.9'], ['nine 40.1.2.3'])


def test_rbldctl_stats():
    r = ctl('stats')
    check('one' in r.stdout and ZONE in r.stdout,
          'stats output:\n%s' % r.stdout)


class Rbldnsd:
    """The real rbldnsd serving one or more zone specs from C.dir."""

    def __init__(self, specs, ttl='5m'):
        if not os.access(RBLDNSD, os.X_OK):
            raise Failure('%s not found: install rbldnsd (CI does) or set '
                          'RBLDNSD_BIN' % RBLDNSD)
        self.d = None
        for _ in range(5):
            self.port = free_port()
            argv = [RBLDNSD, '-n', '-b', '%s/%d' % (HOST, self.port),
                    '-w', C.dir, '-t', ttl]
            if os.geteuid() == 0:
                argv[1:1] = ['-u', 'rbldns']
            self.d = Daemon(argv + specs, 'rbldnsd')
            if self.d.wait_for(r'started', 15) is not None:
                return
            self.d.stop()
        raise Failure('rbldnsd did not start:\n' + self.d.tail())

    def stop(self):
        if self.d is not None:
            self.d.stop()


def compare_servers(addrs, zone, p1, p2, n1='rbld', n2='rbldnsd'):
    bad = []
    for ip in addrs:
        for t in (A, TXT):
            name = qname(ip, zone)
            r1 = udp(name, t, p1)
            r2 = udp(name, t, p2)
            k1 = (dns.rcode.to_text(r1.rcode()), sorted(rrs(r1, t)))
            k2 = (dns.rcode.to_text(r2.rcode()), sorted(rrs(r2, t)))
            if k1 != k2:
                bad.append('%s %s:\n      %s: %s\n      %s: %s' % (
                    ip, dns.rdatatype.to_text(t), n1, k1, n2, k2))
    return bad


EXPORT_ADDRS = ['1.2.3.4', '1.2.3.5', '1.2.3.6', '1.2.3.7', '5.6.7.8',
                '10.0.0.1', '10.1.5.5', '10.1.2.3', '20.0.0.1', '40.0.1.1',
                '40.1.2.3', '192.0.2.2', '198.51.100.5', '4.4.4.4',
                '127.0.0.3', '2001:db8:5::1', '2001:db8:1::1',
                '2001:db8:1:2::abcd', '2001:db8::1:0:0:1', '::102:304',
                '3001::1']
EXPORT_SPECIAL = ['127.0.0.1', '192.0.2.1', '198.51.100.200',
                  '2001:db8:ffff::1', '::1']


def export_and_serve(zone=ZONE):
    """rbldnsd serving `rbldctl export -o FILE`, which writes FILE whole
    (a temporary file renamed) with what stdout would get."""
    path = os.path.join(C.dir, 'export-%s.rbl' % zone)
    r = ctl('export', '--format', 'rbldnsd', zone)
    check('$DATASET' in r.stdout, 'export has no $DATASET:\n' + r.stdout)
    write(path, 'stale\n')
    ctl('export', '--format', 'rbldnsd', zone, '-o', path)
    with open(path) as f:
        got = f.read()
    check(got == r.stdout, 'export -o wrote something else than stdout')
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o640 and
          not [n for n in os.listdir(C.dir)
               if n.startswith(os.path.basename(path) + '.')],
          'export -o: mode %o, or a temporary file left' %
          stat.S_IMODE(os.stat(path).st_mode))
    os.chmod(path, 0o644)               # rbldnsd reads it as its own user
    return Rbldnsd(['%s:combined:%s' % (zone, os.path.basename(path))])


def test_rbldctl_export_served_by_rbldnsd():
    srv = export_and_serve()
    try:
        bad = compare_servers(EXPORT_ADDRS, ZONE, C.port, srv.port)
        check(not bad, 'rbldnsd serving the export answers differently:\n  ' +
              '\n  '.join(bad))
    finally:
        srv.stop()


def test_rbldctl_export_keeps_allow_and_127_0_0_1():
    srv = export_and_serve()
    try:
        bad = compare_servers(EXPORT_SPECIAL, ZONE, C.port, srv.port)
        check(not bad, 'the export lists what rbld never lists ([allow], '
              '127.0.0.1):\n  ' + '\n  '.join(bad))
    finally:
        srv.stop()


def test_rbldctl_export_rfc5782_test_point():
    # tp's only source does not list 127.0.0.2, rbld lists it anyway
    srv = export_and_serve(TP)
    try:
        bad = compare_servers(['127.0.0.2', '20.0.0.1', '1.2.3.4'], TP,
                              C.port, srv.port)
        check(not bad, 'rbldnsd serving the export of %s answers '
              'differently:\n  %s' % (TP, '\n  '.join(bad)))
    finally:
        srv.stop()


def test_listing_rules_and_export():
    """
    The listing rules DNS follows, and the rbldnsd export with them: the
    6to4 form of an allowed IPv4 address or of 127.0.0.1 is never listed
    through IPv6 data, ::ffff:a.b.c.d asks the IPv4 data only, an entry
    added as ::ffff:a.b.c.d is kept as a.b.c.d, and 127.0.0.2 stays
    listed (with its sources' answer) under an [allow] that covers it.
    """
    path = os.path.join(C.dir, 'allow.rbl')
    ctl('add', '--source', 'one', '--txt', 'all six to four $', '--force',
        '2002::/16')
    ctl('add', '--source', 'one', '--a', '127.0.0.44', '::ffff:203.0.113.44')
    try:
        # 192.0.2.1 is in [allow]; 192.0.2.2 is not.
        expect_nx(C.port, '2002:c000:201::1')
        expect_nx(C.port, '2002:7f00:1::')
        expect_listed(C.port, '2002:c000:202::', ['127.0.0.2'],
                      ['all six to four 2002:c000:202::', 'doc 192.0.2.2'])
        expect(C.port, '203.0.113.44', A, values=['127.0.0.44'])
        expect(C.port, '::ffff:203.0.113.44', A, values=['127.0.0.44'])
        r = ctl('list', '--source', 'one')
        check('203.0.113.44/32\tone' in r.stdout, 'the mapped entry is '
              'not kept as IPv4:\n' + r.stdout)
        names = ['2002:c000:201::1', '2002:7f00:1::', '2002:c000:202::',
                 '2002:506:708::', '::ffff:203.0.113.44', '::ffff:1.2.3.4',
                 '127.0.0.2', '127.0.0.3', '203.0.113.44']
        srv = export_and_serve()
        try:
            bad = compare_servers(names, ZONE, C.port, srv.port)
        finally:
            srv.stop()
        check(not bad, 'rbldnsd serving the export answers differently:\n  '
              + '\n  '.join(bad))
        # [allow] over the test point: rbld still lists 127.0.0.2 with
        # the answer of the source that lists it, and so does the export.
        mark = C.d.mark()
        write(path, ALLOW_RBL + '127.0.0.0/24\n')
        check(C.d.wait_for(r'allow: .* changed', RELOAD_WAIT, mark),
              'no allow reload logged:\n' + C.d.tail())
        expect_listed(C.port, '127.0.0.2', ['127.0.0.4'],
                      ['loopback 127.0.0.2'])
        expect_nx(C.port, '127.0.0.3')
        expect_nx(C.port, '2002:7f00:3::')
        srv = export_and_serve()
        try:
            bad = compare_servers(names + ['2002:7f00:2::'], ZONE, C.port,
                                  srv.port)
        finally:
            srv.stop()
        check(not bad, 'with [allow] over 127.0.0.0/24, rbldnsd serving '
              'the export answers differently:\n  ' + '\n  '.join(bad))
    finally:
        mark = C.d.mark()
        write(path, ALLOW_RBL)
        C.d.wait_for(r'allow: .* changed', RELOAD_WAIT, mark)
        ctl('del', '--source', 'one', '2002::/16', ok=None)
        ctl('del', '--source', 'one', '203.0.113.44', ok=None)


def rewrite(path, text):
    """Rewrite a data file so that both its size and mtime change."""
    old = os.stat(path)
    write(path, text)
    st = os.stat(path)
    if st.st_mtime_ns == old.st_mtime_ns:
        os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns + 1000000000))


def wait_listed(ip, zone, want_a, deadline):
    while True:
        r = udp(qname(ip, zone), A, C.port)
        if r.rcode() == NOERROR and [v for v, _ in rrs(r, A)] == want_a:
            return r
        if time.monotonic() > deadline:
            raise Failure('%s not served as %s in time; last answer %s' % (
                ip, want_a, describe(r)))
        time.sleep(0.25)


def test_file_reload_keeps_rbldctl_entries():
    ctl('add', '--source', 'one', '--reason', 'by hand', '203.0.113.88/32')
    expect(C.port, '203.0.113.88', A, values=['127.0.0.2'])
    path = os.path.join(C.dir, 'one.rbl')
    mark = C.d.mark()
    t0 = time.monotonic()
    new = ONE_RBL.replace('5.6.7.8 :8:four $\n', '') + \
        '30.0.0.1 :3:reloaded $\n'
    rewrite(path, new)
    wait_listed('30.0.0.1', ZONE, ['127.0.0.3'], t0 + RELOAD_WAIT)
    took = time.monotonic() - t0
    check(C.d.wait_for(r'source one: loaded', 2, mark) is not None,
          'no "source one: loaded" line after the rewrite')
    expect(C.port, '30.0.0.1', TXT, values=['reloaded 30.0.0.1'])
    expect_nx(C.port, '5.6.7.8')
    # the rbldctl entry is not part of the file and stays
    expect(C.port, '203.0.113.88', A, values=['127.0.0.2'])
    expect(C.port, '203.0.113.88', TXT, values=['One: 203.0.113.88'])
    # so does the imported one (source two's file did not change)
    expect(C.port, '40.0.1.1', A, values=['127.0.0.7'])
    print('    (reload served after %.1f s)' % took)


def test_file_reload_gzip():
    path = os.path.join(C.dir, 'two.rbl')
    data = TWO_RBL + '31.0.0.0/24 :4:gz $\n'
    t0 = time.monotonic()
    old = os.stat(path)
    with gzip.open(path, 'wt') as f:
        f.write(data)
    os.chmod(path, 0o644)
    if os.stat(path).st_mtime_ns == old.st_mtime_ns:
        os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns + 10 ** 9))
    wait_listed('31.0.0.7', ZONE, ['127.0.0.4'], t0 + RELOAD_WAIT)
    expect(C.port, '31.0.0.7', TXT, values=['gz 31.0.0.7'], ttl=TWO_TTL)
    expect(C.port, '20.0.0.1', A, values=['127.0.0.3'])


def test_sighup_broken_config_refused():
    write(C.conf, conf_text(new_zone=True, broken=True))
    mark = C.d.mark()
    C.d.send(signal.SIGHUP)
    m = C.d.wait_for(r'keeping the old one|configuration reloaded', 10, mark)
    check(m is not None and 'keeping' in m.group(0),
          'SIGHUP with a broken config: %s\n%s' % (
              m and m.group(0), C.d.tail(10)))
    check(C.d.proc.poll() is None, 'rbld exited on a broken config')
    expect_listed(C.port, '1.2.3.4', ['127.0.0.2', '127.0.0.3'],
                  ['One: 1.2.3.4', 'Two lists 1.2.3.4'])
    r = udp(v4name('1.2.3.4', NEW), A, C.port)
    check(r.rcode() == REFUSED, 'the broken config\'s zone is served: %s' %
          describe(r))


def test_sighup_new_zone():
    write(C.conf, conf_text(new_zone=True))
    mark = C.d.mark()
    C.d.send(signal.SIGHUP)
    m = C.d.wait_for(r'keeping the old one|configuration reloaded', 10, mark)
    check(m is not None and 'reloaded' in m.group(0),
          'SIGHUP with a good config: %s\n%s' % (m and m.group(0),
                                                 C.d.tail(10)))
    expect_listed(C.port, '1.2.3.4', ['127.0.0.2'], ['One: 1.2.3.4'],
                  zone=NEW, soa_ttl=None)
    expect_nx(C.port, '1.2.3.7', zone=NEW, soa_ttl=None)
    expect_listed(C.port, '1.2.3.4', ['127.0.0.2', '127.0.0.3'],
                  ['One: 1.2.3.4', 'Two lists 1.2.3.4'])
    r = ctl('stats')
    check(NEW in r.stdout, 'stats does not show %s' % NEW)


def test_sigterm_exit_0():
    rc = C.d.stop(signal.SIGTERM, timeout=10)
    check(rc == 0, 'rbld exited %s on SIGTERM\n%s' % (rc, C.d.tail(10)))
    check(C.d.wait_for(r'stopped', 1) is not None, 'no "stopped" log line')


def test_sigterm_exit_0_fresh():
    # a second daemon on its own database, stopped without any SIGHUP
    conf = os.path.join(C.dir, 'fresh.conf')
    write(conf, '[rbld]\ndatabase = %s/fresh-db\ndns = %s:0\n\n'
          '[zone fresh.test]\nsources = one\n\n[source one]\n'
          'kind = local\nfile = %s/one.rbl\n' % (C.dir, HOST, C.dir))
    d = Daemon([RBLD, '-c', conf], 'rbld-fresh', cwd=C.dir)
    try:
        check(d.wait_for(r'source one: loaded', 15) is not None,
              'fresh rbld did not load:\n' + d.tail())
        m = d.wait_for(r'listening on 127\.0\.0\.1:(\d+)', 1)
        r = udp(v4name('1.2.3.4', 'fresh.test'), A, int(m.group(1)))
        check(rrs(r, A) == [('127.0.0.2', 2100)],
              'fresh rbld: %s' % describe(r))
    finally:
        rc = d.stop(signal.SIGTERM, timeout=10)
    check(rc == 0, 'rbld exited %s on SIGTERM\n%s' % (rc, d.tail(10)))


def test_root_without_user_warns():
    """Started as root with no `user`, rbld says so (the tests run as root
    in CI; as another user there is nothing to say)."""
    said = C.d.wait_for(r'warning\]: running as root: set user', 1)
    if (os.geteuid() == 0) != (said is not None):
        raise Failure('euid %d, warning %r' % (os.geteuid(), said))


def test_check_option():
    """rbld --check: exit 0 and "valid", or exit 1 with file:line."""
    d = os.path.join(C.dir, 'check')
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, 'rbld.conf')
    data = os.path.join(d, 'd.rbl')
    write(data, '192.0.2.1\n')
    base = ('[rbld]\ndatabase = db\ndns = 127.0.0.1:0\n\n'
            '[zone c.test]\nsources = d\nnotify = 127.0.0.1:53\n\n'
            '[source d]\nkind = local\nfile = d.rbl\n')
    write(conf, base)
    r = run([RBLD, '-c', conf, '--check'])
    check(r.returncode == 0 and 'valid' in r.stdout and r.stderr == '',
          'good config: exit %d\n%s%s' % (r.returncode, r.stdout, r.stderr))
    check(not os.path.exists(os.path.join(d, 'db')),
          '--check created the database')
    write(conf, base + 'colour = blue\n')
    r = run([RBLD, '-c', conf, '--check'])
    check(r.returncode == 1 and '%s:12:' % conf in r.stderr and
          'colour' in r.stderr,
          'unknown key: exit %d\n%s' % (r.returncode, r.stderr))
    write(conf, base)
    write(data, '192.0.2.1\n300.1.2.3\n')
    r = run([RBLD, '-c', conf, '--check'])
    check(r.returncode == 1 and '%s:2:' % data in r.stderr,
          'bad data line: exit %d\n%s' % (r.returncode, r.stderr))


def test_rbldctl_refuses_what_never_mails():
    """rbldctl add and report: addresses that never send mail, entries
    broader than min-prefix without --force, answers outside 127/8."""
    for argv, why in ((['add', '--source', 'one', '224.0.0.1'], 'never sends mail'),
                      (['add', '--source', 'one', '::1'], 'never sends mail'),
                      (['add', '--source', 'one', '0.0.0.0/0'], 'min-prefix /8'),
                      (['add', '--source', 'one', '--a', '8.8.8.8',
                        '192.0.2.61'], '127.0.0.0/8'),
                      (['report', '255.255.255.255', '--type', 'spam'],
                       'never sends mail')):
        r = ctl(*argv, ok=(1,))
        if why not in r.stderr:
            raise Failure('rbldctl %s: %r' % (' '.join(argv), r.stderr))
    ctl('add', '--source', 'one', '--force', '96.0.0.0/6')
    expect(C.port, '97.1.2.3', A, values=['127.0.0.2'])
    ctl('del', '--source', 'one', '96.0.0.0/6')


TESTS = [
    test_listed_ipv4,
    test_rbldctl_refuses_what_never_mails,
    test_root_without_user_warns,
    test_check_option,
    test_longest_prefix_and_exclusion,
    test_unlisted_nxdomain_soa,
    test_nodata_mx_on_listed,
    test_nodata_partial_names,
    test_bad_names_nxdomain,
    test_apex_soa_ns_any,
    test_refused_outside_zones,
    test_notimp_opcodes,
    test_formerr_qdcount_zero,
    test_malformed_packets,
    test_edns_opt_echoed,
    test_big_answer_truncation,
    test_question_case_preserved,
    test_rfc5782_test_points,
    test_ipv4_mapped_and_6to4,
    test_ipv6_nibbles,
    test_ipv6_text_rendering,
    test_allow_never_listed,
    test_allow_file_reloaded,
    test_rbldctl_tokens,
    test_tcp_idle_clients_cannot_lock_out,
    test_several_sources_order_merge_ttl,
    test_rbldctl_add_del,
    test_rbldctl_options_after_argument,
    test_rbldctl_ttl_expires,
    test_rbldctl_lookup_exit_codes,
    test_rbldctl_list,
    test_rbldctl_import,
    test_rbldctl_stats,
    test_rbldctl_export_served_by_rbldnsd,
    test_rbldctl_export_keeps_allow_and_127_0_0_1,
    test_rbldctl_export_rfc5782_test_point,
    test_listing_rules_and_export,
    test_sigterm_exit_0_fresh,
    test_file_reload_keeps_rbldctl_entries,
    test_file_reload_gzip,
    test_sighup_broken_config_refused,
    test_sighup_new_zone,
    test_sigterm_exit_0,
]


def run_tests(tests, setup, teardown, banner, daemon,
              keep=('sigterm_exit_0',)):
    """Run TESTS (named test_*) against the daemon that SETUP starts.

    Prints PASS/FAIL per test and a closing "N passed, M failed" line;
    command-line arguments pick tests by name (KEEP always run). Stops when
    the daemon dies. Returns the exit status.
    """
    only = sys.argv[1:]
    passed = failed = 0
    t0 = time.monotonic()
    try:
        try:
            setup()
        except Exception as e:
            print('FAIL setup: %s' % e)
            if daemon() is not None:
                print(daemon().tail())
            return 1
        print(banner())
        for t in tests:
            name = t.__name__[5:]
            if only and name not in only and t.__name__ not in only and \
                    name not in keep:
                continue
            t1 = time.monotonic()
            try:
                t()
                passed += 1
                print('PASS %s (%.1f s)' % (name, time.monotonic() - t1))
            except Failure as e:
                failed += 1
                print('FAIL %s: %s' % (name, e))
            except Exception as e:
                failed += 1
                print('FAIL %s: %s: %s' % (name, type(e).__name__, e))
                traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            d = daemon()    # None: the test stopped it on purpose
            if d is not None and d.proc.poll() is not None and \
                    name != 'sigterm_exit_0':
                print('rbld died (exit %s):\n%s' % (d.proc.returncode,
                                                    d.tail()))
                failed += 1
                break
        if failed and daemon() is not None:
            print('rbld log (tail):\n' + daemon().tail(60))
    finally:
        teardown()
    print('%d passed, %d failed (%.1f s)' % (passed, failed,
                                             time.monotonic() - t0))
    return 0 if failed == 0 else 1


def main():
    return run_tests(TESTS, setup, teardown,
                     lambda: 'rbld on %s:%d, folder %s' % (HOST, C.port, C.dir),
                     lambda: C.d)


if __name__ == '__main__':
    sys.exit(main())
