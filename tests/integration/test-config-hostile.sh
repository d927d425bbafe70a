#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A careless or hostile configuration: a FIFO (or a device, a directory) among the
# files is refused at once instead of blocking the reader - the daemon's event loop
# on a reload - and bytes that drive a terminal are shown escaped, in
# --check-config's output and in every error message.
. "$TEST_LIB"
[ -x "$CNPROCD" ] || fail "daemon binary $CNPROCD not built"
need timeout mkfifo

# check FILE: --check-config, bounded; its output in $T/out and $T/err, status in $rc
check() {
	timeout 10 "$CNPROCD" --check-config "$1" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" != 124 ] || fail "--check-config $1 hung"
}

mkfifo "$T/fifo.conf"
check "$T/fifo.conf"
[ "$rc" = 1 ] && grep -q "fifo.conf: not a regular file (a FIFO)" "$T/err" ||
	fail "FIFO: rc $rc, $(cat "$T/err")"
pass "a FIFO as the configuration: refused at once"

printf '[cnprocd]\ndefault-action = log\n' >"$T/main.conf"
mkdir "$T/main.conf.d"
mkfifo "$T/main.conf.d/zz.conf"
check "$T/main.conf"
[ "$rc" = 1 ] && grep -q "zz.conf: not a regular file (a FIFO)" "$T/err" ||
	fail "FIFO drop-in: rc $rc, $(cat "$T/err")"
pass "a FIFO among the drop-ins: refused at once"
check /dev/zero
[ "$rc" = 1 ] && grep -q "not a regular file (a device)" "$T/err" ||
	fail "device: rc $rc, $(cat "$T/err")"
pass "a device as the configuration: refused"

# terminal control bytes in a bad value (error message) and in a good one (output)
esc=$(printf '\033]0;owned\007')
printf '[cnprocd]\nlog-target = %s\n' "$esc" >"$T/bad.conf"
check "$T/bad.conf"
[ "$rc" = 1 ] || fail "bad value accepted"
grep -q "$esc" "$T/err" && fail "raw escape sequence in the error message"
grep -qF '\x1b]0;owned\x07' "$T/err" || fail "error message does not show the bytes: $(cat "$T/err")"
pass "error message shows the control bytes escaped"
printf '[rule r]\ncomm = "%s*"\n' "$esc" >"$T/good.conf"
check "$T/good.conf"
[ "$rc" = 0 ] || fail "good config refused: $(cat "$T/err")"
grep -q "$esc" "$T/out" && fail "raw escape sequence in --check-config's output"
grep -qF 'comm=\x1b]0;owned\x07*' "$T/out" || fail "output does not show the glob: $(cat "$T/out")"
pass "--check-config shows the control bytes escaped"

# the daemon: a FIFO dropped in before a reload neither blocks it nor changes rules
[ "$(id -u)" = 0 ] || skip "the daemon part needs root"
require_root
rm "$T/main.conf.d/zz.conf"
printf '[cnprocd]\ndefault-action = ignore\n\n[rule one]\nevent = exec\n' >"$T/main.conf"
start_daemon --log-target=console -c "$T/main.conf"
mkfifo "$T/main.conf.d/zz.conf"
kill -HUP "$DAEMON_PID"
wait_for "$T/err" 10 grep -q "Reload failed, keeping the previous 1 rules: .*zz.conf: not a regular file" "$T/err" ||
	fail "no reload-failed record: $(cat "$T/err")"
timeout 10 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json rules >"$T/rules" ||
	fail "the daemon does not answer after the reload"
json_has '.rules | length == 1 and .[0].name == "one"' <"$T/rules"
pass "reload with a FIFO drop-in: refused, old rules kept, daemon answers"
stop_daemon || fail "daemon did not stop cleanly"
