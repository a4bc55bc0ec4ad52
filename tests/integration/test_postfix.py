#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End to end: Debian's Postfix and fail2ban with rbld as their DNSBL.

The test runs in a network and mount namespace of its own (unshare -nm):
its loopback carries the clients' addresses, its /etc/resolv.conf points
at rbld on 127.0.0.1:53, and /etc/postfix and /var/spool/postfix are the
test's own folders bound over the real ones, so nothing of the host is
touched and nothing outlives the test. Then, with swaks:

- smtpd with `reject_rbl_client ZONE` refuses a listed client with 554 and
  the TXT reason, accepts an unlisted one, and refuses an address right
  after its third failed-login report over the API;
- postscreen with `postscreen_dnsbl_sites ZONE=127.0.0.[2..255]*3` drops
  a listed client and passes an unlisted one to smtpd;
- a real fail2ban-server, with the shipped action, bans an address after
  its failures in a log, and rbld lists it.

Needs root (Postfix's master runs as root) and namespaces; where either is
missing it says so and skips. Run: python3 test_postfix.py [TEST...]
"""

import hashlib
import http.client
import json
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from test_dns import (Daemon, Failure, check, run_tests, run,  # noqa: E402
                      write, udp, A, NXDOMAIN, v4name)
import netns  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
CONTRIB = os.path.join(TOP, 'contrib')
NS_ENV = 'RBLD_POSTFIX_IN_NAMESPACE'

ZONE = 'bl.e2e.test'
LISTED = '192.0.2.10'       # in the local data file
UNLISTED = '192.0.2.20'
REPORTED = '198.51.100.30'  # listed by its third failed-login report
BANNED = '198.51.100.40'    # banned by fail2ban
SMTPD = 2525                # smtpd with reject_rbl_client
SCREEN = 2526               # postscreen in front of smtpd
TOKEN = 'reporter-token-of-the-postfix-test'
TXT = 'Listed by the postfix test: see https://example.test/$'


class Ctx:
    dir = None
    d = None
    api = None
    postfix = False
    f2b = None


C = Ctx()


def rbld_conf():
    return '\n'.join([
        '[rbld]',
        'database = db',
        'dns = 127.0.0.1:53',
        'api = 127.0.0.1:0',
        'workers = 1',
        '',
        '[zone %s]' % ZONE,
        'sources = local reports',
        '',
        '[source local]',
        'kind = local',
        'file = local.rbl',
        'txt = %s' % TXT,
        '',
        '[source reports]',
        'kind = reports',
        'a = 127.0.0.3',
        'txt = Failed logins from $',
        'failed-login = 3 in 10m ban 1h',
        '',
        '[token reporter]',
        'role = reporter',
        'hash = sha256:%s' % hashlib.sha256(TOKEN.encode()).hexdigest(),
        ''])


MAIN_CF = '''# Postfix for the test: its own queue and log, rbld as the DNSBL.
compatibility_level = 3.6
queue_directory = /var/spool/postfix
data_directory = {dir}/postfix-data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
myhostname = mx.e2e.test
mydomain = e2e.test
mydestination = e2e.test
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
local_recipient_maps =
alias_maps =
alias_database =
smtpd_banner = $myhostname ESMTP
smtpd_client_restrictions = reject_rbl_client {zone}
smtpd_recipient_restrictions = reject_unauth_destination
postscreen_dnsbl_sites = {zone}=127.0.0.[2..255]*3
postscreen_dnsbl_threshold = 3
postscreen_dnsbl_action = drop
postscreen_greet_action = ignore
postscreen_greet_wait = 2s
postscreen_access_list =
postscreen_cache_map = btree:{dir}/postscreen_cache
smtp_dns_support_level = enabled
'''

MASTER_CF = '''# The services the test needs, none chrooted.
127.0.0.1:{smtpd} inet n - n - - smtpd -o max_use=1
127.0.0.1:{screen} inet n - n - 1 postscreen
smtpd      pass  -    -  n  -  -  smtpd
dnsblog    unix  -    -  n  -  0  dnsblog
tlsproxy   unix  -    -  n  -  0  tlsproxy
postlog    unix-dgram n - n - 1 postlogd
pickup     unix  n    -  n  60 1  pickup
cleanup    unix  n    -  n  -  0  cleanup
qmgr       unix  n    -  n  300 1 qmgr
rewrite    unix  -    -  n  -  -  trivial-rewrite
bounce     unix  -    -  n  -  0  bounce
defer      unix  -    -  n  -  0  bounce
trace      unix  -    -  n  -  0  bounce
verify     unix  -    -  n  -  1  verify
flush      unix  n    -  n  1000? 0 flush
proxymap   unix  -    -  n  -  -  proxymap
smtp       unix  -    -  n  -  -  smtp
showq      unix  n    -  n  -  -  showq
error      unix  -    -  n  -  -  error
retry      unix  -    -  n  -  -  error
discard    unix  -    -  n  -  -  discard
local      unix  -    n  n  -  -  local
anvil      unix  -    -  n  -  1  anvil
scache     unix  -    -  n  -  1  scache
'''


def sh(*argv, ok=True, timeout=60):
    if argv[0] == 'postfix':
        # postfix(1) says why it failed only on a terminal (or syslog).
        argv = ('script', '-qec', ' '.join(argv), '/dev/null')
    r = run(list(argv), timeout=timeout)
    if ok and r.returncode != 0:
        raise Failure('%s: exit %d\n%s%s' % (' '.join(argv), r.returncode,
                                             r.stdout, r.stderr))
    return r


def setup():
    C.dir = tempfile.mkdtemp(prefix='rbld-postfix-')
    os.chmod(C.dir, 0o755)
    if os.environ.get(NS_ENV) != '1':
        return
    # The namespace's own loopback, with the clients' addresses on it.
    netns.loopback((LISTED, UNLISTED, REPORTED, BANNED))
    # Its own resolver configuration, Postfix configuration and queue.
    resolv = os.path.join(C.dir, 'resolv.conf')
    write(resolv, 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n')
    sh('mount', '--bind', resolv, '/etc/resolv.conf')
    etc = os.path.join(C.dir, 'etc-postfix')
    spool = os.path.join(C.dir, 'spool')
    os.mkdir(etc)
    os.mkdir(spool)
    for f in ('postfix-files', 'postfix-script', 'post-install',
              'dynamicmaps.cf'):
        if os.path.exists('/etc/postfix/' + f):
            shutil.copy('/etc/postfix/' + f, etc)
    if os.path.isdir('/etc/postfix/postfix-files.d'):
        shutil.copytree('/etc/postfix/postfix-files.d',
                        os.path.join(etc, 'postfix-files.d'))
    if os.path.isdir('/etc/postfix/dynamicmaps.cf.d'):
        shutil.copytree('/etc/postfix/dynamicmaps.cf.d',
                        os.path.join(etc, 'dynamicmaps.cf.d'))
    os.mkdir(os.path.join(C.dir, 'postfix-data'))
    shutil.chown(os.path.join(C.dir, 'postfix-data'), 'postfix')
    write(os.path.join(etc, 'main.cf'), MAIN_CF.format(dir=C.dir, zone=ZONE))
    write(os.path.join(etc, 'master.cf'),
          MASTER_CF.format(smtpd=SMTPD, screen=SCREEN))
    sh('mount', '--bind', etc, '/etc/postfix')
    sh('mount', '--bind', spool, '/var/spool/postfix')
    # rbld, with the listed client in its data file.
    write(os.path.join(C.dir, 'local.rbl'), LISTED + '\n')
    conf = os.path.join(C.dir, 'rbld.conf')
    write(conf, rbld_conf(), 0o600)
    C.d = Daemon([RBLD, '-c', conf], 'rbld', cwd=C.dir)
    m = C.d.wait_for(r'api: listening on 127\.0\.0\.1:(\d+)', 15)
    if m is None or C.d.wait_for(r'\bready\b', 15) is None:
        raise Failure('rbld did not start:\n' + C.d.tail())
    C.api = int(m.group(1))
    sh('postfix', 'check')
    sh('postfix', 'start')
    C.postfix = True
    wait_port(SMTPD)
    wait_port(SCREEN)


def wait_port(port):
    for _ in range(100):
        r = run(['swaks', '--server', '127.0.0.1:%d' % port, '--quit-after',
                 'CONNECT', '--timeout', '2', '--local-interface',
                 '127.0.0.1'], timeout=20)
        if r.returncode == 0 or '220' in r.stdout:
            return
        time.sleep(0.1)
    raise Failure('postfix does not answer on port %d:\n%s' % (port,
                                                               maillog()))


def maillog(n=30):
    return netns.log_tail(os.path.join(C.dir, 'maillog'), n)


def teardown():
    if C.f2b is not None:
        run(C.f2b + ['stop'], timeout=30)
    if C.postfix:
        run(['postfix', 'stop'], timeout=30)
        time.sleep(0.5)     # the master waits for its children
        run(['postfix', 'abort'], timeout=30)
    if C.d is not None:
        C.d.stop()
    if not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(C.dir, ignore_errors=True)


def swaks(client, port):
    """One SMTP transaction from CLIENT up to RCPT; all that was said."""
    r = run(['swaks', '--server', '127.0.0.1:%d' % port, '--local-interface',
             client, '--from', 'sender@example.net', '--to',
             'postmaster@e2e.test', '--quit-after', 'RCPT', '--timeout',
             '15'], timeout=60)
    return r.stdout + r.stderr


def refused_554(out):
    return re.search(r'<\*\* 554 5\.7\.1 .*', out)


def accepted(out):
    return re.search(r'<- +250 2\.1\.5 Ok', out)


def report(ip):
    c = http.client.HTTPConnection('127.0.0.1', C.api, timeout=10)
    c.request('POST', '/v1/reports', body=json.dumps(
        {'ip': ip, 'type': 'failed-login', 'service': 'dovecot'}),
        headers={'Authorization': 'Bearer ' + TOKEN,
                 'Content-Type': 'application/json'})
    r = c.getresponse()
    body = json.loads(r.read())
    c.close()
    check(r.status == 202, 'report %s: %d %r' % (ip, r.status, body))
    return body


# ---------------------------------------------------------------- tests

def test_listed_client_refused_554_with_txt():
    out = swaks(LISTED, SMTPD)
    m = refused_554(out)
    reason = TXT.replace('$', LISTED)
    check(m and ('blocked using %s; %s' % (ZONE, reason)) in m.group(0),
          'a listed client: no 554 with the TXT reason:\n%s\n%s' %
          (out, maillog()))
    print('    %s' % m.group(0).strip())


def test_unlisted_client_accepted():
    out = swaks(UNLISTED, SMTPD)
    check(accepted(out) and not refused_554(out),
          'an unlisted client was not accepted:\n%s\n%s' % (out, maillog()))


def test_refused_after_third_failed_login_report():
    for n in (1, 2):
        body = report(REPORTED)
        check(not body['listed'], 'listed after %d reports: %r' % (n, body))
        out = swaks(REPORTED, SMTPD)
        check(accepted(out), 'refused after %d reports:\n%s' % (n, out))
    body = report(REPORTED)
    check(body['listed'], 'not listed after the third report: %r' % body)
    ans = udp(v4name(REPORTED, ZONE), A, 53)
    check(ans.rcode() != NXDOMAIN, 'rbld does not answer for %s after the '
          'third report: %s' % (REPORTED, ans))
    out = swaks(REPORTED, SMTPD)
    m = refused_554(out)
    check(m and 'Failed logins from %s' % REPORTED in m.group(0),
          'not refused right after the third report:\n%s\n%s' %
          (out, maillog()))
    print('    %s' % m.group(0).strip())


def test_postscreen_drops_listed_client():
    out = swaks(LISTED, SCREEN)
    check(re.search(r'<\*\* 521 ', out) or 'Remote host closed' in out,
          'postscreen did not drop a listed client:\n%s\n%s' %
          (out, maillog()))
    log = maillog(200)
    check(re.search(r'DNSBL rank 3 for \[%s\]' % re.escape(LISTED), log),
          'postscreen logged no DNSBL rank for %s:\n%s' % (LISTED, log))
    out = swaks(UNLISTED, SCREEN)
    check(accepted(out), 'postscreen did not pass an unlisted client:\n%s'
          '\n%s' % (out, maillog()))


def test_fail2ban_server_bans_into_rbld():
    if not shutil.which('fail2ban-client'):
        raise Failure('fail2ban is not installed')
    f2b = os.path.join(C.dir, 'fail2ban')
    shutil.copytree('/etc/fail2ban', f2b, ignore=shutil.ignore_patterns(
        'jail.d', 'jail.local', '*.local'))
    os.mkdir(os.path.join(f2b, 'jail.d'))
    shutil.copy(os.path.join(CONTRIB, 'fail2ban', 'action.d', 'rbld.conf'),
                os.path.join(f2b, 'action.d', 'rbld.conf'))
    token = os.path.join(C.dir, 'f2b.token')
    write(token, TOKEN + '\n', 0o600)
    authlog = os.path.join(C.dir, 'auth.log')
    write(authlog, '')
    write(os.path.join(f2b, 'fail2ban.local'), '\n'.join([
        '[Definition]', 'loglevel = INFO',
        'logtarget = %s/fail2ban.log' % C.dir,
        'socket = %s/fail2ban.sock' % C.dir,
        'pidfile = %s/fail2ban.pid' % C.dir,
        'dbfile = :memory:', '']))
    write(os.path.join(f2b, 'filter.d', 'rbld-e2e.conf'), '\n'.join([
        '[Definition]', 'failregex = ^auth failure from <HOST>$',
        'datepattern = {NONE}', '']))
    write(os.path.join(f2b, 'jail.local'), '\n'.join([
        '[DEFAULT]', 'backend = polling', '',
        '[rbld-e2e]', 'enabled = true', 'filter = rbld-e2e',
        'logpath = %s' % authlog, 'maxretry = 3', 'findtime = 10m',
        'bantime = 10m',
        'action = rbld[rbld_url="http://127.0.0.1:%d", '
        'rbld_token_file="%s"]' % (C.api, token), '']))
    C.f2b = ['fail2ban-client', '-c', f2b, '-s',
             os.path.join(C.dir, 'fail2ban.sock')]
    r = run(C.f2b + ['-x', 'start'], timeout=60)
    check(r.returncode == 0, 'fail2ban did not start: %s%s' % (r.stdout,
                                                              r.stderr))
    check(udp(v4name(BANNED, ZONE), A, 53).rcode() == NXDOMAIN,
          '%s listed before fail2ban banned it' % BANNED)
    # Three reports from one ban: the source lists after three failed-login
    # reports, and one fail2ban ban is one report; so ban it three times.
    for n in range(3):
        with open(authlog, 'a') as f:
            for _ in range(3):
                f.write('auth failure from %s\n' % BANNED)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = run(C.f2b + ['status', 'rbld-e2e'], timeout=20)
            if BANNED in r.stdout:
                break
            time.sleep(0.3)
        check(BANNED in r.stdout, 'fail2ban did not ban %s:\n%s' %
              (BANNED, r.stdout))
        if n < 2:
            run(C.f2b + ['set', 'rbld-e2e', 'unbanip', BANNED], timeout=20)
    deadline = time.monotonic() + 10
    got = None
    while time.monotonic() < deadline:
        ans = udp(v4name(BANNED, ZONE), A, 53)
        if ans.rcode() != NXDOMAIN:
            got = ans.answer[0][0].to_text()
            break
        time.sleep(0.2)
    log = open(os.path.join(C.dir, 'fail2ban.log'), errors='replace').read()
    check(got == '127.0.0.3', 'rbld does not list %s after fail2ban\'s bans '
          '(%r):\n%s' % (BANNED, got, log[-3000:]))
    out = swaks(BANNED, SMTPD)
    check(refused_554(out), 'postfix accepted %s after fail2ban banned it:'
          '\n%s' % (BANNED, out))
    print('    fail2ban banned %s three times; rbld lists it; postfix '
          'refuses it' % BANNED)


TESTS = [
    test_listed_client_refused_554_with_txt,
    test_unlisted_client_accepted,
    test_refused_after_third_failed_login_report,
    test_postscreen_drops_listed_client,
    test_fail2ban_server_bans_into_rbld,
]


def main():
    rc = netns.enter(NS_ENV, ('postfix', 'swaks', 'fail2ban-client'))
    if rc is not None:
        return rc
    return run_tests(TESTS, setup, teardown,
                     lambda: 'postfix and rbld in a namespace, in %s' % C.dir,
                     lambda: C.d)


if __name__ == '__main__':
    sys.exit(main())
