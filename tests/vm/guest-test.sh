#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The administrator's path through the installed package, inside a booted Debian
# VM where systemd is PID 1 in the initial namespaces (tests/vm/run.sh builds and
# boots it; cnprocd-vmtest.service runs this as root after multi-user.target).
# One line per result on standard output: "PASS: ...", "FAIL: ...", "INFO: ...",
# "#   ..." for diagnostics, and a final "DONE: N passed, M failed". A failed
# check does not stop the run unless what follows cannot work without it.
# pass and fail always succeed, so "cond && pass || fail" is if-then-else here
# shellcheck disable=SC2015,SC2016
set -u
export LC_ALL=C.UTF-8 SYSTEMD_PAGER='' SYSTEMD_COLORS=0 PATH=/usr/sbin:/usr/bin:/sbin:/bin

PASSES=0
FAILS=0
T=$(mktemp -d /run/vmtest.XXXXXX)
CONF=/etc/cnprocd.conf
SOCK=/run/cnprocd/io.cnprocd.Monitor
M="vmtest-marker-$$"
USERNAME=cnprocd-vmuser
# MESSAGE_IDs (systemd/cnprocd.catalog)
MID_STARTED=acfe3edfaca44d72a237845732944cfd
MID_RULES=23612f01a344463bb71738e4e2e7b435
MID_RELOAD_FAILED=21c7f4b2671e4ab4b12c3438b4e7d83f
MID_STOPPED=7e8844e7b7074575902cce4a82aeafff
MID_EXEC=daabd34234a849eaa2f947d7db21290a
MID_EXIT=7a6b08e0fe1a4212b66ff458fac579e7

