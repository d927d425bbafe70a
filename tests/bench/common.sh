# SPDX-License-Identifier: GPL-2.0-or-later
# What the benchmarks share (sourced by run.sh and history.sh): polling,
# arithmetic, and a systemd-journald of their own in a private mount namespace.

JOURNALD=
for j in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
	[ -x "$j" ] && { JOURNALD=$j; break; }
done

# private_namespace ARGS...: re-run the calling script in a mount namespace of its
# own (its tmpfs mounts over the journal's directories leave the host's alone);
# returns only if that cannot be done, or is done already
private_namespace() {
	[ -z "${CNPROCD_BENCH_NS:-}" ] && command -v unshare >/dev/null 2>&1 &&
		unshare -m --propagation private true 2>/dev/null || return 0
	CNPROCD_BENCH_NS=1 exec unshare -m --propagation private "$BASH" "$0" "$@"
}

# wait_until SECONDS COMMAND...: poll every 50 ms
wait_until() {
	_t=$(( $1 * 20 ))
	shift
	while [ $_t -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_t=$((_t - 1))
	done
	return 1
}

calc() {
	awk "BEGIN { printf \"%.6g\n\", $* }" 2>/dev/null || echo -
}

# start_journal NAME SETTING...: a journald of its own, with these journald.conf
# settings (one "Key=value" each); JPID, its log in $D/journald.log
start_journal() {
	_name=$1
	shift
	[ -n "${CNPROCD_BENCH_NS:-}" ] && [ -n "$JOURNALD" ] || return 1
	mkdir -p /run/systemd /run/log /var/log/journal || return 1
	for d in /run/systemd /run/log /var/log/journal; do
		mount -t tmpfs tmpfs "$d" || return 1
	done
	mkdir -p /run/systemd/journald.conf.d
	{ echo '[Journal]'; printf '%s\n' "$@"; } >"/run/systemd/journald.conf.d/50-$_name.conf"
	"$JOURNALD" >"$D/journald.log" 2>&1 &
	JPID=$!
	wait_until 10 test -S /run/systemd/journal/socket
}
