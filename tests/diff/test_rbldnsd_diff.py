#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
Differential test: rbld against the real rbldnsd on the same data files.

Generates (seeded, random) an ip4trie-style, an ip6trie-style and an
ip4set-style rbldnsd data file, serves them with rbldnsd (one zone with all
three datasets in order, and one zone per file) and with rbld (the same
zones, one [source] per file, in the same order), then asks both the same
few thousand A and TXT questions over UDP: for every entry its first and
last address, one inside and the two just outside. Compared per question:
the rcode, and the sorted (type, rdata, TTL) of the answer section.

The ip4set file holds only data where rbldnsd's ip4set answers like a
longest-prefix match (octet-aligned buckets without overlaps inside one
bucket): for overlapping entries in one bucket ip4set returns all of them
or lets an exclusion win, which is a known, documented difference
(notes: rbldnsd-behaviour.md section 4).

Environment: RBLD_BIN (default build/rbld), RBLDNSD_BIN (default
/usr/sbin/rbldnsd), RBLD_DIFF_SEED (default: random, printed),
RBLD_KEEP_TMP=1 keeps the data folder (it is kept on failure anyway).
Exit status 0 when every answer is the same.
"""

import ipaddress
import os
import random
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

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
        print('FAIL: dnspython is missing (apt-get install python3-dnspython)')
        sys.exit(1)
import dns.rcode
import dns.rdatatype
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from test_dns import Daemon  # noqa: E402  (the daemon runner both tests use)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
RBLDNSD = os.environ.get('RBLDNSD_BIN', '/usr/sbin/rbldnsd')
HOST = '127.0.0.1'
DEFTTL = '5m'           # rbldnsd -t, and the zones' ttl in rbld
SHOW = 30               # mismatches printed in full

A, TXT = dns.rdatatype.A, dns.rdatatype.TXT

# First octets of random IPv4 data: never 0 or 127 (RFC 5782 test points
# are special in rbld), never class D/E.
FIRST4 = [o for o in range(1, 224) if o not in (127,)]
# First words of random IPv6 data: never 2002::/16 (6to4) nor ::/8
# (mapped, compatible), which rbld maps onto IPv4 in every zone while
# rbldnsd does so only in zones with an IPv4 dataset.
FIRST6 = [0x2001, 0x2400, 0x2401, 0x2403, 0x2600, 0x2607, 0x2a00, 0x2a01,
          0x2c0f, 0x3ffe, 0x2001, 0x2001]

WORDS = ['listed', 'spam', 'see', 'http://rbl.example.test/lookup?ip=',
         'abuse', 'zombie', 'DROP', 'Mixed-Case', '100%', 'a;b', 'x#y',
         '"quoted"', 'back\\slash', 'tab\there', 'caf\u00e9', 'a  b',
         'semi;colon', 'ends-with-dollar$', 'x=y', 'brackets[]{}']


# ---------------------------------------------------------------- data

class Gen:
    """Builds one data file: its lines and the ranges it names."""

    def __init__(self, rnd, vars_ok, base=False):
        self.rnd = rnd
        self.lines = []
        self.ranges = []        # (lo, hi) of every entry line, as ints
        self.vars_ok = vars_ok  # the "$n" variables the file defines
        self.base = base

    def txt(self, long=False):
        r = self.rnd
        parts = []
        for _ in range(r.randrange(1, 6)):
            x = r.random()
            if x < 0.25:
                parts.append('$')
            elif x < 0.3:
                parts.append('$$')
            elif x < 0.38 and self.vars_ok:
                parts.append('$' + r.choice(self.vars_ok))
            elif x < 0.4:
                parts.append('$9')      # never defined: kept literally
            elif x < 0.42:
                parts.append('$=')
            else:
                parts.append(r.choice(WORDS))
        t = r.choice([' ', ' ', '', ', ']).join(parts)
        if long:
            # Long: cut to 255 bytes at load, answers cut at 254. Only one
            # "$" (the address): rbld stores templates of at most 255
            # bytes with literal dollars escaped as "$$", so a long text
            # full of literal "$" would be cut shorter than in rbldnsd.
            t = r.choice(['$ ', '', 'listed ']) + ''.join(
                r.choice('abcdefgh ') for _ in range(r.randrange(200, 300)))
        if r.random() < 0.04:
            t = '=' + t                 # skips the base template
        t = t.strip()
        # a plain value must not look like a comment or an A value
        while t and t[0] in ':#;!':
            t = t[1:]
        return t or 'plain'

    def a(self):
        r = self.rnd
        x = r.random()
        if x < 0.75:
            return '%d' % r.randrange(1, 256)
        if x < 0.9:
            return '127.0.%d.%d' % (r.randrange(256), r.randrange(1, 256))
        if x < 0.95:
            return '10.%d.%d.%d' % (r.randrange(256), r.randrange(256),
                                    r.randrange(1, 256))
        return '1.%d' % r.randrange(1, 256)     # inet_aton: 1.0.0.N

    def value(self):
        """An entry's value, '' for the default one."""
        r = self.rnd
        x = r.random()
        if x < 0.2:
            return ''
        if x < 0.3:
            return ':' + self.a()
        if x < 0.38:
            return ':' + self.a() + ':'
        if x < 0.75:
            return ':%s:%s%s' % (self.a(), r.choice(['', ' ', '  ']),
                                 self.txt())
        if x < 0.87:
            return self.txt()
        if x < 0.9:
            return '# comment right after the address'
        if x < 0.93:
            return '; another comment'
        return ':%s:%s' % (self.a(), self.txt(long=True))

    def default_line(self):
        r = self.rnd
        x = r.random()
        if x < 0.6:
            return ':%s:%s' % (self.a(), self.txt())
        if x < 0.8:
            return ':' + self.a()
        if x < 0.9:
            return ':' + self.a() + ':'
        return ':0:invalid default, ignored'

    def entry(self, text, lo, hi, excl=False, attach=False):
        if self.rnd.random() < 0.05:
            self.lines.append(self.default_line())
        if self.rnd.random() < 0.03:
            self.lines.append(self.rnd.choice(
                ['# a comment line', '; another comment', '',
                 '   # indented comment']))
        if excl:
            line = '!' + text
        else:
            v = self.value()
            if attach and v.startswith(':'):
                line = text + v     # "1.2.3.4:5:text"
            else:
                line = text + (self.rnd.choice([' ', '\t', '   ']) + v
                               if v else '')
        self.lines.append(line)
        self.ranges.append((lo, hi))


