#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cnprocd --check-config FILE: a valid configuration is printed with every rule and
# exits 0; a broken one exits 1 with a single "cnprocd: FILE:LINE: reason" line on
# stderr and nothing on stdout. Needs neither root nor the proc connector.
# shellcheck source=tests/integration/lib.sh
. "$TEST_LIB"

[ -x "$CNPROCD" ] || fail "daemon binary $CNPROCD not built"
: "${TEST_DATA:=$(cd "$(dirname "$0")/../data" && pwd)}"
: "${CNPROCD_CONF:=$(cd "$(dirname "$0")/../../conf" && pwd)/cnprocd.conf}"

# rule_names FILE: the [rule NAME] headers of FILE, in order
rule_names() {
	sed -n 's/^\[rule \([^]]*\)\].*/\1/p' "$1"
}

# expect_valid CONF FILE...: CONF passes, and the output lists the rules of each
# FILE (CONF and its drop-ins, in load order) with FILE:LINE, in that order
expect_valid() {
	_conf=$1
	shift
	"$CNPROCD" --check-config "$_conf" >"$T/out" 2>"$T/err" ||
		fail "$_conf refused: $(cat "$T/err")"
	[ -s "$T/err" ] && fail "$_conf: stderr not empty: $(cat "$T/err")"
	: >"$T/want-names"
	for _f in "$@"; do
		for _name in $(rule_names "$_f"); do
			echo "$_name" >>"$T/want-names"
			_line=$(grep -n -F "[rule $_name]" "$_f" | head -n 1 |
				cut -d: -f1)
			grep -q -F "[rule $_name]  # $_f:$_line, " "$T/out" ||
				fail "$_conf: rule $_name at $_f:$_line not listed"
		done
	done
	_n=$(wc -l <"$T/want-names")
	[ "$_n" -gt 0 ] || fail "$_conf: no rules to look for"
	rule_names "$T/out" >"$T/got-names"
	cmp -s "$T/want-names" "$T/got-names" ||
		fail "$_conf: rules listed as $(tr '\n' ' ' <"$T/got-names")," \
			"want $(tr '\n' ' ' <"$T/want-names")"
	grep -q -F "# $_conf: OK, $_n rules" "$T/out" ||
		fail "$_conf: no \"OK, $_n rules\""
	pass "$_conf: OK, $_n rules: $(tr '\n' ' ' <"$T/got-names")"
}

expect_valid "$CNPROCD_CONF" "$CNPROCD_CONF"

D=$TEST_DATA/config
expect_valid "$D/dropins.conf" "$D/dropins.conf" "$D/dropins.conf.d/10-services.conf" \
	"$D/dropins.conf.d/20-site.conf"
grep -q "^\[cnprocd\]  # 3 file(s)" "$T/out" || fail "dropins.conf: not 3 files"
# the drop-in's [cnprocd] rate-limit, also for the main file's rules without one
grep -q "^rate-limit = 20/1min" "$T/out" || fail "dropins.conf: drop-in rate-limit lost"
[ "$(grep -c "^rate-limit = 20/1min.*# the \[cnprocd\] default" "$T/out")" = 2 ] ||
	fail "dropins.conf: rules without a rate-limit do not take the drop-in's"
pass "dropins.conf: drop-in [cnprocd] keys override the main file's"

# -c FILE --check-config is the same as --check-config FILE
"$CNPROCD" -c "$CNPROCD_CONF" --check-config >"$T/out" 2>"$T/err" ||
	fail "-c FILE --check-config refused: $(cat "$T/err")"
grep -q -F "# $CNPROCD_CONF: OK" "$T/out" || fail "-c FILE --check-config: not checked"
pass "-c FILE --check-config"

N_CASES=0

# expect_error DESC CONF FILE LINE REASON: CONF is refused, exit 1, nothing on
# stdout, and stderr is the one line "cnprocd: FILE:LINE: ...REASON..." (LINE empty:
# "cnprocd: FILE: ...REASON...", for errors not tied to a line)
expect_error() {
	_desc=$1 _conf=$2 _file=$3 _line=$4 _reason=$5
	"$CNPROCD" --check-config "$_conf" >"$T/out" 2>"$T/err"
	_rc=$?
	[ "$_rc" = 1 ] || fail "$_desc: exit status $_rc, want 1"
	[ -s "$T/out" ] && fail "$_desc: printed on stdout: $(head -n 5 "$T/out")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$_desc: want one line on stderr"
	if [ -n "$_line" ]; then
		_want="cnprocd: $_file:$_line: "
	else
		_want="cnprocd: $_file: "
	fi
	_got=$(cat "$T/err")
	case $_got in
	"$_want"*) ;;
	*) fail "$_desc: got \"$_got\", want \"$_want...\"" ;;
	esac
	case ${_got#"$_want"} in
	*"$_reason"*) ;;
	*) fail "$_desc: got \"$_got\", want a reason with \"$_reason\"" ;;
	esac
	N_CASES=$((N_CASES + 1))
	pass "$_desc: $_got"
}

