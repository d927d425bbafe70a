#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Privilege boundaries of the varlink socket and of what is recorded:
#  - the socket is 0600 root:root by default; varlink-mode/varlink-group (and
#    varlink-socket) from the configuration give exactly the mode and group asked
#    for, and the kernel enforces them on uid 65534;
#  - Reload is root's: uid 65534 (also with gid 0) gets PermissionDenied and the
#    configuration stays; every other method answers it; SIGHUP from it is refused;
#  - record-argv = no (and --no-argv over record-argv = yes) keeps a command line
#    secret out of the console, the journal, --json, varlink, cnprocctl and the
#    SIGUSR1 table dump, while rules still match on it.
#
# Every check runs even if an earlier one failed; the test fails at the end if any did.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
need setpriv stat getent
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built (VARLINK_RAW=${VARLINK_RAW:-})"
[ -x "${CNPROCCTL:-}" ] || fail "cnprocctl not built (CNPROCCTL=${CNPROCCTL:-})"
GROUP=$(getent group 65534 | cut -d: -f1)
[ -n "$GROUP" ] || skip "no group with gid 65534 (nogroup) to give the socket to"
start_journal

M="cnprocd-priv-$$-$(date +%s%N)"

# other users need a path they can traverse and copies of the clients they can run
chmod 755 "$T"
cp "$VARLINK_RAW" "$T/varlink-raw"
cp "$CNPROCCTL" "$T/cnprocctl"
chmod 755 "$T/varlink-raw" "$T/cnprocctl"

# as UID[:GID] COMMAND...: run as another user with no supplementary groups
as() {
	as_user "$@"
}

# call SOCKET FILE N JSON...: the messages in one write, N replies into FILE
call() {
	_s=$1 _o=$2 _n=$3
	shift 3
	for _m in "$@"; do
		printf '%s\0' "$_m"
	done | "$T/varlink-raw" "$_s" --expect "$_n" --timeout 5000 >"$_o"
}

# call_as UID[:GID] SOCKET FILE N JSON...
call_as() {
	_who=$1 _s=$2 _o=$3 _n=$4
	shift 4
	for _m in "$@"; do
		printf '%s\0' "$_m"
	done | as "$_who" "$T/varlink-raw" "$_s" --expect "$_n" --timeout 5000 >"$_o"
}

stats_ok() {
	call "$1" "$T/stats_ok" 1 '{"method":"io.cnprocd.Monitor.GetStats"}' 2>/dev/null
}

# spawn NAME ARGS...: a daemon with stdout/stderr in $T/NAME.*, answering on SOCKET
# (the socket comes from ARGS or the configuration: $SOCK must say where)
spawn() {
	_n=$1
	shift
	"$CNPROCD" "$@" >"$T/$_n.out" 2>"$T/$_n.err" &
	eval "PID_$_n=$!"
	KEEP_PIDS="$KEEP_PIDS $!"
	wait_for - 20 stats_ok "$SOCK" ||
		fail "daemon $_n did not start: $(tail -n 5 "$T/$_n.err")"
}

# stop NAME: SIGTERM, and it must exit 0
stop() {
	eval "_p=\$PID_$1"
	kill -TERM "$_p"
	wait "$_p" || bad "daemon $1 did not stop cleanly"
}

# reply_is FILE INDEX JQFILTER: reply INDEX (from 0) of FILE satisfies JQFILTER
reply_is() {
	json_has ".[$2] | $3" -s <"$1"
}

# --- 1. the default socket: 0600 root:root, closed to others --------------------------

printf '[cnprocd]\ndefault-action = ignore\n' >"$T/default.conf"
SOCK=$T/default.sock
spawn default -c "$T/default.conf" --varlink-socket="$SOCK" --log-target=console
perm=$(stat -c '%a %U %G %F' "$SOCK")
if [ "$perm" = "600 root root socket" ]; then
	pass "default socket: $perm"
else
	bad "default socket: $perm, expected 600 root root socket"
