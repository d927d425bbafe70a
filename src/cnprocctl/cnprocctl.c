/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl, the command-line client of cnprocd's io.cnprocd.Monitor varlink
 * interface: the command line, read and dispatched through the command table.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"
#include "util.h"

static const Command *const commands[] = {
	&command_status, &command_ps,      &command_show,
	&command_rules,  &command_monitor, &command_reload, &command_log,
	&command_tree,   &command_report, &command_metrics, &command_top,
};

/* "status, ps, ...", for messages */
static const char *command_names(void)
{
	static char names[128];

	if (!names[0])
		for (size_t i = 0; i < ELEMENTSOF(commands); i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 i > 0 ? ", " : "", commands[i]->name);
	return names;
}

/* name and usage, then the help text from column HELP_COLUMN */
#define HELP_COLUMN 26
static void help_command(const Command *cmd)
{
	int l = printf("  %s%s%s", cmd->name, cmd->usage[0] ? " " : "", cmd->usage);

	for (const char *h = cmd->help, *eol; h; h = eol ? eol + 1 : NULL) {
		eol = strchr(h, '\n');
		if (l >= HELP_COLUMN) {
			fputc('\n', stdout);
			l = 0;
		}
		printf("%*s%.*s", HELP_COLUMN - l, "",
		       eol ? (int)(eol - h) : (int)strlen(h), h);
		l = HELP_COLUMN;
	}
	fputc('\n', stdout);
}

static void help(void)
{
	printf("Usage: cnprocctl [--socket PATH] [--json] [--full] COMMAND [OPTIONS]\n"
	       "\n"
	       "Query cnprocd, the process event audit daemon, over its varlink socket.\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		help_command(commands[i]);
	printf("\n"
	       "Options:\n"
	       "  -s, --socket=PATH       The daemon's socket (default:\n"
	       "                          $CNPROCD_SOCKET, else\n"
	       "                          " MONITOR_DEFAULT_SOCKET ")\n"
	       "  -j, --json              Print the daemon's reply as JSON\n"
	       "                          (monitor: one event object per line)\n"
	       "  -l, --full              Whole lines: tables are not cut at the\n"
	       "                          terminal's width\n"
	       "  -h, --help              Show this help\n"
	       "      --version           Show the version\n"
	       "\n"
	       "Exit status: 0 success, 1 failure, 2 usage error, 3 cnprocd is not\n"
	       "running, 4 permission denied. See cnprocctl(1).\n");
}

/* comma or blank separated words onto *a (the daemon judges them) */
static int add_words(json_t **a, const char *list)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;

	if (!copy || (!*a && !(*a = json_array())))
		return -ENOMEM;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
		if (json_array_append_new(*a, json_string(w)) < 0)
			return -ENOMEM;
	return 0;
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
		if (!event_type_known(w)) {
			char types[128] = "";
			const char *type;

			for (size_t i = 0; (type = event_type_shown(i)); i++)
				snprintf(types + strlen(types), sizeof(types) - strlen(types),
					 "%s%s", i > 0 ? " " : "", type);
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
	case OPT_UID:
		return "--uid";
	case OPT_LOGIN_USER:
		return "--login-user";
	case OPT_CONTAINER:
		return "--container";
	case OPT_EXE_FLAGS:
		return "--exe-flags";
	case OPT_WIDE:
		return "--wide";
	case OPT_SINCE:
		return "--since";
	case OPT_UNTIL:
		return "--until";
	case OPT_LINES:
		return "--lines";
	case OPT_REVERSE:
		return "--reverse";
	case OPT_DIRECTORY:
		return "--directory";
	case OPT_FILE:
		return "--file";
	case OPT_PID:
		return "--pid";
	case OPT_PROCESS_ID:
		return "--process-id";
	case OPT_BOOT:
		return "--boot";
	case OPT_FOLLOW:
		return "--follow";
	case OPT_MERGE:
		return "--merge";
	case OPT_EXE:
		return "--exe";
	case OPT_RULE:
		return "--rule";
	case OPT_PRIORITY:
		return "--priority";
	case OPT_SESSION:
		return "--session";
	case OPT_BY:
		return "--by";
	case OPT_TOP:
		return "--top";
	case OPT_OUTPUT:
		return "--output";
	case OPT_DELAY:
		return "--delay";
	case OPT_BATCH:
		return "--batch";
	default:
		return "--system";
	}
}

