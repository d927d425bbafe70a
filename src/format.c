/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "rules.h"
#include "util.h"

uint64_t monotonic_to_realtime_usec(uint64_t mono_ns)
{
	nsec_t rt = now_nsec(CLOCK_REALTIME), mono = now_nsec(CLOCK_MONOTONIC);

	return (rt - mono + mono_ns) / NSEC_PER_USEC;
}

static bool arg_needs_quotes(const char *s, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ' ' || s[i] == '"' || s[i] == '\'')
			return true;
	return false;
}

/* argv the way a shell user would read it: arguments with blanks or quotes in "…" */
static void fputs_argv(FILE *f, const char *argv, size_t len)
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
		if (arg_needs_quotes(p, l)) {
			fputc('"', f);
			for (size_t i = 0; i < l; i++) {
				const char *q = memchr(p + i, '"', l - i);
				size_t run = q ? (size_t)(q - (p + i)) : l - i;

				fputs_escaped(f, p + i, run);
				i += run;
				if (i < l)
					fputs("\\\"", f);
			}
			fputc('"', f);
		} else
			fputs_escaped(f, p, l);
		if (!z)
			break;
		p = z + 1;
	}
}

static void fput_field(FILE *f, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(f, " %s=", key);
	fputs_escaped(f, value, strlen(value));
}

static void fput_process(FILE *f, const Process *p, const char *user)
{
	fprintf(f, " ppid=%d", (int)p->ppid);
	if (user)
		fput_field(f, "user", user);
	else if (p->euid != (uid_t)-1)
		fprintf(f, " uid=%u", (unsigned)p->euid);
	fput_field(f, "comm", p->comm);
}

void format_event_message(FILE *f, const EventRecord *rec)
{
	const ProcEvent *ev = rec->ev;
	const Process *p = rec->proc;
	char d[64];

	fprintf(f, "%-8s pid=%d", proc_event_type_to_string(ev->type), (int)ev->pid);
	if (ev->pid != ev->tgid)
		fprintf(f, " tgid=%d", (int)ev->tgid);
	if (p)
		fput_process(f, p, rec->user);

	switch (ev->type) {
	case PROC_EV_FORK:
		if (ev->fork.parent_pid != ev->fork.parent_tgid)
			fprintf(f, " parent_thread=%d", (int)ev->fork.parent_pid);
		break;
	case PROC_EV_EXEC:
		if (p) {
			fput_field(f, "exe", p->exe ?: "?");
			if (p->unread)
				fputs(" argv=? (exited before it could be read)", f);
			else if (rec->record_argv) {
				fputs(" argv=[", f);
				fputs_argv(f, p->argv ?: "", p->argv_len);
				fputs(p->argv_truncated ? " …]" : "]", f);
			}
		}
		break;
	case PROC_EV_UID:
		fprintf(f, " ruid=%u euid=%u", ev->id.real, ev->id.effective);
		break;
	case PROC_EV_GID:
		fprintf(f, " rgid=%u egid=%u", ev->id.real, ev->id.effective);
		break;
	case PROC_EV_PTRACE:
		if (ev->ptrace.tracer_tgid)
			fprintf(f, " tracer=%d", (int)ev->ptrace.tracer_tgid);
		else
			fputs(" detached", f);
		break;
	case PROC_EV_COREDUMP:
		break;
	case PROC_EV_EXIT:
		if (ev->exit.signal)
			fprintf(f, " signal=%s%s", sigabbrev_np(ev->exit.signal) ?: "?",
				ev->exit.core ? " core=yes" : "");
		else
			fprintf(f, " status=%d", ev->exit.status);
		if (rec->lifetime_ns != LIFETIME_UNKNOWN)
			fprintf(f, " lifetime=%s", format_duration(d, sizeof(d), rec->lifetime_ns));
		break;
	default:
		break;
	}
	if (p && p->unit)
		fput_field(f, "unit", p->unit);
	if (rec->rule)
		fput_field(f, "rule", rec->rule);
}

void format_event_console(FILE *f, const EventRecord *rec)
{
	char ts[64];

	fprintf(f, "%s ", format_timestamp(ts, sizeof(ts), rec->realtime_usec));
	format_event_message(f, rec);
	fputc('\n', f);
}

static json_t *json_bytes(const char *s, size_t len)
{
	_cleanup_free_ char *e = NULL;

	if (utf8_is_valid_n(s, len))
		return json_stringn(s, len);
	e = escape_bytes(s, len, true);
	return e ? json_string(e) : NULL;
}

static json_t *json_str_or_null(const char *s)
{
	return s ? json_bytes(s, strlen(s)) : json_null();
}

json_t *format_argv_json(const char *argv, size_t len)
{
	json_t *a = json_array();
	const char *p = argv, *end = argv + len;

	if (!a)
		return NULL;
	if (len > 0 && argv[len - 1] == 0)
		end--;
	while (len > 0 && p <= end) {
		const char *z = memchr(p, 0, (size_t)(end - p));
		size_t l = z ? (size_t)(z - p) : (size_t)(end - p);

		if (json_array_append_new(a, json_bytes(p, l)) < 0) {
			json_decref(a);
			return NULL;
		}
		if (!z)
			break;
		p = z + 1;
	}
	return a;
}

static int json_set_id(json_t *o, const char *key, unsigned id)
{
	return json_object_set_new(o, key, id == (unsigned)-1 ? json_null() : json_integer(id));
}

