#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGTERM and SIGINT stop the daemon through sd-event: it sends PROC_CN_MCAST_IGNORE
# to the kernel (seen with strace), prints its final counters and exits 0.
. "$TEST_LIB"
require_root
need strace

# LeakSanitizer (in a sanitizer build) cannot work under ptrace
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

for sig in TERM INT; do
	strace -f -qq -e trace=sendto -e signal=none -o "$T/strace" \
		"$CNPROCD" --json -c "$ALL_EVENTS_CONF" --varlink-socket=none >"$T/out" 2>"$T/err" &
	tracer=$!
	wait_for "$T/err" 20 started || fail "daemon did not start under strace"
	pid=$(pgrep -o -P "$tracer" -x cnprocd) || fail "no daemon process under strace"
	/bin/true
	kill "-$sig" "$pid"
	wait "$tracer"
	rc=$?
	[ "$rc" = 0 ] || fail "SIG$sig: exit status $rc"
	pass "SIG$sig: exit status 0"

	# cn_msg.len = 4, then the op: 1 = LISTEN, 2 = IGNORE
	grep -q 'x04\\x00\\x00\\x00\\x01\\x00\\x00\\x00"\]' "$T/strace" || fail "no LISTEN sent"
	grep -q 'x04\\x00\\x00\\x00\\x02\\x00\\x00\\x00"\]' "$T/strace" ||
		fail "SIG$sig: no PROC_CN_MCAST_IGNORE sent"
	pass "SIG$sig: LISTEN at start, IGNORE at stop"
	grep -q "Stopped: [0-9]* events received" "$T/err" || fail "no final counters"
	pass "SIG$sig: final counters printed"
done
