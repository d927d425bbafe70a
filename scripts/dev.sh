#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One command for newcomers on Debian 12: install what is missing, build, then
#   run   - start cnprocd in the foreground on conf/cnprocd.conf, events on the console
#   test  - run the whole test suite (make check), as CI does
# Extra arguments after "run" go to cnprocd (e.g. --json).
set -eu

cd "$(dirname "$0")/.."

BUILD_DEPS="autoconf automake make gcc pkg-config libsystemd-dev libmnl-dev libinih-dev
	libjansson-dev libxxhash-dev libssl-dev xz-utils scdoc"
TEST_DEPS="jq strace util-linux procps systemd systemd-journal-remote iproute2
	golang-go golang-github-varlink-go-dev tmux prometheus prometheus-node-exporter curl"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo ">> installing:$missing"
	as_root apt-get update -q
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

build() {
	[ -x configure ] || ./autogen.sh --no-configure
	[ -f Makefile ] || ./configure --enable-werror ${CONFIGURE_FLAGS:-}
	make -j"$(nproc)"
}

case "${1:-}" in
run)
	shift
	install_missing $BUILD_DEPS
	build
	echo ">> starting cnprocd (Ctrl-C to stop)"
	exec_cmd="./cnprocd --config=conf/cnprocd.conf --log-target=console $*"
	# shellcheck disable=SC2086
	if [ "$(id -u)" = 0 ]; then exec $exec_cmd; else exec sudo $exec_cmd; fi
	;;
test)
	install_missing $BUILD_DEPS $TEST_DEPS
	build
	if [ "$(id -u)" != 0 ]; then
		echo ">> note: not root, the integration tests will be skipped (exit 77)"
	fi
	if ! make -j"$(nproc)" check; then
		cat test-suite.log
		exit 1
	fi
	;;
*)
	echo "usage: $0 run [cnprocd options] | test" >&2
	exit 2
	;;
esac