say() { printf '%s\n' "$*"; }
pass() { PASSES=$((PASSES + 1)); say "PASS: $*"; }
fail() { FAILS=$((FAILS + 1)); say "FAIL: $*"; }
info() { say "INFO: $*"; }
diag() { sed -e 's/^/#   /' | head -n "${1:-40}"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
section() { SECTION_T0=$(now_ms); say "# --- $*"; }
section_end() { info "$* took $(($(now_ms) - SECTION_T0)) ms"; }
# the end, however it comes
finish() {
	trap - EXIT
	if [ "$FAILS" -gt 0 ]; then
		say "# the journal of cnprocd.service and cnprocd.socket, last lines:"
		journalctl -b -u cnprocd.service -u cnprocd.socket --no-pager -n 50 -o short-monotonic 2>&1 |
			diag 50
	fi
	say "DONE: $PASSES passed, $FAILS failed"
	rm -rf "$T"
	exit 0
}
trap finish EXIT
bail() {
	fail "$* (cannot go on)"
	systemctl status cnprocd.service cnprocd.socket --no-pager 2>&1 | diag 40
	finish
}

prop() { systemctl show -P "$1" "${2:-cnprocd.service}"; }
# journal entries of the cnprocd unit as JSON lines, selected by a jq expression
jsel() {
	journalctl -b -u cnprocd.service -o json --no-pager 2>/dev/null | jq -c "select($1)"
}
jcount() { jsel "$1" | wc -l; }
# wait (up to $1 s) until an entry matching the jq expression $2 is there
jwait() {
	_end=$(($(date +%s) + $1))
	while [ "$(jcount "$2")" -lt 1 ]; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.5
	done
}
# wait (up to $1 s) until the command succeeds
until_ok() {
	_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.5
	done
}
# a command as the ordinary user (no function: "$AS_USER cmd &" must give cmd's pid)
AS_USER="setpriv --reuid=$USERNAME --regid=$USERNAME --init-groups"
# inodes of the proc connector sockets (NETLINK_CONNECTOR is protocol 11)
# (the kernel's own end, port id 0, is always there)
connector_inodes() { awk 'NR > 1 && $2 == 11 && $3 != 0 { print $NF }' /proc/net/netlink | sort; }
# inodes of the sockets process $1 holds
socket_inodes() {
	for _fd in "/proc/$1/fd"/*; do
		readlink "$_fd"
	done 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | sort
}
# every jq condition after the file holds for the JSON object in it; else the
# conditions that do not, and the object's CNPROCD_ fields, as diagnostics
jfields() {
	_f=$1
	shift
	_bad=0
	for _c in "$@"; do
		# (jq 1.6 -e exits 0 on empty input: the file must hold something)
		[ -s "$_f" ] && jq -e "$_c" "$_f" >/dev/null 2>&1 || { say "#   not: $_c"; _bad=1; }
	done
	[ "$_bad" = 0 ] && return 0
	jq -r 'to_entries[] | select(.key | startswith("CNPROCD_") or . == "PRIORITY" or
		. == "MESSAGE_ID" or . == "_SYSTEMD_UNIT") | "\(.key)=\(.value)"' "$_f" | diag
	return 1
}
# all records of process $1, one line each
pid_records() {
	jsel ".CNPROCD_PID == \"$1\"" | jq -c '{CNPROCD_EVENT, CNPROCD_RULE, CNPROCD_USER, CNPROCD_CMDLINE}' | diag
}
# records of process $1 with event $2 (and any further jq condition $3)
rec() { echo ".CNPROCD_PID == \"$1\" and .CNPROCD_EVENT == \"$2\"${3:+ and ($3)}"; }

section "the machine"
TEST_T0=$(now_ms)
say "START"
info "kernel $(uname -r), $(nproc) CPUs, virtualization: $(systemd-detect-virt 2>/dev/null || echo none)"
# (systemd-analyze time waits for the end of the boot, which includes this test)
info "up $(cut -d' ' -f1 /proc/uptime) s: systemd started at" \
	"$(($(systemctl show -P UserspaceTimestampMonotonic) / 1000)) ms, the test at $(($(systemctl show -P ExecMainStartTimestampMonotonic cnprocd-vmtest.service) / 1000)) ms"
info "package: $(dpkg-query -W -f '${Package} ${Version} ${Architecture}' cnprocd 2>&1)"
[ "$(cat /proc/1/comm)" = systemd ] && pass "PID 1 is systemd" || fail "PID 1 is $(cat /proc/1/comm)"
# the initial PID namespace: PID 1's namespace holds no parent (NS_GET_PARENT is not
# in the shell's reach; a VM guest's PID 1 is the kernel's first process)
[ "$(readlink /proc/1/ns/pid)" = "$(readlink /proc/self/ns/pid)" ] &&
	[ "$(systemd-detect-virt --container 2>/dev/null)" = none ] &&
	pass "in PID 1's namespaces, not in a container" ||
	fail "not in the initial namespaces ($(systemd-detect-virt --container 2>&1))"
sysfailed=$(systemctl list-units --state=failed --no-legend --plain 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
[ -z "$sysfailed" ] && pass "no failed units after boot" || fail "failed units after boot: $sysfailed"
for f in /usr/sbin/cnprocd /usr/bin/cnprocctl "$CONF"; do
	[ -e "$f" ] || fail "package did not install $f"
done
unitfile=$(prop FragmentPath)
sockfile=$(prop FragmentPath cnprocd.socket)
[ -n "$unitfile" ] && [ -n "$sockfile" ] && pass "units installed: $unitfile $sockfile" ||
	bail "cnprocd.service or cnprocd.socket not known to systemd"
info "after boot: cnprocd.service $(systemctl is-enabled cnprocd.service 2>&1)/$(prop ActiveState)," \
	"cnprocd.socket $(systemctl is-enabled cnprocd.socket 2>&1)/$(prop ActiveState cnprocd.socket)"
getent passwd "$USERNAME" >/dev/null || bail "no user $USERNAME in the image"
# from a known state: whatever the package's maintainer scripts enabled, stopped
systemctl stop cnprocd.socket cnprocd.service 2>/dev/null
section_end "the machine"

section "the README's systemctl enable --now cnprocd.socket cnprocd"
t0=$(now_ms)
systemctl enable --now cnprocd.socket cnprocd >"$T/out" 2>&1
rc=$?
st="$(prop ActiveState)/$(prop ActiveState cnprocd.socket)"
if [ "$rc" = 0 ] && [ "$st" = active/active ]; then
	pass "systemctl enable --now cnprocd.socket cnprocd: both active after $(($(now_ms) - t0)) ms"
else
	fail "systemctl enable --now cnprocd.socket cnprocd: exit $rc, service/socket $st"
	diag <"$T/out"
	journalctl -b -u cnprocd.socket --no-pager -n 3 -o cat | diag
fi
[ "$(systemctl is-enabled cnprocd.service)/$(systemctl is-enabled cnprocd.socket)" = enabled/enabled ] &&
	pass "both units enabled" ||
	fail "enabled: $(systemctl is-enabled cnprocd.service)/$(systemctl is-enabled cnprocd.socket)"
section_end "enable --now"

section "start reaches ready (Type=notify)"
# from scratch, the socket first: systemd then hands it to the service
systemctl stop cnprocd.socket cnprocd.service
systemctl start cnprocd.socket || fail "systemctl start cnprocd.socket failed"
t0=$(now_ms)
if systemctl start cnprocd.service >"$T/out" 2>&1; then
	pass "systemctl start cnprocd returned 0 after $(($(now_ms) - t0)) ms"
else
	diag <"$T/out"
	bail "systemctl start cnprocd failed"
fi
state="$(prop ActiveState)/$(prop SubState)"
[ "$state" = active/running ] && pass "cnprocd.service active/running right after start returned" ||
	bail "cnprocd.service is $state"
[ "$(prop Type)" = notify ] || [ "$(prop Type)" = notify-reload ] &&
	pass "Type=$(prop Type), NotifyAccess=$(prop NotifyAccess)" || fail "Type=$(prop Type)"
PID=$(prop MainPID)
[ "$PID" -gt 0 ] && [ "$(cat "/proc/$PID/comm" 2>/dev/null)" = cnprocd ] &&
	pass "MainPID $PID is cnprocd" || bail "MainPID $PID is not cnprocd"
# systemd entered "active" only on READY=1, which cnprocd sends after its "started"
# record (sent once the subscription is acknowledged, the rules loaded, /proc scanned)
entered=$(date -d "$(systemctl show -P ActiveEnterTimestamp --timestamp=us cnprocd.service)" +%s%6N)
if jwait 10 ".MESSAGE_ID == \"$MID_STARTED\" and ._PID == \"$PID\""; then
	started=$(jsel ".MESSAGE_ID == \"$MID_STARTED\" and ._PID == \"$PID\"" |
		jq -r '._SOURCE_REALTIME_TIMESTAMP // .__REALTIME_TIMESTAMP' | tail -n 1)
	[ "$started" -le "$entered" ] &&
		pass "active only after READY: started record at $started <= ActiveEnterTimestamp $entered" ||
		fail "active at $entered before the started record at $started"
	info "$(jsel ".MESSAGE_ID == \"$MID_STARTED\" and ._PID == \"$PID\"" | jq -r .MESSAGE | tail -n 1)"
else
	fail "no started record (MESSAGE_ID=$MID_STARTED) from $PID"
fi
status_re='^Tracking [0-9]+ processes; [0-9]+ events, [0-9]+ logged, [0-9]+ suppressed, [0-9]+ lost$'
if until_ok 10 sh -c "systemctl show -P StatusText cnprocd.service | grep -Eq '$status_re'"; then
	pass "StatusText=$(prop StatusText)"
else
	fail "StatusText does not show the counters: '$(prop StatusText)'"
fi
systemctl status cnprocd.service --no-pager >"$T/status" 2>&1
grep -q 'Status: "Tracking [0-9]* processes' "$T/status" && pass "systemctl status shows Status: \"Tracking ...\"" ||
	{ fail "systemctl status has no Status: line"; diag <"$T/status"; }
[ "$(prop WatchdogUSec)" = 30s ] && [ "$(prop Restart)" = on-failure ] &&
	pass "WatchdogUSec=30s Restart=on-failure" ||
	fail "WatchdogUSec=$(prop WatchdogUSec) Restart=$(prop Restart)"
ni=$(ps -o ni= -p "$PID" | tr -d ' ')
[ "$ni" = -10 ] && pass "running at nice -10" || fail "nice $ni, not -10"
connector_inodes >"$T/conn"
socket_inodes "$PID" >"$T/fds"
nconn=$(comm -12 "$T/conn" "$T/fds" | wc -l)
[ "$nconn" -ge 1 ] && pass "cnprocd holds $nconn proc connector socket(s) (netlink protocol 11)" ||
	fail "cnprocd holds no proc connector socket: $(cat /proc/net/netlink)"
[ -S "$SOCK" ] && [ "$(stat -c %a "$SOCK")" = 600 ] && [ "$(prop ActiveState cnprocd.socket)" = active ] &&
	pass "varlink socket $SOCK (mode 600) held by the active cnprocd.socket" ||
	fail "varlink socket: $(ls -l "$SOCK" 2>&1), cnprocd.socket $(prop ActiveState cnprocd.socket)"
section_end "start"

# What the shipped configuration costs the journal on an idle machine (README
# "Asking the past"): every entry of the unit, all its fields, as the export
# format has them, over 30 s of nothing but this sleep
section "journal volume, idle"
jvolume() {
	journalctl --no-pager -q -u cnprocd -o export 2>/dev/null |
		awk '/^__CURSOR=/ { n++ } { b += length($0) + 1 } END { printf "%d %d\n", n, b }'
}
journalctl --sync 2>/dev/null
v0=$(jvolume)
sleep 30
journalctl --sync 2>/dev/null
v1=$(jvolume)
info "JOURNAL VOLUME idle 30 s: $(awk -v a="$v0" -v b="$v1" 'BEGIN { split(a, x, " "); split(b, y, " ")
	n = y[1] - x[1]; k = (y[2] - x[2]) / 1024
	printf "%d records, %.1f KiB (%.1f records/min, %.1f MiB/day)", n, k, n * 2, k * 2880 / 1024 }')"
section_end "journal volume"

section "records in journalctl -u cnprocd -o json"
sh_exe=$(readlink -f /bin/sh)
# 1. root, outside system services (a scope in a slice of its own): the shipped
# rule root-exec logs the exec, and with record-exit the failing exit
systemd-run --quiet --scope --unit=vmtest-marker.scope --slice=vmtest.slice \
	sh -c 'sleep 0.3; exit 3' "$M-1" &
mpid=$!
wait "$mpid"
rc=$?
[ "$rc" = 3 ] && pass "marked process $mpid exited 3" || fail "marked process exited $rc, not 3"
if jwait 20 "$(rec "$mpid" exec)"; then
	jsel "$(rec "$mpid" exec)" | tail -n 1 >"$T/rec"
	if jfields "$T/rec" ".MESSAGE_ID == \"$MID_EXEC\"" '.PRIORITY == "5"' \
		'.CNPROCD_RULE == "root-exec"' ".CNPROCD_TGID == \"$mpid\"" ".CNPROCD_PPID == \"$$\"" \
		'.CNPROCD_UID == "0"' '.CNPROCD_USER == "root"' '.CNPROCD_COMM == "sh"' \
		".CNPROCD_EXE == \"$sh_exe\"" \
		".CNPROCD_CMDLINE | test(\"^(/usr)?(/bin/)?sh -c \\\"sleep 0.3; exit 3\\\" $M-1\$\")" \
		'.CNPROCD_UNIT == "vmtest-marker.scope"' \
		'.CNPROCD_CGROUP == "/vmtest.slice/vmtest-marker.scope"' \
		'._SYSTEMD_UNIT == "cnprocd.service"' ".MESSAGE | contains(\"$M-1\")"; then
		pass "exec record of $mpid: rule root-exec, notice, argv, exe, user, unit, cgroup"
	else
		fail "exec record of $mpid lacks fields"
	fi
else
	fail "no exec record of marked process $mpid"
fi
if jwait 20 "$(rec "$mpid" exit)"; then
	jsel "$(rec "$mpid" exit)" | tail -n 1 >"$T/rec"
	if jfields "$T/rec" ".MESSAGE_ID == \"$MID_EXIT\"" '.CNPROCD_EXIT_CODE == "3"' \
		'.CNPROCD_EXIT_SIGNAL == "0"' '(.CNPROCD_LIFETIME_USEC | tonumber) >= 300000' \
		".CNPROCD_PPID == \"$$\"" '.CNPROCD_UNIT == "vmtest-marker.scope"'; then
		pass "exit record of $mpid: code 3, signal 0, lifetime $(jq -r .CNPROCD_LIFETIME_USEC "$T/rec") us (rule $(jq -r .CNPROCD_RULE "$T/rec"))"
	else
		fail "exit record of $mpid lacks fields"
	fi
else
	fail "no exit record of marked process $mpid"
fi
# 2. a failing service: its exit is logged by the rule service-failures
systemd-run --quiet --unit=vmtest-fail.service sh -c 'sleep 0.3; exit 3' "$M-fail"
until_ok 20 sh -c '[ "$(systemctl show -P ActiveState vmtest-fail.service)" = failed ]' ||
	fail "vmtest-fail.service did not fail: $(prop ActiveState vmtest-fail.service)"
fpid=$(prop ExecMainPID vmtest-fail.service)
if [ "$(prop ExecMainStatus vmtest-fail.service)" = 3 ] &&
	jwait 20 "$(rec "$fpid" exit)"; then
	jsel "$(rec "$fpid" exit)" | tail -n 1 >"$T/rec"
	if jfields "$T/rec" ".MESSAGE_ID == \"$MID_EXIT\"" '.PRIORITY == "4"' \
		'.CNPROCD_RULE == "service-failures"' '.CNPROCD_UNIT == "vmtest-fail.service"' \
		'.CNPROCD_EXIT_CODE == "3"' '.CNPROCD_COMM == "sh"'; then
		pass "failing service's sh -c 'exit 3' ($fpid): exit record, rule service-failures, warning"
	else
		fail "exit record of the failing service lacks fields"
	fi
else
	fail "no exit record of the failing service's process $fpid (status $(prop ExecMainStatus vmtest-fail.service))"
fi
systemctl reset-failed vmtest-fail.service 2>/dev/null
# 3. an ordinary user: the uid change (rule privilege-changes), then its exec (rule exec)
$AS_USER sh -c 'sleep 0.3; exit 3' "$M-user" &
upid=$!
wait "$upid"
uid=$(id -u "$USERNAME")
if jwait 20 "$(rec "$upid" exec ".CNPROCD_CMDLINE | endswith(\"$M-user\")")"; then
	jsel "$(rec "$upid" exec ".CNPROCD_CMDLINE | endswith(\"$M-user\")")" | tail -n 1 >"$T/rec"
	jfields "$T/rec" '.CNPROCD_RULE == "exec"' '.PRIORITY == "6"' ".CNPROCD_UID == \"$uid\"" \
		".CNPROCD_USER == \"$USERNAME\"" &&
		pass "$USERNAME's exec ($upid): rule exec, info, uid $uid" ||
		fail "$USERNAME's exec record lacks fields"
else
	fail "no exec record of $USERNAME's process $upid"
	pid_records "$upid"
fi
jwait 10 "$(rec "$upid" uid ".CNPROCD_NEW_EUID == \"$uid\" and .CNPROCD_RULE == \"privilege-changes\"")" &&
	pass "setpriv's change to uid $uid: uid record, rule privilege-changes" ||
	{ fail "no uid record for $upid"; pid_records "$upid"; }
section_end "records"

section "journalctl -x shows the catalog"
journalctl -b -x -u cnprocd.service --no-pager >"$T/x" 2>&1
grep -q "Subject: cnprocd started watching processes" "$T/x" &&
	pass "journalctl -x -u cnprocd: the started record's catalog entry" ||
	{ fail "no catalog text for the started record"; grep -A3 -i 'started' "$T/x" | diag 10; }
journalctl -b -x --no-pager CNPROCD_PID="$mpid" >"$T/x" 2>&1
grep -q "Subject: Process $mpid executed $sh_exe" "$T/x" && grep -q "Subject: Process $mpid (sh) exited" "$T/x" &&
	pass "journalctl -x: exec and exit of $mpid explained with the fields filled in" ||
	{ fail "catalog text missing for $mpid"; diag <"$T/x"; }
section_end "catalog"

section "edit + reload adds a rule"
cp "$CONF" "$T/cnprocd.conf.orig"
nrules() { cnprocctl --json rules | jq '.rules | length'; }
n0=$(nrules)
setsid sh -c 'sleep 0.1' "$M-sid-1" &
sid1=$!
wait "$sid1"
cat >>"$CONF" <<EOF

# added by the VM test
[rule vmtest-sid]
event = sid
cmdline = "*$M-sid*"
priority = notice
EOF
cp "$CONF" "$T/cnprocd.conf.good"
ruleline=$(grep -n '^\[rule vmtest-sid\]' "$CONF" | cut -d: -f1)
t0=$(now_ms)
systemctl reload cnprocd.service && pass "systemctl reload returned 0" || fail "systemctl reload failed"
if jwait 20 ".MESSAGE_ID == \"$MID_RULES\" and ._PID == \"$PID\" and .CNPROCD_RELOAD == \"1\" and
	.CNPROCD_RULES == \"$((n0 + 1))\""; then
	pass "rules loaded record: $((n0 + 1)) rules after the reload (was $n0), $(($(now_ms) - t0)) ms"
else
	fail "no rules loaded record with $((n0 + 1)) rules"
fi
cnprocctl --json rules | jq -c ".rules[] | select(.name == \"vmtest-sid\" and .file == \"$CONF\" and
	.line == $ruleline)" | grep -q . && pass "cnprocctl rules: vmtest-sid from $CONF:$ruleline" ||
	fail "cnprocctl rules does not list vmtest-sid at $CONF:$ruleline"
setsid sh -c 'sleep 0.1' "$M-sid-2" &
sid2=$!
wait "$sid2"
jwait 20 "$(rec "$sid2" sid '.CNPROCD_RULE == "vmtest-sid"')" &&
	pass "the new rule logs setsid $sid2" || fail "no sid record of $sid2 from the new rule"
[ "$(jcount "$(rec "$sid1" sid)")" = 0 ] && pass "before the reload, setsid $sid1 was not logged" ||
	fail "setsid $sid1 was logged before the rule existed"
section_end "reload"

section "a broken edit + reload keeps the old rules"
printf '\n[rule vmtest-broken]\npriority = shouty\n' >>"$CONF"
badline=$(grep -n '^priority = shouty' "$CONF" | cut -d: -f1)
cnprocd --check-config "$CONF" >"$T/check" 2>&1 && fail "cnprocd --check-config accepted the broken file" ||
	{ grep -q "$CONF:$badline" "$T/check" && pass "cnprocd --check-config: $(head -n 1 "$T/check")" ||
		{ fail "cnprocd --check-config does not name $CONF:$badline"; diag <"$T/check"; }; }
systemctl reload cnprocd.service >"$T/out" 2>&1
info "systemctl reload of the broken file: exit $?"
if jwait 20 ".MESSAGE_ID == \"$MID_RELOAD_FAILED\" and ._PID == \"$PID\""; then
	jsel ".MESSAGE_ID == \"$MID_RELOAD_FAILED\" and ._PID == \"$PID\"" | tail -n 1 >"$T/rec"
	jfields "$T/rec" ".CNPROCD_CONFIG_FILE == \"$CONF\"" ".CNPROCD_CONFIG_LINE == \"$badline\"" \
		'.PRIORITY == "3"' ".MESSAGE | contains(\"$CONF:$badline:\")" &&
		pass "reload failed record: $(jq -r .MESSAGE "$T/rec")" ||
		fail "reload failed record without $CONF:$badline"
else
	fail "no reload failed record"
fi
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] && [ "$(prop MainPID)" = "$PID" ] &&
	pass "still active/running as $PID" ||
	fail "after the broken reload: $(prop ActiveState)/$(prop SubState), MainPID $(prop MainPID) (was $PID)"
n=$(nrules)
[ "$n" = "$((n0 + 1))" ] && pass "the previous $n rules stay in force" || fail "$n rules, expected $((n0 + 1))"
setsid sh -c 'sleep 0.1' "$M-sid-3" &
sid3=$!
wait "$sid3"
jwait 20 "$(rec "$sid3" sid '.CNPROCD_RULE == "vmtest-sid"')" &&
	pass "the old rule still logs setsid $sid3" || fail "no sid record of $sid3"
cp "$T/cnprocd.conf.good" "$CONF"
systemctl reload cnprocd.service
section_end "broken reload"

section "cnprocctl as root, and as $USERNAME"
cnprocctl status >"$T/out" 2>&1 && grep -q . "$T/out" && pass "cnprocctl status" ||
	{ fail "cnprocctl status failed"; diag <"$T/out"; }
cnprocctl --json status >"$T/out" 2>&1
jfields "$T/out" '.processes > 0' '.rules > 0' '.lost_events == 0' &&
	pass "cnprocctl --json status: $(jq -r '"\(.processes) processes, \(.rules) rules, \(.events.exec) execs, \(.records_logged) logged, \(.lost_events) lost"' "$T/out")" ||
	{ fail "cnprocctl --json status"; diag <"$T/out"; }
cnprocctl ps >"$T/out" 2>&1 && grep -Eq "^ *$PID +1 +root +cnprocd.service .*cnprocd" "$T/out" &&
	pass "cnprocctl ps lists $(($(wc -l <"$T/out") - 1)) processes, cnprocd among them" ||
	{ fail "cnprocctl ps"; diag <"$T/out"; }
cnprocctl show $$ >"$T/out" 2>&1 && grep -q "^PID: *$$\$" "$T/out" &&
	grep -q "^Unit: *cnprocd-vmtest.service" "$T/out" && pass "cnprocctl show $$ (this script)" ||
	{ fail "cnprocctl show $$"; diag <"$T/out"; }
cnprocctl show 4194304 >"$T/out" 2>&1
rc=$?
[ "$rc" = 1 ] && pass "cnprocctl show of an absent pid: exit 1" || fail "cnprocctl show of an absent pid: exit $rc"
cnprocctl --json monitor --event exec --comm sh >"$T/mon" 2>"$T/mon.err" &
mon=$!
# subscribed once the daemon counts two clients (the monitor and this status call)
until_ok 10 sh -c '[ "$(cnprocctl --json status | jq .clients)" -ge 2 ]'
sh -c 'exit 0' "$M-mon" &
monpid=$!
wait "$monpid"
until_ok 10 grep -q "$M-mon" "$T/mon" &&
	jq -c "select(.event == \"exec\" and .pid == $monpid)" "$T/mon" | grep -q . &&
	pass "cnprocctl monitor saw the exec of $monpid" ||
	{ fail "cnprocctl monitor did not show $monpid"; diag <"$T/mon"; diag <"$T/mon.err"; }
kill -TERM "$mon"
wait "$mon"
rc=$?
[ "$rc" = 0 ] && pass "cnprocctl monitor ends with 0 on SIGTERM" || fail "cnprocctl monitor: exit $rc on SIGTERM"
cnprocctl log --pid "$mpid" >"$T/out" 2>&1 && grep -q "$M-1" "$T/out" &&
	pass "cnprocctl log --pid $mpid reads the records back from the journal" ||
	{ fail "cnprocctl log --pid $mpid"; diag <"$T/out"; }
for cmd in status ps "show 1" "monitor"; do
	# shellcheck disable=SC2086 # the command's words
	$AS_USER timeout 20 cnprocctl $cmd >"$T/out" 2>&1
	rc=$?
	[ "$rc" = 4 ] && pass "cnprocctl $cmd as $USERNAME: exit 4 ($(head -n 1 "$T/out"))" ||
		{ fail "cnprocctl $cmd as $USERNAME: exit $rc, not 4"; diag <"$T/out"; }
done
$AS_USER cnprocctl log >"$T/out" 2>&1
rc=$?
[ "$rc" = 4 ] && pass "cnprocctl log as $USERNAME: exit 4 (the system journal is not theirs)" ||
	{ fail "cnprocctl log as $USERNAME: exit $rc, not 4"; diag <"$T/out"; }
section_end "cnprocctl"

section "systemd-analyze security"
systemd-analyze security --no-pager cnprocd.service >"$T/sec" 2>&1
level=$(sed -n 's/.*Overall exposure level for cnprocd.service: \([0-9.]*\).*/\1/p' "$T/sec")
if [ -z "$level" ]; then
	fail "systemd-analyze security: no exposure level"
	tail -n 5 "$T/sec" | diag
elif awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
	pass "$(grep 'Overall exposure level' "$T/sec")"
else
	fail "exposure $level > 2.0"
	grep '✗' "$T/sec" | diag
fi
section_end "security"

section "watchdog: SIGSTOP with WatchdogSec=3s"
mkdir -p /etc/systemd/system/cnprocd.service.d
printf '[Service]\nWatchdogSec=3s\n' >/etc/systemd/system/cnprocd.service.d/vmtest-watchdog.conf
systemctl daemon-reload
systemctl restart cnprocd.service || fail "restart with the watchdog drop-in failed"
wpid=$(prop MainPID)
n0=$(prop NRestarts)
[ "$(prop WatchdogUSec)" = 3s ] && pass "drop-in applied: WatchdogUSec=3s, MainPID $wpid" ||
	fail "WatchdogUSec=$(prop WatchdogUSec) with the drop-in"
sleep 4 # longer than the watchdog: the running daemon keeps it fed
[ "$(prop MainPID)" = "$wpid" ] && [ "$(prop NRestarts)" = "$n0" ] &&
	pass "a running cnprocd feeds the 3 s watchdog" || fail "restarted without being stopped"
t0=$(now_ms)
kill -STOP "$wpid"
if until_ok 40 sh -c "[ \"\$(systemctl show -P NRestarts cnprocd.service)\" -gt $n0 ] &&
	[ \"\$(systemctl show -P ActiveState cnprocd.service)\" = active ] &&
	[ \"\$(systemctl show -P MainPID cnprocd.service)\" != $wpid ]"; then
	npid=$(prop MainPID)
	pass "stopped $wpid was killed by the watchdog and restarted as $npid after $(($(now_ms) - t0)) ms"
else
	fail "no watchdog restart: $(prop ActiveState)/$(prop SubState) NRestarts=$(prop NRestarts) MainPID=$(prop MainPID)"
	kill -CONT "$wpid" 2>/dev/null
fi
jwait 10 "._PID == \"1\" and (.MESSAGE | test(\"[Ww]atchdog timeout\"))" &&
	pass "systemd logged the watchdog timeout" || fail "no watchdog timeout message from systemd"
jcount ".MESSAGE_ID == \"$MID_STOPPED\" and ._PID == \"$wpid\"" >"$T/n"
[ "$(cat "$T/n")" = 0 ] && pass "no clean-stop record from the killed $wpid" ||
	fail "the stopped $wpid wrote a clean-stop record"
kill -0 "$wpid" 2>/dev/null && fail "$wpid still exists" || pass "$wpid is gone"
rm /etc/systemd/system/cnprocd.service.d/vmtest-watchdog.conf
rmdir /etc/systemd/system/cnprocd.service.d 2>/dev/null
systemctl daemon-reload
systemctl restart cnprocd.service
[ "$(prop WatchdogUSec)" = 30s ] && [ "$(prop ActiveState)" = active ] &&
	pass "drop-in removed: WatchdogUSec=30s, active again" ||
	fail "after removing the drop-in: $(prop ActiveState), WatchdogUSec=$(prop WatchdogUSec)"
section_end "watchdog"

section "stop is clean and unsubscribes"
PID=$(prop MainPID)
connector_inodes >"$T/conn"
socket_inodes "$PID" >"$T/fds"
nconn=$(comm -12 "$T/conn" "$T/fds" | wc -l)
[ "$nconn" -ge 1 ] || fail "running cnprocd $PID holds no connector socket"
t0=$(now_ms)
systemctl stop cnprocd.socket cnprocd.service && pass "systemctl stop returned 0 after $(($(now_ms) - t0)) ms" ||
	fail "systemctl stop failed"
st="$(prop ActiveState)/$(prop Result)/$(prop ExecMainCode)/$(prop ExecMainStatus)"
[ "$st" = inactive/success/1/0 ] && pass "inactive, result success, exited with status 0" ||
	fail "after stop: ActiveState/Result/ExecMainCode/ExecMainStatus = $st"
if jwait 10 ".MESSAGE_ID == \"$MID_STOPPED\" and ._PID == \"$PID\""; then
	pass "stopped record: $(jsel ".MESSAGE_ID == \"$MID_STOPPED\" and ._PID == \"$PID\"" | jq -r .MESSAGE | tail -n 1)"
else
	fail "no stopped record from $PID"
fi
[ -d "/proc/$PID" ] && fail "$PID still exists" || pass "process $PID is gone"
connector_inodes >"$T/conn"
[ ! -s "$T/conn" ] && pass "no proc connector socket left (/proc/net/netlink protocol 11: none)" ||
	fail "connector sockets remain: $(tr '\n' ' ' <"$T/conn")"
[ ! -e "$SOCK" ] && pass "varlink socket removed with cnprocd.socket" || fail "$SOCK still exists"
# the daemon's own complaints (no process records): only the refused reload is expected
jsel "._PID != \"1\" and .CNPROCD_EVENT == null and (.PRIORITY // \"6\" | tonumber) <= 3 and
	.MESSAGE_ID != \"$MID_RELOAD_FAILED\"" >"$T/err"
[ ! -s "$T/err" ] && pass "no other error from cnprocd in the journal" ||
	{ fail "cnprocd logged errors"; jq -r .MESSAGE "$T/err" | diag; }
section_end "stop"
info "guest test took $(($(now_ms) - TEST_T0)) ms"
