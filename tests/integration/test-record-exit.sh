#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# record-exit: a rule that records an exec records that process's exit too (its
# status and lifetime, under the rule's name) unless a rule decides the exit; a
# process whose exec no such rule recorded exits unrecorded; across a reload the
# same rule by name keeps it (at another place in the file), a rule that dropped
# record-exit does not. (Each marked process lives 0.1 s at least: the rules match
# its arguments, read from /proc.)
. "$TEST_LIB"
require_root

M="cnprocd-rexit-$$"
conf() {
	cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule quiet-exit]
event = exit
cmdline = "*$M-quiet*"
action = ignore
$1
[rule traced]
event = exec
cmdline = "*$M-*"
record-exit = $2
CONF
}
conf "" yes
start_daemon --json -c "$T/cnprocd.conf"
ctl() { timeout 20 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" "$@"; }

sh -c 'sleep 0.2; exit 3' "$M-a"
sh -c 'sleep 0.1' "$M-quiet"
sh -c 'sleep 0.1; exit 4' "cnprocd-other-$$"
expect_marked exec a '.rule == "traced"'
expect_marked exit a '.rule == "traced" and .exit_code == 3 and .lifetime_usec >= 150000 and
	(.process_id | test("^[0-9]+@[0-9]+$"))'
a_exec=$(marked_records exec a | jq -r .process_id)
a_exit=$(marked_records exit a | jq -r .process_id)
[ "$a_exec" = "$a_exit" ] || fail "the exit's process id $a_exit is not the exec's $a_exec"
pass "an exec's rule records its exit: status 3, lifetime, the same process id"

expect_marked exec quiet '.rule == "traced"'
# the daemon writes in order: once a later marked record is out, these are judged
sh -c 'sleep 0.1' "$M-after"
expect_marked exit after '.rule == "traced"'
[ -z "$(marked_records exit quiet)" ] || fail "a rule ignoring the exit did not win"
complete_lines "$T/out" | grep -q "cnprocd-other-$$" &&
	fail "a process no rule recorded came out: $(grep "cnprocd-other-$$" "$T/out" | head -n 2)"
pass "a rule that ignores the exit wins; a process whose exec was not recorded stays out"

# a reload that moves the rule: a process running across it keeps its exit
sh -c 'sleep 1; exit 5' "$M-long1" &
long1=$!
expect_marked exec long1 'true'
conf "[rule first]
event = exec
comm = cnprocd-nothing-such
" yes
ctl reload >/dev/null || fail "reload failed"
wait $long1
expect_marked exit long1 '.rule == "traced" and .exit_code == 5'
pass "after a reload that moved the rule: the exit still recorded"

# a reload that drops record-exit: the process exits unrecorded
sh -c 'sleep 1; exit 6' "$M-long2" &
long2=$!
expect_marked exec long2 'true'
conf "" no
ctl reload >/dev/null || fail "reload failed"
wait $long2
sh -c 'sleep 0.1' "$M-after2"
expect_marked exec after2 'true'
[ -z "$(marked_records exit long2)" ] || fail "record-exit dropped by a reload, still recorded"
[ -z "$(marked_records exit after2)" ] || fail "record-exit = no recorded an exit"
pass "after a reload that dropped record-exit: not recorded"

# record-exit on a rule that records no execs is an error, file:line
printf '[rule bad]\nevent = exit\nrecord-exit = yes\n' >"$T/bad.conf"
if out=$("$CNPROCD" --check-config -c "$T/bad.conf" 2>&1); then
	fail "record-exit on an exit rule accepted"
fi
echo "$out" | grep -q "bad.conf:.*record-exit" || fail "no file:line for record-exit: $out"
pass "record-exit without execs: $(echo "$out" | head -n 1)"
