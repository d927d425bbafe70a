#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What exactly ran: exe_flags of a program run from a memfd (fexecve), from a
# deleted file, from a world-writable directory, with the set-user-ID and the
# set-group-ID bit; and none for /bin/sh. In JSON, the journal field's text and
# the varlink Process.
. "$TEST_LIB"
require_root
[ -x "${MEMFD_EXEC:-}" ] || fail "memfd-exec not built"

M="cnprocd-exeflags-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule fileless]
cmdline = "*$M*"
exe-flags = memfd deleted
priority = warning

[rule marked]
cmdline = "*$M*"
CONF
start_daemon --json -c "$T/cnprocd.conf"
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json monitor --exe-flags memfd,setuid \
	>"$T/mon" 2>"$T/mon.err" &
KEEP_PIDS=$!
wait_clients 1 || fail "the monitor did not subscribe"

record() { marked_records exec "$1"; }
expect() { expect_marked exec "$1" "$2"; }

# fileless
"$MEMFD_EXEC" /bin/sh sh -c 'sleep 0.5' "$M-memfd"
rc=$?
[ $rc = 77 ] && skip "memfd_create or fexecve refused here"
[ $rc = 0 ] || fail "memfd-exec exited with $rc"
expect memfd '.exe_flags == ["memfd"] and (.exe | startswith("/memfd:cnprocd-test")) and
	.rule == "fileless" and .priority == "warning"'
pass "a memfd exec: exe_flags [memfd], exe $(record memfd | jq -r .exe | grep memfd:)"

# deleted before it ran its first instruction
cp /bin/sh "$T/gone-sh"
"$MEMFD_EXEC" --unlink "$T/gone-sh" sh -c 'sleep 0.5' "$M-deleted" || fail "--unlink run failed"
expect deleted ".exe_flags == [\"deleted\"] and .exe == \"$T/gone-sh\" and .rule == \"fileless\""
pass "a deleted binary: exe_flags [deleted], exe the path it had"

# a world-writable directory, sticky like /tmp
mkdir "$T/wdir"
chmod 1777 "$T/wdir"
cp /bin/sh "$T/wdir/sh"
"$T/wdir/sh" -c 'sleep 0.5' "$M-wdir"
expect wdir '.exe_flags == ["writable-dir"]'
pass "a binary in a world-writable directory: exe_flags [writable-dir]"

# set-ID bits (root runs them: nothing changes but the file's mode)
cp /bin/sh "$T/suid-sh"
chmod 4755 "$T/suid-sh"
cp /bin/sh "$T/sgid-sh"
chmod 2755 "$T/sgid-sh"
"$T/suid-sh" -c 'sleep 0.5' "$M-suid"
"$T/sgid-sh" -c 'sleep 0.5' "$M-sgid"
expect suid '.exe_flags == ["setuid"]'
expect sgid '.exe_flags == ["setgid"]'
pass "set-user-ID and set-group-ID binaries: exe_flags [setuid], [setgid]"

# an ordinary program: none
/bin/sh -c 'sleep 0.5' "$M-plain"
expect plain '(has("exe_flags") | not) and .rule == "marked"'
pass "/bin/sh: no exe_flags"

# the feed asked for memfd and setuid only
wait_for - 10 grep -q -- "\"$M-suid\"" "$T/mon" || fail "monitor --exe-flags: no setuid exec"
complete_lines "$T/mon" | json_has '.exe_flags == ["memfd"]' || fail "monitor --exe-flags: no memfd exec"
complete_lines "$T/mon" | json_none '(.exe_flags // []) | (index("memfd") == null and index("setuid") == null)' ||
	fail "monitor --exe-flags memfd,setuid: another one: $(complete_lines "$T/mon" | jq -c .exe_flags | sort -u)"
pass "monitor --exe-flags memfd,setuid: only those"

# the varlink Process of a living one
"$T/wdir/sh" -c 'sleep 3' "$M-live" &
LIVE=$!
expect live '.exe_flags == ["writable-dir"]'
timeout 20 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json show "$LIVE" |
	json_has '.process.exe_flags == ["writable-dir"]' || fail "GetProcess: no exe_flags"
pass "GetProcess carries exe_flags"
kill "$LIVE" 2>/dev/null
wait "$LIVE" 2>/dev/null

stop_daemon || fail "daemon did not stop cleanly"
