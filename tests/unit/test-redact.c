/* SPDX-License-Identifier: GPL-2.0-or-later */
/* argv redaction (src/redact.c): the three pattern forms on raw cmdline buffers. */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redact.h"
#include "test.h"

/* a string literal with its embedded NULs, and its length without the literal's own */
#define BUF(s) s, sizeof(s) - 1

/* Printable rendering of a NUL-separated buffer for failure messages. */
static const char *show(const char *b, size_t l)
{
	/* up to three in one message */
	static char out[3][512];
	static int which;
	char *o = out[which = (which + 1) % 3];
	size_t k = 0;

	for (size_t i = 0; i < l && k + 5 < sizeof(out[0]); i++) {
		unsigned char c = (unsigned char)b[i];

		if (c == 0) {
			memcpy(o + k, "\\0", 2);
			k += 2;
		} else if (c < 0x20 || c >= 0x7f) {
			k += (size_t)snprintf(o + k, 5, "\\x%02x", c);
		} else
			o[k++] = (char)c;
	}
	o[k] = 0;
	return o;
}

/*
 * expect(in, patterns, want, n): redact in with the patterns; want (NULL: nothing
 * redacted) and the count n. The input must come out untouched.
 */
static bool expect_redact(const char *in, size_t in_len, char *const *patterns,
			  size_t n_patterns, const char *want, size_t want_len, int want_n)
{
	char *copy = malloc(in_len + 1), *got = (char *)"sentinel";
	size_t got_len = 12345;
	bool ok = true;
	int r;

	if (!copy)
		return false;
	memcpy(copy, in, in_len);
	r = argv_redact(in, in_len, patterns, n_patterns, &got, &got_len);
	if (r != want_n) {
		fprintf(stderr, "redact(%s): returned %d, expected %d\n", show(in, in_len), r,
			want_n);
		ok = false;
	} else if (!want && (got || got_len != 0)) {
		fprintf(stderr, "redact(%s): nothing to redact, yet a buffer came back\n",
			show(in, in_len));
		ok = false;
	} else if (want && (!got || got_len != want_len || memcmp(got, want, want_len) != 0)) {
		fprintf(stderr, "redact(%s):\n   got %s\n  want %s\n", show(in, in_len),
			got ? show(got, got_len) : "(null)", show(want, want_len));
		ok = false;
	}
	if (memcmp(copy, in, in_len) != 0) {
		fprintf(stderr, "redact(%s): the input was modified\n", show(copy, in_len));
		ok = false;
	}
	if (r > 0)
		free(got);
	free(copy);
	return ok;
}

#define EXPECT(in, pats, want, n)                                                          \
	TS_ASSERT(expect_redact(BUF(in), pats, ELEMENTS(pats), BUF(want), n))
#define EXPECT_NONE(in, pats) TS_ASSERT(expect_redact(BUF(in), pats, ELEMENTS(pats), NULL, 0, 0))
#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static void test_kind(void)
{
	static const struct {
		const char *p;
		RedactKind k;
	} t[] = {
		{ "--password=*", REDACT_VALUE },
		{ "--*token=*", REDACT_VALUE },
		{ "=*", REDACT_VALUE },
		{ "--password", REDACT_NEXT },
		{ "-p", REDACT_NEXT },
		{ "secret=", REDACT_NEXT },
		{ "-p?*", REDACT_WHOLE },
		{ "-p*", REDACT_WHOLE },
		{ "*://*:*@*", REDACT_WHOLE },
		{ "*", REDACT_WHOLE },
		{ "[-]p", REDACT_WHOLE },
		{ "foo=\\*", REDACT_WHOLE }, /* an escaped star: a glob for the text "foo=*" */
		{ "a\\b", REDACT_WHOLE },
	};

	for (size_t i = 0; i < ELEMENTS(t); i++) {
		if (redact_pattern_kind(t[i].p) != t[i].k)
			fprintf(stderr, "kind of \"%s\": %s, expected %s\n", t[i].p,
				redact_kind_to_string(redact_pattern_kind(t[i].p)),
				redact_kind_to_string(t[i].k));
		TS_ASSERT(redact_pattern_kind(t[i].p) == t[i].k);
	}
	TS_ASSERT_STR_EQ(redact_kind_to_string(REDACT_VALUE), "value");
	TS_ASSERT_STR_EQ(redact_kind_to_string(REDACT_NEXT), "next");
	TS_ASSERT_STR_EQ(redact_kind_to_string(REDACT_WHOLE), "whole");
}