# bad NAME LINE REASON TEXT: write TEXT (printf format) to $T/NAME.conf, expect
# it refused at LINE with REASON
bad() {
	_name=$1 _line=$2 _reason=$3
	shift 3
	# shellcheck disable=SC2059
	printf "$@" >"$T/$_name.conf"
	expect_error "$_name" "$T/$_name.conf" "$T/$_name.conf" "$_line" "$_reason"
}

bad unknown-section 4 "unknown section [daemon]" \
	'[cnprocd]\nthreads = no\n\n[daemon]\nthreads = yes\n'
bad unknown-daemon-key 3 'unknown key "verbose" in section [cnprocd]' \
	'[cnprocd]\n# comment\nverbose = yes\n'
bad unknown-rule-key 4 'unknown key "colour" in a rule section' \
	'[rule a]\nevent = exec\n\ncolour = red\n'
bad outside-section 2 '"threads" is outside of any section' \
	'# comment\nthreads = yes\n[cnprocd]\n'
bad syntax-error 3 "syntax error" \
	'[cnprocd]\nthreads = yes\ngarbage\nrecord-argv = no\n'
bad syntax-error-first 2 "syntax error" \
	'[cnprocd]\ngarbage\nthreads = maybe\n'
bad bad-glob 3 'comm: bad glob "[abc": unterminated [' \
	'[rule a]\nevent = exec\ncomm = sshd [abc\n'
bad bad-glob-backslash 2 "exe: bad glob" \
	'[rule a]\nexe = /usr/bin/x\\\n'
bad unterminated-quote 2 "cmdline: unterminated quote" \
	'[rule a]\ncmdline = "sh -c *\n'
bad unknown-user 3 'user: unknown user "no-such-user-cnprocd"' \
	'[rule a]\nevent = exec\nuser = root no-such-user-cnprocd\n'
bad unknown-group 2 'group: unknown group "no-such-group-cnprocd"' \
	'[rule a]\ngroup = no-such-group-cnprocd\n'
bad bad-priority 3 'priority: expected emerg, alert' \
	'[rule a]\nevent = exec\npriority = loud\n'
bad bad-default-priority 2 'default-priority: expected' \
	'[cnprocd]\ndefault-priority = 9\n'
bad bad-default-action 2 'default-action: expected log or ignore' \
	'[cnprocd]\ndefault-action = drop\n'
bad bad-action 2 'action: expected log or ignore, got "drop"' \
	'[rule a]\naction = drop\n'
bad bad-duration 3 'min-lifetime: invalid duration "5parsecs"' \
	'[rule a]\nevent = exit\nmin-lifetime = 5parsecs\n'
bad duplicate-rule 5 \
	"duplicate rule name \"a\" (first defined at $T/duplicate-rule.conf:1)" \
	'[rule a]\nevent = exec\n\n[rule b]\n[rule a]\nevent = exit\n'
bad bad-rate-limit 2 'rate-limit: invalid count "0"' \
	'[cnprocd]\nrate-limit = 0/10s\n'
bad bad-rule-rate-limit 3 'rate-limit: expected COUNT/INTERVAL' \
	'[rule a]\nevent = exec\nrate-limit = 10\n'
bad bad-rate-interval 2 'rate-limit: invalid interval' \
	'[rule a]\nrate-limit = 10/\n'
bad bad-exit-code 3 'exit-code: invalid exit code (0-255) "256"' \
	'[rule a]\nevent = exit\nexit-code = 1 256\n'
bad bad-signal 3 'exit-signal: invalid signal "SIGFOO"' \
	'[rule a]\nevent = exit\nexit-signal = SEGV SIGFOO\n'
bad bad-event 2 'event: unknown event "spawn"' \
	'[rule a]\nevent = exec spawn\n'
bad bad-uid 2 'uid: invalid id "-5"' \
	'[rule a]\nuid = -5\n'
bad bad-boolean 3 'threads: expected a boolean (yes/no), got "maybe"' \
	'[cnprocd]\nrecord-argv = no\nthreads = maybe\n'
bad bad-size 2 'receive-buffer: expected a size up to 1G' \
	'[cnprocd]\nreceive-buffer = 2G\n'
bad bad-max-processes 2 'max-processes: expected a number from 16' \
	'[cnprocd]\nmax-processes = 8\n'
bad bad-log-target 2 'log-target: expected auto, console or journal' \
	'[cnprocd]\nlog-target = syslog\n'
