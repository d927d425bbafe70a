#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The history benchmark: cnprocctl log, tree and report over a journal of a
# million cnprocd records. A private journald (its rate limit off, its size
# limits raised so nothing is rotated away) is filled by journal-gen, which
# writes records shaped by the daemon's own code; then `cnprocctl log --unit X
# --json` is timed against `journalctl CNPROCD_UNIT=X -o json` (the target: at
# most 1.5 times journalctl's time), the whole log likewise for context, and
# `cnprocctl tree` and `report` over all records and over the first half, with
# their peak RSS: what they keep should grow with the processes of the window,
# not with the records. Figures are printed as ratios against a reference
# measured in the same run, never asserted: the exit status is 0 unless a tool
# crashed or failed, 77 when the benchmark cannot run here.
#
#   tests/bench/history.sh [--records N] [--short] [--rounds N]
#
# `make bench` runs it from the build tree; CNPROCCTL and JOURNAL_GEN override
# the programs.

set -u

usage() {
	cat <<EOF
Usage: $0 [OPTIONS]

  --records N   Records in the journal (default 1000000)
  --short       100000 records (CI)
  --rounds N    Run each timed command N times, interleaved; the median is
                printed (default 3)
  -h, --help    This help
EOF
}

ORIG_ARGS=("$@")
RECORDS=1000000
ROUNDS=3
records_set=0 short=0

