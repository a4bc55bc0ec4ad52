#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Load proof: dnsperf at saturation, 500 reports/s, a feed refreshed every
# 10 s and API lookups at once, for 60 s; zero server errors, answers
# consistent with the committed state, resident memory flat. The work is in
# load.py (its --help tells the options: -l SECONDS, -r REPORTS_PER_S, -b
# BUILD).
# Debian's python3, which has dnspython (python3-dnspython).
py=python3; [ -x /usr/bin/python3 ] && py=/usr/bin/python3
exec "$py" "$(dirname "$0")/load.py" "$@"
