#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cnprocctl against the real daemon: a process started before cnprocd is in the
# table (ps, ps --json, filters, --tree, show with its ancestors), status, rules
# with counting hits, monitor (JSON and readable, SIGTERM ends it with 0, a
# daemon that goes away with 1), reload (good and broken configuration) and the
# exit codes: 2 usage, 3 not running, 4 permission denied, 1 no such process.
. "$TEST_LIB"
require_root
[ -x "${CNPROCCTL:-}" ] || fail "cnprocctl binary ${CNPROCCTL:-} not built"

M="cnprocctl-$$-$(date +%s%N)"
SOCK="$T/io.cnprocd.Monitor"
CONF="$T/cnprocd.conf"
me=$$

# ctl ARGS...: cnprocctl on the test daemon's socket, never hanging the test
ctl() {
	timeout 20 "$CNPROCCTL" --socket "$SOCK" "$@"
}

# --- without a daemon ---

"$CNPROCCTL" --help >"$T/help" || fail "--help exited with $?"
for w in status ps show rules monitor reload --socket --json; do
	grep -q -e "$w" "$T/help" || fail "--help does not mention $w"
done
"$CNPROCCTL" --version | grep -q '^cnprocctl [0-9]' || fail "--version"
pass "--help and --version"

ctl frobnicate 2>"$T/e"
rc=$?
[ $rc = 2 ] || fail "unknown command: exit $rc, expected 2"
ctl status --tree 2>"$T/e"
rc=$?
[ $rc = 2 ] || fail "status --tree: exit $rc, expected 2"
ctl show 2>"$T/e"
rc=$?
[ $rc = 2 ] || fail "show without a pid: exit $rc, expected 2"
"$CNPROCCTL" 2>"$T/e"
rc=$?
[ $rc = 2 ] || fail "no command: exit $rc, expected 2"
pass "usage errors exit with 2"

ctl status >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 3 ] || fail "no daemon: exit $rc, expected 3"
grep -q "cnprocd is not running (no socket at $SOCK)" "$T/e" ||
	fail "no daemon: unexpected message: $(cat "$T/e")"
CNPROCD_SOCKET="$SOCK" timeout 20 "$CNPROCCTL" ps >/dev/null 2>"$T/e"
rc=$?
[ $rc = 3 ] && grep -q "$SOCK" "$T/e" || fail "CNPROCD_SOCKET is not used (exit $rc)"
pass "exit 3 when the socket does not exist (also from \$CNPROCD_SOCKET)"

# --- a process older than the daemon, and a configuration with two rules ---

sh -c 'sleep 30; : '"$M-old" &
old=$!
KEEP_PIDS="$KEEP_PIDS $old"
# its sleep child must be running before the daemon scans /proc
wait_for - 10 pgrep -P "$old" -x sleep >/dev/null || fail "sleep child of $old missing"
sleeper=$(pgrep -P "$old" -x sleep)
KEEP_PIDS="$KEEP_PIDS $sleeper"

{
	cat "$ALL_EVENTS_CONF"
	cat <<CONF

[rule marked-exec]
event = exec
cmdline = "*$M-rule*"
priority = notice

[rule marked-exit]
event = exit
cmdline = "*$M-rule*"
exit-code = 7
CONF
} >"$CONF"

start_daemon --json -c "$CONF"
[ -S "$SOCK" ] || fail "daemon has no socket at $SOCK"

# --- ps ---

ctl ps >"$T/ps" 2>"$T/e" || fail "ps exited with $?: $(cat "$T/e")"
head -n 1 "$T/ps" | grep -q 'PID *PPID *USER *UNIT *ORIGIN *COMMAND' ||
	fail "ps: no header: $(head -n 1 "$T/ps")"
awk -v p="$old" '$1 == p' "$T/ps" >"$T/line"
grep -q "^ *$old  *$me  *root .* scanned  *sh -c sleep 30; : $M-old\$" "$T/line" ||
	fail "ps: no line for $old: '$(cat "$T/line")'"
# sorted by pid
awk 'NR > 1 { print $1 }' "$T/ps" >"$T/pids"
sort -n -c "$T/pids" 2>/dev/null || fail "ps output is not sorted by pid"
pass "ps lists $old (started before the daemon) as scanned"

