#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The catalog zone (RFC 9432, version 2): rbld with `[rbld] catalog` lists
its zones as members; a Knot secondary configured with nothing but the
catalog (`catalog-role: interpret`) provisions every member, serves a zone
added to rbld by a reload, and drops one a reload removes, without a
change to its own configuration.

Also checked: the catalog's records (SOA and NS "invalid.", version "2",
one PTR per zone under a label of its own that reloads and restarts
keep), its serial (moved by exactly one for each change of members, kept
by a reload that changes none and by a restart), who may transfer it
(whoever may transfer a member, signed as that member must be), and that
rbld NOTIFYs it.

Environment: RBLD_BIN, RBLDCTL_BIN, KNOTD_BIN (default /usr/sbin/knotd),
RBLD_KEEP_TMP=1. Exit status 0 when all of it holds; ends with
"N passed, M failed".
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
import test_rbldnsd_diff as D  # noqa: E402  (servers, ports)
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import json  # noqa: E402
import urllib.request  # noqa: E402

KNOTD = os.environ.get('KNOTD_BIN', '/usr/sbin/knotd')
HOST = D.HOST
CATALOG = 'catalog.test'
KEY = ('cat-key', 'hmac-sha256', 'Y2F0YWxvZy1zZWNyZXQtY2F0YWxvZy1zZWNyZXQh')
RESULTS = [0, 0]
APIPORT = [0]


def check(ok, what):
    RESULTS[0 if ok else 1] += 1
    print('%s: %s' % ('ok' if ok else 'FAIL', what))
    sys.stdout.flush()
    return ok


