#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The golden pipeline test (tests/unit/test-golden) needs no privilege: when the
# suite runs as root, run it once more as nobody, from a copy every user can read
# (the build tree may sit under a home only root can enter).
# shellcheck source=tests/integration/lib.sh
. "$TEST_LIB"

[ -x "$TEST_GOLDEN" ] || fail "$TEST_GOLDEN not built"
[ "$(id -u)" = 0 ] || skip "not root: the unit test test-golden itself ran unprivileged"
command -v setpriv >/dev/null 2>&1 || skip "setpriv is not installed"

mkdir -p "$T/data/golden"
cp "$TEST_GOLDEN" "$T/test-golden"
cp "$TEST_DATA"/*.bin "$T/data/"
cp "$TEST_DATA"/golden/* "$T/data/golden/"
chmod -R a+rX "$T"
chmod a+rx "$T"

as_user 65534:65534 env TEST_DATA="$T/data" TMPDIR=/tmp "$T/test-golden" >"$T/out" 2>&1 ||
	fail "test-golden as nobody: $(cat "$T/out")"
grep -q "^PASS: test_pipeline" "$T/out" || fail "no PASS line: $(cat "$T/out")"
echo "PASS: the golden pipeline test passes as uid 65534"
