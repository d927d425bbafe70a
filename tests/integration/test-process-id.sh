#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Stable process identity: a five-level marked tree whose parent_process_ids link
# to each level's process_id (and whose ancestors say the same); every id is what
# /proc says (PID@start ticks); the ids of living processes are the same after a
# restart of the daemon (the scan finds what the forks gave); a pid reused by a
# new process gets a new id, and its child never links to the old process.
. "$TEST_LIB"
require_root
[ -x "${CNPROCCTL:-}" ] || fail "cnprocctl binary ${CNPROCCTL:-} not built"

M="cnprocd-procid-$$"
SOCK="$T/io.cnprocd.Monitor"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule marked]
cmdline = "*$M*"
CONF

ctl() {
	timeout 20 "$CNPROCCTL" --socket "$SOCK" "$@"
}
# record EVENT FILTER: the marked records of EVENT matching FILTER
record() {
	complete_lines "$T/out" | jq -c "select(.event == \"$1\") | select($2)"
}
# wait_record EVENT FILTER: such a record comes within 10 s
wait_record() {
	_i=0
	while [ $_i -lt 100 ]; do
		[ -n "$(record "$1" "$2" 2>/dev/null)" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# what /proc says the id of PID is
proc_id() {
	echo "$1@$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)"
}

start_daemon --json -c "$T/cnprocd.conf"

# --- a five-level tree: level N starts level N+1, then all wait for $T/go ---
cat >"$T/level.sh" <<'SH'
n=$1
if [ "$n" -lt 5 ]; then
	sh "$0" $((n + 1)) "$2" &
fi
i=0
while [ ! -e "${0%/*}/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
wait
SH
sh "$T/level.sh" 1 "$M-tree" &
TREE=$!
for n in 1 2 3 4 5; do
	wait_record exec ".argv[1] == \"$T/level.sh\" and .argv[2] == \"$n\"" ||
		fail "no exec record of level $n"
done
lv() {
	record exec ".argv[1] == \"$T/level.sh\" and .argv[2] == \"$1\"" | head -n 1
}
prev=
for n in 1 2 3 4 5; do
	r=$(lv $n)
	pid=$(echo "$r" | jq -r .pid)
	id=$(echo "$r" | jq -r .process_id)
	[ "$id" = "$(proc_id "$pid")" ] || fail "level $n: process_id $id, /proc says $(proc_id "$pid")"
	echo "$r" | json_has '(.boot_id | test("^[0-9a-f]{32}$"))' || fail "level $n: no boot_id"
	if [ -n "$prev" ]; then
		echo "$r" | json_has ".parent_process_id == \"$prev\" and
			.ancestors[0].process_id == \"$prev\"" ||
			fail "level $n does not link to level $((n - 1)) ($prev): $r"
	fi
	eval "pid_$n=$pid id_$n=$id"
	prev=$id
done
pass "five levels, each parent_process_id the level above's process_id, ids as /proc has them"
[ "$(lv 5 | jq '.ancestors | length')" -ge 4 ] || fail "level 5 has fewer than 4 ancestors"
lv 5 | jq -r '.ancestors[:4] | map(.process_id) | join(" ")' >"$T/chain"
[ "$(cat "$T/chain")" = "$id_4 $id_3 $id_2 $id_1" ] || fail "level 5's ancestors: $(cat "$T/chain")"
pass "level 5's ancestors, parent first: $(cat "$T/chain")"

# GetProcess by process id; by a wrong one it is not found
ctl --json show "$id_3" | json_has ".process.pid == $pid_3 and .process.process_id == \"$id_3\" and
	.process.parent_process_id == \"$id_2\"" || fail "show $id_3"
ctl show "$pid_3@1" >/dev/null 2>&1 && fail "show $pid_3@1 found a process"
ctl show "$id_3" | grep -q "^Process ID: $id_3\$" || fail "show prints no Process ID line"
pass "GetProcess and cnprocctl show take a process id"

# --- the same ids after a restart (the scan reads /proc) ---
stop_daemon || fail "daemon did not stop cleanly"
start_daemon --json -c "$T/cnprocd.conf"
for n in 1 2 3 4 5; do
	eval "pid=\$pid_$n id=\$id_$n"
	got=$(ctl --json show "$pid" | jq -r .process.process_id)
	[ "$got" = "$id" ] || fail "level $n: $id before the restart, $got after"
done
ctl --json show "$pid_5" | json_has ".process.origin == \"scanned\" and
	.process.parent_process_id == \"$id_4\"" || fail "level 5 after the restart"
pass "after a restart the scan gives every level the id its fork gave it"
touch "$T/go"
wait "$TREE"

# --- a reused pid: a new process, a new id; its child links to it ---
grep -q . /proc/sys/kernel/ns_last_pid 2>/dev/null && [ -w /proc/sys/kernel/ns_last_pid ] ||
	skip "/proc/sys/kernel/ns_last_pid is not writable here: cannot reuse a pid on purpose"
sh -c 'sleep 30' "$M-old" &
OLD=$!
wait_record exec ".pid == $OLD and .argv[-1] == \"$M-old\"" || fail "no record of the old process"
old_id=$(record exec ".pid == $OLD" | jq -r .process_id | head -n 1)
kill "$OLD"
wait "$OLD" 2>/dev/null
reused=
for try in 1 2 3 4 5 6 7 8 9 10; do
	echo $((OLD - 1)) >/proc/sys/kernel/ns_last_pid
	sh -c 'sh -c "sleep 30" '"$M-newchild"'; :' "$M-new" &
	NEW=$!
	if [ "$NEW" = "$OLD" ]; then
		reused=1
		break
	fi
	kill "$NEW" 2>/dev/null
	wait "$NEW" 2>/dev/null
done
[ -n "$reused" ] || skip "pid $OLD was taken by others ten times in a row"
wait_record exec ".argv[-1] == \"$M-newchild\"" || fail "no record of the new process's child"
new_id=$(record exec ".pid == $OLD and .argv[-1] == \"$M-new\"" | jq -r .process_id | head -n 1)
[ -n "$new_id" ] && [ "$new_id" != "$old_id" ] || fail "pid $OLD reused: id $new_id, the old one $old_id"
[ "$new_id" = "$(proc_id "$OLD")" ] || fail "the new process's id $new_id, /proc says $(proc_id "$OLD")"
record exec ".argv[-1] == \"$M-newchild\"" | json_has ".parent_process_id == \"$new_id\" and
	.ancestors[0].process_id == \"$new_id\"" || fail "the new process's child does not link to it"
ctl show "$old_id" >/dev/null 2>&1 && fail "show $old_id found the new process"
pass "pid $OLD reused: $old_id then $new_id; the child links to $new_id"
pkill -f "$M-newchild" 2>/dev/null
kill "$NEW" 2>/dev/null
wait "$NEW" 2>/dev/null

stop_daemon || fail "daemon did not stop cleanly"
