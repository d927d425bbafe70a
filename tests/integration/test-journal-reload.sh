#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP: a broken configuration is refused with file:line in the journal and the
# old rules keep working; a good one replaces them at once.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
start_journal

M="cnprocd-rel-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule quiet]
event = exec
cmdline = "*$M-quiet*"
action = ignore

[rule loud]
event = exec
cmdline = "*$M*"
priority = notice
CONF

# child TAG: run a marked child, print its pid
child() {
	sh -c 'sleep 0.05' "$M-$1" &
	_c=$!
	wait $_c
	echo $_c
}

start_daemon --log-target=journal -c "$T/cnprocd.conf"
a=$(child a)
expect_journal '.CNPROCD_RULE == "loud" and .PRIORITY == "5"' CNPROCD_PID=$a
pass "before reload: rule loud"

# broken: an unknown priority on line 13
sed -i 's/^priority = notice$/priority = loudest/' "$T/cnprocd.conf"
kill -HUP "$DAEMON_PID"
expect_journal ".CNPROCD_CONFIG_LINE == \"13\" and .CNPROCD_CONFIG_FILE == \"$T/cnprocd.conf\" and
	(.CNPROCD_ERROR | contains(\"priority\")) and .PRIORITY == \"3\" and
	(.MESSAGE | contains(\"$T/cnprocd.conf:13: priority\"))" \
	MESSAGE_ID=21c7f4b2671e4ab4b12c3438b4e7d83f
pass "broken config refused with file:line in the journal"
kill -0 "$DAEMON_PID" || fail "daemon died on a broken config"
b=$(child b)
expect_journal '.CNPROCD_RULE == "loud" and .PRIORITY == "5"' CNPROCD_PID=$b
q=$(child quiet)
pass "old rules still in force after the failed reload"

# good: default-action log, loud renamed with another priority
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = log
default-priority = debug
rate-limit = none

[rule quiet]
event = exec
cmdline = "*$M-quiet*"
action = ignore

[rule renamed]
event = exec
cmdline = "*$M*"
priority = warning
CONF
kill -HUP "$DAEMON_PID"
expect_journal '.CNPROCD_RELOAD == "1" and .CNPROCD_RULES == "2"' \
	MESSAGE_ID=23612f01a344463bb71738e4e2e7b435
pass "good config loaded"
c=$(child c)
expect_journal '.CNPROCD_RULE == "renamed" and .PRIORITY == "4"' CNPROCD_PID=$c CNPROCD_EVENT=exec
pass "new rule applies after reload"
u=$(sh -c 'sh -c "sleep 0.05" unmatched-$1 & echo $!; wait' x "$$")
expect_journal '(has("CNPROCD_RULE") | not) and .PRIORITY == "7"' CNPROCD_PID=$u CNPROCD_EVENT=exec
pass "default action changed to log (priority debug)"
q2=$(child quiet)
# the exit of $q2 is logged by the default action: once it is there, the exec was decided
expect_journal 'true' CNPROCD_PID=$q2 CNPROCD_EVENT=exit
journal_has 'true' CNPROCD_PID=$q2 CNPROCD_EVENT=exec && fail "ignore rule lost in reload"
journal_has 'true' CNPROCD_PID=$q CNPROCD_EVENT=exec && fail "ignored before reload, logged"
pass "ignore rule kept across reloads"
stop_daemon || fail "daemon did not stop cleanly"
expect_journal '.CNPROCD_RELOADS == "1"' MESSAGE_ID=7e8844e7b7074575902cce4a82aeafff
pass "one successful reload counted"
