#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The cnprocd benchmark (issue 6): process event storms, measured side by side with
# no listener, the reference listener, cnprocd (shipped configuration, every exec
# as JSON, every exec to journald), forkstat and extrace; then what reading one
# new program's argv from /proc costs here (the argv floor, set against the CPU
# target in the summary) and cnprocd's memory with many live processes. Figures are printed, never asserted: the exit status
# is 0 unless a tool crashed, 77 when the benchmark cannot run here.
#
#   tests/bench/run.sh [--short] [--duration SEC] [--rounds N] [--burst N[:P]]
#                      [--hold N] [--storms "fork exec ..."] [--cases "none ref ..."]
#                      [--no-cgroup]
#
# `make bench` runs it from the build tree; CNPROCD, CNPROCCTL, STORM, REFLISTEN
# and CNPROCD_CONF override the programs and the shipped configuration.
# CNPROCD_PREFIX runs the daemon under a command, e.g. "chrt -f 10" or "nice -n -5".

set -u

usage() {
	cat <<EOF
Usage: $0 [OPTIONS]

  --short            About a minute in all (CI): 0.5 s storms, burst 1000, hold 1000
  --duration SEC     Length of each timed storm (default 5)
  --rounds N         Run every storm's cases N times, interleaved; the summary
                     takes the median (default 1; more on a busy machine)
  --burst N[:P]      N simultaneous processes over P workers (default 5000:50)
  --hold N           Live processes for the table-size case (default 10000; 0: skip)
  --storms LIST      Among: fork exec thread burst (default: all)
  --no-cgroup        Stay in this cgroup even if its pids.max caps the burst and
                     the table-size case (by default the benchmark moves into a
                     pids cgroup of its own)
  --cases LIST       Among: none ref ref8m cnprocd lean hash json journal
                     volume forkstat extrace (lean: the shipped configuration
                     with exec-prefetch = no; hash: with exe-hash = sha256;
                     volume: the shipped configuration into the journal, what
                     it writes there)
                     (default: all that are available)
  -h, --help         This help
EOF
}

ORIG_ARGS=("$@")
SHORT=0
DURATION=5
BURST_N=5000
BURST_P=50
HOLD_N=10000
STORMS="fork exec thread burst"
CASES="none ref ref8m cnprocd lean hash json journal volume forkstat extrace"
ROUNDS=1
OWN_CGROUP=1
SETTLE=1
DRAIN_STEP=0.25
PROBES=1000
duration_set=0 burst_set=0 hold_set=0

