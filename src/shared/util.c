/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers: parsing, escaping, time, UTF-8 (util.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "util.h"

usec_t now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / NSEC_PER_USEC;
}

nsec_t now_nsec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (nsec_t)ts.tv_sec * NSEC_PER_SEC + (nsec_t)ts.tv_nsec;
}

/* Split "123abc" into the number and the unit suffix; whitespace between is allowed. */
static int parse_number_unit(const char *s, uint64_t *ret_num, const char **ret_unit)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	while (*end == ' ')
		end++;
	*ret_num = v;
	*ret_unit = end;
	return 0;
}

int parse_uint64(const char *s, uint64_t *ret)
{
	const char *unit;
	uint64_t v;
	int r;

	r = parse_number_unit(s, &v, &unit);
	if (r < 0)
		return r;
	/* unlike sizes and durations, a bare number takes no blank after it either */
	if (*unit || (unit > s && unit[-1] == ' '))
		return -EINVAL;
	*ret = v;
	return 0;
}

static int multiply(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

typedef struct UnitFactor {
	const char *suffix;
	uint64_t factor;
} UnitFactor;

/* A number with one of the table's unit suffixes, scaled by its factor. */
static int parse_with_units(const char *s, const UnitFactor *table, size_t n, uint64_t *ret)
{
	const char *unit;
	uint64_t v;
	int r;

	r = parse_number_unit(s, &v, &unit);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(unit, table[i].suffix) == 0)
			return multiply(v, table[i].factor, ret);
	return -EINVAL;
}

int parse_size(const char *s, uint64_t *ret)
{
	static const UnitFactor table[] = {
		{ "", 1 },		{ "B", 1 },
		{ "K", 1ULL << 10 },	{ "KiB", 1ULL << 10 },	{ "k", 1ULL << 10 },
		{ "M", 1ULL << 20 },	{ "MiB", 1ULL << 20 },
		{ "G", 1ULL << 30 },	{ "GiB", 1ULL << 30 },
	};

	return parse_with_units(s, table, ELEMENTSOF(table), ret);
}

int parse_duration(const char *s, usec_t *ret)
{
	static const UnitFactor table[] = {
		{ "", USEC_PER_SEC },	     { "s", USEC_PER_SEC },
		{ "sec", USEC_PER_SEC },     { "ms", 1000 },
		{ "msec", 1000 },	     { "us", 1 },
		{ "usec", 1 },		     { "m", 60 * USEC_PER_SEC },
		{ "min", 60 * USEC_PER_SEC }, { "h", 3600 * USEC_PER_SEC },
		{ "hour", 3600 * USEC_PER_SEC }, { "d", 86400 * USEC_PER_SEC },
		{ "day", 86400 * USEC_PER_SEC },
	};
	uint64_t u;
	int r;

	r = parse_with_units(s, table, ELEMENTSOF(table), &u);
	if (r == 0)
		*ret = u;
	return r;
}

int parse_boolean(const char *s)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -EINVAL;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid/truncated. */
static size_t utf8_sequence_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool utf8_is_valid_n(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		size_t n = utf8_sequence_len(p, len);
		if (n == 0 || (n == 1 && *p == 0))
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* Escape into a caller-sized buffer (4 bytes per input byte at most); returns length. */
static size_t escape_into(char *out, const char *s, size_t len, bool json_safe)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (len > 0) {
		size_t n = utf8_sequence_len(p, len);

		/* U+0080..U+009F (C1 controls, e.g. CSI) drive terminals as ESC does */
		bool c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;

		if ((n > 1 && !c1) ||
		    (n == 1 && *p >= 0x20 && *p != 0x7f && (json_safe || *p != '\\'))) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
			len -= n;
			continue;
		}
		if (c1) {
			for (int k = 0; k < 2; k++) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[k] >> 4];
				out[o++] = hex[p[k] & 0xf];
			}
			p += 2;
			len -= 2;
			continue;
		}
		out[o++] = '\\';
		switch (*p) {
		case '\n':
			out[o++] = 'n';
			break;
		case '\t':
			out[o++] = 't';
			break;
		case '\r':
			out[o++] = 'r';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		default:
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		}
		p++;
		len--;
	}
	out[o] = 0;
	return o;
}