# --- on a terminal: cut at its width, whole with --full ---
if command -v script >/dev/null 2>&1; then
	long=$(head -c 3000 /dev/zero | tr '\0' x)
	sh -c 'sleep 30; :' "$M-long" "$long" &
	longp=$!
	KEEP_PIDS="$KEEP_PIDS $longp"
	wait_for - 10 sh -c "'$CNPROCCTL' --socket '$SOCK' ps | grep -q -- '$M-long'" ||
		fail "ps does not list $longp"
	for opt in "" --tree; do
		# (the line as the terminal shows it: every UTF-8 sequence one column)
		script -qec "stty cols 80; '$CNPROCCTL' --socket '$SOCK' ps $opt" /dev/null |
			tr -d '\r' >"$T/tty"
		grep -q "^ *$longp " "$T/tty" || fail "ps $opt on a terminal: the process is missing"
		w=$(LC_ALL=C.UTF-8 wc -L <"$T/tty")
		[ "$w" -le 80 ] || fail "ps $opt on an 80-column terminal: a line of $w columns"
		script -qec "stty cols 80; '$CNPROCCTL' --socket '$SOCK' --full ps $opt" /dev/null |
			tr -d '\r' | grep -q -- "$long" || fail "ps $opt --full on a terminal: the line was cut"
	done
	kill "$longp"
	pass "ps and ps --tree on an 80-column terminal: cut at 80; --full: whole lines"
else
	echo "SKIP: no script(1): the terminal width is not checked"
fi

