#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A reload that changes a setting only a restart applies (varlink-mode,
# journal-queue...) says so, in its "loaded" record and in the Reload reply, and
# keeps saying so at the next reload (the old value is still the one in force);
# a reloadable change alone says nothing of the kind.
. "$TEST_LIB"
require_root

cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
varlink-mode = 0600
journal-queue = 4096
CONF

# reload: call Reload as root, the reply on stdout
reload() {
	printf '{"method":"io.cnprocd.Monitor.Reload"}\0' |
		"$VARLINK_RAW" "$T/io.cnprocd.Monitor" --expect 1
}

# restart_keys: the reply's restart_needed, one line ("" if there is none)
restart_keys() {
	jq -r '.parameters.restart_needed // [] | join(" ")'
}

start_daemon --log-target=console -c "$T/cnprocd.conf"

# a reloadable change: nothing waits for a restart
sed -i 's/^default-action = ignore$/default-action = log/' "$T/cnprocd.conf"
reply=$(reload) || fail "Reload failed: $reply"
[ "$(printf '%s' "$reply" | jq -r '.parameters.rules')" = 0 ] || fail "unexpected reply: $reply"
[ -z "$(printf '%s' "$reply" | restart_keys)" ] || fail "restart_needed without cause: $reply"
grep "Reloaded 0 rules" "$T/err" | grep -q "next restart" && fail "loaded record names a restart"
pass "reloadable change: no restart named"

sed -i 's/^varlink-mode = 0600$/varlink-mode = 0660/; s/^journal-queue = 4096$/journal-queue = 64/' \
	"$T/cnprocd.conf"
reply=$(reload) || fail "Reload failed: $reply"
keys=$(printf '%s' "$reply" | restart_keys)
[ "$keys" = "journal-queue varlink-mode" ] || fail "restart_needed: '$keys' in $reply"
wait_for "$T/err" 5 grep -q "restart: journal-queue varlink-mode\\." "$T/err" ||
	fail "the loaded record does not name them: $(grep Reloaded "$T/err")"
[ "$(stat -c %a "$T/io.cnprocd.Monitor")" = 600 ] || fail "the socket's mode changed at reload"
pass "restart-only changes named in the reply and the record: $keys"

# nothing changed since, but the old values are still in force; cnprocctl says so
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" reload >"$T/ctl" 2>&1 ||
	fail "cnprocctl reload: $(cat "$T/ctl")"
grep -qx "journal-queue changes at the next restart" "$T/ctl" &&
	grep -qx "varlink-mode changes at the next restart" "$T/ctl" ||
	fail "cnprocctl reload does not name them: $(cat "$T/ctl")"
pass "still named at the next reload, by cnprocctl reload too"

# back to the values in force: nothing waits any more
sed -i 's/^varlink-mode = 0660$/varlink-mode = 0600/; s/^journal-queue = 64$/journal-queue = 4096/' \
	"$T/cnprocd.conf"
reply=$(reload) || fail "Reload failed: $reply"
[ -z "$(printf '%s' "$reply" | restart_keys)" ] || fail "restart_needed after reverting: $reply"
pass "reverted: nothing named"
stop_daemon || fail "daemon did not stop cleanly"
