#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A reload storm: 100 SIGHUPs a second for 5 s (tests/tools/reload-storm) while
# processes run, the configuration swapped between signals in the order A, broken
# B, B, broken A. A and B differ in every setting and rule name (and B has one rule
# more); each broken one is a prefix of a good one followed by an error, so a
# reload that applied what it had parsed so far would show half a rule set.
# Checked: the daemon lives; every ListRules answer taken meanwhile is exactly A
# or exactly B (names, order, file lines, default priority), never a mix, never
# empty; reloads and reload_failures account for what it did and each one has its
# record; marked processes started during the storm are all logged (or their loss
# counted); memory stays put; afterwards single reloads are counted exactly.
#
# Every check runs even if an earlier one failed; the test fails at the end if any did.
. "$TEST_LIB"
require_root
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built (VARLINK_RAW=${VARLINK_RAW:-})"
[ -x "${RELOAD_STORM:-}" ] || fail "reload-storm not built (RELOAD_STORM=${RELOAD_STORM:-})"

SOCK=$T/io.cnprocd.Monitor
CONF=$T/cnprocd.conf
M="cnprocd-storm-$$-$(date +%s%N)"
RATE=100
SECONDS_=5

# call JSON: one call on a new connection, the reply on stdout
call() {
	printf '%s\0' "$1" | "$VARLINK_RAW" "$SOCK" --expect 1 --timeout 3000
}

stats() {
	call '{"method":"io.cnprocd.Monitor.GetStats"}' | jq -c .parameters
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"
}

# --- the configurations ---------------------------------------------------------------

cat >"$T/A.conf" <<CONF
[cnprocd]
default-action = ignore
default-priority = info
rate-limit = none
receive-buffer = 8M
max-processes = 131072

[rule storm-A-helpers]
event = fork exec exit
comm = storm-a-nothing
action = ignore

[rule storm-A-root]
event = exec
user = root
cmdline = "*storm-a-nothing*"
priority = notice

[rule storm-A-exits]
event = exit
exit-code = 200-201
priority = warning

[rule storm-A-marker]
event = exec
cmdline = "*$M*"
CONF

cat >"$T/B.conf" <<CONF
[cnprocd]
default-action = ignore
default-priority = notice
rate-limit = 5000/10s
receive-buffer = 4M
max-processes = 65536

[rule storm-B-one]
event = exec
comm = storm-b-nothing
action = ignore

[rule storm-B-two]
event = exit
exit-signal = SEGV
priority = err

[rule storm-B-three]
event = uid gid
cmdline = "*storm-b-nothing*"

[rule storm-B-four]
event = fork
unit = storm-b-nothing.service

[rule storm-B-marker]
event = exec
cmdline = "*$M*"
rate-limit = none
CONF

# broken: B's first rules, then an error; A whole, then an error after its rules
{
	sed -n '1,/^\[rule storm-B-three\]/p' "$T/B.conf"
	printf 'event = exec\npriority = loud\n'
} >"$T/broken-B.conf"
{
	cat "$T/A.conf"
	printf '\n[rule storm-A-broken]\nevent = nope\n'
} >"$T/broken-A.conf"
for c in A B; do
	"$CNPROCD" --check-config "$T/$c.conf" >/dev/null 2>"$T/check" ||
		fail "test bug: $c.conf does not parse: $(cat "$T/check")"
	"$CNPROCD" --check-config "$T/broken-$c.conf" >/dev/null 2>&1 &&
		fail "test bug: broken-$c.conf parses"
done

# expected ListRules answers: [name, line] in order, and the default priority
expect_rules() {
	grep -n '^\[rule ' "$1" | sed 's/^\([0-9]*\):\[rule \(.*\)\]$/["\2",\1]/' |
		paste -s -d, | sed 's/^/[/; s/$/]/'
}
RULES_A=$(expect_rules "$T/A.conf")
RULES_B=$(expect_rules "$T/B.conf")

cp "$T/A.conf" "$CONF"
start_daemon --json -c "$CONF"
s0=$(stats)
reloads0=$(printf '%s' "$s0" | jq .reloads)
failures0=$(printf '%s' "$s0" | jq .reload_failures)
rss0=$(rss_kib)

# --- the storm ------------------------------------------------------------------------

# events: a steady stream of short processes, and marked ones that must be logged
: >"$T/markers"
(
	i=0
	while [ ! -e "$T/stop" ]; do
		sh -c 'sleep 0.3' "$M-$i" &
		echo $! >>"$T/markers"
		i=$((i + 1))
		/bin/true
		/bin/true
		sleep 0.05
	done
	wait
) &
load=$!
KEEP_PIDS="$KEEP_PIDS $load"
# samples of the rule set and the counters, each on a connection of its own
(
	while [ ! -e "$T/stop" ]; do
		call '{"method":"io.cnprocd.Monitor.ListRules"}' >>"$T/samples"
		call '{"method":"io.cnprocd.Monitor.GetStats"}' >>"$T/stat-samples"
	done
) 2>/dev/null &
sampler=$!
KEEP_PIDS="$KEEP_PIDS $sampler"

