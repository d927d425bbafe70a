# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests: they run the real daemon as root on
# the real proc connector. Exit codes follow automake: 0 pass, 1 fail, 77 skip.

set -u

: "${CNPROCD:=$(pwd)/cnprocd}"

# Tests that set NEED_JOURNAL=1 before sourcing this file run in a private mount
# namespace with a journald of their own (start_journal), so they neither see nor
# touch the host's journal.
if [ "${NEED_JOURNAL:-0}" = 1 ] && [ -z "${CNPROCD_TEST_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (private journald)"; exit 77; }
	for c in unshare journalctl; do
		command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c is not installed"; exit 77; }
	done
	unshare -m --propagation private true 2>/dev/null ||
		{ echo "SKIP: cannot create a mount namespace here"; exit 77; }
	CNPROCD_TEST_NS=1 exec unshare -m --propagation private /bin/sh "$0" "$@"
fi
# Built with --enable-asan: memory figures include the sanitizer's own (shadow
# memory, quarantine), so tests print them but do not hold them to bounds; and a
# tool run as another user cannot be checked for leaks (LeakSanitizer needs to
# ptrace itself, which a process that changed its uid may not do).
SANITIZED=0
if command -v ldd >/dev/null 2>&1 && ldd "$CNPROCD" 2>/dev/null | grep -q libasan; then
	SANITIZED=1
fi
# as_user UID:GID COMMAND...: run COMMAND as that user, without leak checks
as_user() {
	_au=${1%%:*}
	_ag=${1#*:}
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		setpriv --reuid="$_au" --regid="$_ag" --clear-groups "$@"
}
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "/tmp/cnprocd-$TEST_NAME.XXXXXX")
DAEMON_PID=
KEEP_PIDS=

cleanup() {
	for p in $DAEMON_PID $KEEP_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

skip() {
	printf "SKIP: %s\n" "$*"
	exit 77
}

fail() {
	printf "FAIL: %s\n" "$*"
	if [ -s "$T/err" ]; then
		echo "--- daemon stderr:"
		tail -n 30 "$T/err"
	fi
	exit 1
}

pass() {
	printf "PASS: %s\n" "$*"
}

# --- JSON checks ---------------------------------------------------------------
# Not jq -e: jq 1.6 exits 0 from jq -e when its input is empty, and looks only at
# the last output. These fail on empty input, on input that is not JSON and when
# FILTER fails (jq -n with inputs: an error in any value ends the run; plain jq 1.6
# would report only the last value's), and then say on stderr what they read.

# json_has FILTER [JQ ARGS...]: the JSON on stdin (one value, or many: journalctl
# -o json gives one object a line) has a value for which FILTER yields a true
# result (anything but false and null). JQ ARGS go to jq: --arg/--argjson, or -s
# to check all values at once (FILTER then sees one array of them).
json_has() {
	_json_check has "$@"
}

# json_none FILTER [JQ ARGS...]: the JSON on stdin is not empty, and FILTER yields
# a true result for none of its values
json_none() {
	_json_check none "$@"
}

_json_check() {
	_jc_mode=$1 _jc_f=$2
	shift 2
	_jc_in=$(mktemp "${T:-${TMPDIR:-/tmp}}/json-check.XXXXXX") || return 1
	cat >"$_jc_in"
	_jc_rc=0
	if [ "$(tr -d ' \t\r\n' <"$_jc_in" | head -c 1 | wc -c)" -eq 0 ]; then
		printf 'json_%s: empty input, no JSON value to check: %s\n' "$_jc_mode" "$_jc_f" >&2
		_jc_rc=1
	# jq prints "VALUES MATCHES", or its error on stderr
	elif ! _jc_r=$(jq -n -r "$@" "reduce (inputs | [$_jc_f] | any) as \$__jc_m ([0, 0];
			[.[0] + 1, .[1] + (if \$__jc_m then 1 else 0 end)]) | \"\\(.[0]) \\(.[1])\"" \
			<"$_jc_in" 2>"$_jc_in.err"); then
		printf 'json_%s: invalid JSON, or the filter failed: %s\n  filter: %s\n' \
			"$_jc_mode" "$(head -n 3 "$_jc_in.err" | cut -c 1-300)" "$_jc_f" >&2
		_jc_rc=1
	else
		_jc_n=${_jc_r% *} _jc_m=${_jc_r#* }
		if [ "$_jc_mode" = has ] && [ "$_jc_m" = 0 ]; then
			printf 'json_has: none of %s JSON value(s) matches: %s\n' "$_jc_n" "$_jc_f" >&2
			_jc_rc=1
		elif [ "$_jc_mode" = none ] && [ "$_jc_m" != 0 ]; then
			printf 'json_none: %s of %s JSON value(s) match: %s\n' "$_jc_m" "$_jc_n" \
				"$_jc_f" >&2
			echo "--- the first of them:" >&2
			jq -n -c "$@" "inputs | select([$_jc_f] | any)" <"$_jc_in" 2>&1 | head -n 3 |
				cut -c 1-1000 >&2
			_jc_rc=1
		fi
	fi
	[ $_jc_rc = 0 ] || _json_show "$_jc_in"
	rm -f "$_jc_in" "$_jc_in.err"
	return $_jc_rc
}

# _json_show FILE: what a JSON check read, on stderr; the start and the end if huge
_json_show() {
	_js_n=$(wc -c <"$1")
	if [ "$_js_n" -le 4096 ]; then
		echo "--- read ($_js_n bytes):"
		cat "$1"
	else
		echo "--- read ($_js_n bytes, $(wc -l <"$1") lines), the first 3072 and the last 1024 bytes:"
		head -c 3072 "$1"
		printf '\n[...]\n'
		tail -c 1024 "$1"
	fi
	[ -z "$(tail -c 1 "$1")" ] || echo
	echo "---"
} >&2

# marked_records EVENT TAG [SELECT]: the JSON records in $T/out (cnprocd --json) of
# EVENT whose last argument is the test's marker "$M-TAG", and that the jq
# condition SELECT keeps
marked_records() {
	complete_lines "$T/out" | jq -c --arg e "$1" --arg m "$M-$2" \
		"select(.event == \$e and .argv[-1] == \$m) | select(${3:-true})" 2>/dev/null
}

# expect_marked EVENT TAG CHECK [SELECT]: such a record comes (10 s at most), and
# one of them satisfies the jq condition CHECK; else the test fails
expect_marked() {
	_em_i=0
	while [ $_em_i -lt 100 ] && [ -z "$(marked_records "$1" "$2" "${4:-true}")" ]; do
		sleep 0.1
		_em_i=$((_em_i + 1))
	done
	marked_records "$1" "$2" "${4:-true}" | json_has "$3" ||
		fail "$1 of $2: not $3: $(marked_records "$1" "$2" "${4:-true}" | head -n 3 |
			cut -c 1-400)"
}

