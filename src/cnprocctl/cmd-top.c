/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl top: who is spawning processes right now (GetActivity), refreshed
 * every second, like systemd-cgtop: the busiest units, users, commands,
 * executables or containers over a sliding window, with the totals above.
 * On a terminal it is a full-screen view driven by keys; otherwise (or with
 * --batch) it prints plain snapshots, or with --json one object per iteration.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "activity.h"
#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"
#include "util.h"

/* by the daemon's groupings (activity.h names them) */
static const struct {
	const char *title;
	char key; /* switches to it in the view */
} groups[_ACTIVITY_GROUP_MAX] = {
	[ACTIVITY_UNIT] = { "UNIT", 'u' },
	[ACTIVITY_USER] = { "USER", 'U' },
	[ACTIVITY_COMM] = { "COMMAND", 'c' },
	[ACTIVITY_EXE] = { "EXECUTABLE", 'e' },
	[ACTIVITY_CONTAINER] = { "CONTAINER", 'C' },
};

/* the columns, in their order; the sort cycles through them (key s) */
static const struct {
	const char *name, *title;
} columns[] = {
	{ "execs", "EXECS/s" }, { "forks", "FORKS/s" },   { "exits", "EXITS/s" },
	{ "failed", "FAILED/s" }, { "short", "SHORT/s" },
};

static const unsigned windows[] = { 1, 10, 60 };

typedef struct View {
	size_t group, sort, window; /* indexes into the tables above */
	bool tty;                   /* the full-screen view */
	unsigned rows, cols;        /* the terminal's size */
	usec_t delay;
} View;

static volatile sig_atomic_t got_stop, got_resize;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_resize = 1;
	else
		got_stop = 1;
}

/* --- the terminal: raw keys, the alternate screen, and back on any way out --- */

static struct termios saved_termios;
static bool terminal_changed;

static void terminal_restore(void)
{
	if (!terminal_changed)
		return;
	/* the cursor shown, the normal screen back, the keys as they were */
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
	terminal_changed = false;
}

static int terminal_setup(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return -errno;
	t = saved_termios;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
		return -errno;
	terminal_changed = true;
	atexit(terminal_restore);
	/* the alternate screen (the shell's lines come back on exit), no cursor */
	fputs("\033[?1049h\033[?25l", stdout);
	return 0;
}

static void terminal_size(View *v)
{
	struct winsize ws = {};

	v->rows = 24;
	v->cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		v->rows = ws.ws_row;
		v->cols = ws.ws_col;
	}
}

/* --- one snapshot --- */

static int fetch(Conn *c, const View *v, unsigned limit, Reply *rep)
{
	json_t *params = json_pack("{s:s, s:i, s:s, s:i}", "group",
				   activity_group_to_string((ActivityGroup)v->group), "window",
				   (int)windows[v->window], "sort", columns[v->sort].name,
				   "limit", (int)limit);
	int r;

	if (!params)
		return -ENOMEM;
	r = conn_method(c, MONITOR_INTERFACE ".GetActivity", params, rep);
	return r;
}

/* a count as a rate over the seconds the window really counted (span: 60 s
 * windows are counted in ten-second steps) */
static double rate(json_t *o, const char *key, long long span)
{
	return span > 0 ? (double)jnum(o, key) / (double)span : 0;
}

/* The totals line and the table; in the view each line is ended by "clear to
 * the end of the line", so a shorter frame leaves nothing of the last one. */
static void render(FILE *f, const View *v, json_t *p, unsigned max_rows)
{
	json_t *totals = json_object_get(p, "totals"), *rows = json_object_get(p, "rows"), *row;
	const char *eol = v->tty ? "\033[K\n" : "\n";
	long long w = jnum(p, "span");
	size_t i;

	fprintf(f, "cnprocd top: by %s, last %u s, sorted by %s%s", activity_group_to_string((ActivityGroup)v->group),
		windows[v->window], columns[v->sort].name, eol);
	fprintf(f, "events/s %.1f  execs/s %.1f  forks/s %.1f  failed/s %.1f  lost %lld  "
		   "processes %lld%s",
		rate(totals, "events", w), rate(totals, "execs", w), rate(totals, "forks", w),
		rate(totals, "failed", w), jnum(p, "lost"), jnum(p, "processes"), eol);
	if (v->tty)
		fprintf(f, "keys: u unit, U user, c command, e executable, C container, s sort, "
			   "w window, q quit%s",
			eol);
	fputs(eol, f);
	for (size_t k = 0; k < ELEMENTSOF(columns); k++)
		fprintf(f, "%9s ", columns[k].title);
	fprintf(f, "%s%s", groups[v->group].title, eol);
	json_array_foreach(rows, i, row) {
		_cleanup_free_ char *key = escaped(jstr(row, "key") ?: "?");
		size_t used = ELEMENTSOF(columns) * 10;

		if (i >= max_rows)
			break;
		for (size_t k = 0; k < ELEMENTSOF(columns); k++)
			fprintf(f, "%9.1f ", rate(row, columns[k].name, w));
		/* on a terminal the key is cut at its edge (bytes: escaped text is
		 * ASCII, but a UTF-8 name may be cut a little early) */
		if (v->tty && key && strlen(key) + used > v->cols)
			key[v->cols > used ? v->cols - used : 0] = 0;
		fprintf(f, "%s%s", key ?: "?", eol);
	}
	if (v->tty)
		fputs("\033[J", f);
}

