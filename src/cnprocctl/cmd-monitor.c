/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl monitor: events as they happen (Subscribe), until interrupted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"
#include "util.h"

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
		json_t *ct = json_object_get(e, "container");

		if (jstr(e, "login_user"))
			fput_kv("login", jstr(e, "login_user"));
		else if (jint(e, "loginuid", &v))
			printf(" login=%lld", v);
		fput_kv("tty", jstr(e, "tty"));
		if (json_is_object(ct)) {
			snprintf(buf, sizeof(buf), "%.12s", jstr(ct, "id") ?: "?");
			fput_kv("container", jstr(ct, "name") ?: buf);
		}
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
	    (a->comm && json_object_set_new(params, "comm", json_string(a->comm)) < 0) ||
	    (a->loginuid >= 0 &&
	     json_object_set_new(params, "loginuid", json_integer(a->loginuid)) < 0) ||
	    (a->container &&
	     json_object_set_new(params, "container", json_string(a->container)) < 0) ||
	    (a->exe_flags && json_object_set(params, "exe_flags", a->exe_flags) < 0)) {
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

static int cmd_monitor(Conn *c, const Args *a)
{
	int r = monitor_run(c, a);

	teardown_stop_signals();
	return r;
}

const Command command_monitor = {
	.name = "monitor",
	.usage = "[--event TYPE]... [--unit GLOB] [--uid UID] [--comm GLOB]\n"
		 "          [--login-user USER|unset] [--container yes|no|GLOB]\n"
		 "          [--exe-flags FLAG,...]",
	.help = "Print events as they happen until interrupted\n"
		"(TYPE: fork exec exit uid gid sid ptrace comm\n"
		"coredump; FLAG: deleted memfd writable-dir\n"
		"setuid setgid)",
	.opts = OPT_UNIT | OPT_UID | OPT_COMM | OPT_EVENT | OPT_LOGIN_USER | OPT_CONTAINER |
		OPT_EXE_FLAGS,
	.run = cmd_monitor,
};