"$RELOAD_STORM" "$DAEMON_PID" $RATE $SECONDS_ "$CONF" "$T/A.conf" "$T/broken-B.conf" \
	"$T/B.conf" "$T/broken-A.conf" >"$T/storm" 2>&1
rc=$?
rss1=$(rss_kib)
touch "$T/stop"
wait "$sampler" "$load"
sent=$(sed -n 's/^sent \([0-9]*\) signals.*/\1/p' "$T/storm")
if [ $rc = 0 ] && [ "${sent:-0}" = $((RATE * SECONDS_)) ]; then
	pass "storm: $(cat "$T/storm" | sed "s|$T/||g")"
else
	bad "reload-storm failed (rc $rc): $(cat "$T/storm")"
fi
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died in the storm"

# --- what clients saw meanwhile -------------------------------------------------------

n_samples=$(grep -c . "$T/samples")
n_a=$(jq -c --argjson a "$RULES_A" 'select([.parameters.rules[] | [.name, .line]] == $a and
	.parameters.default_priority == "info" and .parameters.default_action == "ignore")' \
	"$T/samples" | wc -l)
n_b=$(jq -c --argjson b "$RULES_B" 'select([.parameters.rules[] | [.name, .line]] == $b and
	.parameters.default_priority == "notice" and .parameters.default_action == "ignore")' \
	"$T/samples" | wc -l)
n_other=$((n_samples - n_a - n_b))
if [ "$n_samples" -ge 20 ] && [ $n_other = 0 ] && [ "$n_a" -gt 0 ] && [ "$n_b" -gt 0 ]; then
	pass "ListRules during the storm: $n_samples answers, $n_a exactly A, $n_b exactly B," \
		"none mixed or empty"
else
	bad "ListRules during the storm: $n_samples answers, $n_a A, $n_b B, $n_other other:" \
		"$(jq -c --argjson a "$RULES_A" --argjson b "$RULES_B" '[.parameters.rules[]? |
			[.name, .line]] as $r | select($r != $a and $r != $b) |
			(.error // $r)' "$T/samples" 2>&1 | sort | uniq -c | head -n 3)"
fi
# the counters only grow, and every answer came
if json_has 'length > 10 and ([.[].parameters.reloads] as $r | $r == ($r | sort)) and
	([.[].parameters.reload_failures] as $f | $f == ($f | sort))' -s <"$T/stat-samples"; then
	pass "GetStats during the storm: $(grep -c . "$T/stat-samples") answers, reloads and" \
		"reload_failures never go back"
else
	bad "GetStats during the storm: $(tail -n 2 "$T/stat-samples" | cut -c 1-200)"
fi

# --- the accounts ---------------------------------------------------------------------

s1=$(stats)
reloads=$(($(printf '%s' "$s1" | jq .reloads) - reloads0))
failures=$(($(printf '%s' "$s1" | jq .reload_failures) - failures0))
# signals that arrive while one is pending merge into it: at most one reload each
if [ $reloads -gt 0 ] && [ $failures -gt 0 ] &&
	[ $((reloads + failures)) -le "${sent:-0}" ]; then
	pass "$sent SIGHUPs: $reloads reloads, $failures reload_failures (the rest merged" \
		"while pending)"
else
	bad "$sent SIGHUPs: $reloads reloads, $failures failures"
fi
n_ok=$(grep -c "Reloaded [0-9]* rules from" "$T/err")
n_fail=$(grep -c "Reload failed, keeping the previous" "$T/err")
if [ "$n_ok" = $reloads ] && [ "$n_fail" = $failures ]; then
	pass "each counted reload has its record: $n_ok 'Reloaded', $n_fail 'Reload failed'"
else
	bad "records: $n_ok 'Reloaded' for $reloads reloads, $n_fail 'Reload failed' for" \
		"$failures failures"
fi
# a failed reload names the place
grep "Reload failed" "$T/err" | grep -v -q -E 'cnprocd\.conf:[0-9]+: ' &&
	bad "a 'Reload failed' record without file:line: $(grep 'Reload failed' "$T/err" |
		grep -v -E 'cnprocd\.conf:[0-9]+: ' | head -n 1)"

