#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Records in a real journald: every field for a known child, rule order (an
# earlier ignore wins), the default action, binary-safe argv, the daemon's own
# records and the catalog text shown by journalctl -x.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
start_journal

M="cnprocd-jr-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule quiet]
event = exec exit
cmdline = "*$M-quiet*"
action = ignore

[rule loud]
event = exec exit
cmdline = "*$M*"
priority = notice
CONF

start_daemon --log-target=journal -c "$T/cnprocd.conf"
expect_journal '.CNPROCD_RULES == "2"' MESSAGE_ID=acfe3edfaca44d72a237845732944cfd
pass "started record"
expect_journal '.CNPROCD_RULES == "2" and .CNPROCD_RELOAD == "0"' \
	MESSAGE_ID=23612f01a344463bb71738e4e2e7b435
pass "rules loaded record"

# 1. a child matched by "loud": every field
sh -c 'sleep 0.1; exit 3' "$M-loud" &
child=$!
wait $child
sh_exe=$(readlink -f /bin/sh)
me_comm=$(cat /proc/$$/comm)
expect_journal ".PRIORITY == \"5\" and .CNPROCD_RULE == \"loud\" and
	.MESSAGE_ID == \"daabd34234a849eaa2f947d7db21290a\" and
	.CNPROCD_TGID == \"$child\" and .CNPROCD_PPID == \"$$\" and
	.CNPROCD_UID == \"0\" and .CNPROCD_USER == \"root\" and .CNPROCD_COMM == \"sh\" and
	.CNPROCD_EXE == \"$sh_exe\" and
	.CNPROCD_CMDLINE == \"sh -c \\\"sleep 0.1; exit 3\\\" $M-loud\" and
	.CNPROCD_PARENT_COMM == \"$me_comm\" and (.CNPROCD_CGROUP | startswith(\"/\")) and
	(.MESSAGE | contains(\"exec\"))" CNPROCD_EVENT=exec CNPROCD_PID=$child
pass "exec record with every field"
journal_json CNPROCD_EVENT=exec CNPROCD_PID=$child | json_none 'has("CODE_FILE") or has("CODE_LINE") or
	has("CODE_FUNC")' || fail "records carry the writer thread's CODE_* fields"
pass "no CODE_FILE/LINE/FUNC in records"
# a second instance started from a terminal with the journal as target: its reason
# reaches stderr too (stderr is not the journal)
"$CNPROCD" --log-target=journal -c "$T/cnprocd.conf" --varlink-socket="$T/io.cnprocd.Monitor" \
	>/dev/null 2>"$T/second.err" && fail "a second instance on the same socket started"
grep -q "Another process is serving" "$T/second.err" ||
	fail "the second instance's reason is not on stderr: $(cat "$T/second.err")"
pass "--log-target=journal, stderr not the journal: errors there too"
expect_journal ".CNPROCD_EXIT_CODE == \"3\" and .CNPROCD_EXIT_SIGNAL == \"0\" and
	(.CNPROCD_LIFETIME_USEC | tonumber) >= 100000 and .CNPROCD_RULE == \"loud\" and
	.MESSAGE_ID == \"7a6b08e0fe1a4212b66ff458fac579e7\" and .CNPROCD_PPID == \"$$\"" \
	CNPROCD_EVENT=exit CNPROCD_PID=$child
pass "exit record: code 3, lifetime, rule"

# 2. "quiet" comes first and matches too: nothing is written for it
sh -c 'sleep 0.05' "$M-quiet" &
quiet=$!
wait $quiet
# 3. unmatched: the default action is ignore
sh -c 'sleep 0.05' "unmatched-$$" &
unmatched=$!
wait $unmatched
# a later loud child proves the daemon has processed everything before it
sh -c 'sleep 0.05' "$M-sentinel" &
sentinel=$!
wait $sentinel
expect_journal 'true' CNPROCD_EVENT=exit CNPROCD_PID=$sentinel
journal_has 'true' CNPROCD_PID=$quiet && fail "ignored child $quiet was logged"
pass "earlier ignore rule wins over a later log rule"
journal_has 'true' CNPROCD_PID=$unmatched && fail "unmatched child $unmatched was logged"
pass "unmatched events follow default-action=ignore"

# 4. hostile argv: a newline, an empty argument, invalid UTF-8, an escape sequence
nl=$(printf 'a\nb')
bad=$(printf '\377x\033[31m')
sh -c 'sleep 0.05; : hostile' "$M-hostile" "$nl" "" "$bad" &
hostile=$!
wait $hostile
expect_journal 'true' CNPROCD_EVENT=exec CNPROCD_PID=$hostile
got=$(journal_json CNPROCD_EVENT=exec CNPROCD_PID=$hostile | jq -r .CNPROCD_CMDLINE | head -n 1)
want="sh -c \"sleep 0.05; : hostile\" $M-hostile a\\nb \"\" \\xffx\\x1b[31m"
[ "$got" = "$want" ] || fail "CNPROCD_CMDLINE: got '$got' want '$want'"
pass "argv with newline, empty arg, invalid UTF-8: CNPROCD_CMDLINE is one escaped line: $got"
timeout 20 "$CNPROCCTL" log --json --pid "$hostile" --event exec >"$T/h"
json_has ".argv == [\"sh\", \"-c\", \"sleep 0.05; : hostile\", \"$M-hostile\", \"a\\nb\", \"\",
	[255, 120, 27, 91, 51, 49, 109]]" <"$T/h" ||
	fail "cnprocctl log --json did not give back the exact argv: $(cat "$T/h")"
pass "cnprocctl log --json gives back the exact argv (bytes and all)"
msg=$(journal_json CNPROCD_EVENT=exec CNPROCD_PID=$hostile | jq -r .MESSAGE | head -n 1)
printf '%s' "$msg" | grep -q -F 'a\nb "" \xffx\x1b[31m' || fail "MESSAGE not escaped: $msg"
[ "$(printf '%s' "$msg" | wc -l)" = 0 ] || fail "MESSAGE spans lines: $msg"
pass "MESSAGE escapes control characters: $msg"

stop_daemon || fail "daemon did not stop cleanly"
expect_journal '(.CNPROCD_RECORDS | tonumber) >= 4' MESSAGE_ID=7e8844e7b7074575902cce4a82aeafff
pass "stopping record with final counters"

# 5. the catalog explains the records (journalctl -x)
# journalctl reads catalogs from /usr/lib/systemd/catalog only: give this namespace
# a private one holding ours (the database is on the tmpfs start_journal mounted)
mount -t tmpfs tmpfs /usr/lib/systemd/catalog 2>/dev/null ||
	{ mkdir -p /usr/lib/systemd/catalog && mount -t tmpfs tmpfs /usr/lib/systemd/catalog; } ||
	fail "cannot mount a private catalog directory"
cp "$CNPROCD_CATALOG" /usr/lib/systemd/catalog/ || fail "no catalog file"
journalctl --update-catalog || fail "journalctl --update-catalog failed"
journalctl --no-pager -x MESSAGE_ID=acfe3edfaca44d72a237845732944cfd >"$T/x" 2>&1
grep -q "Subject: cnprocd started watching processes" "$T/x" ||
	fail "no catalog subject: $(cat "$T/x")"
grep -q "[0-9] processes with 2 rules" "$T/x" ||
	fail "catalog fields not substituted: $(cat "$T/x")"
pass "journalctl -x shows the catalog entry"
journalctl --no-pager -x CNPROCD_EVENT=exit CNPROCD_PID=$child >"$T/x" 2>&1
grep -q "Subject: Process $child (sh) exited" "$T/x" || fail "exit catalog: $(cat "$T/x")"
pass "journalctl -x explains an exit record"