# under_asan: the daemon is built with AddressSanitizer, which keeps freed memory
# in quarantine (256 MiB by default): its RSS says nothing about our bounds there
under_asan() {
	ldd "$CNPROCD" 2>/dev/null | grep -q libasan
}

# wait_clients N: the test daemon has N varlink clients (subscribers) or more
# within 10 s
wait_clients() {
	wait_for - 10 sh -c "[ \$(timeout 5 '$CNPROCCTL' --socket '$T/io.cnprocd.Monitor' --json status |
		jq .clients) -ge $1 ]"
}

# complete_lines FILE: FILE as far as it is written: up to its last newline (a
# writer may be in the middle of a line), without the NULs that : >FILE leaves in
# front of what a writer that has FILE open writes next (a hole up to its offset)
complete_lines() {
	_cl_n=$(wc -c <"$1")
	if [ -n "$(head -c "$_cl_n" "$1" | tail -c 1)" ]; then
		head -c "$_cl_n" "$1" | sed '$d'
	else
		head -c "$_cl_n" "$1"
	fi | LC_ALL=C sed '1s/^\x00*//'
}

# bad MESSAGE: a failed check; the others still run, and checks_done fails at the end
FAILED=0
bad() {
	printf "FAIL: %s\n" "$*"
	FAILED=$((FAILED + 1))
}

checks_done() {
	[ "$FAILED" = 0 ] || fail "$FAILED check(s) failed"
}

# unprivileged_raw: a copy of varlink-raw at $T/varlink-raw that other users can
# run, in a directory they can traverse
unprivileged_raw() {
	chmod 755 "$T"
	cp "$VARLINK_RAW" "$T/varlink-raw"
	chmod 755 "$T/varlink-raw"
}

need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (CAP_NET_ADMIN for the proc connector)"
	[ -x "$CNPROCD" ] || fail "daemon binary $CNPROCD not built"
	need jq timeout
	# the connector answers only the initial namespaces; say so instead of failing
	if ! timeout 20 "$CNPROCD" --dump --log-target=console -c /dev/null >/dev/null 2>"$T/probe"; then
		skip "proc connector unavailable here: $(tail -n 1 "$T/probe")"
	fi
}

