/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Records for journald: building fields in a memory stream, the event record from
 * the field table, sending through the writer (journal.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#define SD_JOURNAL_SUPPRESS_LOCATION /* jwriter.c says why */
#include <systemd/sd-journal.h>

#include "fields.h"
#include "journal.h"
#include "jwriter.h"
#include "macro.h"

const char *journal_message_id(ProcEventType t)
{
	static const char *const ids[_PROC_EV_MAX] = {
		[PROC_EV_FORK] = CNPROCD_MESSAGE_FORK,
		[PROC_EV_EXEC] = CNPROCD_MESSAGE_EXEC,
		[PROC_EV_UID] = CNPROCD_MESSAGE_UID,
		[PROC_EV_GID] = CNPROCD_MESSAGE_GID,
		[PROC_EV_SID] = CNPROCD_MESSAGE_SID,
		[PROC_EV_PTRACE] = CNPROCD_MESSAGE_PTRACE,
		[PROC_EV_COMM] = CNPROCD_MESSAGE_COMM,
		[PROC_EV_COREDUMP] = CNPROCD_MESSAGE_COREDUMP,
		[PROC_EV_EXIT] = CNPROCD_MESSAGE_EXIT,
	};

	return t > PROC_EV_NONE && t < _PROC_EV_MAX ? ids[t] : NULL;
}

static void field_begin(Record *r)
{
	fflush(r->f);
	if (r->n < RECORD_MAX_FIELDS)
		r->off[r->n] = (size_t)ftello(r->f);
}

static void field_end(Record *r)
{
	fflush(r->f);
	if (r->n < RECORD_MAX_FIELDS) {
		r->len[r->n] = (size_t)ftello(r->f) - r->off[r->n];
		r->n++;
	}
}

int record_begin(Record *r, int priority, const char *message_id)
{
	*r = (Record){ .priority = priority, .message_field = -1 };
	r->f = open_memstream(&r->buf, &r->size);
	if (!r->f)
		return -ENOMEM;
	record_field(r, "PRIORITY=%d", priority);
	if (message_id)
		record_field(r, "MESSAGE_ID=%s", message_id);
	return 0;
}

void record_field(Record *r, const char *fmt, ...)
{
	va_list ap;

	field_begin(r);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	field_end(r);
}

void record_bytes(Record *r, const char *name, const char *value, size_t len)
{
	if (!value)
		return;
	field_begin(r);
	fprintf(r->f, "%s=", name);
	fwrite(value, 1, len, r->f);
	field_end(r);
}

void record_message(Record *r, const char *fmt, ...)
{
	va_list ap;

	r->message_field = (int)r->n;
	field_begin(r);
	fputs("MESSAGE=", r->f);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	field_end(r);
}

void record_message_append(Record *r, const char *fmt, ...)
{
	va_list ap;

	/* only while MESSAGE= is the last field: its length is still open */
	if (r->message_field < 0 || (unsigned)r->message_field + 1 != r->n)
		return;
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fflush(r->f);
	r->len[r->message_field] = (size_t)ftello(r->f) - r->off[r->message_field];
}

void record_discard(Record *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	*r = (Record){};
}

int record_end(Record *r)
{
	int k = r->f && fclose(r->f) != 0 ? -ENOMEM : 0;

	r->f = NULL;
	return k;
}

int record_send(Record *r, LogTarget target)
{
	struct iovec iov[RECORD_MAX_FIELDS];
	int k;

	if (record_end(r) < 0) {
		record_discard(r);
		return -ENOMEM;
	}
	if (target != LOG_TARGET_JOURNAL) {
		if (r->message_field >= 0) {
			const char *m = r->buf + r->off[r->message_field] + strlen("MESSAGE=");
			int l = (int)(r->len[r->message_field] - strlen("MESSAGE="));

			log_full_errno(r->priority, 0, "%.*s", l, m);
		}
		record_discard(r);
		return 0;
	}
	for (unsigned i = 0; i < r->n; i++)
		iov[i] = (struct iovec){ .iov_base = r->buf + r->off[i], .iov_len = r->len[i] };
	k = jwriter_sendv(iov, r->n);
	record_discard(r);
	return k;
}

static void journal_field(Record *r, const char *name, const FieldValue *v)
{
	switch (v->kind) {
	case FV_INT:
		record_field(r, "%s=%lld", name, (long long)v->i);
		break;
	case FV_UINT:
		record_field(r, "%s=%llu", name, (unsigned long long)v->u);
		break;
	case FV_BOOL:
		if (v->b)
			record_field(r, "%s=1", name);
		break;
	case FV_STR:
		record_bytes(r, name, v->s, v->len);
		break;
	default:
		break;
	}
}

int journal_event_record(const EventRecord *rec, Record *r)
{
	const RecordField *const *fs;
	size_t n;
	int k;

	/* built in place: the memory stream writes back into *r */
	k = record_begin(r, rec->priority, journal_message_id(rec->ev->type));
	if (k < 0)
		return k;
	r->message_field = (int)r->n;
	field_begin(r);
	fputs("MESSAGE=", r->f);
	format_event_message(r->f, rec);
	field_end(r);

	fs = record_fields(FIELD_JOURNAL, &n);
	for (size_t i = 0; i < n; i++) {
		FieldValue v;

		if (!record_field_get(fs[i], rec, FIELD_JOURNAL, &v))
			continue;
		journal_field(r, fs[i]->journal, &v);
		field_value_done(&v);
	}
	return 0;
}

int journal_send_event(const EventRecord *rec)
{
	Record r;
	int k;

	k = journal_event_record(rec, &r);
	return k < 0 ? k : record_send(&r, LOG_TARGET_JOURNAL);
}
