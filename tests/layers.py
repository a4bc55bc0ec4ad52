#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The tree against docs/HACKING.md: every file of rbld/ belongs to a module of
the layer table there, includes no header of a layer above its own, keeps
private headers (NAME_int.h) and the libraries' headers (lmdb.h,
microhttpd.h) to the modules that own them, and stays under 1,100 lines.
Exit status 0 when all of that holds.
"""

import fnmatch
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
SRC = os.path.join(TOP, 'rbld')
DOC = os.path.join(TOP, 'docs', 'HACKING.md')
MAX_LINES = 1100
# A library header and the only files that may include it.
OWNED = {
    'lmdb.h': 'store*',
    'microhttpd.h': 'api_http.c',
}


def layers():
    """[(layer, [module patterns])] from the table, bottom first."""
    rows = []
    table = False
    with open(DOC, encoding='utf-8') as f:
        for line in f:
            if line.startswith('| layer | modules |'):
                table = True
                continue
            if table and line.startswith('|---'):
                continue
            if table and line.startswith('|'):
                cells = [c.strip() for c in line.strip().strip('|').split('|')]
                rows.append((cells[0], re.findall(r'`([a-z_*]+)`', cells[1])))
            elif table:
                break
    return rows


def module_of(stem, rows):
    """(layer index, module pattern) of a file's stem, or None."""
    for exact in (True, False):
        for i, (_, mods) in enumerate(rows):
            for m in mods:
                if (m == stem) if exact else ('*' in m and
                                              fnmatch.fnmatch(stem, m)):
                    return i, m
    return None


def main():
    rows = layers()
    if len(rows) < 5:
        print('FAIL: no layer table in %s' % DOC)
        return 1
    bad = []
    files = sorted(f for f in os.listdir(SRC) if f.endswith(('.c', '.h')))
    for name in files:
        stem = name[:-2]
        mine = module_of(stem, rows)
        if mine is None:
            bad.append('%s: in no module of docs/HACKING.md' % name)
            continue
        with open(os.path.join(SRC, name), encoding='utf-8') as f:
            text = f.read()
        n = text.count('\n')
        if n > MAX_LINES:
            bad.append('%s: %d lines (split it along its seams)' % (name, n))
        for inc in re.findall(r'^#include\s+"([^"]+)"', text, re.M):
            theirs = module_of(inc[:-2], rows)
            if theirs is None:
                bad.append('%s: includes %s, of no module' % (name, inc))
            elif theirs[0] > mine[0]:
                bad.append('%s (%s) includes %s (%s, a layer above)' % (
                    name, rows[mine[0]][0], inc, rows[theirs[0]][0]))
            if inc.endswith('_int.h') and not stem.startswith(
                    inc[:-len('_int.h')]):
                bad.append('%s includes %s, private to %s' % (
                    name, inc, inc[:-len('_int.h')]))
        for inc in re.findall(r'^#include\s+<([^>]+)>', text, re.M):
            owner = OWNED.get(inc)
            if owner and not fnmatch.fnmatch(name, owner):
                bad.append('%s includes <%s>, which only %s may' % (
                    name, inc, owner))
    for b in bad:
        print('FAIL: ' + b)
    print('%d files of rbld/ checked against %d layers: %s' % (
        len(files), len(rows), 'ok' if not bad else '%d problems' % len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
