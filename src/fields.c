/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record field table and the getters that read each field's value (fields.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "argvtext.h"
#include "fields.h"
#include "macro.h"
#include "procfs.h"
#include "rules.h"
#include "util.h"

#define EV(t) (1U << PROC_EV_##t)

static void set_int(FieldValue *v, int64_t i)
{
	v->kind = FV_INT;
	v->i = i;
}

static void set_uint(FieldValue *v, uint64_t u)
{
	v->kind = FV_UINT;
	v->u = u;
}

static void set_bool(FieldValue *v, bool b)
{
	v->kind = FV_BOOL;
	v->b = b;
}

/* s NULL: null in JSON and Process, absent elsewhere */
static void set_str(FieldValue *v, FieldOutput out, const char *s)
{
	if (!s) {
		v->kind = out == FIELD_JSON || out == FIELD_PROCESS ? FV_NULL : FV_ABSENT;
		return;
	}
	v->kind = FV_STR;
	v->s = s;
	v->len = strlen(s);
}

/* a string only where it is set, in every output */
static void set_str_if(FieldValue *v, const char *s)
{
	if (s)
		set_str(v, FIELD_CONSOLE, s);
}

/* an id, -1 unknown: null in JSON and Process, absent elsewhere */
static void set_id(FieldValue *v, FieldOutput out, unsigned id)
{
	if (id != (unsigned)-1)
		set_uint(v, id);
	else if (out == FIELD_JSON || out == FIELD_PROCESS)
		v->kind = FV_NULL;
}

static void set_text(FieldValue *v, const char *s)
{
	v->kind = FV_TEXT;
	v->s = s;
	v->len = strlen(s);
}

/* A value as JSON: a string when it is valid UTF-8, else the array of its bytes
 * as numbers, as journalctl -o json writes such fields. Unambiguous (a string
 * is always the text itself, "\\x41" four characters) and it round-trips. */
json_t *field_bytes_json(const char *s, size_t len)
{
	json_t *a;

	if (utf8_is_valid_n(s, len))
		return json_stringn(s, len);
	a = json_array();
	for (size_t i = 0; a && i < len; i++)
		if (json_array_append_new(a, json_integer((unsigned char)s[i])) < 0)
			json_decref(TAKE_PTR(a));
	return a;
}

/* --- the event --- */

static void get_time(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, format_timestamp(v->buf, sizeof(v->buf), rec->realtime_usec));
}

static void get_timestamp_usec(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_uint(v, rec->realtime_usec);
}

static void get_event(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const char *name = proc_event_type_to_string(rec->ev->type);

	if (out != FIELD_CONSOLE)
		return set_str(v, out, name);
	/* the line's first word, in a column of its own */
	snprintf(v->buf, sizeof(v->buf), "%-8s", name);
	set_text(v, v->buf);
}

static void get_pid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_int(v, out == FIELD_PROCESS ? rec->proc->pid : rec->ev->pid);
}

static void get_tgid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (out != FIELD_CONSOLE || rec->ev->pid != rec->ev->tgid)
		set_int(v, rec->ev->tgid);
}

static void get_cpu(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_uint(v, rec->ev->cpu);
}

static void get_seq(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_uint(v, rec->ev->seq);
}

static void get_rule(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, rec->rule);
}

static void get_priority(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, priority_to_string(rec->priority));
}

/* --- the process (the table's entry) --- */

static void get_ppid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_int(v, rec->proc->ppid);
}

static void get_comm(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	/* a comm event's record names the process as it was called until then */
	if (rec->ev && rec->ev->type == PROC_EV_COMM && rec->old_comm)
		return set_str(v, out, rec->old_comm);
	set_str(v, out, rec->proc->comm);
}

static void get_exe(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const char *exe = rec->proc->exe;

	if (out != FIELD_CONSOLE)
		return set_str(v, out, exe);
	/* the line names the program of an exec only, "?" if it could not be read */
	if (rec->ev->type == PROC_EV_EXEC)
		set_str(v, out, exe ?: "?");
}

