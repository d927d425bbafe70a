#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Abusive varlink clients, all against one daemon while processes run, a reading
# subscriber (the bystander) and four subscribers that never read stay connected,
# and a root client asks GetStats every 0.2 s (5 s to answer, slowest printed):
#   A. 3 uids open 20 connections each: 4 of each refused (16 per uid)
#   B. 4 uids try 64 connections: 56 fit (8 of the 64 are root's), the rest are
#      refused, told why; root is still served
#   C. 32 clients at once: 1 MB and 100 KB without a NUL, 70000-byte messages,
#      random bytes
#   D. 60 clients that leave in the middle of a 1 MB ListProcesses reply or right
#      after subscribing
#   E. 16 clients that ask for a 3 MB process table and never read it: within 20 s
#      they are dropped or cost no more than the documented 1 MiB each
# Checked: the daemon lives and answers, every refusal and disconnect is counted in
# GetStats (varlink_refused, varlink_protocol_errors, varlink_oversized), VmRSS stays
# bounded (figures printed), connections and file descriptors return to where
# they were, the bystander gets its events and the marked processes are logged
# (or shown "unread" in the feed: gone before the busy daemon read them).
#
# Every check runs even if an earlier one failed; the test fails at the end if any did.
. "$TEST_LIB"
require_root
need setpriv
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built (VARLINK_RAW=${VARLINK_RAW:-})"

SOCK=$T/io.cnprocd.Monitor
M="cnprocd-abuse-$$-$(date +%s%N)"

unprivileged_raw

msg() {
	printf '%s\0' "$1"
}

# raw_as UID ARGS...: varlink-raw on the daemon's socket as that user (root: 0)
raw_as() {
	_u=$1
	shift
	if [ "$_u" = 0 ]; then
		"$T/varlink-raw" "$SOCK" "$@"
	else
		as_user "$_u:$_u" "$T/varlink-raw" "$SOCK" "$@"
	fi
}

# spawn_as UID ARGS...: the same in the background, as its own process (the
# subshell execs it), so that $! is the client and killing it closes the connection
spawn_as() {
	_u=$1
	shift
	if [ "$_u" = 0 ]; then
		exec "$T/varlink-raw" "$SOCK" "$@"
	fi
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		exec setpriv --reuid="$_u" --regid="$_u" --clear-groups "$T/varlink-raw" "$SOCK" "$@"
}

stats() {
	msg '{"method":"io.cnprocd.Monitor.GetStats"}' | raw_as 0 --expect 1 --timeout 2000 |
		jq -c .parameters
}

# counter NAME [STATS]: a GetStats field, "none" if GetStats has no such field
counter() {
	printf '%s' "${2:-$(stats)}" |
		jq -r --arg k "$1" 'if has($k) then .[$k] else "none" end'
}

# expect_counted WHAT NAME BEFORE AFTER N: the counter moved by exactly N
expect_counted() {
	if [ "$3" = none ] || [ "$4" = none ]; then
		bad "$1: GetStats has no $2 field: refused and dropped clients are not" \
			"accounted for"
	elif [ $(($4 - $3)) = "$5" ]; then
		pass "$1: $2 +$5"
	else
		bad "$1: $2 moved by $(($4 - $3)), expected $5"
	fi
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"
}

n_fds() {
	ls "/proc/$DAEMON_PID/fd" | wc -l
}

cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore

[rule abuse-marker]
event = exec
cmdline = "*$M*"
rate-limit = none
CONF
start_daemon --json -c "$T/cnprocd.conf"
chmod 0666 "$SOCK"

# --- what runs throughout -------------------------------------------------------------

# processes: /bin/true in a loop, and a marked one every 0.1 s
(
	i=0
	while [ ! -e "$T/stop" ]; do
		sh -c 'sleep 0.3' "$M-load-$i" &
		echo $! >>"$T/markers"
		/bin/true
		/bin/true
		i=$((i + 1))
		sleep 0.1
	done
	wait
) &
load=$!
KEEP_PIDS="$KEEP_PIDS $load"

# the bystander reads its feed of exec events all along
msg '{"method":"io.cnprocd.Monitor.Subscribe","more":true,"parameters":{"events":["exec"]}}' \
	>"$T/subscribe-exec"
