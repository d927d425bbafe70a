#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped configuration's attribution rules, on the real daemon: a program
# run from a memfd and one from a world-writable directory are warnings
# (suspicious-executable), root typing on a terminal after a login is a notice
# (interactive-root), a program in a container is labelled (container-exec), and
# a plain root command outside any login stays under the ordinary rules.
. "$TEST_LIB"
require_root
need script
[ -x "${MEMFD_EXEC:-}" ] || fail "memfd-exec not built"
[ -r "${CNPROCD_CONF:-}" ] || fail "no shipped configuration at ${CNPROCD_CONF:-}"
[ "$(cat /proc/self/loginuid 2>/dev/null)" = 4294967295 ] ||
	skip "this test's own login uid is set already: it cannot play a login"

M="cnprocd-shipped-$$"
start_daemon --json -c "$CNPROCD_CONF"

record() { marked_records exec "$1"; }
expect() { expect_marked exec "$1" "$2"; }

"$MEMFD_EXEC" /bin/sh sh -c 'sleep 0.3' "$M-memfd" || skip "no memfd exec here"
expect memfd '.rule == "suspicious-executable" and .priority == "warning" and .exe_flags == ["memfd"]'
mkdir "$T/pub"
chmod 1777 "$T/pub"
cp /bin/sh "$T/pub/sh"
"$T/pub/sh" -c 'sleep 0.3' "$M-pub"
expect pub '.rule == "suspicious-executable" and .exe_flags == ["writable-dir"]'
pass "suspicious-executable: memfd and writable-dir execs are warnings"

# root logs in (login uid 0) and types a command on a terminal
sh -c "echo 0 >/proc/self/loginuid && exec script -qec \"sh -c 'sleep 0.3' $M-typed\" /dev/null" \
	</dev/null >/dev/null 2>&1 || fail "could not play a root login"
expect typed '.rule == "interactive-root" and .priority == "notice" and .loginuid == 0 and
	(.tty | startswith("pts/"))'
pass "interactive-root: a command typed after a root login is a notice"

# the same command without a login and without a terminal: not interactive-root
setsid sh -c 'sleep 0.3' "$M-batch" </dev/null
expect batch '.rule != "interactive-root"'
pass "without a login or a terminal: $(record batch | jq -r .rule)"

# a container (docker's shape) in this host's hierarchy cnprocd reads
if grep -q ' /sys/fs/cgroup/systemd cgroup .*name=systemd' /proc/mounts; then
	R=/sys/fs/cgroup/systemd
else
	R=/sys/fs/cgroup
fi
ID=89abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567
CG="$R/cnprocd-test-$$/system.slice/docker-$ID.scope"
if mkdir -p "$CG" 2>/dev/null; then
	sh -c "echo \$\$ >'$CG/cgroup.procs' && exec sh -c 'sleep 0.3' $M-ctr" ||
		fail "could not move into $CG"
	expect ctr ".rule == \"container-exec\" and .container.id == \"$ID\""
	find "$R/cnprocd-test-$$" -depth -type d -exec rmdir {} + 2>/dev/null
	pass "container-exec: labelled with the container"
else
	echo "(cannot make a cgroup in $R: container-exec not checked)"
fi

stop_daemon || fail "daemon did not stop cleanly"
