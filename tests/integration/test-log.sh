#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cnprocctl log reads the daemon's records back from a real journald (issue 13,
# first part): each filter returns exactly the marked records it should, --json
# has the daemon's JSON keys, -n the last N oldest first, -r newest first.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
start_journal

M="cnprocd-log-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule marked]
event = exec exit
cmdline = "*$M*"
CONF
start_daemon --log-target=journal -c "$T/cnprocd.conf"
ctl() { timeout 20 "$CNPROCCTL" "$@"; }

since=$(date '+%Y-%m-%d %H:%M:%S')
for k in 1 2 3; do
	sh -c "sleep 0.1; exit $k" "$M-$k" &
	eval "pid$k=\$!"
	wait $!
done
# all six records (three execs, three exits) are in the journal
in_journal() { [ "$(ctl log --json --comm sh | grep -c -- "$M-")" -ge 6 ]; }
wait_for - 10 in_journal || fail "the records did not reach the journal: $(ctl log | tail -n 3)"

ctl log --json --event exec --comm sh >"$T/exec"
n=$(grep -c -- "$M-" "$T/exec")
[ "$n" = 3 ] || fail "--event exec: $n marked records, want 3"
json_none '.event != "exec"' <"$T/exec" || fail "--event exec let another event through"
grep -- "$M-2" "$T/exec" | json_has ".pid == $pid2 and .ppid == $$ and .euid == 0 and
	(.process_id | test(\"^[0-9]+@[0-9]+$\")) and .comm == \"sh\" and .event == \"exec\" and
	.argv[-1] == \"$M-2\" and .argv[2] == \"sleep 0.1; exit 2\" and (.timestamp_usec | type) == \"number\"" ||
	fail "--json: the daemon's keys and kinds: $(grep -- "$M-2" "$T/exec")"
pass "--event exec: the 3 execs, with the daemon's JSON keys"

ctl log --pid "$pid2" --comm sh >"$T/pid2"
[ "$(wc -l <"$T/pid2")" = 2 ] && [ "$(grep -c " pid=$pid2 " "$T/pid2")" = 2 ] ||
	fail "--pid $pid2: $(cat "$T/pid2")"
id2=$(grep -- "$M-2" "$T/exec" | jq -r .process_id)
ctl log --process-id "$id2" --json | json_has ".event == \"exit\" and .exit_code == 2 and
	.exit_signal == 0 and .lifetime_usec >= 100000" ||
	fail "--process-id $id2: no exit with code 2"
pass "--pid and --process-id: the second process's exec and exit"

ctl log -n 2 --event exit --comm sh --json >"$T/last2"
[ "$(wc -l <"$T/last2")" = 2 ] || fail "-n 2: $(wc -l <"$T/last2") records"
[ "$(jq -r .exit_code "$T/last2" | tr '\n' ' ')" = "2 3 " ] || fail "-n 2: not the last two, oldest first"
ctl log -r -n 1 --event exit --comm sh --json | json_has '.exit_code == 3' || fail "-r -n 1: not the newest"
pass "-n 2 (oldest first) and -r -n 1 (the newest)"

ctl log --since "$since" --json --event exec --comm sh | grep -c -- "$M-" | grep -qx 3 ||
	fail "--since $since"
[ "$(ctl log --until "$since" --json --event exec --comm sh | grep -c -- "$M-")" = 0 ] ||
	fail "--until $since"
ctl log --since -1h --json --event exec | grep -q -- "$M-1" || fail "--since -1h"
pass "--since/--until: absolute and relative"

ctl log --unit 'nonexistent-*.service' --event exec >"$T/none"
[ ! -s "$T/none" ] || fail "--unit glob matched: $(head -n 2 "$T/none")"
ctl log --event exec | grep -- "$M-1" | grep -q " exec " || fail "console lines: $(ctl log | tail -n 1)"
pass "console lines; a unit glob that matches nothing"

# the system journal is not for everyone: exit 4 and why (a file one may read is)
as_user 65534:65534 "$CNPROCCTL" log >"$T/nobody" 2>&1
rc=$?
[ $rc = 4 ] && grep -q "systemd-journal" "$T/nobody" || fail "nobody: exit $rc: $(cat "$T/nobody")"
pass "a user outside systemd-journal and adm: exit 4, told why"

stop_daemon || fail "daemon did not stop cleanly"
