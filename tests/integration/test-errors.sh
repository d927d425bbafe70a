#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Startup errors are one clear line and a non-zero exit: bad options, bad config
# (file:line: what), and a missing capability.
. "$TEST_LIB"
require_root

"$CNPROCD" --rcvbuf=lots >"$T/out" 2>"$T/err" && fail "--rcvbuf=lots accepted"
grep -q -- '--rcvbuf: expected a size' "$T/err" || fail "no --rcvbuf message"
pass "bad --rcvbuf rejected"

"$CNPROCD" --no-such-option >"$T/out" 2>"$T/err" && fail "unknown option accepted"
pass "unknown option rejected"

printf '[cnprocd]\nreceive-buffer = 8M\nmax-processes = many\n' >"$T/bad.conf"
"$CNPROCD" -c "$T/bad.conf" >"$T/out" 2>"$T/err" && fail "bad config accepted"
grep -q "$T/bad.conf:3: max-processes" "$T/err" || fail "no file:line in: $(cat "$T/err")"
pass "bad config: $(cat "$T/err")"

"$CNPROCD" -c "$T/missing.conf" >"$T/out" 2>"$T/err" && fail "missing config accepted"
grep -q "missing.conf: cannot read" "$T/err" || fail "no message for a missing config"
pass "missing explicit config rejected"

# Without CAP_NET_ADMIN: kernels before 6.6 refuse the subscription (the message
# must say why); newer ones let anyone listen, and then SO_RCVBUFFORCE is refused
# and the SO_RCVBUF fallback must still leave a working daemon that says what it got.
need setpriv
if setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$CNPROCD" --dump -c /dev/null --rcvbuf=64M >"$T/out" 2>"$T/err"; then
	grep -q "receive buffer 67108864 bytes requested, [0-9]* granted" "$T/err" ||
		fail "no receive buffer report: $(cat "$T/err")"
	granted=$(sed -n 's/.*requested, \([0-9]*\) granted.*/\1/p' "$T/err")
	[ "$granted" -lt $((2 * 67108864)) ] || fail "unprivileged got the forced size $granted"
	pass "unprivileged on this kernel: $(grep -o 'receive buffer[^,]*' "$T/err")"
else
	grep -q "CAP_NET_ADMIN" "$T/err" || fail "no capability hint: $(cat "$T/err")"
	pass "unprivileged refused: $(tail -n 1 "$T/err")"
fi

"$CNPROCD" --help | grep -q -- "--rcvbuf" || fail "--help lacks --rcvbuf"
"$CNPROCD" --version | grep -q "^cnprocd [0-9]" || fail "--version"
pass "--help and --version"

# a second instance must not take over the first one's varlink socket
start_daemon -c "$ALL_EVENTS_CONF"
"$CNPROCD" -c "$ALL_EVENTS_CONF" --varlink-socket="$T/io.cnprocd.Monitor" \
	>"$T/out2" 2>"$T/err2" && fail "a second daemon took over the socket"
grep -q "Another process is serving $T/io.cnprocd.Monitor" "$T/err2" ||
	fail "no clear message: $(cat "$T/err2")"
[ -S "$T/io.cnprocd.Monitor" ] || fail "the first daemon's socket is gone"
kill -0 "$DAEMON_PID" || fail "the first daemon died"
pass "second instance refused: $(tail -n 1 "$T/err2")"
stop_daemon || fail "first daemon did not stop cleanly"