while [ $# -gt 0 ]; do
	case $1 in
	--short) SHORT=1 ;;
	--duration) DURATION=$2; duration_set=1; shift ;;
	--duration=*) DURATION=${1#*=}; duration_set=1 ;;
	--burst|--burst=*)
		if [ "$1" = --burst ]; then v=$2; shift; else v=${1#*=}; fi
		BURST_N=${v%%:*}
		case $v in *:*) BURST_P=${v#*:} ;; esac
		burst_set=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--rounds=*) ROUNDS=${1#*=} ;;
	--hold) HOLD_N=$2; hold_set=1; shift ;;
	--hold=*) HOLD_N=${1#*=}; hold_set=1 ;;
	--storms) STORMS=$2; shift ;;
	--storms=*) STORMS=${1#*=} ;;
	--no-cgroup) OWN_CGROUP=0 ;;
	--cases) CASES=$2; shift ;;
	--cases=*) CASES=${1#*=} ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
if [ "$SHORT" = 1 ]; then
	[ $duration_set = 1 ] || DURATION=0.5
	[ $burst_set = 1 ] || { BURST_N=1000; BURST_P=20; }
	[ $hold_set = 1 ] || HOLD_N=1000
	SETTLE=0.2
	DRAIN_STEP=0.1
	PROBES=200
fi

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${BENCH_SRCDIR:-$(cd "$here/../.." && pwd)}
builddir=${BENCH_BUILDDIR:-$srcdir}
CNPROCD=${CNPROCD:-$builddir/cnprocd}
CNPROCCTL=${CNPROCCTL:-$builddir/cnprocctl}
STORM=${STORM:-$builddir/tests/bench/storm}
REFLISTEN=${REFLISTEN:-$builddir/tests/bench/reflisten}
CNPROCD_CONF=${CNPROCD_CONF:-$srcdir/conf/cnprocd.conf}
CNPROCD_PREFIX=${CNPROCD_PREFIX:-}

[ "$(id -u)" = 0 ] ||
	{ echo "SKIP: the benchmark needs root (proc connector, SO_RCVBUFFORCE, private journald)"; exit 77; }
for p in "$CNPROCD" "$CNPROCCTL" "$STORM" "$REFLISTEN"; do
	[ -x "$p" ] || { echo "SKIP: $p is not built (make bench builds it)"; exit 77; }
done
[ -r "$CNPROCD_CONF" ] || { echo "SKIP: no configuration at $CNPROCD_CONF"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq is not installed (it reads cnprocd's statistics)"; exit 77; }
[ -r /proc/self/schedstat ] || [ -r /proc/self/stat ] || { echo "SKIP: no /proc"; exit 77; }

. "$(dirname "$0")/common.sh"
# the journald cases need a journald of their own: mounts private to this run
[ -n "$JOURNALD" ] && command -v journalctl >/dev/null 2>&1 &&
	private_namespace ${ORIG_ARGS[@]+"${ORIG_ARGS[@]}"}

D=$(mktemp -d /tmp/cnprocd-bench.XXXXXX)
RUN=$$
KEEP_PIDS=
JPID=
CRASHED=
OWN_CG=
ORIG_CG=

cleanup() {
	for p in $KEEP_PIDS $JPID; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$D"
	if [ -n "$OWN_CG" ]; then
		echo $$ >"$ORIG_CG/cgroup.procs" 2>/dev/null
		# the last children may take a moment to be gone
		for _i in $(seq 50); do
			rmdir "$OWN_CG" 2>/dev/null && break
			sleep 0.2
		done
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ---

# on-CPU time of all threads of PID in ns (schedstat), else clock ticks from stat
cpu_ns() {
	if [ -r "/proc/$1/schedstat" ]; then
		cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
	else
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f\n", ($12 + $13) * 1e9 / hz }' \
			"/proc/$1/stat" 2>/dev/null
	fi
}

# CPU time the whole machine was busy, in ns (/proc/stat: all but idle and iowait)
busy_ns() {
	awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {
		printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e9 / hz; exit }' /proc/stat
}

# other_listeners [PID...]: proc connector listeners other than PID..., as
# "port(comm)"; every event is delivered to them too, which the storms pay for
other_listeners() {
	# the sockets of the given processes, by inode: a second socket of a process
	# has a port id of the kernel's choosing, not its pid
	_skip=" $(for _p in "$@"; do ls -l "/proc/$_p/fd" 2>/dev/null; done |
		sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p' | tr '\n' ' ') "
	# NETLINK_CONNECTOR is protocol 11; CN_IDX_PROC is group bit 1 (last hex digit odd)
	awk -v skip="$_skip" '$2 == 11 && $3 != 0 && index(skip, " " $10 " ") == 0 &&
		index("13579bdfBDF", substr($4, length($4), 1)) { print $3 }' /proc/net/netlink 2>/dev/null |
	while read -r _p; do
		printf '%s(%s) ' "$_p" "$(cat "/proc/$_p/comm" 2>/dev/null || echo '?')"
	done
}

# status_kb PID FIELD: VmHWM, VmRSS... in KiB
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# wait_drain PID...: until they caught up with the storm (30 s at most). A listener
# with a backlog works flat out; one that caught up only follows the rest of the
# machine, which may keep it busy a little for ever, so "quiet" is < 20 % of a CPU
# over two samples in a row.
wait_drain() {
	_quiet=0 _n=0
	_prev=$(for p in "$@"; do cpu_ns "$p"; done | awk '{ s += $1 } END { printf "%.0f", s }')
	while [ $_quiet -lt 2 ] && [ $_n -lt 120 ]; do
		sleep $DRAIN_STEP
		_cur=$(for p in "$@"; do cpu_ns "$p"; done | awk '{ s += $1 } END { printf "%.0f", s }')
		if awk -v a="$_prev" -v b="$_cur" -v t=$DRAIN_STEP 'BEGIN { exit !(b - a < 2e8 * t) }'; then
			_quiet=$((_quiet + 1))
		else
			_quiet=0
		fi
		_prev=$_cur
		_n=$((_n + 1))
	done
}

# kv FILE KEY: the value of the last KEY=value in FILE
kv() {
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) { n = index($i, "=")
		if (n && substr($i, 1, n - 1) == k) v = substr($i, n + 1) } } END { print v }' "$1" 2>/dev/null
}

# calc EXPR: floating point arithmetic on known operands
fmt_rate() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
fmt_ratio() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
# against a target: a third decimal where two would round onto the wrong side of it
fmt_vs() {
	awk -v v="$1" -v t="$2" 'BEGIN { r = sprintf("%.2f", v)
		printf (((v < t) != (r + 0 < t)) ? "%.3f" : "%.2f"), v }'
}
fmt_us() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f us", v }'; }
fmt_mib() { [ -z "$1" ] || [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1024 }'; }

row() {
	printf '%-8s %-18s %8s %6s %9s %9s %9s %10s %9s %8s  %s\n' "$@"
}

# argv_check PIDMAP RUNID < "PID ARGV..." lines: how the exec storm's processes
# were reported. ok: the marker of that very process; wrong: another process's
# marker; unread: marked as not readable; empty: an empty command line, not
# marked; comm: only the command name; parent: the storm's own command line
# (what the child inherited at fork). A record of a storm pid that fits none of
# these is another program that got the pid later, and is not counted.
argv_check() {
	awk -v runid="$2" -v mapf="$1" '
	BEGIN {
		while ((getline l < mapf) > 0) { split(l, a, " "); pid[a[2]] = a[1]; storm[a[1]] = 1 }
		pre = "cnprocd-bench-" runid "-"
	}
	{
		p = $1; sub(/\+$/, "", p)
		t = $0; sub(/^[^ ]+ */, "", t)
		i = index(t, pre)
		if (i) {
			n = substr(t, i + length(pre)); match(n, /^[0-9]+/); n = substr(n, 1, RLENGTH)
			if ((n in pid) && pid[n] == p) {
				if (!(n in seen)) { seen[n] = 1; ok++ } else dup++
			} else { wrong++; if (ws == "") ws = $0 }
		} else if (p in storm) {
			if (t == "<unread>") unread++
			else if (t ~ /^(|\047\047|""|\[\]|\[""\])$/) { empty++; if (es == "") es = $0 }
			else if (t == "true" || t == "[true]") comm++
			else if (index(t, runid)) { parent++; if (os == "") os = $0 }
		}
	}
	END {
		printf "ok=%d wrong=%d unread=%d empty=%d comm=%d parent=%d dup=%d\n",
			ok, wrong, unread, empty, comm, parent, dup
		if (ws != "") print "wrong_sample: " ws
		if (os != "") print "parent_sample: " os
		if (es != "") print "empty_sample: " es
	}'
}

# journal_volume PID: "RECORDS BYTES" that process has in the journal (bytes as
# journalctl's export format has them: every field, name and value)
journal_volume() {
	journalctl --sync 2>/dev/null
	journalctl --no-pager -q -o export _PID="$1" 2>/dev/null |
		awk '/^__CURSOR=/ { n++ } { b += length($0) + 1 } END { printf "%d %d\n", n, b }'
}

# volume_delta "N0 B0" "N1 B1" SECONDS: what was written in between, and per second
volume_delta() {
	awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { split(a, x, " "); split(b, y, " ")
		n = y[1] - x[1]; k = (y[2] - x[2]) / 1024
		printf "%d records %.0f KiB (%.1f records/s, %.1f KiB/s)", n, k, (s > 0 ? n / s : 0), (s > 0 ? k / s : 0) }'
}

cnprocctl_stats() {
	"$CNPROCCTL" --socket "$1" --json status 2>/dev/null |
		jq -r '[((.events | add) + .thread_events_folded), .lost_events, .kernel_drops,
			.enobufs, .sequence_gaps, .resyncs, .records_logged, .records_suppressed,
			.processes] | @tsv' 2>/dev/null
}

# start_listener CASE OUT ERR: LPID, the process to measure, running and subscribed
LPID=
start_listener() {
	LPID=
	case $1 in
	none)
		return 0 ;;
	ref|ref8m)
		if [ "$1" = ref8m ]; then
			"$REFLISTEN" --rcvbuf 8M >"$2" 2>"$3" &
		else
			"$REFLISTEN" >"$2" 2>"$3" &
		fi
		LPID=$!
		wait_until 5 grep -qs '^ready' "$2" ;;
	cnprocd|lean|hash|json|journal|volume)
		rm -f "$D/sock"
		case $1 in
		cnprocd) $CNPROCD_PREFIX "$CNPROCD" -c "$CNPROCD_CONF" --log-target=console \
				--varlink-socket="$D/sock" >"$2" 2>"$3" & ;;
		lean) $CNPROCD_PREFIX "$CNPROCD" -c "$D/lean.conf" --log-target=console \
				--varlink-socket="$D/sock" >"$2" 2>"$3" & ;;
		hash) $CNPROCD_PREFIX "$CNPROCD" -c "$D/hash.conf" --log-target=console \
				--varlink-socket="$D/sock" >"$2" 2>"$3" & ;;
		json) $CNPROCD_PREFIX "$CNPROCD" -c "$D/all-exec.conf" --json \
				--varlink-socket="$D/sock" >"$2" 2>"$3" & ;;
		journal) $CNPROCD_PREFIX "$CNPROCD" -c "$D/all-exec.conf" --log-target=journal \
				--varlink-socket="$D/sock" >"$2" 2>"$3" & ;;
		volume) $CNPROCD_PREFIX "$CNPROCD" -c "$CNPROCD_CONF" --log-target=journal \
				--varlink-socket="$D/sock" >"$2" 2>"$3" & ;;
		esac
		LPID=$!
		wait_until 10 "$CNPROCCTL" --socket "$D/sock" status >/dev/null 2>&1 ;;
	forkstat)
		forkstat -e all -S -l >"$2" 2>"$3" &
		LPID=$!
		# it prints its heading once subscribed
		wait_until 3 grep -qs 'Event' "$2"
		return 0 ;;
	extrace)
		extrace -f >"$2" 2>"$3" &
		LPID=$!
		sleep "$SETTLE"
		kill -0 "$LPID" 2>/dev/null ;;
	esac
}