ctl ps --json >"$T/ps.json" || fail "ps --json exited with $?"
json_has ".processes | map(select(.pid == $old)) | length == 1 and (.[0] |
	.origin == \"scanned\" and .ppid == $me and
	.argv == [\"sh\", \"-c\", \"sleep 30; : $M-old\"])" <"$T/ps.json" ||
	fail "ps --json: $old missing, listed twice or not scanned"
json_has ".processes | length > 10" <"$T/ps.json" || fail "ps --json: too few"
pass "ps --json has $old with origin scanned"

ctl ps --json --comm 'slee[p]' >"$T/f.json" || fail "ps --comm exited with $?"
json_has "(.processes | length > 0) and all(.processes[]; .comm == \"sleep\") and
	any(.processes[]; .pid == $sleeper)" <"$T/f.json" ||
	fail "ps --comm sleep: $(cat "$T/f.json")"
ctl ps --comm sleep >"$T/f" || fail "ps --comm exited with $?"
awk -v p="$sleeper" '$1 == p' "$T/f" | grep -q . || fail "ps --comm: no $sleeper"
awk -v p="$old" '$1 == p' "$T/f" | grep -q . && fail "ps --comm sleep lists sh $old"
ctl ps --json --user root >"$T/f.json" || fail "ps --user root exited with $?"
json_has "any(.processes[]; .pid == $old) and all(.processes[]; .euid == 0)" \
	<"$T/f.json" || fail "ps --user root: $old missing or non-root listed"
ctl ps --json --user 65534 >"$T/f.json" || fail "ps --user 65534 exited with $?"
json_has "all(.processes[]; .euid == 65534) and all(.processes[]; .pid != $old)" \
	<"$T/f.json" || fail "ps --user 65534 lists other users"
ctl ps --user "no-such-user-$$" >/dev/null 2>"$T/e"
rc=$?
[ $rc = 1 ] && grep -q "no such user" "$T/e" || fail "ps --user unknown: exit $rc"
pass "ps --comm and --user filter"

# --tree: depth of the command column, tree glyphs (UTF-8 or ASCII) stripped
ctl ps --tree >"$T/tree" || fail "ps --tree exited with $?"
LC_ALL=C awk -v me="$me" -v old="$old" -v sl="$sleeper" '
	NR == 1 { c = index($0, "COMMAND"); next }
	{
		rest = substr($0, c)
		d = match(rest, /[^ |`\200-\377-]/)
		depth[NR] = d; pid[NR] = $1
		if ($1 == me) lme = NR
		if ($1 == old) lold = NR
		if ($1 == sl) lsl = NR
	}
	END {
		if (!lme || !lold || !lsl) { print "missing lines"; exit 1 }
		if (!(depth[lold] > depth[lme] && depth[lsl] > depth[lold])) {
			print "depths " depth[lme] " " depth[lold] " " depth[lsl]; exit 1
		}
		if (lsl != lold + 1) { print "sleep is not right below its parent"; exit 1 }
		for (i = lold - 1; i > 1 && depth[i] >= depth[lold]; i--)
			;
		if (i != lme) { print "parent of " old " drawn as " pid[i]; exit 1 }
	}' "$T/tree" >"$T/e" || fail "ps --tree: $(cat "$T/e")
$(grep -e "^ *$me " -e "^ *$old " -e "^ *$sleeper " "$T/tree")"
grep -q -e "└─ sh -c sleep 30" -e '`- sh -c sleep 30' "$T/tree" ||
	grep -q -e "├─ sh -c sleep 30" -e '|- sh -c sleep 30' "$T/tree" ||
	fail "ps --tree: no branch drawn for $old"
pass "ps --tree draws $old under $me and its sleep under it"

# --- show ---

ctl show "$old" >"$T/show" 2>"$T/e" || fail "show $old exited with $?: $(cat "$T/e")"
grep -q "^PID: *$old\$" "$T/show" && grep -q "^PPID: *$me\$" "$T/show" &&
	grep -q "^Origin: *scanned" "$T/show" && grep -q "^Command: .*$M-old" "$T/show" ||
	fail "show $old: $(cat "$T/show")"
sed -n '/^Ancestors/,$p' "$T/show" | awk -v p="$me" '$1 == p' | grep -q . ||
	fail "show $old: the test shell $me is not among the ancestors"
sed -n '/^Ancestors/,$p' "$T/show" | awk '$1 == 1' | grep -q . ||
	fail "show $old: pid 1 is not among the ancestors"
ctl show --json "$old" >"$T/show.json" || fail "show --json exited with $?"
json_has ".process.pid == $old and .ancestors[0].pid == $me and
	.ancestors[-1].pid == 1" <"$T/show.json" ||
	fail "show --json: $(cat "$T/show.json")"
pass "show $old prints the process and its ancestors ($me ... 1)"

ctl show 999999999 >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 1 ] || fail "show 999999999: exit $rc, expected 1"
grep -q "no process 999999999 in cnprocd's table" "$T/e" || fail "show: $(cat "$T/e")"
ctl show abc 2>/dev/null
[ $? = 2 ] || fail "show abc: not a usage error"
pass "show 999999999 exits with 1"

# --- status ---

ctl status >"$T/status" || fail "status exited with $?"
for w in Uptime Processes Events Records "Lost events" "kernel drops" ENOBUFS \
	"sequence gaps" "Exec /proc data" "read as they started" Rules Clients "Receive buffer"; do
	grep -q "$w" "$T/status" || fail "status does not show $w: $(cat "$T/status")"
done
grep -q "^Rules: *2 " "$T/status" || fail "status: not 2 rules"
ctl status --json >"$T/status.json" || fail "status --json exited with $?"
json_has '(.processes > 0) and (.events.exec | type == "number") and
	(.events.fork > 0) and .rules == 2 and .clients >= 1 and
	(.uptime_usec | type == "number") and .receive_buffer > 0' \
	<"$T/status.json" || fail "status --json: $(cat "$T/status.json")"
pass "status shows the counters, status --json has numeric fields"

# --- monitor ---

"$CNPROCCTL" --socket "$SOCK" monitor --json >"$T/mon.json" 2>"$T/mon.err" &
mon=$!
KEEP_PIDS="$KEEP_PIDS $mon"
"$CNPROCCTL" --socket "$SOCK" monitor --event exec >"$T/mon.txt" 2>"$T/mon2.err" &
mon2=$!
KEEP_PIDS="$KEEP_PIDS $mon2"
# wait_for itself runs sleep: the first events show that both are subscribed
wait_for - 10 test -s "$T/mon.json" || fail "monitor --json printed nothing"
wait_for - 10 test -s "$T/mon.txt" || fail "monitor printed nothing"

sh -c 'sleep 0.1' "$M-mon" &
child=$!
wait $child

# (the monitor is still writing: complete lines only)
has_mon() {
	complete_lines "$T/mon.json" | json_has "$1" 2>/dev/null
}
wait_for - 10 has_mon ".event == \"exec\" and .pid == $child and
	.argv == [\"sh\", \"-c\", \"sleep 0.1\", \"$M-mon\"]" ||
	fail "monitor --json: no exec of $child"
wait_for - 10 has_mon ".event == \"exit\" and .pid == $child and .exit_code == 0 and
	.lifetime_usec >= 100000" || fail "monitor --json: no exit of $child"
complete_lines "$T/mon.json" | json_none 'has("event") | not' ||
	fail "monitor --json printed something else than event objects"
pass "monitor --json shows the exec (argv) and exit (code 0) of $child"

grep -q "exec  *pid=$child .*$M-mon" "$T/mon.txt" ||
	wait_for - 10 grep -q "exec  *pid=$child .*$M-mon" "$T/mon.txt" ||
	fail "monitor: no readable line for $child: $(tail -n 5 "$T/mon.txt")"
grep -q "^[0-9-]* [0-9:.]* exit " "$T/mon.txt" && fail "monitor --event exec shows exits"
pass "monitor prints a readable line for $child"

kill -TERM "$mon"
wait "$mon"
rc=$?
[ $rc = 0 ] || fail "monitor --json: exit $rc after SIGTERM: $(cat "$T/mon.err")"
kill -INT "$mon2"
wait "$mon2"
rc=$?
[ $rc = 0 ] || fail "monitor: exit $rc after SIGINT: $(cat "$T/mon2.err")"
pass "monitor exits with 0 on SIGTERM and SIGINT"

# --- rules ---

ctl rules >"$T/rules" || fail "rules exited with $?"
head -n 1 "$T/rules" | grep -q \
	'NAME *ACTION *PRIORITY *HITS *LOGGED *SUPPRESSED *RATE-LIMIT *MATCH' ||
	fail "rules: no header: $(head -n 1 "$T/rules")"
grep -q "^marked-exec  *log  *notice .*event=exec .*$CONF:[0-9]" "$T/rules" &&
	grep -q "^marked-exit  *log  *info .*exit-code=7.*$CONF:[0-9]" "$T/rules" ||
	fail "rules: $(cat "$T/rules")"
grep -q "no rule matches: log" "$T/rules" || fail "rules: no default action"
pass "rules lists both rules with file:line"

hits() {
	ctl rules --json | jq ".rules[] | select(.name == \"$1\") | .hits"
}
h1=$(hits marked-exec)
h2=$(hits marked-exit)
[ -n "$h1" ] && [ -n "$h2" ] || fail "rules --json: rules missing"
sh -c 'sleep 0.1; exit 7' "$M-rule" &
wait $!
hits_up() {
	[ "$(hits marked-exec)" -gt "$h1" ] && [ "$(hits marked-exit)" -gt "$h2" ]
}
wait_for - 10 hits_up || fail "hits did not count up: $(ctl rules)"
awk '$1 == "marked-exec" { print $4 }' "$T/rules" | grep -q '^[0-9][0-9]*$' ||
	fail "rules: HITS is not a number"
pass "hits count up: marked-exec $h1 -> $(hits marked-exec), marked-exit $h2 -> $(hits marked-exit)"

# --- reload ---

cat >>"$CONF" <<CONF

[rule third]
event = ptrace
CONF
ctl reload >"$T/o" 2>"$T/e" || fail "reload exited with $?: $(cat "$T/e")"
grep -qx "reloaded: 3 rules" "$T/o" || fail "reload: $(cat "$T/o")"
[ "$(ctl rules --json | jq '.rules | length')" = 3 ] || fail "reload: not 3 rules"
pass "reload prints the new rule count"

printf '\n[rule broken]\nevent = bogus\n' >>"$CONF"
bad=$(grep -n 'event = bogus' "$CONF" | cut -d: -f1)
ctl reload >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 1 ] || fail "broken reload: exit $rc, expected 1"
grep -q "^$CONF:$bad: .*bogus" "$T/e" || fail "broken reload: no file:line: $(cat "$T/e")"
ctl status --json >"$T/status.json" || fail "daemon not serving after a broken reload"
json_has '.rules == 3 and .reload_failures >= 1' <"$T/status.json" ||
	fail "after a broken reload: $(cat "$T/status.json")"
pass "a broken configuration: $(cat "$T/e"), exit 1, the daemon serves on"

# --- permission denied ---

chmod 755 "$T"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$CNPROCCTL" --socket "$SOCK" status >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 4 ] || fail "uid 65534: exit $rc, expected 4: $(cat "$T/e")"
grep -q "permission denied: $SOCK" "$T/e" || fail "uid 65534: $(cat "$T/e")"
pass "exit 4 for uid 65534 on the root-only socket"

# --- the daemon goes away under a monitor ---

"$CNPROCCTL" --socket "$SOCK" monitor >"$T/mon3.txt" 2>"$T/mon3.err" &
mon3=$!
KEEP_PIDS="$KEEP_PIDS $mon3"
wait_for - 10 test -s "$T/mon3.txt" || fail "monitor printed nothing"
stop_daemon || fail "daemon did not exit cleanly"
wait "$mon3"
rc=$?
[ $rc = 1 ] || fail "monitor: exit $rc when the daemon stopped, expected 1"
grep -q "cnprocctl: cnprocd .* stream" "$T/mon3.err" || fail "monitor: $(cat "$T/mon3.err")"
pass "monitor exits with 1 when cnprocd stops: $(cat "$T/mon3.err")"

kill "$sleeper" "$old" 2>/dev/null
exit 0
