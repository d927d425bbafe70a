#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# journald stopped (SIGSTOP) for 10 s while events flow: cnprocd keeps draining
# the connector socket (the kernel drops nothing), keeps answering varlink and
# keeps sending WATCHDOG=1; the records journald could not take are counted and
# reported once it is back.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
[ -x "$NOTIFY_RECV" ] || fail "notify-recv not built"
start_journal
journald=$(echo $KEEP_PIDS | awk '{ print $NF }')

"$NOTIFY_RECV" "$T/notify" >"$T/notify.log" 2>&1 &
KEEP_PIDS="$KEEP_PIDS $!"
wait_for - 5 test -S "$T/notify" || fail "notify-recv did not start"

M="cnprocd-stall-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none
# small, so that the stall overflows it and the drop accounting is exercised
journal-queue = 500

[rule storm]
event = exec exit
cmdline = "*$M*"
CONF

# a 1 s watchdog: sd-event pings every half of it
NOTIFY_SOCKET="$T/notify" WATCHDOG_USEC=1000000 \
	start_daemon --log-target=journal -c "$T/cnprocd.conf"
ctl() {
	"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" "$@"
}
expect_journal 'true' MESSAGE_ID=acfe3edfaca44d72a237845732944cfd
grep -q "READY=1" "$T/notify.log" || fail "no READY=1: $(cat "$T/notify.log")"

kill -STOP "$journald"
stall_start=$(date +%s)
# 10 s of events: each child is an exec and an exit record for the storm rule
n=0
while [ $(($(date +%s) - stall_start)) -lt 10 ]; do
	# in a subshell: its wait is for these children, not journald's or ours
	(
		i=0
		while [ $i -lt 50 ]; do
			sh -c 'sleep 0.05' "$M-$n-$i" &
			i=$((i + 1))
		done
		wait
	)
	n=$((n + 50))
	# the daemon answers while journald is stopped
	if [ $((n % 500)) = 0 ]; then
		timeout 2 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json status >"$T/stats" ||
			{ kill -CONT "$journald"; fail "varlink did not answer during the stall"; }
	fi
done
timeout 2 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json status >"$T/stats" ||
	{ kill -CONT "$journald"; fail "varlink did not answer at the end of the stall"; }
kill -CONT "$journald"
stall_end=$(date +%s)

drops=$(jq .kernel_drops "$T/stats")
lost=$(jq .lost_events "$T/stats")
jdropped=$(jq .journal_dropped "$T/stats")
queued=$(jq .journal_queued "$T/stats")
[ "$drops" = 0 ] && [ "$lost" = 0 ] ||
	fail "events lost during the stall: kernel drops $drops, lost $lost"
pass "$n processes during a $((stall_end - stall_start)) s journald stall: kernel drops 0, lost 0"
[ $((jdropped + queued)) -gt 0 ] || fail "nothing queued or dropped while journald was stopped"

# every WATCHDOG=1 came within the 1 s watchdog interval
awk -v s="$stall_start" '$2 == "WATCHDOG=1" { if (prev && $1 - prev > max) max = $1 - prev; prev = $1; n++ }
	END { printf "%d %d\n", n, max }' "$T/notify.log" >"$T/wd"
read -r pings maxgap <"$T/wd"
[ "$pings" -ge 10 ] || fail "only $pings WATCHDOG=1 messages"
[ "$maxgap" -lt 1000000 ] || fail "a WATCHDOG=1 gap of $maxgap us exceeds the 1 s watchdog"
pass "$pings WATCHDOG=1 pings, longest gap $((maxgap / 1000)) ms (watchdog 1000 ms)"

# once journald is back: the queue drains and the loss is reported with its count
drained() {
	ctl --json status | json_has '.journal_queued == 0' 2>/dev/null
}
wait_for - 20 drained || fail "the journal queue did not drain: $(ctl --json status)"
ctl --json status >"$T/stats2"
jdropped=$(jq .journal_dropped "$T/stats2")
written=$(jq .journal_written "$T/stats2")
[ "$jdropped" -gt 0 ] || fail "a 500-record queue did not overflow during the stall"
expect_journal ".CNPROCD_JOURNAL_DROPPED_TOTAL == \"$jdropped\"" \
	MESSAGE_ID=125e9321aa3d4e769d020b6b60220917
pass "$jdropped records dropped while journald was stopped, reported once it returned"
# nothing vanished: every record is written, dropped and reported, or failed
logged=$(jq .records_logged "$T/stats2")
[ "$written" -ge "$((logged - jdropped))" ] ||
	fail "records logged $logged, written $written, dropped $jdropped: some unaccounted"
in_journal=$(journal_json MESSAGE_ID=7a6b08e0fe1a4212b66ff458fac579e7 | grep -c -- "$M" || true)
pass "exit records in the journal: $in_journal; logged $logged, written $written, dropped $jdropped"
stop_daemon || fail "daemon did not stop cleanly"