spawn_as 0 --timeout 300000 <"$T/subscribe-exec" >"$T/bystander" &
bystander=$!
# four that subscribe (to /bin/true: small events) and never read
msg '{"method":"io.cnprocd.Monitor.Subscribe","more":true,"parameters":{"comm":"true"}}' \
	>"$T/subscribe-true"
i=0
while [ $i -lt 4 ]; do
	spawn_as 0 --hold 300000 --timeout 1000 <"$T/subscribe-true" >/dev/null &
	slow="${slow:-} $!"
	i=$((i + 1))
done
KEEP_PIDS="$KEEP_PIDS $bystander $slow"
wait_for - 10 grep -q ready "$T/bystander" || fail "the bystander's Subscribe is not ready"
# the 5 and the connection asking
only_five() {
	[ "$(counter clients)" = 6 ]
}
wait_for - 10 only_five || fail "expected 5 clients, GetStats says $(counter clients)"
sleep 1 # the slow ones fill their buffers
rss0=$(rss_kib)
fds0=$(n_fds)
pass "baseline: VmRSS $rss0 KiB, $fds0 fds, 5 clients (bystander and 4 that do not read)"

# the asker: GetStats on a new connection every 0.2 s, with how long it took (5 s to
# answer: phase E keeps the loop busy, and the test may share two CPUs with others);
# it pauses while phase B holds every connection on purpose
(
	while [ ! -e "$T/stop" ]; do
		if [ -e "$T/pause" ]; then
			touch "$T/paused"
			sleep 0.05
			continue
		fi
		rm -f "$T/paused"
		t0=$(date +%s%N)
		if msg '{"method":"io.cnprocd.Monitor.GetStats"}' |
			raw_as 0 --expect 1 --timeout 5000 >"$T/ask" 2>&1; then
			t1=$(date +%s%N)
			echo "ok $(jq .parameters.clients "$T/ask") $(rss_kib)" \
				"$(((t1 - t0) / 1000000)) $t0"
		else
			echo "fail $(date +%s%N) $(head -c 100 "$T/ask")"
		fi
		sleep 0.2
	done
) >"$T/asks" &
asker=$!
KEEP_PIDS="$KEEP_PIDS $asker"
# phase NAME: when a phase starts, to tell which one a slow answer fell into
phase() {
	echo "$(date +%s%N) $1" >>"$T/phases"
}
phase start
pause_asker() {
	touch "$T/pause"
	wait_for - 5 test -e "$T/paused" || bad "the asker does not pause"
}
resume_asker() {
	rm -f "$T/pause"
}

# --- A. per-uid limit: 3 uids x 20 connections ----------------------------------------
phase A
refused0=$(counter varlink_refused)
msg '{"method":"org.varlink.service.GetInfo"}' >"$T/getinfo"
for u in 61001 61002 61003; do
	spawn_as $u --connections 20 --hold 2000 --timeout 3000 <"$T/getinfo" >"$T/a$u" &
	held="${held:-} $!"
done
wait $held
held=
ok=1
for u in 61001 61002 61003; do
	[ "$(tail -n 1 "$T/a$u")" = "open 16 closed 4 answered 16" ] ||
		{ ok=0; bad "A: uid $u: $(tail -n 1 "$T/a$u")"; }
done
[ $ok = 1 ] && pass "A: 3 uids x 20 connections: 16 each served, 4 each refused"
expect_counted "A: 12 over the per-uid limit" varlink_refused "$refused0" \
	"$(counter varlink_refused)" 12

# --- B. the total limit ---------------------------------------------------------------
phase B
pause_asker
refused0=$(counter varlink_refused)
wait_for - 10 only_five || bad "B: clients of phase A still connected: $(counter clients)"
for u in 62001 62002 62003 62004; do
	spawn_as $u --connections 16 --hold 3000 --timeout 3000 <"$T/getinfo" >"$T/b$u" &
	held="${held:-} $!"
done
all_connected() {
	for _u in 62001 62002 62003 62004; do
		grep -q "^connected 16" "$T/b$_u" || return 1
	done
}
wait_for - 10 all_connected || bad "B: the flood could not connect"
msg '{"method":"io.cnprocd.Monitor.GetStats"}' | raw_as 0 --expect 1 --timeout 2000 >"$T/b-root"
rc_root=$?
# a refused client is told why: the error is the answer to what it asks
msg '{"method":"org.varlink.service.GetInfo"}' | raw_as 62001 --expect 1 --timeout 2000 \
	>"$T/b-refused"
