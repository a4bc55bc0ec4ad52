#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
Zone transfers to real secondaries: Knot and NSD, started here on loopback
ports, take rbld's zones by zone transfer (Knot asks AXFR, NSD asks IXFR
first and gets the whole zone), and then answer as rbld does.

The data and the questions are the differential test's (random, seeded:
RBLD_DIFF_SEED); what is compared is what a static zone can match: the
rcode, the A records with their TTL, and whether TXT is there. Also
checked: a client outside `transfer` is refused, AXFR over UDP is refused,
and IXFR over UDP gives the SOA alone to a current client and TC to an
older one.

Environment: RBLD_BIN, RBLDCTL_BIN, NSD_BIN, KNOTD_BIN (default
/usr/sbin/knotd), RBLD_DIFF_SEED, RBLD_KEEP_TMP=1. Exit status 0 when all
of it holds; ends with "N passed, M failed".
"""

import ipaddress
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
import test_rbldnsd_diff as D  # noqa: E402  (data, questions, servers)
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402

KNOTD = os.environ.get('KNOTD_BIN', '/usr/sbin/knotd')
HOST = D.HOST
SOA = dns.rdatatype.SOA
RESULTS = [0, 0]


def check(ok, what):
    RESULTS[0 if ok else 1] += 1
    print('%s: %s' % ('ok' if ok else 'FAIL', what))
    sys.stdout.flush()
    return ok


def zones():
    return [D.ALL] + [z for _, _, _, z in D.FILES]


def serial_of(port, zone, tcp=False):
    q = dns.message.make_query(zone, SOA)
    try:
        r = (dns.query.tcp if tcp else dns.query.udp)(q, HOST, port=port,
                                                      timeout=2)
    except Exception:
        return None
    for rs in r.answer:
        if rs.rdtype == SOA:
            return rs[0].serial
    return None


def start_knot(d, rbld_port):
    """knotd, a secondary of every zone with rbld as its primary."""
    kd = os.path.join(d, 'knot')
    os.mkdir(kd)
    last = None
    for _ in range(3):
        port = D.free_port()
        conf = ['server:', '    rundir: "%s"' % kd,
                '    listen: %s@%d' % (HOST, port),
                'log:', '  - target: stderr', '    any: info',
                'database:', '    storage: "%s"' % kd,
                'key:', '  - id: %s' % KEY[0], '    algorithm: %s' % KEY[1],
                '    secret: %s' % KEY[2],
                'remote:', '  - id: rbld',
                '    address: %s@%d' % (HOST, rbld_port),
                '  - id: rbld_signed',
                '    address: %s@%d' % (HOST, rbld_port),
                '    key: %s' % KEY[0],
                'acl:', '  - id: from_rbld', '    address: %s' % HOST,
                '    action: notify',
                '  - id: from_rbld_signed', '    address: %s' % HOST,
                '    key: %s' % KEY[0], '    action: notify',
                'template:', '  - id: default', '    storage: "%s"' % kd,
                '    master: rbld', '    acl: from_rbld',
                '    semantic-checks: off',
                'zone:']
        for z in zones():
            conf += ['  - domain: %s' % z]
            if z == KEYZONE:
                conf += ['    master: rbld_signed',
                         '    acl: from_rbld_signed']
        path = os.path.join(kd, 'knot.conf')
        with open(path, 'w') as f:
            f.write('\n'.join(conf) + '\n')
        p = D.Daemon([KNOTD, '-c', path], 'knotd', cwd=kd)
        if p.wait_for(r'server started', 20) is not None:
            return p, port
        last = p
        p.stop()
    raise RuntimeError('knotd did not start:\n' + last.tail())


def wait_serials(port, want, timeout=60):
    """Until the server on PORT answers every zone with the serial rbld
    has; True if it did in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(serial_of(port, z) == want[z] for z in zones()):
            return True
        time.sleep(0.3)
    return False


