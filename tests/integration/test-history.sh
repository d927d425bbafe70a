#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit trail as history, read back from a real journald: every filter of
# cnprocctl log returns exactly the marked records it should, from every source
# (-b, --file, -D, -m) and live (-f); tree rebuilds a marked three-level tree with
# exit codes and lifetimes, keeps a reused pid apart and shows a parent never
# recorded as a hole; report's totals equal the records; entries that carry
# cnprocd's MESSAGE_ID but are not its records (another program's, malformed
# fields) are skipped and counted, never shown.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
need logger
start_journal

M="cnprocd-hist-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule warn]
event = exec
cmdline = "*$M-warn*"
priority = warning
record-exit = yes

[rule marked]
event = exec
cmdline = "*$M-*"
record-exit = yes
CONF
since=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1
start_daemon --log-target=journal -c "$T/cnprocd.conf"
ctl() { timeout 60 "$CNPROCCTL" "$@"; }

# marked: the marked records of a JSON stream, "EVENT TAG" a line, sorted, each
# once (not those of the test's own tools, whose arguments end with a marker too;
# setpriv's exec, read after it became sh, looks like the sh's: once is enough)
marked() {
	jq -r --arg m "$M-" 'select(.comm != "grep" and .comm != "setpriv" and .comm != "jq") |
		select((.argv[-1] | type) == "string" and
		(.argv[-1] | startswith($m))) | "\(.event) \(.argv[-1] | ltrimstr($m))"' | sort -u
}
# expect_log WANT ARGS...: log --json ARGS gives exactly the marked records WANT
# ("EVENT TAG" words, blank-separated pairs)
expect_log() {
	_want=$(echo "$1" | tr -s ' \t\n' '\n\n\n' | grep . | paste -d ' ' - - | sort)
	shift
	_got=$(ctl log --json "$@" 2>"$T/log.err" | marked)
	[ "$_got" = "$_want" ] ||
		fail "log $*: got [$(echo "$_got" | tr '\n' ',')] want [$(echo "$_want" | tr '\n' ',')]" \
			"$(cat "$T/log.err")"
}

# --- the material --------------------------------------------------------------------
# (each lives 0.1 s at least: an exec's arguments are read from /proc, and the
# rules match them)
# a three-level tree: a (exit 5) > b (exit 4) > c (exit 3, 0.2 s at least)
sh -c "sleep 0.1; sh -c \"sleep 0.1; sh -c 'sleep 0.2; exit 3' $M-c; exit 4\" $M-b; exit 5" "$M-a"
as_user 65534:65534 sh -c 'sleep 0.1' "$M-nobody"
sh -c 'sleep 0.1' "$M-warn"
sh -c 'sleep 0.1; kill -9 $$' "$M-killed"
# a program of its own (for --exe, --comm)
own_exe="$T/hist-own"
cp "$(readlink -f /bin/sh)" "$own_exe"
"$own_exe" -c 'sleep 0.1' "$M-own"
# a child whose parent no rule recorded: a hole in the trail
# (the marker reaches the child through $1, so the parent's command line has none)
sh -c 'sleep 0.1; sh -c "sleep 0.1" "$1-orphan"; exit 0' "unmarked-$$" "$M"
# a login (bin, uid 2, writes its login uid, then runs its "shell"), when this
# test's own login uid is unset and so can play one
login_name=$(getent passwd 2 | cut -d: -f1)
login=
if [ "$(cat /proc/self/loginuid 2>/dev/null)" = 4294967295 ] && [ -n "$login_name" ]; then
	sh -c "echo 2 >/proc/self/loginuid && exec sh -c 'sleep 0.1' $M-login" && login="exec login exit login"
fi
sh -c 'sleep 0.1' "$M-end"
all="exec a exit a exec b exit b exec c exit c exec nobody exit nobody exec warn exit warn
	exec killed exit killed exec own exit own exec orphan exit orphan $login exec end exit end"
wait_for - 10 sh -c "'$CNPROCCTL' log --json --event exit --comm sh | grep -q -- '$M-end'" ||
	fail "the records did not reach the journal: $(ctl log | tail -n 3)"