# gone PID: exited (a zombie counts)
gone() {
	! kill -0 "$1" 2>/dev/null ||
		[ "$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# stop_listener CASE: 0, or 1 if it crashed; LRC is its exit status
stop_listener() {
	LRC=0
	[ -n "$LPID" ] || return 0
	# forkstat prints its statistics on SIGINT; extrace stops on SIGTERM only
	case $1 in
	forkstat) kill -INT "$LPID" 2>/dev/null ;;
	*) kill -TERM "$LPID" 2>/dev/null ;;
	esac
	if ! wait_until 10 gone "$LPID"; then
		notes="$notes did not stop within 10 s of the signal, killed;"
		kill -KILL "$LPID" 2>/dev/null
	fi
	wait "$LPID"
	LRC=$?
	case $1 in
	ref|ref8m|cnprocd|lean|hash|json|journal|volume) [ $LRC = 0 ] || return 1 ;;
	# forkstat and extrace: only a fatal signal is a crash (their exit codes vary)
	*) case $LRC in 132|134|135|136|139) return 1 ;; esac ;;
	esac
	return 0
}

case_label() {
	case $1 in
	none) echo "no listener" ;;
	ref) echo "reflisten" ;;
	ref8m) echo "reflisten 8M" ;;
	cnprocd) echo "cnprocd shipped" ;;
	lean) echo "cnprocd lean" ;;
	hash) echo "cnprocd exe-hash" ;;
	json) echo "cnprocd json exec" ;;
	journal) echo "cnprocd journal" ;;
	volume) echo "cnprocd shipped, journal" ;;
	*) echo "$1" ;;
	esac
}

available() {
	case $1 in
	forkstat|extrace) command -v "$1" >/dev/null 2>&1 ;;
	journal|volume) [ -n "$JOURNAL_OK" ] ;;
	*) return 0 ;;
	esac
}

# pids cgroup limit: PIDS_ROOM left over this cgroup and its ancestors, the
# tightest one in PIDS_LIMIT
pids_headroom() {
	_cg=$(awk -F: '$2 == "pids" { print $3 }' /proc/self/cgroup)
	if [ -n "$_cg" ]; then
		_base=/sys/fs/cgroup/pids
	else
		_cg=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
		_base=/sys/fs/cgroup
	fi
	_room=
	while :; do
		_max=$(cat "$_base$_cg/pids.max" 2>/dev/null)
		_cur=$(cat "$_base$_cg/pids.current" 2>/dev/null)
		if [ -n "$_max" ] && [ "$_max" != max ] && [ -n "$_cur" ]; then
			_r=$((_max - _cur))
			[ -z "$_room" ] || [ $_r -lt $_room ] && { _room=$_r; PIDS_LIMIT="$_max ($_base$_cg)"; }
		fi
		[ -z "$_cg" ] || [ "$_cg" = / ] && break
		_cg=$(dirname "$_cg")
	done
	PIDS_ROOM=$_room
}

# own_pids_cgroup: move this shell (and so all it starts from now on) into a new
# pids cgroup at the root of the hierarchy; OWN_CG and ORIG_CG, or false
own_pids_cgroup() {
	if grep -q '^[0-9]*:pids:' /proc/self/cgroup && [ -d /sys/fs/cgroup/pids ]; then
		_root=/sys/fs/cgroup/pids
		ORIG_CG=$_root$(awk -F: '$2 == "pids" { print $3 }' /proc/self/cgroup)
	elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		_root=/sys/fs/cgroup
		ORIG_CG=$_root$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	else
		return 1
	fi
	_new=$_root/cnprocd-bench-$$
	mkdir "$_new" 2>/dev/null || return 1
	if ! echo $$ >"$_new/cgroup.procs" 2>/dev/null; then
		rmdir "$_new"
		return 1
	fi
	OWN_CG=$_new
}

