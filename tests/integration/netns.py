# SPDX-License-Identifier: BSD-2-Clause
"""Run a test script in a network and mount namespace of its own.

The mail-server tests (test_postfix.py, test_dovecot.py) run real daemons
as root on port 53, 25-like ports and the clients' own addresses: inside
`unshare -nm` nothing of the host is seen or touched, and nothing outlives
the test. enter() re-executes the script there, or says why it cannot.
"""

import os
import shutil
import subprocess
import sys


def enter(env_name, needs):
    """Re-exec this script in a new namespace (ENV_NAME set to 1 there).

    Returns None inside the namespace. Outside it, when it cannot be made
    (not root, a program of NEEDS missing, no namespaces), prints the
    reason and a "0 passed, 0 failed" line and returns the exit status 0.
    """
    if os.environ.get(env_name) == '1':
        return None
    why = None
    missing = [n for n in needs if not shutil.which(n)]
    if os.geteuid() != 0:
        why = 'root (the mail servers\' masters run as root)'
    elif missing:
        why = '%s, which is not installed' % ', '.join(missing)
    else:
        argv = ['unshare', '-nm', '--propagation', 'private']
        probe = subprocess.run(argv + ['true'], capture_output=True,
                               text=True)
        if probe.returncode == 0:
            env = dict(os.environ, **{env_name: '1'})
            os.execvpe(argv[0], argv + [sys.executable] + sys.argv, env)
        why = 'network and mount namespaces (unshare -nm: %s)' % \
            probe.stderr.strip()
    print('SKIPPED: %s needs %s' % (os.path.basename(sys.argv[0]), why))
    print('0 passed, 0 failed')
    return 0


def loopback(addresses):
    """Bring the namespace's loopback up with ADDRESSES on it."""
    for argv in [['ip', 'link', 'set', 'lo', 'up']] + [
            ['ip', 'addr', 'add', a + '/32', 'dev', 'lo'] for a in addresses]:
        subprocess.run(argv, check=True, capture_output=True)


def log_tail(path, n=30):
    """The last N lines of a mail server's log file, indented, for a
    failure message."""
    try:
        with open(path, errors='replace') as f:
            return ''.join('    | ' + line for line in f.readlines()[-n:])
    except OSError:
        return '    (no %s)' % os.path.basename(path)