# the marked processes of the storm: all logged, or their loss counted
n_markers=$(grep -c . "$T/markers")
n_logged=0
complete_lines "$T/out" >"$T/out.now"
for p in $(cat "$T/markers"); do
	json_has ".event == \"exec\" and .pid == $p and
		(.rule == \"storm-A-marker\" or .rule == \"storm-B-marker\")" <"$T/out.now" \
		2>/dev/null && n_logged=$((n_logged + 1))
done
lost=$(printf '%s' "$s1" | jq .lost_events)
if [ "$n_markers" -ge 20 ] && { [ "$n_logged" = "$n_markers" ] || [ "$lost" -gt 0 ]; }; then
	pass "$n_logged of $n_markers marked processes of the storm logged by a marker rule," \
		"$lost events lost"
else
	bad "$n_logged of $n_markers marked processes logged and no loss counted ($lost)"
fi
echo "# events during the storm: $(printf '%s' "$s1" | jq -c .events)"

# memory: 500 configurations parsed and freed
rss2=$(rss_kib)
if [ $((rss2 - rss0)) -lt 16384 ] || [ "$SANITIZED" = 1 ]; then
	pass "VmRSS ${rss0} KiB before, ${rss1} KiB after the storm, ${rss2} KiB now"
else
	bad "VmRSS grew from ${rss0} KiB to ${rss2} KiB in the storm"
fi

# --- single reloads, counted exactly --------------------------------------------------

# after_hup FILE: install it, SIGHUP, and wait until the counters moved by one
after_hup() {
	_before=$(stats)
	cp "$1" "$CONF.tmp" && mv "$CONF.tmp" "$CONF"
	kill -HUP "$DAEMON_PID"
	_moved() {
		[ "$(stats | jq '.reloads + .reload_failures')" -gt \
			"$(printf '%s' "$_before" | jq '.reloads + .reload_failures')" ]
	}
	wait_for - 10 _moved || bad "no reload after SIGHUP with $1"
}
rules_now() {
	call '{"method":"io.cnprocd.Monitor.ListRules"}' |
		jq -c '[.parameters.rules[] | [.name, .line]]'
}
after_hup "$T/A.conf"
[ "$(rules_now)" = "$(printf '%s' "$RULES_A" | jq -c .)" ] || bad "after SIGHUP with A:" \
	"$(rules_now)"
f0=$(stats | jq .reload_failures)
after_hup "$T/broken-B.conf"
f1=$(stats | jq .reload_failures)
if [ $((f1 - f0)) = 1 ] && [ "$(rules_now)" = "$(printf '%s' "$RULES_A" | jq -c .)" ]; then
	pass "one SIGHUP with a broken file: reload_failures +1, rules still A"
else
	bad "broken reload: failures $f0 -> $f1, rules $(rules_now)"
fi

# varlink Reload, B and broken A in turn: every call counted, errors with file:line
s2=$(stats)
i=0 ok=0
while [ $i -lt 20 ]; do
	if [ $((i % 2)) = 0 ]; then
		cp "$T/B.conf" "$CONF.tmp"
	else
		cp "$T/broken-A.conf" "$CONF.tmp"
	fi
	mv "$CONF.tmp" "$CONF"
	r=$(call '{"method":"io.cnprocd.Monitor.Reload"}')
	if [ $((i % 2)) = 0 ]; then
		printf '%s' "$r" | json_has '.parameters.rules == 5' && ok=$((ok + 1))
	else
		printf '%s' "$r" | json_has '.parameters.file == $f and
			.error == "io.cnprocd.Monitor.ConfigError" and .parameters.line > 0' \
			--arg f "$CONF" && ok=$((ok + 1))
	fi
	i=$((i + 1))
done
s3=$(stats)
dr=$(($(printf '%s' "$s3" | jq .reloads) - $(printf '%s' "$s2" | jq .reloads)))
df=$(($(printf '%s' "$s3" | jq .reload_failures) - $(printf '%s' "$s2" | jq .reload_failures)))
if [ $ok = 20 ] && [ $dr = 10 ] && [ $df = 10 ] &&
	[ "$(rules_now)" = "$(printf '%s' "$RULES_B" | jq -c .)" ]; then
	pass "20 Reload calls: 10 reloads, 10 ConfigError with file:line, counted exactly;" \
		"rules B"
else
	bad "20 Reload calls: $ok answered as expected, reloads +$dr, failures +$df, rules" \
		"$(rules_now)"
fi

# --- still logging, and a clean stop --------------------------------------------------

sh -c 'sleep 0.3' "$M-after" &
after=$!
wait "$after"
expect_json ".event == \"exec\" and .pid == $after and .rule == \"storm-B-marker\""
pass "after the storm the daemon logs: exec of $after by rule storm-B-marker"
stop_daemon || bad "daemon did not stop cleanly"
checks_done
