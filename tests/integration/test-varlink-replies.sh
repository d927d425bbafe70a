#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Big replies nobody reads: 60 processes with 120 KB command lines make a 7 MB
# process table; four clients ask for it in one reply each and never read. The
# replies all clients leave unread stay within the server's budget (16 MiB): two
# fit, the others are told ReplyTooLarge, and the daemon's memory stays within
# the budget plus one reply being built. Meanwhile `cnprocctl ps`, which asks for
# pages with "more", lists every process (with one reply, as before, it was
# refused: the budget was taken).
. "$TEST_LIB"
require_root
[ -x "${VARLINK_RAW:-}" ] || fail "varlink-raw not built"

M="cnprocd-replies-$$"
SOCK="$T/io.cnprocd.Monitor"
N=60
start_daemon -c /dev/null

big="$M-$(head -c 120000 /dev/zero | tr '\0' x)"
i=0
while [ $i -lt $N ]; do
	sh -c 'sleep 120; :' "$big" &
	KEEP_PIDS="$KEEP_PIDS $!"
	i=$((i + 1))
done
listed() {
	[ "$(timeout 20 "$CNPROCCTL" --socket "$SOCK" ps --comm sh 2>/dev/null | grep -c -- "$M")" -ge $N ]
}
wait_for - 20 listed || fail "the $N processes are not all in the table"

vm() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
rss0=$(vm VmRSS)

# four clients ask for the whole table in one reply, and do not read for 8 s
for c in 1 2 3 4; do
	printf '{"method":"io.cnprocd.Monitor.ListProcesses"}\0' |
		"$VARLINK_RAW" "$SOCK" --hold 8000 --expect 1 --timeout 20000 >"$T/raw$c" 2>&1 &
	eval "raw$c=\$!"
done
sleep 2

# meanwhile, in pages
timeout 20 "$CNPROCCTL" --socket "$SOCK" ps --comm sh >"$T/ps" 2>"$T/ps.err" ||
	fail "cnprocctl ps while the budget is taken: $(cat "$T/ps.err")"
n=$(grep -c -- "$M" "$T/ps")
[ "$n" -ge $N ] || fail "cnprocctl ps listed $n of the $N processes"
pass "cnprocctl ps (pages) while four big replies wait unread: all $n processes"

for c in 1 2 3 4; do
	eval "wait \$raw$c"
done
full=0 refused=0
for c in 1 2 3 4; do
	if grep -q '"processes":\[' "$T/raw$c"; then
		full=$((full + 1))
	elif grep -q 'io.cnprocd.Monitor.ReplyTooLarge' "$T/raw$c"; then
		refused=$((refused + 1))
	fi
done
[ $full -ge 1 ] && [ $refused -ge 1 ] && [ $((full + refused)) = 4 ] ||
	fail "unread replies: $full whole, $refused ReplyTooLarge: $(head -c 200 "$T/raw1" "$T/raw3")"
pass "one reply each, unread: $full sent whole, $refused told ReplyTooLarge (16 MiB in all)"

hwm=$(vm VmHWM)
grow=$(((hwm - rss0) / 1024))
if under_asan; then
	pass "daemon memory not judged under AddressSanitizer (peak $((hwm / 1024)) MiB); the plain build checks it"
else
	[ "$grow" -le 24 ] || fail "the daemon grew by $grow MiB (VmRSS $rss0 kB, then VmHWM $hwm kB)"
	pass "daemon memory: VmRSS $((rss0 / 1024)) MiB, peak $((hwm / 1024)) MiB (+$grow: within 16 MiB of replies and one being built)"
fi

# the same table with "more": every page within the per-client limit
printf '{"method":"io.cnprocd.Monitor.ListProcesses","more":true}\0' |
	"$VARLINK_RAW" "$SOCK" --expect 1000 --timeout 5000 >"$T/pages" 2>&1
pages=$(grep -c '"processes"' "$T/pages")
last=$(grep '"processes"' "$T/pages" | tail -n 1)
[ "$pages" -gt 1 ] || fail "with more: $pages page(s)"
case $last in *'"continues":true'*) fail "the last page continues" ;; esac
biggest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/pages")
[ "$biggest" -le $((1024 * 1024)) ] || fail "a page of $biggest bytes"
pass "with more: $pages pages, the largest $biggest bytes, the last one final"

stop_daemon || fail "daemon did not stop cleanly"
