#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fleet collection with the stock pipeline: systemd-journal-upload ships this
# host's journal to systemd-journal-remote on 127.0.0.1, and cnprocd's records
# arrive there with their CNPROCD_* fields intact; cnprocctl log, tree and report
# read the collection, a second machine in it kept apart.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
REMOTE=/lib/systemd/systemd-journal-remote
UPLOAD=/lib/systemd/systemd-journal-upload
[ -x "$REMOTE" ] && [ -x "$UPLOAD" ] ||
	skip "systemd-journal-remote is not installed (apt-get install systemd-journal-remote)"
start_journal

M="cnprocd-fleet-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore

[rule fleet]
event = exec exit
cmdline = "*$M*"
priority = notice
CONF
start_daemon --log-target=journal -c "$T/cnprocd.conf"
nl=$(printf 'x\ny')
bad=$(printf '\377z')
sh -c 'sleep 0.05; exit 7' "$M" "$nl" "$bad" &
child=$!
wait $child
expect_journal 'true' CNPROCD_EVENT=exit CNPROCD_PID=$child
stop_daemon || fail "daemon did not stop cleanly"

# a free port on loopback (only loopback: nothing leaves this machine)
port=$(( 20000 + $$ % 20000 ))
mkdir -p "$T/remote"
"$REMOTE" --listen-http="127.0.0.1:$port" --output="$T/remote/all.journal" --split-mode=none \
	>"$T/remote.log" 2>&1 &
KEEP_PIDS="$KEEP_PIDS $!"
wait_for - 10 sh -c "ss -ltn 2>/dev/null | grep -q '127.0.0.1:$port '" ||
	fail "journal-remote is not listening: $(cat "$T/remote.log")"
"$UPLOAD" --url="http://127.0.0.1:$port" --follow=no --save-state="$T/upload-state" \
	>"$T/upload.log" 2>&1 || fail "upload failed: $(tail -n 5 "$T/upload.log")"
pass "systemd-journal-upload shipped the journal to 127.0.0.1:$port"

rj() {
	journalctl --no-pager -q -o json -D "$T/remote" "$@" 2>/dev/null
}
wait_for - 10 sh -c "journalctl --no-pager -q -D '$T/remote' CNPROCD_PID=$child | grep -q ." ||
	fail "no cnprocd record in the remote journal: $(ls -la "$T/remote") $(tail -n 5 "$T/remote.log")"
# (the wait above proves one record of $child arrived, not which: the exit would do)
rj CNPROCD_EVENT=exec CNPROCD_PID=$child | json_has ".CNPROCD_RULE == \"fleet\" and
	.PRIORITY == \"5\" and .MESSAGE_ID == \"daabd34234a849eaa2f947d7db21290a\" and
	.CNPROCD_COMM == \"sh\" and .CNPROCD_USER == \"root\" and .CNPROCD_PPID == \"$$\" and
	.SYSLOG_IDENTIFIER == \"cnprocd\"" || fail "exec record fields: $(rj CNPROCD_PID=$child)"
rj CNPROCD_EVENT=exit CNPROCD_PID=$child | json_has '.CNPROCD_EXIT_CODE == "7" and
	(.CNPROCD_LIFETIME_USEC | tonumber) > 0' || fail "exit record fields"
got=$(rj CNPROCD_EVENT=exec CNPROCD_PID=$child | head -n 1 | jq -r .CNPROCD_CMDLINE)
want="sh -c \"sleep 0.05; exit 7\" $M x\\ny \\xffz"
[ "$got" = "$want" ] || fail "CNPROCD_CMDLINE changed in transit: '$got', want '$want'"
timeout 20 "$CNPROCCTL" log --json -D "$T/remote" --pid "$child" --event exec >"$T/argv"
json_has ".argv == [\"sh\", \"-c\", \"sleep 0.05; exit 7\", \"$M\", \"x\\ny\", [255, 122]]" \
	<"$T/argv" || fail "cnprocctl log -D: argv not exact: $(cat "$T/argv")"
pass "remote journal has cnprocd's records with CNPROCD_* fields intact; log -D reads the argv back exact"

# A second machine in the same collection: this host's records as another host
# would have sent them (another machine id, host name and boot), imported the way
# journal-remote imports any export stream. The same pids and process ids on two
# machines: log shows both hosts, tree keeps their trees apart, report counts both.
other_machine=0123456789abcdef0123456789abcdef
other_boot=fedcba9876543210fedcba9876543210
journalctl --no-pager -o export _COMM=cnprocd 2>/dev/null |
	sed -e "s/^_MACHINE_ID=.*/_MACHINE_ID=$other_machine/" \
		-e "s/^_HOSTNAME=.*/_HOSTNAME=cnprocd-test-other/" \
		-e "s/^_BOOT_ID=.*/_BOOT_ID=$other_boot/" |
	"$REMOTE" --output="$T/remote/other.journal" - >"$T/import.log" 2>&1 ||
	fail "journal-remote could not import the second machine: $(tail -n 3 "$T/import.log")"
here=$(uname -n)
timeout 20 "$CNPROCCTL" log -D "$T/remote" --pid "$child" >"$T/two"
[ "$(grep -c " $here .* pid=$child " "$T/two")" = 2 ] &&
	[ "$(grep -c " cnprocd-test-other .* pid=$child " "$T/two")" = 2 ] ||
	fail "log -D: not two records from each host, with its name: $(cat "$T/two")"
timeout 20 "$CNPROCCTL" log -D "$T/remote" --pid "$child" --json |
	jq -r .host | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ' | grep -qx '2 2 ' ||
	fail "log -D --json: no host key per machine"
pass "log over two machines' journals: a HOST column, a host key"
id=$(jq -r .process_id "$T/argv")
timeout 20 "$CNPROCCTL" tree -D "$T/remote" --json --process-id "$id" >"$T/trees"
json_has 'length == 2 and (map(.machine_id) | sort) == ([$m, $o] | sort) and
	all(.[]; [.. | objects | select(.recorded? == true)] | length == 1 and
		.[0].exit_code == 7)' --arg m "$(cat /etc/machine-id)" --arg o "$other_machine" \
	<"$T/trees" || fail "tree -D: not one tree per machine: $(cat "$T/trees")"
timeout 20 "$CNPROCCTL" tree -D "$T/remote" --process-id "$id" >"$T/trees.txt"
[ "$(grep -c -- "-- host " "$T/trees.txt")" = 2 ] ||
	fail "tree -D text: no heading per host: $(cat "$T/trees.txt")"
timeout 20 "$CNPROCCTL" report -D "$T/remote" --json | json_has '.totals.hosts == 2' ||
	fail "report -D: not two hosts"
pass "tree over two machines: the same process id twice, one tree on each, never linked"
