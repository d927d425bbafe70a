#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Batched reading with the exec prefetch: the connector socket is read every
# batch-delay while events flow, and each exec's /proc data is taken from a second,
# EXEC-only subscription the moment it happens. Short-lived programs keep their own
# argv (never another's), every exec goes through one path or the other, records
# keep the kernel's order per process, batch-delay = 0 (reload) reads at once, and
# exec-prefetch = no (reload) drops the second subscription and brings it back.
. "$TEST_LIB"
require_root

M="cnprocd-prefetch-$$"
N=300
write_conf() {
	cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none
batch-delay = $1
exec-prefetch = ${2:-yes}

[rule marked]
event = exec exit
cmdline = "*$M-*"
CONF
}
stats() {
	"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json status
}
# storm FROM TO: two loops of short-lived /bin/true, each with its marker
storm() {
	_loops=
	for half in 0 1; do
		(i=$(($1 + half)); while [ $i -lt "$2" ]; do /bin/true "$M-$i"; i=$((i + 2)); done) &
		_loops="$_loops $!"
	done
	wait $_loops
}

write_conf 5ms
start_daemon --json -c "$T/cnprocd.conf"
s0=$(stats)
[ "$(printf '%s' "$s0" | jq -r .exec_prefetch)" = true ] ||
	fail "no exec prefetch: $(printf '%s' "$s0" | jq -c '{exec_prefetch, batch_delay_usec}')"
[ "$(printf '%s' "$s0" | jq -r .batch_delay_usec)" = 5000 ] ||
	fail "batch_delay_usec: $(printf '%s' "$s0" | jq -r .batch_delay_usec), want 5000"
pass "exec prefetch on, batch delay 5000 us"

storm 0 $N
# after_reload: a record of the second storm's (markers from N on)
after_reload() {
	complete_lines "$T/out" | json_has "map(select(.argv[1] // \"\" | startswith(\"$M-\")) |
		.argv[1] | ltrimstr(\"$M-\") | tonumber) | max >= $N" -s 2>/dev/null
}
# a program read too late has no command line, so no rule matches it: wait for the
# stats to count every exec instead
all_execs() {
	s=$(stats)
	[ "$(printf '%s' "$s" | jq "(.prefetch_used + .prefetch_missed) - $(printf '%s' "$s0" |
		jq '.prefetch_used + .prefetch_missed')")" -ge $N ]
}
wait_for - 20 all_execs || fail "not every exec went through the prefetch or its batch:" \
	"$(stats | jq -c '{prefetch_used, prefetch_missed, events}')"
s1=$(stats)
used=$(($(printf '%s' "$s1" | jq .prefetch_used) - $(printf '%s' "$s0" | jq .prefetch_used)))
missed=$(($(printf '%s' "$s1" | jq .prefetch_missed) - $(printf '%s' "$s0" | jq .prefetch_missed)))
[ "$used" -gt 0 ] || fail "no exec used its prefetched snapshot ($missed missed)"
pass "$N execs: $used with a prefetched snapshot, $missed read in their batch" \
	"(evicted $(printf '%s' "$s1" | jq .prefetch_evicted), overflows" \
	"$(printf '%s' "$s1" | jq .prefetch_overflows))"
sleep 0.2

# each marked exec: its own argv, its ids and cgroup, and the same data at its exit
# (the checks below find nothing wrong in output that jq cannot read: it must be JSON,
# as far as the daemon has written it)
complete_lines "$T/out" >"$T/out.now"
json_has true <"$T/out.now" || fail "the output is not valid JSON"
jq -c "select(.event == \"exec\" and (.argv[1] // \"\" | startswith(\"$M-\")))" "$T/out.now" >"$T/execs"
n_read=$(grep -c . "$T/execs")
[ "$n_read" -gt 0 ] || fail "no marked exec was logged"
wrong=$(jq -r "select(.argv[0] != \"/bin/true\" or (.argv | length) != 2) | .pid" "$T/execs" | head -n 3)
[ -z "$wrong" ] || fail "execs shown with another command line: pids $wrong"
noid=$(jq -r 'select(.euid == null or .user == null or .cgroup == null) | .pid' "$T/execs" | head -n 3)
[ -z "$noid" ] || fail "execs without ids or cgroup: $(grep -m 1 "\"pid\":${noid%% *}," "$T/execs")"
dups=$(jq -r '.argv[1]' "$T/execs" | sort | uniq -d | head -n 3)
[ -z "$dups" ] || fail "one marker logged twice: $dups"
pass "$n_read of $N marked execs logged with their own argv, ids and cgroup" \
	"(the rest were gone before /proc could be read)"