bad header-without-bracket 3 "section header without closing ']'" \
	'[cnprocd]\nthreads = no\n[rule a\nevent = exec\n'
bad text-after-header 2 "unexpected text after section header" \
	'# c\n[rule a] event = exec\n'
bad invalid-rule-name 2 'invalid rule name "a/b"' \
	'[cnprocd]\n[rule a/b]\nevent = exec\n'
bad rule-name-too-long 1 "section name too long" \
	'[rule %s]\n' "$(printf '%065d' 0)"
bad indented-continuation 5 "indented line would continue the previous value" \
	'[rule sshd]\ncomm = sshd\n# the executable too\n\n  exe = /usr/sbin/sshd\n'
bad min-over-max 3 "rule short: min-lifetime is greater than max-lifetime" \
	'[cnprocd]\n\n[rule short]\nmin-lifetime = 10s\nmax-lifetime = 1s\n'
bad overlong-line 3 "line too long" \
	'[cnprocd]\nthreads = no\n# %s\nthreads = yes\n' "$(printf '%0250d' 0)"
bad first-error-wins 2 "threads" \
	'[cnprocd]\nthreads = maybe\ngarbage\n[nope]\n'

# a NUL byte: not a text file, whatever the line
printf '[cnprocd]\nthreads = no\n\000\n' >"$T/nul.conf"
expect_error nul-byte "$T/nul.conf" "$T/nul.conf" "" "contains a NUL byte"

# an error in a drop-in: the drop-in's path and line
mkdir "$T/main.conf.d" || fail "mkdir"
printf '[cnprocd]\nthreads = no\n[rule a]\nevent = exec\n' >"$T/main.conf"
printf '[rule b]\nevent = exit\n' >"$T/main.conf.d/10-ok.conf"
printf '# site\n[rule c]\nevent = fork\ncomm = [x\n' >"$T/main.conf.d/20-bad.conf"
printf 'garbage\n' >"$T/main.conf.d/30-never-read.conf"
expect_error dropin-error "$T/main.conf" "$T/main.conf.d/20-bad.conf" 4 "comm: bad glob"

# a rule name from the main file again in a drop-in: both places named
printf '\n[rule a]\n' >"$T/main.conf.d/20-bad.conf"
expect_error dropin-duplicate "$T/main.conf" "$T/main.conf.d/20-bad.conf" 2 \
	"duplicate rule name \"a\" (first defined at $T/main.conf:3)"

# without the broken drop-ins, the same main file is fine
rm -f "$T/main.conf.d/20-bad.conf" "$T/main.conf.d/30-never-read.conf"
expect_valid "$T/main.conf" "$T/main.conf" "$T/main.conf.d/10-ok.conf"

# the attribution keys (issue 12): printed back, bad values refused at their line
cat >"$T/attr.conf" <<'CONF'
[rule who]
login-user = root unset
session = 3
tty = pts/* none
cwd = /tmp/*
ancestor-comm = sshd
ancestor-exe = /usr/sbin/*
container = yes web-*
container-runtime = docker podman
exe-flags = memfd deleted
CONF
"$CNPROCD" --check-config "$T/attr.conf" >"$T/out" 2>"$T/err" || fail "attr.conf refused: $(cat "$T/err")"
grep -q -F "match: loginuid=0,unset session=3 tty=pts/*|none cwd=/tmp/* ancestor-comm=sshd ancestor-exe=/usr/sbin/* container=yes|web-* container-runtime=docker|podman exe-flags=deleted|memfd" "$T/out" ||
	fail "attribution keys printed as: $(grep match: "$T/out")"
pass "attribution keys printed: $(grep match: "$T/out")"
bad bad-login 3 'loginuid: invalid id (a number, set or unset) "nobody"' '[rule r]\nevent = exec\nloginuid = nobody\n'
bad bad-runtime 2 'container-runtime: unknown runtime "rkt"' '[rule r]\ncontainer-runtime = rkt\n'
bad bad-flags 2 'exe-flags: unknown flag "suid"' '[rule r]\nexe-flags = memfd suid\n'
bad bad-tty 2 'tty: bad glob "pts/[1": unterminated [ in pattern' '[rule r]\ntty = pts/[1\n'

[ "$N_CASES" -ge 20 ] || fail "only $N_CASES broken configurations checked"

# a file that is not there: refused, with the reason
"$CNPROCD" --check-config "$T/missing.conf" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || fail "missing file: exit status $rc, want 1"
[ -s "$T/out" ] && fail "missing file: printed on stdout"
grep -q -F "cnprocd: $T/missing.conf: cannot read: No such file or directory" "$T/err" ||
	fail "missing file: $(cat "$T/err")"
pass "missing file: $(cat "$T/err")"

exit 0