/* journalctl's times, the common ones: YYYY-MM-DD [HH:MM[:SS]] (local time),
 * today, yesterday, tomorrow, now, and now plus or minus a duration (-1h) */
static int parse_time(const char *s, uint64_t *ret)
{
	static const char *const formats[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	usec_t now = now_usec(CLOCK_REALTIME), d;
	struct tm tm;
	time_t t;

	if (strcmp(s, "now") == 0) {
		*ret = now;
		return 0;
	}
	if (s[0] == '-' || s[0] == '+') {
		if (parse_duration(s + 1, &d) < 0)
			return -EINVAL;
		*ret = s[0] == '-' ? (d < now ? now - d : 0) : now + d;
		return 0;
	}
	t = (time_t)(now / USEC_PER_SEC);
	if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0 || strcmp(s, "tomorrow") == 0) {
		localtime_r(&t, &tm);
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_mday += s[0] == 'y' ? -1 : s[1] == 'o' && s[2] == 'm' ? 1 : 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		*ret = t < 0 ? 0 : (uint64_t)t * USEC_PER_SEC;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (!end || *end)
			continue;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t < 0)
			return -EINVAL;
		*ret = (uint64_t)t * USEC_PER_SEC;
		return 0;
	}
	return -EINVAL;
}

/* A user by number or name, for OPTION (--uid, --login-user); said if unknown */
static int parse_user(const char *option, const char *s, long long *ret)
{
	struct passwd *pw;
	uint64_t u;

	if (parse_uint64(s, &u) == 0 && u < UINT32_MAX) {
		*ret = (long long)u;
		return 0;
	}
	pw = getpwnam(s);
	if (!pw) {
		log_error("%s: no such user: %s", option, s);
		return -EINVAL;
	}
	*ret = pw->pw_uid;
	return 0;
}

/* A number from 1 to INT32_MAX, for OPTION (--lines, --pid); said if not */
static int parse_positive(const char *option, const char *what, const char *s, long long *ret)
{
	uint64_t u;

	if (parse_uint64(s, &u) < 0 || u == 0 || u > INT32_MAX) {
		log_error("%s needs %s: %s", option, what, s);
		return -EINVAL;
	}
	*ret = (long long)u;
	return 0;
}

/* journalctl's --priority: a level by name or number, or a range FROM..TO */
static int parse_priority(const char *s, int *ret_min, int *ret_max)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warning", "notice", "info", "debug" };
	const char *dots = strstr(s, "..");
	int level[2] = { 0, -1 };

	for (int k = 0; k < 2; k++) {
		const char *w = k == 0 ? s : dots + 2;
		size_t l = k == 0 && dots ? (size_t)(dots - s) : strlen(w);

		if (l == 1 && w[0] >= '0' && w[0] <= '7')
			level[k] = w[0] - '0';
		else
			for (int i = 0; i < 8; i++)
				if (strlen(names[i]) == l && strncmp(names[i], w, l) == 0)
					level[k] = i;
		if (level[k] < 0 || (k == 0 && l == 0))
			return -EINVAL;
		if (!dots)
			break;
	}
	/* one level: it and the more urgent ones, as journalctl -p does */
	*ret_min = dots ? MIN(level[0], level[1]) : 0;
	*ret_max = dots ? MAX(level[0], level[1]) : level[0];
	return 0;
}

/* -b's argument when given apart (-b -1): journalctl takes it if it looks like
 * one; NULL: none there */