static void test_check(void)
{
	TS_ASSERT_INT_EQ(redact_pattern_check("--password=*"), 0);
	TS_ASSERT_INT_EQ(redact_pattern_check("-p"), 0);
	TS_ASSERT_INT_EQ(redact_pattern_check("*"), 0);
	TS_ASSERT_INT_EQ(redact_pattern_check(""), -EINVAL);
	TS_ASSERT_INT_EQ(redact_pattern_check(NULL), -EINVAL);
}

static void test_value(void)
{
	char *const pw[] = { "--password=*" };
	char *const token[] = { "--*token=*" };
	char *const any_token[] = { "*token=*" };

	EXPECT("mysql\0--user=bob\0--password=hunter2\0db\0", pw,
	       "mysql\0--user=bob\0--password=***\0db\0", 1);
	/* the value may hold '=': everything after the first one goes */
	EXPECT("x\0--password=a=b\0", pw, "x\0--password=***\0", 1);
	/* an empty secret is hidden too: "***" does not tell it was empty */
	EXPECT("x\0--password=\0", pw, "x\0--password=***\0", 1);
	/* longer than the input: the marker hides the length */
	EXPECT("x\0--password=a\0--password=a\0", pw, "x\0--password=***\0--password=***\0", 2);
	EXPECT("x\0--api-token=abc\0--token=\0--tokens=1\0", token,
	       "x\0--api-token=***\0--token=***\0--tokens=1\0", 2);
	/* the first '=' is kept, not the one the pattern named: safe over-redaction */
	EXPECT("x\0--x=token=abc\0", any_token, "x\0--x=***\0", 1);
	/* case matters, as in the shell */
	EXPECT_NONE("x\0--PASSWORD=hunter2\0--password\0hunter2\0", pw);
	/* control characters, escapes and invalid UTF-8 in the secret are gone too */
	EXPECT("x\0--password=\xff\x1b[31m\nz\0", pw, "x\0--password=***\0", 1);
}

static void test_next(void)
{
	char *const pw[] = { "--password" };
	char *const p[] = { "-p" };

	EXPECT("prog\0--password\0hunter2\0--verbose\0", pw,
	       "prog\0--password\0***\0--verbose\0", 1);
	/* the literal form also covers --password=value */
	EXPECT("prog\0--password=hunter2\0", pw, "prog\0--password=***\0", 1);
	/* --passwordx is another option; --password at the end has nothing to hide */
	EXPECT_NONE("prog\0--passwordx\0a\0--password\0", pw);
	/* the value is consumed: "--password --password x" hides the second only */
	EXPECT("prog\0--password\0--password\0x\0", pw, "prog\0--password\0***\0x\0", 1);
	/* an empty value is replaced as well */
	EXPECT("prog\0-p\0\0x\0", p, "prog\0-p\0***\0x\0", 1);
	/* -psecret is not the literal option: that needs a glob (test_whole) */
	EXPECT_NONE("prog\0-psecret\0", p);
	EXPECT("prog\0-p\0a\0-p\0b\0", p, "prog\0-p\0***\0-p\0***\0", 2);
}

static void test_whole(void)
{
	char *const attached[] = { "-p?*" };
	char *const both[] = { "-p", "-p?*" };
	char *const url[] = { "*://*:*@*" };
	char *const all[] = { "*" };
	char *const escaped[] = { "foo\\*" };

	EXPECT("prog\0-phunter2\0-p\0secret\0", attached, "prog\0***\0-p\0secret\0", 1);
	EXPECT("prog\0-phunter2\0-p\0secret\0", both, "prog\0***\0-p\0***\0", 2);
	EXPECT("curl\0https://u:pw@host/x\0http://host/\0", url, "curl\0***\0http://host/\0", 1);
	/* "*" keeps the program name only */
	EXPECT("prog\0a\0\0b\0", all, "prog\0***\0***\0***\0", 3);
	/* an escaped star matches itself only */
	EXPECT("prog\0foo*\0foobar\0", escaped, "prog\0***\0foobar\0", 1);
}

static void test_argv0(void)
{
	char *const pw[] = { "--password=*" };
	char *const opt[] = { "--password" };

	/* argv[0] names the program: never replaced, and never an option */
	EXPECT("--password=x\0--password=y\0", pw, "--password=x\0--password=***\0", 1);
	EXPECT_NONE("--password\0hunter2\0", opt);
	EXPECT_NONE("--password=x\0", pw);
}

static void test_order(void)
{
	char *const whole_first[] = { "--pass*", "--password=*" };
	char *const value_first[] = { "--password=*", "--pass*" };
	char *const skip_bad[] = { NULL, "", "--password=*" };

	/* the first pattern that matches decides */
	EXPECT("x\0--password=a\0", whole_first, "x\0***\0", 1);
	EXPECT("x\0--password=a\0", value_first, "x\0--password=***\0", 1);
	/* unusable entries are skipped, not fatal */
	EXPECT("x\0--password=a\0", skip_bad, "x\0--password=***\0", 1);
}