def mask4(plen):
    return (0xffffffff << (32 - plen)) & 0xffffffff if plen else 0


def mask6(plen):
    return ((1 << 128) - 1) ^ ((1 << (128 - plen)) - 1) if plen else 0


def ip4(n):
    return '%d.%d.%d.%d' % (n >> 24, n >> 16 & 255, n >> 8 & 255, n & 255)


def fmt4(rnd, net, plen):
    o = [net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255]
    x = rnd.random()
    if plen == 32:
        return ip4(net) if x < 0.7 else ip4(net) + '/32'
    if plen == 24 and x < 0.3:
        return '%d.%d.%d' % tuple(o[:3])
    if plen == 16 and x < 0.3:
        return '%d.%d' % tuple(o[:2])
    if plen == 8 and x < 0.5:
        return '%d/8' % o[0]
    return '%s/%d' % (ip4(net), plen)


def gen_ip4trie(rnd):
    g = Gen(rnd, ['1', '2'])
    g.lines += ['# ip4trie-style data, generated',
                '$SOA 0 ns1.all.test. hostmaster.all.test. 0 1h 10m 1w 2m',
                '$NS 1h ns1.all.test ns2.all.test',
                '$1 var-one [$1]',
                '$TTL 1h',
                ':127.0.0.2:default listed $ (v1 $1)']
    seen = set()

    def add(net, plen, excl):
        if (net, plen) in seen:
            return False
        seen.add((net, plen))
        g.entry(fmt4(rnd, net, plen), net, net | (~mask4(plen) & 0xffffffff),
                excl, attach=rnd.random() < 0.08)
        return True

    for i in range(75):
        plen = rnd.choice([8, 10, 12, 14, 16, 16, 18, 20, 22, 24, 24, 24,
                           26, 28, 30, 32])
        net = ((rnd.choice(FIRST4) << 24) | rnd.getrandbits(24)) & mask4(plen)
        add(net, plen, False)
        for _ in range(rnd.randrange(0, 5)):
            if plen >= 32:
                break
            cl = rnd.randrange(plen + 1, 33)
            cnet = (net | (rnd.getrandbits(32) & ~mask4(plen))) & mask4(cl)
            excl = rnd.random() < 0.4
            add(cnet, cl, excl)
            if cl < 32 and rnd.random() < 0.6:
                gl = rnd.randrange(cl + 1, 33)
                gnet = (cnet | (rnd.getrandbits(32) & ~mask4(cl))) & \
                    mask4(gl)
                add(gnet, gl, not excl and rnd.random() < 0.5)
        if i == 40:
            g.lines.append('$TTL 45m')      # the last $TTL counts for all
            g.lines.append('$1 second assignment is ignored')
    # the first of two lines for one prefix wins, in both
    for net, plen in rnd.sample(sorted(seen), 6):
        if (net, plen) in seen:
            g.entry(fmt4(rnd, net, plen), net, net | (~mask4(plen) &
                                                      0xffffffff),
                    rnd.random() < 0.5)
    # lines both refuse (the addresses must stay unlisted by them)
    for _ in range(3):
        net = (rnd.choice(FIRST4) << 24) | rnd.getrandbits(24) | 1
        g.lines.append('%s/24 :5:host bits set' % ip4(net))
        g.ranges.append((net, net))
    g.lines.append('1.2.3.4/33 :5:bad length')
    g.lines.append('$2 defined after its use')
    return g


