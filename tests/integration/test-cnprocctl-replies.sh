#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cnprocctl against replies written by the test, from a stand-in server
# (systemd-socket-activate running bash on each connection): what the daemon does
# not send on its own. reload: the settings that wait for a restart, one line each
# and escaped; none or an empty list leave the output as it was; --json prints
# the reply.
. "$TEST_LIB"
[ -x "${CNPROCCTL:-}" ] || fail "cnprocctl binary ${CNPROCCTL:-} not built"
need systemd-socket-activate bash timeout jq

SOCK="$T/fake.sock"

# the server answers each call with $T/reply (one line, NUL-terminated), and
# appends the call to $T/calls
systemd-socket-activate -l "$SOCK" -a --inetd -E REPLY="$T/reply" -E CALLS="$T/calls" \
	bash -c 'IFS= read -r -d "" call; printf "%s\n" "$call" >>"$CALLS"
		tr -d "\n" <"$REPLY"; printf "\0"' 2>"$T/server.err" &
KEEP_PIDS="$KEEP_PIDS $!"
wait_for "$SOCK" 20 test -S "$SOCK" || fail "the stand-in server did not start: $(cat "$T/server.err")"

# reload_with REPLY: cnprocctl reload answered with REPLY; output in $T/o, $T/e
reload_with() {
	printf '%s\n' "$1" >"$T/reply"
	shift
	timeout 20 "$CNPROCCTL" --socket "$SOCK" "$@" reload >"$T/o" 2>"$T/e"
}

reload_with '{"parameters":{"rules":3,"restart_needed":["varlink-socket","varlink-mode"]}}' ||
	fail "reload exited with $?: $(cat "$T/e")"
printf '%s\n' "reloaded: 3 rules" "varlink-socket changes at the next restart" \
	"varlink-mode changes at the next restart" >"$T/expected"
cmp -s "$T/expected" "$T/o" || fail "restart_needed: $(cat "$T/o")"
[ ! -s "$T/e" ] || fail "restart_needed: on stderr: $(cat "$T/e")"
grep -qx '{"method":"io.cnprocd.Monitor.Reload","parameters":{}}' "$T/calls" ||
	fail "not a Reload call: $(cat "$T/calls")"
pass "reload: a line for each setting that changes at the next restart"

for reply in '{"parameters":{"rules":3}}' '{"parameters":{"rules":3,"restart_needed":[]}}'; do
	reload_with "$reply" || fail "reload exited with $?: $(cat "$T/e")"
	[ "$(cat "$T/o")" = "reloaded: 3 rules" ] || fail "$reply: $(cat "$T/o")"
done
pass "reload: no restart_needed, or an empty one, prints what it always did"

reload_with '{"parameters":{"rules":1,"restart_needed":["evil\u001b[2J\nkey"]}}' ||
	fail "reload exited with $?: $(cat "$T/e")"
[ "$(sed -n 2p "$T/o")" = 'evil\x1b[2J\nkey changes at the next restart' ] ||
	fail "a key is not escaped: $(cat -v "$T/o")"
pass "reload: setting names are escaped"

reload_with '{"parameters":{"rules":3,"restart_needed":["varlink-socket"]}}' --json ||
	fail "reload --json exited with $?: $(cat "$T/e")"
jq -e '.rules == 3 and .restart_needed == ["varlink-socket"]' "$T/o" >/dev/null ||
	fail "reload --json: $(cat "$T/o")"
[ "$(wc -l <"$T/o")" = 1 ] || fail "reload --json: more than the reply: $(cat "$T/o")"
pass "reload --json: the reply as JSON"
