/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl ps and show: the daemon's process table (ListProcesses), and one
 * process with its ancestors (GetProcess).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"
#include "procid.h"
#include "util.h"

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

static const char *const process_headers[] = {
	"PID", "PPID", "USER", "UNIT", "ORIGIN", "COMMAND",
};
/* --wide: who and inside what, after USER */
static const char *const wide_headers[] = {
	"PID", "PPID", "USER", "LOGIN", "TTY", "CONTAINER", "UNIT", "ORIGIN", "COMMAND",
};
#define WIDE_COLS ELEMENTSOF(wide_headers)

/* login user, else the login uid, else "-" (not logged in) */
static char *format_login(json_t *p)
{
	long long uid;
	char *s;

	if (jstr(p, "login_user"))
		return escaped(jstr(p, "login_user"));
	if (jint(p, "loginuid", &uid))
		return asprintf(&s, "%lld", uid) < 0 ? NULL : s;
	return strdup("-");
}

/* a container's name, else its id cut as docker ps does, with its runtime */
static char *format_container(json_t *p)
{
	json_t *c = json_object_get(p, "container");
	_cleanup_free_ char *what = NULL;
	char *s;

	if (!json_is_object(c))
		return strdup("-");
	what = jstr(c, "name") ? escaped(jstr(c, "name")) :
				 strndup(jstr(c, "id") ?: "?", 12);
	if (!what)
		return NULL;
	return asprintf(&s, "%s:%s", jstr(c, "runtime") ?: "?", what) < 0 ? NULL : s;
}

/* One process row; prefix (tree drawing) goes before the command. */
static int table_add_process(Table *t, json_t *p, const char *prefix)
{
	_cleanup_free_ char *cmd = NULL;
	int r = 0;

	r |= table_addf(t, "%lld", jnum(p, "pid"));
	r |= table_addf(t, "%lld", jnum(p, "ppid"));
	r |= table_add(t, format_user(p));
	if (t->n_cols == WIDE_COLS) {
		r |= table_add(t, format_login(p));
		r |= table_add_escaped(t, jstr(p, "tty"));
		r |= table_add(t, format_container(p));
	}
	r |= table_add_escaped(t, jstr(p, "unit"));
	r |= table_add_escaped(t, jstr(p, "origin"));
	cmd = format_command(p, false);
	r |= cmd ? table_addf(t, "%s%s", prefix, cmd) : -ENOMEM;
	return r < 0 ? -ENOMEM : 0;
}

