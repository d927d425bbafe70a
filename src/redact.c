/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Argument redaction of command lines (redact.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "redact.h"

RedactKind redact_pattern_kind(const char *pattern)
{
	size_t l = strlen(pattern);

	if (l >= 2 && pattern[l - 2] == '=' && pattern[l - 1] == '*')
		return REDACT_VALUE;
	/* a backslash escapes in fnmatch: such a pattern is a glob, not a literal */
	if (!strpbrk(pattern, "*?[\\"))
		return REDACT_NEXT;
	return REDACT_WHOLE;
}

const char *redact_kind_to_string(RedactKind k)
{
	switch (k) {
	case REDACT_VALUE:
		return "value";
	case REDACT_NEXT:
		return "next";
	case REDACT_WHOLE:
		return "whole";
	}
	return NULL;
}

int redact_pattern_check(const char *pattern)
{
	return pattern && pattern[0] ? 0 : -EINVAL;
}

/* One argument of the buffer: l bytes at s, terminated says whether a NUL follows. */
typedef struct Arg {
	const char *s;
	size_t l;
	bool terminated;
} Arg;

/* The argument at *pos, advancing *pos past it; false at the end of the buffer. A
 * final NUL terminates the last argument, it does not start an empty one. */
static bool next_arg(const char *argv, size_t len, size_t *pos, Arg *a)
{
	const char *z;

	if (*pos >= len)
		return false;
	a->s = argv + *pos;
	z = memchr(a->s, 0, len - *pos);
	a->terminated = z != NULL;
	a->l = z ? (size_t)(z - a->s) : len - *pos;
	*pos += a->l + a->terminated;
	return true;
}

typedef enum Action {
	KEEP,          /* copy the argument */
	KEEP_AND_NEXT, /* copy it, replace the next one */
	REPLACE_VALUE, /* keep up to the first '=', then the marker */
	REPLACE_WHOLE, /* the marker only */
} Action;

/* What the patterns say about one NUL-terminated argument; the first match wins. */
static Action decide(const char *arg, size_t l, char *const *patterns, size_t n_patterns)
{
	for (size_t i = 0; i < n_patterns; i++) {
		const char *p = patterns[i];
		size_t pl;

		if (!p || !p[0])
			continue;
		switch (redact_pattern_kind(p)) {
		case REDACT_VALUE:
			/* the pattern ends in "=", so a match has one: never a miss below */
			if (fnmatch(p, arg, 0) == 0)
				return REPLACE_VALUE;
			break;
		case REDACT_NEXT:
			pl = strlen(p);
			if (l == pl && memcmp(arg, p, pl) == 0)
				return KEEP_AND_NEXT;
			if (l > pl && memcmp(arg, p, pl) == 0 && arg[pl] == '=')
				return REPLACE_VALUE;
			break;
		case REDACT_WHOLE:
			if (fnmatch(p, arg, 0) == 0)
				return REPLACE_WHOLE;
			break;
		}
	}
	return KEEP;
}

int argv_redact(const char *argv, size_t len, char *const *patterns, size_t n_patterns,
		char **ret, size_t *ret_len)
{
	_cleanup_free_ char *out = NULL, *tmp = NULL;
	size_t pos = 0, n_args = 0, o = 0, marker_len = strlen(REDACT_MARKER);
	bool redact_next = false;
	int n_redacted = 0;
	Arg a;

	if (!ret || !ret_len || (!argv && len > 0) || (!patterns && n_patterns > 0))
		return -EINVAL;
	*ret = NULL;
	*ret_len = 0;
	if (len == 0 || n_patterns == 0)
		return 0;

	while (next_arg(argv, len, &pos, &a))
		n_args++;
	/* each argument grows by the marker at most (an empty value becomes "***") */
	if (n_args > (SIZE_MAX - len - 1) / marker_len)
		return -ENOMEM;
	out = malloc(len + n_args * marker_len + 1);
	if (!out)
		return -ENOMEM;

	pos = 0;
	for (size_t i = 0; next_arg(argv, len, &pos, &a); i++) {
		Action act = KEEP;
		const char *arg = a.s;

		if (i == 0)
			act = KEEP;
		else if (redact_next) {
			act = REPLACE_WHOLE;
			redact_next = false;
		} else {
			/* fnmatch needs a NUL: only a truncated last argument lacks one */
			if (!a.terminated) {
				free(tmp);
				tmp = strndup(a.s, a.l);
				if (!tmp)
					return -ENOMEM;
				arg = tmp;
			}
			act = decide(arg, a.l, patterns, n_patterns);
		}

		switch (act) {
		case KEEP:
			memcpy(out + o, a.s, a.l);
			o += a.l;
			break;
		case KEEP_AND_NEXT:
			memcpy(out + o, a.s, a.l);
			o += a.l;
			redact_next = true;
			break;
		case REPLACE_VALUE: {
			const char *eq = memchr(a.s, '=', a.l);
			/* the first '=': over-redacting "--x=token=abc" to "--x=***" is safe,
			 * and finding it costs one pass whatever the argument holds */
			size_t keep = eq ? (size_t)(eq - a.s) + 1 : 0;

			memcpy(out + o, a.s, keep);
			o += keep;
			memcpy(out + o, REDACT_MARKER, marker_len);
			o += marker_len;
			n_redacted++;
			break;
		}
		case REPLACE_WHOLE:
			memcpy(out + o, REDACT_MARKER, marker_len);
			o += marker_len;
			n_redacted++;
			break;
		}
		if (a.terminated)
			out[o++] = 0;
	}

	if (n_redacted == 0)
		return 0;
	*ret = TAKE_PTR(out);
	*ret_len = o;
	return n_redacted;
}