wait $held
held=
closed=0 open=0
for u in 62001 62002 62003 62004; do
	set -- $(tail -n 1 "$T/b$u")
	open=$((open + $2))
	closed=$((closed + $4))
done
# 5 (root's) were connected already: other users may have 56 of the 64
if [ $open = 56 ] && [ $closed = 8 ] && [ $rc_root = 0 ] &&
	head -n 1 "$T/b-root" | json_has '.parameters.processes > 0'; then
	pass "B: 64 connections of 4 uids on top of 5 of root: 56 served, 8 refused; root served"
else
	bad "B: open $open closed $closed (want 56/8), root rc $rc_root: $(cat "$T/b-root")"
fi
if head -n 1 "$T/b-refused" |
	json_has '.error == "io.cnprocd.Monitor.TooManyConnections" and .parameters.limit == "total"'; then
	pass "B: a refused client is told why (TooManyConnections, total)"
else
	bad "B: the refused client was not told why: $(cat "$T/b-refused")"
fi
resume_asker
expect_counted "B: 9 over the total limit" varlink_refused "$refused0" \
	"$(counter varlink_refused)" 9
back() {
	msg '{"method":"io.cnprocd.Monitor.GetStats"}' |
		raw_as 0 --expect 1 --timeout 1000 >/dev/null
}
wait_for - 5 back && pass "B: served again once the flood" \
	"left" || bad "B: not served after the flood"

# --- C. malformed and oversized input, 32 clients at once -----------------------------
phase C
head -c 1000000 /dev/zero | tr '\0' ' ' >"$T/1mb"                      # no NUL
{ printf '{"method":"org.varlink.service.GetInfo"'; head -c 70000 /dev/zero | tr '\0' ' '
	printf '}\0'; } >"$T/70k"                                           # valid, too big
head -c 100000 /dev/urandom | tr -d '\0' >"$T/rand-nonul"                # no NUL
{ head -c 4096 /dev/urandom; printf '\0'; } >"$T/rand"                   # garbage
s=$(stats)
prot0=$(counter varlink_protocol_errors "$s")
over0=$(counter varlink_oversized "$s")
refused0=$(counter varlink_refused "$s")
i=0
for u in 63001 63002 63003 63004; do
	for f in 1mb 70k rand-nonul rand 1mb 70k rand-nonul rand; do
		spawn_as $u --timeout 5000 <"$T/$f" >"$T/c-$i-$f" 2>&1 &
		held="${held:-} $!"
		i=$((i + 1))
	done
done
wait $held
held=
n_eof=0
for f in "$T"/c-*; do
	[ "$(tail -n 1 "$f")" = EOF ] && n_eof=$((n_eof + 1))
done
[ $n_eof = 32 ] && pass "C: 32 malformed or oversized clients, all disconnected" ||
	bad "C: $n_eof of 32 disconnected:" \
		"$(for f in "$T"/c-*; do tail -n 1 "$f"; done | sort | uniq -c)"
s=$(stats)
expect_counted "C: 8 clients sending random bytes" varlink_protocol_errors "$prot0" \
	"$(counter varlink_protocol_errors "$s")" 8
expect_counted "C: 24 clients sending too much" varlink_oversized "$over0" \
	"$(counter varlink_oversized "$s")" 24
expect_counted "C: none refused meanwhile" varlink_refused "$refused0" \
	"$(counter varlink_refused "$s")" 0

# --- D. leaving mid-reply -------------------------------------------------------------
phase D
# long-lived shells keeping big command lines (their sleep child goes with them)
WAITER='trap "kill \$! 2>/dev/null; exit 0" TERM; sleep 120 & wait'
# 20 processes with 50 KB command lines: ListProcesses is about 1 MB
pad=$(head -c 50000 /dev/zero | tr '\0' d)
i=0
while [ $i -lt 20 ]; do
	sh -c "$WAITER" "$M-mid-$i-$pad" &
	bigs="${bigs:-} $!"
	i=$((i + 1))
