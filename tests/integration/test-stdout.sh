#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# stdout that cannot take the records: a reader that goes away (cnprocd --json |
# head -1) ends the daemon cleanly with its stop record instead of SIGPIPE killing
# it; a full device (/dev/full) is said once and counted as records_failed, never
# as records written.
. "$TEST_LIB"
require_root
[ -w /dev/full ] || skip "no /dev/full"

cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = log
rate-limit = none
CONF

# a few processes, so there is something to write
churn() {
	for i in 1 2 3 4 5 6 7 8 9 10; do
		/bin/true
	done
}

# 1. the reader goes away
mkfifo "$T/pipe"
"$CNPROCD" --json -c "$T/cnprocd.conf" --varlink-socket="$T/sock" >"$T/pipe" 2>"$T/err" &
DAEMON_PID=$!
head -n 1 "$T/pipe" >"$T/first"
churn
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 100 ]; do
	churn
	sleep 0.1
	i=$((i + 1))
done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "still running 10 s after its reader left"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ "$rc" = 0 ] || fail "exit status $rc after its reader left (141: killed by SIGPIPE)"
json_has '.event' <"$T/first"
grep -q "Cannot write records to stdout: Broken pipe; its reader is gone, stopping." "$T/err" ||
	fail "no word of the closed stdout: $(cat "$T/err")"
grep -q "Stopped: .* records written (.* failed)" "$T/err" || fail "no stop record: $(cat "$T/err")"
[ -e "$T/sock" ] && fail "the varlink socket was left behind"
pass "reader gone: clean stop, exit 0, stop record, socket removed"

# 2. a full device
"$CNPROCD" --json -c "$T/cnprocd.conf" --varlink-socket="$T/io.cnprocd.Monitor" \
	>/dev/full 2>"$T/err" &
DAEMON_PID=$!
wait_for "$T/err" 20 started || fail "daemon did not start"
churn
churn
ctl() {
	"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" "$@"
}
failed_counted() {
	ctl --json status | json_has '.records_failed >= 20' 2>/dev/null
}
wait_for - 10 failed_counted || fail "records_failed did not count them"
ctl --json status >"$T/status" || fail "status failed"
json_has '.records_logged == 0 and .records_failed >= 20' <"$T/status"
[ "$(grep -c "Cannot write records to stdout" "$T/err")" = 1 ] ||
	fail "the failure was not said exactly once: $(cat "$T/err")"
ctl status | grep -q "Records: .*, [1-9][0-9]* could not be written (!)" ||
	fail "cnprocctl status does not show the failed records"
kill -0 "$DAEMON_PID" || fail "the daemon died on a full stdout"
stop_daemon || fail "daemon did not stop cleanly"
grep -q "Stopped: .* 0 records written ([1-9][0-9]* failed)" "$T/err" ||
	fail "stop record: $(grep Stopped "$T/err")"
pass "full stdout: said once, $(jq .records_failed "$T/status") records failed, 0 written"
