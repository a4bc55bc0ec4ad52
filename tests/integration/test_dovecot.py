#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End to end: Debian's Dovecot asks rbld before each login.

Dovecot (dovecot-imapd) runs with a configuration of the test's own, its
auth policy pointed at rbld's /v1/dovecot/ with a reporter token, in a
network and mount namespace of the test's own (tests/integration/netns.py)
whose loopback carries the clients' addresses. Over IMAP, with passwords
checked by a static passdb:

- a good login from a clean address succeeds;
- an address rbld lists is refused, whatever its password;
- three failed logins from one address are reported, list it in the
  zone, and its fourth attempt is refused although its password is right,
  with rbld's reason.

Needs root and namespaces; where either is missing it says so and skips.
Run: python3 test_dovecot.py [TEST...]
"""

import hashlib
import imaplib
import os
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # no __pycache__ in the source tree
from test_dns import (Daemon, Failure, check, run_tests,  # noqa: E402
                      write, udp, A, NXDOMAIN, v4name)
import netns  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
RBLD = os.environ.get('RBLD_BIN', os.path.join(TOP, 'build', 'rbld'))
NS_ENV = 'RBLD_DOVECOT_IN_NAMESPACE'

ZONE = 'bl.imap.test'
CLEAN = '192.0.2.30'
LISTED = '192.0.2.40'       # in the local data file
GUESSER = '198.51.100.50'   # fails three times
IMAP = 1143
PASSWORD = 'the-right-password'
TOKEN = 'reporter-token-of-the-dovecot-test'
TARPIT = 1                  # dovecot-tarpit, seconds


class Ctx:
    dir = None
    d = None
    dovecot = None
    api = None


C = Ctx()


def dovecot_conf():
    return '''# Dovecot for the test: IMAP on loopback, rbld as its auth policy.
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/dovecot-run
state_dir = {dir}/dovecot-state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{dir}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
auth_policy_server_url = http://127.0.0.1:{api}/v1/dovecot/
auth_policy_server_api_header = Authorization: Bearer {token}
auth_policy_hash_nonce = a-nonce-for-the-test
auth_policy_server_timeout_msecs = 2000
'''.format(dir=C.dir, password=PASSWORD, imap=IMAP, api=C.api, token=TOKEN)


def rbld_conf():
    return '\n'.join([
        '[rbld]', 'database = db', 'dns = 127.0.0.1:0',
        'api = 127.0.0.1:0', 'workers = 1',
        'dovecot-tarpit = %ds' % TARPIT, '',
        '[zone %s]' % ZONE, 'sources = local reports', '',
        '[source local]', 'kind = local', 'file = local.rbl',
        'txt = Listed by the Dovecot test: $', '',
        '[source reports]', 'kind = reports', 'a = 127.0.0.3',
        'txt = Failed logins from $', 'failed-login = 3 in 10m ban 1h', '',
        '[token dovecot]', 'role = reporter',
        'hash = sha256:%s' % hashlib.sha256(TOKEN.encode()).hexdigest(),
        ''])


def setup():
    C.dir = tempfile.mkdtemp(prefix='rbld-dovecot-')
    os.chmod(C.dir, 0o755)
    netns.loopback((CLEAN, LISTED, GUESSER))
    write(os.path.join(C.dir, 'local.rbl'), LISTED + '\n')
    conf = os.path.join(C.dir, 'rbld.conf')
    write(conf, rbld_conf(), 0o600)
    C.d = Daemon([RBLD, '-c', conf], 'rbld', cwd=C.dir)
    m = C.d.wait_for(r'dns: listening on 127\.0\.0\.1:(\d+)', 15)
    C.port = int(m.group(1)) if m else None
    m = C.d.wait_for(r'api: listening on 127\.0\.0\.1:(\d+)', 15)
    if m is None or C.d.wait_for(r'\bready\b', 15) is None:
        raise Failure('rbld did not start:\n' + C.d.tail())
    C.api = int(m.group(1))
    for d in ('dovecot-run', 'dovecot-state', 'mail'):
        os.mkdir(os.path.join(C.dir, d))
    shutil.chown(os.path.join(C.dir, 'mail'), 'nobody', 'nogroup')
    dconf = os.path.join(C.dir, 'dovecot.conf')
    write(dconf, dovecot_conf())
    C.dovecot = Daemon(['dovecot', '-F', '-c', dconf], 'dovecot')
    for _ in range(100):
        if C.dovecot.proc.poll() is not None:
            raise Failure('dovecot exited:\n%s\n%s' % (C.dovecot.tail(),
                                                      dlog()))
        try:
            socket.create_connection(('127.0.0.1', IMAP), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise Failure('dovecot does not listen on %d:\n%s' % (IMAP, dlog()))


def dlog(n=30):
    return netns.log_tail(os.path.join(C.dir, 'dovecot.log'), n)


def teardown():
    if C.dovecot is not None:
        C.dovecot.stop()
    if C.d is not None:
        C.d.stop()
    if not os.environ.get('RBLD_KEEP_TMP'):
        shutil.rmtree(C.dir, ignore_errors=True)


class IMAPFrom(imaplib.IMAP4):
    """imaplib's client, connecting from a given address."""

    def __init__(self, source):
        self.source = source
        super().__init__('127.0.0.1', IMAP, timeout=20)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.source, 0))