char *escape_bytes(const char *s, size_t len, bool json_safe)
{
	char *out;

	if (len > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(len * 4 + 1);
	if (!out)
		return NULL;
	escape_into(out, s, len, json_safe);
	return out;
}

void fputs_escaped(FILE *f, const char *s, size_t len)
{
	char buf[4 * 256 + 1];

	/* chunked so a 128 KiB argv needs no allocation; chunk edges may split a UTF-8
	 * sequence, which then shows as \xNN escapes: acceptable for display */
	while (len > 0) {
		size_t n = MIN(len, (size_t)256);
		fwrite(buf, 1, escape_into(buf, s, n, false), f);
		s += n;
		len -= n;
	}
}

char *format_timestamp(char *buf, size_t size, usec_t realtime)
{
	time_t sec = (time_t)(realtime / USEC_PER_SEC);
	struct tm tm;
	char tmp[32];

	if (!localtime_r(&sec, &tm) || strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "@%llu", realtime);
		return buf;
	}
	snprintf(buf, size, "%s.%03llu", tmp, (realtime % USEC_PER_SEC) / 1000);
	return buf;
}

char *format_duration(char *buf, size_t size, nsec_t ns)
{
	nsec_t us = ns / NSEC_PER_USEC;

	if (us < 1000)
		snprintf(buf, size, "%lluus", us);
	else if (us < 60 * USEC_PER_SEC && us % USEC_PER_SEC == 0)
		snprintf(buf, size, "%llus", us / USEC_PER_SEC);
	else if (us < USEC_PER_SEC && us % 1000 == 0)
		snprintf(buf, size, "%llums", us / 1000);
	else if (us < USEC_PER_SEC)
		snprintf(buf, size, "%llu.%03llums", us / 1000, us % 1000);
	else if (us < 60 * USEC_PER_SEC)
		snprintf(buf, size, "%llu.%03llus", us / USEC_PER_SEC, (us % USEC_PER_SEC) / 1000);
	else if (us < 3600 * USEC_PER_SEC && (us / USEC_PER_SEC) % 60 == 0)
		snprintf(buf, size, "%llumin", us / (60 * USEC_PER_SEC));
	else if (us < 3600 * USEC_PER_SEC)
		snprintf(buf, size, "%llumin %llus", us / (60 * USEC_PER_SEC),
			 (us / USEC_PER_SEC) % 60);
	else if ((us / (60 * USEC_PER_SEC)) % 60 == 0)
		snprintf(buf, size, "%lluh", us / (3600 * USEC_PER_SEC));
	else
		snprintf(buf, size, "%lluh %llumin", us / (3600 * USEC_PER_SEC),
			 (us / (60 * USEC_PER_SEC)) % 60);
	return buf;
}

const char *kernel_release(char *buf, size_t size)
{
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%s", u.release);
	return buf;
}

bool kernel_release_at_least(const char *release, unsigned major, unsigned minor)
{
	unsigned a = 0, b = 0;

	if (!release || sscanf(release, "%u.%u", &a, &b) < 1)
		return false;
	return a > major || (a == major && b >= minor);
}

bool kernel_at_least(unsigned major, unsigned minor)
{
	char buf[128];

	return kernel_release_at_least(kernel_release(buf, sizeof(buf)), major, minor);
}

uint64_t monotonic_to_realtime_usec(uint64_t mono_ns)
{
	nsec_t rt = now_nsec(CLOCK_REALTIME), mono = now_nsec(CLOCK_MONOTONIC);

	return (rt - mono + mono_ns) / NSEC_PER_USEC;
}
