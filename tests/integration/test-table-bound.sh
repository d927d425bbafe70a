#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The process table bound (max-processes, at least 16): the /proc scan alone fills
# it here, so every new process is refused, as conf/cnprocd.conf documents: "new
# processes are not tracked (their events are still matched and logged with what
# the event says) and each refusal is counted". Checked: the table never exceeds
# the bound, table_full counts every refusal, a refused process is not listed but
# its exec and exit are logged, matched by rules on what the event carries
# (exit-code) and sent to subscribers; raising the bound by a reload tracks new
# processes again, lowering it below the table keeps the entries until they exit;
# the daemon survives it all and stops cleanly.
#
# Every check runs even if an earlier one failed; the test fails at the end if any did.
. "$TEST_LIB"
require_root
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built (VARLINK_RAW=${VARLINK_RAW:-})"

SOCK=$T/io.cnprocd.Monitor
M="cnprocd-bound-$$-$(date +%s%N)"
BOUND=16
N=100

# stats: GetStats parameters as one JSON line
stats() {
	printf '{"method":"io.cnprocd.Monitor.GetStats"}\0' |
		"$VARLINK_RAW" "$SOCK" --expect 1 --timeout 2000 | jq -c .parameters
}

# get_process PID: the GetProcess reply
get_process() {
	printf '{"method":"io.cnprocd.Monitor.GetProcess","parameters":{"pid":%s}}\0' "$1" |
		"$VARLINK_RAW" "$SOCK" --expect 1 --timeout 2000
}

# tracked PID: GetProcess knows it
tracked() {
	get_process "$1" | json_has ".parameters.process.pid == $1" 2>/dev/null
}

# untracked PID: GetProcess answers that it does not know it (no answer is neither)
untracked() {
	get_process "$1" | json_has '.error == "io.cnprocd.Monitor.NoSuchProcess"' 2>/dev/null
}

# logged EVENT PID [JQ]: the daemon printed that record (and it satisfies JQ)
logged() {
	complete_lines "$T/out" |
		json_has ".event == \"$1\" and .pid == $2 and (${3:-true})" 2>/dev/null
}

[ "$(ls /proc | grep -c '^[0-9]')" -gt $BOUND ] ||
	skip "only $(ls /proc | grep -c '^[0-9]') processes: the scan cannot fill" \
		"a table of $BOUND"

conf() {
	cat <<CONF
[cnprocd]
max-processes = $1
default-action = log
rate-limit = none

# matched on what the exit event itself says: works for untracked processes too
[rule code-7]
event = exit
exit-code = 7
priority = warning
CONF
}
conf $BOUND >"$T/cnprocd.conf"
start_daemon --json -c "$T/cnprocd.conf"

# full: a scanned process may exit (low pids are reused once pids wrap), and the
# next new one takes its place (these GetStats calls are new processes too)
full_table() {
	s=$(stats)
	[ "$(printf '%s' "$s" | jq .processes)" = $BOUND ]
}
wait_for - 10 full_table
full0=$(printf '%s' "$s" | jq .table_full)
n0=$(printf '%s' "$s" | jq .processes)
if [ "$n0" = $BOUND ] && [ "$full0" -gt 0 ]; then
	pass "after the scan: $n0 processes tracked (the bound), $full0 refused (table_full)"
else
	bad "after the scan: $s"
fi
tracked 1 && pass "pid 1 (scanned first) is tracked" || bad "pid 1 is not tracked"
# the scanned entries: when one of them exits (a kernel worker may), its slot goes
# to whoever comes next; gone_initial counts those slots
list_pids() {
	printf '{"method":"io.cnprocd.Monitor.ListProcesses"}\0' |
		"$VARLINK_RAW" "$SOCK" --expect 1 --timeout 5000 |
		jq -c '[.parameters.processes[].pid]'
}
initial=$(list_pids)
gone_initial() {
	jq -n --argjson a "$initial" --argjson b "$(list_pids)" '$a - $b | length'
}

# the table size is sampled while processes come and go
: >"$T/samples"
# long-lived ones that find the table full
i=0
while [ $i -lt 20 ]; do
	sh -c 'exec sleep 60' "$M-sleeper-$i" &
	sleepers="${sleepers:-} $!"
	i=$((i + 1))