# wait_for FILE SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
	_f=$1 _s=$2
	shift 2
	_end=$(($(date +%s) + _s))
	while [ "$(date +%s)" -le "$_end" ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# the "started" record: on stderr, or in the private journal with --log-target=journal
started() {
	grep -q "started:" "$T/err" 2>/dev/null && return 0
	[ -n "${CNPROCD_TEST_NS:-}" ] && [ -n "${DAEMON_PID:-}" ] &&
		journal_has true MESSAGE_ID=acfe3edfaca44d72a237845732944cfd _PID="$DAEMON_PID"
}

# start_daemon ARGS...: run cnprocd in the background, stdout to $T/out, stderr to $T/err
start_daemon() {
	# a socket of its own: tests run side by side
	"$CNPROCD" --varlink-socket="$T/io.cnprocd.Monitor" "$@" >"$T/out" 2>"$T/err" &
	DAEMON_PID=$!
	wait_for "$T/err" 20 started || fail "daemon did not start"
}

stop_daemon() {
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID"
	_rc=$?
	DAEMON_PID=
	return $_rc
}

# out_has FILTER: a JSON line in $T/out satisfies the jq FILTER (quiet: it is
# polled; the daemon may still be writing)
out_has() {
	complete_lines "$T/out" | json_has "$1" 2>/dev/null
}

# json_get FILTER: the first JSON line in $T/out matching FILTER
json_get() {
	jq -c "select($1)" "$T/out" 2>/dev/null | head -n 1
}

expect_json() {
	wait_for "$T/out" "${2:-10}" out_has "$1" || fail "no event matching: $1"
}

JOURNALD=
for _j in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
	[ -x "$_j" ] && JOURNALD=$_j && break
done

# start_journal: tmpfs on /run/systemd, /run/log and /var/log/journal (private to
# this namespace), then a real systemd-journald listening there.
start_journal() {
	[ -n "${CNPROCD_TEST_NS:-}" ] || fail "start_journal outside the private namespace"
	[ -n "$JOURNALD" ] || skip "systemd-journald is not installed"
	mkdir -p /var/log/journal /var/lib/systemd/catalog
	for d in /run/systemd /run/log /var/log/journal /var/lib/systemd/catalog; do
		mount -t tmpfs tmpfs "$d" || fail "cannot mount tmpfs on $d"
	done
	"$JOURNALD" >"$T/journald.log" 2>&1 &
	KEEP_PIDS="$KEEP_PIDS $!"
	wait_for /run/systemd/journal/socket 10 test -S /run/systemd/journal/socket ||
		fail "journald did not start: $(cat "$T/journald.log")"
}

# Marked children in these tests live 50 ms (sh -c 'sleep 0.05' MARKER): rules match
# on the command line, which is read from /proc at exec, and a process that is
# gone before cnprocd reads it is reported without one ("unread").

# journal_json MATCHES...: records of this boot as JSON lines, journalctl matches
journal_json() {
	journalctl --no-pager -q -o json "$@" 2>/dev/null
}

# journal_has JQFILTER MATCHES...: a record matching both exists
journal_has() {
	_f=$1
	shift
	# a record lacking a field must not abort jq for the records after it
	journal_json "$@" | json_has "($_f)? // false" 2>/dev/null
}

# expect_journal JQFILTER MATCHES...
expect_journal() {
	_f=$1
	shift
	wait_for - 10 journal_has "$_f" "$@" && return 0
	# show what was there instead, so a failure in CI explains itself
	echo "records for $*:" >&2
	journal_json "$@" | jq -c 'with_entries(select(.key | test("^(CNPROCD_|MESSAGE)")))' >&2
	fail "no journal record matching: $_f $*"
}

# journal_bytes FIELD MATCHES...: the field of the first matching record as
# decimal byte values (journalctl gives binary or non-UTF-8 values as byte arrays)
journal_bytes() {
	_fld=$1
	shift
	journal_json "$@" | head -n 1 |
		jq -r --arg f "$_fld" '.[$f] | if type == "array" then map(tostring) | join(" ")
			else error("not a byte array") end'
}

# bytes_of: stdin as decimal byte values
bytes_of() {
	od -An -tu1 -v | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
}

# cgroup_roots: ROOTS, the hierarchies cnprocd reads a process's cgroup from (a
# child's move must reach them all): name=systemd (and unified) on a hybrid or v1
# host, else cgroup v2; skips the test if there is none
cgroup_roots() {
	ROOTS=
	if grep -q ' /sys/fs/cgroup/systemd cgroup .*name=systemd' /proc/mounts; then
		ROOTS=/sys/fs/cgroup/systemd
		grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/mounts &&
			ROOTS="$ROOTS /sys/fs/cgroup/unified"
	elif grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then
		ROOTS=/sys/fs/cgroup
	fi
	[ -n "$ROOTS" ] || skip "no cgroup v2 at /sys/fs/cgroup and no name=systemd hierarchy"
}