def write_conf(d, port, kport, zones):
    """rbld.conf with the catalog and ZONES: [(name, extra lines)]."""
    lines = ['[rbld]', 'database = %s/db' % d, 'dns = %s:%d' % (HOST, port),
             'api = %s:%d' % (HOST, APIPORT[0]), 'catalog = %s' % CATALOG, '',
             '[source m]', 'kind = local', '']
    for name, extra in zones:
        lines += ['[zone %s]' % name, 'sources = m'] + extra + ['']
    path = os.path.join(d, 'rbld.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    os.chmod(path, 0o600)       # it may hold a transfer-key
    return path


def shared(kport):
    return ['transfer = 127.0.0.1/32', 'notify = %s:%d' % (HOST, kport),
            'notify-interval = 1s']


def start_rbld(d, conf):
    p = D.Daemon([D.RBLD, '-c', conf], 'rbld', cwd=d)
    if p.wait_for(r'rbld .* ready', 20) is None:
        p.stop()
        raise RuntimeError('rbld did not start:\n' + p.tail())
    return p


def reload(rbld):
    mark = len(rbld.lines)
    rbld.proc.send_signal(signal.SIGHUP)
    return rbld.wait_for(r'configuration reloaded', 20, mark) is not None


def catalog(port, source=HOST, keyring=None):
    """The catalog by AXFR: (rcode, [(owner, type, rdata text)])."""
    q = dns.message.make_query(CATALOG, dns.rdatatype.AXFR)
    if keyring is not None:
        q.use_tsig(keyring, keyname=KEY[0], algorithm=KEY[1])
    try:
        r = dns.query.tcp(q, HOST, port=port, timeout=5, source=source,
                          one_rr_per_rrset=True)
    except Exception as e:
        return type(e).__name__, []
    recs = [(rs.name.to_text(), dns.rdatatype.to_text(rs.rdtype),
             rd.to_text()) for rs in r.answer for rd in rs]
    return r.rcode(), recs


def members(recs):
    """{member zone: label} from the catalog's PTRs."""
    out = {}
    for owner, t, rd in recs:
        if t == 'PTR' and owner.endswith('.zones.%s.' % CATALOG):
            out[rd.rstrip('.')] = owner.split('.', 1)[0]
    return out


def soa_serial(port, zone):
    try:
        r = dns.query.udp(dns.message.make_query(zone, 'SOA'), HOST,
                          port=port, timeout=2)
    except Exception:
        return None
    for rs in r.answer:
        if rs.rdtype == dns.rdatatype.SOA:
            return rs[0].serial
    return None


def answer(port, name):
    """(rcode, sorted A records) of NAME on the server at PORT."""
    try:
        r = dns.query.udp(dns.message.make_query(name, 'A'), HOST,
                          port=port, timeout=2)
    except Exception as e:
        return type(e).__name__, []
    return r.rcode(), sorted(rd.to_text() for rs in r.answer for rd in rs
                             if rs.rdtype == dns.rdatatype.A)


def until(fn, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.25)
    return False


def start_knot(d, port, kport):
    """knotd with the catalog as its one configured zone: its members
    come from the catalog, each a secondary of rbld (the template)."""
    kd = os.path.join(d, 'knot')
    os.mkdir(kd)
    conf = ['server:', '    rundir: "%s"' % kd,
            '    listen: %s@%d' % (HOST, kport),
            'log:', '  - target: stderr', '    any: info',
            'database:', '    storage: "%s"' % kd,
            'remote:', '  - id: rbld', '    address: %s@%d' % (HOST, port),
            'acl:', '  - id: from_rbld', '    address: %s' % HOST,
            '    action: notify',
            'template:', '  - id: default', '    storage: "%s"' % kd,
            '  - id: member', '    storage: "%s"' % kd, '    master: rbld',
            '    acl: from_rbld', '    semantic-checks: off',
            'zone:', '  - domain: %s' % CATALOG, '    master: rbld',
            '    acl: from_rbld', '    catalog-role: interpret',
            '    catalog-template: member']
    path = os.path.join(kd, 'knot.conf')
    with open(path, 'w') as f:
        f.write('\n'.join(conf) + '\n')
    p = D.Daemon([KNOTD, '-c', path], 'knotd', cwd=kd)
    if p.wait_for(r'server started', 20) is None:
        p.stop()
        raise RuntimeError('knotd did not start:\n' + p.tail())
    return p


def same_answers(port, kport, zone, names):
    """Does Knot answer NAMES under ZONE as rbld does?"""
    return all(answer(kport, '%s.%s' % (n, zone)) ==
               answer(port, '%s.%s' % (n, zone)) for n in names)


NAMES = ['7.100.51.198', '8.100.51.198', '1.113.0.203', '9.9.9.9']


def contents(port):
    """The catalog's records, SOA first and last."""
    rc, recs = catalog(port)
    types = [t for _, t, _ in recs]
    check(rc == dns.rcode.NOERROR and types[:2] == ['SOA', 'NS'] and
          types[-1] == 'SOA' and types.count('SOA') == 2,
          'AXFR of the catalog: SOA first and last (%s)' % types)
    check(('%s.' % CATALOG, 'NS', 'invalid.') in recs and
          recs[0][2].startswith('invalid. invalid. '),
          'SOA and NS name "invalid." (RFC 9432 4.1): %s' % recs[0][2])
    check(('version.%s.' % CATALOG, 'TXT', '"2"') in recs,
          'version.%s is "2"' % CATALOG)
    m = members(recs)
    check(sorted(m) == ['one.test', 'two.test'] and
          len(set(m.values())) == 2 and
          all(len(v) == 16 for v in m.values()),
          'one PTR per zone, each under a label of its own: %s' % m)
    return m


def status(conf, token, kport):
    """rbldctl stats and GET /v1/zones show the catalog: its serial,
    its members and the secondary that took it."""
    r = subprocess.run([D.RBLDCTL, '-c', conf, 'stats'], capture_output=True,
                       text=True, timeout=30)
    block = r.stdout.split('catalog %s\n' % CATALOG, 1)[-1]
    check(r.returncode == 0 and 'serial       %d' % soa_serial(
        APIPORT[1], CATALOG) in block and 'members      3' in block and
          'transfer     %s: ' % HOST in block and
          'notify       %s:%d: serial' % (HOST, kport) in block,
          'rbldctl stats shows the catalog:\n%s' % block)
    req = urllib.request.Request('http://%s:%d/v1/zones' % (HOST, APIPORT[0]),
                                 headers={'Authorization': 'Bearer ' + token})
    with urllib.request.urlopen(req, timeout=10) as f:
        cat = json.load(f).get('catalog') or {}
    check(cat.get('zone') == CATALOG and
          cat.get('serial') == soa_serial(APIPORT[1], CATALOG) and
          sorted(m['zone'] for m in cat.get('members', [])) ==
          ['one.test', 'three.test', 'two.test'] and
          any(p.get('client') == HOST for p in cat.get('secondaries', [])),
          'GET /v1/zones shows the catalog: %s' % json.dumps(cat)[:300])


def main():
    for b in (D.RBLD, D.RBLDCTL, KNOTD):
        if not os.access(b, os.X_OK):
            print('FAIL: %s is missing (build rbld; apt-get install knot)'
                  % b)
            print('0 passed, 1 failed')
            return 1
    d = tempfile.mkdtemp(prefix='rbld-catalog.')
    procs = []
    port, kport = D.free_port(), D.free_port()
    APIPORT[:] = [D.free_port(), port]
    zones = [('one.test', shared(kport)), ('two.test', shared(kport))]
    conf = write_conf(d, port, kport, zones)
    try:
        rbld = start_rbld(d, conf)
        procs.append(rbld)
        for net in ('198.51.100.7', '203.0.113.0/24'):
            r = subprocess.run([D.RBLDCTL, '-c', conf, 'add', net,
                                '--source', 'm'], capture_output=True,
                               text=True, timeout=30)
            check(r.returncode == 0, 'rbldctl add %s: %s' % (
                net, r.stderr.strip() or 'ok'))
        ids = contents(port)
        r = subprocess.run([D.RBLDCTL, '-c', conf, 'token', 'new', 'cat',
                            '--role', 'reader'], capture_output=True,
                           text=True, timeout=30)
        token = r.stdout.strip().split()[-1] if r.stdout.strip() else ''
        serial = soa_serial(port, CATALOG)

        knot = start_knot(d, port, kport)
        procs.append(knot)
        for z in ('one.test', 'two.test'):
            check(until(lambda: soa_serial(kport, z) == soa_serial(port, z)
                        and same_answers(port, kport, z, NAMES)),
                  'knot provisioned %s from the catalog and answers as '
                  'rbld' % z)
        check(answer(kport, '7.100.51.198.one.test') ==
              (dns.rcode.NOERROR, ['127.0.0.2']),
              'knot lists 198.51.100.7 in one.test')

        # A zone added by a reload: a new member, the serial one up.
        zones.append(('three.test', shared(kport)))
        write_conf(d, port, kport, zones)
        mark = len(knot.lines)
        check(reload(rbld), 'rbld reloaded with three.test')
        check(soa_serial(port, CATALOG) == (serial + 1) % (1 << 32),
              'the catalog\'s serial moved by one: %s -> %s' % (
                  serial, soa_serial(port, CATALOG)))
        rc, recs = catalog(port)
        m = members(recs)
        check(sorted(m) == ['one.test', 'three.test', 'two.test'] and
              m['one.test'] == ids['one.test'] and
              m['two.test'] == ids['two.test'],
              'three.test is a member; the others keep their labels')
        check(until(lambda: same_answers(port, kport, 'three.test', NAMES)
                    and answer(kport, '1.113.0.203.three.test')[1] ==
                    ['127.0.0.2'], 20),
              'knot serves three.test, added to rbld by a reload, within '
              '20 s and without a change to its configuration')
        check(knot.wait_for(r'\[%s\.\] notify, incoming' % CATALOG, 5,
                            mark) is not None,
              'rbld sent knot a NOTIFY for the catalog')

        time.sleep(1.5)                 # the journal thread's record
        status(conf, token, kport)

        # A reload that changes no member keeps the serial.
        serial = soa_serial(port, CATALOG)
        check(reload(rbld) and soa_serial(port, CATALOG) == serial,
              'a reload with the same zones keeps serial %s' % serial)

        # A zone removed: knot drops it.
        zones = [z for z in zones if z[0] != 'two.test']
        write_conf(d, port, kport, zones)
        check(reload(rbld), 'rbld reloaded without two.test')
        check(soa_serial(port, CATALOG) == (serial + 1) % (1 << 32),
              'the catalog\'s serial moved by one again')
        check(until(lambda: answer(kport, 'two.test')[0] ==
                    dns.rcode.REFUSED, 20),
              'knot no longer serves two.test, removed from rbld')
        check(knot.wait_for(r'\[two\.test\.\] zone purged', 5) is not None,
              'knot purged two.test')

        # A restart keeps the serial and the labels.
        serial = soa_serial(port, CATALOG)
        rbld.stop()
        procs.remove(rbld)
        rbld = start_rbld(d, conf)
        procs.append(rbld)
        rc, recs = catalog(port)
        check(soa_serial(port, CATALOG) == serial and
              members(recs)['one.test'] == ids['one.test'],
              'after a restart: the same serial (%s) and labels' % serial)

        # Who may transfer it: whoever may transfer a member, signed as
        # that member must be.
        zones.append(('keyed.test', ['transfer = 127.0.0.3/32',
                                     'transfer-key = %s:%s:%s' % (
                                         KEY[1], KEY[0], KEY[2])]))
        write_conf(d, port, kport, zones)
        check(reload(rbld), 'rbld reloaded with keyed.test')
        rc, recs = catalog(port, source='127.0.0.2')
        check(rc == dns.rcode.REFUSED and not recs,
              'the catalog from 127.0.0.2, in no member\'s transfer: '
              'REFUSED (%s)' % rc)
        rc, recs = catalog(port, source='127.0.0.3')
        check(rc == dns.rcode.NOTAUTH and not recs,
              'the catalog unsigned from 127.0.0.3, which only keyed.test '
              'lets transfer, with a key: NOTAUTH (%s)' % rc)
        ring = dns.tsigkeyring.from_text({KEY[0]: (KEY[1], KEY[2])})
        rc, recs = catalog(port, source='127.0.0.3', keyring=ring)
        check(rc == dns.rcode.NOERROR and 'keyed.test' in members(recs),
              'signed with keyed.test\'s key: the catalog, its signature '
              'verified (%d records)' % len(recs))
        xfrs = [ln for ln in rbld.lines if 'xfr: ' in ln and CATALOG in ln]
        check(len(xfrs) >= 1, 'rbld logged the catalog\'s transfers: %s' % (
            xfrs[-1].split(': ', 1)[1] if xfrs else 'none'))
    except Exception as e:
        check(False, '%s: %s' % (type(e).__name__, e))
    finally:
        for p in procs:
            p.stop()
    ok = RESULTS[1] == 0
    if ok and not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(d, ignore_errors=True)
    else:
        print('data kept in %s' % d)
    print('%d passed, %d failed' % tuple(RESULTS))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