fi
as 65534:65534 "$T/cnprocctl" --socket "$SOCK" status >"$T/o" 2>"$T/e"
rc=$?
if [ $rc = 4 ] && grep -q "permission denied" "$T/e"; then
	pass "uid 65534 on the default socket: cnprocctl exit 4, $(cat "$T/e")"
else
	bad "uid 65534 on the default socket: exit $rc, $(cat "$T/o" "$T/e")"
fi
# even in root's group: the mode has no group bits
printf '{"method":"io.cnprocd.Monitor.GetStats"}\0' |
	as 65534:0 "$T/varlink-raw" "$SOCK" --expect 1 >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 2 ] && grep -q "Permission denied" "$T/e" &&
	pass "uid 65534 with gid 0 cannot connect either (rc $rc)" ||
	bad "uid 65534 gid 0 on the default socket: rc $rc, $(cat "$T/o" "$T/e")"
stop default

# --- 2. socket, mode and group from the configuration ---------------------------------

SOCK=$T/cfg/io.cnprocd.Monitor
cat >"$T/group.conf" <<CONF
[cnprocd]
default-action = ignore
varlink-socket = $SOCK
varlink-mode = 0660
varlink-group = $GROUP

[rule one]
event = exec
cmdline = "*$M-nothing*"
CONF
spawn group -c "$T/group.conf" --log-target=console
perm=$(stat -c '%a %U %G %F' "$SOCK")
if [ "$perm" = "660 root $GROUP socket" ]; then
	pass "varlink-socket/varlink-mode/varlink-group from the configuration: $SOCK $perm"
else
	bad "configured socket: $perm, expected 660 root $GROUP socket"
fi
dperm=$(stat -c '%a' "$T/cfg")
[ "$dperm" = 755 ] || bad "socket directory created with mode $dperm, expected 755"
as 65533:65533 "$T/cnprocctl" --socket "$SOCK" status >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 4 ] && pass "uid 65533 (not in $GROUP) refused by the kernel: exit $rc" ||
	bad "uid 65533 not in $GROUP: exit $rc, $(cat "$T/o" "$T/e")"

# uid 65534 in the socket's group: every method but Reload
stats0=$(call "$SOCK" "$T/r" 1 '{"method":"io.cnprocd.Monitor.GetStats"}' && cat "$T/r")
reloads0=$(printf '%s' "$stats0" | jq .parameters.reloads)
if call_as 65534:65534 "$SOCK" "$T/r" 7 \
	'{"method":"org.varlink.service.GetInfo"}' \
	'{"method":"org.varlink.service.GetInterfaceDescription",
		"parameters":{"interface":"io.cnprocd.Monitor"}}' \
	'{"method":"io.cnprocd.Monitor.GetStats"}' \
	'{"method":"io.cnprocd.Monitor.ListProcesses"}' \
	'{"method":"io.cnprocd.Monitor.GetProcess","parameters":{"pid":1}}' \
	'{"method":"io.cnprocd.Monitor.ListRules"}' \
	'{"method":"io.cnprocd.Monitor.Reload"}' &&
	reply_is "$T/r" 0 '.parameters.vendor == "cnprocd"' &&
	reply_is "$T/r" 1 '.parameters.description | startswith("#")' &&
	reply_is "$T/r" 2 '.parameters.processes > 0' &&
	reply_is "$T/r" 3 '.parameters.processes | length > 0' &&
	reply_is "$T/r" 4 '.parameters.process.pid == 1' &&
	reply_is "$T/r" 5 '.parameters.rules[0].name == "one"'; then
	pass "uid 65534 in $GROUP: GetInfo, GetInterfaceDescription, GetStats, ListProcesses," \
		"GetProcess, ListRules answered"
else
	bad "uid 65534 unprivileged methods: $(cut -c 1-150 "$T/r")"
fi
if reply_is "$T/r" 6 '.error == "org.varlink.service.PermissionDenied"'; then
	pass "uid 65534: Reload refused with $(jq -c -s '.[6]' "$T/r")"
