#!/bin/sh
# Checks the contrib integrations without rbld or the network:
#   contrib/tests/run.sh
# - sh -n, dash -n (and shellcheck when installed) on the shell scripts;
# - rbld-report against stub_api.py, a stand-in for POST /v1/reports on
#   127.0.0.1 that checks method, path, token, content type and JSON body;
# - rbld-logwatch on logwatch/sample.log: dry run, a fake rbld-report
#   first in PATH, and the real rbld-report against the stub;
# - rspamd/rbld.lua under LuaJIT with rspamd's API mocked (when luajit is
#   installed);
# - the fail2ban action in a real fail2ban-server with a private
#   configuration and the dummy ban action (when fail2ban is installed).
# Prints "N passed, N failed" and exits 1 if anything failed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
contrib=$(dirname "$here")
tmp=$(mktemp -d)
stub_pid=
f2b_conf=
pass=0
fail=0

cleanup() {
	if [ -n "$f2b_conf" ]; then
		fail2ban-client -c "$f2b_conf" stop >/dev/null 2>&1
	fi
	if [ -n "$stub_pid" ]; then
		kill "$stub_pid" 2>/dev/null
		wait "$stub_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {
	pass=$((pass + 1))
	printf 'ok   %s\n' "$1"
}
nok() {
	fail=$((fail + 1))
	printf 'FAIL %s\n' "$1"
}
# check NAME COMMAND...: the command succeeds
check() {
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok "$name"
	else
		nok "$name"
		sed 's/^/     /' "$tmp/out"
	fi
}
# same NAME EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		printf '     expected: %s\n     got:      %s\n' "$2" "$3"
	fi
}

scripts="$contrib/rbld-report $contrib/logwatch/rbld-logwatch $here/run.sh"

# --- static checks
for s in $scripts; do
	check "executable ${s#"$contrib"/}" test -x "$s"
	check "sh -n ${s#"$contrib"/}" sh -n "$s"
	if command -v dash >/dev/null 2>&1; then
		check "dash -n ${s#"$contrib"/}" dash -n "$s"
	fi
	if command -v shellcheck >/dev/null 2>&1; then
		check "shellcheck ${s#"$contrib"/}" shellcheck -s sh "$s"
	fi
done

# --- the stub API
token=test-token-$$
printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"
python3 "$here/stub_api.py" "$tmp/port" "$tmp/api.log" "$token" &
stub_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
url=http://127.0.0.1:$(cat "$tmp/port")
: >"$tmp/api.log"

# last_body: the JSON body of the stub's last request, keys sorted
last_body() {
	tail -n 1 "$tmp/api.log" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print(r["method"], r["path"], r["authorization"], r["content_type"],
      json.dumps(r.get("body"), sort_keys=True))'
}

