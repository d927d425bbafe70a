/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl: the command-line client of cnprocd's io.cnprocd.Monitor varlink
 * interface. A small blocking client: one connection, one call at a time, each
 * message a JSON object followed by a NUL byte.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cnproc.h"
#include "macro.h"
#include "monitor-protocol.h"
#include "util.h"

#define READ_CHUNK (64 * 1024)
#define MAX_MESSAGE (256 * 1024 * 1024) /* far above what the daemon ever sends */

enum {
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,
	EXIT_PERMISSION = 4,
};

/* command-specific options, to refuse them where they mean nothing */
enum {
	OPT_UNIT = 1 << 0,
	OPT_USER = 1 << 1,
	OPT_COMM = 1 << 2,
	OPT_TREE = 1 << 3,
	OPT_EVENT = 1 << 4,
	OPT_UID = 1 << 5,
};

/* every event type, in the order status lists them */
static const ProcEventType event_types[] = {
	PROC_EV_FORK, PROC_EV_EXEC,   PROC_EV_EXIT, PROC_EV_UID,      PROC_EV_GID,
	PROC_EV_SID,  PROC_EV_PTRACE, PROC_EV_COMM, PROC_EV_COREDUMP,
};
_Static_assert(ELEMENTSOF(event_types) == _PROC_EV_MAX - 1, "an event type is missing");

typedef struct Args {
	const char *socket;
	bool json;
	unsigned opts; /* OPT_* seen */
	const char *unit, *user, *comm;
	bool tree;
	json_t *events; /* array of event type names, NULL: all */
	long long uid;  /* -1: any */
	const char *verb;
	char **args;
	int n_args;
} Args;

typedef struct Conn {
	int fd;
	const char *path;
	char *buf;
	size_t size, alloc;
} Conn;

typedef struct Reply {
	json_t *msg;
	json_t *params; /* borrowed from msg; never NULL after a successful read */
	const char *error;
	bool continues;
} Reply;

static volatile sig_atomic_t stop_signal;
static bool stop_signals_blocked;
static sigset_t unblocked_mask;

_printf_format_(1, 2) static void log_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cnprocctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool jint(json_t *o, const char *key, long long *ret)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return false;
	*ret = json_integer_value(v);
	return true;
}

static long long jnum(json_t *o, const char *key)
{
	long long v;

	return jint(o, key, &v) ? v : 0;
}

