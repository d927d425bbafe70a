#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Who ran it and from where: the audit login uid and session (a login writes
# /proc/self/loginuid after its fork, before the shell's exec), inherited by every
# descendant and kept across su; the controlling terminal (a pty from script(1)),
# gone after setsid; the working directory at exec, blanks and all.
. "$TEST_LIB"
require_root
need script setsid su

[ "$(cat /proc/self/loginuid 2>/dev/null)" = 4294967295 ] ||
	skip "this test's own login uid is set already ($(cat /proc/self/loginuid 2>/dev/null)): it cannot play a login"
# bin (uid 2) logs in: a user every Debian system has, and not the one su becomes
login_uid=2
login_name=$(getent passwd "$login_uid" | cut -d: -f1)
[ -n "$login_name" ] || skip "uid $login_uid has no name here"

M="cnprocd-login-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule logged-in-tty]
cmdline = "*$M*"
login-user = $login_name
tty = pts/*

[rule logged-in]
cmdline = "*$M*"
login-user = $login_name

[rule marked]
cmdline = "*$M*"
CONF

start_daemon --json -c "$T/cnprocd.conf"

# record EVENT TAG: the JSON record of the marked process's event (sh ... MARKER;
# not this test's own jq, whose arguments hold the marker too)
record() { marked_records "$1" "$2" '.argv[0] == "sh"'; }
expect() { expect_marked "$1" "$2" "$3" '.argv[0] == "sh"'; }

# the login: write the login uid, then exec the "shell" that runs the rest
sh -c "echo $login_uid >/proc/self/loginuid && exec sh -c '
	sh -c \"sleep 0.3\" $M-shell-child
	su -s /bin/sh nobody -c \"sh -c \\\"sleep 0.3\\\" $M-su\"
	sleep 0.3' $M-login" ||
	fail "could not play a login (writing /proc/self/loginuid)"

expect exec login ".loginuid == $login_uid and .login_user == \"$login_name\" and
	(.session | type) == \"number\" and .session != 4294967295"
session=$(record exec login | jq -r .session | head -n 1)
expect exec login '.rule == "logged-in"'
pass "the login's exec: loginuid $login_uid ($login_name), session $session; rule login-user"
expect exec shell-child ".loginuid == $login_uid and .session == $session"
pass "its child inherits login uid and session"
expect exec su ".user == \"nobody\" and .loginuid == $login_uid and
	.login_user == \"$login_name\" and .session == $session"
pass "after su the user is nobody, the login still $login_name"

# not logged in: no login fields at all (the unset value is absent, not a number)
sh -c 'sleep 0.3' "$M-nologin"
expect exec nologin '(has("loginuid") or has("login_user") or has("session")) | not'
expect exec nologin '.rule == "marked"'
pass "without a login: no loginuid, login_user or session; rule login-user does not match"

# a terminal, and none after setsid
# (-w: the shell may exec setsid, which then forks; without waiting, the pty
# could hang up on the child before it leaves the session)
script -qec "sh -c 'sleep 0.3' $M-tty; setsid -w sh -c 'sleep 0.3' $M-notty" /dev/null \
	</dev/null >/dev/null 2>&1
expect exec tty '(.tty | test("^pts/[0-9]+$"))'
pass "a pty: tty $(record exec tty | jq -r .tty | head -n 1)"
expect exec notty 'has("tty") | not'
pass "after setsid: no tty"

# the working directory at exec
mkdir -p "$T/work dir"
(cd "$T/work dir" && exec sh -c 'sleep 0.3' "$M-cwd")
expect exec cwd ".cwd == \"$T/work dir\""
pass "cwd $T/work dir"

stop_daemon || fail "daemon did not stop cleanly"
