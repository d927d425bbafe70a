#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# ListProcesses over thousands of processes: the reply is whole, and answering it
# leaves the daemon no bigger. The table used to be built as one JSON tree (about
# 3 KiB per process) and the allocator kept that memory: one `cnprocctl ps` with
# 10,000 processes took a daemon of 6 MiB to 32 MiB for good. Now it is written out
# one process at a time and a large reply buffer goes back to the system.
# Checked: N sleepers are all listed, with their parent and command line; VmRSS
# after three replies is within 2 MiB of before (not held to a bound when built
# with a sanitizer); the daemon still answers and stops cleanly.
#
# Every check runs even if an earlier one failed; the test fails at the end if any did.
. "$TEST_LIB"
require_root
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built (VARLINK_RAW=${VARLINK_RAW:-})"

SOCK=$T/io.cnprocd.Monitor
N=1500
SLACK_KB=2048

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"
}

stats() {
	printf '{"method":"io.cnprocd.Monitor.GetStats"}\0' |
		"$VARLINK_RAW" "$SOCK" --expect 1 --timeout 2000 | jq -c .parameters
}

list() {
	printf '{"method":"io.cnprocd.Monitor.ListProcesses"}\0' |
		"$VARLINK_RAW" "$SOCK" --expect 1 --timeout 10000 >"$1"
}

cat >"$T/cnprocd.conf" <<'CONF'
[cnprocd]
default-action = ignore
CONF
start_daemon -c "$T/cnprocd.conf"

# N sleepers, children of one shell (their ppid tells them from everything else),
# in a session of their own so that they all go however the test ends
setsid sh -c 'i=0
	while [ $i -lt '$N' ]; do
		sleep 600 &
		i=$((i + 1))
	done
	echo spawned >"$1"
	wait' sh "$T/spawned" &
SPAWNER=$!
trap 'kill -KILL -- -$SPAWNER 2>/dev/null; cleanup' EXIT
wait_for - 60 test -s "$T/spawned" || fail "the $N sleepers were not started"
all_tracked() {
	[ "$(stats | jq .processes)" -ge "$N" ]
}
wait_for - 20 all_tracked || bad "the table never held $N processes: $(stats)"

sleep 0.5
before=$(rss_kb)
for i in 1 2 3; do
	list "$T/list$i"
done
after=$(rss_kb)

# sleepers LIST: how many of ours the reply lists, with parent and command line
sleepers() {
	jq --argjson s "$SPAWNER" '[.parameters.processes[] |
		select(.ppid == $s and .comm == "sleep" and .argv == ["sleep", "600"])] |
		length' "$1" 2>/dev/null
}
total=$(jq '.parameters.processes | length' "$T/list3" 2>/dev/null)
n1=$(sleepers "$T/list1") n2=$(sleepers "$T/list2") n3=$(sleepers "$T/list3")
if [ "${n1:-0}" = "$N" ] && [ "${n2:-0}" = "$N" ] && [ "${n3:-0}" = "$N" ]; then
	pass "ListProcesses, three times: all $N sleepers listed with parent and argv" \
		"($total processes, $(wc -c <"$T/list3") bytes)"
else
	bad "ListProcesses: ${n1:-no}, ${n2:-no}, ${n3:-no} of $N sleepers listed:" \
		"$(head -c 300 "$T/list3")"
fi

growth=$((after - before))
if [ "$SANITIZED" = 1 ]; then
	pass "VmRSS ${before} kB before three replies, ${after} kB after (sanitizer build:" \
		"not held to a bound)"
elif [ "$growth" -le $SLACK_KB ]; then
	pass "VmRSS ${before} kB before three replies of $total processes, ${after} kB after" \
		"(+${growth} kB, at most $SLACK_KB)"
else
	bad "VmRSS grew by ${growth} kB answering three ListProcesses of $total processes" \
		"(${before} -> ${after} kB)"
fi

stats | json_has '.processes >= 0' && pass "GetStats still answers" ||
	bad "GetStats failed after the replies"
kill -KILL -- -"$SPAWNER" 2>/dev/null
stop_daemon && pass "clean stop" || bad "daemon exited with $_rc"
checks_done