static void get_unread(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	/* a Process always says; an event record only when it is so */
	if (out == FIELD_PROCESS || rec->proc->unread)
		set_bool(v, rec->proc->unread);
}

static void get_kernel_thread(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->proc->kernel_thread)
		set_bool(v, true);
}

/* not the command line: the reason there is none (so not sensitive) */
static void get_argv_unread(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->proc->unread)
		set_text(v, "argv=? (exited before it could be read)");
}

static void get_argv(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Process *p = rec->proc;

	switch (out) {
	case FIELD_CONSOLE:
		if (rec->ev->type != PROC_EV_EXEC || p->unread)
			return;
		break;
	case FIELD_JOURNAL:
		/* one line, as the console shows it: readable, and lossless */
		if (p->argv_len > 0 && (v->owned = argv_quoted(p->argv, p->argv_len)))
			set_str(v, out, v->owned);
		return;
	default:
		if (p->unread)
			return (void)(v->kind = FV_NULL);
		break;
	}
	v->kind = FV_ARGV;
	v->s = p->argv ?: "";
	v->len = p->argv_len;
	v->b = p->argv_truncated;
}

static void get_argv_truncated(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->proc->argv_truncated)
		set_bool(v, true);
}

static void get_uid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_id(v, out, rec->proc->uid);
}

static void get_euid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	/* the line shows the number only for a user without a name */
	if (out != FIELD_CONSOLE || !rec->user)
		set_id(v, out, rec->proc->euid);
}

static void get_gid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_id(v, out, rec->proc->gid);
}

static void get_egid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_id(v, out, rec->proc->egid);
}

static void get_user(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, rec->user);
}

static void get_cgroup(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, rec->proc->cgroup);
}

static void get_unit(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, rec->proc->unit);
}

static void get_origin(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, proc_origin_to_string(rec->proc->origin));
}

/* the audit login: absent while unset (4294967295) or unknown */
static bool login_set(const Process *p)
{
	return p->login_known && p->loginuid != (uid_t)-1;
}

static void get_loginuid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	/* the line shows the number only for a login user without a name */
	if (login_set(rec->proc) && (out != FIELD_CONSOLE || !rec->login_user))
		set_uint(v, rec->proc->loginuid);
}

static void get_login_user(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, rec->login_user);
}

static void get_session(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (login_set(rec->proc) && rec->proc->sessionid != (uint32_t)-1)
		set_uint(v, rec->proc->sessionid);
}

static void get_tty(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, procfs_tty_name(rec->proc->tty_nr, v->buf, sizeof(v->buf)));
}

static void get_cwd(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	/* on the line where it was read: the exec's */
	if (out != FIELD_CONSOLE || rec->ev->type == PROC_EV_EXEC)
		set_str_if(v, rec->proc->cwd);
}

static void get_start_usec(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->proc->start_ns == 0)
		v->kind = FV_NULL;
	else
		set_int(v, (int64_t)monotonic_to_realtime_usec(rec->proc->start_ns));
}

static void get_parent_comm(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->parent)
		set_str_if(v, rec->parent->comm);
}

static void get_parent_exe(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->parent)
		set_str_if(v, rec->parent->exe);
}

/* JSON and Process: ["deleted", "writable-dir"]; elsewhere "deleted writable-dir"
 * (the console: "deleted,writable-dir", one word) */
