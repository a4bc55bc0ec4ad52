#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A long fuzzing campaign: run each libFuzzer target for a while, keep
what it found, report the figures.

    campaign.py BUILD_DIR SECONDS_PER_TARGET [TARGET ...]

Each target starts from run.py's seeds and the kept corpus, runs for
SECONDS_PER_TARGET of CPU on one core, and its new corpus is minimised
(-merge=1) back into tests/fuzz/corpus/TARGET, which the short runs in the
test suite then start from. A crash leaves its input in
tests/fuzz/crashes/ and is reported; fix it, add a regression test, and
delete the file. Prints one line per target: executions, corpus size,
peak memory and crashes.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import run  # noqa: E402

TARGETS = ['dns', 'rbldnsd', 'feed', 'tsig', 'conf', 'api']


def stat(out, key):
    for line in out.splitlines():
        if line.startswith('stat::' + key + ':'):
            return int(line.split(':')[-1])
    return 0


def campaign(build, secs, name):
    fuzzer = os.path.join(build, 'tests', 'fuzz', 'fuzz_' + name)
    kept = os.path.join(ROOT, 'tests', 'fuzz', 'corpus', name)
    crashes = os.path.join(ROOT, 'tests', 'fuzz', 'crashes')
    os.makedirs(kept, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    work = tempfile.mkdtemp(prefix='rbld-campaign-%s.' % name)
    try:
        run.write_seeds(name, ROOT, work)
        r = subprocess.run([fuzzer, '-max_total_time=%d' % secs,
                            '-timeout=10', '-rss_limit_mb=2048',
                            '-print_final_stats=1',
                            '-artifact_prefix=%s/%s-' % (crashes, name),
                            work],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors='replace')
        execs = stat(r.stdout, 'number_of_executed_units')
        rss = stat(r.stdout, 'peak_rss_mb')
        if r.returncode != 0:
            with open(os.path.join(crashes, name + '.log'), 'w') as f:
                f.write(r.stdout[-20000:])
        # Keep a minimal corpus: what covers the same as everything found.
        fresh = tempfile.mkdtemp(prefix='rbld-merge-%s.' % name)
        subprocess.run([fuzzer, '-merge=1', fresh, work],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(kept)
        shutil.copytree(fresh, kept)
        shutil.rmtree(fresh, ignore_errors=True)
        n = len(os.listdir(kept))
        print('%-8s %6d s  %10d execs  %5d inputs kept  %5d MB peak  %s'
              % (name, secs, execs, n, rss,
                 'ok' if r.returncode == 0 else
                 'FAILED (exit %d, see tests/fuzz/crashes/)' % r.returncode),
              flush=True)
        return r.returncode == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 else 2
    build, secs = sys.argv[1], int(sys.argv[2])
    ok = all([campaign(build, secs, t) for t in (sys.argv[3:] or TARGETS)])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
