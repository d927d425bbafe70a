#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Forced loss: a tiny receive buffer and a burst of processes. cnprocd must say
# how many events it lost, the count must agree with the kernel's drop counter
# and with the per-CPU sequence gaps, and the table must match /proc afterwards.
. "$TEST_LIB"
require_root
[ -x "$CNPROCCTL" ] || fail "cnprocctl not built"
need taskset

start_daemon --json -c "$ALL_EVENTS_CONF" --rcvbuf=4K
ctl() {
	"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" "$@"
}

# in a subshell: its wait is for the burst, not for the daemon
(
	i=0
	while [ $i -lt 2000 ]; do
		/bin/true &
		i=$((i + 1))
	done
	wait
)
sleep 1
# a loss is seen as a sequence gap only when that CPU sends its next event: make
# every CPU send some, now that the queue has room again
cpus=$(nproc)
for round in 1 2 3; do
	c=0
	while [ $c -lt "$cpus" ]; do
		taskset -c $c /bin/true
		c=$((c + 1))
	done
	sleep 0.2
done

ctl --json status >"$T/stats" || fail "status failed"
lost=$(jq .lost_events "$T/stats")
drops=$(jq .kernel_drops "$T/stats")
gaps=$(jq .sequence_gaps "$T/stats")
enobufs=$(jq .enobufs "$T/stats")
[ "$lost" -gt 0 ] || fail "no loss reported with a 4K buffer and 2000 processes: $(cat "$T/stats")"
[ "$enobufs" -gt 0 ] || fail "no ENOBUFS counted"
[ "$lost" = "$drops" ] || fail "lost $lost != kernel drop count $drops"
[ "$gaps" = "$drops" ] || fail "sequence gaps $gaps != kernel drop count $drops"
pass "lost $lost events = kernel drops $drops = sequence gaps $gaps ($enobufs overflows)"
grep -q "process events lost (the receive queue overflowed). Rescanned /proc." "$T/err" ||
	fail "no events-lost record: $(tail -n 3 "$T/err")"
[ "$(jq .resyncs "$T/stats")" -gt 0 ] || fail "no resync counted"
pass "events-lost record written, /proc rescanned $(jq .resyncs "$T/stats") times"

# the table matches /proc: every process alive before and after the listing is
# in it, and everything in it was alive at one of those moments. The snapshots
# use shell builtins only: spawning hundreds of readers would itself overflow
# the 4K buffer and make the comparison race with a fresh loss.
live() {
	for d in /proc/[0-9]*; do
		line=
		read -r line <"$d/stat" 2>/dev/null || continue
		rest=${line##*) }
		[ "${rest%% *}" != Z ] && echo "${d#/proc/}"
	done
}
sleep 0.5
live >"$T/before"
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json ps >"$T/ps" &
ctlpid=$!
wait $ctlpid || fail "ps failed"
live >"$T/after"
jq -r '.processes[].pid' "$T/ps" | grep -v -x "$ctlpid" | sort >"$T/table"
sort "$T/before" >"$T/b"
sort "$T/after" >"$T/a"
comm -12 "$T/b" "$T/a" >"$T/both"
sort -u "$T/b" "$T/a" >"$T/either"
missing=$(comm -23 "$T/both" "$T/table" | tr '\n' ' ')
extra=$(comm -13 "$T/either" "$T/table" | tr '\n' ' ')
[ -z "$missing" ] || fail "alive but not in the table: $missing"
[ -z "$extra" ] || fail "in the table but not alive: $extra: $(for p in $extra; do
	jq -c ".processes[] | select(.pid == $p)" "$T/ps"; done)"
pass "table matches /proc after the loss ($(wc -l <"$T/table") processes)"
stop_daemon || fail "daemon did not stop cleanly"