# --- log: each filter exactly ----------------------------------------------------------
expect_log "$all"
expect_log "$all" --since "$since"
expect_log "" --until "$since"
expect_log "exit a exit b exit c exit nobody exit warn exit killed exit own exit orphan
	${login:+exit login} exit end" \
	--event exit
expect_log "exec nobody exit nobody" --user nobody
expect_log "exec nobody exit nobody" --uid 65534
expect_log "exec nobody exit nobody" --user 65534
expect_log "exec own exit own" --exe "$own_exe"
expect_log "exec own exit own" --exe '*/hist-o?n'
expect_log "exec own exit own" --comm hist-own
expect_log "exec own exit own" --comm 'hist-*'
expect_log "exec warn exit warn" --rule warn
expect_log "exec warn exit warn" --priority warning
expect_log "exec warn exit warn" --priority 0..4
expect_log "" --priority err
expect_log "$all" --container no
expect_log "" --container yes
ctl log --json --event exec >"$T/execs"
id_c=$(marked <"$T/execs" >/dev/null; jq -r --arg m "$M-c" 'select(.argv[-1] == $m) | .process_id' "$T/execs")
pid_c=${id_c%@*}
expect_log "exec c exit c" --process-id "$id_c"
expect_log "exec c exit c" --pid "$pid_c" --since "$since"
expect_log "exec killed exit killed" --unit "$(jq -r --arg m "$M-killed" \
	'select(.argv[-1] == $m) | .unit' "$T/execs")" --comm sh --event exec,exit --exe "$(readlink -f /bin/sh)" \
	--since "$since" --priority info --rule marked --pid "$(jq -r --arg m "$M-killed" \
	'select(.argv[-1] == $m) | .pid' "$T/execs")"
pass "log: --since --until --event --user --uid --exe --comm (exact and glob) --rule --priority --container --process-id --pid, and all at once"
if [ -n "$login" ]; then
	session=$(jq -r --arg m "$M-login" 'select(.argv[-1] == $m) | .session' "$T/execs")
	expect_log "$login" --login-user "$login_name"
	expect_log "$login" --login-user 2 --session "$session"
	ctl tree --json --login-user "$login_name" --since "$since" | json_has \
		'[.. | objects | select(.recorded? == true)] | length == 1 and .[0].cmdline == "sh -c \"sleep 0.1\" \($m)"' \
		--arg m "$M-login" || fail "tree --login-user $login_name: $(ctl tree --json --login-user "$login_name")"
	ctl tree --json --session "$session" | json_has '[.. | objects | select(.recorded? == true)] | length == 1' ||
		fail "tree --session $session: $(ctl tree --json --session "$session")"
	pass "log --login-user, --session; tree --login-user, --session: the login's process"
else
	echo "SKIP: --login-user and --session (this test's login uid is set: it cannot play a login)"
fi

# sources: this boot, the journal's file, its directory, all journals
expect_log "$all" -b
expect_log "$all" -b 0
expect_log "$all" -b "$(cat /proc/sys/kernel/random/boot_id | tr -d -)"
ctl log -b -1 >"$T/b1" 2>&1 && fail "-b -1 with one boot succeeded: $(cat "$T/b1")"
grep -q "1 boot" "$T/b1" || fail "-b -1: $(cat "$T/b1")"
file=$(find /var/log/journal /run/log/journal -name system.journal 2>/dev/null | head -n 1)
[ -n "$file" ] || fail "no system.journal under /var/log/journal or /run/log/journal"
expect_log "$all" --file "$file"
expect_log "$all" -D "$(dirname "$file")"
expect_log "$all" -m
ctl log -m -D /tmp >"$T/two" 2>&1 && fail "two sources accepted"
pass "sources: -b (0, an id; -1 refused: one boot), --file, -D, -m; one at a time"

# --- log -f: what comes after, as it comes ---------------------------------------------
timeout 30 "$CNPROCCTL" log -f --json --event exec >"$T/follow" 2>&1 &
follow=$!
sleep 1
sh -c 'sleep 0.1' "$M-followed"
wait_for - 15 grep -q -- "$M-followed" "$T/follow" ||
	fail "log -f did not show a new record: $(tail -n 3 "$T/follow")"
kill "$follow" 2>/dev/null
wait "$follow" 2>/dev/null
pass "log -f: a new record shows up as it is written"

