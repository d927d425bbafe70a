#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the libFuzzer harnesses in tests/fuzz with clang (ASan + UBSan) and run each
# for a bounded time over a copy of its seed corpus and regression inputs:
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     (default: 60 s; cnproc config container varlink)
#
# Needs clang and libFuzzer (Debian: clang libfuzzer-14-dev) and the -dev packages
# of the build. Work goes to $FUZZ_OUT (default /tmp/cnprocd-fuzz); the corpora in
# the source tree are not changed. Exits non-zero if any harness crashed, leaked,
# hit undefined behaviour or timed out; the input that did it is named on a
# "CRASH:" line (minimize it, then add it under tests/fuzz/regressions/HARNESS/).
set -eu

cd "$(dirname "$0")/.."

secs=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-cnproc config container varlink}
out=${FUZZ_OUT:-/tmp/cnprocd-fuzz}
cc=${FUZZ_CC:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && cc=$c && break
	done
fi
[ -n "$cc" ] || { echo "fuzz.sh: clang not found (apt-get install clang libfuzzer-14-dev)" >&2; exit 2; }
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS] [cnproc|config|varlink]..." >&2; exit 2 ;;
esac

deps="libsystemd libmnl inih jansson libcrypto"
# shellcheck disable=SC2086
dep_cflags=$(pkg-config --cflags $deps)
# shellcheck disable=SC2086
dep_libs=$(pkg-config --libs $deps)
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -Isrc -Isrc/shared
	-fsanitize=address,undefined -fno-sanitize-recover=all"

# each harness's largest interesting input
max_len() {
	case $1 in
	cnproc) echo 256 ;;
	config) echo 8192 ;;
	container) echo 4096 ;;
	varlink) echo 16384 ;;
	*) return 1 ;;
	esac
}
mkdir -p "$out"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=""

for h in $harnesses; do
	if ! max_len "$h" >/dev/null || [ ! -f "tests/fuzz/fuzz-$h.c" ]; then
		echo "fuzz.sh: no harness $h" >&2
		exit 2
	fi
done

# The daemon's code as an instrumented archive, like libcnprocd-core.a: every
# source but the programs' mains; a harness links only what it uses, so the list
# needs no upkeep. The one generated header is made as Makefile.am makes it. A
# source that needs autoconf's config.h does not build here and is left out: the
# harnesses do not use it (if one ever does, its link fails naming the symbol).
echo ">> building the core with $cc"
rm -rf "$out/core" && mkdir -p "$out/core"
{
	printf '#define MONITOR_IDL \\\n'
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n" \\/' \
		src/io.cnprocd.Monitor.varlink
	echo '	""'
} >"$out/core/monitor-idl.h"
for f in src/*.c src/shared/*.c; do
	grep -q '^int main(' "$f" && continue
	o=$out/core/$(echo "$f" | tr / _).o
	# shellcheck disable=SC2086
	if ! "$cc" $cflags -fsanitize=fuzzer-no-link $dep_cflags -I"$out/core" -c -o "$o" \
		"$f" 2>"$o.err"; then
		echo "   left out $f: $(grep -m1 'error:' "$o.err" || head -n1 "$o.err")"
	fi
done
ar rcs "$out/core/libcore.a" "$out"/core/*.o

for h in $harnesses; do
	bin=$out/fuzz-$h
	echo ">> building $bin"
	# shellcheck disable=SC2086
	"$cc" $cflags -fsanitize=fuzzer $dep_cflags -o "$bin" tests/fuzz/fuzz-$h.c \
		"$out/core/libcore.a" $dep_libs -pthread

	# fuzz a copy: new inputs stay out of the source tree
	work=$out/corpus-$h
	rm -rf "$work" && mkdir -p "$work"
	for d in tests/fuzz/corpus/$h tests/fuzz/regressions/$h; do
		if [ -d "$d" ]; then
			find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$work/" \;
		fi
	done
	dict=""
	if [ -f "tests/fuzz/$h.dict" ]; then dict="-dict=tests/fuzz/$h.dict"; fi

	echo ">> fuzzing $h for ${secs}s"
	rc=0
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$h")" -print_final_stats=1 \
		-artifact_prefix="$out/$h-" $dict "$work" >"$out/$h.log" 2>&1 || rc=$?
	# the run's summary: coverage, speed, and on failure the report
	grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::)' "$out/$h.log" || true
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$out/$h.log"
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$out/$h.log" | tail -n 1)
		echo "CRASH: $h: exit $rc, input ${artifact:-(none written)}, log $out/$h.log"
		echo "       reproduce: $bin ${artifact:-}"
		failed="$failed $h"
	else
		echo ">> $h: clean"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz.sh: FAILED:$failed" >&2
	exit 1
fi
echo "fuzz.sh: all clean ($harnesses, ${secs}s each)"
