/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers, UTF-8 validation, escaping and formatting helpers of src/shared/util.c. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "test.h"

#define SENTINEL 0xdeadbeefULL

/* --- parse_size --- */

static void test_parse_size(void)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} t[] = {
		{ "8M", 0, 8388608 },
		{ "8MiB", 0, 8388608 },
		{ "1G", 0, 1073741824 },
		{ "1GiB", 0, 1073741824 },
		{ "512K", 0, 524288 },
		{ "512KiB", 0, 524288 },
		{ "512k", 0, 524288 },
		{ "65536", 0, 65536 },
		{ "100B", 0, 100 },
		{ "0", 0, 0 },
		{ "0M", 0, 0 },
		{ "8 M", 0, 8388608 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "17179869183G", 0, 17179869183ULL << 30 },
		{ "", -EINVAL, 0 },
		{ "x", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "8X", -EINVAL, 0 },
		{ "8MB", -EINVAL, 0 },
		{ "8M ", -EINVAL, 0 },
		{ " 8M", -EINVAL, 0 },
		{ "-8M", -EINVAL, 0 },
		{ "+8M", -EINVAL, 0 },
		{ "8.5M", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "8T", -EINVAL, 0 },
		{ "17179869184G", -ERANGE, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999G", -ERANGE, 0 },
		{ "18014398509481984K", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = SENTINEL;
		int r = parse_size(t[i].s, &v);

		if (r != t[i].r)
			fprintf(stderr, "parse_size(\"%s\") = %d\n", t[i].s, r);
		TS_ASSERT_INT_EQ(r, t[i].r);
		if (r == 0)
			TS_ASSERT(v == t[i].v);
		else
			TS_ASSERT(v == SENTINEL); /* untouched on error */
	}
	{
		uint64_t v = SENTINEL;

		TS_ASSERT_INT_EQ(parse_size(NULL, &v), -EINVAL);
		TS_ASSERT(v == SENTINEL);
	}
}

/* --- parse_duration --- */

static void test_parse_duration(void)
{
	static const struct {
		const char *s;
		int r;
		usec_t v;
	} t[] = {
		{ "10s", 0, 10 * USEC_PER_SEC },
		{ "10sec", 0, 10 * USEC_PER_SEC },
		{ "500ms", 0, 500000 },
		{ "500msec", 0, 500000 },
		{ "250us", 0, 250 },
		{ "250usec", 0, 250 },
		{ "2min", 0, 120 * USEC_PER_SEC },
		{ "2m", 0, 120 * USEC_PER_SEC },
		{ "1h", 0, 3600 * USEC_PER_SEC },
		{ "1hour", 0, 3600 * USEC_PER_SEC },
		{ "1d", 0, 86400 * USEC_PER_SEC },
		{ "1day", 0, 86400 * USEC_PER_SEC },
		{ "5", 0, 5 * USEC_PER_SEC },
		{ "0", 0, 0 },
		{ "5 s", 0, 5 * USEC_PER_SEC },
		{ "", -EINVAL, 0 },
		{ "s", -EINVAL, 0 },
		{ "x", -EINVAL, 0 },
		{ "5x", -EINVAL, 0 },
		{ "5mins", -EINVAL, 0 },
		{ "1.5s", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 },
		{ " 5s", -EINVAL, 0 },
		{ "5s ", -EINVAL, 0 },
		{ "1h30min", -EINVAL, 0 },
		{ "99999999999999d", -ERANGE, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "18446744073709s", 0, 18446744073709ULL * USEC_PER_SEC },
		{ "18446744073710s", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		usec_t v = SENTINEL;
		int r = parse_duration(t[i].s, &v);

		if (r != t[i].r)
			fprintf(stderr, "parse_duration(\"%s\") = %d\n", t[i].s, r);
		TS_ASSERT_INT_EQ(r, t[i].r);
		if (r == 0)
			TS_ASSERT(v == t[i].v);
		else
			TS_ASSERT(v == SENTINEL);
	}
}

/* --- parse_uint64, parse_boolean --- */

static void test_parse_uint64(void)
{
	static const struct {
		const char *s;
		int r;
		uint64_t v;
	} t[] = {
		{ "0", 0, 0 },
		{ "42", 0, 42 },
		{ "007", 0, 7 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1k", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "abc", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = SENTINEL;
		int r = parse_uint64(t[i].s, &v);

		if (r != t[i].r)
			fprintf(stderr, "parse_uint64(\"%s\") = %d\n", t[i].s, r);
		TS_ASSERT_INT_EQ(r, t[i].r);
		TS_ASSERT(v == (r == 0 ? t[i].v : SENTINEL));
	}
	{
		uint64_t v = SENTINEL;

		TS_ASSERT_INT_EQ(parse_uint64(NULL, &v), -EINVAL);
	}
}

static void test_parse_boolean(void)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on",
					   "YES", "True", "ON", "Y" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off",
					  "NO", "False", "OFF", "N" };
	static const char *const bad[] = { "", "2", "yess", "of", "enable", " yes",
					   "yes ", "-1", "nope", "oui" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		TS_ASSERT_INT_EQ(parse_boolean(yes[i]), 1);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		TS_ASSERT_INT_EQ(parse_boolean(no[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_boolean(bad[i]) != -EINVAL)
			fprintf(stderr, "parse_boolean(\"%s\") accepted\n", bad[i]);
		TS_ASSERT_INT_EQ(parse_boolean(bad[i]), -EINVAL);
	}
	TS_ASSERT_INT_EQ(parse_boolean(NULL), -EINVAL);
}

/* --- UTF-8 --- */

static void test_utf8_valid(void)
{
	static const struct {
		const char *s;
		size_t len; /* 0: strlen */
		bool valid;
	} t[] = {
		{ "plain ascii", 0, true },
		{ "\x01\x1f\x7f", 0, true },               /* controls are valid UTF-8 */
		{ "h\xc3\xa9llo", 0, true },               /* é */
		{ "\xe2\x82\xac", 0, true },               /* € */
		{ "\xe6\x97\xa5\xe6\x9c\xac", 0, true },   /* 日本 */
		{ "\xf0\x9f\x98\x80", 0, true },           /* 😀 */
		{ "\xc2\x80", 0, true },                   /* U+0080 */
		{ "\xdf\xbf", 0, true },                   /* U+07FF */
		{ "\xe0\xa0\x80", 0, true },               /* U+0800 */
		{ "\xef\xbf\xbf", 0, true },               /* U+FFFF */
		{ "\xed\x9f\xbf", 0, true },               /* U+D7FF */
		{ "\xee\x80\x80", 0, true },               /* U+E000 */
		{ "\xf0\x90\x80\x80", 0, true },           /* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 0, true },           /* U+10FFFF */
		{ "\xc0\x80", 0, false },                  /* overlong NUL */
		{ "\xc0\xaf", 0, false },                  /* overlong '/' */
		{ "\xc1\xbf", 0, false },
		{ "\xe0\x80\xaf", 0, false },
		{ "\xe0\x9f\xbf", 0, false },              /* overlong U+07FF */
		{ "\xf0\x80\x80\xaf", 0, false },
		{ "\xf0\x8f\xbf\xbf", 0, false },          /* overlong U+FFFF */
		{ "\xed\xa0\x80", 0, false },              /* U+D800 */
		{ "\xed\xbf\xbf", 0, false },              /* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", 0, false },  /* CESU-8 pair */
		{ "\xf4\x90\x80\x80", 0, false },          /* U+110000 */
		{ "\xf5\x80\x80\x80", 0, false },
		{ "\xf8\x88\x80\x80\x80", 0, false },      /* 5 bytes */
		{ "\xfe", 0, false },
		{ "\xff", 0, false },
		{ "\x80", 0, false },                      /* lone continuation */
		{ "a\xbf" "b", 0, false },
		{ "\xc3", 0, false },                      /* truncated */
		{ "\xe2\x82", 0, false },
		{ "\xf0\x9f\x98", 0, false },
		{ "\xc3(", 0, false },                     /* bad continuation */
		{ "\xe2\x28\xa1", 0, false },
		{ "\xc3\xa9", 1, false },                  /* len cuts the sequence */
		{ "a\0b", 3, false },                      /* embedded NUL */
		{ "\0", 1, false },
		{ "", 0, true },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = t[i].len ?: strlen(t[i].s);
		char *b = malloc(len ?: 1); /* exact size: ASan catches over-reads */
		bool v;

		TS_ASSERT(b);
		memcpy(b, t[i].s, len);
		v = utf8_is_valid_n(b, len);
		free(b);
		if (v != t[i].valid)
			fprintf(stderr, "utf8 input #%zu: %d\n", i, v);
		TS_ASSERT_INT_EQ(v, t[i].valid);
	}
}

/* --- escaping --- */

static void hexdump(const char *label, const char *s)
{
	fprintf(stderr, "%s:", label);
	for (; *s; s++)
		fprintf(stderr, " %02x", (unsigned char)*s);
	fputc('\n', stderr);
}

static void check_escape(const char *in, size_t len, bool json, const char *want)
{
	char *b = malloc(len ?: 1), *out;
	bool same;

	TS_ASSERT(b);
	memcpy(b, in, len);
	out = escape_bytes(b, len, json);
	free(b);
	TS_ASSERT(out);
	same = strcmp(out, want) == 0;
	if (!same) {
		/* as hex: the raw bytes may be terminal controls */
		fprintf(stderr, "escape_bytes(json_safe=%d) differs\n", json);
		hexdump(" got", out);
		hexdump("want", want);
	}
	free(out);
	TS_ASSERT(same);
}

#define CHECK_ESCAPE(in, json, want)                                               \
	do {                                                                       \
		int _f = test_failures;                                            \
		check_escape((in), sizeof(in) - 1, (json), (want));                \
		if (test_failures != _f)                                           \
			return;                                                    \
	} while (0)

static void test_escape_bytes(void)
{
	CHECK_ESCAPE("", false, "");
	CHECK_ESCAPE("plain text 123", false, "plain text 123");
	CHECK_ESCAPE("a\nb", false, "a\\nb");
	CHECK_ESCAPE("a\tb", false, "a\\tb");
	CHECK_ESCAPE("a\rb", false, "a\\rb");
	CHECK_ESCAPE("a\\b", false, "a\\\\b");
	CHECK_ESCAPE("\x1b[31mred", false, "\\x1b[31mred");
	CHECK_ESCAPE("\x7f", false, "\\x7f");
	CHECK_ESCAPE("\x01\x1f", false, "\\x01\\x1f");
	CHECK_ESCAPE("a\0b", false, "a\\x00b");
	CHECK_ESCAPE("\xff", false, "\\xff");
	CHECK_ESCAPE("x\xfe\xffy", false, "x\\xfe\\xffy");
	CHECK_ESCAPE("h\xc3\xa9llo", false, "h\xc3\xa9llo");
	CHECK_ESCAPE("\xe6\x97\xa5\xe6\x9c\xac", false, "\xe6\x97\xa5\xe6\x9c\xac");
	CHECK_ESCAPE("\xf0\x9f\x98\x80", false, "\xf0\x9f\x98\x80");
	CHECK_ESCAPE("\xc0\xaf", false, "\\xc0\\xaf");
	CHECK_ESCAPE("\xed\xa0\x80", false, "\\xed\\xa0\\x80");
	CHECK_ESCAPE("\xe2\x82", false, "\\xe2\\x82");  /* truncated at the end */
	CHECK_ESCAPE("\xe2\x82x", false, "\\xe2\\x82x");
	CHECK_ESCAPE("\xf4\x90\x80\x80", false, "\\xf4\\x90\\x80\\x80");
	/* a forged log line stays on one line */
	CHECK_ESCAPE("ok\nFAKE: root login", false, "ok\\nFAKE: root login");

	/* json_safe: the JSON encoder escapes backslashes itself */
	CHECK_ESCAPE("a\\b", true, "a\\b");
	CHECK_ESCAPE("a\nb\t", true, "a\\nb\\t");
	CHECK_ESCAPE("\x1b", true, "\\x1b");
	CHECK_ESCAPE("\xff", true, "\\xff");
	CHECK_ESCAPE("h\xc3\xa9llo \"q\"", true, "h\xc3\xa9llo \"q\"");
	CHECK_ESCAPE("\xed\xbf\xbf", true, "\\xed\\xbf\\xbf");
}

static void test_escape_c1_controls(void)
{
	/* C1 controls (U+0080..U+009F) are control characters: U+009B is CSI and
	 * starts terminal escape sequences, U+0085 is NEL (next line). The contract
	 * ("control characters ... become C escapes"; output "must never be able to
	 * forge lines or terminal escape sequences") requires escaping them. */
	CHECK_ESCAPE("\xc2\x9b" "31m", false, "\\xc2\\x9b31m");
	CHECK_ESCAPE("a\xc2\x85" "b", false, "a\\xc2\\x85b");
	CHECK_ESCAPE("\xc2\x9b", true, "\\xc2\\x9b");
}

static void test_escape_worst_case(void)
{
	/* every byte escaped as \xNN: 4x expansion, exactly */
	char in[256], *out;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(0x80 + i % 0x40); /* lone continuation bytes */
	out = escape_bytes(in, sizeof(in), false);
	TS_ASSERT(out);
	TS_ASSERT_INT_EQ(strlen(out), 4 * sizeof(in));
	TS_ASSERT(strncmp(out, "\\x80\\x81", 8) == 0);
	free(out);
}

static char *memstream_escape(const char *s, size_t len, size_t *ret_len)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	if (!f)
		return NULL;
	fputs_escaped(f, s, len);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	*ret_len = size;
	return out;
}

static void test_fputs_escaped_small(void)
{
	static const char in[] = "h\xc3\xa9 \\ \x1b[2J\n\xff";
	static const char want[] = "h\xc3\xa9 \\\\ \\x1b[2J\\n\\xff";
	char buf[128];
	FILE *f;

	memset(buf, 0, sizeof(buf));
	f = fmemopen(buf, sizeof(buf), "w");
	TS_ASSERT(f);
	fputs_escaped(f, in, sizeof(in) - 1);
	fputs_escaped(f, "", 0);
	fclose(f);
	TS_ASSERT_STR_EQ(buf, want);
}

static void test_fputs_escaped_large(void)
{
	const size_t len = 128 * 1024;
	char *in = malloc(len), *out, *ref;
	size_t out_len = 0;

	TS_ASSERT(in);

	/* ASCII with controls, no multi-byte sequences: chunking must not show */
	for (size_t i = 0; i < len; i++)
		in[i] = (char)(i % 128);
	out = memstream_escape(in, len, &out_len);
	ref = escape_bytes(in, len, false);
	TS_ASSERT(out && ref);
	TS_ASSERT_INT_EQ(out_len, strlen(ref));
	TS_ASSERT(memcmp(out, ref, out_len) == 0);
	free(out);
	free(ref);

	/* multi-byte text: valid sequences that do not straddle 256-byte chunk
	 * edges (3 + 253 bytes) come out unchanged */
	for (size_t i = 0; i < len; i += 256) {
		memcpy(in + i, "\xe2\x82\xac", 3);
		memset(in + i + 3, 'a', 253);
	}
	out = memstream_escape(in, len, &out_len);
	TS_ASSERT(out);
	TS_ASSERT_INT_EQ(out_len, len);
	TS_ASSERT(memcmp(out, in, len) == 0);
	free(out);

	/* random bytes: whatever the chunking does, the output is valid UTF-8
	 * with no C0 control and no DEL left raw */
	{
		uint32_t x = 12345;

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[i] = (char)(x >> 24);
		}
	}
	out = memstream_escape(in, len, &out_len);
	TS_ASSERT(out);
	TS_ASSERT(out_len >= len);
	TS_ASSERT(utf8_is_valid_n(out, out_len));
	for (size_t i = 0; i < out_len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == 0x7f) {
			fprintf(stderr, "raw control 0x%02x at %zu\n", c, i);
			free(out);
			TS_ASSERT(false);
		}
	}
	free(out);
	free(in);
}

