#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The built unit under a real service manager: PID 1 here is not systemd, so the
# test runs `systemd --user` (as root) in a private mount namespace with its own
# journald, and drives it with systemctl --user. Covers readiness, STATUS=,
# reload (good and broken), the watchdog with Restart=, and a clean stop.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
need systemctl
[ -x /lib/systemd/systemd ] || skip "systemd is not installed"
[ -f "$CNPROCD_UNIT" ] || fail "built unit $CNPROCD_UNIT missing"
start_journal

# Everything the service sees lives on the private /run/systemd tmpfs: the unit's
# PrivateTmp= and ProtectHome= would hide a build tree under /tmp or /root.
R=/run/systemd/cnprocd-test
mkdir -p /run/systemd/system "$R/config/systemd/user"
mkdir -m 0700 /run/systemd/xdg
export XDG_RUNTIME_DIR=/run/systemd/xdg XDG_CONFIG_HOME="$R/config"
cp "$CNPROCD" "$R/cnprocd"
cat >"$R/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore

[rule one]
event = exec
comm = cnprocd-no-such
CONF

# The unit as built, but: this binary and config; the stall switch; a short
# watchdog. A user manager in this nested namespace cannot set up four of the
# sandboxing options (status 226/NAMESPACE): ProtectHome=yes needs the system
# manager's inaccessible nodes (tmpfs hides home directories as well), and
# ProtectKernelTunables/KernelLogs/ControlGroups= need to remount /proc/sys, /sys
# and cgroupfs. They are dropped here only; test-unit-security.sh rates the real unit.
sed -e "s|^ExecStart=.*|ExecStart=$R/cnprocd --log-target=journal -c $R/cnprocd.conf --debug-stall-on-sigusr2|" \
	-e "s|^ExecCondition=.*|ExecCondition=$R/cnprocd --check-namespaces|" \
	-e "s|^WatchdogSec=.*|WatchdogSec=3s|" \
	-e "s|^RestartSec=.*|RestartSec=1s|" \
	-e "s|^ProtectHome=yes|ProtectHome=tmpfs|" \
	-e "/^ProtectKernelTunables=/d" -e "/^ProtectKernelLogs=/d" \
	-e "/^ProtectControlGroups=/d" \
	"$CNPROCD_UNIT" >"$R/config/systemd/user/cnprocd.service"
# an AddressSanitizer build: LeakSanitizer needs ptrace, which the unit's
# SystemCallFilter= refuses; the other tests check for leaks
sed -i '/^\[Service\]/a Environment=ASAN_OPTIONS=detect_leaks=0' \
	"$R/config/systemd/user/cnprocd.service"
grep -q "^Type=notify" "$R/config/systemd/user/cnprocd.service" || fail "unit is not Type=notify"
# the socket unit as shipped, listening in this test's runtime directory
[ -f "$CNPROCD_SOCKET_UNIT" ] || fail "socket unit $CNPROCD_SOCKET_UNIT missing"
sed -e "s|^ListenStream=.*|ListenStream=$R/io.cnprocd.Monitor|" "$CNPROCD_SOCKET_UNIT" \
	>"$R/config/systemd/user/cnprocd.socket"

/lib/systemd/systemd --user >"$T/manager.log" 2>&1 &
KEEP_PIDS="$KEEP_PIDS $!"
wait_for - 20 test -S "$XDG_RUNTIME_DIR/systemd/private" ||
	fail "systemd --user did not start: $(tail -n 5 "$T/manager.log")"

sc() {
	systemctl --user "$@"
}
prop() {
	sc show -P "$1" cnprocd.service
}

# 1. start: systemctl returns once READY=1 arrived, i.e. after ACK, rules and scan
sc start cnprocd.service || fail "start failed: $(sc status cnprocd.service --no-pager)"
[ "$(prop ActiveState)/$(prop SubState)" = active/running ] ||
	fail "not active/running: $(prop ActiveState)/$(prop SubState)"
pid=$(prop MainPID)
# Nice=-10: it reads a short-lived program's /proc before the program is gone
[ "$(ps -o ni= -p "$pid" | tr -d ' ')" = -10 ] || fail "not at nice -10: $(ps -o ni= -p "$pid")"
# when the manager saw READY=1 (it entered "active") vs when cnprocd sent its
# "started" record, which it does after the ACK, the rules and the scan, just
# before READY=1; journald stamps the sending time as _SOURCE_REALTIME_TIMESTAMP
entered=$(date -d "$(systemctl --user show -P ActiveEnterTimestamp --timestamp=us \
	cnprocd.service)" +%s%6N) || fail "no ActiveEnterTimestamp"