# --- tree ------------------------------------------------------------------------------
id_a=$(jq -r --arg m "$M-a" 'select(.argv[-1] == $m) | .process_id' "$T/execs")
id_b=$(jq -r --arg m "$M-b" 'select(.argv[-1] == $m) | .process_id' "$T/execs")
ctl tree --json --process-id "$id_b" >"$T/tree.json" || fail "tree --process-id $id_b failed"
# (above a: a placeholder for this test's shell, never recorded)
json_has '[.. | objects |
	select(.process_id? == $a)][0] | .process_id == $a and .exit_code == 5 and .recorded == true and
	(.children | length) == 1 and .children[0].process_id == $b and
	.children[0].exit_code == 4 and (.children[0].children | length) == 1 and
	.children[0].children[0].process_id == $c and .children[0].children[0].exit_code == 3 and
	.children[0].children[0].lifetime_usec >= 200000' \
	--arg a "$id_a" --arg b "$id_b" --arg c "$id_c" <"$T/tree.json" ||
	fail "tree --json around b: not a > b > c with 5, 4, 3: $(cat "$T/tree.json")"
ctl tree --process-id "$id_a" >"$T/tree.txt" || fail "tree --process-id $id_a failed"
ind() { grep -- "$1\$" "$T/tree.txt" | head -n 1 | sed 's/sh -c.*//' | wc -c; }
[ "$(ind "$M-a")" -lt "$(ind "$M-b")" ] && [ "$(ind "$M-b")" -lt "$(ind "$M-c")" ] ||
	fail "tree text: not drawn a > b > c: $(cat "$T/tree.txt")"
pass "tree: a > b > c rebuilt with exit codes 5, 4, 3 and c's lifetime; drawn nested"

# a reused pid: c's pid taken by a new process, which is not c
grep -q . /proc/sys/kernel/ns_last_pid 2>/dev/null && [ -w /proc/sys/kernel/ns_last_pid ] ||
	skip "/proc/sys/kernel/ns_last_pid is not writable here: cannot reuse a pid on purpose"
reused=
for try in 1 2 3 4 5 6 7 8 9 10; do
	echo $((pid_c - 1)) >/proc/sys/kernel/ns_last_pid
	sh -c 'sleep 0.1; exit 7' "$M-reuse" &
	if [ "$!" = "$pid_c" ]; then
		reused=1
		wait $!
		break
	fi
	wait $!
done
[ -n "$reused" ] || skip "pid $pid_c was taken by others ten times in a row"
wait_for - 10 sh -c "'$CNPROCCTL' log --json --event exit --comm sh --pid $pid_c | grep -q -- '$M-reuse'" ||
	fail "no exit record of the process that reused pid $pid_c"
ctl tree --json --pid "$pid_c" | json_has '[.. | objects |
	select(.recorded? == true)][0] |
	.pid == ($c | split("@")[0] | tonumber) and .process_id != $c and .exit_code == 7' --arg c "$id_c" ||
	fail "tree --pid $pid_c: not the newest process with it: $(ctl tree --json --pid "$pid_c")"
ctl tree --json --process-id "$id_b" | json_has '[.. | objects | select(.process_id? == $b)][0] |
	(.children | length) == 1 and .children[0].process_id == $c' --arg b "$id_b" --arg c "$id_c" ||
	fail "the reused pid got into c's place: $(ctl tree --json --process-id "$id_b")"
pass "tree: pid $pid_c reused inside the window: --pid takes the newest, c's tree keeps c"

# a hole: the orphan's parent was never recorded: a placeholder, not a guess
id_o=$(jq -r --arg m "$M-orphan" 'select(.argv[-1] == $m) | .process_id' "$T/execs")
ctl tree --json --process-id "$id_o" | json_has '.[0].processes[0] |
	.recorded == false and (.children | length) == 1 and .children[0].process_id == $o' --arg o "$id_o" ||
	fail "tree: the orphan's unrecorded parent: $(ctl tree --json --process-id "$id_o")"
ctl tree --process-id "$id_o" | grep -q "not recorded" ||
	fail "tree text does not say the parent is not recorded: $(ctl tree --process-id "$id_o")"
pass "tree: a parent never recorded is a placeholder, marked not recorded"
ctl tree --process-id 1@1 >"$T/none" 2>&1
[ $? = 1 ] && grep -q "no recorded process" "$T/none" || fail "tree of no process: $(cat "$T/none")"
pass "tree of a process never recorded: exit 1, said"

