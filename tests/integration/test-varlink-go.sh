#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# An independent client: varlink-go/main.go, built on the Go varlink library
# (Debian: golang-go, golang-github-varlink-go-dev), talks to the real daemon:
# org.varlink.service, GetStats, ListProcesses (a process older than the daemon is
# "scanned"), GetProcess, the standard errors, and a Subscribe feed that must bring
# the exec of a child started once the program is subscribed.
. "$TEST_LIB"

GO_VARLINK=/usr/share/gocode/src/github.com/varlink/go
command -v go >/dev/null 2>&1 || skip "go is not installed (Debian: golang-go)"
[ -d "$GO_VARLINK/varlink" ] ||
	skip "no Go varlink library in $GO_VARLINK (Debian: golang-github-varlink-go-dev)"
require_root

SRC="$(dirname "$TEST_LIB")/varlink-go"
[ -f "$SRC/main.go" ] || fail "$SRC/main.go not found"

# GOPATH mode against the packaged library: no module download, no network
if ! (cd "$SRC" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$T/gocache" \
	GOENV=off GOFLAGS='' GOPROXY=off GOTMPDIR="$T" \
	go build -o "$T/vgo" main.go) >"$T/build" 2>&1; then
	cat "$T/build"
	fail "building varlink-go/main.go failed"
fi
pass "varlink-go client built with $(go version | awk '{ print $3 }')"

marker="cnprocd-varlink-go-$$-$(date +%s%N)"
# running before the daemon: it must be "scanned"
sh -c 'while :; do sleep 1; done' "$marker-scanned" &
scanned=$!
KEEP_PIDS="$KEEP_PIDS $scanned"

start_daemon --json -c "$ALL_EVENTS_CONF"
SOCK=$T/io.cnprocd.Monitor

"$T/vgo" "unix:$SOCK" "$scanned" "$marker" >"$T/go.out" 2>&1 &
vgo=$!
# subscribed (or given up): then the marked child
subscribed() {
	grep -q '^subscribed$' "$T/go.out" || ! kill -0 "$vgo" 2>/dev/null
}
wait_for "$T/go.out" 30 subscribed
sh -c 'sleep 0.05' "$marker"
wait "$vgo"
rc=$?
grep -v '^subscribed$' "$T/go.out"
[ $rc = 0 ] || fail "the Go client failed (exit status $rc)"
grep -q "^PASS: Subscribe: exec of pid .*$marker" "$T/go.out" ||
	fail "the Go client did not see the marked exec"
stop_daemon || fail "daemon did not exit cleanly"
pass "the Go varlink client agrees with cnprocd"
