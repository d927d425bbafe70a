#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cnprocctl top: a storm of execs in a unit of its own (a cgroup made here, as
# systemd-run would make one) is the top entry of `top -b -n 2` and of --json,
# at a rate within a factor of two of the storm's own; the full-screen view in a
# real terminal (tmux) draws the header and rows, switches the grouping on a key,
# quits on q and leaves the terminal as it found it.
. "$TEST_LIB"
require_root
need tmux

cgroup_roots
UNIT="cnprocd-top-$$.service"
for r in $ROOTS; do
	mkdir "$r/$UNIT" 2>/dev/null || skip "cannot make a cgroup in $r"
done
SESSION="cnprocd-top-$$"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null; for r in $ROOTS; do rmdir "$r/$UNIT" 2>/dev/null; done; cleanup' EXIT

start_daemon -c "$ALL_EVENTS_CONF"
SOCK="$T/io.cnprocd.Monitor"
ctl() { timeout 20 "$CNPROCCTL" --socket "$SOCK" "$@"; }

# the storm: moves itself into the unit, then two loops start /bin/true for 22 s,
# counting (two: on a machine busy with other tests it must still be the busiest)
cat >"$T/storm.sh" <<'SH'
for r in $2; do echo $$ >"$r/$1/cgroup.procs" || exit 1; done
out=$3
loop() {
	n=0
	end=$(( $(date +%s) + 22 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		/bin/true; /bin/true; /bin/true; /bin/true; /bin/true
		n=$((n + 5))
	done
	echo "$n" >"$out.$1"
}
loop 1 & loop 2 & wait
echo $(( $(cat "$out.1") + $(cat "$out.2") )) >"$out"
SH
start=$(date +%s.%N)
sh "$T/storm.sh" "$UNIT" "$ROOTS" "$T/storm.count" &
storm=$!
KEEP_PIDS="$KEEP_PIDS $storm"
# from 11 s on, the 10 s window holds nothing but the storm's time; the test suite
# runs other tests beside this one (some with storms of their own), so a moment
# where another wins is tried again, up to eight times
sleep 11
for try in 1 2 3 4 5 6 7 8; do
	ctl --json top -n 1 --by unit >"$T/top.json" || fail "top --json failed"
	ctl top -b -n 2 -d 0.5 --by unit >"$T/top.txt" || fail "top -b -n 2 failed"
	json_has '.rows[0].key == $u' --arg u "$UNIT" <"$T/top.json" &&
		awk -v u="$UNIT" '/EXECS\/s/ { getline; if ($NF == u) n++ } END { exit n != 2 }' \
			"$T/top.txt" && break
	sleep 0.5
done
wait "$storm"
stop=$(date +%s.%N)
count=$(cat "$T/storm.count")
storm_rate=$(awk -v n="$count" -v a="$start" -v b="$stop" 'BEGIN { printf "%.1f", n / (b - a) }')
json_has '.rows[0].key == $u' --arg u "$UNIT" <"$T/top.json" ||
	fail "--json: $UNIT is not the top entry: $(jq -c '.rows[0:3]' "$T/top.json")"
top_rate=$(jq -r '.rows[0].execs / .span' "$T/top.json")
awk -v t="$top_rate" -v s="$storm_rate" 'BEGIN { exit !(t >= s / 2 && t <= s * 2) }' ||
	fail "top's rate $top_rate/s is not within a factor of two of the storm's $storm_rate/s"
pass "top --json: $UNIT on top at $top_rate execs/s (the storm's own: $storm_rate/s)"
[ "$(grep -c '^cnprocd top: by unit' "$T/top.txt")" = 2 ] || fail "top -b -n 2: not two snapshots: $(cat "$T/top.txt")"
awk -v u="$UNIT" '/EXECS\/s/ { getline; if ($NF == u) n++ } END { exit n != 2 }' "$T/top.txt" ||
	fail "top -b -n 2: $UNIT is not the first row of both: $(cat "$T/top.txt")"
pass "top -b -n 2: two snapshots, $UNIT the first row of each"

# refused: an unknown grouping (by cnprocctl, exit 2) and each bad parameter (by
# the daemon, InvalidParameter naming it)
ctl top --by nonsense >"$T/bad" 2>&1
[ $? = 2 ] && grep -q "no such grouping" "$T/bad" || fail "top --by nonsense: $(cat "$T/bad")"
for bad in '"group":"nonsense"' '"sort":"nonsense"' '"window":0' '"window":61' '"limit":0' '"limit":101'; do
	printf '{"method":"io.cnprocd.Monitor.GetActivity","parameters":{%s}}\0' "$bad" |
		timeout 20 "$VARLINK_RAW" "$SOCK" --expect 1 >"$T/bad" 2>&1
	name=${bad%%\":*}
	name=${name#\"}
	json_has '.error == "org.varlink.service.InvalidParameter" and .parameters.parameter == $p' \
		--arg p "$name" <"$T/bad" || fail "GetActivity {$bad}: $(cat "$T/bad")"
done
pass "top --by nonsense: exit 2; GetActivity refuses a bad group, sort, window and limit by name"

# the view, in a real terminal: after q the shell's screen and terminal modes are back
# start_view: the view in a tmux pane of its own, after a line of the shell's
# screen; the terminal's modes saved before and after it, its exit status in rc
start_view() {
	rm -f "$T/stty.before" "$T/stty.after" "$T/rc"
	tmux new-session -d -s "$SESSION" -x 120 -y 30 \
		"stty -g >'$T/stty.before'; echo shell-screen-$$; '$CNPROCCTL' --socket '$SOCK' top; echo rc=\$? >'$T/rc'; stty -g >'$T/stty.after'; sleep 30" ||
		fail "tmux could not start"
	wait_for - 10 sh -c "tmux capture-pane -p -t '$SESSION' | grep -q '^cnprocd top: by unit'" ||
		{ pane; fail "the view did not draw its header: $(cat "$T/pane")"; }
}
pane() { tmux capture-pane -p -t "$SESSION" >"$T/pane" 2>/dev/null; }
start_view
pane
grep -q 'EXECS/s .* UNIT$' "$T/pane" || fail "no column header: $(cat "$T/pane")"
grep -q 'processes [0-9]' "$T/pane" || fail "no totals line: $(cat "$T/pane")"
tmux send-keys -t "$SESSION" c
wait_for - 10 sh -c "tmux capture-pane -p -t '$SESSION' | grep -q '^cnprocd top: by comm'" ||
	{ pane; fail "key c did not switch to commands: $(cat "$T/pane")"; }
pane
grep -q 'EXECS/s .* COMMAND$' "$T/pane" || fail "no COMMAND column after c: $(cat "$T/pane")"
awk '/EXECS\/s/ { getline; exit !($1 ~ /^[0-9.]+$/) }' "$T/pane" || fail "no first row: $(cat "$T/pane")"
pass "the view in tmux: header, totals, rows; c switches to commands"
# a smaller terminal: the next frame fits it
tmux resize-window -t "$SESSION" -x 60 -y 20 2>/dev/null || fail "tmux cannot resize the window"
wait_for - 10 sh -c "tmux capture-pane -p -t '$SESSION' | grep -q 'COMMAND' &&
	[ \$(tmux capture-pane -p -t '$SESSION' | LC_ALL=C.UTF-8 wc -L) -le 60 ]" ||
	{ pane; fail "the view did not follow the terminal to 60 columns: $(cat "$T/pane")"; }
pass "the view follows the terminal's size (60 columns)"
tmux send-keys -t "$SESSION" q
wait_for - 10 test -s "$T/stty.after" || fail "q did not end the view"
[ "$(cat "$T/rc")" = rc=0 ] || fail "top ended with $(cat "$T/rc")"
cmp -s "$T/stty.before" "$T/stty.after" || fail "terminal modes not restored: $(diff "$T/stty.before" "$T/stty.after")"
pane
grep -q "shell-screen-$$" "$T/pane" && ! grep -q '^cnprocd top' "$T/pane" ||
	fail "the shell's screen is not back: $(cat "$T/pane")"
pass "q: exit 0, the terminal's modes and the shell's screen back"

# Ctrl-C leaves the terminal as well as q does
tmux kill-session -t "$SESSION" 2>/dev/null
start_view
tmux send-keys -t "$SESSION" C-c
wait_for - 10 test -s "$T/stty.after" || fail "Ctrl-C did not end the view"
[ "$(cat "$T/rc")" = rc=0 ] || fail "top ended with $(cat "$T/rc") on Ctrl-C"
cmp -s "$T/stty.before" "$T/stty.after" || fail "Ctrl-C: terminal modes not restored"
pass "Ctrl-C: exit 0, the terminal's modes back"