done
KEEP_PIDS="$KEEP_PIDS $bigs"
sleep 0.5
msg '{"method":"io.cnprocd.Monitor.ListProcesses"}' >"$T/list"
raw_as 0 --expect 1 --timeout 5000 <"$T/list" >"$T/list.r"
size=$(wc -c <"$T/list.r")
[ "$size" -gt 1000000 ] || bad "D: ListProcesses is only $size bytes"
i=0
while [ $i -lt 20 ]; do
	raw_as 0 --expect 0 <"$T/list"
	raw_as 0 --expect 0 --hold 5 <"$T/list"
	# subscribed, and gone with events under way
	msg '{"method":"io.cnprocd.Monitor.Subscribe","more":true}' | raw_as 0 --expect 1 \
		--timeout 2000 >/dev/null
	i=$((i + 1))
done
kill -0 "$DAEMON_PID" 2>/dev/null || fail "D: the daemon died"
back && pass "D: 40 clients left in the middle of a $size-byte reply, 20 right after" \
	"subscribing" ||
	bad "D: not served after the clients that left mid-reply"

# --- E. a big reply nobody reads ------------------------------------------------------
phase E
# 20 more with 100 KB command lines: the table is 3 MB of JSON
pad=$(head -c 100000 /dev/zero | tr '\0' e)
i=0
while [ $i -lt 20 ]; do
	sh -c "$WAITER" "$M-huge-$i-$pad" &
	bigs="$bigs $!"
	i=$((i + 1))
done
KEEP_PIDS="$KEEP_PIDS $bigs"
sleep 0.5
raw_as 0 --expect 1 --timeout 10000 <"$T/list" >"$T/list.r"
size=$(wc -c <"$T/list.r")
rss_e0=$(rss_kib)
i=0
while [ $i -lt 16 ]; do
	spawn_as 64001 --hold 120000 --expect 1 <"$T/list" >/dev/null 2>&1 &
	deaf="${deaf:-} $!"
	i=$((i + 1))
done
KEEP_PIDS="$KEEP_PIDS $deaf"
sleep 2
rss_e1=$(rss_kib)
# the documented bound: 1 MiB of queued output per client (and some slack); a
# client over it must be disconnected, or never given that much
bound=$((rss_e0 + 16 * 1024 + 8192))
settled() {
	[ "$(rss_kib)" -le $bound ] || [ "$(counter clients)" -le 6 ]
}
if wait_for - 20 settled; then
	pass "E: 16 clients ignoring a $size-byte reply: VmRSS $rss_e0 KiB before, $rss_e1" \
		"KiB at first, $(rss_kib) KiB now; $(counter clients) clients"
else
	bad "E: 16 clients ignoring a $size-byte reply hold VmRSS at $(rss_kib) KiB (from" \
		"$rss_e0 KiB," \
		"bound $bound) after 20 s and are never disconnected" \
		"($(counter clients) clients):" \
		"the 1 MiB output limit is not enforced on a single reply"
fi
kill $deaf 2>/dev/null
wait $deaf 2>/dev/null
deaf=
wait_for - 10 only_five || bad "E: the 16 clients did not go"
kill $bigs 2>/dev/null
wait $bigs 2>/dev/null

# --- afterwards -----------------------------------------------------------------------
phase end
touch "$T/stop"
wait "$asker" "$load"
n_ok=$(grep -c '^ok' "$T/asks")
n_fail=$(grep -c '^fail' "$T/asks")
max_clients=$(awk '$1 == "ok" { if ($2 > m) m = $2 } END { print m + 0 }' "$T/asks")
max_rss=$(awk '$1 == "ok" { if ($3 > m) m = $3 } END { print m + 0 }' "$T/asks")
max_ms=$(awk '$1 == "ok" { if ($4 > m) m = $4 } END { print m + 0 }' "$T/asks")
n_slow=$(awk '$1 == "ok" && $4 > 1000' "$T/asks" | wc -l)
if [ "$n_ok" -gt 20 ] && [ "$n_fail" = 0 ] && [ "$max_clients" -le 64 ]; then
	pass "the asker was answered $n_ok times (slowest ${max_ms} ms, $n_slow over a" \
		"second), never refused; at most $max_clients clients"
