#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Who gets a varlink connection: idle connections are closed after
# varlink-idle-timeout (a call in progress, such as Subscribe, is never idle);
# root has no per-uid limit, so its own idle clients cannot lock it out either;
# a refused client is told why.
. "$TEST_LIB"
require_root
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built"
SOCK=$T/io.cnprocd.Monitor

printf '[cnprocd]\ndefault-action = ignore\nvarlink-idle-timeout = 1s\nvarlink-mode = 0666\n' >"$T/cnprocd.conf"
"$CNPROCD" --check-config "$T/cnprocd.conf" | grep -qx "varlink-idle-timeout = 1000ms" ||
	fail "--check-config does not show varlink-idle-timeout"
start_daemon --log-target=console -c "$T/cnprocd.conf"
msg() {
	printf '%s\0' "$1"
}
stats() {
	msg '{"method":"io.cnprocd.Monitor.GetStats"}' | "$VARLINK_RAW" "$SOCK" --expect 1
}

# 20 idle root connections: all accepted (16 is the limit of other users), then
# closed for idleness within about 1.5 s
msg '{"method":"org.varlink.service.GetInfo"}' >"$T/getinfo"
"$VARLINK_RAW" "$SOCK" --connections 20 --hold 3000 --timeout 1000 <"$T/getinfo" >"$T/idle"
set -- $(tail -n 1 "$T/idle")
[ "$2" = 0 ] && [ "$4" = 20 ] || fail "20 idle root connections: $(tail -n 1 "$T/idle")"
stats | json_has '.parameters.varlink_idle >= 20 and .parameters.varlink_refused == 0' ||
	fail "idle closes not counted: $(stats)"
pass "20 root connections accepted, all closed after 1 s idle, counted"

# a subscriber waits for events: its call is in progress, it is not idle
msg '{"method":"io.cnprocd.Monitor.Subscribe","more":true,"parameters":{"events":["exec"]}}' |
	"$VARLINK_RAW" "$SOCK" --timeout 3000 >"$T/sub" &
sub=$!
sleep 2.5
/bin/true
wait $sub
grep -q '"ready":true' "$T/sub" || fail "no ready: $(head -c 300 "$T/sub")"
grep -q "EOF" "$T/sub" && fail "the subscriber was closed as idle"
pass "a subscriber is never idle"

# a refused client hears why: a 17th connection of one user
unprivileged_raw
# (held for less than the idle timeout, which would close them)
as_user 61234:61234 "$T/varlink-raw" "$SOCK" --connections 16 --hold 900 --timeout 1000 \
	<"$T/getinfo" >"$T/uid" &
held=$!
wait_for "$T/uid" 10 grep -q "^connected 16" "$T/uid" || fail "uid 61234 cannot connect"
as_user 61234:61234 "$T/varlink-raw" "$SOCK" --expect 1 --timeout 2000 <"$T/getinfo" \
	>"$T/17th" || true
wait $held
head -n 1 "$T/17th" |
	json_has '.error == "io.cnprocd.Monitor.TooManyConnections" and .parameters.limit == "per-uid"' ||
	fail "the 17th was not told why"
pass "17th connection of one user: refused and told why (TooManyConnections, per-uid)"
stop_daemon || fail "daemon did not stop cleanly"
