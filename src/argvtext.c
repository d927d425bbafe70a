/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command line as one line of text and back (argvtext.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "argvtext.h"
#include "util.h"

static bool arg_needs_quotes(const char *s, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '"' || s[i] == '\'')
			return true;
	return false;
}

/* One word of a line, escaped; in "…" if it has blanks or quotes (or is empty), so
 * the line still splits where it should. */
void fput_word(FILE *f, const char *s, size_t l)
{
	if (!arg_needs_quotes(s, l)) {
		fputs_escaped(f, s, l);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < l; i++) {
		const char *q = memchr(s + i, '"', l - i);
		size_t run = q ? (size_t)(q - (s + i)) : l - i;

		fputs_escaped(f, s + i, run);
		i += run;
		if (i < l)
			fputs("\\\"", f);
	}
	fputc('"', f);
}

/* argv the way a shell user would read it: arguments with blanks or quotes in "…" */
void fputs_argv(FILE *f, const char *argv, size_t len)
{
	const char *p = argv, *end = argv + len;

	/* cmdline normally ends in NUL: that does not start another (empty) argument */
	if (len > 0 && argv[len - 1] == 0)
		end--;
	while (p <= end) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		size_t l = z ? (size_t)(z - p) : (size_t)(end - p);

		if (p != argv)
			fputc(' ', f);
		fput_word(f, p, l);
		if (!z)
			break;
		p = z + 1;
	}
}

char *argv_quoted(const char *argv, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fputs_argv(f, argv, len);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One escape at s (s[0] is the backslash): its byte into *out; how many input
 * bytes it took. Unknown: the backslash alone, as it is. */
static size_t unescape(const char *s, size_t len, char *out)
{
	static const char from[] = "ntr\\\"", to[] = "\n\t\r\\\"";
	const char *k;

	if (len >= 2 && s[1] && (k = strchr(from, s[1]))) {
		*out = to[k - from];
		return 2;
	}
	if (len >= 4 && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
		*out = (char)(hexval(s[2]) << 4 | hexval(s[3]));
		return 4;
	}
	*out = '\\';
	return 1;
}

char *argv_unquote(const char *s, size_t len, size_t *ret_len)
{
	/* escapes only shrink, and each argument gains one NUL for its blank */
	char *argv = malloc(len + 2);
	size_t i = 0, o = 0;

	if (!argv)
		return NULL;
	while (i < len) {
		bool quoted = s[i] == '"';

		i += quoted;
		while (i < len) {
			if (quoted && s[i] == '"') {
				i++;
				break;
			}
			if (!quoted && s[i] == ' ')
				break;
			if (s[i] == '\\')
				i += unescape(s + i, len - i, &argv[o++]);
			else
				argv[o++] = s[i++];
		}
		argv[o++] = 0;
		/* the blank between two arguments */
		if (i < len && s[i] == ' ')
			i++;
	}
	*ret_len = o;
	return argv;
}