def refusals(rbld_port):
    """Who gets no transfer, and IXFR over UDP."""
    z = D.ALL
    q = dns.message.make_query(z, dns.rdatatype.AXFR)
    try:
        r = dns.query.tcp(q, HOST, port=rbld_port, timeout=5,
                          source='127.0.0.2')
        rc = r.rcode()
        n = sum(len(rs) for rs in r.answer)
    except Exception as e:
        rc, n = str(e), -1
    check(rc == dns.rcode.REFUSED and n == 0,
          'AXFR from 127.0.0.2, outside transfer: REFUSED (%s)' % rc)
    r = dns.query.udp(q, HOST, port=rbld_port, timeout=5)
    check(r.rcode() == dns.rcode.REFUSED and not r.answer,
          'AXFR over UDP: REFUSED (%s)' % dns.rcode.to_text(r.rcode()))
    cur = serial_of(rbld_port, z)
    for serial, current in ((cur, True), ((cur - 5) % (1 << 32), False)):
        q = dns.message.make_query(z, dns.rdatatype.IXFR)
        q.authority.append(dns.rrset.from_text(
            z + '.', 0, 'IN', 'SOA', 'ns. host. %d 0 0 0 0' % serial))
        r = dns.query.udp(q, HOST, port=rbld_port, timeout=5)
        soas = [rs for rs in r.answer if rs.rdtype == SOA]
        if current:
            check(r.rcode() == 0 and len(r.answer) == 1 and soas and
                  soas[0][0].serial == cur and not r.flags & dns.flags.TC,
                  'IXFR over UDP from a current client: the SOA alone')
        else:
            check(r.rcode() == 0 and not r.answer and
                  r.flags & dns.flags.TC,
                  'IXFR over UDP from an older client: TC, to ask over TCP')
    # The whole zone over TCP, SOA first and last.
    q = dns.message.make_query(z, dns.rdatatype.AXFR)
    rrs = []
    for m in dns.query.xfr(HOST, z, port=rbld_port, timeout=30):
        for rs in m.answer:
            rrs += [(rs.rdtype, rd) for rd in rs]
    check(len(rrs) > 2 and rrs[0][0] == SOA and rrs[-1][0] == SOA and
          rrs[0][1].serial == cur and
          sum(1 for t, _ in rrs if t == SOA) == 2,
          'AXFR: %d records, SOA first and last' % len(rrs))


