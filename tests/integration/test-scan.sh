#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A process started before the daemon is in its table: found by the /proc scan,
# shown by --dump and by SIGUSR1, and its exit reports a lifetime from /proc.
. "$TEST_LIB"
require_root

marker="cnprocd-scan-$$-$(date +%s%N)"
sh -c "sleep 30; : $marker" &
early=$!
KEEP_PIDS=$early
sleep 1.2

# --dump: scan, print the table, exit
"$CNPROCD" --dump --json -c "$ALL_EVENTS_CONF" >"$T/out" 2>"$T/err" || fail "--dump failed"
expect_json ".event == \"process\" and .pid == $early and .origin == \"scanned\" and .argv == [\"sh\", \"-c\", \"sleep 30; : $marker\"] and .comm == \"sh\" and .ppid == $$" 1
pass "--dump lists the pre-existing process $early"
n=$(jq -c 'select(.event == "process")' "$T/out" | wc -l)
procs=$(ls -d /proc/[0-9]* | wc -l)
[ "$n" -ge $((procs / 2)) ] || fail "--dump listed $n processes, /proc has $procs"
pass "--dump listed $n processes (/proc had $procs)"

# the running daemon answers SIGUSR1 with its table
start_daemon --json -c "$ALL_EVENTS_CONF"
kill -USR1 "$DAEMON_PID"
expect_json ".event == \"process\" and .pid == $early and .origin == \"scanned\""
pass "SIGUSR1 table holds $early"

# its exit carries the scanned origin and a lifetime measured from /proc's start time
kill -TERM "$early"
wait "$early" 2>/dev/null
expect_json ".event == \"exit\" and .pid == $early and .origin == \"scanned\" and .exit_signal == 15"
life=$(json_get ".event == \"exit\" and .pid == $early" | jq .lifetime_usec)
[ "$life" -ge 1000000 ] || fail "lifetime $life us, expected >= 1 s for a process started 1.2 s before"
pass "exit of scanned process, lifetime $life us"

# and it is gone from the table afterwards
: >"$T/out"
kill -USR1 "$DAEMON_PID"
expect_json ".event == \"process\" and .pid == $DAEMON_PID"
complete_lines "$T/out" | json_none ".event == \"process\" and .pid == $early" ||
	fail "the table still lists the exited process $early (or is not valid JSON)"
pass "exited process removed from the table"
stop_daemon || fail "daemon did not exit cleanly"