while [ $# -gt 0 ]; do
	case $1 in
	--records) RECORDS=$2; records_set=1; shift ;;
	--records=*) RECORDS=${1#*=}; records_set=1 ;;
	--short) short=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--rounds=*) ROUNDS=${1#*=} ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ $short = 1 ] && [ $records_set = 0 ] && RECORDS=100000
case $RECORDS$ROUNDS in
*[!0-9]*) echo "$0: --records and --rounds take a number" >&2; exit 2 ;;
esac
[ "$RECORDS" -ge 100 ] && [ "$ROUNDS" -ge 1 ] ||
	{ echo "$0: --records 100 at least, --rounds 1 at least" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${BENCH_SRCDIR:-$(cd "$here/../.." && pwd)}
# run from the build tree (make bench), else the source tree is the build tree
if [ -z "${BENCH_BUILDDIR:-}" ] && [ -x ./cnprocctl ]; then
	builddir=$(pwd)
else
	builddir=${BENCH_BUILDDIR:-$srcdir}
fi
CNPROCCTL=${CNPROCCTL:-$builddir/cnprocctl}
JOURNAL_GEN=${JOURNAL_GEN:-$builddir/tests/tools/journal-gen}

[ "$(id -u)" = 0 ] ||
	{ echo "SKIP: the benchmark needs root (a private journald)"; exit 77; }
for p in "$CNPROCCTL" "$JOURNAL_GEN"; do
	[ -x "$p" ] || { echo "SKIP: $p is not built"; exit 77; }
done
command -v journalctl >/dev/null 2>&1 || { echo "SKIP: no journalctl"; exit 77; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "SKIP: bash 5 is needed (EPOCHREALTIME)"; exit 77; }

. "$(dirname "$0")/common.sh"
[ -n "$JOURNALD" ] || { echo "SKIP: no systemd-journald"; exit 77; }
# a journald of its own: mounts private to this run
private_namespace ${ORIG_ARGS[@]+"${ORIG_ARGS[@]}"}
[ -n "${CNPROCD_BENCH_NS:-}" ] || { echo "SKIP: no private mount namespace (unshare -m)"; exit 77; }

# the symlink's target must not depend on where it is
JOURNAL_GEN=$(readlink -f "$JOURNAL_GEN")
D=$(mktemp -d /tmp/cnprocd-history.XXXXXX)
JPID=
CRASHED=

cleanup() {
	[ -n "$JPID" ] && kill -KILL "$JPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ---

# median of the arguments
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# the largest of the arguments, - if none
largest() {
	printf '%s\n' "$@" | grep -v '^-$' | sort -n | tail -n 1 | grep . || echo -
}

fmt_ratio() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
fmt_s() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.3f", v }'; }
fmt_mib() { [ -z "$1" ] || [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f", v / 1024 }'; }
# against a target: a third decimal where two would round onto the wrong side of it
fmt_vs() {
	awk -v v="$1" -v t="$2" 'BEGIN { r = sprintf("%.2f", v)
		printf (((v < t) != (r + 0 < t)) ? "%.3f" : "%.2f"), v }'
}

# check_rc WHAT STATUS: a tool that died of a signal crashed, one that failed
# failed; either makes the exit status 1
check_rc() {
	if [ "$2" -ge 128 ]; then
		echo "CRASHED: $1 (status $2)"
		CRASHED=1
	elif [ "$2" != 0 ]; then
		echo "FAILED: $1 exited with $2"
		CRASHED=1
	fi
}

# timed COMMAND...: ELAPSED (seconds) of the command, its output thrown away
ELAPSED=
timed() {
	local t0 t1 rc

	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>"$D/stderr"
	rc=$?
	t1=$EPOCHREALTIME
	ELAPSED=$(calc "$t1 - $t0")
	check_rc "$*" $rc
	[ -s "$D/stderr" ] && sed 's/^/  stderr: /' "$D/stderr" | head -5
	return $rc
}

# lines COMMAND...: LINES of its output (a run that warms the cache, untimed)
LINES=
lines() {
	local rc

	LINES=$("$@" 2>"$D/stderr" | wc -l)
	rc=${PIPESTATUS[0]}
	check_rc "$*" $rc
	[ -s "$D/stderr" ] && sed 's/^/  stderr: /' "$D/stderr" | head -5
	return $rc
}

# nap SECONDS: a sleep without a fork (a read that times out on a pipe nobody
# writes), so polling costs the measured command little
exec {NAP_FD}<> <(:)
nap() {
	read -r -t "$1" -u "$NAP_FD" _
}

# peak COMMAND...: ELAPSED, RSS_KB (its peak resident set) and ANON_KB (the peak
# of its anonymous memory, RssAnon polled every 10 ms: what it allocated, the
# journal files it maps left out), output thrown away
if [ -x /usr/bin/time ]; then
	RSS_HOW="/usr/bin/time %M"
else
	RSS_HOW="VmHWM polled every 10 ms"
fi
RSS_KB= ANON_KB=
peak() {
	local t0 t1 rc pid wpid k v hwm=- anon=0

	t0=$EPOCHREALTIME
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$D/time" "$@" >/dev/null 2>"$D/stderr" &
		wpid=$!
		# the command is time's child
		pid=
		while [ -z "$pid" ] && kill -0 "$wpid" 2>/dev/null; do
			read -r pid _ <"/proc/$wpid/task/$wpid/children" 2>/dev/null ||
				pid=$(pgrep -P "$wpid" 2>/dev/null | head -n 1)
			[ -n "$pid" ] || nap 0.001
		done
	else
		"$@" >/dev/null 2>"$D/stderr" &
		wpid=$!
		pid=$wpid
	fi
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do
		while read -r k v _; do
			case $k in
			RssAnon:) [ "$v" -gt "$anon" ] && anon=$v ;;
			VmHWM:) hwm=$v ;;
			esac
		done <"/proc/$pid/status" 2>/dev/null
		nap 0.01
	done
	wait "$wpid"
	rc=$?
	t1=$EPOCHREALTIME
	if [ -x /usr/bin/time ]; then
		hwm=$(tail -n 1 "$D/time")
		# time says how its command died on a line of its own
		grep -q '^Command terminated by signal' "$D/time" && rc=$((rc < 128 ? 128 + rc : rc))
	fi
	RSS_KB=$hwm
	ANON_KB=$anon
	[ "$anon" = 0 ] && ANON_KB=-
	ELAPSED=$(calc "$t1 - $t0")
	check_rc "$*" $rc
	[ -s "$D/stderr" ] && sed 's/^/  stderr: /' "$D/stderr" | head -5
	return $rc
}

# the value of "KEY VALUE" in the generator's output
gen() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$D/gen.out"
}