static void get_exe_flags(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	unsigned flags = rec->proc->exe_flags;

	/* on the line of the exec, next to the program it is about */
	if (flags == 0 || (out == FIELD_CONSOLE && rec->ev->type != PROC_EV_EXEC))
		return;
	if (out == FIELD_JSON || out == FIELD_PROCESS) {
		json_t *a = json_array();

		for (unsigned i = 0; a && i < EXE_FLAG_COUNT; i++)
			if ((flags & (1U << i)) &&
			    json_array_append_new(a, json_string(exe_flag_name(i))) < 0)
				json_decref(TAKE_PTR(a));
		if (a) {
			v->kind = FV_JSON;
			v->json = a;
		}
		return;
	}
	{
		FILE *f = fmemopen(v->buf, sizeof(v->buf), "w");

		if (!f)
			return;
		exe_flags_print(f, flags, out == FIELD_CONSOLE ? "," : " ");
		if (fclose(f) != 0)
			return;
		set_str(v, out, v->buf);
	}
}

static const Container *container_of(const EventRecord *rec)
{
	return rec->proc->container ? &rec->proc->container->c : NULL;
}

/* JSON and Process: {runtime, id, name, pod_uid}, the ones the path names; the
 * console: its name, else its id cut as docker ps does */
static void get_container(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Container *c = container_of(rec);
	json_t *o;

	if (!c)
		return;
	if (out == FIELD_CONSOLE) {
		snprintf(v->buf, sizeof(v->buf), "%.12s", c->name[0] ? c->name : c->id);
		set_str(v, out, c->name[0] ? c->name : v->buf);
		return;
	}
	o = json_pack("{s:s}", "runtime", c->runtime);
	if (o && ((c->id[0] && json_object_set_new(o, "id", json_string(c->id)) < 0) ||
		  (c->name[0] && json_object_set_new(o, "name",
						     field_bytes_json(c->name, strlen(c->name))) < 0) ||
		  (c->pod_uid[0] && json_object_set_new(o, "pod_uid", json_string(c->pod_uid)) < 0)))
		json_decref(TAKE_PTR(o));
	if (o) {
		v->kind = FV_JSON;
		v->json = o;
	}
}

static void get_container_runtime(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Container *c = container_of(rec);

	if (c)
		set_str(v, out, c->runtime);
}

static void get_container_id(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Container *c = container_of(rec);

	if (c && c->id[0])
		set_str(v, out, c->id);
}

static void get_container_name(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Container *c = container_of(rec);

	if (c && c->name[0])
		set_str(v, out, c->name);
}

static void get_pod_uid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Container *c = container_of(rec);

	if (c && c->pod_uid[0])
		set_str(v, out, c->pod_uid);
}

static void get_ns_pid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->proc->ns_pid > 0)
		set_int(v, rec->proc->ns_pid);
}

/* exe-hash: the digest, or why there is none; neither with exe-hash = none */
static void get_exe_sha256(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, exe_hash_hex(rec->proc->exe_hash));
}

static void get_exe_sha256_missing(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const ExeHash *h = rec->proc->exe_hash;

	if (h && exe_hash_state(h) != EXE_HASH_DONE)
		set_str(v, out, exe_hash_state_to_string(exe_hash_state(h)));
}

static void get_process_id(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, proc_id_format(rec->proc->id, v->buf));
}

static void get_parent_process_id(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, proc_id_format(rec->proc->parent_id, v->buf));
}

static void get_boot_id(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str_if(v, rec->boot_id);
}

/* Ancestors in a record: this many at most, parent first */
#define RECORD_ANCESTORS_MAX 16

static json_t *ancestor_json(const Process *a)
{
	char id[PROC_ID_MAX];
	const char *sid = proc_id_format(a->id, id);

	/* names are bytes: encoded as every other string (field_bytes_json) */
	return json_pack("{s:i,s:o,s:o,s:s?}", "pid", (int)a->pid, "comm",
			 field_bytes_json(a->comm, strlen(a->comm)), "exe",
			 a->exe ? field_bytes_json(a->exe, strlen(a->exe)) : json_null(),
			 "process_id", sid);
}

/* The record's ancestors into chain (RECORD_ANCESTORS_MAX + 1 slots): how many,
 * and whether there are more. One more is walked to know, never the whole chain. */
