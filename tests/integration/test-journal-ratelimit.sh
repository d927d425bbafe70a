#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A rule's rate limit lets exactly its burst through and reports exactly how many
# records it suppressed, so nothing is silently missing from the journal.
NEED_JOURNAL=1
. "$TEST_LIB"
require_root
start_journal

M="cnprocd-rl-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule sentinel]
event = exit
cmdline = "*$M-sentinel*"

[rule burst]
event = exec
cmdline = "*$M-burst*"
rate-limit = 5/1h
CONF

start_daemon --log-target=journal -c "$T/cnprocd.conf"
i=1
while [ $i -le 20 ]; do
	sh -c 'sleep 0.05' "$M-burst-$i"
	i=$((i + 1))
done
sh -c 'sleep 0.05' "$M-sentinel" &
sentinel=$!
wait $sentinel
expect_journal 'true' CNPROCD_EVENT=exit CNPROCD_PID=$sentinel CNPROCD_RULE=sentinel

n=$(journal_json CNPROCD_RULE=burst CNPROCD_EVENT=exec | wc -l)
[ "$n" = 5 ] || fail "$n exec records for rule burst, expected 5"
for i in 1 2 3 4 5; do
	# the filter must not carry the marker: jq's own exec would match the rule
	journal_has ".CNPROCD_CMDLINE | endswith(\"-burst-$i\")" CNPROCD_RULE=burst \
		CNPROCD_EVENT=exec ||
		fail "burst record $i missing: the first 5 must pass: $(journal_json CNPROCD_RULE=burst | jq -c .CNPROCD_CMDLINE)"
done
pass "exactly the first 5 of 20 records written"

# reported while running (every few seconds), not only at stop
expect_journal '.CNPROCD_RULE == "burst"' MESSAGE_ID=f528f3ab055e486aa85b214765b6b1b3
pass "suppressed count reported while running"

stop_daemon || fail "daemon did not stop cleanly"
sum=$(journal_json MESSAGE_ID=f528f3ab055e486aa85b214765b6b1b3 CNPROCD_RULE=burst |
	jq -s 'map(.CNPROCD_SUPPRESSED | tonumber) | add')
[ "$sum" = 15 ] || fail "suppressed records reported: $sum, expected 15: $(journal_json MESSAGE_ID=f528f3ab055e486aa85b214765b6b1b3 | jq -c "[.CNPROCD_RULE, .CNPROCD_SUPPRESSED, ._PID, .__MONOTONIC_TIMESTAMP]")"
pass "suppressed count reported: 15"
journal_json MESSAGE_ID=f528f3ab055e486aa85b214765b6b1b3 CNPROCD_RULE=burst | jq -r .MESSAGE |
	head -n 1 | grep -q "Rule burst: [0-9]* records suppressed (rate limit 5 per 1h" ||
	fail "suppressed message: $(journal_json MESSAGE_ID=f528f3ab055e486aa85b214765b6b1b3 | jq -r .MESSAGE)"
pass "suppressed message names the rule and the limit"
expect_journal '.CNPROCD_SUPPRESSED == "15"' MESSAGE_ID=7e8844e7b7074575902cce4a82aeafff
pass "stopping record counts 15 suppressed"