/* --- formatting --- */

static void test_format_duration(void)
{
	static const struct {
		nsec_t ns;
		const char *want;
	} t[] = {
		{ 0, "0us" },
		{ 999, "0us" },
		{ 1000, "1us" },
		{ 999999, "999us" },
		{ 1000000, "1ms" },
		{ 12000000, "12ms" },
		{ 12345678, "12.345ms" },
		{ 999999999, "999.999ms" },
		{ 1000000000, "1s" },
		{ 1234000000, "1.234s" },
		{ 59999000000ULL, "59.999s" },
		{ 60000000000ULL, "1min" },
		{ 182000000000ULL, "3min 2s" },
		{ 3599999999999ULL, "59min 59s" },
		{ 3600000000000ULL, "1h" },
		{ 90061000000000ULL, "25h 1min" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		TS_ASSERT(format_duration(buf, sizeof(buf), t[i].ns) == buf);
		TS_ASSERT_STR_EQ(buf, t[i].want);
	}
	/* a short buffer is cut, NUL-terminated */
	memset(buf, 'x', sizeof(buf));
	format_duration(buf, 4, 1234000000);
	TS_ASSERT_STR_EQ(buf, "1.2");
}

static void test_format_timestamp(void)
{
	char buf[64];

	setenv("TZ", "UTC", 1);
	tzset();
	TS_ASSERT(format_timestamp(buf, sizeof(buf), 0) == buf);
	TS_ASSERT_STR_EQ(buf, "1970-01-01 00:00:00.000");
	format_timestamp(buf, sizeof(buf), 1700000000123456ULL);
	TS_ASSERT_STR_EQ(buf, "2023-11-14 22:13:20.123");
	format_timestamp(buf, sizeof(buf), 1700000000999999ULL);
	TS_ASSERT_STR_EQ(buf, "2023-11-14 22:13:20.999");

	setenv("TZ", "UTC-2", 1); /* POSIX sign: two hours east */
	tzset();
	format_timestamp(buf, sizeof(buf), 1700000000123456ULL);
	TS_ASSERT_STR_EQ(buf, "2023-11-15 00:13:20.123");
	unsetenv("TZ");
	tzset();
}

static void test_kernel_release(void)
{
	TS_ASSERT(kernel_release_at_least("6.6.0", 6, 6));
	TS_ASSERT(kernel_release_at_least("6.18.1+deb13-amd64", 6, 6));
	TS_ASSERT(kernel_release_at_least("7.0", 6, 6));
	TS_ASSERT(!kernel_release_at_least("6.1.0-28-amd64", 6, 6));
	TS_ASSERT(!kernel_release_at_least("5.19", 6, 6));
	TS_ASSERT(kernel_release_at_least("6", 6, 0));
	TS_ASSERT(!kernel_release_at_least("", 6, 6));
	TS_ASSERT(!kernel_release_at_least("unknown", 6, 6));
	TS_ASSERT(!kernel_release_at_least(NULL, 6, 6));
}

int main(void)
{
	RUN_TEST(test_parse_size);
	RUN_TEST(test_parse_duration);
	RUN_TEST(test_parse_uint64);
	RUN_TEST(test_parse_boolean);
	RUN_TEST(test_utf8_valid);
	RUN_TEST(test_escape_bytes);
	RUN_TEST(test_escape_c1_controls);
	RUN_TEST(test_escape_worst_case);
	RUN_TEST(test_fputs_escaped_small);
	RUN_TEST(test_fputs_escaped_large);
	RUN_TEST(test_format_duration);
	RUN_TEST(test_format_timestamp);
	RUN_TEST(test_kernel_release);
	return TEST_EXIT();
}
