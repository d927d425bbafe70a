#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Nothing is cut silently: GetProcess returns at most 128 ancestors and says when
# and by how many the chain was cut (cnprocctl show too); a process table that
# fills up is a record, and so is its getting room again, and cnprocctl status
# shows it while it lasts.
. "$TEST_LIB"
require_root

ctl() {
	timeout 20 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" "$@"
}

# 1. a chain of 140 shells, each waiting for the next
cat >"$T/deep.sh" <<'SH'
if [ "$1" -gt 0 ]; then sh "$0" $(($1 - 1)) "$2"; else echo $$ >"$2"; sleep 60; fi
SH
printf '[cnprocd]\ndefault-action = ignore\nmax-processes = 50000\n' >"$T/cnprocd.conf"
start_daemon --log-target=console -c "$T/cnprocd.conf"
sh "$T/deep.sh" 140 "$T/leaf" &
KEEP_PIDS="$KEEP_PIDS $!"
wait_for "$T/leaf" 20 test -s "$T/leaf" || fail "the chain did not build"
leaf=$(cat "$T/leaf")
sleep 0.5
ctl --json show "$leaf" >"$T/show.json" || fail "show $leaf failed"
json_has '(.ancestors | length) == 128 and .ancestors_cut == true and .ancestors_missing >= 12' \
	<"$T/show.json" || fail "GetProcess does not say the chain was cut"
missing=$(jq .ancestors_missing "$T/show.json")
ctl show "$leaf" >"$T/show.txt" || fail "show failed"
grep -q "and $missing more ancestors, not shown" "$T/show.txt" ||
	fail "cnprocctl show does not say so: $(tail -n 2 "$T/show.txt")"
ctl --json show "$$" | json_has '.ancestors_cut == false and .ancestors_missing == 0' ||
	fail "a short chain is reported cut"
pass "140-deep chain: 128 ancestors, cut, $missing missing (said by show too)"
stop_daemon || fail "daemon did not stop cleanly"

# 2. a table that fills up, then gets room
printf '[cnprocd]\ndefault-action = ignore\nmax-processes = 16\n' >"$T/cnprocd.conf"
start_daemon --log-target=console -c "$T/cnprocd.conf"
for i in 1 2 3 4 5; do /bin/true; done
wait_for "$T/err" 10 grep -q "The process table is full (max-processes=16)" "$T/err" ||
	fail "no table-full record: $(cat "$T/err")"
ctl --json status | json_has '.table_is_full == true and .max_processes == 16' ||
	fail "status does not say the table is full"
ctl status | grep -q "the table is FULL (max-processes 16)" || fail "cnprocctl status does not say it"
printf '[cnprocd]\ndefault-action = ignore\nmax-processes = 50000\n' >"$T/cnprocd.conf"
kill -HUP "$DAEMON_PID"
wait_for "$T/err" 10 grep -q "The process table has room again" "$T/err" ||
	fail "no room-again record: $(tail -n 3 "$T/err")"
ctl --json status | json_has '.table_is_full == false' || fail "status still says full"
[ "$(grep -c "The process table is full" "$T/err")" = 1 ] || fail "the full table was said more than once"
pass "full table: one record, status says so; after the reload: room again"
stop_daemon || fail "daemon did not stop cleanly"