static const char *boot_argument(int argc, char *argv[])
{
	const char *s = optind < argc ? argv[optind] : NULL;

	if (!s || !*s)
		return NULL;
	if ((s[0] == '-' && s[1] >= '0' && s[1] <= '9') || strspn(s, "0123456789") == strlen(s) ||
	    (strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32)) {
		optind++;
		return s;
	}
	return NULL;
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
		ARG_LOGIN_USER,
		ARG_CONTAINER,
		ARG_EXE_FLAGS,
		ARG_WIDE,
		ARG_SINCE,
		ARG_UNTIL,
		ARG_FILE,
		ARG_PID,
		ARG_PROCESS_ID,
		ARG_EXE,
		ARG_RULE,
		ARG_PRIORITY,
		ARG_SESSION,
		ARG_BY,
		ARG_TOP,
		ARG_SYSTEM,
		ARG_OUTPUT,
		ARG_BATCH,
	};
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "full", no_argument, NULL, 'l' },
		{ "unit", required_argument, NULL, ARG_UNIT },
		{ "user", required_argument, NULL, ARG_USER },
		{ "comm", required_argument, NULL, ARG_COMM },
		{ "tree", no_argument, NULL, ARG_TREE },
		{ "event", required_argument, NULL, ARG_EVENT },
		{ "uid", required_argument, NULL, ARG_UID },
		{ "login-user", required_argument, NULL, ARG_LOGIN_USER },
		{ "container", required_argument, NULL, ARG_CONTAINER },
		{ "exe-flags", required_argument, NULL, ARG_EXE_FLAGS },
		{ "wide", no_argument, NULL, ARG_WIDE },
		{ "since", required_argument, NULL, ARG_SINCE },
		{ "until", required_argument, NULL, ARG_UNTIL },
		{ "lines", required_argument, NULL, 'n' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "directory", required_argument, NULL, 'D' },
		{ "file", required_argument, NULL, ARG_FILE },
		{ "pid", required_argument, NULL, ARG_PID },
		{ "process-id", required_argument, NULL, ARG_PROCESS_ID },
		{ "boot", optional_argument, NULL, 'b' },
		{ "follow", no_argument, NULL, 'f' },
		{ "merge", no_argument, NULL, 'm' },
		{ "system", no_argument, NULL, ARG_SYSTEM },
		{ "exe", required_argument, NULL, ARG_EXE },
		{ "rule", required_argument, NULL, ARG_RULE },
		{ "priority", required_argument, NULL, 'p' },
		{ "session", required_argument, NULL, ARG_SESSION },
		{ "by", required_argument, NULL, ARG_BY },
		{ "top", required_argument, NULL, ARG_TOP },
		{ "output", required_argument, NULL, ARG_OUTPUT },
		{ "delay", required_argument, NULL, 'd' },
		{ "batch", no_argument, NULL, ARG_BATCH },
		{ "iterations", required_argument, NULL, 'n' },
		{}
	};
	int c, r;

	while ((c = getopt_long(argc, argv, "hs:jln:rD:b::fmp:d:", options, NULL)) >= 0) {
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
		case 'l':
			output_set_full(true);
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
			if (parse_user("--uid", optarg, &a->uid) < 0)
				return -EINVAL;
			a->opts |= OPT_UID;
			break;
		case ARG_LOGIN_USER:
			if (strcmp(optarg, "unset") == 0)
				a->loginuid = 4294967295LL;
			else if (parse_user("--login-user", optarg, &a->loginuid) < 0)
				return -EINVAL;
			a->opts |= OPT_LOGIN_USER;
			break;
		case ARG_CONTAINER:
			if (!*optarg) {
				log_error("--container needs yes, no or a glob");
				return -EINVAL;
			}
			a->container = optarg;
			a->opts |= OPT_CONTAINER;
			break;
		case ARG_EXE_FLAGS:
			r = add_words(&a->exe_flags, optarg);
			if (r < 0) {
				log_error("out of memory");
				return -EINVAL;
			}
			a->opts |= OPT_EXE_FLAGS;
			break;
		case ARG_WIDE:
			a->wide = true;
			a->opts |= OPT_WIDE;
			break;
		case ARG_SINCE:
		case ARG_UNTIL:
			if (parse_time(optarg, c == ARG_SINCE ? &a->since_usec : &a->until_usec) < 0) {
				log_error("--%s: not a time: %s (YYYY-MM-DD [HH:MM[:SS]], today, "
					  "yesterday, now, -1h...)", c == ARG_SINCE ? "since" : "until",
					  optarg);
				return -EINVAL;
			}
			a->opts |= c == ARG_SINCE ? OPT_SINCE : OPT_UNTIL;
			break;
		case 'n':
			if (parse_positive("--lines", "a number > 0", optarg, &a->lines) < 0)
				return -EINVAL;
			a->opts |= OPT_LINES;
			break;
		case 'r':
			a->reverse = true;
			a->opts |= OPT_REVERSE;
			break;
		case 'D':
			a->directory = optarg;
			a->opts |= OPT_DIRECTORY;
			break;
		case ARG_FILE: {
			char **f = realloc(a->files, (a->n_files + 2) * sizeof(*f));

			if (!f) {
				log_error("out of memory");
				return -ENOMEM;
			}
			a->files = f;
			a->files[a->n_files++] = optarg;
			a->files[a->n_files] = NULL;
			a->opts |= OPT_FILE;
			break;
		}
		case 'b':
			a->boot = optarg ?: boot_argument(argc, argv) ?: "0";
			a->opts |= OPT_BOOT;
			break;
		case 'f':
			a->follow = true;
			a->opts |= OPT_FOLLOW;
			break;
		case 'm':
			a->merge = true;
			a->opts |= OPT_MERGE;
			break;
		case ARG_SYSTEM:
			a->opts |= OPT_SYSTEM;
			break;
		case ARG_EXE:
			a->exe = optarg;
			a->opts |= OPT_EXE;
			break;
		case ARG_RULE:
			a->rule = optarg;
			a->opts |= OPT_RULE;
			break;
		case 'p':
			if (parse_priority(optarg, &a->priority_min, &a->priority_max) < 0) {
				log_error("--priority: not a level: %s (emerg..debug, 0..7, FROM..TO)",
					  optarg);
				return -EINVAL;
			}
			a->opts |= OPT_PRIORITY;
			break;
		case ARG_SESSION:
			if (parse_positive("--session", "a session number", optarg, &a->session) < 0)
				return -EINVAL;
			a->opts |= OPT_SESSION;
			break;
		case ARG_BY:
			a->by = optarg;
			a->opts |= OPT_BY;
			break;
		case 'd': {
			char *end;
			double d;

			errno = 0;
			d = strtod(optarg, &end);
			if (errno || *end || !(d >= 0.1 && d <= 3600)) {
				log_error("--delay needs seconds from 0.1 to 3600: %s", optarg);
				return -EINVAL;
			}
			a->delay_usec = (usec_t)(d * USEC_PER_SEC);
			a->opts |= OPT_DELAY;
			break;
		}
		case ARG_BATCH:
			a->batch = true;
			a->opts |= OPT_BATCH;
			break;
		case ARG_OUTPUT:
			if (!*optarg) {
				log_error("--output needs a file");
				return -EINVAL;
			}
			a->output = optarg;
			a->opts |= OPT_OUTPUT;
			break;
		case ARG_TOP:
			if (parse_positive("--top", "a number > 0", optarg, &a->top) < 0)
				return -EINVAL;
			a->opts |= OPT_TOP;
			break;
		case ARG_PID:
			if (parse_positive("--pid", "a pid", optarg, &a->pid) < 0)
				return -EINVAL;
			a->opts |= OPT_PID;
			break;
		case ARG_PROCESS_ID:
			a->process_id = optarg;
			a->opts |= OPT_PROCESS_ID;
			break;
		default:
			fprintf(stderr, "Try 'cnprocctl --help'.\n");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		log_error("missing command (%s)", command_names());
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
	json_decref(a->exe_flags);
	free(a->files);
}