# every record kept, in one file where possible (a file per 128 MiB by default, the
# oldest dropped beyond 10 % of the file system), and only stored: journald
# forwarding it elsewhere would be timed too
start_history_journal() {
	start_journal cnprocd-history Storage=persistent RateLimitIntervalSec=0 RateLimitBurst=0 \
		SystemMaxUse=8G SystemKeepFree=0 SystemMaxFileSize=4G RuntimeMaxUse=8G \
		RuntimeKeepFree=0 RuntimeMaxFileSize=4G ForwardToSyslog=no ForwardToKMsg=no \
		ForwardToConsole=no ForwardToWall=no || return 1
	# persistent from the start: without a flush it writes to /run first
	journalctl --flush >/dev/null 2>&1
	return 0
}

# the records in the journal (all written by the generator)
journal_count() {
	journalctl --no-pager -q -o cat _COMM=cnprocd "$@" 2>/dev/null | wc -l
}

count_is() {
	[ "$(journal_count)" -ge "$1" ]
}

# --- 1. the journal ---

start_history_journal || { echo "SKIP: the private journald did not start"; cat "$D/journald.log"; exit 77; }
echo "History benchmark: $RECORDS records; each timing the median of $ROUNDS round(s); $(nproc) CPUs"
echo "cnprocctl: $CNPROCCTL"
echo "journald:  $JOURNALD (private, on tmpfs; rate limit off)"

# journald's _COMM is the executable's name: cnprocctl reads cnprocd's only
ln -s "$JOURNAL_GEN" "$D/cnprocd"
t0=$EPOCHREALTIME
"$D/cnprocd" "$RECORDS" >"$D/gen.out" 2>"$D/gen.err"
rc=$?
t1=$EPOCHREALTIME
check_rc journal-gen $rc
[ -s "$D/gen.err" ] && sed 's/^/  journal-gen: /' "$D/gen.err" | head -5
[ $rc = 0 ] || exit 1
N=$(gen records)
P=$(gen processes)
journalctl --sync 2>/dev/null
wait_until 60 count_is "$N" || echo "FAILED: the journal has $(journal_count) of the $N records sent"
gen_s=$(calc "$t1 - $t0")
echo
echo "generated: $N records of $P processes in $(fmt_s "$gen_s") s ($(calc "int($N / $gen_s)") records/s, a pause of up to a second included)"
echo "journal:   $(du -sh /var/log/journal | cut -f1) on disk in $(find /var/log/journal -name '*.journal' | wc -l) file(s)," \
	"$(calc "int($(du -sk /var/log/journal | cut -f1) * 1024 / $N)") bytes a record"

# --- 2. log --unit X --json against journalctl ---

# the unit with the most records: the biggest answer
X=$(awk '$1 == "unit" { print $3, $2 }' "$D/gen.out" | sort -rn | head -n 1 | cut -d' ' -f2)
XN=$(awk -v u="$X" '$1 == "unit" && $2 == u { print $3 }' "$D/gen.out")
echo
echo "== log --unit $X --json (the unit with the most records: $XN) vs journalctl CNPROCD_UNIT=$X -o json"
lines "$CNPROCCTL" log --unit "$X" --json
log_lines=$LINES
lines journalctl --no-pager -q -o json "CNPROCD_UNIT=$X"
jc_lines=$LINES
echo "lines: cnprocctl $log_lines, journalctl $jc_lines, generator $XN"
[ "$log_lines" = "$jc_lines" ] && [ "$log_lines" = "$XN" ] ||
	echo "FAILED: the counts differ (cnprocctl $log_lines, journalctl $jc_lines, generator $XN)"