static int print_json_snapshot(json_t *p)
{
	char ts[64];

	if (json_object_set_new(p, "time",
				json_string(format_timestamp(ts, sizeof(ts),
							     now_usec(CLOCK_REALTIME)))) < 0)
		return -ENOMEM;
	if (json_dumpf(p, stdout, JSON_COMPACT) < 0)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

/* A key pressed in the view: true to quit */
static bool on_key(View *v, char k)
{
	if (k == 'q' || k == 'Q')
		return true;
	for (size_t i = 0; i < ELEMENTSOF(groups); i++)
		if (k == groups[i].key)
			v->group = i;
	if (k == 's')
		v->sort = (v->sort + 1) % ELEMENTSOF(columns);
	if (k == 'w')
		v->window = (v->window + 1) % ELEMENTSOF(windows);
	return false;
}

static int top_run(Conn *c, const Args *a, View *v)
{
	long long iterations = a->lines; /* -n: how many; 0: until stopped */
	int r;

	for (long long it = 0; !got_stop && (iterations == 0 || it < iterations); it++) {
		_cleanup_(reply_done) Reply rep = {};
		unsigned max_rows = v->tty ? (v->rows > 6 ? v->rows - 6 : 1) : 20;
		usec_t deadline;
		char buf[4096];
		size_t size = 0;
		char *frame = NULL;
		FILE *f;

		if (got_resize) {
			got_resize = 0;
			terminal_size(v);
		}
		r = fetch(c, v, max_rows, &rep);
		if (r < 0)
			return transport_error(c, r);
		if (rep.error)
			return error_reply(&rep, "GetActivity");
		if (a->json)
			r = print_json_snapshot(rep.params);
		else {
			/* a frame written at once: no flicker */
			f = open_memstream(&frame, &size);
			if (!f)
				return EXIT_FAILURE;
			if (v->tty)
				fputs("\033[H", f);
			else if (it > 0)
				fputc('\n', f);
			render(f, v, rep.params, max_rows);
			fclose(f);
			r = fwrite(frame, 1, size, stdout) == size ? 0 : -EIO;
			free(frame);
		}
		if (r < 0 || fflush(stdout) != 0) {
			log_error("write error");
			return EXIT_FAILURE;
		}
		if (iterations > 0 && it + 1 >= iterations)
			break;
		/* wait for the next frame; in the view, keys change it at once */
		deadline = now_usec(CLOCK_MONOTONIC) + v->delay;
		for (;;) {
			usec_t now = now_usec(CLOCK_MONOTONIC);
			struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
			struct timespec ts;
			sigset_t none;
			bool redraw = false;
			ssize_t n;

			if (now >= deadline || got_stop)
				break;
			ts.tv_sec = (time_t)((deadline - now) / USEC_PER_SEC);
			ts.tv_nsec = (long)((deadline - now) % USEC_PER_SEC * 1000);
			sigemptyset(&none);
			r = ppoll(&p, v->tty ? 1 : 0, &ts, &none);
			if (r < 0 && errno == EINTR) {
				if (got_resize)
					break;
				continue;
			}
			if (r <= 0 || !(p.revents & POLLIN))
				continue;
			n = read(STDIN_FILENO, buf, sizeof(buf));
			for (ssize_t k = 0; k < n; k++) {
				if (on_key(v, buf[k]))
					return EXIT_SUCCESS;
				redraw = true;
			}
			if (redraw)
				break;
		}
	}
	return EXIT_SUCCESS;
}

static bool check_top(const Args *a)
{
	/* -b is --batch here (--boot elsewhere, which may take an argument) */
	if ((a->opts & OPT_BOOT) && strcmp(a->boot, "0") != 0) {
		log_error("-b (--batch) takes no argument: %s", a->boot);
		return false;
	}
	if (a->by && activity_group_from_string(a->by) == _ACTIVITY_GROUP_INVALID) {
		log_error("--by: no such grouping: %s (unit, user, comm, exe, container)", a->by);
		return false;
	}
	return true;
}

static int cmd_top(Conn *c, const Args *a)
{
	View v = { .window = 1, .delay = a->delay_usec ?: USEC_PER_SEC };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	int r;

	if (a->by)
		v.group = (size_t)activity_group_from_string(a->by);
	/* the view only where there is a terminal to draw on and read keys from */
	v.tty = !a->batch && !(a->opts & OPT_BOOT) && !a->json && isatty(STDOUT_FILENO) &&
		isatty(STDIN_FILENO);
	/* signals are taken only inside ppoll(): no race with the checks */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	if (v.tty) {
		terminal_size(&v);
		r = terminal_setup();
		if (r < 0) {
			log_error("cannot set up the terminal: %s", strerror(-r));
			return EXIT_FAILURE;
		}
	}
	r = top_run(c, a, &v);
	terminal_restore();
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

const Command command_top = {
	.name = "top",
	.usage = "[--by unit|user|comm|exe|container] [-d SEC] [-b] [-n N]",
	.help = "Who is spawning processes right now: the busiest\n"
		"units, users, commands... live, like systemd-cgtop\n"
		"(keys: u U c e C group, s sort, w window, q quit)",
	.opts = OPT_BY | OPT_DELAY | OPT_BATCH | OPT_BOOT | OPT_LINES,
	.check = check_top,
	.run = cmd_top,
};
