#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Integration test of rbld's HTTP API: the real daemon on loopback.

Drives the API with http.client (keep-alive) and checks the DNS answer
after each step: auth and roles, input errors, reports that reach their
threshold and expire, the allowlist, entries added and deleted, durability
across kill -9, the failed-login lockout, connection limits, metrics,
TLS with a certificate made by the test, and a slow feed refresh that
holds up neither a reload nor other requests. Run: python3 test_api.py [TEST...]
"""

import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from test_dns import (Daemon, Failure, check, expect, run_tests,  # noqa: E402
                      run, start_rbld, stop_and_clean, write, A, TXT,
                      NXDOMAIN, HOST)

TOP = os.path.dirname(os.path.dirname(HERE))
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
RBLDCTL = os.environ.get('RBLDCTL_BIN', os.path.join(TOP, 'build', 'rbldctl'))
CONTRIB = os.path.join(TOP, 'contrib')

ZONE = 'bl.api.test'
BAN = 4                 # seconds: failed-login's first ban
TTL = 60                # the zone's answer TTL
PER_IP = 6              # api-per-ip
API_TIMEOUT = 3         # api-timeout, seconds
HEADER_TIMEOUT = 2      # api-header-timeout, seconds
READER_TOKEN = 'reader-token-for-the-api-test'
REPORTER_TOKEN = 'reporter-token-for-the-api-test'


class Ctx:
    dir = None
    conf = None
    port = None         # DNS
    api = None          # HTTP
    admin = None        # the token rbld made at first start
    d = None


C = Ctx()


def sha(tok):
    return 'sha256:' + hashlib.sha256(tok.encode()).hexdigest()


def conf_text(extra_token=None, tls=False):
    out = ['[rbld]',
           'database = db',
           'dns = %s:0' % HOST,
           'api = %s:0' % HOST,
           'workers = 1',
           'api-per-ip = %d' % PER_IP,
           'api-timeout = %ds' % API_TIMEOUT,
           'api-header-timeout = %ds' % HEADER_TIMEOUT]
    if tls:
        out += ['api-cert = cert.pem', 'api-key = key.pem']
    out += ['',
            '[zone %s]' % ZONE,
            'sources = local reports',
            'ttl = %ds' % TTL,
            '',
            '[source local]',
            'kind = local',
            'txt = Local: $',
            '',
            '[source reports]',
            'kind = reports',
            'a = 127.0.0.3',
            'txt = Reported: $',
            'failed-login = 3 in 10m ban %ds' % BAN,
            'spam = 2 in 1d ban 1d',
            'escalate = 2x max 1h',
            'ipv6-prefix = 64',
            '',
            '[allow]',
            'nets = 192.0.2.99/32',
            '',
            '[token reader]',
            'role = reader',
            'hash = %s' % sha(READER_TOKEN),
            '',
            '[token reporter]',
            'role = reporter',
            'hash = %s' % sha(REPORTER_TOKEN),
            '']
    if extra_token:
        out += ['[token extra]', 'role = reader',
                'hash = %s' % sha(extra_token), '']
    return '\n'.join(out)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise Failure('not JSON (status %d): %r' % (self.status,
                                                        self.body[:200]))

    def __repr__(self):
        return '%d %s' % (self.status, self.body[:300])


class Client:
    """One keep-alive connection, from SOURCE (a loopback address)."""

    def __init__(self, source='127.0.0.1', port=None, https=None):
        port = port or C.api
        if https is not None:
            self.c = http.client.HTTPSConnection(
                HOST, port, timeout=10, source_address=(source, 0),
                context=https)
        else:
            self.c = http.client.HTTPConnection(
                HOST, port, timeout=10, source_address=(source, 0))

    def req(self, method, path, body=None, token=None, ctype=None,
            headers=None):
        h = dict(headers or {})
        if token is not None:
            h['Authorization'] = 'Bearer ' + token
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None and ctype is None:
            ctype = 'application/json'
        if ctype is not None:
            h['Content-Type'] = ctype
        self.c.request(method, path, body=body, headers=h)
        r = self.c.getresponse()
        data = r.read().decode('utf-8', 'replace')
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, data)

    def close(self):
        self.c.close()


def api(method, path, body=None, token=None, **kw):
    c = Client()
    try:
        return c.req(method, path, body, token if token is not None
                     else C.admin, **kw)
    finally:
        c.close()


def want(r, status, what):
    check(r.status == status, '%s: got %r, want %d' % (what, r, status))
    return r


def report(ip, rtype='failed-login', token=REPORTER_TOKEN, **kw):
    body = {'ip': ip, 'type': rtype}
    body.update(kw)
    return want(api('POST', '/v1/reports', body, token=token), 202,
                'report %s %s' % (rtype, ip)).json()


def start(extra_token=None, tls=False):
    C.d, C.port, C.api = start_rbld([RBLD, '-c', C.conf], C.dir)
    if C.api is None:
        raise Failure('rbld did not log its API port:\n' + C.d.tail())


def setup():
    C.dir = tempfile.mkdtemp(prefix='rbld-api-')
    C.conf = os.path.join(C.dir, 'rbld.conf')
    write(C.conf, conf_text())
    for b in (RBLD, RBLDCTL):
        if not os.access(b, os.X_OK):
            raise Failure('%s is not an executable: build first' % b)
    start()
    m = C.d.wait_for(r'admin token "admin": (rbld_[0-9a-f]{40})$', 5)
    if m is None:
        raise Failure('rbld printed no first admin token:\n' + C.d.tail())
    C.admin = m.group(1)


def teardown():
    stop_and_clean(C.d, C.dir)


def ctl(*args, ok=(0,)):
    r = run([RBLDCTL, '-c', C.conf] + list(args))
    if ok is not None and r.returncode not in ok:
        raise Failure('rbldctl %s: exit %d: %s %s' % (
            ' '.join(args), r.returncode, r.stdout.strip(), r.stderr.strip()))
    return r


def listed(ip, a='127.0.0.3'):
    expect(C.port, ip, A, zone=ZONE, values=[a], ttl=TTL)


def not_listed(ip):
    # No SOA configured: the negative TTL is the zone's TTL.
    expect(C.port, ip, A, zone=ZONE, rcode=NXDOMAIN, soa_ttl=TTL)


# ---------------------------------------------------------------- tests

def test_first_admin_token_only_hash_kept():
    r = ctl('token', 'list')
    check(re.search(r'^admin\s+admin\b', r.stdout, re.M),
          'token list lacks the admin token:\n' + r.stdout)
    check(C.admin not in r.stdout, 'token list shows the token itself')
    with open(os.path.join(C.dir, 'db', 'data.mdb'), 'rb') as f:
        check(C.admin.encode() not in f.read(),
              'the database holds the admin token in clear')
    want(api('GET', '/v1/zones'), 200, 'admin GET /v1/zones')


def test_healthz_without_auth():
    r = want(api('GET', '/healthz', token=''), 200, 'healthz')
    check(r.json().get('status') == 'ok', 'healthz body %r' % r.body)
    c = Client()
    try:
        want(c.req('GET', '/healthz'), 200, 'healthz, no header')
    finally:
        c.close()


def test_missing_or_wrong_token_401():
    c = Client('127.0.0.21')
    try:
        r = want(c.req('GET', '/v1/zones'), 401, 'no token')
        check('bearer' in r.headers.get('www-authenticate', '').lower(),
              'no WWW-Authenticate: Bearer on 401: %r' % r.headers)
        check('error' in r.json(), '401 without an error message')
        want(c.req('GET', '/v1/zones', token='rbld_' + '0' * 40), 401,
             'wrong token')
        want(c.req('GET', '/v1/zones', headers={
            'Authorization': 'Basic YWRtaW46YWRtaW4='}), 401, 'Basic auth')
    finally:
        c.close()


def test_wrong_role_403():
    want(api('POST', '/v1/reports', {'ip': '198.51.100.1',
         'type': 'failed-login'}, token=READER_TOKEN), 403,
         'reader POST /v1/reports')
    want(api('GET', '/v1/entries', token=REPORTER_TOKEN), 403,
         'reporter GET /v1/entries')
    want(api('POST', '/v1/entries', {'prefix': '198.51.100.0/24'},
             token=READER_TOKEN), 403, 'reader POST /v1/entries')
    want(api('GET', '/v1/entries', token=READER_TOKEN), 200,
         'reader GET /v1/entries')


def test_bad_input_400():
    cases = [
        ('POST', '/v1/reports', '{"ip": "198.51.100.1", "type": ',
         'broken JSON'),
        ('POST', '/v1/reports', '[1, 2]', 'not an object'),
        ('POST', '/v1/reports', {'ip': '300.1.2.3', 'type': 'spam'},
         'invalid IP'),
        ('POST', '/v1/reports', {'ip': '198.51.100.0/24', 'type': 'spam'},
         'a prefix as report IP'),
        ('POST', '/v1/reports', {'ip': '198.51.100.1', 'type': 'nope'},
         'unknown type'),
        ('POST', '/v1/reports', {'ip': '198.51.100.1', 'type': 'spam',
                                 'colour': 'red'}, 'unknown key'),
        ('POST', '/v1/reports', {'ip': 5, 'type': 'spam'}, 'ip a number'),
        ('POST', '/v1/reports', {'ip': '198.51.100.1', 'type': 'spam',
                                 'service': 'a$b'}, '$ in service'),
        ('POST', '/v1/entries', {'prefix': '198.51.100.1/24'},
         'host bits set'),
        ('POST', '/v1/entries', {'prefix': '198.51.100.0/33'},
         'prefix length'),
        ('POST', '/v1/entries', {'prefix': '198.51.100.0/24',
                                 'source': 'nope'}, 'unknown source'),
        ('POST', '/v1/entries', {'prefix': '198.51.100.0/24', 'ttl': '1y'},
         'bad ttl'),
        ('GET', '/v1/lookup/not-an-ip', None, 'lookup of a non-IP'),
        ('DELETE', '/v1/entries/198.51.100.1/24', None, 'delete host bits'),
        ('GET', '/v1/entries?limit=0', None, 'limit 0'),
    ]
    for method, path, body, what in cases:
        r = want(api(method, path, body), 400, what)
        check(r.json().get('error'), '%s: no error message' % what)
    # Nothing of that reached the zone.
    not_listed('198.51.100.1')
    r = want(api('POST', '/v1/reports', '{"ip": "198.51.100.1"}',
                 ctype='text/plain'), 415, 'text/plain body')


def test_3mb_body_413():
    body = b'{"ip": "198.51.100.2", "type": "spam", "reason": "' + \
        b'x' * (3 << 20) + b'"}'
    # rbld answers from the headers and closes: send what it takes.
    s = socket.create_connection((HOST, C.api), timeout=10)
    try:
        s.sendall(('POST /v1/reports HTTP/1.1\r\nHost: x\r\n'
                   'Authorization: Bearer %s\r\nContent-Type: '
                   'application/json\r\nContent-Length: %d\r\n\r\n'
                   % (C.admin, len(body))).encode())
        try:
            s.sendall(body)
        except OSError:
            pass
        data = b''
        while True:
            try:
                part = s.recv(65536)
            except OSError:
                break
            if not part:
                break
            data += part
        check(data.startswith(b'HTTP/1.1 413') and b'"error"' in data,
              '3 MB body: %r' % data[:200])
    finally:
        s.close()
    # A chunked body has no length to refuse early: it is counted.
    s = socket.create_connection((HOST, C.api), timeout=10)
    try:
        s.sendall(('POST /v1/reports HTTP/1.1\r\nHost: x\r\n'
                   'Authorization: Bearer %s\r\nContent-Type: '
                   'application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
                   % C.admin).encode())
        chunk = b'x' * 65536
        try:
            for _ in range(24):     # 1.5 MiB
                s.sendall(b'%x\r\n%s\r\n' % (len(chunk), chunk))
            s.sendall(b'0\r\n\r\n')
        except OSError:
            pass                    # closed early: fine, read the answer
        data = b''
        while b'\r\n\r\n' not in data:
            try:
                part = s.recv(4096)
            except OSError:
                break
            if not part:
                break
            data += part
        check(data.startswith(b'HTTP/1.1 413'),
              'chunked 1.5 MiB body: %r' % data[:80])
    finally:
        s.close()
    # both kinds are counted in /metrics
    m = re.search(r'rbld_api_requests_total\{route="reports",status="413"\} '
                  r'(\d+)', want(api('GET', '/metrics'), 200, 'metrics').body)
    check(m and int(m.group(1)) >= 2, '413s in /metrics: %s' %
          (m.group(0) if m else 'none'))


def test_unknown_route_404_wrong_method_405():
    want(api('GET', '/v1/nothing'), 404, 'unknown route')
    want(api('GET', '/v2/entries'), 404, 'unknown version')
    r = want(api('PUT', '/v1/entries', {}), 405, 'PUT /v1/entries')
    check(r.headers.get('allow') == 'GET, HEAD, POST',
          'Allow header %r' % r.headers.get('allow'))
    r = want(api('GET', '/v1/entries/192.0.2.0/24'), 405,
             'GET /v1/entries/PREFIX')
    check(r.headers.get('allow') == 'DELETE', 'Allow %r' % r.headers)


def test_reports_threshold_dns_and_expiry():
    ip = '198.51.100.7'
    r1 = report(ip, service='dovecot', reason='auth failed')
    check(r1['listed'] is False and r1['count'] == 1, 'first: %r' % r1)
    not_listed(ip)
    r2 = report(ip, service='dovecot')
    check(r2['listed'] is False and r2['count'] == 2, 'second: %r' % r2)
    not_listed(ip)
    t0 = time.time()
    r3 = report(ip, service='dovecot')
    check(r3['listed'] is True and r3['count'] == 3 and r3['expires'],
          'third: %r' % r3)
    # In DNS at once, with its reason in the TXT.
    listed(ip)
    expect(C.port, ip, TXT, zone=ZONE, values=[
        'Reported: %s (failed-login, 3 reports, dovecot)' % ip])
    lk = want(api('GET', '/v1/lookup/' + ip, token=READER_TOKEN), 200,
              'lookup').json()
    check(lk['listed'] and lk['answers'][0]['source'] == 'reports',
          'lookup: %r' % lk)
    ent = [e for e in lk['entries'] if e['source'] == 'reports']
    check(ent and 'failed-login' in ent[0]['reason'] and
          'dovecot' in ent[0]['reason'] and ent[0]['origin'] == 'report',
          'lookup entry: %r' % lk['entries'])
    check(lk['reports'] and lk['reports'][0]['reports'] == 3,
          'lookup reports: %r' % lk.get('reports'))
    # Gone when the ban ends, before any cleanup runs (the reaper runs
    # every 30 s; the ban is 4 s).
    time.sleep(max(0, t0 + BAN + 1.2 - time.time()))
    not_listed(ip)
    # A repeat offence: the ban doubles.
    for _ in range(2):
        report(ip)
    r = report(ip)
    check(r['listed'] and r['offences'] == 2, 'repeat offence: %r' % r)
    exp = time.mktime(time.strptime(r['expires'], '%Y-%m-%dT%H:%M:%SZ')) - \
        time.timezone
    check(abs(exp - time.time() - 2 * BAN) <= 2,
          'second ban ends in %.0f s, want %d' % (exp - time.time(), 2 * BAN))
    listed(ip)


def test_allowlisted_never_listed():
    ip = '192.0.2.99'
    for i in range(6):
        r = report(ip)
        check(r['listed'] is False and r['allowlisted'] is True,
              'report %d of an allowlisted IP: %r' % (i + 1, r))
    not_listed(ip)
    h = want(api('GET', '/v1/reports?ip=' + ip, token=READER_TOKEN), 200,
             'reports of ' + ip).json()
    check(h['reports'] and h['reports'][0]['reports'] == 6 and
          all(x['allowlisted'] for x in h['reports'][0]['recent']),
          'recorded reports: %r' % h)


def test_ipv6_counts_per_prefix():
    for ip in ('2001:db8:7:1::1', '2001:db8:7:1::2'):
        report(ip, rtype='spam')
    # Listed as the /64: any address inside answers.
    expect(C.port, '2001:db8:7:1::abcd', A, zone=ZONE, values=['127.0.0.3'])
    not_listed('2001:db8:7:2::1')
    r = want(api('GET', '/v1/entries?source=reports&limit=1000'), 200,
             'entries').json()
    check(any(e['prefix'] == '2001:db8:7:1::/64' for e in r['entries']),
          'no /64 entry: %r' % r)


def test_entry_add_lookup_delete():
    r = want(api('POST', '/v1/entries', {'prefix': '203.0.113.0/24',
             'source': 'local', 'ttl': '7d', 'reason': 'spam run'}), 201,
             'add entry')
    check(r.json()['prefix'] == '203.0.113.0/24', 'add: %r' % r)
    listed('203.0.113.77', '127.0.0.2')
    expect(C.port, '203.0.113.77', TXT, zone=ZONE,
           values=['Local: 203.0.113.77'])
    lk = want(api('GET', '/v1/lookup/203.0.113.77', token=READER_TOKEN), 200,
              'lookup').json()
    e = [x for x in lk['entries'] if x['prefix'] == '203.0.113.0/24']
    check(e and e[0]['reason'] == 'spam run' and e[0]['expires'] and
          e[0]['origin'] == 'api', 'lookup entries: %r' % lk['entries'])
    out = ctl('lookup', '203.0.113.77').stdout
    check('listed in %s by local' % ZONE in out, 'rbldctl lookup: ' + out)
    # The same prefix again replaces it: 200, not 201.
    want(api('POST', '/v1/entries', {'prefix': '203.0.113.0/24',
             'reason': 'again'}), 200, 'add again')
    r = want(api('DELETE', '/v1/entries/203.0.113.0%2F24?source=local'), 200,
             'delete (%2F)').json()
    check(r['deleted'] == 1, 'delete: %r' % r)
    not_listed('203.0.113.77')
    want(api('DELETE', '/v1/entries/203.0.113.0/24?source=local'), 404,
         'delete again')


def test_entries_pagination():
    prefixes = ['198.18.%d.0/24' % i for i in range(5)]
    for p in prefixes:
        want(api('POST', '/v1/entries', {'prefix': p}), 201, 'add ' + p)
    seen, after, pages = [], None, 0
    while pages < 20:
        path = '/v1/entries?source=local&limit=2'
        if after:
            path += '&after=' + after
        r = want(api('GET', path, token=READER_TOKEN), 200, 'page').json()
        seen += [e['prefix'] for e in r['entries']]
        pages += 1
        after = r['next']
        if after is None:
            break
    got = [p for p in seen if p.startswith('198.18.')]
    check(sorted(got) == sorted(prefixes) and len(got) == len(set(got)),
          'pages gave %r' % seen)
    check(pages >= 3, 'only %d pages of 2' % pages)
    for p in prefixes:
        want(api('DELETE', '/v1/entries/' + p), 200, 'delete ' + p)


def test_acknowledged_entry_survives_kill9():
    want(api('POST', '/v1/entries', {'prefix': '192.0.2.128/25',
             'reason': 'durable'}), 201, 'add')
    report('198.51.100.200', rtype='spam')
    C.d.stop(signal.SIGKILL)
    start()
    check(C.d.wait_for(r'admin token', 1) is None,
          'a second admin token was made at restart')
    listed('192.0.2.130', '127.0.0.2')
    # The report's count survived too: one more spam report lists it.
    r = report('198.51.100.200', rtype='spam')
    check(r['listed'] and r['count'] == 2, 'report after restart: %r' % r)
    want(api('DELETE', '/v1/entries/192.0.2.128/25'), 200, 'delete')


def test_failed_logins_lock_out():
    c = Client('127.0.0.9')
    try:
        statuses = [c.req('GET', '/v1/zones', token='rbld_bad%d' % i).status
                    for i in range(12)]
        check(statuses[:9] == [401] * 9 and 429 in statuses[9:],
              'statuses %r' % statuses)
        r = c.req('GET', '/v1/zones', token='rbld_bad_again')
        check(r.status == 429 and int(r.headers.get('retry-after', 0)) > 0,
              'a wrong token during the lockout: %r %r' % (r, r.headers))
        # A valid token is not refused for the failures of others at
        # its address (local reporters all share one).
        want(c.req('GET', '/v1/zones', token=C.admin), 200,
             'a good token during the lockout')
    finally:
        c.close()
    # Requests without any token are no failed logins.
    c = Client('127.0.0.11')
    try:
        statuses = [c.req('GET', '/v1/zones').status for i in range(15)]
        r = c.req('GET', '/v1/zones', token='rbld_bad')
        check(statuses == [401] * 15 and r.status == 401,
              'no token, 15 times, then a wrong one: %r %d' % (statuses,
                                                               r.status))
    finally:
        c.close()
    # Other addresses are not affected.
    c = Client('127.0.0.10')
    try:
        want(c.req('GET', '/v1/zones', token=C.admin), 200, 'other address')
    finally:
        c.close()


def test_slow_clients_cannot_lock_out_a_reporter():
    """Connections that send a header line every so often, as many as
    api-per-ip from one address, never keep a reporter of that address
    out: it takes the place of the oldest, and each goes at its deadline."""
    slow = []
    try:
        for _ in range(PER_IP):
            s = socket.socket()
            s.bind(('127.0.0.13', 0))
            s.connect((HOST, C.api))
            s.sendall(b'GET /healthz HTTP/1.1\r\n')
            slow.append(s)
        ok = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < HEADER_TIMEOUT * 2:
            for s in slow:
                try:
                    s.sendall(b'X-Slow: 1\r\n')
                except OSError:
                    pass
            c = Client('127.0.0.13')
            try:
                ok += c.req('POST', '/v1/reports', {
                    'ip': '198.51.100.77', 'type': 'spam'},
                    token=REPORTER_TOKEN).status == 202
            finally:
                c.close()
            time.sleep(0.5)
        check(ok >= 2 * HEADER_TIMEOUT, '%d reports went through while %d '
              'slow connections dribbled from the same address' % (
                  ok, PER_IP))
    finally:
        for s in slow:
            s.close()


def test_connection_limits_and_timeout():
    socks = []
    try:
        for _ in range(PER_IP):
            s = socket.socket()
            s.bind(('127.0.0.11', 0))
            s.connect((HOST, C.api))
            socks.append(s)
        time.sleep(0.3)
        # One more from the same address takes the place of the oldest
        # that sends nothing: it is served, and the oldest is closed.
        extra = socket.socket()
        extra.bind(('127.0.0.11', 0))
        extra.settimeout(5)
        extra.connect((HOST, C.api))
        extra.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
        try:
            data = extra.recv(100)
        except OSError:
            data = b''
        extra.close()
        check(data.startswith(b'HTTP/1.1 200'),
              'connection %d from one address is served: %r' % (
                  PER_IP + 1, data[:40]))
        socks[0].settimeout(2)
        try:
            got = socks[0].recv(100)
        except OSError as e:
            got = repr(e).encode()
        check(got == b'', 'the oldest silent connection made room: %r' % got)
        # Another address is served too.
        want(Client('127.0.0.12').req('GET', '/healthz'), 200,
             'another address')
        # A connection that sends no whole request is closed after
        # api-header-timeout, however it dribbles.
        t0 = time.monotonic()
        s = socks[1]
        s.settimeout(0.5)
        got = None
        s.sendall(b'GET /healthz HTTP/1.1\r\n')
        while time.monotonic() - t0 < HEADER_TIMEOUT + 5:
            try:
                s.sendall(b'X-Slow: 1\r\n')
            except OSError:
                got = b''
                break
            try:
                got = s.recv(100)
                break
            except socket.timeout:
                continue
            except OSError:
                got = b''
                break
        took = time.monotonic() - t0
        check(got == b'' and took < HEADER_TIMEOUT + 2,
              'a dribbling connection: closed after %.1f s (%r)' % (took, got))
    finally:
        for s in socks:
            s.close()


def test_sources_zones_serial_export():
    z = want(api('GET', '/v1/zones', token=READER_TOKEN), 200, 'zones').json()
    s0 = z['zones'][0]['serial']
    check(z['zones'][0]['zone'] == ZONE and
          z['zones'][0]['sources'] == ['local', 'reports'], 'zones %r' % z)
    want(api('POST', '/v1/entries', {'prefix': '198.51.100.64/26'}), 201,
         'add')
    z = want(api('GET', '/v1/zones', token=READER_TOKEN), 200, 'zones').json()
    check(z['zones'][0]['serial'] != s0, 'serial did not move')
    s = want(api('GET', '/v1/sources', token=READER_TOKEN), 200,
             'sources').json()
    kinds = {x['name']: x['kind'] for x in s['sources']}
    check(kinds == {'local': 'local', 'reports': 'reports'}, 'kinds %r' % kinds)
    g = want(api('GET', '/v1/zones', token=READER_TOKEN), 200, 'zones')
    h = want(api('HEAD', '/v1/zones', token=READER_TOKEN), 200, 'HEAD zones')
    check(h.body == '' and h.headers.get('content-length') ==
          str(len(g.body.encode())), 'HEAD: %r, length %r for %d bytes' % (
              h.body, h.headers.get('content-length'), len(g.body)))
    r = want(api('GET', '/v1/zones/%s/export?format=rbldnsd' % ZONE,
                 token=READER_TOKEN), 200, 'export')
    check('$DATASET ip4trie:local' in r.body and
          '198.51.100.64/26 :127.0.0.2:Local: $' in r.body,
          'export lacks the entry:\n' + r.body[:600])
    r = want(api('GET', '/v1/zones/%s/export?format=bind' % ZONE,
                 token=READER_TOKEN), 200, 'export bind')
    # A /26 ends inside an octet: its 64 addresses become names.
    names = re.findall(r'^(\d+)\.100\.51\.198\s+\d+\s+IN\s+A\s+127\.0\.0\.2$',
                       r.body, re.M)
    check('$ORIGIN %s.' % ZONE in r.body and
          sorted(int(n) for n in names) == list(range(64, 128)),
          'bind export lacks the /26 as 64 names:\n' + r.body[:600])
    # An [allow] address inside a listed /24: no wildcard, which would
    # list it; the /24's other addresses as names.
    want(api('POST', '/v1/entries', {'prefix': '192.0.2.0/24'}), 201, 'add')
    r = want(api('GET', '/v1/zones/%s/export?format=bind' % ZONE,
                 token=READER_TOKEN), 200, 'export bind')
    names = re.findall(r'^(\d+)\.2\.0\.192\s+\d+\s+IN\s+A\s', r.body, re.M)
    check(sorted(int(n) for n in names) == [i for i in range(256) if i != 99]
          and not re.search(r'^\*\.2\.0\.192\s', r.body, re.M),
          'bind export around [allow] 192.0.2.99: %d names' % len(names))
    want(api('DELETE', '/v1/entries/192.0.2.0/24'), 200, 'delete')
    want(api('GET', '/v1/zones/%s/export?format=xml' % ZONE), 400,
         'unknown format')
    want(api('GET', '/v1/zones/nope.test/export'), 404, 'unknown zone')
    want(api('POST', '/v1/sources/local/refresh'), 409, 'refresh a non-feed')
    want(api('POST', '/v1/sources/nope/refresh'), 404, 'refresh unknown')
    want(api('DELETE', '/v1/entries/198.51.100.64/26'), 200, 'delete')


def test_metrics():
    report('198.51.100.240')
    want(api('POST', '/v1/entries', {'prefix': '1.2.3.4/8'}), 400, 'bad')
    not_listed('203.0.113.250')
    r = want(api('GET', '/metrics', token=READER_TOKEN), 200, 'metrics')
    check(r.headers['content-type'].startswith('text/plain'),
          'content type %r' % r.headers['content-type'])
    for rx in [r'rbld_dns_queries_total\{zone="%s",rcode="NXDOMAIN"\} [1-9]'
               % re.escape(ZONE),
               r'rbld_dns_lookups_total\{zone="%s",result="listed"\} [1-9]'
               % re.escape(ZONE),
               r'rbld_reports_total\{type="failed-login"\} [1-9]',
               r'rbld_listings_total [1-9]',
               r'rbld_api_requests_total\{route="reports",status="202"\} '
               r'[1-9]',
               r'rbld_api_requests_total\{route="entries",status="400"\} '
               r'[1-9]',
               r'rbld_source_entries\{source="reports",kind="reports"\} \d',
               r'rbld_database_bytes [1-9]',
               r'rbld_api_lockouts_total [1-9]']:
        check(re.search(rx, r.body), 'metrics lack %s' % rx)
    want(api('GET', '/metrics', token=REPORTER_TOKEN), 403, 'reporter')


def test_fail2ban_action():
    """The shipped fail2ban action reports a ban with its own command."""
    path = os.path.join(CONTRIB, 'fail2ban', 'action.d', 'rbld.conf')
    check(os.path.exists(path), 'no %s' % path)
    text = open(path).read()
    m = re.search(r'^actionban\s*=\s*(.*?)(?=^\S|\Z)', text, re.M | re.S)
    check(m, 'no actionban in the fail2ban action')
    # As fail2ban's config parser does: continuation lines joined by
    # newlines, which the shell then reads (backslash-newline included).
    cmd = '\n'.join(l.strip() for l in m.group(1).splitlines() if l.strip())
    # Substitute the tags fail2ban would, from the action's [Init] defaults
    # and the jail.
    tokfile = os.path.join(C.dir, 'f2b.token')
    write(tokfile, REPORTER_TOKEN + '\n', 0o600)
    init = dict(re.findall(r'^(\w+)\s*=\s*(.*)$',
                           text.split('[Init]', 1)[1], re.M))
    init.update({'rbld_url': 'http://%s:%d' % (HOST, C.api),
                 'rbld_token_file': tokfile, 'rbld_type': 'spam',
                 'name': 'postfix-sasl', 'ip': '198.51.100.150',
                 'fq-hostname': 'mx1.example.test', 'failures': '5'})
    for _ in range(5):
        cmd = re.sub(r'<([\w-]+)>', lambda mm: init.get(mm.group(1),
                                                      mm.group(0)), cmd)
    check(not re.search(r'<[\w-]+>', cmd), 'unsubstituted tags: ' + cmd)
    cmd = cmd.replace('%%', '%')    # fail2ban's interpolation escape
    for i in range(2):
        r = subprocess.run(['sh', '-c', cmd], capture_output=True, text=True,
                           timeout=20)
        check(r.returncode == 0, 'actionban exit %d: %s %s' % (
            r.returncode, r.stdout, r.stderr))
    listed('198.51.100.150')
    h = want(api('GET', '/v1/reports?ip=198.51.100.150', token=READER_TOKEN),
             200, 'reports').json()
    check(h['reports'][0]['recent'][0]['service'] == 'postfix-sasl',
          'service %r' % h)


def test_rbldctl_report():
    ip = '198.51.100.160'
    for i in range(2):
        out = ctl('report', ip, '--type', 'failed-login', '--service',
                  'sshd').stdout
        check('not listed' in out, 'rbldctl report %d: %s' % (i + 1, out))
    out = ctl('report', ip, '--type', 'failed-login').stdout
    check('listed until' in out, 'third rbldctl report: ' + out)
    listed(ip)     # the running daemon serves it at once
    r = ctl('report', ip, '--type', 'nope', ok=(1,))
    check('unknown report type' in r.stderr, r.stderr)
    # rbldctl del lifts it, and the report record says so, as with the API
    h = want(api('GET', '/v1/reports?ip=' + ip, token=READER_TOKEN), 200,
             'reports of ' + ip).json()
    check(h['reports'][0]['listed'] is True, 'record before del: %r' % h)
    ctl('del', ip, '--source', 'reports')
    not_listed(ip)
    h = want(api('GET', '/v1/reports?ip=' + ip, token=READER_TOKEN), 200,
             'reports of ' + ip).json()
    check(h['reports'][0]['listed'] is False,
          'record after rbldctl del: %r' % h)


def test_sighup_new_token():
    tok = 'extra-token-added-at-sighup'
    want(api('GET', '/v1/zones', token=tok), 401, 'before SIGHUP')
    write(C.conf, conf_text(extra_token=tok))
    mark = C.d.mark()
    C.d.send(signal.SIGHUP)
    check(C.d.wait_for(r'configuration reloaded', 10, mark),
          'no reload:\n' + C.d.tail())
    want(api('GET', '/v1/zones', token=tok), 200, 'after SIGHUP')


def test_tls():
    """A second daemon with api-cert/api-key: HTTPS, verified."""
    d = tempfile.mkdtemp(prefix='rbld-tls-', dir=C.dir)
    r = subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                        '-nodes', '-keyout', os.path.join(d, 'key.pem'),
                        '-out', os.path.join(d, 'cert.pem'), '-days', '2',
                        '-subj', '/CN=127.0.0.1', '-addext',
                        'subjectAltName=IP:127.0.0.1'],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, 'openssl: ' + r.stderr)
    conf = os.path.join(d, 'rbld.conf')
    write(conf, conf_text(tls=True))
    t = Daemon([RBLD, '-c', conf], 'rbld-tls', cwd=d)
    try:
        m = t.wait_for(r'api: listening on 127\.0\.0\.1:(\d+) \(https\)', 15)
        check(m, 'no https listener:\n' + t.tail())
        port = int(m.group(1))
        tm = t.wait_for(r'admin token "admin": (rbld_[0-9a-f]{40})$', 5)
        check(tm, 'no admin token:\n' + t.tail())
        ctx = ssl.create_default_context(cafile=os.path.join(d, 'cert.pem'))
        c = Client(port=port, https=ctx)
        try:
            want(c.req('GET', '/v1/zones', token=tm.group(1)), 200, 'https')
            want(c.req('GET', '/v1/zones', token='wrong'), 401, 'https 401')
        finally:
            c.close()
        # Without the certificate as a trust anchor: refused by the client.
        try:
            Client(port=port, https=ssl.create_default_context()).req(
                'GET', '/healthz')
            raise Failure('an unverified certificate was accepted')
        except ssl.SSLError:
            pass
        # Plain HTTP to the TLS port gets no HTTP answer.
        s = socket.create_connection((HOST, port), timeout=5)
        try:
            s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
            try:
                data = s.recv(100)
            except OSError:
                data = b''
            check(not data.startswith(b'HTTP/1.1 200'),
                  'plain HTTP answered on the TLS port')
        finally:
            s.close()
    finally:
        t.stop()


def healthz_on(addr, port, source):
    """GET /healthz on a connection of its own; the status line, or b''."""
    s = socket.socket()
    try:
        s.bind((source, 0))
        s.settimeout(5)
        s.connect((addr, port))
        s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n'
                  b'Connection: close\r\n\r\n')
        return s.recv(100).split(b'\r\n')[0]
    except OSError:
        return b''
    finally:
        s.close()


def test_connection_limit_counts_every_address():
    """
    api-connections bounds the connections of all API addresses together:
    a second daemon listening on two addresses, 3 connections in all.
    """
    d = tempfile.mkdtemp(prefix='rbld-conns-', dir=C.dir)
    conf = os.path.join(d, 'rbld.conf')
    write(conf, '\n'.join(['[rbld]', 'database = db',
                           'dns = %s:0' % HOST,
                           'api = 127.0.0.1:0 127.0.0.2:0',
                           'api-connections = 3', 'api-per-ip = 3',
                           'workers = 1', '', '[zone %s]' % ZONE,
                           'sources = local', '', '[source local]',
                           'kind = local', '']))
    t = Daemon([RBLD, '-c', conf], 'rbld-conns', cwd=d)
    socks = []
    try:
        ports = {}
        for addr in ('127.0.0.1', '127.0.0.2'):
            m = t.wait_for(r'api: listening on %s:(\d+)' %
                           re.escape(addr), 15)
            check(m, 'no listener on %s:\n%s' % (addr, t.tail()))
            ports[addr] = int(m.group(1))
        for addr, source in (('127.0.0.1', '127.0.0.31'),
                             ('127.0.0.1', '127.0.0.32'),
                             ('127.0.0.2', '127.0.0.33')):
            s = socket.socket()
            s.bind((source, 0))
            s.connect((addr, ports[addr]))
            socks.append(s)
        time.sleep(0.3)
        for addr in ports:
            got = healthz_on(addr, ports[addr], '127.0.0.34')
            check(not got.endswith(b' 200 OK'),
                  'a 4th connection, to %s, was served: %r' % (addr, got))
        socks.pop().close()
        got = b''
        for _ in range(50):       # until the daemon has seen the close
            got = healthz_on('127.0.0.2', ports['127.0.0.2'], '127.0.0.34')
            if got.endswith(b' 200 OK'):
                break
            time.sleep(0.1)
        check(got.endswith(b' 200 OK'),
              'after a close, a 3rd connection was not served: %r' % got)
    finally:
        for s in socks:
            s.close()
        t.stop()


class SlowFeed(http.server.BaseHTTPRequestHandler):
    """Serves SlowFeed.body at /list after SlowFeed.delay seconds."""
    body = b''
    delay = 0.0

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        time.sleep(SlowFeed.delay)
        body = SlowFeed.body
        try:
            self.send_response(200 if self.path == '/list' else 404)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass


def test_refresh_does_not_hold_up_a_reload():
    """
    A feed refresh asked for over the API waits for the fetch without the
    configuration lock: a SIGHUP reload during a slow fetch, and the
    requests behind it, go on at once. A second daemon of its own, with
    one feed served by the test.
    """
    srv = http.server.ThreadingHTTPServer((HOST, 0), SlowFeed)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix='rbld-api-refresh-')
    zone, token, d = 'feed.api.test', 'admin-token-for-the-refresh-test', None
    SlowFeed.body, SlowFeed.delay = b'81.2.69.1\n', 0.0
    conf = os.path.join(folder, 'rbld.conf')
    write(conf, '\n'.join([
        '[rbld]', 'database = db', 'dns = %s:0' % HOST,
        'api = %s:0' % HOST, 'workers = 1', '',
        '[zone %s]' % zone, 'sources = slow', 'ttl = 60s', '',
        '[source slow]', 'kind = feed', 'format = plain', 'every = 1d',
        'url = http://%s:%d/list' % (HOST, srv.server_address[1]), '',
        '[token admin]', 'role = admin', 'hash = %s' % sha(token), '']))
    try:
        d = Daemon([RBLD, '-c', conf], 'rbld', cwd=folder)
        m = d.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+)', 15)
        a = d.wait_for(r'api: listening on 127\.0\.0\.1:(\d+)', 15)
        if m is None or a is None:
            raise Failure('second rbld did not start:\n' + d.tail())
        dport, aport = int(m.group(1)), int(a.group(1))
        if d.wait_for(r'feed slow: .* 1 entries', 15) is None:
            raise Failure('the feed was not loaded:\n' + d.tail())
        expect(dport, '81.2.69.1', A, zone=zone, values=['127.0.0.2'],
               ttl=60)

        SlowFeed.body, SlowFeed.delay = b'81.2.69.1\n81.2.69.2\n', 3.0
        out = {}

        def refresh():
            c = Client(port=aport)
            try:
                out['r'] = c.req('POST', '/v1/sources/slow/refresh',
                                 token=token)
            except Exception as e:      # reported by the check below
                out['e'] = e
            finally:
                c.close()

        t = threading.Thread(target=refresh, daemon=True)
        t.start()
        time.sleep(0.5)
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        t0 = time.monotonic()
        c = Client(port=aport)
        try:
            r = c.req('GET', '/v1/sources', token=token)
        finally:
            c.close()
        took = time.monotonic() - t0
        busy = t.is_alive()
        want(r, 200, 'GET /v1/sources during a refresh and a reload')
        check(took < 1.5 and busy, 'GET /v1/sources took %.1f s during a '
              'slow refresh (still running: %s): the refresh holds the '
              'configuration lock' % (took, busy))
        check(d.wait_for(r'configuration reloaded', 5) is not None,
              'no reload logged during the refresh:\n' + d.tail())
        t.join(15)
        check('r' in out, 'refresh failed: %r' % out.get('e'))
        body = want(out['r'], 200, 'refresh').json()
        check(body.get('entries') == 2 and body.get('changed', 0) >= 1,
              'refresh answer %r' % body)
        expect(dport, '81.2.69.2', A, zone=zone, values=['127.0.0.2'],
               ttl=60)
    finally:
        srv.shutdown()
        stop_and_clean(d, folder)


def test_sigterm_exit_0():
    rc = C.d.stop(signal.SIGTERM, timeout=10)
    check(rc == 0, 'rbld exited %s on SIGTERM\n%s' % (rc, C.d.tail(10)))


TESTS = [
    test_first_admin_token_only_hash_kept,
    test_healthz_without_auth,
    test_missing_or_wrong_token_401,
    test_wrong_role_403,
    test_bad_input_400,
    test_3mb_body_413,
    test_unknown_route_404_wrong_method_405,
    test_reports_threshold_dns_and_expiry,
    test_allowlisted_never_listed,
    test_ipv6_counts_per_prefix,
    test_entry_add_lookup_delete,
    test_entries_pagination,
    test_acknowledged_entry_survives_kill9,
    test_failed_logins_lock_out,
    test_connection_limits_and_timeout,
    test_slow_clients_cannot_lock_out_a_reporter,
    test_sources_zones_serial_export,
    test_metrics,
    test_fail2ban_action,
    test_rbldctl_report,
    test_sighup_new_token,
    test_tls,
    test_connection_limit_counts_every_address,
    test_refresh_does_not_hold_up_a_reload,
    test_sigterm_exit_0,
]


def main():
    return run_tests(
        TESTS, setup, teardown,
        lambda: 'rbld on %s: dns %d, api %d, folder %s' % (HOST, C.port,
                                                          C.api, C.dir),
        lambda: C.d)


if __name__ == '__main__':
    sys.exit(main())