# capacity DIVISOR: CAP, how many processes the benchmark may add while leaving
# 1/DIVISOR of every limit (at least 1000) to the rest of the machine; CAP_WHY
capacity() {
	_tasks=$(ls -d /proc/[0-9]*/task/* 2>/dev/null | wc -l)
	_pidmax=$(cat /proc/sys/kernel/pid_max)
	_thrmax=$(cat /proc/sys/kernel/threads-max)
	_cap=$((_pidmax - _tasks - (_pidmax / $1 > 1000 ? _pidmax / $1 : 1000)))
	CAP_WHY="pid_max $_pidmax"
	_c2=$((_thrmax - _tasks - (_thrmax / $1 > 1000 ? _thrmax / $1 : 1000)))
	[ $_c2 -lt $_cap ] && { _cap=$_c2; CAP_WHY="threads-max $_thrmax"; }
	PIDS_LIMIT=
	pids_headroom
	if [ -n "$PIDS_ROOM" ]; then
		_lim=${PIDS_LIMIT%% *}
		_c3=$((PIDS_ROOM - (_lim / $1 > 1000 ? _lim / $1 : 1000)))
		[ $_c3 -lt $_cap ] && { _cap=$_c3; CAP_WHY="pids.max $PIDS_LIMIT"; }
	fi
	[ $_cap -lt 0 ] && _cap=0
	CAP=$_cap
}

# --- one case ---

# results per storm, for the summary: R_<storm>_<case>_<what>
# results per storm and round, for the summary: R_<storm>_<case>_<what>_<round>
set_result() { eval "R_$1_$2_$3_$ROUND=\$4"; }
get_result() { eval "echo \${R_$1_$2_$3_$ROUND:--}"; }

# median STORM CASE WHAT: over the rounds, "-" if none has a figure
median() {
	for ROUND in $(seq "$ROUNDS"); do get_result "$@"; done | grep -v '^-$' | tr -d '%' |
		sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"
			else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# total STORM CASE WHAT: sum over the rounds
total() {
	for ROUND in $(seq "$ROUNDS"); do get_result "$@"; done | grep -v '^-$' |
		awk '{ s += $1; n++ } END { print n ? s : "-" }'
}

CASENO=0
ROUND=1
run_case() {
	storm=$1 c=$2
	label=$storm
	[ "$ROUNDS" -gt 1 ] && label=$storm/$ROUND
	CASENO=$((CASENO + 1))
	runid=${RUN}x$CASENO
	out=$D/$storm-$c.out err=$D/$storm-$c.err
	sout=$D/$storm-$c.storm
	pidmap=$D/$storm-$c.pidmap
	notes=

	if ! start_listener "$c" "$out" "$err"; then
		row "$label" "$(case_label "$c")" - - - - - - - - "did not start: $(head -c 200 "$err" 2>/dev/null)"
		[ -n "$LPID" ] && { kill -KILL "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; }
		return
	fi
	[ -n "$LPID" ] && KEEP_PIDS="$KEEP_PIDS $LPID"
	sleep "$SETTLE"

	cpu0=- cpu1=- st0= st1= jcpu0= jcpu1=
	[ -n "$LPID" ] && cpu0=$(cpu_ns "$LPID")
	case $c in cnprocd|lean|hash|json|journal|volume) st0=$(cnprocctl_stats "$D/sock") ;; esac
	[ "$c" = journal ] && jcpu0=$(cpu_ns "$JPID")
	[ "$c" = volume ] && vol0=$(journal_volume "$LPID")

	case $storm in
	burst) set -- burst "$BURST_N_RUN" "$BURST_P" ;;
	exec) set -- -d "$DURATION" -p "$pidmap" exec ;;
	*) set -- -d "$DURATION" "$storm" ;;
	esac
	others=$(other_listeners ${LPID:-})
	[ -n "$others" ] && notes="$notes other listeners: ${others% };"
	busy0=$(busy_ns)
	"$STORM" -r "$runid" "$@" >"$sout" 2>"$D/storm.err"
	src=$?
	busy1=$(busy_ns)
	cpu_mid=0 jcpu_mid=0
	if [ -n "$LPID" ] && gone "$LPID"; then
		notes="$notes exited during the storm;"
		cpu0=-
	elif [ -n "$LPID" ]; then
		cpu_mid=$(( $(cpu_ns "$LPID") - cpu0 ))
		[ "$c" = journal ] && jcpu_mid=$(( $(cpu_ns "$JPID") - jcpu0 ))
		if [ "$c" = journal ]; then wait_drain "$LPID" "$JPID"; else wait_drain "$LPID"; fi
		cpu1=$(cpu_ns "$LPID")
		hwm=$(status_kb "$LPID" VmHWM)
	fi
	case $c in cnprocd|lean|hash|json|journal|volume) st1=$(cnprocctl_stats "$D/sock") ;; esac
	[ "$c" = journal ] && jcpu1=$(cpu_ns "$JPID")
	if [ "$c" = volume ]; then
		vol1=$(journal_volume "$LPID")
		notes="$notes journal +$(volume_delta "$vol0" "$vol1" "$(kv "$sout" elapsed)");"
		set_result "$storm" volume journal "$(volume_delta "$vol0" "$vol1" "$(kv "$sout" elapsed)")"
	fi

	if ! stop_listener "$c"; then
		CRASHED="$CRASHED $c($storm, status $LRC)"
		notes="$notes CRASHED (status $LRC): $(tail -n 3 "$err" | tr '\n' ' ');"
	fi
	KEEP_PIDS=${KEEP_PIDS% $LPID}

	if [ $src != 0 ] || ! grep -q '^mode=' "$sout"; then
		CRASHED="$CRASHED storm($storm)"
		row "$label" "$(case_label "$c")" - - - - - - - - "storm failed: $(head -c 300 "$D/storm.err")"
		return
	fi
	rate=$(kv "$sout" rate)
	lifecycles=$(kv "$sout" lifecycles)
	expected=$(kv "$sout" expected_events)
	set_result "$storm" "$c" rate "$rate"
	ref_rate=$(get_result "$storm" ref rate)
	none_rate=$(get_result "$storm" none rate)
	ratio=-
	[ "$c" != none ] && [ "$ref_rate" != - ] && ratio=$(calc "$rate / $ref_rate")
	[ "$c" != none ] && [ "$none_rate" != - ] &&
		notes="$notes $(fmt_ratio "$(calc "$rate / $none_rate")") of the no-listener rate;"
	received=- lost=- cpuev=- argv=- denom=
	cpu=-
	[ "$cpu0" != - ] && [ -n "$cpu0" ] && [ -n "$cpu1" ] && cpu=$((cpu1 - cpu0))

	case $c in
	ref|ref8m)
		received=$(kv "$out" events)
		lost=$(kv "$out" seq_gaps)
		denom=$((received + lost))
		drops=$(kv "$out" drops)
		notes="$notes drops=$drops enobufs=$(kv "$out" enobufs) seq_gaps=$lost rcvbuf=$(kv "$out" rcvbuf);"
		[ "$drops" != "$lost" ] && notes="$notes kernel drops != sequence gaps;"
		;;
	cnprocd|lean|hash|json|journal|volume)
		if [ -n "$st0" ] && [ -n "$st1" ]; then
			read -r ev0 lo0 kd0 nb0 sg0 rs0 rl0 su0 _ <<<"$st0"
			read -r ev1 lo1 kd1 nb1 sg1 rs1 rl1 su1 _ <<<"$st1"
			received=$((ev1 - ev0))
			lost=$((lo1 - lo0))
			denom=$((received + lost))
			notes="$notes kernel_drops=$((kd1 - kd0)) enobufs=$((nb1 - nb0)) seq_gaps=$((sg1 - sg0)) resyncs=$((rs1 - rs0)) records=$((rl1 - rl0)) suppressed=$((su1 - su0));"
		else
			notes="$notes no statistics from cnprocctl;"
		fi
		;;
	forkstat)
		# the -S table: one line per process, the 10th column is its total
		received=$(awk '/^ *Fork +Exec +Exit/ { t = 1; next }
			t && $1 ~ /^[0-9]+$/ && $10 ~ /^[0-9]+$/ { s += $10 } END { print s + 0 }' "$out")
		[ "$received" -lt "$expected" ] && lost="~$((expected - received))"
		denom=$received
		;;
	extrace)
		# it reports execs only: nothing to count in the other storms
		denom=
		if [ "$storm" = exec ]; then
			expected=$((lifecycles + 1))
			received=$(grep -c . "$out")
			[ "$received" -lt "$expected" ] && lost="~$((expected - received))"
			notes="$notes execs only;"
		else
			expected=-
		fi
		;;
	esac
	# per event the kernel produced: a listener that lost events, or filtered
	# them out in the kernel, still pays for watching them happen
	se=$(kv "$sout" expected_events)
	[ -z "$denom" ] || [ "$denom" -lt "$se" ] && denom=$se
	if [ "$cpu" != - ] && [ -n "$denom" ] && [ "$denom" -gt 0 ] 2>/dev/null; then
		cpuev=$(calc "$cpu / 1000 / $denom")
	fi
	if [ "$c" = journal ] && [ -n "$jcpu0" ] && [ -n "$jcpu1" ] && [ -n "$denom" ] && [ "$denom" -gt 0 ]; then
		notes="$notes journald +$(fmt_us "$(calc "($jcpu1 - $jcpu0) / 1000 / $denom")")/event;"
	fi

	if [ "$storm" = exec ]; then
		argvf=$D/$storm-$c.argv
		case $c in
		json)
			jq -r 'select(.event == "exec") | "\(.pid) \(if .argv then (.argv | join(" "))
				elif .unread then "<unread>" else "" end)"' "$out" 2>/dev/null ;;
		journal)
			journalctl --no-pager -q -o json CNPROCD_EVENT=exec _PID="$LPID" 2>/dev/null |
				jq -r '"\(.CNPROCD_PID) \(if (.CNPROCD_CMDLINE | type) == "string" then .CNPROCD_CMDLINE
					elif .CNPROCD_UNREAD then "<unread>" else "" end)"' 2>/dev/null ;;
		forkstat)
			awk '$2 == "exec" { p = $3; sub(/^ *[^ ]+ +[^ ]+ +[^ ]+ */, "")
				if ($0 == "<unknown>") $0 = "<unread>"; print p, $0 }' "$out" ;;
		extrace)
			cat "$out" ;;
		cnprocd|lean|hash)
			# rate-limited by the shipped rules: checked for wrong data, no share
			sed -n -e 's/.* exec  *pid=\([0-9]*\) .*argv=? (exited.*/\1 <unread>/p;t' \
				-e 's/ rule=[^ ]*$//; s/ unit=[^ ]*$//' \
				-e 's/.* exec  *pid=\([0-9]*\) .*argv=\[\(.*\)\]$/\1 \2/p' "$out" ;;
		*) : ;;
		esac >"$argvf"
		case $c in
		json|journal|forkstat|extrace|cnprocd|lean|hash)
			res=$(argv_check "$pidmap" "$runid" <"$argvf")
			ok=$(echo "$res" | kv /dev/stdin ok)
			ok=${ok:-0}
			set -- $(echo "$res" | head -n 1)
			if [ "$c" = cnprocd ] || [ "$c" = lean ] || [ "$c" = hash ]; then
				argv="rl"
			else
				argv=$(calc "100 * $ok / $lifecycles")
				argv=$(awk -v v="$argv" 'BEGIN { printf "%.1f%%", v }')
				set_result exec "$c" argv "$argv"
			fi
			notes="$notes argv: $*;"
			w=$(echo "$res" | sed -n 's/^wrong_sample: //p')
			[ -n "$w" ] && notes="$notes ANOTHER PROCESS'S ARGV e.g. \"$w\";"
			o=$(echo "$res" | sed -n 's/^parent_sample: //p')
			[ -n "$o" ] && notes="$notes THE PARENT'S ARGV e.g. \"$o\";"
			o=$(echo "$res" | sed -n 's/^empty_sample: //p')
			[ -n "$o" ] && notes="$notes empty and not marked unread e.g. \"$o\";"
			;;
		esac
	fi
	# CPU the rest of the machine used meanwhile: how much to trust this row
	other=$(awk -v b="$((busy1 - busy0))" -v s="$(kv "$sout" cpu)" -v l="$((cpu_mid + jcpu_mid))" \
		-v e="$(kv "$sout" elapsed)" 'BEGIN { o = (b - s * 1e9 - l) / 1e9 / e; printf "%.2f", o < 0 ? 0 : o }')
	notes="other load $other CPU;$notes"
	[ "$storm" = burst ] && notes="$notes fork phase $(kv "$sout" fork_phase)s, exit phase $(kv "$sout" exit_phase)s;"
	[ "$(kv "$sout" errors)" != 0 ] && notes="$notes storm errors=$(kv "$sout" errors);"

	set_result "$storm" "$c" lost "$lost"
	set_result "$storm" "$c" cpuev "$cpuev"
	set_result "$storm" "$c" ratio "$ratio"
	set_result "$storm" "$c" hwm "${hwm:-}"
	[ "$c" = none ] && hwm=
	row "$label" "$(case_label "$c")" "$(fmt_rate "$rate")" "$(fmt_ratio "$ratio")" \
		"${expected:--}" "$received" "$lost" "$(fmt_us "$cpuev")" "$(fmt_mib "${hwm:--}")" \
		"$argv" "${notes# }"
	hwm=
}