RBLDCTL = D.RBLDCTL
KEYZONE = 't6.test'             # its transfers and NOTIFYs are signed
KEY = ('xfr-key', 'hmac-sha256', 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==')
ZONE_OF = {src: zone for src, _, _, zone in D.FILES}


def random_change(rnd, added):
    """One rbldctl command line: an add (nested, an exclusion, IPv6) or
    a delete of an earlier add; ADDED collects what is there to delete."""
    if added and rnd.random() < 0.25:
        src, pfx = added.pop(rnd.randrange(len(added)))
        return ['del', pfx, '--source', src], (src, pfx, None)
    if rnd.random() < 0.3:
        n = rnd.getrandbits(128)
        n = (0x20010db8 << 96) | (n & ((1 << 96) - 1))
        ln = rnd.choice([48, 56, 64, 127, 128])
        net = ipaddress.ip_network((n >> (128 - ln) << (128 - ln), ln))
        src = 'f6'
    else:
        # First octets of two digits or more: a one-digit label would
        # share the static zone's tree with IPv6 nibbles (README).
        first = rnd.choice([10, 11, 192, 198, 203] + D.FIRST4[9:30])
        n = first << 24 | rnd.getrandbits(24)
        ln = rnd.choice([8, 16, 20, 24, 24, 28, 31, 32, 32, 32])
        net = ipaddress.ip_network((n >> (32 - ln) << (32 - ln), ln))
        src = rnd.choice(['f4', 'fs'])
    argv = ['add', str(net), '--source', src]
    if rnd.random() < 0.2:
        argv.append('--exclude')
    elif rnd.random() < 0.3:
        argv += ['--a', '127.0.0.%d' % rnd.randrange(2, 255),
                 '--txt', 'changed $ %d' % rnd.randrange(1000)]
    elif rnd.random() < 0.2:
        argv += ['--ttl', '1h']         # listed with an expiry time
    added.append((src, str(net)))
    return argv, (src, str(net), net)


def probes(net, zone):
    """Names about NET: its first and last address, and one past each."""
    out = []
    if net is None:
        return out
    fam = 4 if net.version == 4 else 6
    top = (1 << (32 if fam == 4 else 128)) - 1
    lo, hi = int(net.network_address), int(net.broadcast_address)
    for a in {lo, hi, max(lo - 1, 0), min(hi + 1, top), (lo + hi) // 2}:
        out.append(D.v4name(a, zone) if fam == 4 else D.v6name(a, zone))
    return out


def changes(rnd, d, rport, secondaries, qs, keep, gens):
    """Rounds of random changes by rbldctl; after each, every secondary
    reaches rbld's serial by NOTIFY and IXFR and answers as rbld does."""
    conf = os.path.join(d, 'rbld.conf')
    added = []
    total = 0
    shared = D.shared_first_labels(gens)
    for rnd_no in range(5):
        names = []
        for _ in range(45):
            argv, (src, pfx, net) = random_change(rnd, added)
            r = subprocess.run([RBLDCTL, '-c', conf] + argv,
                               capture_output=True, text=True, timeout=30)
            if r.returncode != 0 and argv[0] == 'add':
                added.pop()                 # refused: nothing to delete
            total += r.returncode == 0
            for z in (D.ALL, ZONE_OF[src]):
                names += [n for n in probes(net, z)
                          if not (z == D.ALL and n[:-len(z) - 1].rsplit(
                              '.', 1)[-1] in shared)]
        want = {z: serial_of(rport, z) for z in zones()}
        sample = rnd.sample(keep, min(1500, len(keep)))
        extra = [(None, n, t) for n in names for t in (D.A, D.TXT)]
        q2 = [qs[i] for i in sample] + extra
        for label, port in secondaries:
            if not check(wait_serials(port, want, 30),
                         'round %d: %s reached rbld\'s serials' % (
                             rnd_no + 1, label)):
                return
            bad = D.compare_static(q2, list(range(len(q2))), port, rport,
                                   label.upper())
            check(bad == 0, 'round %d: %s answers as rbld: %d questions, '
                  '%d mismatches' % (rnd_no + 1, label, len(q2), bad))
    check(total >= 200, '%d changes made by rbldctl' % total)


def signed_transfers(rport):
    """A zone with a transfer-key: transfers signed with it only."""
    import dns.tsig
    import dns.tsigkeyring
    good = dns.tsigkeyring.from_text({KEY[0]: (KEY[1], KEY[2])})
    bad = dns.tsigkeyring.from_text(
        {KEY[0]: (KEY[1], 'd3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldCE=')})
    q = dns.message.make_query(KEYZONE, dns.rdatatype.AXFR)
    r = dns.query.tcp(q, HOST, port=rport, timeout=5)
    check(r.rcode() == dns.rcode.NOTAUTH and not r.answer,
          'unsigned AXFR of %s: NOTAUTH (%s)' % (
              KEYZONE, dns.rcode.to_text(r.rcode())))
    q = dns.message.make_query(KEYZONE, dns.rdatatype.AXFR)
    q.use_tsig(bad, keyname=KEY[0], algorithm=KEY[1])
    try:
        r = dns.query.tcp(q, HOST, port=rport, timeout=5)
        got = dns.rcode.to_text(r.rcode())
    except Exception as e:          # an unsigned answer to a signed query
        got = type(e).__name__
    check(got in ('NOTAUTH', 'BadSignature', 'PeerBadKey', 'PeerBadSignature')
          or 'NOTAUTH' in got,
          'AXFR of %s signed with a wrong secret: refused (%s)' % (
              KEYZONE, got))
    n = 0
    for m in dns.query.xfr(HOST, KEYZONE, port=rport, timeout=30,
                           keyring=good, keyname=KEY[0],
                           keyalgorithm=KEY[1]):
        n += sum(len(rs) for rs in m.answer)
    check(n > 2, 'AXFR of %s signed with its key: %d records, every '
          'message\'s signature verified' % (KEYZONE, n))


def start_rbld_secondary(d, rport):
    """A second rbld whose zone copy.test is an axfr:// feed of rbld's
    t4.test, fetched hourly: only a NOTIFY makes it fetch sooner."""
    sd = os.path.join(d, 'rbld2')
    os.mkdir(sd)
    conf = os.path.join(sd, 'rbld.conf')
    with open(conf, 'w') as f:
        f.write('\n'.join([
            '[rbld]', 'database = %s/db' % sd, 'dns = %s:0' % HOST, '',
            '[zone copy.test]', 'sources = up', '',
            '[source up]', 'kind = feed',
            'url = axfr://%s:%d/t4.test' % (HOST, rport), 'format = axfr',
            'every = 1h', 'timeout = 5s', 'a = 127.0.0.9', '']))
    p = D.Daemon([D.RBLD, '-c', conf], 'rbld2', cwd=sd)
    m = p.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+) ', 20)
    f = p.wait_for(r'feed up: \d+ bytes, (\d+) entries, (\d+) bad lines',
                   30) if m is not None else None
    if f is None:
        p.stop()
        raise RuntimeError('the second rbld did not start:\n' + p.tail())
    # Every record of the rendered zone reads back (TXT with tabs, quotes
    # and backslashes too); names outside special-use ranges all count.
    check(int(f.group(1)) > 0 and f.group(2) == '0',
          'the second rbld read t4.test by AXFR: %s entries, %s bad lines' %
          f.groups())
    return p, int(m.group(1))


def notified_feed(rport, r2, r2port):
    """An entry added on rbld reaches the second rbld by NOTIFY and its
    axfr feed at once, not at the next hourly fetch."""
    mark = len(r2.lines)
    net = '45.77.88.0/24'      # not special-use: a feed takes it
    subprocess.run([RBLDCTL, '-c', CONF_MAIN[0], 'add', net, '--source',
                    'f4'], capture_output=True, timeout=30)
    ok = r2.wait_for(r'feed up: NOTIFY from its primary', 20, mark)
    check(ok is not None, 'the second rbld took a NOTIFY for its feed')
    name = D.v4name(int(ipaddress.ip_address('45.77.88.9')), 'copy.test')
    got = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r = dns.query.udp(dns.message.make_query(name, 'A'), HOST,
                          port=r2port, timeout=2)
        got = [rd.to_text() for rs in r.answer for rd in rs]
        if got:
            break
        time.sleep(0.3)
    check(got == ['127.0.0.2'], 'the second rbld lists %s at once, with '
          'the primary\'s A: %s' % (net, got))


CONF_MAIN = [None]


def main():
    seed = os.environ.get('RBLD_DIFF_SEED')
    seed = int(seed) if seed else random.randrange(1 << 31)
    print('seed %d (rerun with RBLD_DIFF_SEED=%d)' % (seed, seed))
    for b in (D.RBLD, D.NSD, KNOTD):
        if not os.access(b, os.X_OK):
            print('FAIL: %s is missing (build rbld; apt-get install nsd '
                  'knot)' % b)
            print('0 passed, 1 failed')
            return 1
    rnd = random.Random(seed)
    d, gens, qs = D.prepare(rnd)
    keep = D.static_questions(qs, gens)
    procs = []
    try:
        rbld, rport = D.start_rbld(d, lambda z: [
            'transfer = 127.0.0.1/32', 'notify-interval = 1s'] + (
                ['transfer-key = %s:%s:%s' % (KEY[1], KEY[0], KEY[2])]
                if z == KEYZONE else []))
        procs.append(rbld)
        want = {z: serial_of(rport, z) for z in zones()}
        refusals(rport)
        signed_transfers(rport)
        knot, kport = start_knot(d, rport)
        procs.append(knot)
        nsd, nport = D.start_nsd(
            d, zones(), lambda z: ['    request-xfr: %s@%d %s' % (
                HOST, rport, KEY[0] if z == KEYZONE else 'NOKEY'),
                '    allow-notify: %s %s' % (
                    HOST, KEY[0] if z == KEYZONE else 'NOKEY')],
            name='nsd-secondary', keys=[KEY])
        procs.append(nsd)
        r2, r2port = start_rbld_secondary(d, rport)
        procs.append(r2)
        # Now that their ports are known: NOTIFY them all, by a reload.
        conf = os.path.join(d, 'rbld.conf')
        CONF_MAIN[0] = conf
        with open(conf) as f:
            text = f.read()
        text = text.replace('notify-interval = 1s\n',
                            'notify-interval = 1s\nnotify = %s:%d %s:%d\n' %
                            (HOST, kport, HOST, nport))
        text = text.replace('[zone t4.test]\n', '[zone t4.test]\n'
                            'notify = %s:%d\n' % (HOST, r2port))
        with open(conf, 'w') as f:
            f.write(text)
        mark = len(rbld.lines)
        rbld.proc.send_signal(signal.SIGHUP)
        check(rbld.wait_for(r'configuration reloaded', 20, mark) is not None,
              'rbld reloaded with notify targets')
        for label, port in (('knot', kport), ('nsd', nport)):
            if not check(wait_serials(port, want),
                         '%s has every zone at rbld\'s serial' % label):
                continue
            bad = D.compare_static(qs, keep, port, rport, label.upper())
            check(bad == 0, '%s answers as rbld: %d questions, %d '
                  'mismatches' % (label, len(keep), bad))
        notified_feed(rport, r2, r2port)
        changes(rnd, d, rport, [('knot', kport), ('nsd', nport)], qs, keep,
                gens)
        time.sleep(1.5)                 # the journal thread's record
        r = subprocess.run([RBLDCTL, '-c', conf, 'stats'],
                           capture_output=True, text=True, timeout=30)
        z = r.stdout.split('zone %s\n' % D.ALL, 1)[-1].split('\nzone ')[0]
        check(r.returncode == 0 and 'journal ' in z and
              'notify       %s:%d: serial %d sent' % (
                  HOST, kport, serial_of(rport, D.ALL)) in z and
              'answered 20' in z and 'transfer     %s: IXFR' % HOST in z,
              'rbldctl stats shows the journal, each NOTIFY target and the '
              'last transfer:\n%s' % z)
        ixfr = [ln for ln in rbld.lines if 'xfr: IXFR %s serial' % D.ALL
                in ln and ' -> ' in ln]
        check(len(ixfr) >= 10, 'rbld sent %d incremental transfers of %s '
              '(IXFR from the journal)' % (len(ixfr), D.ALL))
        kixfr = [ln for ln in knot.lines if 'IXFR' in ln and 'incoming' in
                 ln and D.ALL in ln]
        check(any('finished' in ln for ln in kixfr),
              'knot logged incoming IXFRs of %s: %s' % (
                  D.ALL, kixfr[-1] if kixfr else 'none'))
        xfrs = [ln for ln in rbld.lines if 'xfr: ' in ln]
        peers = set(ln.split(' to ')[1].split(':')[0] for ln in xfrs
                    if ' %s serial ' % D.ALL in ln and ' to ' in ln)
        check(any('AXFR %s serial' % D.ALL in ln for ln in xfrs) and
              peers == {HOST},
              'rbld logged each transfer: %s' % '; '.join(
                  ln.split(': ', 1)[1] for ln in xfrs[-3:]))
    except Exception as e:
        check(False, '%s: %s' % (type(e).__name__, e))
    finally:
        for p in procs:
            p.stop()
    ok = RESULTS[1] == 0
    if ok and not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(d, ignore_errors=True)
    else:
        print('data kept in %s (seed %d)' % (d, seed))
    print('%d passed, %d failed' % tuple(RESULTS))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