else
	bad "uid 65534: Reload not refused: $(sed -n 7p "$T/r")"
fi

# the refused reload changed nothing, even with a new configuration waiting
sed -i "s/^\[rule one\]/[rule two]/" "$T/group.conf"
call_as 65534:65534 "$SOCK" "$T/r" 2 '{"method":"io.cnprocd.Monitor.Reload"}' \
	'{"method":"io.cnprocd.Monitor.GetStats"}'
if reply_is "$T/r" 0 '.error == "org.varlink.service.PermissionDenied"' &&
	reply_is "$T/r" 1 ".parameters.reloads == $reloads0"; then
	pass "uid 65534: after the refused Reload the connection still serves GetStats"
else
	bad "uid 65534 Reload then GetStats: $(cut -c 1-200 "$T/r")"
fi
as 65534:65534 "$T/cnprocctl" --socket "$SOCK" reload >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 4 ] && pass "cnprocctl reload as uid 65534: exit 4, $(cat "$T/e")" ||
	bad "cnprocctl reload as uid 65534: exit $rc, $(cat "$T/o" "$T/e")"
# and no signal either: the kernel refuses SIGHUP from another user
eval "pid=\$PID_group"
if as 65534:65534 kill -HUP "$pid" 2>/dev/null; then
	bad "uid 65534 could send SIGHUP to the daemon"
fi
call "$SOCK" "$T/r" 2 '{"method":"io.cnprocd.Monitor.ListRules"}' \
	'{"method":"io.cnprocd.Monitor.GetStats"}'
if reply_is "$T/r" 0 '[.parameters.rules[].name] == ["one"]' &&
	reply_is "$T/r" 1 ".parameters.reloads == $reloads0"; then
	pass "after the refused reloads: rules still [one], reloads $reloads0"
else
	bad "the configuration changed without a root reload: $(cut -c 1-200 "$T/r")"
fi
# root may: the new file takes effect
call "$SOCK" "$T/r" 2 '{"method":"io.cnprocd.Monitor.Reload"}' \
	'{"method":"io.cnprocd.Monitor.ListRules"}'
if reply_is "$T/r" 0 '.parameters.rules == 1' &&
	reply_is "$T/r" 1 '[.parameters.rules[].name] == ["two"]'; then
	pass "Reload as root applies the new configuration (rules [two])"
else
	bad "Reload as root: $(cut -c 1-200 "$T/r")"
fi

# the live feed is open to the group too
printf '{"method":"io.cnprocd.Monitor.Subscribe","more":true,%s}\0' \
	'"parameters":{"events":["exec"]}' |
	setpriv --reuid=65534 --regid=65534 --clear-groups "$T/varlink-raw" "$SOCK" \
	--timeout 15000 >"$T/sub65534" &
sub=$!
KEEP_PIDS="$KEEP_PIDS $sub"
wait_for - 10 grep -q ready "$T/sub65534"
sh -c 'sleep 0.05' "$M-feed" &
wait $!
if wait_for - 10 grep -q "$M-feed" "$T/sub65534"; then
	pass "uid 65534: Subscribe delivers events"
else
	bad "uid 65534: Subscribe: $(head -c 200 "$T/sub65534")"
fi
kill "$sub" 2>/dev/null
stop group

# 0666: anyone
SOCK=$T/open.sock
printf '[cnprocd]\ndefault-action = ignore\nvarlink-mode = 0666\n' >"$T/open.conf"
spawn open -c "$T/open.conf" --varlink-socket="$SOCK" --log-target=console
perm=$(stat -c '%a %U %G' "$SOCK")
[ "$perm" = "666 root root" ] && pass "varlink-mode = 0666: $perm" ||
	bad "varlink-mode = 0666: $perm"