# per process: exec before exit, and the exit shows what the exec read
complete_lines "$T/out" >"$T/out.now"
jq -r -s "[to_entries[] | select(.value.argv[1] // \"\" | startswith(\"$M-\")) |
	{i: .key, pid: .value.pid, ev: .value.event, m: .value.argv[1]}] | group_by(.pid)[] |
	select(length != 2 or .[0].ev != \"exec\" or .[1].ev != \"exit\" or .[0].m != .[1].m) |
	.[0].pid" "$T/out.now" >"$T/bad_order" || fail "the output is not valid JSON"
bad_order=$(head -n 3 "$T/bad_order")
[ -z "$bad_order" ] || fail "exec and exit out of order or mismatched for pids $bad_order:" \
	"$(grep "\"pid\":${bad_order%% *}," "$T/out" | cut -c 1-300)"
pass "every logged process: exec, then exit with the same command line"

# batch-delay = 0 by reload: read as events come, the prefetch still used
write_conf 0
kill -HUP "$DAEMON_PID"
zero() {
	[ "$(stats | jq -r .batch_delay_usec)" = 0 ]
}
wait_for - 10 zero || fail "batch-delay = 0 not in effect after the reload"
s2=$(stats)
storm $N $((N + 100))
more() {
	s=$(stats)
	[ "$(printf '%s' "$s" | jq "(.prefetch_used + .prefetch_missed) - $(printf '%s' "$s2" |
		jq '.prefetch_used + .prefetch_missed')")" -ge 100 ]
}
wait_for - 20 more || fail "after the reload, not every exec was handled"
wait_for - 10 after_reload || fail "no records after the reload"
pass "batch-delay = 0 after a reload: 100 more execs handled"

# exec-prefetch = no by reload: the second subscription goes, execs are read in
# their batch (most /bin/true are gone by then: reported unread, never wrong)
write_conf 5ms no
kill -HUP "$DAEMON_PID"
no_prefetch() {
	[ "$(stats | jq -r .exec_prefetch)" = false ]
}
wait_for - 10 no_prefetch || fail "exec-prefetch = no not in effect after the reload"
subs() {
	awk '$2 == 11' /proc/net/netlink | awk -v s=" $(ls -l "/proc/$DAEMON_PID/fd" |
		sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' ' ') " 'index(s, " " $10 " ")' | wc -l
}
[ "$(subs)" = 1 ] || fail "$(subs) connector sockets with exec-prefetch = no, want 1"
s3=$(stats)
storm $((N + 100)) $((N + 200))
more3() {
	s=$(stats)
	[ "$(printf '%s' "$s" | jq ".events.exec - $(printf '%s' "$s3" | jq .events.exec)")" -ge 100 ]
}
wait_for - 20 more3 || fail "after exec-prefetch = no, not every exec was seen"
s4=$(stats)
[ "$(printf '%s' "$s4" | jq .prefetch_used)" = "$(printf '%s' "$s3" | jq .prefetch_used)" ] ||
	fail "snapshots used without the prefetch socket"
late=$(jq -c -s "map(select(.event == \"exec\" and (.argv[1] // \"\" | startswith(\"$M-\")) and
	(.argv[1] | ltrimstr(\"$M-\") | tonumber) >= $((N + 100)))) | length" "$T/out")
pass "exec-prefetch = no after a reload: one connector socket, 100 execs seen, $late" \
	"of them still running when their batch was read"
write_conf 5ms yes
kill -HUP "$DAEMON_PID"
yes_prefetch() {
	[ "$(stats | jq -r .exec_prefetch)" = true ] && [ "$(subs)" = 2 ]
}
wait_for - 10 yes_prefetch || fail "exec-prefetch = yes did not come back after a reload"
pass "exec-prefetch = yes again: two connector sockets"

[ "$(stats | jq .lost_events)" = 0 ] || fail "events lost: $(stats | jq -c '{lost_events, kernel_drops}')"
stop_daemon || fail "daemon did not stop cleanly"
pass "nothing lost, clean stop"
checks_done