# --- the table-size case ---

run_hold() {
	n=$1
	echo
	echo "Table size: cnprocd with $n live sleeping processes (storm hold $n)"
	rm -f "$D/sock" "$D/sockB"
	"$CNPROCD" -c "$CNPROCD_CONF" --log-target=console --varlink-socket="$D/sock" \
		>/dev/null 2>"$D/hold-a.err" &
	A=$!
	KEEP_PIDS="$KEEP_PIDS $A"
	if ! wait_until 10 "$CNPROCCTL" --socket "$D/sock" status >/dev/null 2>&1; then
		echo "  cnprocd did not start: $(head -c 300 "$D/hold-a.err")"
		return
	fi
	F=
	if available forkstat && case " $CASES " in *" forkstat "*) true ;; *) false ;; esac; then
		forkstat -e all >/dev/null 2>&1 &
		F=$!
		KEEP_PIDS="$KEEP_PIDS $F"
	fi
	sleep "$SETTLE"
	procs0=$(cnprocctl_stats "$D/sock" | cut -f9)
	rss0=$(status_kb "$A" VmRSS)
	anon0=$(status_kb "$A" RssAnon)
	hwm0=$(status_kb "$A" VmHWM)
	frss0=
	[ -n "$F" ] && frss0=$(status_kb "$F" VmRSS)

	"$STORM" hold "$n" >"$D/hold.out" 2>"$D/hold.err" &
	H=$!
	KEEP_PIDS="$KEEP_PIDS $H"
	if ! wait_until 120 grep -qs 'held=' "$D/hold.out"; then
		echo "  storm hold did not get ready: $(head -c 300 "$D/hold.err")"
		CRASHED="$CRASHED storm(hold)"
		return
	fi
	held=$(kv "$D/hold.out" held)
	wait_drain "$A" ${F:+"$F"}
	procs1=$(cnprocctl_stats "$D/sock" | cut -f9)
	rss1=$(status_kb "$A" VmRSS)
	anon1=$(status_kb "$A" RssAnon)
	hwm1=$(status_kb "$A" VmHWM)
	# an administrator lists them: the reply is as large as the table
	rssL= hwmL= anonL= procsL=-
	if "$CNPROCCTL" --socket "$D/sock" ps >"$D/hold.ps" 2>"$D/hold.ps.err"; then
		procsL=$(($(wc -l <"$D/hold.ps") - 1))
		rssL=$(status_kb "$A" VmRSS)
		anonL=$(status_kb "$A" RssAnon)
		hwmL=$(status_kb "$A" VmHWM)
	fi

	"$CNPROCD" -c "$CNPROCD_CONF" --log-target=console --varlink-socket="$D/sockB" \
		>/dev/null 2>"$D/hold-b.err" &
	B=$!
	KEEP_PIDS="$KEEP_PIDS $B"
	procsB=- rssB= hwmB= anonB=
	if wait_until 30 "$CNPROCCTL" --socket "$D/sockB" status >/dev/null 2>&1; then
		wait_drain "$B"
		procsB=$(cnprocctl_stats "$D/sockB" | cut -f9)
		rssB=$(status_kb "$B" VmRSS)
		anonB=$(status_kb "$B" RssAnon)
		hwmB=$(status_kb "$B" VmHWM)
	fi
	kill -TERM "$B" 2>/dev/null
	wait "$B" || CRASHED="$CRASHED cnprocd(hold scan)"
	frss1= fhwm1=
	[ -n "$F" ] && { frss1=$(status_kb "$F" VmRSS); fhwm1=$(status_kb "$F" VmHWM); }

	kill -TERM "$H" 2>/dev/null
	wait "$H" || CRASHED="$CRASHED storm(hold)"
	wait_drain "$A"
	procs2=$(cnprocctl_stats "$D/sock" | cut -f9)
	rss2=$(status_kb "$A" VmRSS)
	anon2=$(status_kb "$A" RssAnon)
	hwm2=$(status_kb "$A" VmHWM)
	kill -TERM "$A" 2>/dev/null
	wait "$A" || CRASHED="$CRASHED cnprocd(hold)"
	if [ -n "$F" ]; then
		kill -INT "$F" 2>/dev/null
		wait_until 10 gone "$F" || kill -KILL "$F" 2>/dev/null
		wait "$F" 2>/dev/null
	fi

	# RssAnon is the daemon's own memory; the rest of VmRSS is mapped libraries
	printf '  %-40s %7s tracked  VmRSS %9s  VmHWM %9s  RssAnon %9s\n' \
		"cnprocd before the storm (idle)" "$procs0" "$(fmt_mib "$rss0")" "$(fmt_mib "$hwm0")" "$(fmt_mib "$anon0")" \
		"cnprocd running, saw the $held forks" "$procs1" "$(fmt_mib "$rss1")" "$(fmt_mib "$hwm1")" "$(fmt_mib "$anon1")" \
		"... after cnprocctl ps listed them" "$procsL" "$(fmt_mib "$rssL")" "$(fmt_mib "$hwmL")" "$(fmt_mib "$anonL")" \
		"cnprocd started after (/proc scan)" "$procsB" "$(fmt_mib "$rssB")" "$(fmt_mib "$hwmB")" "$(fmt_mib "$anonB")" \
		"cnprocd after they all exited" "$procs2" "$(fmt_mib "$rss2")" "$(fmt_mib "$hwm2")" "$(fmt_mib "$anon2")"
	[ -n "$F" ] && printf '  %-40s %7s          VmRSS %s  VmHWM %9s\n' \
		"forkstat (idle -> with the $held)" "" "$(fmt_mib "$frss0") -> $(fmt_mib "$frss1")" "$(fmt_mib "$fhwm1")"
	# the target holds for a daemon that is also asked about its table
	HOLD_RSS=$rss1 HOLD_HWM=$hwm1 HOLD_N_DONE=$held
	[ -n "$rssL" ] && [ "$rssL" -gt "$rss1" ] 2>/dev/null && HOLD_RSS=$rssL
	if [ "$held" -lt 10000 ] && [ "$held" -gt 0 ]; then
		HOLD_EXTRA=$(awk -v a="$rss0" -v b="$rss1" -v n="$held" \
			'BEGIN { printf "%.0f", a + (b - a) * 10000 / n }')
		printf '  %-40s %7s          VmRSS %9s  (linear: idle + per-process growth x 10000)\n' \
			"extrapolated to 10000 processes" "" "$(fmt_mib "$HOLD_EXTRA")"
	fi
}

