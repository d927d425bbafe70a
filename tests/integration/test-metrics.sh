#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cnprocctl metrics: GetStats in the Prometheus text format. Every family has HELP
# and TYPE, promtool's linter takes it, the figures are the daemon's; --output
# replaces a file atomically (readable by the collector's user), and says
# cnprocd_up 0 when the daemon is gone; a real node_exporter serves the file
# through its textfile collector; the shipped unit and timer are valid.
. "$TEST_LIB"
require_root

start_daemon --json -c "$ALL_EVENTS_CONF"
SOCK="$T/io.cnprocd.Monitor"
ctl() { timeout 20 "$CNPROCCTL" --socket "$SOCK" "$@"; }
M="cnprocd-metrics-$$"
for i in 1 2 3; do sh -c 'sleep 0.05' "$M-$i"; done
expect_marked exit 3 'true'

ctl metrics >"$T/m" || fail "metrics exited with $?"
# the text format, line by line: comments or "name{labels} value"
bad=$(grep -v -E '^# (HELP|TYPE) cnprocd_[a-z_]+ .+$' "$T/m" |
	grep -v -E '^cnprocd_[a-z_]+(\{[a-z_]+="[a-z_]+"\})? [0-9.e+-]+$')
[ -z "$bad" ] || fail "lines not in the text format: $bad"
for name in $(sed -n 's/^cnprocd_\([a-z_]*\).*/\1/p' "$T/m" | sort -u); do
	grep -q "^# HELP cnprocd_$name " "$T/m" && grep -q "^# TYPE cnprocd_$name " "$T/m" ||
		fail "cnprocd_$name has no HELP or TYPE"
done
grep -E '^# TYPE cnprocd_[a-z_]+ counter$' "$T/m" | grep -v '_total counter$' &&
	fail "a counter not named *_total"
grep -q '^cnprocd_up 1$' "$T/m" || fail "no cnprocd_up 1"
# the figures are GetStats': taken after, each is at least what metrics said
ctl --json status >"$T/s"
exec_m=$(sed -n 's/^cnprocd_events_total{type="exec"} //p' "$T/m")
[ "$exec_m" -ge 3 ] && [ "$exec_m" -le "$(jq .events.exec "$T/s")" ] ||
	fail "exec count $exec_m, GetStats $(jq .events.exec "$T/s")"
logged=$(sed -n 's/^cnprocd_records_total{outcome="logged"} //p' "$T/m")
[ "$logged" -ge 9 ] && [ "$logged" -le "$(jq .records_logged "$T/s")" ] ||
	fail "logged $logged, GetStats $(jq .records_logged "$T/s")"
grep -q '^cnprocd_lost_events_total 0$' "$T/m" || fail "lost events: $(grep lost "$T/m")"
grep -q "^cnprocd_processes [1-9]" "$T/m" || fail "no process count"
pass "metrics: $(grep -c '^# TYPE' "$T/m") families in the text format, the daemon's figures"

if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$T/m" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")"
	[ ! -s "$T/lint" ] || fail "promtool's linter: $(cat "$T/lint")"
	pass "promtool check metrics: no problem"
else
	echo "SKIP: promtool is not installed (apt-get install prometheus)"
fi

# --output: the file replaced at once, readable by the collector, no leftovers
mkdir -p "$T/textfile"
ctl metrics --output "$T/textfile/cnprocd.prom" || fail "metrics --output exited with $?"
[ "$(stat -c %a "$T/textfile/cnprocd.prom")" = 644 ] || fail "mode $(stat -c %a "$T/textfile/cnprocd.prom")"
[ "$(ls "$T/textfile")" = cnprocd.prom ] || fail "leftovers: $(ls "$T/textfile")"
grep -q '^cnprocd_up 1$' "$T/textfile/cnprocd.prom" || fail "--output: not the metrics"
pass "metrics --output: written whole, mode 644, no temporary left"

# a real node_exporter serves it
NODE_EXPORTER=$(command -v prometheus-node-exporter || command -v node_exporter)
if [ -n "$NODE_EXPORTER" ]; then
	port=$(( 30000 + $$ % 20000 ))
	"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory="$T/textfile" \
		>"$T/ne.log" 2>&1 &
	KEEP_PIDS="$KEEP_PIDS $!"
	wait_for - 10 sh -c "curl -sf 'http://127.0.0.1:$port/metrics' >'$T/scrape'" ||
		fail "node_exporter did not serve: $(tail -n 5 "$T/ne.log")"
	exec_f=$(sed -n 's/^cnprocd_events_total{type="exec"} //p' "$T/textfile/cnprocd.prom")
	grep -q "^cnprocd_events_total{type=\"exec\"} $exec_f\$" "$T/scrape" ||
		fail "node_exporter does not serve cnprocd_events_total: $(grep cnprocd "$T/scrape" | head -n 3)"
	grep -q '^node_textfile_scrape_error 0$' "$T/scrape" ||
		fail "node_exporter could not read the file: $(grep textfile "$T/scrape")"
	pass "node_exporter's textfile collector serves it (scrape error 0)"
else
	echo "SKIP: node_exporter is not installed (apt-get install prometheus-node-exporter)"
fi

# the daemon gone: the file says so, exit 3
stop_daemon || fail "daemon did not stop cleanly"
ctl metrics --output "$T/textfile/cnprocd.prom" 2>"$T/down.err"
rc=$?
[ $rc = 3 ] || fail "metrics without the daemon: exit $rc: $(cat "$T/down.err")"
grep -q '^cnprocd_up 0$' "$T/textfile/cnprocd.prom" || fail "not cnprocd_up 0: $(cat "$T/textfile/cnprocd.prom")"
grep -q '^cnprocd_events_total' "$T/textfile/cnprocd.prom" && fail "old figures left when down"
pass "cnprocd not running: cnprocd_up 0 in the file, exit 3"

# the shipped unit and timer
if command -v systemd-analyze >/dev/null 2>&1; then
	cp "$CNPROCD_METRICS_UNIT" "$CNPROCD_METRICS_TIMER" "$T/"
	# (cnprocctl is not installed where the unit says: that alone is no fault here)
	if ! systemd-analyze verify --man=no "$T/cnprocd-metrics.timer" >"$T/verify" 2>&1 &&
		grep -v -e 'cnprocctl' -e 'cnprocd.service' "$T/verify" | grep -q .; then
		fail "systemd-analyze verify: $(cat "$T/verify")"
	fi
	grep -q "^ExecStart=.*cnprocctl metrics --output=/var/lib/prometheus/node-exporter/cnprocd.prom$" \
		"$T/cnprocd-metrics.service" || fail "the unit does not write node_exporter's directory"
	pass "cnprocd-metrics.service and .timer verify"
fi