expect_journal 'true' MESSAGE_ID=acfe3edfaca44d72a237845732944cfd _PID="$pid"
started=$(journal_json MESSAGE_ID=acfe3edfaca44d72a237845732944cfd _PID="$pid" |
	jq -r ._SOURCE_REALTIME_TIMESTAMP | head -n 1)
[ "$started" -le "$entered" ] ||
	fail "active at $entered before the started record at $started"
pass "active only after READY (started record sent at $started <= active at $entered)"

# 2. STATUS= with counters in systemctl status
wait_for - 10 sh -c 'systemctl --user status cnprocd.service --no-pager | grep -q "Status: \"Tracking [0-9]* processes; [0-9]* events, [0-9]* logged, [0-9]* suppressed, [0-9]* lost\""' ||
	fail "no STATUS counters: $(sc status cnprocd.service --no-pager)"
pass "systemctl status: $(sc status cnprocd.service --no-pager | grep Status:)"

# 3. reload: a changed config applies, a broken one is refused, the service stays
printf '\n[rule two]\nevent = exit\ncomm = cnprocd-no-such\n' >>"$R/cnprocd.conf"
sc reload cnprocd.service || fail "reload failed"
expect_journal '.CNPROCD_RULES == "2" and .CNPROCD_RELOAD == "1"' \
	MESSAGE_ID=23612f01a344463bb71738e4e2e7b435 _PID="$pid"
pass "reload applied the changed config (2 rules)"
printf '\n[rule three]\npriority = shouty\n' >>"$R/cnprocd.conf"
sc reload cnprocd.service || fail "reload of a broken config failed the unit"
expect_journal ".CNPROCD_CONFIG_LINE == \"13\"" MESSAGE_ID=21c7f4b2671e4ab4b12c3438b4e7d83f _PID="$pid"
[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$pid" ] ||
	fail "service not active with the same pid after a broken reload"
pass "broken config refused, service still active as pid $pid"
sed -i '/^\[rule three\]/,$d' "$R/cnprocd.conf"

# 4. watchdog: a stalled loop misses WATCHDOG=1, systemd kills it, Restart= revives it
kill -USR2 "$pid"
wait_for - 20 sh -c "[ \"\$(systemctl --user show -P NRestarts cnprocd.service)\" -ge 1 ] &&
	[ \"\$(systemctl --user show -P ActiveState cnprocd.service)\" = active ]" ||
	fail "no watchdog restart: $(sc status cnprocd.service --no-pager)"
newpid=$(prop MainPID)
[ "$newpid" != "$pid" ] || fail "same pid after a watchdog restart"
kill -0 "$pid" 2>/dev/null && fail "stalled pid $pid still alive"
# it stalled (its own record says so) and was killed: no stopping record from it
journal_has 'true' _PID="$pid" MESSAGE="Stalling the event loop on request (--debug-stall-on-sigusr2)." ||
	journal_json _PID="$pid" | grep -q "Stalling the event loop" || fail "no stall record"
journal_has 'true' MESSAGE_ID=7e8844e7b7074575902cce4a82aeafff _PID="$pid" &&
	fail "stalled pid $pid stopped cleanly: the watchdog did not kill it"
[ "$(prop WatchdogUSec)" = 3s ] || fail "WatchdogUSec=$(prop WatchdogUSec)"
pass "watchdog killed the stalled pid $pid, Restart= started $newpid"

# 5. stop: clean exit, final record in the journal
sc stop cnprocd.service || fail "stop failed"
[ "$(prop ActiveState)" = inactive ] || fail "not inactive after stop: $(prop ActiveState)"
[ "$(prop ExecMainStatus)" = 0 ] || fail "exit status $(prop ExecMainStatus)"
expect_journal 'true' MESSAGE_ID=7e8844e7b7074575902cce4a82aeafff _PID="$newpid"
pass "stop: exit status 0, stopping record from $newpid"

# 6. socket activation: systemd holds the socket, the first client starts cnprocd,
# which serves on the socket it was passed
sc start cnprocd.socket || fail "socket unit did not start"
[ "$(stat -c %a "$R/io.cnprocd.Monitor")" = 600 ] ||
	fail "socket mode $(stat -c %a "$R/io.cnprocd.Monitor"), expected 600"
[ "$(prop ActiveState)" = inactive ] || fail "service started before any client"
"$CNPROCCTL" --socket "$R/io.cnprocd.Monitor" --json status >"$T/status" ||
	fail "cnprocctl through the activated socket failed: $(cat "$T/status")"
json_has '.processes > 0' <"$T/status" || fail "no stats: $(cat "$T/status")"
[ "$(prop ActiveState)" = active ] || fail "service not active after activation"
pass "socket activation: cnprocctl status started the service ($(jq .processes "$T/status") processes)"
sc stop cnprocd.service
sc stop cnprocd.socket
