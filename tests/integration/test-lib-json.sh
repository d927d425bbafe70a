#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON checks of lib.sh that the other tests use instead of jq -e: json_has and
# json_none fail on empty input, on input that is not JSON and when the filter fails,
# json_has when no value matches, json_none when one does; a failure says on stderr
# what was read (the start and the end of a huge input). complete_lines gives the
# complete lines of a file that is still being written. Only jq runs here: no root,
# no daemon.
#
# Every check runs even if an earlier one failed; the test fails at the end if any did.
. "$TEST_LIB"
need jq

# jq -e itself, for the record: the reason these helpers exist
printf '' | jq -e 'select(.a == 2)' >/dev/null 2>&1
echo "# for comparison: jq -e 'select(.a == 2)' on empty input exits with $?"

# ok INPUT FUNCTION ARGS...: FUNCTION succeeds on INPUT (printf format), quietly
ok() {
	_in=$1
	shift
	if printf "$_in" | "$@" 2>"$T/stderr"; then
		[ -s "$T/stderr" ] && bad "$* on '$_in' passed but wrote: $(cat "$T/stderr")"
		pass "$* on '$_in'"
	else
		bad "$* on '$_in' failed: $(cat "$T/stderr")"
	fi
}

# no INPUT STDERR_PATTERN FUNCTION ARGS...: FUNCTION fails on INPUT, and its stderr
# has STDERR_PATTERN (grep -E) and shows the input
no() {
	_in=$1 _pat=$2
	shift 2
	if printf "$_in" | "$@" 2>"$T/stderr"; then
		bad "$* on '$_in' passed"
		return
	fi
	# the message shows what was read (for an input of a few bytes, all of it)
	printf "$_in" >"$T/input"
	if ! grep -q -E -- "$_pat" "$T/stderr"; then
		bad "$* on '$_in': no '$_pat' in: $(cat "$T/stderr")"
	elif ! grep -q "^--- read ($(wc -c <"$T/input") bytes)" "$T/stderr"; then
		bad "$* on '$_in': what was read is not shown: $(cat "$T/stderr")"
	elif [ -s "$T/input" ] && ! grep -q -F -f "$T/input" "$T/stderr"; then
		bad "$* on '$_in': the input is not in the message: $(cat "$T/stderr")"
	else
		pass "$* on '$_in' fails: $(head -n 1 "$T/stderr")"
	fi
}

# --- json_has ---------------------------------------------------------------------

no '' 'empty input' json_has 'select(.a == 2)'
no '\n  \n\t\n' 'empty input' json_has 'true'
no 'xx\n' 'invalid JSON' json_has 'true'
no '{"a": 2' 'invalid JSON' json_has '.a == 2'
# a match before the invalid part does not save it (jq -e | grep -q . passed here)
no '{"a":2}\nxx\n{"a":3}\n' 'invalid JSON' json_has '.a == 2'
no '{"a":1}\n' 'none of 1 JSON value' json_has '.a == 2'
no '{"a":1}\n' 'none of 1 JSON value' json_has 'select(.a == 2)'
ok '{"a":2}\n' json_has '.a == 2'
ok '{"a":2}\n' json_has 'select(.a == 2)'
ok '{"a":2}' json_has '.a == 2'
# false and null are no match, everything else is (0 and "" too, as in jq)
no '{"a":false}\n' 'none of 1' json_has '.a'
no '{"a":null}\n' 'none of 1' json_has '.a'
no '{}\n' 'none of 1' json_has '.a'
ok '{"a":0}\n' json_has '.a'
ok '{"a":""}\n' json_has '.a'
# a filter with several results: one true result is enough
ok '{"a":[1,2,3]}\n' json_has '.a[] == 3'
no '{"a":[1,2,3]}\n' 'none of 1' json_has '.a[] == 4'
# several values (journalctl -o json: one object a line): any one may match,
# wherever it is (jq -e looks only at the last result)
ok '{"a":2}\n{"a":1}\n{"a":1}\n' json_has '.a == 2'
ok '{"a":1}\n{"a":1}\n{"a":2}\n' json_has '.a == 2'
ok '{"a":1}\n{"a":2}\n{"a":1}\n' json_has 'select(.a == 2)'
ok '{"a":1} {"a":2}' json_has '.a == 2'
no '{"a":1}\n{"a":3}\n{"a":1}\n' 'none of 3 JSON value' json_has '.a == 2'
# an error in any value fails the check (plain jq 1.6 reports only the last value's)
no '{"a":"x"}\n{"a":1}\n{"a":"y"}\n' 'filter failed' json_has '.a | startswith("y")'
ok '{"a":"x"}\n{"a":1}\n{"a":"y"}\n' json_has '(.a | startswith("y"))? // false'
# jq arguments
ok '{"a":"x y"}\n' json_has '.a == $v' --arg v 'x y'
ok '{"a":[1,2]}\n' json_has '.a == $v' --argjson v '[1,2]'
no '{"a":"x"}\n' 'none of 1' json_has '.a == $v' --arg v y
# -s: all values at once, in one array
ok '{"a":1}\n{"a":2}\n' json_has 'length == 2 and all(.[]; .a > 0)' -s
ok '{"a":1}\n{"a":2}\n' json_has '.[1].a == 2' -s
no '{"a":1}\n{"a":2}\n' 'none of 1' json_has 'length == 3' -s
# all() of nothing is true: with -s, empty input must still fail
no '' 'empty input' json_has 'all(.[]; .a > 0)' -s
no 'xx\n' 'invalid JSON' json_has 'length == 0' -s