# --- main ---

printf '[cnprocd]\ndefault-action = ignore\nrate-limit = none\n\n[rule all-exec]\nevent = exec\nrate-limit = none\n' \
	>"$D/all-exec.conf"
# the shipped rules, without the exec prefetch: what reading argv at once costs
{ cat "$CNPROCD_CONF"; printf '\n[cnprocd]\nexec-prefetch = no\n'; } >"$D/lean.conf"
{ cat "$CNPROCD_CONF"; printf '\n[cnprocd]\nexe-hash = sha256\n'; } >"$D/hash.conf"

JOURNAL_OK=
case " $CASES " in
*" journal "*|*" volume "*)
	# what is counted is what cnprocd sent, not what journald's own rate limit let in
	if start_journal cnprocd-bench RateLimitIntervalSec=0 RateLimitBurst=0; then
		JOURNAL_OK=1
	else
		echo "note: the journald case is skipped (no private systemd-journald possible here)"
	fi ;;
esac

# A pids.max on our cgroup (systemd's DefaultTasksMax, 15% of pid_max, on the scope
# a shell runs in) would cap the burst and the table-size case far below 5,000 and
# 10,000. Like `systemd-run -p TasksMax=infinity`, the benchmark moves itself into a
# pids cgroup of its own under the root (and back at the end), where it can.
CG_NOTE=
PIDS_LIMIT=
pids_headroom
if [ -n "$PIDS_ROOM" ] && [ "$OWN_CGROUP" = 1 ] && own_pids_cgroup; then
	CG_NOTE="storms run in pids cgroup ${OWN_CG#/sys/fs/cgroup}, without the pids.max $PIDS_LIMIT of ${ORIG_CG#/sys/fs/cgroup} (--no-cgroup keeps it)"
