# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests: they run the real daemon as root on
# the real proc connector. Exit codes follow automake: 0 pass, 1 fail, 77 skip.

set -u

: "${CNPROCD:=$(pwd)/cnprocd}"
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
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	if [ -s "$T/err" ]; then
		echo "--- daemon stderr:"
		tail -n 30 "$T/err"
	fi
	exit 1
}

pass() {
	echo "PASS: $*"
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

started() {
	grep -q "started:" "$T/err" 2>/dev/null
}

# start_daemon ARGS...: run cnprocd in the background, stdout to $T/out, stderr to $T/err
start_daemon() {
	"$CNPROCD" "$@" >"$T/out" 2>"$T/err" &
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

# json_has FILTER: true when a JSON line in $T/out satisfies the jq FILTER
json_has() {
	jq -e -c "select($1)" "$T/out" 2>/dev/null | grep -q .
}

# json_get FILTER: the first JSON line in $T/out matching FILTER
json_get() {
	jq -c "select($1)" "$T/out" 2>/dev/null | head -n 1
}

expect_json() {
	wait_for "$T/out" "${2:-10}" json_has "$1" || fail "no event matching: $1"
}