static int cmd_ps(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	_cleanup_(table_done) Table t = { .n_cols = a->wide ? WIDE_COLS : 6,
					  .right = 1 << 0 | 1 << 1 };
	_cleanup_free_ json_t **procs = NULL;
	_cleanup_(json_decrefp) json_t *all = NULL;
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
	/* in pages: the daemon sends the next when this one is read, so a big table
	 * costs it one page, not the whole list */
	r = conn_call(c, MONITOR_INTERFACE ".ListProcesses", params, true);
	if (r < 0)
		return transport_error(c, r);
	all = json_array();
	if (!all)
		goto oom;
	for (;;) {
		reply_done(&rep);
		r = conn_read_reply(c, &rep);
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
		if (json_array_extend(all, json_object_get(rep.params, "processes")) < 0 &&
		    json_is_array(json_object_get(rep.params, "processes")))
			goto oom;
		if (!rep.continues)
			break;
	}
	if (a->json) {
		json_t *o = json_pack("{s:O}", "processes", all);

		r = o ? print_json(o) : -ENOMEM;
		json_decref(o);
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}

	list = all;
	procs = calloc(json_array_size(list) + 1, sizeof(*procs));
	if (!procs)
		goto oom;
	json_array_foreach(list, i, v)
		if (json_is_object(v))
			procs[n++] = v;
	processes_sort(procs, n);

	if (table_add_headers(&t, a->wide ? wide_headers : process_headers) < 0)
		goto oom;
	if (a->tree)
		r = table_add_forest(&t, procs, n, table_add_process);
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

const Command command_ps = {
	.name = "ps",
	.usage = "[--unit GLOB] [--user NAME|UID] [--comm GLOB] [--tree] [--wide]",
	.help = "The live process table, sorted by pid, or\n"
		"as a forest of parents and children; --wide\n"
		"adds login user, terminal and container",
	.opts = OPT_UNIT | OPT_USER | OPT_COMM | OPT_TREE | OPT_WIDE,
	.run = cmd_ps,
};

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

/* show's argument: a pid, or a process id "PID@TICKS" (then a process that reused
 * the pid is not it); into params. false: it is neither (said) */
static bool show_arg(const Args *a, json_t **ret_params)
{
	uint64_t pid;
	ProcId id;

	if (parse_uint64(a->args[0], &pid) == 0 && pid > 0 && pid <= INT32_MAX) {
		if (ret_params)
			*ret_params = json_pack("{s:I}", "pid", (json_int_t)pid);
		return true;
	}
	if (proc_id_parse(a->args[0], &id) == 0) {
		if (ret_params)
			*ret_params = json_pack("{s:s}", "process_id", a->args[0]);
		return true;
	}
	log_error("invalid process: %s (a pid, or a process id such as 4711@123456)",
		  a->args[0]);
	return false;
}

static bool show_check(const Args *a)
{
	return show_arg(a, NULL);
}

static const char *const chain_headers[] = {
	"PID", "PROCESS ID", "USER", "UNIT", "COMMAND",
};

/* One row of show's chain of ancestors. */
static int table_add_ancestor(Table *t, json_t *p)
{
	_cleanup_free_ char *cmd = format_command(p, false);
	int r = 0;

	r |= table_addf(t, "%lld", jnum(p, "pid"));
	r |= table_add_escaped(t, jstr(p, "process_id") ?: "?");
	r |= table_add(t, format_user(p));
	r |= table_add_escaped(t, jstr(p, "unit"));
	r |= cmd ? table_addf(t, "%s", cmd) : -ENOMEM;
	return r < 0 ? -ENOMEM : 0;
}

static int cmd_show(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	_cleanup_(table_done) Table t = { .n_cols = 5, .right = 1 << 0 };
	_cleanup_free_ char *cmd = NULL;
	json_t *params = NULL, *p, *ancestors, *v;
	long long start, n;
	size_t i;
	int r;

	if (!show_arg(a, &params))
		return EXIT_USAGE;
	if (!params) {
		log_error("out of memory");
		return EXIT_FAILURE;
	}
	r = conn_method(c, MONITOR_INTERFACE ".GetProcess", params, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error) {
		if (strcmp(rep.error, MONITOR_ERROR_NO_SUCH_PROCESS) == 0) {
			log_error("no process %s in cnprocd's table", a->args[0]);
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
	print_field("Process ID:", jstr(p, "process_id") ?: "?");
	printf("%-12s%lld\n", "PPID:", jnum(p, "ppid"));
	print_field("Parent ID:", jstr(p, "parent_process_id") ?: "?");
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
	if (jstr(p, "login_user") || jint(p, "loginuid", &n)) {
		printf("%-12s", "Login:");
		if (jstr(p, "login_user"))
			fput_escaped(stdout, jstr(p, "login_user"));
		else
			printf("%lld", n);
		if (jint(p, "session", &n))
			printf(" (session %lld)", n);
		fputc('\n', stdout);
	}
	print_field("TTY:", jstr(p, "tty"));
	print_field("Directory:", jstr(p, "cwd"));
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
	if (table_add_headers(&t, chain_headers) < 0)
		goto oom;
	json_array_foreach(ancestors, i, v)
		if (json_is_object(v) && table_add_ancestor(&t, v) < 0)
			goto oom;
	table_print(&t, stdout, 2);
	if (json_is_true(json_object_get(rep.params, "ancestors_cut")))
		printf("  ... and %lld more ancestors, not shown\n",
		       jnum(rep.params, "ancestors_missing"));
	return EXIT_SUCCESS;
oom:
	log_error("out of memory");
	return EXIT_FAILURE;
}

const Command command_show = {
	.name = "show",
	.usage = "PID|PROCESS_ID",
	.help = "One process and its ancestors",
	.n_args = 1,
	.check = show_check,
	.run = cmd_show,
};
