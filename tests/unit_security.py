#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The systemd unit of contrib/systemd/, as meson configures it, as systemd
itself rates it:
`systemd-analyze verify` finds nothing wrong, and `systemd-analyze security
--offline=yes` puts its exposure at 2.0 or lower (lower is safer; systemd
calls below 2.0 "OK"). Ends with "N passed, M failed".
"""

import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The unit as configured for the build (its paths filled in), or the one
# named on the command line.
UNIT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    TOP, 'build', 'rbld.service')


def main():
    passed = failed = 0
    try:
        r = subprocess.run(['systemd-analyze', 'security', '--offline=yes',
                            '--no-pager', UNIT], capture_output=True,
                           text=True, timeout=60)
    except FileNotFoundError:
        print('FAIL: systemd-analyze is missing (apt-get install systemd)')
        print('0 passed, 1 failed')
        return 1
    m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', r.stdout)
    level = float(m.group(1)) if m else None
    ok = level is not None and level <= 2.0
    print('%s: exposure level %s (at most 2.0)' % ('ok' if ok else 'FAIL',
                                                  level))
    passed, failed = (passed + ok, failed + (not ok))
    # Every directive is one systemd knows.
    r = subprocess.run(['systemd-analyze', 'verify', '--man=no', UNIT],
                       capture_output=True, text=True, timeout=60)
    bad = [ln for ln in r.stderr.splitlines()
           if 'Unknown key' in ln or 'Invalid' in ln or 'Failed to parse' in ln]
    ok = not bad
    print('%s: systemd-analyze verify: %s' % ('ok' if ok else 'FAIL',
                                             '; '.join(bad) or 'no bad key'))
    passed, failed = (passed + ok, failed + (not ok))
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
