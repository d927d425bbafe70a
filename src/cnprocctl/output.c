/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How cnprocctl writes things out: its messages, the daemon's fields read and
 * escaped, tables cut to the terminal, and processes drawn as a forest.
 */
#include <errno.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cnproc.h"
#include "output.h"
#include "util.h"

void log_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cnprocctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A value that is not valid UTF-8 comes as the array of its bytes (cnprocd(8)):
 * its bytes, in a string jansson keeps as they are (escaped when printed). NULL
 * if v is neither. */
static json_t *bytes_string(json_t *v)
{
	_cleanup_free_ char *b = NULL;
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return NULL;
	b = malloc(json_array_size(v) + 1);
	if (!b)
		return NULL;
	json_array_foreach(v, i, e) {
		json_int_t c = json_integer_value(e);

		if (!json_is_integer(e) || c < 0 || c > 255)
			return NULL;
		b[i] = (char)c;
	}
	return json_stringn_nocheck(b, json_array_size(v));
}

const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key), *s;

	if (json_is_string(v))
		return json_string_value(v);
	/* decoded once, in place: the object owns the string from now on */
	s = bytes_string(v);
	if (!s || json_object_set_new(o, key, s) < 0)
		return NULL;
	return json_string_value(s);
}

bool jint(json_t *o, const char *key, long long *ret)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return false;
	*ret = json_integer_value(v);
	return true;
}

long long jnum(json_t *o, const char *key)
{
	long long v;

	return jint(o, key, &v) ? v : 0;
}

/* every event type, in the order status lists them */
static const ProcEventType event_types[] = {
	PROC_EV_FORK, PROC_EV_EXEC,   PROC_EV_EXIT, PROC_EV_UID,      PROC_EV_GID,
	PROC_EV_SID,  PROC_EV_PTRACE, PROC_EV_COMM, PROC_EV_COREDUMP,
};
_Static_assert(ELEMENTSOF(event_types) == _PROC_EV_MAX - 1, "an event type is missing");

const char *event_type_shown(size_t i)
{
	return i < ELEMENTSOF(event_types) ? proc_event_type_to_string(event_types[i]) : NULL;
}

bool event_type_known(const char *s)
{
	return proc_event_type_from_string(s) > PROC_EV_NONE;
}

static bool utf8_locale(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

static bool full_lines;

void output_set_full(bool full)
{
	full_lines = full;
}

/* columns on the terminal; 0 when stdout is not one, or --full (no truncation) */
static size_t terminal_columns(void)
{
	struct winsize ws = {};

	if (full_lines || !isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return 0;
	return ws.ws_col;
}

/* Display width of escaped text: every UTF-8 sequence counts as one column. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Byte length of the first `cols` columns of s. */
static size_t text_prefix(const char *s, size_t cols)
{
	size_t i = 0, w = 0;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (w == cols)
				break;
			w++;
		}
	}
	return i;
}

char *escaped(const char *s)
{
	return escape_bytes(s, strlen(s), false);
}

int print_json(json_t *v)
{
	size_t flags = isatty(STDOUT_FILENO) ? JSON_INDENT(2) : JSON_COMPACT;

	if (json_dumpf(v, stdout, flags) < 0)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

void fput_escaped(FILE *f, const char *s)
{
	fputs_escaped(f, s, strlen(s));
}

void fput_text(FILE *f, const char *s)
{
	_cleanup_free_ char *e = escape_bytes(s, strlen(s), true);

	fputs(e ?: "?", f);
}

/* One argument, in "…" (with \" inside) when it has blanks or quotes or is empty. */
static void fput_arg(FILE *f, const char *s, bool quote)
{
	size_t l = strlen(s);

	if (!quote || (l > 0 && !strpbrk(s, " \t\"'"))) {
		fputs_escaped(f, s, l);
		return;
	}
	fputc('"', f);
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		fputs_escaped(f, s, (size_t)(q - s));
		fputs("\\\"", f);
	}
	fput_escaped(f, s);
	fputc('"', f);
}

void fput_argv(FILE *f, json_t *argv, bool quote)
{
	size_t i;
	json_t *a;

	json_array_foreach(argv, i, a) {
		json_t *s = json_is_string(a) ? json_incref(a) : bytes_string(a);

		if (i > 0)
			fputc(' ', f);
		fput_arg(f, json_string_value(s) ?: "?", quote);
		json_decref(s);
	}
}

/* --- tables --- */

void table_done(Table *t)
{
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
}

int table_add(Table *t, char *cell)
{
	if (!cell)
		return -ENOMEM;
	if (t->n_cells == t->alloc) {
		size_t na = MAX(t->alloc * 2, (size_t)64);
		char **n = realloc(t->cells, na * sizeof(*n));

		if (!n) {
			free(cell);
			return -ENOMEM;
		}
		t->cells = n;
		t->alloc = na;
	}
	t->cells[t->n_cells++] = cell;
	return 0;
}

int table_addf(Table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return table_add(t, r < 0 ? NULL : s);
}

int table_add_escaped(Table *t, const char *s)
{
	return table_add(t, s ? escaped(s) : strdup("-"));
}

int table_add_headers(Table *t, const char *const *headers)
{
	int r = 0;

	for (size_t i = 0; i < t->n_cols && r >= 0; i++)
		r = table_add(t, strdup(headers[i]));
	return r;
}