done
KEEP_PIDS="$KEEP_PIDS $sleepers"
stats | jq .processes >>"$T/samples"
# N short ones, exit code 7
pids=
i=0
while [ $i -lt $N ]; do
	sh -c 'exit 7' "$M-short-$i" &
	pids="$pids $!"
	i=$((i + 1))
	if [ $((i % 10)) = 0 ]; then
		stats | jq .processes >>"$T/samples"
		wait $pids 2>/dev/null
	fi
done
wait $pids 2>/dev/null
last=${pids##* }
wait_for - 20 logged exit "$last" || bad "the exit of the last short process $last was not" \
	"logged"

# (default-action = log: the whole machine's events are in $T/out; take ours once)
jq -c --argjson pids "[$(echo $pids | tr ' ' ',')]" 'select(.pid | IN($pids[]))' \
	"$T/out" 2>/dev/null >"$T/short"
count() {
	jq -s "[.[] | select($1) | .pid] | unique | length" "$T/short"
}
n_exec=$(count '.event == "exec"')
n_exit=$(count '.event == "exit" and .exit_code == 7')
n_rule=$(count '.event == "exit" and .rule == "code-7" and .priority == "warning"')
if [ $n_exec = $N ] && [ $n_exit = $N ]; then
	pass "untracked processes are still logged: $n_exec of $N exec, $n_exit of $N exit" \
		"(code 7)"
else
	bad "untracked processes logged: $n_exec of $N exec, $n_exit of $N exit"
fi
[ $n_rule = $N ] && pass "rule code-7 (exit-code) matched all $N untracked exits" ||
	bad "rule code-7 matched $n_rule of $N untracked exits"
# what the event says, no more: no comm or argv (the table has none for them). A
# freed slot (see gone_initial) is taken by whoever comes next, again and again
# as short processes come and go: then not all of them are bare
freed=$(gone_initial)
n_bare=$(count '.event == "exec" and (has("comm") | not) and (has("argv") | not)')
if [ "$n_bare" = $N ] || { [ "$freed" -gt 0 ] && [ "$n_bare" -gt 0 ]; }; then
	pass "their records carry what the event says ($n_bare of $N exec records without" \
		"comm or argv, $freed slots freed meanwhile): $(jq -c 'select(.event == "exit") |
		{event, pid, exit_code, rule, comm}' "$T/short" | tail -n 1)"
else
	bad "only $n_bare of $N untracked exec records without comm and argv ($freed slots freed)"
fi

n_tracked=0
for p in $sleepers; do
	untracked "$p" || n_tracked=$((n_tracked + 1))
done
freed=$(gone_initial)
if [ $n_tracked -le "$freed" ]; then
	pass "$n_tracked of the 20 sleepers started after the table filled are tracked" \
		"($freed slots freed meanwhile)"
else
	bad "$n_tracked sleepers tracked although the table is full and only $freed slots" \
		"were freed"
fi

max=$(sort -n "$T/samples" | tail -n 1)
if [ "$(wc -l <"$T/samples")" -ge 11 ] && [ "$max" -le $BOUND ]; then
	pass "the table never exceeded $BOUND: $(wc -l <"$T/samples") samples, at most $max"
else
	bad "table size over the bound: at most $max in $(wc -l <"$T/samples") samples"
fi
s=$(stats)
full1=$(printf '%s' "$s" | jq .table_full)
refused=$((full1 - full0))
# fork, exec and exit of each short process, the fork and exec of each sleeper
if [ $refused -ge $((N * 3)) ]; then
	pass "table_full counted $refused refusals for $N short processes and 20 sleepers"
else
	bad "table_full grew by $refused for $N short processes (3 refusals each expected)"
fi
printf '{"method":"io.cnprocd.Monitor.ListProcesses"}\0' |
	"$VARLINK_RAW" "$SOCK" --expect 1 --timeout 5000 >"$T/list"
n_list=$(jq '.parameters.processes | length' "$T/list")
[ "$n_list" -le $BOUND ] && pass "ListProcesses: $n_list entries" ||
	bad "ListProcesses: $n_list entries over the bound $BOUND"

# a subscriber gets the untracked processes' events too
printf '{"method":"io.cnprocd.Monitor.Subscribe","more":true,%s}\0' \
	'"parameters":{"events":["exit"]}' |
	"$VARLINK_RAW" "$SOCK" --timeout 20000 >"$T/sub" &
sub=$!
KEEP_PIDS="$KEEP_PIDS $sub"
wait_for - 10 grep -q ready "$T/sub" || bad "Subscribe: not ready"
sh -c 'exit 7' "$M-sub" &
p=$!
wait $p
sub_has() {
	complete_lines "$T/sub" |
		json_has ".parameters.event.pid? == $p and .parameters.event.exit_code == 7" 2>/dev/null
}
wait_for - 10 sub_has && pass "Subscribe: the exit of untracked $p arrives" ||
	bad "Subscribe: no exit event of untracked $p: $(tail -n 2 "$T/sub")"
kill "$sub" 2>/dev/null

# --- raising the bound: new processes are tracked again -------------------------------

conf 131072 >"$T/cnprocd.conf"
kill -HUP "$DAEMON_PID"
wait_for - 10 sh -c "grep -q 'Reloaded' '$T/err'" || bad "no reload after SIGHUP"
sh -c 'exec sleep 60' "$M-late" &
late=$!
KEEP_PIDS="$KEEP_PIDS $late"
wait_for - 10 tracked "$late" && pass "max-processes raised by a reload: new process $late is" \
	"tracked" ||
	bad "after raising max-processes, $late is not tracked"
i=0
while [ $i -lt 30 ]; do
	sh -c 'exec sleep 60' "$M-more-$i" &
	more="${more:-} $!"
	i=$((i + 1))
done
KEEP_PIDS="$KEEP_PIDS $more"
wait_for - 10 tracked "${more##* }" || bad "the last of 30 more sleepers is not tracked"
n_big=$(stats | jq .processes)
[ "$n_big" -gt $((BOUND + 30)) ] && pass "the table holds $n_big processes now" ||
	bad "only $n_big processes tracked after raising the bound"

# --- lowering it below the table: the entries stay until they exit --------------------

conf $BOUND >"$T/cnprocd.conf"
kill -HUP "$DAEMON_PID"
reloaded_twice() {
	[ "$(grep -c 'Reloaded' "$T/err")" -ge 2 ]
}
wait_for - 10 reloaded_twice || bad "no second reload"
s=$(stats)
n_low=$(printf '%s' "$s" | jq .processes)
full2=$(printf '%s' "$s" | jq .table_full)
# (short-lived processes of the system leave meanwhile: count ours)
n_kept=0
for p in $late $more; do
	tracked "$p" && n_kept=$((n_kept + 1))
done
if [ $n_kept = 31 ] && [ "$n_low" -gt $((BOUND + 30)) ]; then
	pass "max-processes lowered to $BOUND: $n_low entries kept, our 31 sleepers among them"
else
	bad "lowering the bound dropped entries: $n_kept of our 31 kept, $n_low in all"
fi
sh -c 'exec sleep 60' "$M-refused" &
refused_pid=$!
KEEP_PIDS="$KEEP_PIDS $refused_pid"
wait_for - 10 logged exec "$refused_pid" || bad "exec of $refused_pid not logged"
untracked "$refused_pid" ||
	bad "$refused_pid tracked although the table is over the bound: $(get_process "$refused_pid")"
full3=$(stats | jq .table_full)
[ "$full3" -gt "$full2" ] && pass "a new process is refused again (table_full $full2 ->" \
	"$full3)" ||
	bad "table_full did not grow ($full2 -> $full3) for a process over the lowered bound"
# the sleepers leave: their entries go, the table shrinks to what remains
kill $more $late $sleepers "$refused_pid" 2>/dev/null
wait $more $late $sleepers "$refused_pid" 2>/dev/null
shrunk() {
	[ "$(stats | jq .processes)" -le $((n_low - 31)) ]
}
wait_for - 10 shrunk && pass "after their exits the table shrinks to" \
	"$(stats | jq .processes)" ||
	bad "table did not shrink after 31 tracked exits: $(stats | jq .processes)"

# --- no crash, a clean stop -----------------------------------------------------------

kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died"
stop_daemon || bad "daemon did not stop cleanly"
# all of it, now that it is complete
json_has true <"$T/out" || bad "the JSON output is not valid JSON"
grep -q "Stopped:" "$T/err" && pass "stopped cleanly:" \
	"$(grep 'Stopped:' "$T/err" | sed 's/.*Stopped: //' | cut -c 1-120)" ||
	bad "no stop record"
checks_done
