# SPDX-License-Identifier: BSD-2-Clause
"""What the small daemon tests (test_rrl.py, test_tcp.py) share: checks that
count and go on, and a DNS query built by hand, byte for byte."""

import struct
import sys

RESULTS = [0, 0]    # passed, failed


def check(ok, what):
    """Count OK, print one line, go on; returns OK."""
    RESULTS[0 if ok else 1] += 1
    print('%s: %s' % ('ok' if ok else 'FAIL', what))
    sys.stdout.flush()
    return ok


def summary():
    """The closing "N passed, M failed" line; True when nothing failed."""
    print('%d passed, %d failed' % tuple(RESULTS))
    return RESULTS[1] == 0


def query(qid, name='2.0.0.127.bl.test'):
    """An A query for NAME with id QID and RD set, as wire bytes."""
    q = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for label in name.split('.'):
        q += bytes([len(label)]) + label.encode()
    return q + b'\0' + struct.pack('>HH', 1, 1)