def fmt6(rnd, net, plen):
    a = ipaddress.IPv6Address(net)
    words = ['%x' % (net >> (112 - 16 * i) & 0xffff) for i in range(8)]
    x = rnd.random()
    if plen == 128:
        t = a.compressed if x < 0.5 else a.exploded
        if rnd.random() < 0.3:
            t += '/128'
    elif plen % 16 == 0 and plen >= 32 and x < 0.3 and \
            net & ((1 << (128 - plen)) - 1) == 0:
        # rbldnsd's short form: "2001:db8:3/48"
        t = ':'.join(words[:plen // 16]) + '/%d' % plen
    elif x < 0.5:
        t = '%s/%d' % (a.exploded, plen)
    else:
        t = '%s/%d' % (a.compressed, plen)
    if rnd.random() < 0.15:
        t = t.upper()
    return t


def gen_ip6trie(rnd):
    g = Gen(rnd, ['0'])
    g.lines += ['# ip6trie-style data, generated',
                '$SOA 0 ns1.all.test. hostmaster.all.test. 0 1h 10m 1w 2m',
                '$0 zero-var',
                '; no $TTL here: the -t / zone ttl applies']
    seen = set()

    def add(net, plen, excl):
        if (net, plen) in seen:
            return
        seen.add((net, plen))
        g.entry(fmt6(rnd, net, plen), net, net | (~mask6(plen) &
                                                  ((1 << 128) - 1)), excl)

    for _ in range(55):
        plen = rnd.choice([16, 20, 24, 28, 32, 32, 40, 48, 48, 56, 64, 64,
                           80, 96, 112, 127, 128])
        net = ((rnd.choice(FIRST6) << 112) | rnd.getrandbits(112)) & \
            mask6(plen)
        add(net, plen, False)
        for _ in range(rnd.randrange(0, 5)):
            if plen >= 128:
                break
            cl = min(128, rnd.choice([plen + 1, plen + 8, plen + 16,
                                      rnd.randrange(plen + 1, 129)]))
            cnet = (net | (rnd.getrandbits(128) & ~mask6(plen))) & mask6(cl)
            excl = rnd.random() < 0.4
            add(cnet, cl, excl)
            if cl < 128 and rnd.random() < 0.6:
                gl = rnd.randrange(cl + 1, 129)
                gnet = (cnet | (rnd.getrandbits(128) & ~mask6(cl))) & \
                    mask6(gl)
                add(gnet, gl, not excl and rnd.random() < 0.5)
    # the documented short forms, fixed
    for text, net, plen in (('2001:db8:3/48', 0x20010db8000300 << 72, 48),
                            ('2001:DB8:6::/48', 0x20010db8000600 << 72, 48)):
        if (net, plen) not in seen:
            seen.add((net, plen))
            g.entry(text, net, net | ((1 << 80) - 1))
    for net, plen in rnd.sample(sorted(seen), 4):
        g.entry(fmt6(rnd, net, plen), net, net | (~mask6(plen) &
                                                  ((1 << 128) - 1)),
                rnd.random() < 0.5)
    g.lines.append('2001:db8:4::1/48 :5:host bits set')
    g.ranges.append((0x20010db8000400000000000000000001,) * 2)
    return g


def set_pieces(lo, hi):
    """ip4set's octet buckets for LO..HI: (bucket, key) pairs."""
    out = []
    while lo <= hi:
        if lo & 0xffff == 0 and lo + 0xffff <= hi:
            out.append((16, lo >> 16))
            lo += 0x10000
        elif lo & 0xff == 0 and lo + 0xff <= hi:
            out.append((24, lo >> 8))
            lo += 0x100
        else:
            out.append((32, lo))
            lo += 1
    return out


def gen_ip4set(rnd):
    g = Gen(rnd, ['1'], base=True)
    g.lines += ['# ip4set-style data, generated (no overlaps in a bucket)',
                '$SOA 0 ns1.all.test. hostmaster.all.test. 0 1h 10m 1w 2m',
                '$TTL 10m',
                '$1 set-var',
                '$= [$] base:$= v=$1 $$5',
                ':127.0.0.4:set default $']
    occ = set()

    def add(text, lo, hi, excl):
        ps = set_pieces(lo, hi)
        if any(p in occ for p in ps):
            return False
        occ.update(ps)
        g.entry(text, lo, hi, excl, attach=rnd.random() < 0.05)
        return True

    for _ in range(45):
        a = rnd.choice(FIRST4)
        b = rnd.randrange(256)
        reg = a << 24 | b << 16
        x = rnd.random()
        if x < 0.35:
            add(rnd.choice(['%d.%d' % (a, b), '%d.%d.0.0/16' % (a, b),
                            '%d.%d.0.0-%d.%d.255.255' % (a, b, a, b)]),
                reg, reg | 0xffff, rnd.random() < 0.15)
        elif x < 0.45 and b < 250:
            e = b + rnd.randrange(1, 4)
            add('%d.%d-%d' % (a, b, e), reg, (a << 24 | e << 16) | 0xffff,
                False)
        for _ in range(rnd.randrange(1, 5)):
            c = rnd.randrange(256)
            net = reg | c << 8
            y = rnd.random()
            excl = rnd.random() < 0.3
            if y < 0.5:
                add(rnd.choice(['%d.%d.%d' % (a, b, c), ip4(net) + '/24']),
                    net, net | 0xff, excl)
            elif y < 0.7 and c < 250:
                d = c + rnd.randrange(1, 4)
                add(rnd.choice(['%d.%d.%d-%d' % (a, b, c, d),
                                '%s-%s' % (ip4(net), ip4(reg | d << 8 | 255))]),
                    net, reg | d << 8 | 0xff, excl)
            elif c % 2 == 0:
                add(ip4(net) + '/23', net, net | 0x1ff, excl)
            for _ in range(rnd.randrange(0, 5)):
                h = rnd.randrange(256)
                z = rnd.random()
                ex2 = rnd.random() < 0.35
                if z < 0.45:
                    add(rnd.choice([ip4(net | h), ip4(net | h) + '/32']),
                        net | h, net | h, ex2)
                elif z < 0.7 and h < 250:
                    e = h + rnd.randrange(1, 6)
                    add(rnd.choice(['%s-%s' % (ip4(net | h), ip4(net | e)),
                                    '%s-%d' % (ip4(net | h), e)]),
                        net | h, net | e, ex2)
                else:
                    pl = rnd.randrange(25, 32)
                    n2 = (net | h) & mask4(pl)
                    add('%s/%d' % (ip4(n2), pl), n2,
                        n2 | (~mask4(pl) & 0xffffffff), ex2)
    # a range that crosses a /24 boundary: /32 pieces on both sides
    for _ in range(4):
        a = rnd.choice(FIRST4)
        lo = a << 24 | rnd.getrandbits(16) << 8 | rnd.randrange(240, 256)
        hi = lo + rnd.randrange(8, 20)
        add('%s-%s' % (ip4(lo), ip4(hi)), lo, hi, False)
    return g


# ---------------------------------------------------------------- queries

def v4name(n, zone):
    return '%d.%d.%d.%d.%s' % (n & 255, n >> 8 & 255, n >> 16 & 255,
                               n >> 24, zone)


def v6name(n, zone):
    h = '%032x' % n
    return '.'.join(reversed(h)) + '.' + zone


def points(rnd, lo, hi, top):
    ps = {lo, hi, rnd.randrange(lo, hi + 1)}
    if lo > 0:
        ps.add(lo - 1)
    if hi < top:
        ps.add(hi + 1)
    return ps


def v6_inside(rnd, lo, hi):
    """An address in LO..HI with runs of zero words, to vary "::"."""
    span = hi - lo
    x = rnd.getrandbits(128) & span
    for i in range(8):
        if rnd.random() < 0.5:
            x &= ~(0xffff << (16 * i))
    return lo | x


def question_end(w):
    """Offset just past the (only) question of query W."""
    o = 12
    while w[o] != 0:
        o += 1 + w[o]
    return o + 5


class Querier:
    """Pipelined UDP: many questions in flight, matched by id and question."""

    def __init__(self, port, window=64, timeout=1.0, tries=4):
        self.port = port
        self.window = window
        self.timeout = timeout
        self.tries = tries

    def run(self, wires):
        n = len(wires)
        out = [None] * n
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.setblocking(False)
        pending = {}                # id -> [index, deadline, tries, wire]
        nexti = 0
        nextid = random.randrange(65536)
        deadline_all = time.monotonic() + 90
        try:
            while nexti < n or pending:
                if time.monotonic() > deadline_all:
                    raise RuntimeError('queries to port %d took over 90 s' %
                                       self.port)
                while nexti < n and len(pending) < self.window:
                    while nextid in pending:
                        nextid = (nextid + 1) & 0xffff
                    w = struct.pack('!H', nextid) + wires[nexti][2:]
                    s.sendto(w, (HOST, self.port))
                    pending[nextid] = [nexti, time.monotonic() +
                                       self.timeout, 1, w]
                    nexti += 1
                    nextid = (nextid + 1) & 0xffff
                r, _, _ = select.select([s], [], [], 0.05)
                if r:
                    for _ in range(256):
                        try:
                            rep = s.recv(65535)
                        except BlockingIOError:
                            break
                        if len(rep) < 12:
                            continue
                        rid = struct.unpack('!H', rep[:2])[0]
                        p = pending.get(rid)
                        if p is None:
                            continue
                        q = p[3]
                        # the question is echoed as sent
                        qe = question_end(q)
                        if rep[12:qe] != q[12:qe]:
                            continue
                        out[p[0]] = rep
                        del pending[rid]
                now = time.monotonic()
                for rid, p in list(pending.items()):
                    if p[1] > now:
                        continue
                    if p[2] >= self.tries:
                        del pending[rid]        # stays None: no answer
                        continue
                    s.sendto(p[3], (HOST, self.port))
                    p[1] = now + self.timeout
                    p[2] += 1
        finally:
            s.close()
        return out


def summary(wire, rdtype):
    if wire is None:
        return ('NO ANSWER', ())
    try:
        m = dns.message.from_wire(wire)
    except Exception as e:
        return ('UNPARSABLE %s' % type(e).__name__, ())
    recs = []
    for rs in m.answer:
        for rd in rs:
            recs.append((dns.rdatatype.to_text(rs.rdtype), rd.to_text(),
                         rs.ttl))
    tc = ' TC' if m.flags & 0x0200 else ''
    return (dns.rcode.to_text(m.rcode()) + tc, tuple(sorted(recs)))


def fmt_summary(s):
    if not s[1]:
        return s[0]
    return s[0] + ' ' + '; '.join('%s %s ttl %d' % r for r in s[1])


# ---------------------------------------------------------------- daemons

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


FILES = [('f4', 'ip4trie', 'ip4trie.rbl', 't4.test'),
         ('f6', 'ip6trie', 'ip6trie.rbl', 't6.test'),
         ('fs', 'ip4set', 'ip4set.rbl', 's4.test')]
ALL = 'all.test'


def start_rbldnsd(d):
    specs = ['%s:%s:%s' % (ALL, ty, fn) for _, ty, fn, _ in FILES]
    specs += ['%s:%s:%s' % (z, ty, fn) for _, ty, fn, z in FILES]
    last = None
    for _ in range(5):
        port = free_port()
        argv = [RBLDNSD, '-n', '-b', '%s/%d' % (HOST, port), '-w', d,
                '-t', DEFTTL]
        if os.geteuid() == 0:
            argv[1:1] = ['-u', 'rbldns']     # rbldnsd refuses to run as root
        p = Daemon(argv + specs, 'rbldnsd')
        if p.wait_for(r'\bstarted\b', 20) is not None:
            return p, port
        p.stop()
        last = p
    raise RuntimeError('rbldnsd did not start:\n' + last.tail())


def start_rbld(d, zone_lines=()):
    """rbld serving the data of D; ZONE_LINES go into every [zone] (or,
    a function, ZONE_LINES(zone) into each)."""
    lines = zone_lines if callable(zone_lines) else lambda z: zone_lines
    conf = ['[rbld]', 'database = %s/db' % d, 'dns = %s:0' % HOST,
            'workers = 2', '',
            '[zone %s]' % ALL, 'sources = f4 f6 fs', 'ttl = %s' % DEFTTL]
    conf += list(lines(ALL)) + ['']
    for src, _, fn, zone in FILES:
        conf += ['[zone %s]' % zone, 'sources = %s' % src,
                 'ttl = %s' % DEFTTL] + list(lines(zone)) + ['']
    for src, _, fn, _ in FILES:
        conf += ['[source %s]' % src, 'kind = local',
                 'file = %s/%s' % (d, fn), '']
    path = os.path.join(d, 'rbld.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(conf))
    os.chmod(path, 0o600)       # it may hold a transfer-key
    p = Daemon([RBLD, '-c', path], 'rbld', cwd=d)
    m = p.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+) ', 20)
    if m is None:
        raise RuntimeError('rbld did not start:\n' + p.tail())
    for src, _, _, _ in FILES:
        if p.wait_for(r'source %s: loaded' % src, 30) is None:
            p.stop()
            raise RuntimeError('rbld did not load %s:\n%s' % (src, p.tail()))
    return p, int(m.group(1))


NSD = os.environ.get('NSD_BIN', '/usr/sbin/nsd')
RBLDCTL = os.environ.get('RBLDCTL_BIN', os.path.join(TOP, 'build', 'rbldctl'))


def start_nsd(d, zones, zone_lines=None, name='nsd', keys=()):
    """nsd serving each zone: from rbld's export --format bind, or as
    ZONE_LINES(zone) says (a secondary's request-xfr)."""
    nd = os.path.join(d, name)
    os.mkdir(nd)
    for z in zones if zone_lines is None else ():
        r = subprocess.run([RBLDCTL, '-c', os.path.join(d, 'rbld.conf'),
                            'export', z, '--format', 'bind'],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError('export %s --format bind: %s' % (z, r.stderr))
        with open(os.path.join(nd, z + '.zone'), 'w') as f:
            f.write(r.stdout)
    last = None
    for _ in range(3):
        port = free_port()
        conf = ['server:', '    port: %d' % port, '    ip-address: %s' % HOST,
                '    do-ip6: no', '    username: ""', '    chroot: ""',
                '    zonesdir: "%s"' % nd, '    pidfile: "%s/nsd.pid"' % nd,
                '    xfrdfile: "%s/xfrd.state"' % nd, '    xfrdir: "%s"' % nd,
                '    zonelistfile: "%s/zone.list"' % nd, '    database: ""',
                '    server-count: 1', '    verbosity: 1',
                # nsd's response rate limiting (200 answers a second per
                # bucket) would drop some of the burst's NXDOMAINs
                '    rrl-ratelimit: 0',
                'remote-control:', '    control-enable: no']
        for kname, kalg, ksecret in keys:
            conf += ['key:', '    name: %s' % kname,
                     '    algorithm: %s' % kalg, '    secret: "%s"' % ksecret]
        for z in zones:
            conf += ['zone:', '    name: %s' % z]
            conf += (['    zonefile: "%s.zone"' % z] if zone_lines is None
                     else zone_lines(z))
        with open(os.path.join(nd, 'nsd.conf'), 'w') as f:
            f.write('\n'.join(conf) + '\n')
        p = Daemon([NSD, '-d', '-c', os.path.join(nd, 'nsd.conf')], 'nsd',
                   cwd=nd)
        if zone_lines is not None:
            # a secondary has nothing to answer before its first transfer
            if p.wait_for(r'nsd started', 20) is not None:
                return p, port
            last = p
            p.stop()
            continue
        q = dns.message.make_query(zones[0], dns.rdatatype.SOA).to_wire()
        got = Querier(port, timeout=0.3, tries=30).run([q])[0]
        if got is not None:
            return p, port
        last = p
        p.stop()
    raise RuntimeError('nsd did not start:\n' + last.tail())


def static_summary(wire):
    """What a static zone can match: the rcode, the A records with their
    TTL, and how many TXT records (a wildcard's TXT names its range, not
    the address asked)."""
    if wire is None:
        return ('NO ANSWER', (), 0)
    m = dns.message.from_wire(wire)
    a, ntxt = [], 0
    for rs in m.answer:
        for rd in rs:
            if rs.rdtype == A:
                a.append((rd.to_text(), rs.ttl))
            elif rs.rdtype == TXT:
                ntxt += 1
    return (dns.rcode.to_text(m.rcode()), tuple(sorted(a)), ntxt)


def shared_first_labels(gens):
    """The digits 0-9 that are the first label of both IPv4 names (first
    octet) and IPv6 names (first nibble) of the data: under those, the two
    families' names share one tree in a static zone, and a wildcard of one
    answers names of the other (a limit of static zones, README)."""
    v4, v6 = set(), set()
    for key, g in gens.items():
        for lo, hi in g.ranges:
            if key == 'f6':
                v6.update(range(lo >> 124, (hi >> 124) + 1))
            else:
                v4.update(range(lo >> 24, (hi >> 24) + 1))
    return {str(x) for x in v4 & v6 if x < 10}


def static_questions(qs, gens):
    """The questions a static zone answers as rbld does: real address
    names (mapped and 6to4 names are rbld's own lookups), but for those
    under a first label both families use."""
    shared = shared_first_labels(gens)

    def first_label(name, zone):
        return name[:-len(zone) - 1].rsplit('.', 1)[-1]

    return [i for i, (zone, name, t) in enumerate(qs)
            if not name.startswith(('f.f.f.f.0.0.0.0', '2.0.0.2.'))
            and '.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.' not in name
            and not is_6to4(name)
            and not (zone == ALL and first_label(name, zone) in shared)]


def compare_static(qs, keep, port, rbld_port, label):
    """Ask the server on PORT and rbld the questions KEEP of QS: the
    number of static_summary mismatches, the first SHOW of them printed."""
    wires = [dns.message.make_query(qs[i][1], qs[i][2], use_edns=0,
                                    payload=4096).to_wire() for i in keep]
    got = Querier(port).run(wires)
    mine = Querier(rbld_port).run(wires)
    bad = 0
    for j, i in enumerate(keep):
        a, b = static_summary(mine[j]), static_summary(got[j])
        if a != b:
            bad += 1
            if bad <= SHOW:
                print('%s MISMATCH %s %s\n    rbld: %s\n    %s: %s' %
                      (label, qs[i][1], dns.rdatatype.to_text(qs[i][2]), a,
                       label, b))
    return bad


def compare_bind_export(d, qs, gens):
    """The zones exported --format bind, served by nsd, answer as rbld
    does: for every question asked of a real address name."""
    zones = [ALL] + [z for _, _, _, z in FILES]
    keep = static_questions(qs, gens)
    p, port = start_nsd(d, zones)
    try:
        bad = compare_static(qs, keep, port, PORTS['rbld'], 'EXPORT')
    finally:
        p.stop()
    print('bind export served by nsd: %d questions, %d mismatches' % (
        len(keep), bad))
    return bad


def is_6to4(name):
    labels = name.split('.')
    return len(labels) > 32 and labels[31] == '2' and labels[30] == '0' and \
        labels[29] == '0' and labels[28] == '2'


PORTS = {}


def prepare(rnd):
    """Random data files in a new folder, and the questions to ask about
    them: (folder, generators, [(zone, name, type)])."""
    gens = {'f4': gen_ip4trie(rnd), 'f6': gen_ip6trie(rnd),
            'fs': gen_ip4set(rnd)}
    d = tempfile.mkdtemp(prefix='rbld-diff-')
    os.chmod(d, 0o755)                  # rbldnsd reads it as user rbldns
    for src, _, fn, _ in FILES:
        with open(os.path.join(d, fn), 'w', encoding='utf-8') as f:
            f.write('\n'.join(gens[src].lines) + '\n')
        os.chmod(os.path.join(d, fn), 0o644)

    # the questions: (zone, name, type)
    qs = []
    seen = set()

    def ask(zone, name):
        for t in (A, TXT):
            if (name, t) not in seen:
                seen.add((name, t))
                qs.append((zone, name, t))

    for src, ty, _, zone in FILES:
        g = gens[src]
        for lo, hi in g.ranges:
            if ty == 'ip6trie':
                ps = points(rnd, lo, hi, (1 << 128) - 1)
                ps.add(v6_inside(rnd, lo, hi))
                for p in sorted(ps):
                    for z in (ALL, zone):
                        ask(z, v6name(p, z))
            else:
                for p in sorted(points(rnd, lo, hi, 0xffffffff)):
                    for z in (ALL, zone):
                        ask(z, v4name(p, z))
                    if rnd.random() < 0.15:
                        # ::ffff:a.b.c.d and 6to4 look up IPv4 data
                        ask(ALL, v6name(0xffff00000000 | p, ALL))
                        ask(zone, v6name(0xffff00000000 | p, zone))
                        ask(ALL, v6name(0x2002 << 112 | p << 80 |
                                        rnd.getrandbits(16), ALL))
    return d, gens, qs


# ---------------------------------------------------------------- main

def main():
    seed = os.environ.get('RBLD_DIFF_SEED')
    seed = int(seed) if seed else random.randrange(1 << 31)
    print('seed %d (rerun with RBLD_DIFF_SEED=%d)' % (seed, seed))
    sys.stdout.flush()
    rnd = random.Random(seed)
    if not os.access(RBLDNSD, os.X_OK):
        print('FAIL: %s not found; the differential test needs the real '
              'rbldnsd (apt-get install rbldnsd, or set RBLDNSD_BIN)' %
              RBLDNSD)
        return 1
    if not os.access(RBLD, os.X_OK):
        print('FAIL: %s is not an executable: build first (ninja -C build) '
              'or set RBLD_BIN' % RBLD)
        return 1

    d, gens, qs = prepare(rnd)
    wires = [dns.message.make_query(name, t).to_wire() for _, name, t in qs]
    print('data: %s; %d questions to each server' % (
        ', '.join('%s %d lines' % (fn, len(gens[s].lines))
                  for s, _, fn, _ in FILES), len(qs)))
    sys.stdout.flush()

    srv = [None, None]
    ok = False
    try:
        srv[0], p_rbld = start_rbld(d)
        PORTS['rbld'] = p_rbld
        srv[1], p_rbldnsd = start_rbldnsd(d)
        res = {}
        errs = []

        def go(key, port):
            try:
                res[key] = Querier(port).run(wires)
            except Exception as e:
                errs.append('%s: %s' % (key, e))

        t0 = time.monotonic()
        th = [threading.Thread(target=go, args=('rbld', p_rbld)),
              threading.Thread(target=go, args=('rbldnsd', p_rbldnsd))]
        for t in th:
            t.start()
        for t in th:
            t.join(120)
        if errs or len(res) != 2:
            print('FAIL: %s' % ('; '.join(errs) or 'queries did not finish'))
            return 1
        # An answer over 512 bytes: rbld sets TC (SPEC: TC, full answer
        # over TCP) while rbldnsd, which has no TCP, sends what fits
        # without TC. Both give the whole answer for EDNS 4096: compare
        # that instead.
        big = [i for i in range(len(qs)) if res['rbld'][i] is not None and
               res['rbld'][i][2] & 0x02]
        if big:
            ewires = [dns.message.make_query(qs[i][1], qs[i][2], use_edns=0,
                                             payload=4096).to_wire()
                      for i in big]
            eres = {}
            errs = []

            def ego(key, port):
                try:
                    eres[key] = Querier(port).run(ewires)
                except Exception as e:
                    errs.append('%s: %s' % (key, e))

            th = [threading.Thread(target=ego, args=('rbld', p_rbld)),
                  threading.Thread(target=ego, args=('rbldnsd', p_rbldnsd))]
            for t in th:
                t.start()
            for t in th:
                t.join(120)
            if errs or len(eres) != 2:
                print('FAIL: %s' % ('; '.join(errs) or
                                    'EDNS queries did not finish'))
                return 1
            for j, i in enumerate(big):
                res['rbld'][i] = eres['rbld'][j]
                res['rbldnsd'][i] = eres['rbldnsd'][j]
            print('%d answers over 512 bytes: truncated by rbld, compared '
                  'again with EDNS 4096' % len(big))
        took = time.monotonic() - t0

        bad = []
        stats = {}
        listed = 0
        for i, (zone, name, t) in enumerate(qs):
            a = summary(res['rbld'][i], t)
            b = summary(res['rbldnsd'][i], t)
            key = '%s %s' % (zone, dns.rdatatype.to_text(t))
            st = stats.setdefault(key, [0, 0])
            st[0] += 1
            if b[0] == 'NOERROR' and b[1]:
                listed += 1
            if a != b:
                st[1] += 1
                bad.append((name, t, a, b))
        for name, t, a, b in bad[:SHOW]:
            print('MISMATCH %s %s\n    rbld:    %s\n    rbldnsd: %s' % (
                name, dns.rdatatype.to_text(t), fmt_summary(a),
                fmt_summary(b)))
        if len(bad) > SHOW:
            print('... and %d more mismatches' % (len(bad) - SHOW))
        for key in sorted(stats):
            print('  %-14s %6d questions, %5d mismatches' % (
                key, stats[key][0], stats[key][1]))
        print('%d questions, %d with records in rbldnsd\'s answer, '
              '%d mismatches (%.1f s of queries)' % (len(qs), listed,
                                                     len(bad), took))
        if listed < len(qs) // 5:
            print('FAIL: too few listed answers: the data or a server is '
                  'broken')
            return 1
        none = sum(1 for w in res['rbldnsd'] if w is None) + \
            sum(1 for w in res['rbld'] if w is None)
        if none:
            print('FAIL: %d questions got no answer' % none)
            return 1
        ok = not bad
        if not ok:
            print('FAIL: rbld and rbldnsd answer differently (seed %d)' %
                  seed)
            return 1
        ok = compare_bind_export(d, qs, gens) == 0
        print('PASS' if ok else 'FAIL: the bind export answers differently'
              ' (seed %d)' % seed)
        return 0 if ok else 1
    except Exception as e:
        print('FAIL: %s: %s' % (type(e).__name__, e))
        return 1
    finally:
        for p in srv:
            if p is not None:
                p.stop()
        if ok and not os.environ.get('RBLD_KEEP_TMP'):
            shutil.rmtree(d, ignore_errors=True)
        else:
            print('data kept in %s' % d)


if __name__ == '__main__':
    sys.exit(main())