fi

# the burst lasts a fraction of a second: a fifth of the limits stays free; the
# hold lasts seconds: half of them, so that nothing else on the machine starves
BURST_N_RUN=$BURST_N
HOLD_N_RUN=$HOLD_N
CAP_NOTE=
capacity 5
if [ "$BURST_N" -gt "$CAP" ]; then
	BURST_N_RUN=$CAP
	CAP_NOTE="burst capped from $BURST_N to $CAP by $CAP_WHY (a fifth of it stays free)"
fi
capacity 2
if [ "$HOLD_N" -gt "$CAP" ]; then
	HOLD_N_RUN=$CAP
	CAP_NOTE="${CAP_NOTE:+$CAP_NOTE; }hold capped from $HOLD_N to $CAP by $CAP_WHY (half of it stays free)"
fi

ulimit -u unlimited 2>/dev/null || ulimit -u 100000 2>/dev/null

echo "cnprocd benchmark ($( [ "$SHORT" = 1 ] && echo short || echo default ) mode), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(uname -sr), $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "cnprocd: $("$CNPROCD" --version 2>/dev/null | head -n 1); config $CNPROCD_CONF${CNPROCD_PREFIX:+; run under: $CNPROCD_PREFIX}"
printf 'peers: %s, %s\n' \
	"$(command -v forkstat >/dev/null && forkstat -h 2>/dev/null | head -n 1 || echo 'forkstat not installed')" \
	"$(command -v extrace >/dev/null && echo "extrace $(dpkg-query -W -f '${Version}' extrace 2>/dev/null)" || echo 'extrace not installed')"
echo "storms: $DURATION s each over $(nproc) workers; burst $BURST_N_RUN over $BURST_P workers; hold $HOLD_N_RUN"
[ -n "$CG_NOTE" ] && echo "note: $CG_NOTE"
[ -n "$CAP_NOTE" ] && echo "note: $CAP_NOTE"
[ -n "$JOURNAL_OK" ] && echo "journal: a private systemd-journald with its rate limit off"
others=$(other_listeners)
[ -n "$others" ] && echo "note: other proc connector listeners are running (port(comm)): ${others% }"

# what the rest of the machine does meanwhile: events that are not the storm's
"$REFLISTEN" >"$D/bg.out" 2>/dev/null &
bgp=$!
if wait_until 5 grep -qs '^ready' "$D/bg.out"; then
	sleep 1
	kill -TERM $bgp
	wait $bgp
	echo "background: $(kv "$D/bg.out" events) events/s from other processes while idle"
else
	kill -KILL $bgp 2>/dev/null
	wait $bgp 2>/dev/null
fi
# a first exec storm warms the page cache and the allocator, unmeasured
"$STORM" -d 0.5 exec >/dev/null 2>&1

# What the shipped configuration writes to the journal on this machine left alone
# (the storms' rows say what it writes under them)
VOLUME_IDLE=
if case " $CASES " in *" volume "*) available volume ;; *) false ;; esac; then
	idle_s=$([ "$SHORT" = 1 ] && echo 5 || echo 60)
	if start_listener volume "$D/idle.out" "$D/idle.err"; then
		KEEP_PIDS="$KEEP_PIDS $LPID"
		sleep "$SETTLE"
		v0=$(journal_volume "$LPID")
		sleep "$idle_s"
		v1=$(journal_volume "$LPID")
		VOLUME_IDLE="idle $idle_s s: $(volume_delta "$v0" "$v1" "$idle_s")"
		echo "journal volume, shipped configuration, $VOLUME_IDLE"
		stop_listener volume || CRASHED="$CRASHED volume(idle, status $LRC)"
		KEEP_PIDS=${KEEP_PIDS% $LPID}
	fi
fi

echo
row storm listener "rate/s" ratio expected received lost "cpu/event" "peak RSS" argv notes
[ "$BURST_N_RUN" -gt 0 ] || STORMS=$(echo " $STORMS " | sed 's/ burst / /')
for storm in $STORMS; do
	for ROUND in $(seq "$ROUNDS"); do
		for c in $CASES; do
			available "$c" || continue
			# hashing only matters where programs are started
			[ "$c" = hash ] && [ "$storm" != exec ] && continue
			run_case "$storm" "$c"
			sleep "$SETTLE"
		done
	done
done
cat <<'EOF'

rate/s: the storm's lifecycles per second; ratio: to reflisten (kernel default buffer)
in the same storm. expected: events the storm caused (extrace: execs only); received
includes other processes' events. lost: sequence gaps (reflisten) or cnprocd's
lost_events; "~N": expected - received, for tools that do not count their losses.
cpu/event: the listener's CPU time during the storm / the events the kernel produced
(the larger of expected and received + lost). argv: share of the exec storm's
processes reported with their own marker argument (rl: rate-limited by the shipped
rules). other load: CPU used meanwhile by everything but the storm and the listener.
cnprocd lean: the shipped rules with exec-prefetch = no (execs read in their batch).
cnprocd exe-hash: the shipped rules with exe-hash = sha256 (its worker thread counts).
EOF

