#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Load proof: rbld under everything at once, and still right.

    tests/bench/load.py [-l SECONDS] [-r REPORTS_PER_S] [-b BUILD]

For SECONDS (60): dnsperf at saturation on a 210,000-entry zone, reports
arriving over the API at REPORTS_PER_S (500, paced by report_bench -r),
a 50,000-line feed that changes by 1% and is refreshed every 10 s, API
lookups, and a checker that after each report of its own asks DNS (over
TCP, as dnsperf fills the UDP workers) whether the address is listed, and
asks about addresses the data file, the feed and no source list. It prints
the figures and fails (exit 1) on any server error (a SERVFAIL or other
error rcode, an API answer other than 202/200), any answer inconsistent
with what was committed, or resident memory that moves by more than 10%
from the 10th second to the end. Loopback only; needs dnsperf, dnspython,
cc, a built rbld.
"""

import argparse
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
ZONE = 'bl.load.test'
TOKEN = 'reporter-token-of-the-load-test'
FEED_N = 50000
STABLE = '46.100.199.250'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def feed_body(version):
    """FEED_N public addresses; version V > 0 replaces the V-th 1% of them
    (the last address, STABLE, stays in every version up to 98)."""
    rng = random.Random(7)
    base = ['46.%d.%d.%d' % (100 + i // 62500, i // 250 % 250, i % 250 + 1)
            for i in range(FEED_N)]
    start = ((version - 1) * FEED_N // 100) % FEED_N
    for i in range(start, start + FEED_N // 100 if version > 0 else start):
        base[i % FEED_N] = '47.%d.%d.%d' % (version % 200, i // 250 % 250,
                                            i % 250 + 1)
    rng.shuffle(base)
    return ('\n'.join(base) + '\n').encode()


class Feed(http.server.BaseHTTPRequestHandler):
    version = 0
    fetched = 0

    def log_message(self, *a):
        pass

    def do_GET(self):
        Feed.fetched += 1
        body = feed_body(Feed.version)
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = {}
        self.bad = []

    def count(self, what, ok=True, why=None):
        with self.lock:
            self.n[what] = self.n.get(what, 0) + 1
            if not ok:
                self.bad.append('%s: %s' % (what, why))


def ask(port, ip):
    name = '.'.join(reversed(ip.split('.'))) + '.' + ZONE
    q = dns.message.make_query(name, dns.rdatatype.A)
    r = dns.query.tcp(q, '127.0.0.1', port=port, timeout=3)
    if r.rcode() == dns.rcode.NXDOMAIN:
        return None
    if r.rcode() != dns.rcode.NOERROR:
        return dns.rcode.to_text(r.rcode())
    return r.answer[0][0].to_text() if r.answer else 'NODATA'


def checker(stop, st, port, api, listed, unlisted):
    """A report of its own, then DNS at once; and the standing answers."""
    conn = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
    i = 0
    while not stop.is_set():
        i += 1
        ip = '45.90.%d.%d' % (i // 250 % 250, i % 250 + 1)
        try:
            conn.request('POST', '/v1/reports', body=json.dumps(
                {'ip': ip, 'type': 'failed-login', 'service': 'load'}),
                headers={'Authorization': 'Bearer ' + TOKEN,
                         'Content-Type': 'application/json'})
            r = conn.getresponse()
            r.read()
            st.count('checker reports', r.status == 202, 'status %d' %
                     r.status)
            a = ask(port, ip)
            st.count('write then read', a == '127.0.0.3',
                     '%s answered %r right after its report' % (ip, a))
            ip = random.choice(listed)
            a = ask(port, ip)
            st.count('data-file answers', a == '127.0.0.2',
                     '%s (in the data file) answered %r' % (ip, a))
            ip = random.choice(unlisted)
            a = ask(port, ip)
            st.count('unlisted answers', a is None,
                     '%s (listed nowhere) answered %r' % (ip, a))
            # Kept by every version of the feed (versions replace from
            # the start of the list, 1% each, never past 50 versions).
            ip = STABLE if Feed.version < 99 else None
            if ip is not None and Feed.fetched > 0:
                a = ask(port, ip)
                st.count('feed answers', a == '127.0.0.5',
                         '%s (in every feed version) answered %r' % (ip, a))
        except (OSError, http.client.HTTPException, dns.exception.DNSException
                ) as e:
            st.count('checker errors', False, repr(e))
            conn.close()
            conn = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
        stop.wait(0.02)
    conn.close()


def lookups(stop, st, api, listed):
    conn = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
    while not stop.is_set():
        ip = random.choice(listed)
        try:
            conn.request('GET', '/v1/lookup/' + ip,
                         headers={'Authorization': 'Bearer ' + TOKEN_R})
            r = conn.getresponse()
            body = r.read()
            ok = r.status == 200 and json.loads(body).get('listed') is True
            st.count('API lookups', ok, '%s: %d %s' % (ip, r.status,
                                                        body[:100]))
        except (OSError, http.client.HTTPException, ValueError) as e:
            st.count('API lookups', False, repr(e))
            conn.close()
            conn = http.client.HTTPConnection('127.0.0.1', api, timeout=10)
        stop.wait(0.01)
    conn.close()


TOKEN_R = 'reader-token-of-the-load-test'


def rss(pid):
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, v = line.partition(':')
            if k in ('VmRSS', 'RssAnon', 'RssFile'):
                out[k] = int(v.split()[0]) * 1024
    return out


def cpu(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('-l', type=int, default=60, help='seconds (60)')
    ap.add_argument('-r', type=int, default=500, help='reports/s (500)')
    ap.add_argument('-b', default=os.path.join(TOP, 'build'),
                    help='the build folder (build)')
    ap.add_argument('--no-dns', action='store_true',
                    help='no dnsperf: the other loads alone (what they '
                    'cost by themselves)')
    a = ap.parse_args()
    rbld = os.path.join(a.b, 'rbld')
    for t in ('dnsperf', 'cc'):
        if not shutil.which(t):
            sys.exit('load: %s is missing' % t)
    work = tempfile.mkdtemp(prefix='rbld-load-')
    procs = []
    try:
        return run(a, rbld, work, procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


def run(a, rbld, work, procs):
    bench = os.path.join(a.b, 'report_bench')
    src = os.path.join(HERE, 'report_bench.c')
    if not os.path.exists(bench) or \
            os.path.getmtime(src) > os.path.getmtime(bench):
        subprocess.check_call(['cc', '-O2', '-Wall', '-Wextra', '-Werror',
                               '-pthread', '-o', bench, src])
    print('generating 200,000 /32 + 10,000 /24 entries...', flush=True)
    subprocess.check_call([sys.executable, os.path.join(HERE, 'gen.py'),
                           work, '--hosts', '200000', '--nets', '10000',
                           '--zone', ZONE, '--queries', '200000'])
    listed, unlisted = [], []
    with open(os.path.join(work, 'data.rbl')) as f:
        for line in f:
            if re.match(r'^\d+\.\d+\.\d+\.\d+$', line.strip()) and \
                    len(listed) < 2000:
                listed.append(line.strip())
    for i in range(2000):
        unlisted.append('45.91.%d.%d' % (i // 250, i % 250 + 1))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Feed)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port, api = free_port(), free_port()
    tokfile = os.path.join(work, 'token')
    with open(tokfile, 'w') as f:
        f.write(TOKEN + '\n')
    conf = os.path.join(work, 'rbld.conf')
    with open(conf, 'w') as f:
        f.write('\n'.join([
            '[rbld]', 'database = %s/db' % work,
            'dns = 127.0.0.1:%d' % port, 'api = 127.0.0.1:%d' % api,
            'workers = 2', 'api-per-ip = 64', '',
            '[zone %s]' % ZONE, 'sources = data feed reports', '',
            '[source data]', 'kind = local',
            'file = %s/data.rbl' % work, '',
            '[source feed]', 'kind = feed', 'format = plain',
            'url = http://127.0.0.1:%d/feed.txt' % srv.server_address[1],
            'every = 10s', 'a = 127.0.0.5', '',
            '[source reports]', 'kind = reports', 'a = 127.0.0.3',
            'failed-login = 1 in 10m ban 1d', '',
            '[token load]', 'role = reporter',
            'hash = sha256:' + hashlib.sha256(TOKEN.encode()).hexdigest(), '',
            '[token loadr]', 'role = reader',
            'hash = sha256:' + hashlib.sha256(TOKEN_R.encode()).hexdigest(),
            '']))
    log = open(os.path.join(work, 'rbld.log'), 'w+')
    d = subprocess.Popen([rbld, '-c', conf], stdout=log,
                         stderr=subprocess.STDOUT)
    procs.append(d)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        if 'source data: loaded' in text and Feed.fetched > 0:
            break
        if d.poll() is not None:
            sys.exit('load: rbld exited:\n' + text)
        time.sleep(0.2)
    time.sleep(1)
    print('rbld ready: %s' % re.search(r'source data: loaded [^\n]*',
                                        text).group(0), flush=True)

    st = Stats()
    stop = threading.Event()
    threads = [threading.Thread(target=checker, args=(stop, st, port, api,
                                                      listed, unlisted)),
               threading.Thread(target=lookups, args=(stop, st, api,
                                                      listed))]
    perf = subprocess.Popen(['sleep', str(a.l)] if a.no_dns else [
        'dnsperf', '-s', '127.0.0.1', '-p', str(port),
        '-d', os.path.join(work, 'queries.txt'),
        '-l', str(a.l), '-c', '4', '-T', '2', '-q', '200'],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    procs.append(perf)
    rep = subprocess.Popen([bench, '-p', str(api), '-c', '8', '-d',
                            str(a.l - 2), '-t', tokfile, '-r', str(a.r),
                            '-n', '45.64.0.0/12'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    procs.append(rep)
    for t in threads:
        t.start()
    t0 = time.monotonic()
    cpu0 = cpu(d.pid)
    mem = []
    next_feed = 10
    dbfile = os.path.join(work, 'db', 'data.mdb')
    while perf.poll() is None:
        el = time.monotonic() - t0
        m = rss(d.pid)
        m['db'] = os.path.getsize(dbfile)
        mem.append((el, m))
        if el >= next_feed:
            Feed.version += 1       # the next refresh brings a 1% change
            next_feed += 10
        time.sleep(1)
    cpu1 = cpu(d.pid)
    stop.set()
    for t in threads:
        t.join(10)
    perf_out = perf.stdout.read()
    rep_out = rep.communicate(timeout=30)[0]
    log.seek(0)
    text = log.read()
    d.terminate()
    d.wait(10)

    bad = list(st.bad)
    qps = re.search(r'Queries per second:\s+([\d.]+)', perf_out)
    sent = re.search(r'Queries sent:\s+(\d+)', perf_out)
    lost = re.search(r'Queries lost:\s+(\d+)', perf_out)
    codes = re.search(r'Response codes:\s+(.*)', perf_out)
    print('dnsperf: %s queries, %s qps, %s lost; %s' % (
        sent and sent.group(1), qps and qps.group(1),
        lost and lost.group(1), codes and codes.group(1)))
    for code in ('SERVFAIL', 'REFUSED', 'FORMERR', 'NOTIMP'):
        if codes and code in codes.group(1):
            bad.append('dnsperf got %s answers: %s' % (code, codes.group(1)))
    if qps is None and not a.no_dns:
        bad.append('dnsperf printed no figures:\n' + perf_out[-2000:])
    m = re.search(r'requests\s+(\d+).*?([\d.]+) req/s', rep_out, re.S)
    print('reports (report_bench -r %d): %s' % (
        a.r, ' '.join(rep_out.split())[:300]))
    if rep.returncode != 0:
        bad.append('report_bench: a report was refused or a connection '
                   'failed (exit %d)' % rep.returncode)
    applied = re.findall(r'feed feed: \d+ bytes, (\d+) entries, .*, (\d+) '
                         r'changed, ([\d.]+) s', text)
    print('feed refreshes: %d fetched, %d applied (entries, changed, '
          'seconds: %s), version %d' % (
              Feed.fetched, len(applied),
              ' '.join('%s/%s/%s' % x for x in applied), Feed.version))
    if len(applied) < a.l // 10:
        bad.append('the feed was applied %d times in %d s' % (len(applied),
                                                            a.l))
    for k in sorted(st.n):
        print('%-20s %d' % (k, st.n[k]))
    errs = [l for l in text.splitlines() if '[error]' in l or
            'warning' in l and 'running as root' not in l]
    if errs:
        bad.append('rbld logged errors or warnings:\n  ' +
                   '\n  '.join(errs[:10]))
    served = sum(st.n.get(k, 0) for k in ('write then read',
                                          'data-file answers'))
    if served < a.l:
        bad.append('the checker got only %d answers' % served)
    # Flat memory: rbld's own (anonymous) memory, averaged over the last
    # 10 s, within 10% of its average over seconds 10 to 20 (one-second
    # samples catch the passing peaks of a feed's parse or an index
    # rebuild, which the peak figure shows); the file-backed part is the
    # database's pages in the page cache, which grow with the database
    # (the reports add entries), no faster.
    after = [m for el, m in mem if el >= 10]
    if len(after) >= 20:
        def avg(ms):
            return sum(m['RssAnon'] for m in ms) / len(ms)
        ref, end = avg(after[:10]), avg(after[-10:])
        peak = max(m['RssAnon'] for m in after)
        fgrow = after[-1]['RssFile'] - after[0]['RssFile']
        dgrow = after[-1]['db'] - after[0]['db']
        print('anonymous memory: %.1f MB over seconds 10-20, %.1f MB over '
              'the last 10 (%+.1f%%), peak %.1f MB; file-backed %.1f -> %.1f '
              'MB as the database grew by %.1f MB' % (
                  ref / 1e6, end / 1e6, 100.0 * (end - ref) / ref,
                  peak / 1e6, after[0]['RssFile'] / 1e6,
                  after[-1]['RssFile'] / 1e6, dgrow / 1e6))
        if abs(end - ref) > 0.10 * ref:
            bad.append('anonymous memory moved by more than 10%')
        if fgrow > dgrow + 0.10 * after[0]['RssFile']:
            bad.append('file-backed memory grew by %.1f MB, the database by '
                       '%.1f MB' % (fgrow / 1e6, dgrow / 1e6))
    print('resident memory every 10 s (MB, anon + file): ' + ', '.join(
        '%.0f+%.0f' % (m['RssAnon'] / 1e6, m['RssFile'] / 1e6)
        for el, m in mem[::10]))
    print('rbld CPU: %.1f s over %d s' % (cpu1 - cpu0, a.l))
    if bad:
        print('FAILED:\n  ' + '\n  '.join(bad[:20]))
        return 1
    print('load: zero server errors, every answer consistent, memory flat')
    return 0


if __name__ == '__main__':
    sys.exit(main())