# --- json_none --------------------------------------------------------------------

no '' 'empty input' json_none '.a == 2'
no 'xx\n' 'invalid JSON' json_none '.a == 2'
no '{"a":1}\nxx\n' 'invalid JSON' json_none '.a == 2'
ok '{"a":1}\n{"a":3}\n' json_none '.a == 2'
ok '{"a":1}\n{"a":null}\n' json_none '.a == 2'
no '{"a":1}\n{"a":2}\n{"a":3}\n' '1 of 3 JSON value\(s\) match' json_none '.a == 2'
no '{"a":2}\n{"a":2}\n' '2 of 2 JSON value\(s\) match' json_none 'select(.a == 2)'
no '{"a":"x"}\n{"a":1}\n' 'filter failed' json_none '.a | startswith("y")'
# the values that matched are shown
printf '{"a":1}\n{"a":2,"b":"shown"}\n' | json_none '.a == 2' 2>"$T/stderr"
sed -n '/^--- the first of them:$/,/^--- read/p' "$T/stderr" | grep -q '"b":"shown"' &&
	pass "json_none shows the values that matched" ||
	bad "json_none does not show the value that matched: $(cat "$T/stderr")"

# --- a huge input: the message shows its start and its end, not all of it ----------

i=0
while [ $i -lt 2000 ]; do
	printf '{"n":%d,"pad":"%s"}\n' $i 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
	i=$((i + 1))
done >"$T/huge"
size=$(wc -c <"$T/huge")
json_has '.n == 2000' <"$T/huge" 2>"$T/stderr" && bad "json_has matched a value not in the input"
if [ "$(wc -c <"$T/stderr")" -lt 6000 ] &&
	grep -q "none of 2000 JSON value" "$T/stderr" &&
	grep -q "^--- read ($size bytes, 2000 lines)" "$T/stderr" &&
	grep -q '^{"n":0,' "$T/stderr" && grep -q '^{"n":1999,' "$T/stderr" &&
	! grep -q '"n":1000,' "$T/stderr"; then
	pass "a $size-byte input: $(wc -c <"$T/stderr") bytes of message, its first and last lines"
else
	bad "message for a $size-byte input: $(wc -c <"$T/stderr") bytes:" \
		"$(head -c 500 "$T/stderr")"
fi
json_has '.n == 1999' <"$T/huge" 2>"$T/stderr" && [ ! -s "$T/stderr" ] &&
	pass "the last of 2000 values matches" || bad "the last of 2000 values: $(cat "$T/stderr")"
json_has '.n == 0' <"$T/huge" 2>"$T/stderr" && [ ! -s "$T/stderr" ] &&
	pass "the first of 2000 values matches" || bad "the first of 2000 values: $(cat "$T/stderr")"

# --- complete_lines -----------------------------------------------------------------

cl() {
	printf "$1" >"$T/cl"
	complete_lines "$T/cl" >"$T/cl.out"
	printf "$2" >"$T/cl.want"
	if cmp -s "$T/cl.out" "$T/cl.want"; then
		pass "complete_lines of '$1': '$2'"
	else
		bad "complete_lines of '$1': '$(cat "$T/cl.out")', want '$2'"
	fi
}
cl '' ''
cl '{"a":1}\n' '{"a":1}\n'
cl '{"a":1}\n{"a":2}\n' '{"a":1}\n{"a":2}\n'
# a writer in the middle of a line
cl '{"a":1}\n{"a":' '{"a":1}\n'
cl '{"a":' ''
# : >FILE under a writer: NULs up to its offset, then what it writes next
cl '\0\0\0\0{"a":1}\n{"a":2}\n{"b"' '{"a":1}\n{"a":2}\n'
head -c 100000 /dev/zero >"$T/hole"
printf '{"a":1}\n{"a":2}\n' >>"$T/hole"
complete_lines "$T/hole" | json_has '.a == 2' && complete_lines "$T/hole" | json_none '. == 0' &&
	pass "complete_lines: a 100000-byte hole in front is left out" ||
	bad "complete_lines of a file with a hole: $(complete_lines "$T/hole" | head -c 100 | od -c | head -n 3)"
# without complete_lines such a file fails the check (jq 1.6 reads a run of NULs as
# the number 0; others may refuse it): no NUL is silently skipped
printf '\0\0{"a":2}\n' | json_has '.a == 2' 2>"$T/stderr" &&
	bad "json_has skipped the NULs in front of a value" ||
	pass "json_has on NULs in front of a value fails: $(head -n 1 "$T/stderr")"

checks_done
