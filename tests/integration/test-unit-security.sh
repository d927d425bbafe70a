#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The built unit is hardened (systemd-analyze security exposure <= 2.0) without
# the options that would break the proc connector.
. "$TEST_LIB"
need systemd-analyze
[ -f "$CNPROCD_UNIT" ] || fail "built unit $CNPROCD_UNIT missing"

cp "$CNPROCD_UNIT" "$T/cnprocd.service"
systemd-analyze security --offline=true --no-pager "$T/cnprocd.service" >"$T/sec" 2>&1 ||
	fail "systemd-analyze failed: $(tail -n 3 "$T/sec")"
level=$(sed -n 's/.*Overall exposure level for cnprocd.service: \([0-9.]*\).*/\1/p' "$T/sec")
[ -n "$level" ] || fail "no exposure level in: $(tail -n 3 "$T/sec")"
awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || fail "exposure $level > 2.0: $(grep '✗' "$T/sec")"
pass "exposure level $level <= 2.0"

# the connector only talks to the initial user, PID and network namespaces
for bad in '^PrivateUsers=yes' '^PrivateNetwork=yes' '^ProtectProc=invisible' '^ProcSubset=pid' \
	'^PrivatePIDs=yes'; do
	grep -q "$bad" "$T/cnprocd.service" && fail "unit sets $bad, which breaks the connector"
done
pass "no namespace option that would blind the connector"
grep -q '^CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH$' \
	"$T/cnprocd.service" || fail "capability bounding set changed"
grep -q '^Type=notify' "$T/cnprocd.service" || fail "not Type=notify"
grep -q '^WatchdogSec=' "$T/cnprocd.service" || fail "no WatchdogSec="
pass "capabilities, Type=notify and WatchdogSec= in place"
# what an operator relies on: no restart loop where the connector cannot serve the
# daemon, skipped in a container, journald's limit not dropping records uncounted
grep -q '^RestartPreventExitStatus=3 4$' "$T/cnprocd.service" || fail "RestartPreventExitStatus=3 4 missing"
grep -q '^ExecCondition=.*/cnprocd --check-namespaces$' "$T/cnprocd.service" ||
	fail "ExecCondition=cnprocd --check-namespaces missing"
grep -q '^LogRateLimitIntervalSec=0$' "$T/cnprocd.service" || fail "journald's rate limit not off"
pass "RestartPreventExitStatus=3 4, ExecCondition= --check-namespaces, LogRateLimitIntervalSec=0"
