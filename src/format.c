/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Records rendered from the field table: the console line, the JSON record and
 * Process; argv and timestamps made readable (format.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "argvtext.h"
#include "fields.h"
#include "format.h"
#include "rules.h"
#include "util.h"

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

static void fput_value(FILE *f, const RecordField *fd, const FieldValue *v)
{
	if (v->kind == FV_TEXT) {
		fputs(v->s, f);
		return;
	}
	fprintf(f, "%s=", fd->label);
	switch (v->kind) {
	case FV_INT:
		fprintf(f, "%lld", (long long)v->i);
		break;
	case FV_UINT:
		fprintf(f, "%llu", (unsigned long long)v->u);
		break;
	case FV_BOOL:
		fputs(v->b ? "yes" : "no", f);
		break;
	case FV_STR:
		/* a value with blanks (a directory, a command name) stays one word;
		 * the empty command name of an unread exec stays as it was */
		if (v->len > 0)
			fput_word(f, v->s, v->len);
		break;
	case FV_ARGV:
		fputc('[', f);
		fputs_argv(f, v->s, v->len);
		fputs(v->b ? " …]" : "]", f);
		break;
	default:
		break;
	}
}

void format_event_message(FILE *f, const EventRecord *rec)
{
	size_t n;
	const RecordField *const *fs = record_fields(FIELD_CONSOLE, &n);
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		FieldValue v;

		if (!record_field_get(fs[i], rec, FIELD_CONSOLE, &v) || v.kind == FV_NULL)
			continue;
		if (!first)
			fputc(' ', f);
		fput_value(f, fs[i], &v);
		field_value_done(&v);
		first = false;
	}
}

void format_event_console(FILE *f, const EventRecord *rec)
{
	char ts[64];

	fprintf(f, "%s ", format_timestamp(ts, sizeof(ts), rec->realtime_usec));
	format_event_message(f, rec);
	fputc('\n', f);
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

		if (json_array_append_new(a, field_bytes_json(p, l)) < 0) {
			json_decref(a);
			return NULL;
		}
		if (!z)
			break;
		p = z + 1;
	}
	return a;
}

static json_t *json_value(FieldValue *v)
{
	switch (v->kind) {
	case FV_JSON:
		return TAKE_PTR(v->json);
	case FV_NULL:
		return json_null();
	case FV_INT:
		return json_integer((json_int_t)v->i);
	case FV_UINT:
		return json_integer((json_int_t)v->u);
	case FV_BOOL:
		return json_boolean(v->b);
	case FV_STR:
		return field_bytes_json(v->s, v->len);
	case FV_ARGV:
		return format_argv_json(v->s, v->len);
	default:
		return NULL;
	}
}

/* The fields of rec that out has, in its order, into a new object. */
static json_t *fields_json(const EventRecord *rec, FieldOutput out)
{
	size_t n;
	const RecordField *const *fs = record_fields(out, &n);
	json_t *o = json_object();

	for (size_t i = 0; o && i < n; i++) {
		FieldValue v;
		int r;

		if (!record_field_get(fs[i], rec, out, &v))
			continue;
		r = json_object_set_new(o, fs[i]->json, json_value(&v));
		field_value_done(&v);
		if (r < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *format_event_json(const EventRecord *rec)
{
	return fields_json(rec, FIELD_JSON);
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

json_t *format_process_json(const Process *p, const char *user, const char *login_user,
			    bool record_argv)
{
	const EventRecord rec = { .proc = p, .user = user, .login_user = login_user,
				  .record_argv = record_argv };

	return fields_json(&rec, FIELD_PROCESS);
}

typedef struct TableDump {
	FILE *f;
	const ProcTable *table;
	bool json, record_argv;
} TableDump;

static int dump_one(const Process *p, void *userdata)
{
	TableDump *d = userdata;
	const char *user = proctable_user_name((ProcTable *)d->table, p->euid);
	_cleanup_free_ char *text = NULL;
	json_t *o;

	if (!d->json) {
		format_process_console(d->f, p, user, d->record_argv);
		return 0;
	}
	o = format_process_json(p, user, process_login_user((ProcTable *)d->table, p), d->record_argv);
	/* in the JSON stream, table entries are told from events by this */
	if (o && json_object_set_new(o, "event", json_string("process")) == 0 &&
	    (text = json_dumps(o, JSON_COMPACT)))
		fprintf(d->f, "%s\n", text);
	json_decref(o);
	return 0;
}

void format_table(FILE *f, const ProcTable *t, bool json, bool record_argv)
{
	TableDump d = { .f = f, .table = t, .json = json, .record_argv = record_argv };

	proctable_foreach(t, dump_one, &d);
}