if call_as 65533:65533 "$SOCK" "$T/r" 2 '{"method":"io.cnprocd.Monitor.GetStats"}' \
	'{"method":"io.cnprocd.Monitor.Reload"}' &&
	reply_is "$T/r" 0 '.parameters.processes > 0' &&
	reply_is "$T/r" 1 '.error == "org.varlink.service.PermissionDenied"'; then
	pass "uid 65533 on a 0666 socket: GetStats answered, Reload refused"
else
	bad "uid 65533 on a 0666 socket: $(cut -c 1-200 "$T/r")"
fi
# the uid decides, not the group: root's group is not enough
if call_as 65534:0 "$SOCK" "$T/r" 1 '{"method":"io.cnprocd.Monitor.Reload"}' &&
	reply_is "$T/r" 0 '.error == "org.varlink.service.PermissionDenied"'; then
	pass "uid 65534 with gid 0: Reload refused"
else
	bad "uid 65534 with gid 0: Reload $(cut -c 1-200 "$T/r")"
fi
stop open

# --- 3. record-argv = no: the secret goes nowhere -------------------------------------

SECRET="hunter2-$$-$(date +%N)"
cat >"$T/noargv.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none
record-argv = no

[rule secret]
cmdline = "*$M-argv*"
CONF
# the same rules with record-argv = yes: --no-argv must win over it
sed 's/^record-argv = no/record-argv = yes/' "$T/noargv.conf" >"$T/yesargv.conf"

SOCK=$T/console.sock
spawn console -c "$T/noargv.conf" --varlink-socket="$SOCK" --log-target=console
SOCK=$T/journal.sock
spawn journal -c "$T/noargv.conf" --varlink-socket="$SOCK" --log-target=journal
SOCK=$T/json.sock
spawn json -c "$T/yesargv.conf" --varlink-socket="$SOCK" --json --no-argv

for d in console journal json; do
	printf '{"method":"io.cnprocd.Monitor.Subscribe","more":true}\0' |
		"$T/varlink-raw" "$T/$d.sock" --timeout 30000 >"$T/$d.sub" &
	KEEP_PIDS="$KEEP_PIDS $!"
	eval "SUB_$d=$!"
done
timeout 30 "$T/cnprocctl" --socket "$T/console.sock" monitor >"$T/mon.txt" 2>&1 &
mon=$!
KEEP_PIDS="$KEEP_PIDS $mon"
for d in console journal json; do
	wait_for - 10 grep -q ready "$T/$d.sub" || bad "$d: Subscribe not ready"
done
sleep 0.3 # cnprocctl monitor has no ready line of its own

# the secret as the value of an option and as an argument of its own; the child
# inherits the argv at fork and the table keeps it until the exec
sh -c 'sleep 4; exit 0' "$M-argv" "--password=$SECRET" "$SECRET" &
victim=$!
KEEP_PIDS="$KEEP_PIDS $victim"
console_has() {
	grep -q -E "^[0-9-]+ [0-9:.]+ $1 +pid=$victim " "$T/console.out"
}
wait_for - 10 console_has exec || bad "console: no exec record of $victim (rule on cmdline)"
wait_for - 10 journal_has true CNPROCD_EVENT=exec CNPROCD_PID="$victim" ||
	bad "journal: no exec record of $victim"
json_out_has() {
	complete_lines "$T/json.out" | json_has ".event == \"$1\" and .pid == $victim" 2>/dev/null
}
wait_for - 10 json_out_has exec || bad "json: no exec record of $victim"

# while it runs: the table, through every door
for d in console journal json; do
	call "$T/$d.sock" "$T/$d.list" 2 '{"method":"io.cnprocd.Monitor.ListProcesses"}' \
		"{\"method\":\"io.cnprocd.Monitor.GetProcess\",
			\"parameters\":{\"pid\":$victim}}" ||
		bad "$d: ListProcesses/GetProcess failed: $(head -c 200 "$T/$d.list")"
	if reply_is "$T/$d.list" 1 '.parameters.process | (.argv == null) and .comm == "sh"' &&
		reply_is "$T/$d.list" 0 '[.parameters.processes[] | select(.argv != null)] |
			length == 0'; then
		pass "$d: varlink ListProcesses and GetProcess carry no argv"
	else
		bad "$d: varlink shows argv:" \
			"$(jq -c -s '.[1].parameters.process' "$T/$d.list" | cut -c 1-200)"
	fi