static size_t record_ancestors(const EventRecord *rec, const Process **chain, bool *ret_cut)
{
	size_t n = rec->table ? proctable_ancestors(rec->table, rec->proc, chain,
						    RECORD_ANCESTORS_MAX + 1, NULL) : 0;

	*ret_cut = n > RECORD_ANCESTORS_MAX;
	return MIN(n, (size_t)RECORD_ANCESTORS_MAX);
}

/* JSON: [{pid, comm, exe, process_id}...]; elsewhere one readable line,
 * "bash[4711] < sshd[4700] < systemd[1]", "< ..." when cut */
static void get_ancestors(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Process *chain[RECORD_ANCESTORS_MAX + 1];
	bool cut;
	size_t n = record_ancestors(rec, chain, &cut);

	if (n == 0)
		return;
	if (out == FIELD_JSON) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < n; i++)
			if (json_array_append_new(a, ancestor_json(chain[i])) < 0)
				json_decref(TAKE_PTR(a));
		if (!a)
			return;
		v->kind = FV_JSON;
		v->json = a;
		return;
	}
	{
		char *text = NULL;
		size_t size = 0;
		FILE *f = open_memstream(&text, &size);

		if (!f)
			return;
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s%s[%d]", i ? " < " : "", chain[i]->comm, (int)chain[i]->pid);
		if (cut)
			fputs(" < ...", f);
		if (fclose(f) != 0) {
			free(text);
			return;
		}
		v->owned = text;
		set_str(v, out, text);
	}
}

static void get_ancestors_cut(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const Process *chain[RECORD_ANCESTORS_MAX + 1];
	bool cut;

	(void)record_ancestors(rec, chain, &cut);
	if (cut)
		set_bool(v, true);
}

/* --- what only some events carry --- */

static void get_parent_pid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const ProcEvent *ev = rec->ev;

	set_int(v, ev->type == PROC_EV_FORK ? ev->fork.parent_pid :
		   ev->type == PROC_EV_COREDUMP ? ev->coredump.parent_pid : ev->exit.parent_pid);
}

static void get_parent_tgid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	const ProcEvent *ev = rec->ev;

	set_int(v, ev->type == PROC_EV_FORK ? ev->fork.parent_tgid :
		   ev->type == PROC_EV_COREDUMP ? ev->coredump.parent_tgid :
						  ev->exit.parent_tgid);
}

/* forked by a thread other than the main one */
static void get_parent_thread(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->ev->fork.parent_pid != rec->ev->fork.parent_tgid)
		set_int(v, rec->ev->fork.parent_pid);
}

static void get_new_real(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_uint(v, rec->ev->id.real);
}

static void get_new_effective(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_uint(v, rec->ev->id.effective);
}

static void get_tracer_pid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_int(v, rec->ev->ptrace.tracer_pid);
}

/* 0: the tracer detached */
static void get_tracer_tgid(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (out == FIELD_CONSOLE && rec->ev->ptrace.tracer_tgid == 0)
		set_text(v, "detached");
	else
		set_int(v, rec->ev->ptrace.tracer_tgid);
}

static void get_new_comm(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_str(v, out, rec->ev->comm.comm);
}

/* the exit code of a process that was not killed by a signal */
static void get_exit_code(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (!rec->ev->exit.signal)
		set_int(v, rec->ev->exit.status);
	else if (out == FIELD_JSON)
		v->kind = FV_NULL;
}

static void get_exit_signal(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	int sig = rec->ev->exit.signal;

	if (out != FIELD_CONSOLE)
		set_int(v, sig);
	else if (sig)
		set_str(v, out, sigabbrev_np(sig) ?: "?");
}

static void get_core_dumped(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (out != FIELD_CONSOLE)
		set_bool(v, rec->ev->exit.core);
	else if (rec->ev->exit.signal && rec->ev->exit.core)
		set_str(v, out, "yes");
}

static void get_wait_status(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	set_int(v, rec->ev->exit.exit_code);
}