static bool utf8_locale(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* columns on the terminal; 0 when stdout is not one (no truncation) */
static size_t terminal_columns(void)
{
	struct winsize ws = {};

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
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

static char *escaped(const char *s)
{
	return escape_bytes(s, strlen(s), false);
}

/* --- output helpers --- */

static int print_json(json_t *v)
{
	size_t flags = isatty(STDOUT_FILENO) ? JSON_INDENT(2) : JSON_COMPACT;

	if (json_dumpf(v, stdout, flags) < 0)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

static void fput_escaped(FILE *f, const char *s)
{
	fputs_escaped(f, s, strlen(s));
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

static void fput_argv(FILE *f, json_t *argv, bool quote)
{
	size_t i;
	json_t *a;

	json_array_foreach(argv, i, a) {
		if (i > 0)
			fputc(' ', f);
		fput_arg(f, json_string_value(a) ?: "?", quote);
	}
}

/* A kernel thread: no executable, an empty command line, a child of kthreadd. */
static bool is_kernel_thread(json_t *p)
{
	json_t *argv = json_object_get(p, "argv");
	long long pid = jnum(p, "pid"), ppid = jnum(p, "ppid");

	if (jstr(p, "exe") || json_is_true(json_object_get(p, "unread")))
		return false;
	if (argv && !(json_is_array(argv) && json_array_size(argv) == 0))
		return false;
	return pid != 1 && ppid <= 2;
}

/* The command of a process, escaped: argv joined by blanks, [comm] for kernel
 * threads and empty command lines, "?" when unknown. */
static char *format_command(json_t *p, bool quote)
{
	json_t *argv = json_object_get(p, "argv");
	const char *comm = jstr(p, "comm");
	char *buf = NULL;
	size_t size;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	if (json_is_array(argv) && json_array_size(argv) > 0)
		fput_argv(f, argv, quote);
	else if (comm && (is_kernel_thread(p) || json_is_array(argv))) {
		fputc('[', f);
		fput_escaped(f, comm);
		fputc(']', f);
	} else
		fputc('?', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* user name, else the effective uid, else "?" */
static char *format_user(json_t *p)
{
	const char *user = jstr(p, "user");
	long long euid;
	char *s;

	if (user)
		return escaped(user);
	if (jint(p, "euid", &euid))
		return asprintf(&s, "%lld", euid) < 0 ? NULL : s;
	return strdup("?");
}

/* --- tables --- */

typedef struct Table {
	size_t n_cols;
	unsigned right; /* bit per column: right-aligned */
	char **cells;
	size_t n_cells, alloc;
} Table;

static void table_done(Table *t)
{
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* Takes ownership of cell; NULL means out of memory. */
static int table_add(Table *t, char *cell)
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

_printf_format_(2, 3) static int table_addf(Table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return table_add(t, r < 0 ? NULL : s);
}

/* a string from the daemon, escaped; "-" when absent */
static int table_add_escaped(Table *t, const char *s)
{
	return table_add(t, s ? escaped(s) : strdup("-"));
}

static int table_add_headers(Table *t, const char *const *headers)
{
	int r = 0;

	for (size_t i = 0; i < t->n_cols && r >= 0; i++)
		r = table_add(t, strdup(headers[i]));
	return r;
}

/* Columns padded to their widest cell; the last one unpadded and, on a terminal,
 * cut at its right edge. */
static void table_print(const Table *t, FILE *f, size_t indent)
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

/* --- the connection --- */

static void conn_done(Conn *c)
{
	closep(&c->fd);
	free(c->buf);
}

static int conn_open(Conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	c->path = path;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	c->fd = TAKE_FD(fd);
	return 0;
}

/* The exit status and message for a failed connect. */
static int connect_error(int r, const char *path)
{
	switch (r) {
	case -ENOENT:
	case -ENOTDIR:
		log_error("cnprocd is not running (no socket at %s)", path);
		return EXIT_NOT_RUNNING;
	case -ECONNREFUSED:
		log_error("cnprocd is not running (no one listens on %s)", path);
		return EXIT_NOT_RUNNING;
	case -EACCES:
	case -EPERM:
		log_error("permission denied: %s (the socket is root-only by default; "
			  "see varlink-mode/varlink-group in cnprocd.conf)", path);
		return EXIT_PERMISSION;
	case -ENAMETOOLONG:
		log_error("socket path too long: %s", path);
		return EXIT_USAGE;
	default:
		log_error("cannot connect to %s: %s", path, strerror(-r));
		return EXIT_FAILURE;
	}
}

/* The exit status and message for a connection that failed after connect. */
static int transport_error(const Conn *c, int r)
{
	switch (r) {
	case -ECONNRESET:
	case -EPIPE:
		log_error("cnprocd closed the connection on %s", c->path);
		break;
	case -EBADMSG:
		log_error("malformed reply from cnprocd on %s", c->path);
		break;
	case -EMSGSIZE:
		log_error("reply from cnprocd on %s is too large", c->path);
		break;
	default:
		log_error("talking to cnprocd on %s: %s", c->path, strerror(-r));
	}
	return EXIT_FAILURE;
}

/* Send a call; params is consumed. */
static int conn_call(Conn *c, const char *method, json_t *params, bool more)
{
	_cleanup_(json_decrefp) json_t *msg = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len, done = 0;

	msg = more ? json_pack("{s:s,s:o,s:b}", "method", method, "parameters",
			       params ?: json_object(), "more", 1) :
		     json_pack("{s:s,s:o}", "method", method, "parameters",
			       params ?: json_object());
	if (!msg)
		return -ENOMEM;
	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	len = strlen(text) + 1; /* with its NUL terminator */
	while (done < len) {
		ssize_t n = send(c->fd, text + done, len - done, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Wait until the socket is readable; -EINTR once SIGINT/SIGTERM arrived while
 * they are blocked for monitor (they are delivered only inside ppoll: no race). */
static int conn_wait(Conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	const sigset_t *mask = stop_signals_blocked ? &unblocked_mask : NULL;

	for (;;) {
		if (stop_signal)
			return -EINTR;
		if (ppoll(&pfd, 1, NULL, mask) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Read the next message. -ECONNRESET: the daemon closed the connection. */
static int conn_read(Conn *c, json_t **ret)
{
	for (;;) {
		char *nul = c->size ? memchr(c->buf, 0, c->size) : NULL;
		ssize_t n;
		int r;

		if (nul) {
			size_t l = (size_t)(nul - c->buf);
			json_t *m = json_loadb(c->buf, l, 0, NULL);

			memmove(c->buf, nul + 1, c->size - l - 1);
			c->size -= l + 1;
			if (!json_is_object(m)) {
				json_decref(m);
				return -EBADMSG;
			}
			*ret = m;
			return 0;
		}
		if (c->size >= MAX_MESSAGE)
			return -EMSGSIZE;
		if (c->alloc - c->size < READ_CHUNK) {
			size_t na = c->alloc + MAX(c->alloc, (size_t)READ_CHUNK);
			char *b = realloc(c->buf, na);

			if (!b)
				return -ENOMEM;
			c->buf = b;
			c->alloc = na;
		}
		r = conn_wait(c);
		if (r < 0)
			return r;
		n = recv(c->fd, c->buf + c->size, c->alloc - c->size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		c->size += (size_t)n;
	}
}

static void reply_done(Reply *r)
{
	json_decref(r->msg);
}

static int conn_read_reply(Conn *c, Reply *ret)
{
	json_t *msg, *params, *error;
	int r;

	r = conn_read(c, &msg);
	if (r < 0)
		return r;
	params = json_object_get(msg, "parameters");
	error = json_object_get(msg, "error");
	if ((params && !json_is_object(params)) || (error && !json_is_string(error))) {
		json_decref(msg);
		return -EBADMSG;
	}
	if (!params) {
		params = json_object();
		if (!params || json_object_set_new(msg, "parameters", params) < 0) {
			json_decref(msg);
			return -ENOMEM;
		}
	}
	*ret = (Reply){
		.msg = msg,
		.params = params,
		.error = json_string_value(error),
		.continues = json_is_true(json_object_get(msg, "continues")),
	};
	return 0;
}

/* One call, one reply; params is consumed. */
static int conn_method(Conn *c, const char *method, json_t *params, Reply *ret)
{
	int r = conn_call(c, method, params, false);

	return r < 0 ? r : conn_read_reply(c, ret);
}

/* An error reply nobody expected: its name and parameters. */
static int error_reply(const Reply *rep, const char *method)
{
	_cleanup_free_ char *p = NULL;

	if (strcmp(rep->error, VARLINK_ERROR_PERMISSION_DENIED) == 0) {
		log_error("permission denied: %s", method);
		return EXIT_PERMISSION;
	}
	if (json_object_size(rep->params) > 0)
		p = json_dumps(rep->params, JSON_COMPACT);
	log_error("%s failed: %s%s%s", method, rep->error, p ? " " : "", p ?: "");
	return EXIT_FAILURE;
}

/* --- commands --- */

/* the daemon's names for event types; "none" (an ACK) is none of them */
static bool known_event_type(const char *s)
{
	return proc_event_type_from_string(s) > PROC_EV_NONE;
}

/* "N type" items, wrapped below the label column */
static void print_event_count(const char *type, json_t *v, size_t *col)
{
	_cleanup_free_ char *t = escaped(type);
	char item[128];
	int l;

	if (!t)
		return;
	l = snprintf(item, sizeof(item), "%lld %s", (long long)json_integer_value(v), t);
	if (l < 0)
		return;
	if (*col > 17 && *col + (size_t)l + 2 > 80) {
		printf(",\n%-17s", "");
		*col = 17;
	} else if (*col > 17) {
		fputs(", ", stdout);
		*col += 2;
	}
	fputs(item, stdout);
	*col += (size_t)l;
}

/* the known types in their usual order, then any the daemon added */
static void print_events(json_t *events)
{
	const char *key;
	size_t col = 17;
	json_t *v;

	printf("%-17s", "");
	for (size_t i = 0; i < ELEMENTSOF(event_types); i++) {
		const char *type = proc_event_type_to_string(event_types[i]);

		if ((v = json_object_get(events, type)))
			print_event_count(type, v, &col);
	}
	json_object_foreach(events, key, v)
		if (!known_event_type(key))
			print_event_count(key, v, &col);
	fputc('\n', stdout);
}

static const char *format_bytes(char *buf, size_t size, long long b)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u < ELEMENTSOF(units) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lld B", b);
	else
		snprintf(buf, size, "%.1f %s (%lld bytes)", v, units[u], b);
	return buf;
}

static int cmd_status(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	json_t *p, *events, *v;
	const char *key;
	long long total = 0;
	char d[64];
	int r;

	r = conn_method(c, MONITOR_INTERFACE ".GetStats", NULL, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error)
		return error_reply(&rep, "GetStats");
	p = rep.params;
	if (a->json)
		return print_json(p) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	events = json_object_get(p, "events");
	json_object_foreach(events, key, v)
		total += json_integer_value(v);

	printf("%-17s%s\n", "Uptime:", format_duration(d, sizeof(d),
				 (nsec_t)jnum(p, "uptime_usec") * NSEC_PER_USEC));
	printf("%-17s%lld tracked, %lld refused (table full)\n", "Processes:",
	       jnum(p, "processes"), jnum(p, "table_full"));
	printf("%-17s%lld received\n", "Events:", total);
	if (json_object_size(events) > 0)
		print_events(events);
	printf("%-17s%lld thread events folded into their processes\n", "",
	       jnum(p, "thread_events_folded"));
	printf("%-17s%lld logged, %lld suppressed (rate limit), %lld ignored\n",
	       "Records:", jnum(p, "records_logged"), jnum(p, "records_suppressed"),
	       jnum(p, "records_ignored"));
	printf("%-17s%lld%s (kernel drops %lld, ENOBUFS %lld, sequence gaps %lld; "
	       "%lld resyncs)\n", "Lost events:", jnum(p, "lost_events"),
	       jnum(p, "lost_events") > 0 ? " (!)" : "", jnum(p, "kernel_drops"),
	       jnum(p, "enobufs"), jnum(p, "sequence_gaps"), jnum(p, "resyncs"));
	/* how much of the table's data was read in time */
	printf("%-17s%lld read as they started, %lld with their batch; %lld gone before "
	       "they could be read, %lld pid reused\n", "Exec /proc data:",
	       jnum(p, "prefetch_used"), jnum(p, "prefetch_missed"), jnum(p, "proc_vanished"),
	       jnum(p, "pid_mismatch"));
	printf("%-17s%lld malformed, %lld unknown, %lld foreign\n", "Bad messages:",
	       jnum(p, "malformed_messages"), jnum(p, "unknown_messages"),
	       jnum(p, "foreign_messages"));
	printf("%-17s%lld (reloads %lld, failed %lld)\n", "Rules:", jnum(p, "rules"),
	       jnum(p, "reloads"), jnum(p, "reload_failures"));
	printf("%-17s%lld (this one included)\n", "Clients:", jnum(p, "clients"));
	printf("%-17s%s\n", "Receive buffer:",
	       format_bytes(d, sizeof(d), jnum(p, "receive_buffer")));
	return EXIT_SUCCESS;
}

static const char *const process_headers[] = {
	"PID", "PPID", "USER", "UNIT", "ORIGIN", "COMMAND",
};

/* One process row; prefix (tree drawing) goes before the command. */
static int table_add_process(Table *t, json_t *p, const char *prefix)
{
	_cleanup_free_ char *cmd = NULL;
	int r = 0;

	r |= table_addf(t, "%lld", jnum(p, "pid"));
	r |= table_addf(t, "%lld", jnum(p, "ppid"));
	r |= table_add(t, format_user(p));
	r |= table_add_escaped(t, jstr(p, "unit"));
	r |= table_add_escaped(t, jstr(p, "origin"));
	cmd = format_command(p, false);
	r |= cmd ? table_addf(t, "%s%s", prefix, cmd) : -ENOMEM;
	return r < 0 ? -ENOMEM : 0;
}

static int compare_pid(const void *a, const void *b)
{
	long long x = jnum(*(json_t *const *)a, "pid");
	long long y = jnum(*(json_t *const *)b, "pid");

	return (x > y) - (x < y);
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
	return table_add_process(t, f->procs[node], prefix);
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

/* Processes whose parent is not listed are roots; what a stale parent chain turned
 * into a cycle is drawn from its lowest pid. */
static int table_add_forest(Table *t, json_t **procs, size_t n)
{
	_cleanup_(forest_done) Forest f = { .procs = procs, .n = n };
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

static int cmd_ps(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	_cleanup_(table_done) Table t = { .n_cols = 6, .right = 1 << 0 | 1 << 1 };
	_cleanup_free_ json_t **procs = NULL;
	json_t *params, *list, *v;
	size_t n = 0, i;
	int r;

	params = json_object();
	if (!params ||
	    (a->unit && json_object_set_new(params, "unit", json_string(a->unit)) < 0) ||
	    (a->user && json_object_set_new(params, "user", json_string(a->user)) < 0) ||
	    (a->comm && json_object_set_new(params, "comm", json_string(a->comm)) < 0)) {
		json_decref(params);
		log_error("out of memory");
		return EXIT_FAILURE;
	}
	r = conn_method(c, MONITOR_INTERFACE ".ListProcesses", params, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error) {
		if (strcmp(rep.error, VARLINK_ERROR_INVALID_PARAMETER) == 0 && a->user &&
		    strcmp(jstr(rep.params, "parameter") ?: "", "user") == 0) {
			log_error("no such user: %s", a->user);
			return EXIT_FAILURE;
		}
		return error_reply(&rep, "ListProcesses");
	}
	if (a->json)
		return print_json(rep.params) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	list = json_object_get(rep.params, "processes");
	procs = calloc(json_array_size(list) + 1, sizeof(*procs));
	if (!procs)
		goto oom;
	json_array_foreach(list, i, v)
		if (json_is_object(v))
			procs[n++] = v;
	qsort(procs, n, sizeof(*procs), compare_pid);

	if (table_add_headers(&t, process_headers) < 0)
		goto oom;
	if (a->tree)
		r = table_add_forest(&t, procs, n);
	else
		for (i = 0, r = 0; i < n && r >= 0; i++)
			r = table_add_process(&t, procs[i], "");
	if (r < 0)
		goto oom;
	table_print(&t, stdout, 0);
	return EXIT_SUCCESS;
oom:
	log_error("out of memory");
	return EXIT_FAILURE;
}

static void print_field(const char *label, const char *value)
{
	printf("%-12s", label);
	if (value)
		fput_escaped(stdout, value);
	else
		fputs("-", stdout);
	fputc('\n', stdout);
}

static void print_ids(json_t *p, const char *real, const char *effective)
{
	long long r, e;
	bool has_r = jint(p, real, &r), has_e = jint(p, effective, &e);

	if (has_r)
		printf("%s %lld", real, r);
	if (has_e && (!has_r || e != r))
		printf("%s%s %lld", has_r ? ", " : "", effective, e);
	if (!has_r && !has_e)
		fputs("?", stdout);
}

static int cmd_show(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	_cleanup_(table_done) Table t = { .n_cols = 6, .right = 1 << 0 | 1 << 1 };
	_cleanup_free_ char *cmd = NULL;
	json_t *p, *ancestors, *v;
	uint64_t pid;
	long long start;
	size_t i;
	int r;

	if (parse_uint64(a->args[0], &pid) < 0 || pid == 0 || pid > INT64_MAX) {
		log_error("invalid process id: %s", a->args[0]);
		return EXIT_USAGE;
	}
	r = conn_method(c, MONITOR_INTERFACE ".GetProcess",
			json_pack("{s:I}", "pid", (json_int_t)pid), &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error) {
		if (strcmp(rep.error, MONITOR_ERROR_NO_SUCH_PROCESS) == 0) {
			log_error("no process %llu in cnprocd's table",
				  (unsigned long long)pid);
			return EXIT_FAILURE;
		}
		return error_reply(&rep, "GetProcess");
	}
	if (a->json)
		return print_json(rep.params) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	p = json_object_get(rep.params, "process");
	ancestors = json_object_get(rep.params, "ancestors");
	cmd = format_command(p, true);
	if (!cmd) {
		log_error("out of memory");
		return EXIT_FAILURE;
	}
	printf("%-12s%lld\n", "PID:", jnum(p, "pid"));
	printf("%-12s%lld\n", "PPID:", jnum(p, "ppid"));
	printf("%-12s%s%s%s\n", "Command:", cmd,
	       json_is_true(json_object_get(p, "argv_truncated")) ? " …" : "",
	       json_is_true(json_object_get(p, "unread")) ?
	       " (exited before its command line could be read)" : "");
	print_field("Comm:", jstr(p, "comm"));
	print_field("Executable:", jstr(p, "exe") ?: "?");
	printf("%-12s", "User:");
	if (jstr(p, "user")) {
		fput_escaped(stdout, jstr(p, "user"));
		fputs(" (", stdout);
		print_ids(p, "uid", "euid");
		fputs(")\n", stdout);
	} else {
		print_ids(p, "uid", "euid");
		fputc('\n', stdout);
	}
	printf("%-12s", "Group:");
	print_ids(p, "gid", "egid");
	fputc('\n', stdout);
	print_field("Unit:", jstr(p, "unit"));
	print_field("Cgroup:", jstr(p, "cgroup"));
	printf("%-12s", "Started:");
	if (jint(p, "start_usec", &start) && start > 0) {
		usec_t now = now_usec(CLOCK_REALTIME), since = (usec_t)start;
		char ts[64], d[64];

		printf("%s", format_timestamp(ts, sizeof(ts), since));
		if (now >= since) {
			nsec_t age = (now - since) * NSEC_PER_USEC;

			printf(" (%s ago)", format_duration(d, sizeof(d), age));
		}
		fputc('\n', stdout);
	} else
		fputs("?\n", stdout);
	print_field("Origin:", jstr(p, "origin"));

	if (json_array_size(ancestors) == 0) {
		printf("%-12s%s\n", "Ancestors:", "none in cnprocd's table");
		return EXIT_SUCCESS;
	}
	printf("Ancestors (parent first):\n");
	if (table_add_headers(&t, process_headers) < 0)
		goto oom;
	json_array_foreach(ancestors, i, v)
		if (json_is_object(v) && table_add_process(&t, v, "") < 0)
			goto oom;
	table_print(&t, stdout, 2);
	return EXIT_SUCCESS;
oom:
	log_error("out of memory");
	return EXIT_FAILURE;
}

static int cmd_rules(Conn *c, const Args *a)
{
	static const char *const headers[] = {
		"NAME",       "ACTION", "PRIORITY", "HITS",   "LOGGED",
		"SUPPRESSED", "RATE-LIMIT", "MATCH", "SOURCE",
	};
	_cleanup_(reply_done) Reply rep = {};
	_cleanup_(table_done) Table t = { .n_cols = 9, .right = 7 << 3 };
	const char *def;
	json_t *rules, *v;
	size_t i;
	int r;

	r = conn_method(c, MONITOR_INTERFACE ".ListRules", NULL, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error)
		return error_reply(&rep, "ListRules");
	if (a->json)
		return print_json(rep.params) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	rules = json_object_get(rep.params, "rules");
	if (json_array_size(rules) > 0) {
		if (table_add_headers(&t, headers) < 0)
			goto oom;
		json_array_foreach(rules, i, v) {
			const char *match = jstr(v, "match");
			char *file;

			r = 0;
			r |= table_add_escaped(&t, jstr(v, "name"));
			r |= table_add_escaped(&t, jstr(v, "action"));
			r |= table_add_escaped(&t, jstr(v, "priority"));
			r |= table_addf(&t, "%lld", jnum(v, "hits"));
			r |= table_addf(&t, "%lld", jnum(v, "logged"));
			r |= table_addf(&t, "%lld", jnum(v, "suppressed"));
			r |= table_add_escaped(&t, jstr(v, "rate_limit"));
			if (!match || !*match)
				match = "(everything)";
			r |= table_add_escaped(&t, match);
			file = escaped(jstr(v, "file") ?: "?");
			r |= file ? table_addf(&t, "%s:%lld", file, jnum(v, "line")) :
				    -ENOMEM;
			free(file);
			if (r < 0)
				goto oom;
		}
		table_print(&t, stdout, 0);
	} else
		printf("No rules.\n");
	def = jstr(rep.params, "default_action") ?: "?";
	printf("\n%zu rule%s; events no rule matches: %s", json_array_size(rules),
	       json_array_size(rules) == 1 ? "" : "s", def);
	if (strcmp(def, "ignore") != 0)
		printf(" (priority %s)", jstr(rep.params, "default_priority") ?: "?");
	fputc('\n', stdout);
	return EXIT_SUCCESS;
oom:
	log_error("out of memory");
	return EXIT_FAILURE;
}

static void fput_kv(const char *key, const char *value)
{
	if (!value)
		return;
	printf(" %s=", key);
	fput_escaped(stdout, value);
}

/* One readable line per event, in the daemon's console format. */
static void print_event(json_t *e)
{
	const char *type = jstr(e, "event") ?: "?";
	long long pid = jnum(e, "pid"), ts, v, w;
	char buf[64];

	if (jint(e, "timestamp_usec", &ts) && ts > 0)
		fputs(format_timestamp(buf, sizeof(buf), (usec_t)ts), stdout);
	else
		fput_escaped(stdout, jstr(e, "time") ?: "?");
	fputc(' ', stdout);
	fput_escaped(stdout, type);
	printf("%*s pid=%lld", (int)(strlen(type) < 8 ? 8 - strlen(type) : 0), "", pid);
	if (jint(e, "tgid", &v) && v != pid)
		printf(" tgid=%lld", v);
	if (jint(e, "ppid", &v))
		printf(" ppid=%lld", v);
	if (jstr(e, "user"))
		fput_kv("user", jstr(e, "user"));
	else if (jint(e, "euid", &v))
		printf(" uid=%lld", v);
	fput_kv("comm", jstr(e, "comm"));

	if (strcmp(type, "exec") == 0) {
		json_t *argv = json_object_get(e, "argv");

		fput_kv("exe", jstr(e, "exe") ?: "?");
		if (json_is_true(json_object_get(e, "unread")))
			fputs(" argv=? (exited before it could be read)", stdout);
		else if (json_is_array(argv)) {
			fputs(" argv=[", stdout);
			fput_argv(stdout, argv, true);
			if (json_is_true(json_object_get(e, "argv_truncated")))
				fputs(" …", stdout);
			fputc(']', stdout);
		}
	} else if (strcmp(type, "fork") == 0) {
		if (jint(e, "parent_pid", &v) && jint(e, "parent_tgid", &w) && v != w)
			printf(" parent_thread=%lld", v);
	} else if (strcmp(type, "uid") == 0 || strcmp(type, "gid") == 0) {
		bool uid = type[0] == 'u';

		if (jint(e, uid ? "new_uid" : "new_gid", &v))
			printf(" r%s=%lld", uid ? "uid" : "gid", v);
		if (jint(e, uid ? "new_euid" : "new_egid", &v))
			printf(" e%s=%lld", uid ? "uid" : "gid", v);
	} else if (strcmp(type, "ptrace") == 0) {
		if (jint(e, "tracer_tgid", &v) && v > 0)
			printf(" tracer=%lld", v);
		else
			fputs(" detached", stdout);
	} else if (strcmp(type, "comm") == 0) {
		fput_kv("new_comm", jstr(e, "new_comm"));
	} else if (strcmp(type, "exit") == 0) {
		if (jint(e, "exit_signal", &v) && v > 0) {
			const char *sig = v < INT32_MAX ? sigabbrev_np((int)v) : NULL;

			if (sig)
				printf(" signal=%s", sig);
			else
				printf(" signal=%lld", v);
			if (json_is_true(json_object_get(e, "core_dumped")))
				fputs(" core=yes", stdout);
		} else if (jint(e, "exit_code", &v))
			printf(" status=%lld", v);
		if (jint(e, "lifetime_usec", &v) && v >= 0) {
			nsec_t life = (nsec_t)v * NSEC_PER_USEC;

			printf(" lifetime=%s", format_duration(buf, sizeof(buf), life));
		}
	}
	fput_kv("unit", jstr(e, "unit"));
	fput_kv("rule", jstr(e, "rule"));
	fputc('\n', stdout);
}

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* SIGINT/SIGTERM end monitor cleanly: blocked except while waiting in ppoll. */
static int setup_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &unblocked_mask) < 0)
		return -errno;
	sigdelset(&unblocked_mask, SIGINT);
	sigdelset(&unblocked_mask, SIGTERM);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	stop_signals_blocked = true;
	return 0;
}

/* Back to the defaults once the stream is over: nothing is left pending or blocked
 * for the exit path (LeakSanitizer's exit-time check was seen to hang otherwise). */
static void teardown_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t block;

	if (!stop_signals_blocked)
		return;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	(void)sigprocmask(SIG_UNBLOCK, &block, NULL);
	stop_signals_blocked = false;
}

static int monitor_run(Conn *c, const Args *a);

static int cmd_monitor(Conn *c, const Args *a)
{
	int r = monitor_run(c, a);

	teardown_stop_signals();
	return r;
}

static int monitor_run(Conn *c, const Args *a)
{
	json_t *params;
	int r;

	params = json_object();
	if (!params ||
	    (a->events && json_object_set(params, "events", a->events) < 0) ||
	    (a->unit && json_object_set_new(params, "unit", json_string(a->unit)) < 0) ||
	    (a->uid >= 0 &&
	     json_object_set_new(params, "uid", json_integer(a->uid)) < 0) ||
	    (a->comm && json_object_set_new(params, "comm", json_string(a->comm)) < 0)) {
		json_decref(params);
		log_error("out of memory");
		return EXIT_FAILURE;
	}
	r = setup_stop_signals();
	if (r < 0) {
		json_decref(params);
		log_error("cannot set up signal handling: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	r = conn_call(c, MONITOR_INTERFACE ".Subscribe", params, true);
	if (r < 0)
		return transport_error(c, r);
	for (;;) {
		_cleanup_(reply_done) Reply rep = {};
		json_t *event;
		long long missed;

		r = conn_read_reply(c, &rep);
		if (r == -EINTR)
			return EXIT_SUCCESS;
		if (r == -ECONNRESET) {
			log_error("cnprocd closed the event stream");
			return EXIT_FAILURE;
		}
		if (r < 0)
			return transport_error(c, r);
		if (rep.error) {
			if (strcmp(rep.error, VARLINK_ERROR_INVALID_PARAMETER) == 0) {
				log_error("invalid monitor filter: %s",
					  jstr(rep.params, "parameter") ?: "?");
				return EXIT_FAILURE;
			}
			return error_reply(&rep, "Subscribe");
		}
		if (jint(rep.params, "missed", &missed) && missed > 0) {
			fflush(stdout);
			log_error("warning: missed %lld event%s (not reading fast "
				  "enough)", missed, missed == 1 ? "" : "s");
		}
		event = json_object_get(rep.params, "event");
		if (json_is_object(event)) {
			if (a->json) {
				if (json_dumpf(event, stdout, JSON_COMPACT) < 0)
					return EXIT_FAILURE;
				fputc('\n', stdout);
			} else
				print_event(event);
			if (fflush(stdout) != 0) {
				log_error("write error: %m");
				return EXIT_FAILURE;
			}
		}
		if (!rep.continues) {
			log_error("cnprocd ended the event stream");
			return EXIT_FAILURE;
		}
	}
}

static int cmd_reload(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	int r;

	r = conn_method(c, MONITOR_INTERFACE ".Reload", NULL, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error) {
		if (strcmp(rep.error, VARLINK_ERROR_PERMISSION_DENIED) == 0) {
			log_error("permission denied: reload needs root");
			return EXIT_PERMISSION;
		}
		if (strcmp(rep.error, MONITOR_ERROR_CONFIG) == 0) {
			/* file:line: message, the way compilers and cnprocd say it */
			fput_escaped(stderr, jstr(rep.params, "file") ?: "?");
			fprintf(stderr, ":%lld: ", jnum(rep.params, "line"));
			fput_escaped(stderr, jstr(rep.params, "message") ?: "invalid");
			fputc('\n', stderr);
			return EXIT_FAILURE;
		}
		return error_reply(&rep, "Reload");
	}
	if (a->json)
		return print_json(rep.params) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	printf("reloaded: %lld rules\n", jnum(rep.params, "rules"));
	return EXIT_SUCCESS;
}

/* --- command line --- */

typedef struct Verb {
	const char *name;
	int n_args;
	unsigned opts;
	int (*run)(Conn *c, const Args *a);
} Verb;

static const Verb verbs[] = {
	{ "status", 0, 0, cmd_status },
	{ "ps", 0, OPT_UNIT | OPT_USER | OPT_COMM | OPT_TREE, cmd_ps },
	{ "show", 1, 0, cmd_show },
	{ "rules", 0, 0, cmd_rules },
	{ "monitor", 0, OPT_UNIT | OPT_UID | OPT_COMM | OPT_EVENT, cmd_monitor },
	{ "reload", 0, 0, cmd_reload },
};

static void help(void)
{
	printf("Usage: cnprocctl [--socket PATH] [--json] COMMAND [OPTIONS]\n"
	       "\n"
	       "Query cnprocd, the process event audit daemon, over its varlink socket.\n"
	       "\n"
	       "Commands:\n"
	       "  status                  Counters: events, records, losses, rules\n"
	       "  ps [--unit GLOB] [--user NAME|UID] [--comm GLOB] [--tree]\n"
	       "                          The live process table, sorted by pid, or\n"
	       "                          as a forest of parents and children\n"
	       "  show PID                One process and its ancestors\n"
	       "  rules                   The rules with their counters\n"
	       "  monitor [--event TYPE]... [--unit GLOB] [--uid UID] [--comm GLOB]\n"
	       "                          Print events as they happen until interrupted\n"
	       "                          (TYPE: fork exec exit uid gid sid ptrace comm\n"
	       "                          coredump)\n"
	       "  reload                  Re-read the configuration (root only)\n"
	       "\n"
	       "Options:\n"
	       "  -s, --socket=PATH       The daemon's socket (default:\n"
	       "                          $CNPROCD_SOCKET, else\n"
	       "                          " MONITOR_DEFAULT_SOCKET ")\n"
	       "  -j, --json              Print the daemon's reply as JSON\n"
	       "                          (monitor: one event object per line)\n"
	       "  -h, --help              Show this help\n"
	       "      --version           Show the version\n"
	       "\n"
	       "Exit status: 0 success, 1 failure, 2 usage error, 3 cnprocd is not\n"
	       "running, 4 permission denied. See cnprocctl(1).\n");
}

/* comma or blank separated event types onto a->events */
static int add_events(Args *a, const char *list)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	if (!a->events && !(a->events = json_array()))
		return -ENOMEM;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (!known_event_type(w)) {
			char types[128] = "";

			for (size_t i = 0; i < ELEMENTSOF(event_types); i++)
				snprintf(types + strlen(types), sizeof(types) - strlen(types),
					 "%s%s", i > 0 ? " " : "",
					 proc_event_type_to_string(event_types[i]));
			log_error("unknown event type '%s' (%s)", w, types);
			return -EINVAL;
		}
		if (json_array_append_new(a->events, json_string(w)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static const char *option_name(unsigned opt)
{
	switch (opt) {
	case OPT_UNIT:
		return "--unit";
	case OPT_USER:
		return "--user";
	case OPT_COMM:
		return "--comm";
	case OPT_TREE:
		return "--tree";
	case OPT_EVENT:
		return "--event";
	default:
		return "--uid";
	}
}

/* 1: go on, 0: done (help, version), < 0: usage error (reported) */
static int parse_argv(int argc, char *argv[], Args *a)
{
	enum {
		ARG_VERSION = 0x100,
		ARG_UNIT,
		ARG_USER,
		ARG_COMM,
		ARG_TREE,
		ARG_EVENT,
		ARG_UID,
	};
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "unit", required_argument, NULL, ARG_UNIT },
		{ "user", required_argument, NULL, ARG_USER },
		{ "comm", required_argument, NULL, ARG_COMM },
		{ "tree", no_argument, NULL, ARG_TREE },
		{ "event", required_argument, NULL, ARG_EVENT },
		{ "uid", required_argument, NULL, ARG_UID },
		{}
	};
	uint64_t u;
	int c, r;

	while ((c = getopt_long(argc, argv, "hs:j", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("cnprocctl %s\n", PACKAGE_VERSION);
			return 0;
		case 's':
			if (!*optarg) {
				log_error("--socket needs a path");
				return -EINVAL;
			}
			a->socket = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case ARG_UNIT:
			a->unit = optarg;
			a->opts |= OPT_UNIT;
			break;
		case ARG_USER:
			a->user = optarg;
			a->opts |= OPT_USER;
			break;
		case ARG_COMM:
			a->comm = optarg;
			a->opts |= OPT_COMM;
			break;
		case ARG_TREE:
			a->tree = true;
			a->opts |= OPT_TREE;
			break;
		case ARG_EVENT:
			r = add_events(a, optarg);
			if (r == -ENOMEM)
				log_error("out of memory");
			if (r < 0)
				return -EINVAL;
			a->opts |= OPT_EVENT;
			break;
		case ARG_UID:
			if (parse_uint64(optarg, &u) == 0 && u < UINT32_MAX)
				a->uid = (long long)u;
			else {
				struct passwd *pw = getpwnam(optarg);

				if (!pw) {
					log_error("--uid: no such user: %s", optarg);
					return -EINVAL;
				}
				a->uid = pw->pw_uid;
			}
			a->opts |= OPT_UID;
			break;
		default:
			fprintf(stderr, "Try 'cnprocctl --help'.\n");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		log_error("missing command (status, ps, show, rules, monitor, reload)");
		fprintf(stderr, "Try 'cnprocctl --help'.\n");
		return -EINVAL;
	}
	a->verb = argv[optind];
	a->args = argv + optind + 1;
	a->n_args = argc - optind - 1;
	return 1;
}

static void args_done(Args *a)
{
	json_decref(a->events);
}

int main(int argc, char *argv[])
{
	_cleanup_(args_done) Args a = { .uid = -1 };
	_cleanup_(conn_done) Conn c = { .fd = -1 };
	const Verb *verb = NULL;
	const char *path;
	uint64_t pid;
	int r;

	setlocale(LC_CTYPE, "");
	r = parse_argv(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;

	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, a.verb) == 0)
			verb = &verbs[i];
	if (!verb) {
		log_error("unknown command '%s' (status, ps, show, rules, monitor, "
			  "reload)", a.verb);
		return EXIT_USAGE;
	}
	if (a.n_args != verb->n_args) {
		if (verb->n_args == 0)
			log_error("%s takes no arguments", verb->name);
		else
			log_error("%s needs a process id", verb->name);
		return EXIT_USAGE;
	}
	for (unsigned opt = 1; opt <= OPT_UID; opt <<= 1)
		if ((a.opts & opt) && !(verb->opts & opt)) {
			log_error("%s is not an option of '%s'", option_name(opt),
				  verb->name);
			return EXIT_USAGE;
		}
	if (verb->run == cmd_show &&
	    (parse_uint64(a.args[0], &pid) < 0 || pid == 0 || pid > INT64_MAX)) {
		log_error("invalid process id: %s", a.args[0]);
		return EXIT_USAGE;
	}

	path = a.socket;
	if (!path) {
		path = getenv("CNPROCD_SOCKET");
		if (!path || !*path)
			path = MONITOR_DEFAULT_SOCKET;
	}
	r = conn_open(&c, path);
	if (r < 0)
		return connect_error(r, path);

	r = verb->run(&c, &a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (r == EXIT_SUCCESS)
			log_error("write error: %m");
		r = EXIT_FAILURE;
	}
	return r;
}