done
"$T/cnprocctl" --socket "$T/console.sock" ps >"$T/ps.txt" 2>&1 ||
	bad "cnprocctl ps: $(tail -n 2 "$T/ps.txt")"
"$T/cnprocctl" --socket "$T/console.sock" show "$victim" >"$T/show.txt" 2>&1 ||
	bad "cnprocctl show: $(tail -n 2 "$T/show.txt")"
"$T/cnprocctl" --socket "$T/console.sock" ps --json >"$T/ps.json" 2>&1 ||
	bad "cnprocctl ps --json: $(tail -n 2 "$T/ps.json")"
eval "kill -USR1 \$PID_console"
dumped() {
	grep -q -E " process +pid=$victim " "$T/console.out"
}
wait_for - 10 dumped || bad "SIGUSR1: no table dump with $victim"
wait "$victim"
wait_for - 10 console_has exit || bad "console: no exit record of $victim"
wait_for - 10 journal_has true CNPROCD_EVENT=exit CNPROCD_PID="$victim" ||
	bad "journal: no exit record of $victim"
sub_has_exit() {
	jq -c "select(.parameters.event.event? == \"exit\" and
		.parameters.event.pid == $victim)" "$T/$1.sub" 2>/dev/null | grep -q .
}
for d in console journal json; do
	wait_for - 10 sub_has_exit "$d" || bad "$d: no exit event on the feed"
done
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
grep -q "$victim" "$T/mon.txt" || bad "cnprocctl monitor did not show $victim"

# the journal with every field in full (export format: binary values as they are)
journalctl -a --no-pager -q -o export >"$T/journal.export" 2>/dev/null
jrec_exec=$(journalctl -a --no-pager -q -o json CNPROCD_EVENT=exec CNPROCD_PID="$victim")
if printf '%s' "$jrec_exec" | json_none 'has("CNPROCD_CMDLINE")'; then
	pass "journal: the exec record of $victim has no CNPROCD_CMDLINE"
else
	bad "journal: CNPROCD_CMDLINE recorded:" \
		"$(printf '%s' "$jrec_exec" | jq -c .CNPROCD_CMDLINE)"
fi
printf '%s' "$jrec_exec" | json_has '.CNPROCD_RULE == "secret"' ||
	bad "journal: the exec record of $victim was not matched by rule secret"

leaks=
for f in console.out console.err journal.out journal.err journal.export json.out json.err \
	console.sub journal.sub json.sub console.list journal.list json.list ps.txt ps.json \
	show.txt mon.txt; do
	[ -s "$T/$f" ] || [ "$f" = console.err ] || [ "$f" = journal.out ] ||
		[ "$f" = journal.err ] || [ "$f" = json.err ] || bad "$f is empty"
	grep -a -q -F "$SECRET" "$T/$f" && leaks="$leaks $f"
done
if [ -z "$leaks" ]; then
	pass "record-argv = no / --no-argv: the secret is in none of 18 outputs" \
		"($(wc -c <"$T/journal.export") bytes of journal, $(wc -l <"$T/console.out")" \
		"console lines)"
else
	bad "the secret leaked into:$leaks"
fi
# the records are there, only without argv
grep -E "^[0-9-]+ [0-9:.]+ exec +pid=$victim " "$T/console.out" | grep -q "argv=" &&
	bad "console: the exec record shows argv"
complete_lines "$T/json.out" |
	json_none ".pid == $victim and has(\"argv\") and .argv != null" ||
	bad "json: a record of $victim has argv (or no valid JSON)"

for d in console journal json; do
	eval "kill \$SUB_$d" 2>/dev/null
	stop "$d"
done
checks_done
