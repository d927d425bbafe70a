#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A SIGHUP storm costs a few reloads, not one per signal: requests that come
# while one reload is recent wait for the next (at most one pending, at most ten
# reloads a second), and each record says how many requests it served. A single
# SIGHUP afterwards is still served at once.
. "$TEST_LIB"
require_root

printf '[cnprocd]\ndefault-action = ignore\n\n[rule one]\nevent = exec\n' >"$T/cnprocd.conf"
start_daemon --log-target=console -c "$T/cnprocd.conf"

start=$(date +%s%N)
i=0
while [ $i -lt 300 ]; do
	kill -HUP "$DAEMON_PID" || fail "the daemon died during the storm"
	sleep 0.002
	i=$((i + 1))
done
ms=$((($(date +%s%N) - start) / 1000000))
sleep 0.5
reloads=$(grep -c "Reloaded 1 rules" "$T/err")
served=$(grep -o "(\([0-9]*\) reload requests served at once" "$T/err" | tr -dc '0-9\n' |
	awk '{ s += $1 } END { print s + 0 }')
# at most one reload every 100 ms, plus the first and the last
max=$((ms / 100 + 2))
[ "$reloads" -ge 1 ] && [ "$reloads" -le "$max" ] ||
	fail "300 SIGHUPs in $ms ms: $reloads reloads (at most $max expected)"
[ "$served" -gt "$reloads" ] ||
	fail "no reload said it served several requests: $(grep Reloaded "$T/err" | head -n 3)"
pass "300 SIGHUPs in $ms ms: $reloads reloads, the coalesced ones serving $served requests"

kill -0 "$DAEMON_PID" || fail "daemon died"
before=$(grep -c "Reloaded" "$T/err")
sleep 0.2
kill -HUP "$DAEMON_PID"
wait_for "$T/err" 5 sh -c "[ \$(grep -c Reloaded \"$T/err\") -gt $before ]" ||
	fail "a single SIGHUP was not served"
grep "Reloaded" "$T/err" | tail -n 1 | grep -q "served at once" &&
	fail "a single SIGHUP reported as several"
pass "a single SIGHUP afterwards: one reload, one request"
stop_daemon || fail "daemon did not stop cleanly"