# --- rbld-report
rr="$contrib/rbld-report"
out=$("$rr" -u "$url" -t "$tmp/token" -s dovecot -r 'a "quoted" \ reason
on two lines' failed-login 203.0.113.5)
same "rbld-report 202 exit and answer" \
    '{"listed": false, "count": 1, "expires": null, "allowlisted": false}' "$out"
same "rbld-report request" \
    "POST /v1/reports Bearer $token application/json {\"ip\": \"203.0.113.5\", \"reason\": \"a \\\"quoted\\\" \\\\ reason on two lines\", \"service\": \"dovecot\", \"type\": \"failed-login\"}" \
    "$(last_body)"
RBLD_URL=$url/ RBLD_TOKEN_FILE=$tmp/token "$rr" spam 2001:db8::1 >/dev/null
same "rbld-report IPv6, URL and token file from the environment" \
    "POST /v1/reports Bearer $token application/json {\"ip\": \"2001:db8::1\", \"type\": \"spam\"}" \
    "$(last_body)"

# expect_exit NAME CODE STDERR-PATTERN COMMAND...
expect_exit() {
	name=$1 code=$2 pat=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$code" ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$name"
	else
		nok "$name (exit $rc)"
		sed 's/^/     /' "$tmp/out" "$tmp/err"
	fi
}
expect_exit "rbld-report 400 unknown type" 1 'HTTP 400: unknown report type "bogus"' \
    "$rr" -u "$url" -t "$tmp/token" bogus 203.0.113.5
expect_exit "rbld-report 403" 1 'HTTP 403: role "reader"' \
    "$rr" -u "$url" -t "$tmp/token" spam 192.0.2.66
expect_exit "rbld-report 429" 1 'HTTP 429: .*wait' \
    "$rr" -u "$url" -t "$tmp/token" spam 198.51.100.29
printf 'wrong\n' >"$tmp/badtoken"
expect_exit "rbld-report 401" 1 'HTTP 401: invalid token' \
    "$rr" -u "$url" -t "$tmp/badtoken" spam 203.0.113.5
expect_exit "rbld-report bad IP from rbld" 1 'HTTP 400: bad IP' \
    "$rr" -u "$url" -t "$tmp/token" spam 1.2.3.999
expect_exit "rbld-report no answer" 1 'no answer from' \
    "$rr" -u http://127.0.0.1:1 -t "$tmp/token" spam 203.0.113.5
expect_exit "rbld-report usage: missing IP" 2 'need TYPE and IP' \
    "$rr" -u "$url" -t "$tmp/token" spam
expect_exit "rbld-report usage: bad IP" 2 'bad IP address' \
    "$rr" -u "$url" -t "$tmp/token" spam '1.2.3.4"'
expect_exit "rbld-report usage: no token file" 2 'cannot read token file' \
    "$rr" -u "$url" -t "$tmp/none" spam 203.0.113.5
expect_exit "rbld-report usage: bad option" 2 'help' "$rr" -x
check "rbld-report --help" "$rr" --help
# 2 accepted, 5 refused by the stub; the usage errors sent nothing.
same "rbld-report sent nothing on usage errors" 7 "$(wc -l <"$tmp/api.log" | tr -d ' ')"

# --- rbld-logwatch
lw="$contrib/logwatch/rbld-logwatch"
sample="$contrib/logwatch/sample.log"
same "rbld-logwatch dry run on sample.log" \
    "$(cat "$contrib/logwatch/sample.expected")" "$(sh "$lw" -n <"$sample")"
mkdir "$tmp/bin"
cat >"$tmp/bin/rbld-report" <<'EOF'
#!/bin/sh
# fake: record the arguments
printf '%s|' "$@" >>"$FAKE_LOG"
printf '\n' >>"$FAKE_LOG"
echo '{"listed": false}'
EOF
chmod 755 "$tmp/bin/rbld-report"
FAKE_LOG=$tmp/fake.log PATH=$tmp/bin:$PATH sh "$lw" <"$sample" >/dev/null
same "rbld-logwatch calls rbld-report with the right arguments" \
    "$(sed 's/^\([^ ]*\) \([^ ]*\) \(.*\)$/-s|\1|-r|\3|failed-login|\2|/' \
	"$contrib/logwatch/sample.expected")" "$(cat "$tmp/fake.log")"
: >"$tmp/api.log"
RBLD_REPORT=$rr sh "$lw" -u "$url" -t "$tmp/token" <"$sample" >"$tmp/lw.out"
same "rbld-logwatch through rbld-report: requests" \
    "$(wc -l <"$contrib/logwatch/sample.expected")" "$(wc -l <"$tmp/api.log")"
got=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = r["body"]
    print(b["service"], b["ip"], b["reason"], r["status"])
' "$tmp/api.log")
same "rbld-logwatch through rbld-report: bodies" \
    "$(sed 's/$/ 202/' "$contrib/logwatch/sample.expected")" "$got"

# --- rspamd rule, with rspamd's API mocked
if command -v luajit >/dev/null 2>&1; then
	luajit "$here/rspamd_mock.lua" "$contrib/rspamd/rbld.lua" "$tmp/token" \
	    >"$tmp/lua.out" 2>&1
	same "rspamd rule: requests made" 5 "$(grep -c '^REQUEST' "$tmp/lua.out")"
	same "rspamd rule: reject" \
	    "REQUEST POST http://127.0.0.1:8053/v1/reports application/json Bearer $token 5 {\"ip\":\"203.0.113.5\",\"reason\":\"rspamd: reject, score 23.46, queue id 4AbCdEf\",\"service\":\"rspamd\",\"type\":\"spam\"}" \
	    "$(grep -A1 '^CASE reject$' "$tmp/lua.out" | tail -n 1)"
	for c in 'add header' 'no action' authenticated 'own zone' 'no ip' \
	    'score 9 add header'; do
		same "rspamd rule: no report for $c" "CASE " \
		    "$(grep -A1 "^CASE $c\$" "$tmp/lua.out" | tail -n 1 | cut -c1-5)"
	done
	same "rspamd rule: min_score and settings" \
	    "REQUEST POST https://rbl.example.org:8053/v1/reports application/json Bearer $token 5 {\"ip\":\"198.51.100.1\",\"reason\":\"rspamd: add header, score 12.00, queue id unknown\",\"service\":\"rspamd-mx2\",\"type\":\"spam-score\"}" \
	    "$(grep -A1 '^CASE score 12 add header$' "$tmp/lua.out" | tail -n 1)"
	check "rspamd rule: errors logged" grep -q 'LOG err rbld: report of 203.0.113.5: HTTP 401' "$tmp/lua.out"
	same "rspamd rule: disabled without a token" "registered 0" "$(tail -n 1 "$tmp/lua.out")"
else
	nok "rspamd rule: luajit is not installed (apt-get install luajit)"
fi

# --- fail2ban action in a private fail2ban-server
if command -v fail2ban-server >/dev/null 2>&1 && [ -d /etc/fail2ban ]; then
	f=$tmp/f2b
	cp -r /etc/fail2ban "$f"
	rm -f "$f"/jail.d/* "$f"/jail.local "$f"/fail2ban.local
	cp "$contrib/fail2ban/action.d/rbld.conf" "$f/action.d/"
	cp "$contrib/fail2ban/jail.d/rbld.local.example" "$f/jail.d/rbld.local"
	: >"$tmp/auth.log"
	: >"$tmp/mail.log"
	cat >"$f/fail2ban.local" <<-EOF
	[Definition]
	logtarget = $tmp/f2b.log
	socket = $tmp/f2b.sock
	pidfile = $tmp/f2b.pid
	dbfile = :memory:
	EOF
	cat >"$f/paths-overrides.local" <<-EOF
	[DEFAULT]
	sshd_log = $tmp/auth.log
	dovecot_log = $tmp/mail.log
	postfix_log = $tmp/mail.log
	EOF
	cat >"$f/jail.d/00-test.local" <<-EOF
	[DEFAULT]
	backend = polling
	sshd_backend = polling
	dovecot_backend = polling
	postfix_backend = polling
	banaction = dummy
	banaction_allports = dummy
	usedns = no
	EOF
	printf '[Init]\ntarget = %s/dummy.state\n' "$tmp" >"$f/action.d/dummy.local"
	printf '[Init]\nrbld_url = %s\nrbld_token_file = %s\n' "$url" "$tmp/token" \
	    >"$f/action.d/rbld.local"
	: >"$tmp/api.log"
	check "fail2ban: configuration test" fail2ban-client -c "$f" -t
	fail2ban-server -c "$f" -b -x >/dev/null 2>&1 && f2b_conf=$f
	i=0
	until fail2ban-client -c "$f" ping >/dev/null 2>&1 || [ $i -ge 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	for i in 1 2 3 4 5 6; do
		d=$(date '+%b %e %H:%M:%S')
		echo "$d mx1 sshd[10$i]: Failed password for root from 203.0.113.50 port 4242$i ssh2" >>"$tmp/auth.log"
		echo "$d mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<info>, method=PLAIN, rip=2001:db8::77, lip=192.0.2.1, TLS, session=<s$i>" >>"$tmp/mail.log"
		echo "$d mx1 postfix/smtpd[20$i]: warning: unknown[198.51.100.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6" >>"$tmp/mail.log"
	done
	i=0
	while [ "$(wc -l <"$tmp/api.log")" -lt 3 ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	got=$(python3 -c '
import json, sys
for line in sorted(open(sys.argv[1])):
    r = json.loads(line)
    b = r["body"]
    print(r["status"], r["authorization"] == "Bearer " + sys.argv[2],
          b["ip"], b["type"], b["service"], "5 failures in jail" in b["reason"])
' "$tmp/api.log" "$token" | sort)
	same "fail2ban: one report per ban, per jail" "$(printf '%s\n' \
	    "202 True 198.51.100.9 failed-login postfix True" \
	    "202 True 2001:db8::77 failed-login dovecot True" \
	    "202 True 203.0.113.50 failed-login sshd True")" "$got"
	fail2ban-client -c "$f" set dovecot unbanip 2001:db8::77 >/dev/null 2>&1
	sleep 0.5
	same "fail2ban: unban sends nothing" 3 "$(wc -l <"$tmp/api.log" | tr -d ' ')"
	fail2ban-client -c "$f" stop >/dev/null 2>&1 && f2b_conf=
else
	nok "fail2ban action: fail2ban is not installed (apt-get install fail2ban)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
