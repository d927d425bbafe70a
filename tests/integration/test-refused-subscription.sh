#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A subscription the kernel refuses (a user and PID namespace of its own: a
# container sharing the host's network namespace) still gets the host's process
# events once anyone on the host listens. cnprocd must record none of them: it
# holds what comes before the ACK, and when no ACK comes it drops them, says why
# and exits with status 3 (which the unit does not restart on).
. "$TEST_LIB"
require_root
need unshare
unshare --user --map-root-user --pid --fork --mount --mount-proc true 2>/dev/null ||
	skip "cannot make a user and PID namespace here (unshare --user --pid)"

# the host's listener: from now on the connector multicasts every event
start_daemon --json -c "$ALL_EVENTS_CONF"
M="cnprocd-refused-$$"
# events while the refused one waits for its ACK
( i=0; while [ $i -lt 60 ]; do sh -c 'sleep 0.05' "$M"; i=$((i + 1)); done ) &
load=$!
KEEP_PIDS="$KEEP_PIDS $load"

unshare --user --map-root-user --pid --fork --mount --mount-proc \
	"$CNPROCD" --json -c "$ALL_EVENTS_CONF" --varlink-socket="$T/refused.sock" \
	>"$T/refused.out" 2>"$T/refused.err"
rc=$?
kill "$load" 2>/dev/null
wait "$load" 2>/dev/null
# the host listener saw the load: events did reach the connector meanwhile
grep -q -- "$M" "$T/out" || fail "no event of the load reached the host's listener"
[ $rc = 3 ] || fail "exit status $rc, want 3: $(cat "$T/refused.err")"
grep -q "did not acknowledge" "$T/refused.err" || fail "not told why: $(cat "$T/refused.err")"
n=$(grep -c '"event"' "$T/refused.out")
[ "$n" = 0 ] || fail "$n records written of events not ours: $(head -n 2 "$T/refused.out")"
pass "refused subscription: 0 records of the host's events, exit 3, said why: $(head -n 1 "$T/refused.err")"

# the unit's ExecCondition=: skipped there, run here
"$CNPROCD" --check-namespaces || fail "--check-namespaces refuses the initial namespaces"
unshare --user --map-root-user --pid --fork --mount --mount-proc \
	"$CNPROCD" --check-namespaces >"$T/ns.out" 2>&1 && fail "--check-namespaces accepts a container"
grep -q "initial user and PID namespaces" "$T/ns.out" || fail "--check-namespaces: $(cat "$T/ns.out")"
pass "--check-namespaces (the unit's ExecCondition=): 0 here, 1 in a user and PID namespace, said why"