log_t=() jc_t=()
for r in $(seq "$ROUNDS"); do
	a=- b=-
	timed "$CNPROCCTL" log --unit "$X" --json && { a=$ELAPSED; log_t+=("$a"); }
	timed journalctl --no-pager -q -o json "CNPROCD_UNIT=$X" && { b=$ELAPSED; jc_t+=("$b"); }
	echo "  round $r: cnprocctl $(fmt_s "$a") s, journalctl $(fmt_s "$b") s"
done
LOG_S=$(median ${log_t[@]+"${log_t[@]}"})
JC_S=$(median ${jc_t[@]+"${jc_t[@]}"})
if [ "$LOG_S" != - ] && [ "$JC_S" != - ]; then
	RATIO=$(calc "$LOG_S / $JC_S")
	MISSED=$(awk -v r="$RATIO" 'BEGIN { if (r > 1.5) print " MISSED" }')
	echo "median: cnprocctl $(fmt_s "$LOG_S") s, journalctl $(fmt_s "$JC_S") s;" \
		"log/journalctl = $(fmt_vs "$RATIO" 1.5)x (target <= 1.5x)$MISSED"
else
	RATIO=- MISSED=
fi

# --- 3. the whole log, for context ---

echo
echo "== log --json (all records) vs journalctl _COMM=cnprocd -o json"
lines "$CNPROCCTL" log --json
all_log_lines=$LINES
lines journalctl --no-pager -q -o json _COMM=cnprocd
all_jc_lines=$LINES
echo "lines: cnprocctl $all_log_lines, journalctl $all_jc_lines, generator $N"
[ "$all_log_lines" = "$all_jc_lines" ] && [ "$all_log_lines" = "$N" ] ||
	echo "FAILED: the counts differ (cnprocctl $all_log_lines, journalctl $all_jc_lines, generator $N)"
# with their peak memory: the references for tree and report (below)
alog_t=() ajc_t=() alog_m=() ajc_m=() alog_a=() ajc_a=()
for r in $(seq "$ROUNDS"); do
	a=- b=-
	peak "$CNPROCCTL" log --json && { a=$ELAPSED; alog_t+=("$a"); alog_m+=("$RSS_KB"); alog_a+=("$ANON_KB"); }
	peak journalctl --no-pager -q -o json _COMM=cnprocd &&
		{ b=$ELAPSED; ajc_t+=("$b"); ajc_m+=("$RSS_KB"); ajc_a+=("$ANON_KB"); }
	echo "  round $r: cnprocctl $(fmt_s "$a") s, journalctl $(fmt_s "$b") s"
done
ALOG_S=$(median ${alog_t[@]+"${alog_t[@]}"})
AJC_S=$(median ${ajc_t[@]+"${ajc_t[@]}"})
T_log=$ALOG_S T_journalctl=$AJC_S
M_log=$(largest ${alog_m[@]+"${alog_m[@]}"}) A_log=$(largest ${alog_a[@]+"${alog_a[@]}"})
M_journalctl=$(largest ${ajc_m[@]+"${ajc_m[@]}"}) A_journalctl=$(largest ${ajc_a[@]+"${ajc_a[@]}"})
[ "$ALOG_S" != - ] && [ "$AJC_S" != - ] &&
	echo "median: cnprocctl $(fmt_s "$ALOG_S") s, journalctl $(fmt_s "$AJC_S") s;" \
		"log/journalctl = $(fmt_vs "$(calc "$ALOG_S / $AJC_S")" 1.5)x"

# --- 4. tree and report: time and peak RSS, all records and the first half ---