static int process_to_json(json_t *o, const Process *p, const char *user, bool record_argv)
{
	int r = 0;

	r |= json_object_set_new(o, "ppid", json_integer(p->ppid));
	r |= json_object_set_new(o, "comm", json_str_or_null(p->comm));
	r |= json_object_set_new(o, "exe", json_str_or_null(p->exe));
	if (p->unread)
		r |= json_object_set_new(o, "unread", json_true());
	if (p->kernel_thread)
		r |= json_object_set_new(o, "kernel_thread", json_true());
	if (record_argv) {
		r |= json_object_set_new(o, "argv", p->unread ? json_null() :
					 format_argv_json(p->argv, p->argv_len));
		if (p->argv_truncated)
			r |= json_object_set_new(o, "argv_truncated", json_true());
	}
	r |= json_set_id(o, "uid", p->uid);
	r |= json_set_id(o, "euid", p->euid);
	r |= json_set_id(o, "gid", p->gid);
	r |= json_set_id(o, "egid", p->egid);
	r |= json_object_set_new(o, "user", json_str_or_null(user));
	r |= json_object_set_new(o, "cgroup", json_str_or_null(p->cgroup));
	r |= json_object_set_new(o, "unit", json_str_or_null(p->unit));
	r |= json_object_set_new(o, "origin", json_string(proc_origin_to_string(p->origin)));
	return r ? -ENOMEM : 0;
}

json_t *format_event_json(const EventRecord *rec)
{
	const ProcEvent *ev = rec->ev;
	json_t *o = json_object();
	char ts[64];
	int r = 0;

	if (!o)
		return NULL;
	r |= json_object_set_new(o, "time",
				 json_string(format_timestamp(ts, sizeof(ts), rec->realtime_usec)));
	r |= json_object_set_new(o, "timestamp_usec", json_integer((json_int_t)rec->realtime_usec));
	r |= json_object_set_new(o, "event", json_string(proc_event_type_to_string(ev->type)));
	r |= json_object_set_new(o, "pid", json_integer(ev->pid));
	r |= json_object_set_new(o, "tgid", json_integer(ev->tgid));
	r |= json_object_set_new(o, "cpu", json_integer(ev->cpu));
	r |= json_object_set_new(o, "seq", json_integer(ev->seq));
	if (rec->proc && process_to_json(o, rec->proc, rec->user, rec->record_argv) < 0)
		r = -1;
	if (rec->rule)
		r |= json_object_set_new(o, "rule", json_string(rec->rule));
	r |= json_object_set_new(o, "priority", json_string(priority_to_string(rec->priority)));

	switch (ev->type) {
	case PROC_EV_FORK:
		r |= json_object_set_new(o, "parent_pid", json_integer(ev->fork.parent_pid));
		r |= json_object_set_new(o, "parent_tgid", json_integer(ev->fork.parent_tgid));
		break;
	case PROC_EV_UID:
	case PROC_EV_GID:
		r |= json_object_set_new(o, ev->type == PROC_EV_UID ? "new_uid" : "new_gid",
					 json_integer(ev->id.real));
		r |= json_object_set_new(o, ev->type == PROC_EV_UID ? "new_euid" : "new_egid",
					 json_integer(ev->id.effective));
		break;
	case PROC_EV_PTRACE:
		r |= json_object_set_new(o, "tracer_pid", json_integer(ev->ptrace.tracer_pid));
		r |= json_object_set_new(o, "tracer_tgid", json_integer(ev->ptrace.tracer_tgid));
		break;
	case PROC_EV_COMM:
		r |= json_object_set_new(o, "new_comm", json_str_or_null(ev->comm.comm));
		break;
	case PROC_EV_COREDUMP:
		r |= json_object_set_new(o, "parent_pid", json_integer(ev->coredump.parent_pid));
		r |= json_object_set_new(o, "parent_tgid", json_integer(ev->coredump.parent_tgid));
		break;
	case PROC_EV_EXIT:
		r |= json_object_set_new(o, "exit_code", ev->exit.signal ? json_null() :
					 json_integer(ev->exit.status));
		r |= json_object_set_new(o, "exit_signal", json_integer(ev->exit.signal));
		r |= json_object_set_new(o, "core_dumped", json_boolean(ev->exit.core));
		r |= json_object_set_new(o, "wait_status", json_integer(ev->exit.exit_code));
		r |= json_object_set_new(o, "parent_pid", json_integer(ev->exit.parent_pid));
		r |= json_object_set_new(o, "parent_tgid", json_integer(ev->exit.parent_tgid));
		r |= json_object_set_new(o, "lifetime_usec",
					 rec->lifetime_ns == LIFETIME_UNKNOWN ? json_null() :
					 json_integer((json_int_t)(rec->lifetime_ns / NSEC_PER_USEC)));
		break;
	default:
		break;
	}
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void format_process_console(FILE *f, const Process *p, const char *user, bool record_argv)
{
	char ts[64];

	fprintf(f, "%s %-8s pid=%d",
		format_timestamp(ts, sizeof(ts), monotonic_to_realtime_usec(p->start_ns)),
		"process", (int)p->pid);
	fput_process(f, p, user);
	fput_field(f, "exe", p->exe);
	if (record_argv && p->argv_len > 0) {
		fputs(" argv=[", f);
		fputs_argv(f, p->argv, p->argv_len);
		fputs(p->argv_truncated ? " …]" : "]", f);
	}
	fput_field(f, "unit", p->unit);
	fprintf(f, " origin=%s\n", proc_origin_to_string(p->origin));
}

json_t *format_process_json(const Process *p, const char *user, bool record_argv)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= json_object_set_new(o, "unread", json_boolean(p->unread));
	r |= json_object_set_new(o, "pid", json_integer(p->pid));
	r |= json_object_set_new(o, "start_usec", p->start_ns == 0 ? json_null() :
				 json_integer((json_int_t)monotonic_to_realtime_usec(p->start_ns)));
	if (r || process_to_json(o, p, user, record_argv) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