void table_print(const Table *t, FILE *f, size_t indent)
{
	size_t width[16] = {}, n_rows = t->n_cells / t->n_cols, cols = terminal_columns();

	for (size_t i = 0; i < t->n_cells; i++)
		width[i % t->n_cols] = MAX(width[i % t->n_cols], text_width(t->cells[i]));
	for (size_t row = 0; row < n_rows; row++) {
		size_t x = indent;

		fprintf(f, "%*s", (int)indent, "");
		for (size_t col = 0; col < t->n_cols; col++) {
			const char *s = t->cells[row * t->n_cols + col];
			size_t pad = width[col] - text_width(s);

			if (col == t->n_cols - 1) {
				size_t room = cols > x ? cols - x : 1;

				if (t->right & (1U << col))
					fprintf(f, "%*s", (int)pad, "");
				fwrite(s, 1, cols ? text_prefix(s, room) : strlen(s), f);
				break;
			}
			if (t->right & (1U << col))
				fprintf(f, "%*s%s ", (int)pad, "", s);
			else
				fprintf(f, "%s%*s ", s, (int)pad, "");
			x += width[col] + 1;
		}
		fputc('\n', f);
	}
}

/* --- process forests --- */

static int compare_pid(const void *a, const void *b)
{
	long long x = jnum(*(json_t *const *)a, "pid");
	long long y = jnum(*(json_t *const *)b, "pid");

	return (x > y) - (x < y);
}

void processes_sort(json_t **procs, size_t n)
{
	qsort(procs, n, sizeof(*procs), compare_pid);
}

static long long find_pid(json_t **procs, size_t n, long long pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		long long m = jnum(procs[mid], "pid");

		if (m == pid)
			return (long long)mid;
		if (m < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

typedef struct Forest {
	json_t **procs; /* sorted by pid */
	size_t n;
	size_t *first, *children; /* children of i: children[first[i] .. first[i + 1]) */
	bool *seen;
	bool *last;     /* per depth: the node at that depth is its parent's last child */
	size_t *stack, *next;
	ProcessRowFunc row;
} Forest;

static void forest_done(Forest *f)
{
	free(f->first);
	free(f->children);
	free(f->seen);
	free(f->last);
	free(f->stack);
	free(f->next);
}

static int forest_row(Forest *f, Table *t, size_t node, size_t depth)
{
	_cleanup_free_ char *prefix = NULL;
	bool utf8 = utf8_locale();
	const char *branch = utf8 ? "├─ " : "|- ", *corner = utf8 ? "└─ " : "`- ";
	const char *pipe = utf8 ? "│  " : "|  ";
	size_t size;
	FILE *s;

	s = open_memstream(&prefix, &size);
	if (!s)
		return -ENOMEM;
	for (size_t d = 1; d <= depth; d++) {
		if (d < depth)
			fputs(f->last[d] ? "   " : pipe, s);
		else
			fputs(f->last[d] ? corner : branch, s);
	}
	if (fclose(s) != 0)
		return -ENOMEM;
	return f->row(t, f->procs[node], prefix);
}

/* Depth first from root, without recursion: trees can be deep. */
static int forest_walk(Forest *f, Table *t, size_t root)
{
	size_t depth = 0;
	int r;

	f->seen[root] = true;
	f->stack[0] = root;
	f->next[0] = f->first[root];
	r = forest_row(f, t, root, 0);
	while (r >= 0) {
		size_t node = f->stack[depth], child;

		while (f->next[depth] < f->first[node + 1] &&
		       f->seen[f->children[f->next[depth]]])
			f->next[depth]++;
		if (f->next[depth] >= f->first[node + 1]) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		child = f->children[f->next[depth]++];
		f->seen[child] = true;
		depth++;
		f->last[depth] = f->next[depth - 1] >= f->first[node + 1];
		f->stack[depth] = child;
		f->next[depth] = f->first[child];
		r = forest_row(f, t, child, depth);
	}
	return r;
}

/* What a stale parent chain turned into a cycle is drawn from its lowest pid. */
int table_add_forest(Table *t, json_t **procs, size_t n, ProcessRowFunc row)
{
	_cleanup_(forest_done) Forest f = { .procs = procs, .n = n, .row = row };
	_cleanup_free_ size_t *parent = NULL;
	int r;

	parent = calloc(n + 1, sizeof(*parent));
	f.first = calloc(n + 2, sizeof(*f.first));
	f.children = calloc(n + 1, sizeof(*f.children));
	f.seen = calloc(n + 1, sizeof(*f.seen));
	f.last = calloc(n + 1, sizeof(*f.last));
	f.stack = calloc(n + 1, sizeof(*f.stack));
	f.next = calloc(n + 1, sizeof(*f.next));
	if (!parent || !f.first || !f.children || !f.seen || !f.last || !f.stack ||
	    !f.next)
		return -ENOMEM;

	for (size_t i = 0; i < n; i++) {
		long long pid = jnum(procs[i], "pid"), ppid = jnum(procs[i], "ppid");
		long long j = ppid > 0 && ppid != pid ? find_pid(procs, n, ppid) : -1;

		parent[i] = j < 0 ? SIZE_MAX : (size_t)j;
		if (j >= 0)
			f.first[j + 2]++;
	}
	/* counting sort: children stay in pid order */
	for (size_t i = 2; i < n + 2; i++)
		f.first[i] += f.first[i - 1];
	for (size_t i = 0; i < n; i++)
		if (parent[i] != SIZE_MAX)
			f.children[f.first[parent[i] + 1]++] = i;

	for (size_t i = 0; i < n; i++)
		if (parent[i] == SIZE_MAX && (r = forest_walk(&f, t, i)) < 0)
			return r;
	for (size_t i = 0; i < n; i++)
		if (!f.seen[i] && (r = forest_walk(&f, t, i)) < 0)
			return r;
	return 0;
}