MID_USEC=$(gen midpoint_usec)
MID_N=$(gen midpoint_records)
MID_P=$(gen midpoint_processes)
# --until takes local time to the second; the generator paused at a whole second
UNTIL=$(date -d "@$((MID_USEC / 1000000))" '+%Y-%m-%d %H:%M:%S')
win_n=$(journal_count --until "@$((MID_USEC / 1000000))")
echo
echo "== tree and report (peak RSS: $RSS_HOW; peak anon: RssAnon polled every 10 ms)"
echo "windows: all ($N records, $P processes); --until '$UNTIL' ($win_n records, generator $MID_N; $MID_P processes)"
[ "$win_n" = "$MID_N" ] || echo "FAILED: the first half has $win_n records in the journal, not $MID_N"

# measure NAME COMMAND...: the median time and the largest peaks of the rounds,
# in T_NAME, M_NAME (RSS) and A_NAME (anonymous)
measure() {
	local name=$1 ts=() ms=() as=()
	shift
	for r in $(seq "$ROUNDS"); do
		peak "$@" && { ts+=("$ELAPSED"); ms+=("$RSS_KB"); as+=("$ANON_KB"); }
	done
	printf -v "T_$name" '%s' "$(median ${ts[@]+"${ts[@]}"})"
	printf -v "M_$name" '%s' "$(largest ${ms[@]+"${ms[@]}"})"
	printf -v "A_$name" '%s' "$(largest ${as[@]+"${as[@]}"})"
}

measure tree "$CNPROCCTL" tree
measure tree_half "$CNPROCCTL" tree --until "$UNTIL"
measure report "$CNPROCCTL" report
measure report_half "$CNPROCCTL" report --until "$UNTIL"

printf '%-10s %-6s %8s %9s %9s %9s %9s %10s\n' COMMAND WINDOW RECORDS PROCESSES TIME PEAK_RSS PEAK_ANON "ANON/PROC"
row() {
	local t=T_$1 m=M_$1 a=A_$1 per=-

	[ "$5" != - ] && [ "${!a:--}" != - ] && per="$(calc "int(${!a} * 1024 / $5)") B"
	printf '%-10s %-6s %8s %9s %7s s %5s MiB %5s MiB %10s\n' "$2" "$3" "$4" "$5" \
		"$(fmt_s "${!t:--}")" "$(fmt_mib "${!m:--}")" "$(fmt_mib "${!a:--}")" "$per"
}
row tree tree all "$N" "$P"
row tree_half tree half "$MID_N" "$MID_P"
row report report all "$N" "$P"
row report_half report half "$MID_N" "$MID_P"
# the references: every record read, nothing kept (their peak RSS is mostly
# the journal's pages sd-journal maps)
row log "log" all "$N" -
row journalctl journalctl all "$N" -
# the second half of the records: as many processes again, each with as many
# records; what a process costs shows in the anonymous memory
for c in tree report; do
	a=A_$c h=A_${c}_half
	[ "${!a:--}" != - ] && [ "${!h:--}" != - ] || continue
	echo "$c: peak anon all / first half = $(fmt_ratio "$(calc "${!a} / ${!h}")")x" \
		"for processes x$(fmt_ratio "$(calc "$P / $MID_P")"), records x$(fmt_ratio "$(calc "$N / $MID_N")");" \
		"$(awk -v a="${!a}" -v h="${!h}" -v n="$((P - MID_P))" 'BEGIN { printf "%d", (a - h) * 1024 / n }')" \
		"bytes a further process"
done
echo
echo "SUMMARY history: $N records; log --unit $X --json $(fmt_s "$LOG_S") s vs journalctl $(fmt_s "$JC_S") s" \
	"= $( [ "$RATIO" = - ] && echo - || fmt_vs "$RATIO" 1.5) x (<= 1.5x$MISSED);" \
	"tree $(fmt_s "${T_tree:--}") s, peak RSS $(fmt_mib "${M_tree:--}") MiB;" \
	"report $(fmt_s "${T_report:--}") s, peak RSS $(fmt_mib "${M_report:--}") MiB"
[ -z "$CRASHED" ] || exit 1
exit 0
