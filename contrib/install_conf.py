#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""
The rbld.conf that `meson install` puts in SYSCONFDIR/rbld: the shipped one,
commented line by line, with the installed paths (the database in
LOCALSTATEDIR/lib/rbld, the data files beside the config, the feed presets
and the web page in DATADIR/rbld); its addresses stay on loopback.

usage: install_conf.py IN OUT SYSCONFDIR DATADIR LOCALSTATEDIR
"""

import sys


def main():
    src, out, etc, share, var = sys.argv[1:6]
    subst = [
        ('database = var/db ', 'database = %s/lib/rbld/db ' % var),
        ('file = zones/local.rbl ', 'file = %s/rbld/local.rbl ' % etc),
        ('file = zones/allow.rbl ', 'file = %s/rbld/allow.rbl ' % etc),
        ('include feeds/*.conf', 'include %s/rbld/feeds/*.conf' % share),
        ('# web  = web ', 'web  = %s/rbld/web ' % share),
    ]
    with open(src, encoding='utf-8') as f:
        text = f.read()
    for old, new in subst:
        if old not in text:
            sys.exit('install_conf.py: "%s" is not in %s any more' % (old,
                                                                     src))
        text = text.replace(old, new, 1)
    with open(out, 'w', encoding='utf-8') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
