#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel-side filtering: with rules that need only some event types, the kernel
# is asked (proc_input, Linux >= 6.6) for just those plus what the process table
# needs, and a BPF filter drops thread events; only the wanted types arrive. A
# subscriber asking for another type widens the filter while it listens;
# kernel-filter = no receives everything.
. "$TEST_LIB"
require_root
[ -x "$THREADS" ] || fail "threads tool not built"
need setsid
M="cnprocd-kf-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule execs]
event = exec
cmdline = "*$M*"
CONF
start_daemon --json -c "$T/cnprocd.conf"
ctl() {
	"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" "$@"
}
stats() {
	ctl --json status >"$T/stats" || fail "status failed"
}
stat() {
	jq -r "$1" "$T/stats"
}
# sid and thread events, then a marker exec that proves the daemon read past them
provoke() {
	for i in 1 2 3 4 5; do
		setsid true
	done
	"$THREADS" 50 || fail "threads tool failed"
	sh -c 'sleep 0.05' "$M-$1" &
	_m=$!
	wait $_m
	expect_json ".event == \"exec\" and .pid == $_m"
}

stats
if [ "$(stat .kernel_filter_supported)" != true ]; then
	skip "this kernel ($(uname -r)) has no proc_input filter (Linux >= 6.6)"
fi
[ "$(stat '.kernel_filter | join(" ")')" = "fork exec uid gid comm exit" ] ||
	fail "kernel filter: $(stat '.kernel_filter | join(" ")')"
[ "$(stat .thread_filter)" = true ] || fail "no thread filter"
[ "$(stat .sequence_checked)" = false ] || fail "sequence checked despite filters"
# what arrived before the filters were set (other processes of a busy machine,
# between subscribing and attaching them) is not the filters' doing
sid0=$(stat .events.sid) threads0=$(stat .thread_events_folded)
provoke 1
stats
[ "$(stat .events.sid)" = "$sid0" ] ||
	fail "$(($(stat .events.sid) - sid0)) sid events arrived through the filter"
[ "$(stat .thread_events_folded)" = "$threads0" ] ||
	fail "$(($(stat .thread_events_folded) - threads0)) thread events arrived through the BPF filter"
[ "$(stat .events.exec)" -gt 0 ] || fail "no exec events"
pass "kernel sends only fork exec uid gid comm exit; 5 setsid and 50 threads: 0 sid, 0 thread events arrived"

# a subscriber for sid events widens the filter while it is connected
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json monitor --event sid >"$T/monitor" 2>&1 &
mon=$!
KEEP_PIDS="$KEEP_PIDS $mon"
# filter_is JQFILTER: the status right now satisfies it
filter_is() {
	ctl --json status | json_has "$1" 2>/dev/null
}
wait_for - 10 filter_is '.kernel_filter | index("sid")' ||
	fail "a sid subscriber did not widen the filter"
setsid sh -c 'sleep 0.05' &
sidpid=$!
wait $sidpid
wait_for - 10 grep -q "\"pid\":$sidpid" "$T/monitor" ||
	fail "the subscriber did not get the sid event of $sidpid: $(head -c 300 "$T/monitor")"
stats
[ "$(stat .events.sid)" -gt 0 ] || fail "no sid event counted"
pass "a sid subscriber widened the filter to: $(stat '.kernel_filter | join(" ")'), and got its event"
kill $mon
wait $mon 2>/dev/null
wait_for - 10 filter_is '.kernel_filter | index("sid") | not' ||
	fail "the filter was not narrowed again after the subscriber left"
pass "the filter narrowed again when the subscriber left"

# kernel-filter = no: everything arrives, thread events are folded in user space
printf '[cnprocd]\nkernel-filter = no\n' >"$T/nofilter.conf"
cat "$T/cnprocd.conf" >>"$T/nofilter.conf"
sed -i '0,/^\[cnprocd\]$/!{/^\[cnprocd\]$/d}' "$T/nofilter.conf"
cp "$T/nofilter.conf" "$T/cnprocd.conf"
kill -HUP "$DAEMON_PID"
wait_for "$T/err" 10 grep -q Reloaded "$T/err" || fail "reload failed: $(tail -n 2 "$T/err")"
stats
[ "$(stat '.kernel_filter | length')" = 9 ] || fail "kernel-filter = no still filters: $(stat .kernel_filter)"
[ "$(stat .thread_filter)" = false ] || fail "thread filter still attached"
[ "$(stat .sequence_checked)" = true ] || fail "sequence not checked without filters"
sid0=$(stat .events.sid)
provoke 2
stats
[ "$(stat .events.sid)" -ge $((sid0 + 5)) ] || fail "sid events did not arrive without the filter"
[ "$(stat .thread_events_folded)" -ge 100 ] ||
	fail "only $(stat .thread_events_folded) thread events folded without the BPF filter"
pass "without filters: sid events arrive, $(stat .thread_events_folded) thread events folded in user space"
stop_daemon || fail "daemon did not stop cleanly"