def login(source, password):
    """(True, '') if the login went through, else (False, why)."""
    c = IMAPFrom(source)
    try:
        c.login('alice', password)
        return True, ''
    except imaplib.IMAP4.error as e:
        return False, str(e)
    finally:
        try:
            c.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


# ---------------------------------------------------------------- tests

def test_good_login_from_clean_address():
    ok, why = login(CLEAN, PASSWORD)
    check(ok, 'a good login from %s failed: %s\n%s' % (CLEAN, why, dlog()))


def test_listed_address_refused():
    ok, why = login(LISTED, PASSWORD)
    check(not ok, 'a login from listed %s went through' % LISTED)
    check('policy server refusal' in dlog(50) or 'listed in' in dlog(50),
          'dovecot did not log the policy refusal:\n%s' % dlog())


def test_three_failures_list_and_refuse_the_fourth():
    took = []
    for n in range(3):
        t = time.monotonic()
        ok, why = login(GUESSER, 'wrong-%d' % n)
        took.append(time.monotonic() - t)
        check(not ok, 'a wrong password went through')
    # (Each attempt after a failure also waits: rbld's tarpit, TARPIT
    # seconds per failure, and Dovecot's own auth penalty, which doubles;
    # check_api_admin.c tests the tarpit's figures.)
    deadline = time.monotonic() + 5
    while udp(v4name(GUESSER, ZONE), A, C.port).rcode() == NXDOMAIN and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    r = udp(v4name(GUESSER, ZONE), A, C.port)
    check(r.rcode() != NXDOMAIN and r.answer[0][0].to_text() == '127.0.0.3',
          '%s is not listed after three failed logins:\n%s' % (GUESSER,
                                                               C.d.tail()))
    ok, why = login(GUESSER, PASSWORD)
    check(not ok and 'listed in %s' % ZONE in why,
          'the fourth attempt, with the right password: %s %s' % (ok, why))
    print('    attempts took %s s; the fourth refused: %s' % (
        ' '.join('%.1f' % t for t in took), why))


TESTS = [
    test_good_login_from_clean_address,
    test_listed_address_refused,
    test_three_failures_list_and_refuse_the_fourth,
]


def main():
    rc = netns.enter(NS_ENV, ('dovecot', 'doveadm'))
    if rc is not None:
        return rc
    return run_tests(TESTS, setup, teardown,
                     lambda: 'dovecot and rbld in a namespace, in %s' % C.dir,
                     lambda: C.d)


if __name__ == '__main__':
    sys.exit(main())
