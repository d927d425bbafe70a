#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A child with a unique marker in its argv exits with 3: cnprocd must report its
# fork, its exec (argv, exe) and its exit (code 3, lifetime > 0, right parent).
. "$TEST_LIB"
require_root

start_daemon --json -c "$ALL_EVENTS_CONF"

marker="cnprocd-live-$$-$(date +%s%N)"
sh -c 'sleep 0.1; exit 3' "$marker" &
child=$!
wait "$child"
[ $? = 3 ] || fail "child did not exit with 3"
me=$$
sh_exe=$(readlink -f /bin/sh)

expect_json ".event == \"exit\" and .pid == $child"
expect_json ".event == \"fork\" and .pid == $child and .tgid == $child and .parent_tgid == $me"
pass "fork of $child from $me"

expect_json ".event == \"exec\" and .pid == $child and .argv == [\"sh\", \"-c\", \"sleep 0.1; exit 3\", \"$marker\"] and .exe == \"$sh_exe\" and .ppid == $me"
pass "exec with argv and exe $sh_exe"

expect_json ".event == \"exit\" and .pid == $child and .exit_code == 3 and .exit_signal == 0 and .lifetime_usec > 0 and .ppid == $me and .parent_tgid == $me"
life=$(json_get ".event == \"exit\" and .pid == $child" | jq .lifetime_usec)
[ "$life" -ge 100000 ] || fail "lifetime $life us is shorter than the child's 0.1 s sleep"
pass "exit code 3, lifetime $life us"

# killed by a signal: no exit code, the signal instead
sh -c 'kill -KILL $$' "$marker-kill" &
killed=$!
wait "$killed"
expect_json ".event == \"exit\" and .pid == $killed and .exit_code == null and .exit_signal == 9 and .core_dumped == false"
pass "exit by SIGKILL"

# a uid change is reported with the new ids, and the exec after it runs as that user
setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c 'sleep 0.05; : '"$marker-uid" &
uidp=$!
wait "$uidp"
expect_json ".event == \"uid\" and .pid == $uidp and .new_uid == 65534 and .new_euid == 65534"
expect_json ".event == \"exec\" and .pid == $uidp and .euid == 65534 and .argv[2] == \"sleep 0.05; : $marker-uid\""
pass "uid change to 65534"

# a rename: the record names the process as it was called, and the new name
sh -c 'sleep 0.2; printf renamed-$$ >/proc/self/comm; sleep 0.1' "$marker-comm" &
renamed=$!
wait "$renamed"
expect_json ".event == \"comm\" and .pid == $renamed and .comm == \"sh\" and
	.new_comm == \"renamed-$renamed\""
# and from then on it is called so
expect_json ".event == \"exit\" and .pid == $renamed and .comm == \"renamed-$renamed\""
pass "comm event: comm=sh (until then), new_comm=renamed-$renamed"

# threads are folded: a multi-threaded process produces no thread fork/exit records
stop_daemon || fail "daemon did not exit cleanly"
json_none '.pid != .tgid and .event != "coredump"' <"$T/out" ||
	fail "thread events reported although threads are folded by default (or no valid JSON)"
pass "no thread events"