else
	bad "the asker: $n_ok answered, $n_fail not (phases: $(tr '\n' ' ' <"$T/phases")):" \
		"$(grep '^fail' "$T/asks" | head -n 3)"
fi
# a sanity bound on the peak: 64 clients x 1 MiB, a table being serialised, slack
if [ "$max_rss" -lt $((rss0 + 160 * 1024)) ] || [ "$SANITIZED" = 1 ]; then
	pass "VmRSS: $rss0 KiB at the start, at most $max_rss KiB seen by the asker"
else
	bad "VmRSS: $rss0 KiB at the start, $max_rss KiB at the peak"
fi
by_phase=$(awk 'NR == FNR { t[NR] = $1; n[NR] = $2; k = NR; next }
	$1 == "ok" { p = "-"; for (i = 1; i <= k; i++) if ($5 >= t[i]) p = n[i]
		if ($4 > m[p]) m[p] = $4 }
	END { for (i = 1; i <= k; i++) printf "%s %d  ", n[i], m[n[i]] }' "$T/phases" "$T/asks")
echo "# slowest GetStats by phase (ms): $by_phase"

# the four that never read lose events, not their connection
if [ "$(counter clients)" = 6 ]; then
	pass "the 4 subscribers that never read are still connected after" \
		"$(counter events | jq 'add') events"
else
	bad "the subscribers that never read were dropped: $(counter clients) clients, 6" \
		"expected"
fi
kill $slow 2>/dev/null
wait $slow 2>/dev/null
sh -c 'sleep 0.3' "$M-last" &
last=$!
wait "$last"
if wait_for - 10 grep -q "$M-last" "$T/bystander"; then
	pass "the bystander got $(grep -c '"event"' "$T/bystander") events, the last marked" \
		"one too"
else
	bad "the bystander's feed stopped: $(tail -n 1 "$T/bystander" | cut -c 1-200)"
fi
kill "$bystander" 2>/dev/null
wait "$bystander" 2>/dev/null
only_me() {
	[ "$(counter clients)" = 1 ]
}
if wait_for - 10 only_me; then
	pass "every client gone: 1 client (this one), $(n_fds) fds (at the start $fds0 with 5" \
		"clients)"
else
	bad "connections left behind: $(counter clients) clients, $(n_fds) fds"
fi
# events still flow, and reading /proc for one holds a descriptor or two for a moment:
# a leak is a count that stays high, not one sample
fds_back() {
	[ "$(n_fds)" -le $((fds0 - 4)) ]
}
wait_for - 5 fds_back || bad "file descriptors leaked: $(n_fds), $fds0 with 5 clients"
echo "# VmRSS at the end: $(rss_kib) KiB (glibc keeps some of what it freed)"

# a marked process is logged by its rule, unless it was gone before the daemon read
# its command line (then the rule cannot match: the feed shows it "unread"), or its
# event was lost (counted)
n_markers=$(grep -c . "$T/markers")
n_logged=0 n_unread=0
# (both are still being written: their complete lines)
complete_lines "$T/out" >"$T/out.now"
complete_lines "$T/bystander" >"$T/bystander.now"
for p in $(cat "$T/markers"); do
	if json_has ".event == \"exec\" and .pid == $p" <"$T/out.now" 2>/dev/null; then
		n_logged=$((n_logged + 1))
	elif json_has ".parameters.event.pid? == $p and .parameters.event.unread == true" \
		<"$T/bystander.now" 2>/dev/null; then
		n_unread=$((n_unread + 1))
	fi
done
lost=$(counter lost_events)
if [ "$n_markers" -gt 20 ] &&
	{ [ $((n_logged + n_unread)) = "$n_markers" ] || [ "$lost" -gt 0 ]; }; then
	pass "$n_logged of $n_markers marked processes logged meanwhile, $n_unread gone" \
		"before they could be read (the loop was busy), $lost events lost"
else
	bad "$n_logged of $n_markers marked processes logged, $n_unread unread, the rest" \
		"silently missing ($lost lost)"
fi
s=$(stats)
echo "# varlink counters: $(printf '%s' "$s" |
	jq -c 'with_entries(select(.key | test("^varlink_|^clients")))')"
stop_daemon || bad "the daemon did not stop cleanly"
checks_done