static void get_lifetime(const EventRecord *rec, FieldOutput out, FieldValue *v)
{
	if (rec->lifetime_ns == LIFETIME_UNKNOWN) {
		if (out == FIELD_JSON)
			v->kind = FV_NULL;
	} else if (out == FIELD_CONSOLE)
		set_str(v, out, format_duration(v->buf, sizeof(v->buf), rec->lifetime_ns));
	else
		set_uint(v, rec->lifetime_ns / NSEC_PER_USEC);
}

/* pos: { console, JSON, journal, Process }, in steps of ten so a field can go
 * between two others */
#define POS(c, j, jr, p) { [FIELD_CONSOLE] = c, [FIELD_JSON] = j, [FIELD_JOURNAL] = jr, \
			   [FIELD_PROCESS] = p }
#define PROC FIELD_OF_PROCESS

/* In the order of the JSON record. */
static const RecordField fields[] = {
	{ "time", NULL, NULL, 0, 0, POS(0, 10, 0, 0), get_time },
	{ "timestamp_usec", NULL, NULL, 0, 0, POS(0, 20, 0, 0), get_timestamp_usec },
	{ "event", "CNPROCD_EVENT", "", 0, 0, POS(10, 30, 10, 0), get_event },
	{ "pid", "CNPROCD_PID", "pid", 0, FIELD_NUMBER, POS(20, 40, 20, 20), get_pid },
	{ "tgid", "CNPROCD_TGID", "tgid", 0, FIELD_NUMBER, POS(30, 50, 30, 0), get_tgid },
	{ "cpu", NULL, NULL, 0, 0, POS(0, 60, 0, 0), get_cpu },
	{ "seq", NULL, NULL, 0, 0, POS(0, 70, 0, 0), get_seq },
	{ "ppid", "CNPROCD_PPID", "ppid", 0, PROC | FIELD_NUMBER, POS(40, 80, 50, 40), get_ppid },
	{ "comm", "CNPROCD_COMM", "comm", 0, PROC, POS(70, 90, 80, 50), get_comm },
	{ "exe", "CNPROCD_EXE", "exe", 0, PROC, POS(90, 100, 90, 60), get_exe },
	{ "exe_flags", "CNPROCD_EXE_FLAGS", "exe_flags", 0, PROC | FIELD_WORDS, POS(92, 105, 95, 65),
	  get_exe_flags },
	{ "exe_sha256", "CNPROCD_EXE_SHA256", NULL, 0, PROC, POS(0, 106, 96, 66),
	  get_exe_sha256 },
	{ "exe_sha256_missing", "CNPROCD_EXE_SHA256_MISSING", NULL, 0, PROC, POS(0, 107, 97, 67),
	  get_exe_sha256_missing },
	{ "unread", "CNPROCD_UNREAD", NULL, 0, PROC | FIELD_FLAG, POS(0, 110, 110, 10),
	  get_unread },
	{ "kernel_thread", NULL, NULL, 0, PROC, POS(0, 120, 0, 70), get_kernel_thread },
	{ NULL, NULL, "argv", EV(EXEC), PROC, POS(100, 0, 0, 0), get_argv_unread },
	{ "argv", "CNPROCD_CMDLINE", "argv", 0, PROC | FIELD_SENSITIVE, POS(110, 130, 100, 80),
	  get_argv },
	{ "argv_truncated", "CNPROCD_ARGV_TRUNCATED", NULL, 0, PROC | FIELD_SENSITIVE | FIELD_FLAG,
	  POS(0, 140, 101, 90),
	  get_argv_truncated },
	{ "uid", NULL, NULL, 0, PROC, POS(0, 150, 0, 100), get_uid },
	{ "euid", "CNPROCD_UID", "uid", 0, PROC | FIELD_NUMBER, POS(60, 160, 60, 110), get_euid },
	{ "gid", NULL, NULL, 0, PROC, POS(0, 170, 0, 120), get_gid },
	{ "egid", NULL, NULL, 0, PROC, POS(0, 180, 0, 130), get_egid },
	{ "user", "CNPROCD_USER", "user", 0, PROC, POS(50, 190, 70, 140), get_user },
	{ "cgroup", "CNPROCD_CGROUP", NULL, 0, PROC, POS(0, 200, 130, 150), get_cgroup },
	{ "unit", "CNPROCD_UNIT", "unit", 0, PROC, POS(210, 210, 120, 160), get_unit },
	{ "origin", NULL, NULL, 0, PROC, POS(0, 220, 0, 170), get_origin },
	{ "container", NULL, "container", 0, PROC, POS(212, 215, 0, 165), get_container },
	{ NULL, "CNPROCD_CONTAINER_RUNTIME", NULL, 0, PROC, POS(0, 0, 125, 0),
	  get_container_runtime },
	{ NULL, "CNPROCD_CONTAINER_ID", NULL, 0, PROC, POS(0, 0, 126, 0), get_container_id },
	{ NULL, "CNPROCD_CONTAINER_NAME", NULL, 0, PROC, POS(0, 0, 127, 0), get_container_name },
	{ NULL, "CNPROCD_POD_UID", NULL, 0, PROC, POS(0, 0, 128, 0), get_pod_uid },
	{ "ns_pid", "CNPROCD_NS_PID", "ns_pid", 0, PROC | FIELD_NUMBER, POS(25, 45, 25, 25),
	  get_ns_pid },
	{ "loginuid", "CNPROCD_LOGINUID", "login", 0, PROC | FIELD_NUMBER, POS(64, 221, 131, 171),
	  get_loginuid },
	{ "login_user", "CNPROCD_LOGIN_USER", "login", 0, PROC, POS(62, 222, 132, 172),
	  get_login_user },
	{ "session", "CNPROCD_SESSION", NULL, 0, PROC | FIELD_NUMBER, POS(0, 223, 133, 173),
	  get_session },
	{ "tty", "CNPROCD_TTY", "tty", 0, PROC, POS(66, 224, 134, 174), get_tty },
	{ "cwd", "CNPROCD_CWD", "cwd", 0, PROC, POS(95, 225, 135, 175), get_cwd },
	{ "process_id", "CNPROCD_PROCESS_ID", NULL, 0, PROC, POS(0, 226, 136, 176),
	  get_process_id },
	{ "parent_process_id", "CNPROCD_PARENT_PROCESS_ID", NULL, 0, PROC, POS(0, 227, 137, 177),
	  get_parent_process_id },
	{ "ancestors", "CNPROCD_ANCESTORS", NULL, 0, PROC, POS(0, 228, 138, 0), get_ancestors },
	{ "ancestors_cut", NULL, NULL, 0, PROC, POS(0, 229, 0, 0), get_ancestors_cut },
	{ "boot_id", NULL, NULL, 0, 0, POS(0, 25, 0, 0), get_boot_id },
	{ "start_usec", NULL, NULL, 0, PROC, POS(0, 0, 0, 30), get_start_usec },
	{ NULL, "CNPROCD_PARENT_COMM", NULL, 0, 0, POS(0, 0, 140, 0), get_parent_comm },
	{ NULL, "CNPROCD_PARENT_EXE", NULL, 0, 0, POS(0, 0, 150, 0), get_parent_exe },
	{ "rule", "CNPROCD_RULE", "rule", 0, 0, POS(220, 230, 40, 0), get_rule },
	{ "priority", NULL, NULL, 0, 0, POS(0, 240, 0, 0), get_priority },
	{ "parent_pid", NULL, NULL, EV(FORK) | EV(COREDUMP), 0, POS(0, 250, 0, 0),
	  get_parent_pid },
	{ "parent_tgid", NULL, NULL, EV(FORK) | EV(COREDUMP), 0, POS(0, 260, 0, 0),
	  get_parent_tgid },
	{ NULL, NULL, "parent_thread", EV(FORK), 0, POS(80, 0, 0, 0), get_parent_thread },
	{ "new_uid", "CNPROCD_NEW_RUID", "ruid", EV(UID), FIELD_NUMBER, POS(120, 270, 160, 0),
	  get_new_real },
	{ "new_euid", "CNPROCD_NEW_EUID", "euid", EV(UID), FIELD_NUMBER, POS(130, 280, 170, 0),
	  get_new_effective },
	{ "new_gid", "CNPROCD_NEW_RGID", "rgid", EV(GID), FIELD_NUMBER, POS(140, 290, 180, 0),
	  get_new_real },
	{ "new_egid", "CNPROCD_NEW_EGID", "egid", EV(GID), FIELD_NUMBER, POS(150, 300, 190, 0),
	  get_new_effective },
	{ "tracer_pid", NULL, NULL, EV(PTRACE), 0, POS(0, 310, 0, 0), get_tracer_pid },
	{ "tracer_tgid", "CNPROCD_TRACER_PID", "tracer", EV(PTRACE), FIELD_NUMBER, POS(160, 320, 200, 0),
	  get_tracer_tgid },
	{ "new_comm", "CNPROCD_NEW_COMM", "new_comm", EV(COMM), 0, POS(85, 330, 85, 0), get_new_comm },
	{ "exit_code", "CNPROCD_EXIT_CODE", "status", EV(EXIT), FIELD_NUMBER, POS(190, 340, 210, 0),
	  get_exit_code },
	{ "exit_signal", "CNPROCD_EXIT_SIGNAL", "signal", EV(EXIT), FIELD_NUMBER, POS(170, 350, 220, 0),
	  get_exit_signal },
	{ "core_dumped", NULL, "core", EV(EXIT), 0, POS(180, 360, 0, 0), get_core_dumped },
	{ "wait_status", NULL, NULL, EV(EXIT), 0, POS(0, 370, 0, 0), get_wait_status },
	{ "parent_pid", NULL, NULL, EV(EXIT), 0, POS(0, 380, 0, 0), get_parent_pid },
	{ "parent_tgid", NULL, NULL, EV(EXIT), 0, POS(0, 390, 0, 0), get_parent_tgid },
	{ "lifetime_usec", "CNPROCD_LIFETIME_USEC", "lifetime", EV(EXIT), FIELD_NUMBER,
	  POS(200, 400, 230, 0), get_lifetime },
};

