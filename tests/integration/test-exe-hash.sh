#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# exe-hash = sha256: the first exec of a file says "pending" and the hash comes
# with its later records (the exit); the next exec of the same file has it at
# once, equal to sha256sum's; a file changed between two execs is hashed again;
# a file over the size bound says "too-large"; with exe-hash = none (the
# default) there is neither field.
. "$TEST_LIB"
require_root
need sha256sum truncate

M="cnprocd-exehash-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none
exe-hash = sha256

[rule marked]
cmdline = "*$M*"
CONF
start_daemon --json -c "$T/cnprocd.conf"

record() { marked_records "$1" "$2"; }
expect() { expect_marked "$1" "$2" "$3"; }

cp /bin/sh "$T/sh"
sum1=$(sha256sum "$T/sh" | cut -d' ' -f1)
"$T/sh" -c 'sleep 0.5' "$M-first"
expect exec first "(.exe_sha256 == \"$sum1\") or (.exe_sha256_missing == \"pending\")"
expect exit first ".exe_sha256 == \"$sum1\" and (has(\"exe_sha256_missing\") | not)"
pass "first exec: $(record exec first | jq -r '.exe_sha256_missing // .exe_sha256'); its exit: $sum1"
"$T/sh" -c 'sleep 0.1' "$M-second"
expect exec second ".exe_sha256 == \"$sum1\""
pass "the next exec of the file: the hash at once"

# changed in place (same inode, new size and times): hashed again
printf 'x' >>"$T/sh"
sum2=$(sha256sum "$T/sh" | cut -d' ' -f1)
[ "$sum2" != "$sum1" ] || fail "the file did not change"
"$T/sh" -c 'sleep 0.5' "$M-changed"
expect exit changed ".exe_sha256 == \"$sum2\""
pass "changed between two execs: $sum2"

# over the bound (a sparse tail: the ELF loader does not mind)
cp /bin/sh "$T/big"
truncate -s 300M "$T/big"
"$T/big" -c 'sleep 0.1' "$M-big"
expect exec big '.exe_sha256_missing == "too-large" and (has("exe_sha256") | not)'
pass "a 300 MiB file: too-large"

stop_daemon || fail "daemon did not stop cleanly"

# the default: no hashing, no field
cat >"$T/nohash.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

[rule marked]
cmdline = "*$M*"
CONF
start_daemon --json -c "$T/nohash.conf"
"$T/sh" -c 'sleep 0.1' "$M-off"
expect exec off '(has("exe_sha256") or has("exe_sha256_missing")) | not'
pass "exe-hash = none: neither field"
stop_daemon || fail "daemon did not stop cleanly"
