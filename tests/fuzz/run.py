#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Run one libFuzzer target briefly from seeds made here: a smoke test.

    run.py FUZZER NAME SOURCE_ROOT

Seeds come from the repository (data files, feeds, configs), a few
hand-made DNS queries and API requests, and the corpus that longer runs
(campaign.py) found and kept in tests/fuzz/corpus/NAME. The run lasts FUZZ_SECONDS (20 by
default); any crash, leak or sanitizer report fails it. Prints one
"N passed, M failed" line.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile


def dns_query(name, qtype, qid=0x1234, flags=0x0100, edns=None):
    wire = struct.pack('!HHHHHH', qid, flags, 1, 0, 0, 1 if edns else 0)
    for label in name.rstrip('.').split('.'):
        wire += bytes([len(label)]) + label.encode()
    wire += b'\0' + struct.pack('!HH', qtype, 1)
    if edns:
        wire += b'\0' + struct.pack('!HHIH', 41, edns, 0, 0)
    return wire


def v6name(hexaddr, zone):
    return '.'.join(reversed(hexaddr)) + '.' + zone


def seeds(name, root):
    zone = 'bl.fuzz.test'
    if name in ('dns', 'tsig'):
        return [dns_query('7.100.51.198.' + zone, 1),
                dns_query('7.100.51.198.' + zone, 16, edns=1232),
                dns_query('1.2.0.192.' + zone, 255),
                dns_query(zone, 6), dns_query(zone, 2),
                dns_query(v6name('20010db8' + '0' * 24, zone), 16),
                dns_query('2.0.0.127.other.fuzz.test', 1),
                dns_query('example.org', 1),
                dns_query(zone, 252, flags=0),
                b'\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00']
    out = []
    if name == 'rbldnsd':
        for f in ('zones/local.rbl', 'zones/allow.rbl',
                  'tests/data/feeds/real-rbldnsd.zone'):
            with open(os.path.join(root, f), 'rb') as fh:
                out.append(fh.read(8192))
        out.append(b'$SOA 300 ns. host. 1 2 3 4 5\n$NS 300 ns1. ns2.\n'
                   b':127.0.0.2:Listed $ $$\n1.2.3.4\n!1.2.3.5\n'
                   b'10.0.0.0-10.0.3.255 :3:range\n2001:db8::/32\n')
    elif name == 'feed':
        feeds = os.path.join(root, 'tests', 'data', 'feeds')
        for i, f in enumerate(sorted(os.listdir(feeds))):
            with open(os.path.join(feeds, f), 'rb') as fh:
                for fmt in range(7):
                    out.append(bytes([fmt]) + fh.read(4096))
                    fh.seek(0)
        out.append(bytes([6]) + b'bl.fuzz.test. 60 IN SOA ns. h. 1 2 3 4 5\n'
                   b'4.3.2.1.bl.fuzz.test. 60 IN A 127.0.0.2\n'
                   b'*.2.0.192.bl.fuzz.test. 60 IN TXT "x"\n')
    elif name == 'conf':
        for f in ['rbld.conf'] + ['feeds/' + x for x in
                                  sorted(os.listdir(os.path.join(root,
                                                                 'feeds')))]:
            with open(os.path.join(root, f), 'rb') as fh:
                out.append(fh.read())
    elif name == 'api':
        j = 'application/json'
        out = [b'GET /v1/lookup/198.51.100.7\n\n',
               b'GET /v1/lookup/2002:c000:201::1\n\n',
               ('POST /v1/entries\n%s\n{"prefix":"203.0.113.0/24",'
                '"source":"data","ttl":"1h","reason":"r","a":"127.0.0.9",'
                '"txt":"T $"}' % j).encode(),
               ('POST /v1/reports\n%s\n{"ip":"198.51.100.9","type":'
                '"failed-login","service":"sshd","reason":"x"}' % j).encode(),
               ('POST /v1/reports\n%s\n{"ip":"2001:db8:7::1","type":"spam"}'
                % j).encode(),
               b'DELETE /v1/entries/203.0.113.0/24?source=data\n\n',
               b'GET /v1/entries?limit=2&after=192.0.2.0/24,data\n\n',
               b'GET /v1/reports?ip=198.51.100.9&limit=1\n\n',
               b'GET /v1/sources\n\n', b'GET /v1/zones\n\n',
               b'GET /v1/zones/bl.fuzz.test/export?format=rbldnsd\n\n',
               b'GET /v1/zones/bl.fuzz.test/export?format=bind\n\n',
               b'GET /metrics\n\n', b'GET /healthz\n\n',
               b'POST /v1/sources/data/refresh\n\n', b'PUT /v1/entries\n\n',
               ('POST /v1/dovecot/?command=allow\n%s\n{"login":"u","pwhash":'
                '"ab12","remote":"198.51.100.9","device_id":"","protocol":'
                '"imap","session_id":"s1"}' % j).encode(),
               ('POST /v1/dovecot/?command=report\n%s\n{"remote":'
                '"198.51.100.9","protocol":"imap","success":false,'
                '"policy_reject":false}' % j).encode()]
    return out


def write_seeds(name, root, corpus):
    """The hand-made seeds, then the corpus kept in tests/fuzz/corpus/NAME
    (what earlier campaigns found, minimised), into the directory corpus."""
    for i, s in enumerate(seeds(name, root)):
        with open(os.path.join(corpus, 'seed%03d' % i), 'wb') as f:
            f.write(s)
    kept = os.path.join(root, 'tests', 'fuzz', 'corpus', name)
    if os.path.isdir(kept):
        for f in os.listdir(kept):
            shutil.copy(os.path.join(kept, f), os.path.join(corpus, f))


def main():
    fuzzer, name, root = sys.argv[1:4]
    secs = int(os.environ.get('FUZZ_SECONDS', '20'))
    corpus = tempfile.mkdtemp(prefix='rbld-fuzz-%s.' % name)
    try:
        write_seeds(name, root, corpus)
        r = subprocess.run([fuzzer, '-max_total_time=%d' % secs,
                            '-timeout=10', '-rss_limit_mb=2048',
                            '-print_final_stats=1', corpus],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors='replace', timeout=secs + 240)
        out = r.stdout
        stats = [l for l in out.splitlines() if l.startswith(
            ('stat::number_of_executed_units', 'stat::peak_rss_mb'))]
        print('\n'.join(stats))
        if r.returncode != 0:
            print(out[-6000:])
            print('fuzz-%s: the fuzzer failed (exit %d)' % (name,
                                                            r.returncode))
            print('0 passed, 1 failed')
            return 1
        print('1 passed, 0 failed')
        return 0
    finally:
        shutil.rmtree(corpus, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