# The least any listener that reads argv from /proc pays per exec: one read of a
# new process's cmdline. Set against the CPU target it shows whether that target
# and the argv target can hold together on this machine.
PROBE_NS=
case " $STORMS " in
*" exec "*)
	"$STORM" probe "$PROBES" >"$D/probe.out" 2>"$D/probe.err"
	PROBE_NS=$(kv "$D/probe.out" cmdline_cpu_ns)
	if [ -n "$PROBE_NS" ]; then
		echo
		echo "argv floor: reading a new process's /proc/PID/cmdline costs $(fmt_us "$(calc "$PROBE_NS / 1000")") of CPU" \
			"(mean of $(kv "$D/probe.out" probes) programs read the moment their exec is done; storm probe)"
		# what each of cnprocd's exec reads costs, in its order (the README's table)
		line="exec reads, CPU each:"
		for step in dir cmdline exe cwd stat exe_stat exe_dir loginuid cgroup status close; do
			ns=$(kv "$D/probe.out" "read_${step}_ns")
			[ -n "$ns" ] && line="$line $step $(fmt_us "$(calc "$ns / 1000")"),"
		done
		echo "${line%,} (status only for a process whose ids are unknown, loginuid only while unset, exe_dir at most once a second per directory)"
	else
		echo "argv floor: not measured: $(head -c 300 "$D/probe.err")"
	fi
	;;
esac

HOLD_RSS= HOLD_HWM= HOLD_EXTRA= HOLD_N_DONE=
if [ "$HOLD_N_RUN" -gt 0 ]; then
	run_hold "$HOLD_N_RUN"
fi

# --- summary ---
s_ratio=
for storm in fork exec; do
	r=$(median "$storm" cnprocd ratio)
	[ "$r" = - ] && continue
	f=$(fmt_vs "$r" 0.95)
	m=$(awk -v v="$r" 'BEGIN { print (v >= 0.95) ? "" : " MISSED" }')
	s_ratio="$s_ratio $storm $f$m,"
done
s_lost=
for storm in $STORMS; do
	for c in cnprocd lean hash json journal; do
		l=$(total "$storm" "$c" lost)
		[ "$l" = - ] && continue
		s_lost="$s_lost $storm/$c=$l"
	done
done
lost_missed=$(echo "$s_lost" | tr ' ' '\n' | grep -v '=0$' | grep -c '=')
# the CPU targets in force: a third of forkstat's per event in fork storms; in exec
# storms, where an exec's argv can only be read from /proc, forkstat's
s_cpu=
for storm in fork exec; do
	a=$(median "$storm" cnprocd cpuev)
	b=$(median "$storm" forkstat cpuev)
	[ "$a" = - ] || [ "$b" = - ] && continue
	q=$(calc "$a / $b")
	limit=$([ "$storm" = exec ] && echo 1 || echo 0.333333)
	m=$(awk -v v="$q" -v l="$limit" 'BEGIN { print (v <= l) ? "" : " MISSED" }')
	s_cpu="$s_cpu $storm $(fmt_us "$a") vs forkstat $(fmt_us "$b") = $(fmt_vs "$q" "$limit")$m,"
done
s_argv=
for c in json journal; do
	a=$(median exec "$c" argv)
	[ "$a" = - ] && continue
	m=$(awk -v v="$a" 'BEGIN { print (v >= 90) ? "" : " MISSED" }')
	s_argv="$s_argv $c $(awk -v v="$a" 'BEGIN { printf "%.1f%%", v }')$m,"
done
s_rss=-
if [ -n "$HOLD_RSS" ]; then
	v=${HOLD_EXTRA:-$HOLD_RSS}
	m=$(awk -v v="$v" 'BEGIN { print (v < 8192) ? "" : " MISSED" }')
	s_rss="$(fmt_mib "$HOLD_RSS") with $HOLD_N_DONE${HOLD_EXTRA:+ (~$(fmt_mib "$HOLD_EXTRA") at 10000)}$m"
fi
echo
[ "$ROUNDS" -gt 1 ] && echo "(medians of $ROUNDS rounds; lost: totals)"
s_lost=$([ -z "$s_lost" ] && echo " -" || { [ "$lost_missed" = 0 ] && echo " 0 in every storm" || echo "$s_lost MISSED"; })
orna() { [ -n "$1" ] && echo "${1%,}" || echo " -"; }
echo "SUMMARY: cnprocd vs reflisten ratio (>= 0.95):$(orna "$s_ratio"); lost (0):$s_lost;" \
	"CPU/event (fork <= 1/3, exec <= 1x forkstat):$(orna "$s_cpu"); argv (>= 90%):$(orna "$s_argv"); RSS (< 8 MiB): $s_rss"
# the same for exec storms without the prefetch: the price of argv
r=$(median exec lean ratio) a=$(median exec lean cpuev) b=$(median exec forkstat cpuev)
if [ "$r" != - ]; then
	printf 'WITHOUT EXEC PREFETCH (exec-prefetch = no): exec ratio %s' "$(fmt_ratio "$r")"
	[ "$a" != - ] && [ "$b" != - ] &&
		printf ', CPU/event %s = %s of forkstat' "$(fmt_us "$a")" "$(fmt_ratio "$(calc "$a / $b")")"
	printf '; argv then mostly unread\n'
fi
# the same with executables hashed
a=$(median exec hash cpuev) b2=$(median exec forkstat cpuev)
if [ "$a" != - ] && [ "$b2" != - ]; then
	printf 'WITH EXE HASH (exe-hash = sha256): exec CPU/event %s = %s of forkstat\n' \
		"$(fmt_us "$a")" "$(fmt_ratio "$(calc "$a / $b2")")"
fi
# an exec lifecycle is 3 events: the exec target allows 3 x forkstat's per-event
# CPU for the whole lifecycle, argv read included
if [ -n "$PROBE_NS" ] && [ "$b" != - ]; then
	f=$(calc "$PROBE_NS / 1000")
	printf 'EXEC TARGETS: CPU (<= 1x forkstat) allows %s per exec lifecycle (3 events); reading its argv alone costs %s (%s of it)' \
		"$(fmt_us "$(calc "3 * $b")")" "$(fmt_us "$f")" "$(fmt_ratio "$(calc "$f / (3 * $b)")")"
	[ "$a" != - ] && printf '; cnprocd without the prefetch (execs read with their batch, most already gone) %s' "$(fmt_us "$(calc "3 * $a")")"
	printf '\n'
fi

# what the shipped configuration leaves in the journal (README "Asking the past")
s_vol=
for storm in $STORMS; do
	v=$(ROUND=1 get_result "$storm" volume journal)
	[ "$v" = - ] || s_vol="$s_vol $storm storm: $v;"
done
[ -n "$VOLUME_IDLE$s_vol" ] && echo "JOURNAL VOLUME (shipped configuration): ${VOLUME_IDLE:-idle not measured};${s_vol%;}"

if [ -n "$CRASHED" ]; then
	echo "FAILED: crashed:$CRASHED"
	exit 1
fi
exit 0