/* Each output's fields, ordered once: the renderers walk these per record. */
static const RecordField *order[_FIELD_OUTPUT_MAX][ELEMENTSOF(fields)];
static size_t n_order[_FIELD_OUTPUT_MAX];

static void order_fields(FieldOutput out)
{
	size_t n = 0;

	for (unsigned pos = 1; pos <= UINT16_MAX && n < ELEMENTSOF(fields); pos++)
		for (size_t i = 0; i < ELEMENTSOF(fields); i++)
			if (fields[i].pos[out] == pos)
				order[out][n++] = &fields[i];
	n_order[out] = n;
}

const RecordField *const *record_fields(FieldOutput out, size_t *ret_n)
{
	/* the renderers run in the main thread only */
	if (n_order[out] == 0)
		order_fields(out);
	*ret_n = n_order[out];
	return order[out];
}

bool record_field_get(const RecordField *f, const EventRecord *rec, FieldOutput out,
		      FieldValue *v)
{
	*v = (FieldValue){};
	if (out != FIELD_PROCESS && f->events && !(f->events & (1U << rec->ev->type)))
		return false;
	if ((f->flags & FIELD_OF_PROCESS) && !rec->proc)
		return false;
	if ((f->flags & FIELD_SENSITIVE) && !rec->record_argv)
		return false;
	f->get(rec, out, v);
	return v->kind != FV_ABSENT;
}

void field_value_done(FieldValue *v)
{
	free(v->owned);
	v->owned = NULL;
	json_decref(v->json);
	v->json = NULL;
}