# --- report: totals equal the records --------------------------------------------------
ctl report --json --since "$since" >"$T/report.json" || fail "report failed"
n_exec=$(ctl log --json --event exec --since "$since" | wc -l)
n_exit=$(ctl log --json --event exit --since "$since" | wc -l)
json_has '.totals.execs == $e and
	.totals.exits == $x and ([.tables.user[].count] | add) == $e and
	([.tables.unit[].count] | add) == $e and ([.tables.exe[].count] | add) == $e and
	(.tables.rule | map(select(.key == "warn"))[0].count) == 2 and
	(.tables.failures | map(select(.key == "killed by SIGKILL"))[0].count) >= 1' \
	--argjson e "$n_exec" --argjson x "$n_exit" \
	<"$T/report.json" || fail "report totals: $n_exec execs, $n_exit exits: $(cat "$T/report.json")"
ctl report --since "$since" --by user --top 1 >"$T/report.txt" || fail "report --by user failed"
grep -q "root" "$T/report.txt" && grep -q "1 other" "$T/report.txt" ||
	fail "report --by user --top 1: $(cat "$T/report.txt")"
ctl report --by nonsense >"$T/r" 2>&1
[ $? = 2 ] && grep -q "no such table" "$T/r" || fail "report --by nonsense: $(cat "$T/r")"
pass "report: $n_exec execs and $n_exit exits, tables adding up to them; --by, --top"

# --- entries that are not cnprocd's records: skipped and counted -----------------------
exec_id=daabd34234a849eaa2f947d7db21290a
F="forged-$$" # (not the marker: no rule records the programs that write them)
# journald's _COMM is the program's name: a copy of logger named cnprocd
cp "$(command -v logger)" "$T/cnprocd"
forge() { printf '%s\n' "$@" | "$T/cnprocd" --journald; }
forge "MESSAGE_ID=$exec_id" CNPROCD_EVENT=exec CNPROCD_PID=notanumber "MESSAGE=$F-bad1"
forge "MESSAGE_ID=$exec_id" CNPROCD_EVENT=exit CNPROCD_PID=5 "MESSAGE=$F-bad2"
forge "MESSAGE_ID=$exec_id" CNPROCD_EVENT=exec CNPROCD_PID=5 CNPROCD_PROCESS_ID=x "MESSAGE=$F-bad3"
forge "MESSAGE_ID=$exec_id" CNPROCD_EVENT=exec CNPROCD_PID=5 CNPROCD_PID=6 "MESSAGE=$F-bad4"
# well-formed, but from another user's program: not cnprocd's
printf '%s\n' "MESSAGE_ID=$exec_id" CNPROCD_EVENT=exec CNPROCD_PID=5 "MESSAGE=$F-bad5" \
	"CNPROCD_CMDLINE=sh $F-forged" | as_user 65534:65534 logger --journald
# and an unrelated entry
logger "$F-unrelated CNPROCD_PID=1"
sh -c 'sleep 0.1' "$M-last"
wait_for - 10 sh -c "'$CNPROCCTL' log --json --event exit --comm sh | grep -q -- '$M-last'" ||
	fail "no record after the forged entries"
ctl log --since "$since" >"$T/mixed" 2>"$T/mixed.err" || fail "log failed on the mixed journal: $(cat "$T/mixed.err")"
grep -q -- "$F-" "$T/mixed" && fail "a forged entry shown: $(grep -- "$F-" "$T/mixed")"
grep -q "5 malformed cnprocd entries skipped" "$T/mixed.err" ||
	fail "not counted: $(cat "$T/mixed.err")"
grep -q -- "$M-last" "$T/mixed" || fail "the record after them is missing"
for cmd in tree report; do
	ctl $cmd --since "$since" >/dev/null 2>"$T/$cmd.err" || fail "$cmd failed on the mixed journal"
	grep -q "5 malformed" "$T/$cmd.err" || fail "$cmd did not count them: $(cat "$T/$cmd.err")"
done
pass "5 entries with cnprocd's MESSAGE_ID that are not its records: skipped, counted, by log, tree and report"

stop_daemon || fail "daemon did not stop cleanly"