/* A command's exit status, unless what it printed could not be written. */
static int finish_output(int r)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (r == EXIT_SUCCESS)
			log_error("write error: %m");
		r = EXIT_FAILURE;
	}
	return r;
}

int main(int argc, char *argv[])
{
	_cleanup_(args_done) Args a = { .uid = -1, .loginuid = -1, .session = -1 };
	_cleanup_(conn_done) Conn c = { .fd = -1 };
	const Command *cmd = NULL;
	const char *path;
	int r;

	setlocale(LC_CTYPE, "");
	r = parse_argv(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;

	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(commands[i]->name, a.verb) == 0)
			cmd = commands[i];
	if (!cmd) {
		log_error("unknown command '%s' (%s)", a.verb, command_names());
		return EXIT_USAGE;
	}
	if (a.n_args != cmd->n_args) {
		if (cmd->n_args == 0)
			log_error("%s takes no arguments", cmd->name);
		else
			log_error("%s needs a process id", cmd->name);
		return EXIT_USAGE;
	}
	for (unsigned opt = 1; opt <= _OPT_LAST; opt <<= 1)
		if ((a.opts & opt) && !(cmd->opts & opt)) {
			log_error("%s is not an option of '%s'", option_name(opt), cmd->name);
			return EXIT_USAGE;
		}
	if (cmd->check && !cmd->check(&a))
		return EXIT_USAGE;

	if (cmd->offline)
		return finish_output(cmd->run(NULL, &a));
	path = a.socket;
	if (!path) {
		path = getenv("CNPROCD_SOCKET");
		if (!path || !*path)
			path = MONITOR_DEFAULT_SOCKET;
	}
	r = conn_open(&c, path);
	if (r < 0) {
		int status = connect_error(r, path);

		return status == EXIT_NOT_RUNNING && cmd->runs_when_down ?
			       finish_output(cmd->run(NULL, &a)) :
			       status;
	}

	return finish_output(cmd->run(&c, &a));
}
