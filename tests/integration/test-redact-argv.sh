#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# redact-argv: a secret on a command line reaches neither the journal, nor the
# console, nor varlink (table and live feed); the rest of the command line does.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
start_journal

M="cnprocd-redact-$$"
SECRET="hunter2-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none
redact-argv = --password=* --token "-p?*"

[rule marked]
event = exec exit
cmdline = "*$M*"
CONF
start_daemon --log-target=journal -c "$T/cnprocd.conf"
expect_journal 'true' MESSAGE_ID=acfe3edfaca44d72a237845732944cfd
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json monitor >"$T/feed" 2>&1 &
mon=$!
KEEP_PIDS="$KEEP_PIDS $mon"
sleep 0.3

sh -c 'sleep 0.5' "$M" --password="$SECRET" --token "$SECRET" -p"$SECRET" keep-me &
child=$!
sleep 0.2
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json ps >"$T/ps"
wait $child
want="sh -c \\\"sleep 0.5\\\" $M --password=*** --token *** *** keep-me"
expect_journal ".CNPROCD_CMDLINE == \"$want\"" CNPROCD_EVENT=exec CNPROCD_PID=$child
pass "journal: $want"
json_has '.processes | map(select(.pid == $child)) | length == 1 and
	.[0].argv == ["sh", "-c", "sleep 0.5", $m, "--password=***", "--token", "***", "***",
		"keep-me"]' --argjson child "$child" --arg m "$M" <"$T/ps" ||
	fail "table: $(jq -c ".processes[] | select(.pid == $child) | .argv" "$T/ps")"
pass "varlink table: redacted"
wait_for - 10 grep -q "\"pid\":$child" "$T/feed" || fail "no live event for $child"
kill $mon
wait $mon 2>/dev/null
# the secret from a file: on grep's command line it would be in the feed itself
printf '%s\n' "$SECRET" >"$T/secret"
for f in "$T/ps" "$T/feed" "$T/err" "$T/out"; do
	grep -q -F -f "$T/secret" "$f" && fail "the secret is in $(basename "$f")"
done
journal_json | grep -q -F -f "$T/secret" && fail "the secret is in the journal"
pass "the secret is nowhere: journal, table, live feed, console"
stop_daemon || fail "daemon did not stop cleanly"
