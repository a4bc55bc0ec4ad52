#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The man pages against the code: mandoc finds nothing to warn about in
man/*.[58], rbld.conf(5) names every key of rbld/conf_schema.c, rbldctl(8)
every command of rbld/rbldctl.c, and rbld(8) every option of rbld/rbld.c.
Ends with "N passed, M failed"; exit status 0 when all of it holds.
"""

import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = [0, 0]


def check(ok, what):
    RESULTS[0 if ok else 1] += 1
    print('%s: %s' % ('ok' if ok else 'FAIL', what))
    return ok


def read(*p):
    with open(os.path.join(TOP, *p), encoding='utf-8') as f:
        return f.read()


def main():
    pages = ['rbld.8', 'rbldctl.8', 'rbld.conf.5']
    for p in pages:
        try:
            r = subprocess.run(['mandoc', '-T', 'lint', '-W', 'warning',
                                os.path.join(TOP, 'man', p)],
                               capture_output=True, text=True)
            check(r.returncode == 0, 'mandoc -T lint %s: %s' % (
                p, (r.stdout + r.stderr).strip() or 'clean'))
        except FileNotFoundError:
            check(False, 'mandoc is missing (apt-get install mandoc)')
    conf5 = read('man', 'rbld.conf.5')
    keys = sorted(set(re.findall(r'\.name = "([a-z0-9-]+)"',
                                 read('rbld', 'conf_schema.c'))))
    missing = [k for k in keys if not re.search(r'\bCm %s\b' % re.escape(k),
                                                 conf5)]
    check(not missing, 'rbld.conf(5) describes all %d keys%s' % (
        len(keys), ': missing ' + ', '.join(missing) if missing else ''))
    for sect in ('[rbld]', '[zone', '[source', '[allow]', '[token'):
        check('.Ss ' + sect in conf5, 'rbld.conf(5) has a section %s' % sect)
    ctl8 = read('man', 'rbldctl.8')
    cmds = re.findall(r'\{ "([a-z]+)", cmd_', read('rbld', 'rbldctl.c'))
    missing = [c for c in cmds if not re.search(r'\bCm %s\b' % c, ctl8)]
    check(cmds and not missing, 'rbldctl(8) describes all %d commands%s' % (
        len(cmds), ': missing ' + ', '.join(missing) if missing else ''))
    rbld8 = read('man', 'rbld.8')
    opts = re.findall(r'\{ "([a-z]+)", (?:no|required)_argument',
                      read('rbld', 'rbld.c'))
    missing = [o for o in opts if 'Fl -%s' % o not in rbld8]
    check(opts and not missing, 'rbld(8) describes all %d options%s' % (
        len(opts), ': missing ' + ', '.join(missing) if missing else ''))
    for sig in ('SIGHUP', 'SIGTERM', 'SIGINT'):
        check(sig in rbld8, 'rbld(8) describes %s' % sig)
    print('%d passed, %d failed' % tuple(RESULTS))
    return 0 if RESULTS[1] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