static void test_layout(void)
{
	char *const pw[] = { "--password=*" };
	char *const opt[] = { "--password" };
	char *const none[] = { "--nothing" };

	/* truncated (no final NUL, argv_truncated): the cut argument stays unterminated */
	EXPECT("prog\0--password=hun", pw, "prog\0--password=***", 1);
	EXPECT("prog\0--password\0hun", opt, "prog\0--password\0***", 1);
	/* empty arguments, and an empty last one (two final NULs), keep their places */
	EXPECT("prog\0\0--password=x\0\0", pw, "prog\0\0--password=***\0\0", 1);
	/* no final NUL and nothing to do */
	EXPECT_NONE("prog\0--password", pw);
	EXPECT_NONE("prog\0", pw);
	EXPECT_NONE("prog\0a\0b\0", none);
	/* a lone NUL: one empty argv[0] */
	EXPECT_NONE("\0", pw);
}

static void test_degenerate(void)
{
	char *const pw[] = { "--password=*" };
	char *got = (char *)"sentinel";
	size_t got_len = 7;

	TS_ASSERT_INT_EQ(argv_redact("x\0--password=a", 14, pw, 0, &got, &got_len), 0);
	TS_ASSERT(got == NULL && got_len == 0);
	got_len = 7;
	TS_ASSERT_INT_EQ(argv_redact(NULL, 0, pw, 1, &got, &got_len), 0);
	TS_ASSERT(got == NULL && got_len == 0);
	TS_ASSERT_INT_EQ(argv_redact(NULL, 3, pw, 1, &got, &got_len), -EINVAL);
	TS_ASSERT_INT_EQ(argv_redact("x\0y", 3, NULL, 1, &got, &got_len), -EINVAL);
	TS_ASSERT_INT_EQ(argv_redact("x\0y", 3, pw, 1, NULL, &got_len), -EINVAL);
	TS_ASSERT_INT_EQ(argv_redact("x\0y", 3, pw, 1, &got, NULL), -EINVAL);
}

/* Hostile sizes: a 128 KiB argument full of '=' and 20000 arguments, in linear time. */
static void test_big(void)
{
	char *const any_token[] = { "*token=*" };
	char *const pw[] = { "--password=*", "--password", "-p?*" };
	size_t big = 128 * 1024, n_args = 20000, arg_len = strlen("--password=x") + 1;
	char *in, *got = NULL;
	size_t got_len;
	clock_t t0 = clock();
	double secs;
	int r;

	in = malloc(big + 32);
	TS_ASSERT(in);
	memcpy(in, "prog", 5);
	memset(in + 5, '=', big);
	memcpy(in + 5 + big, "token=x", 8);
	r = argv_redact(in, 5 + big + 8, any_token, 1, &got, &got_len);
	free(in);
	TS_ASSERT_INT_EQ(r, 1);
	/* the first '=' is at the start: "=***" */
	TS_ASSERT(got_len == 5 + 5 && memcmp(got, "prog\0=***\0", 10) == 0);
	free(got);

	in = malloc(5 + n_args * arg_len);
	TS_ASSERT(in);
	memcpy(in, "prog", 5);
	for (size_t i = 0; i < n_args; i++)
		memcpy(in + 5 + i * arg_len, "--password=x", arg_len);
	r = argv_redact(in, 5 + n_args * arg_len, pw, ELEMENTS(pw), &got, &got_len);
	free(in);
	TS_ASSERT_INT_EQ(r, (long long)n_args);
	TS_ASSERT_INT_EQ(got_len, 5 + n_args * (arg_len + 2));
	for (size_t i = 0; i < n_args; i++)
		TS_ASSERT(memcmp(got + 5 + i * (arg_len + 2), "--password=***", arg_len + 2) == 0);
	free(got);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	printf("# 128 KiB argument and %zu arguments redacted in %.3f s\n", n_args, secs);
	TS_ASSERT(secs < 2.0);
}

int main(void)
{
	RUN_TEST(test_kind);
	RUN_TEST(test_check);
	RUN_TEST(test_value);
	RUN_TEST(test_next);
	RUN_TEST(test_whole);
	RUN_TEST(test_argv0);
	RUN_TEST(test_order);
	RUN_TEST(test_layout);
	RUN_TEST(test_degenerate);
	RUN_TEST(test_big);
	return TEST_EXIT();
}
