/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocd's journal entries read back, judged whole (jrecord.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "jrecord.h"
#include "macro.h"

static const struct {
	const char *name; /* CNPROCD_EVENT's value; NULL: the record has none */
	const char *message_id;
} events[_JEV_MAX] = {
	[JEV_FORK] = { "fork", CNPROCD_MESSAGE_FORK },
	[JEV_EXEC] = { "exec", CNPROCD_MESSAGE_EXEC },
	[JEV_UID] = { "uid", CNPROCD_MESSAGE_UID },
	[JEV_GID] = { "gid", CNPROCD_MESSAGE_GID },
	[JEV_SID] = { "sid", CNPROCD_MESSAGE_SID },
	[JEV_PTRACE] = { "ptrace", CNPROCD_MESSAGE_PTRACE },
	[JEV_COMM] = { "comm", CNPROCD_MESSAGE_COMM },
	[JEV_COREDUMP] = { "coredump", CNPROCD_MESSAGE_COREDUMP },
	[JEV_EXIT] = { "exit", CNPROCD_MESSAGE_EXIT },
	[JEV_LOST] = { NULL, CNPROCD_MESSAGE_LOST },
	[JEV_SUPPRESSED] = { NULL, CNPROCD_MESSAGE_SUPPRESSED },
	[JEV_STARTED] = { NULL, CNPROCD_MESSAGE_STARTED },
};

const char *jevent_name(JEvent e)
{
	static const char *const other[] = {
		[JEV_LOST] = "lost", [JEV_SUPPRESSED] = "suppressed", [JEV_STARTED] = "started"
	};

	if (e <= JEV_NONE || e >= _JEV_MAX)
		return NULL;
	return events[e].name ?: other[e];
}

const char *jevent_message_id(JEvent e)
{
	return e > JEV_NONE && e < _JEV_MAX ? events[e].message_id : NULL;
}

void jrecord_reset(JRecord *r)
{
	char *buf = r->buf;
	size_t size = r->buf_size;

	*r = (JRecord){
		.buf = buf,
		.buf_size = size,
		.priority = -1,
		.uid = -1,
		.loginuid = -1,
		.session = -1,
		.exit_code = -1,
		.exit_signal = -1,
		.lifetime_usec = -1,
		.new_ruid = -1,
		.new_euid = -1,
		.new_rgid = -1,
		.new_egid = -1,
		.lost = -1,
		.suppressed = -1,
	};
}

void jrecord_done(JRecord *r)
{
	free(r->buf);
	*r = (JRecord){};
}

/* the value as a NUL-terminated string in the record's buffer; its offset */
static int keep(JRecord *r, const char *v, size_t len, const char **field)
{
	if (r->buf_len + len + 1 > r->buf_size) {
		size_t size = MAX(r->buf_size * 2, r->buf_len + len + 1 + 4096);
		char *b = realloc(r->buf, size);

		if (!b)
			return -ENOMEM;
		r->buf = b;
		r->buf_size = size;
	}
	memcpy(r->buf + r->buf_len, v, len);
	r->buf[r->buf_len + len] = 0;
	r->off[r->n_str] = r->buf_len;
	r->str[r->n_str++] = field;
	r->buf_len += len + 1;
	return 0;
}

static bool parse_ll(const char *v, size_t len, long long min, long long max, long long *ret)
{
	char num[24], *end;
	long long n;

	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, v, len);
	num[len] = 0;
	/* strtoll() would skip blanks and take a sign: the daemon writes neither */
	if (!(num[0] >= '0' && num[0] <= '9') && !(num[0] == '-' && num[1] >= '0' && num[1] <= '9'))
		return false;
	errno = 0;
	n = strtoll(num, &end, 10);
	if (errno != 0 || *end || n < min || n > max)
		return false;
	*ret = n;
	return true;
}

bool process_id_valid(const char *s)
{
	const char *at = strchr(s, '@');
	long long n;

	return at && parse_ll(s, (size_t)(at - s), 1, INT_MAX, &n) &&
	       parse_ll(at + 1, strlen(at + 1), 0, LLONG_MAX, &n);
}

typedef enum Kind { K_STR, K_INT, K_LL, K_U64, K_FLAG } Kind;

/* the journal fields read, where they go, and the range of the numbers */
#define S(name, member) { name, sizeof(name) - 1, K_STR, offsetof(JRecord, member), 0, 0 }
#define I(name, member, min, max) \
	{ name, sizeof(name) - 1, K_INT, offsetof(JRecord, member), min, max }
#define L(name, member, min, max) \
	{ name, sizeof(name) - 1, K_LL, offsetof(JRecord, member), min, max }
#define F(name, kind, member) { name, sizeof(name) - 1, kind, offsetof(JRecord, member), 0, 0 }
static const struct Field {
	const char *name;
	size_t len; /* every item of every entry is looked up here */
	Kind kind;
	size_t offset;
	long long min, max;
} fields[] = {
	I("CNPROCD_PID", pid, 1, INT_MAX),
	I("CNPROCD_PPID", ppid, 0, INT_MAX),
	I("CNPROCD_TGID", tgid, 1, INT_MAX),
	L("CNPROCD_UID", uid, 0, UINT32_MAX),
	L("CNPROCD_LOGINUID", loginuid, 0, UINT32_MAX),
	L("CNPROCD_SESSION", session, 0, UINT32_MAX),
	S("CNPROCD_PROCESS_ID", process_id),
	S("CNPROCD_PARENT_PROCESS_ID", parent_process_id),
	S("CNPROCD_COMM", comm),
	S("CNPROCD_EXE", exe),
	S("CNPROCD_CMDLINE", cmdline),
	S("CNPROCD_CWD", cwd),
	S("CNPROCD_TTY", tty),
	S("CNPROCD_USER", user),
	S("CNPROCD_LOGIN_USER", login_user),
	S("CNPROCD_UNIT", unit),
	S("CNPROCD_CGROUP", cgroup),
	S("CNPROCD_RULE", rule),
	S("CNPROCD_CONTAINER_RUNTIME", container_runtime),
	S("CNPROCD_CONTAINER_ID", container_id),
	S("CNPROCD_CONTAINER_NAME", container_name),
	S("CNPROCD_EXE_FLAGS", exe_flags),
	S("CNPROCD_ANCESTORS", ancestors),
	F("CNPROCD_UNREAD", K_FLAG, unread),
	F("CNPROCD_ARGV_TRUNCATED", K_FLAG, argv_truncated),
	I("CNPROCD_EXIT_CODE", exit_code, 0, 255),
	I("CNPROCD_EXIT_SIGNAL", exit_signal, 0, 127),
	L("CNPROCD_LIFETIME_USEC", lifetime_usec, 0, LLONG_MAX),
	L("CNPROCD_NEW_RUID", new_ruid, 0, UINT32_MAX),
	L("CNPROCD_NEW_EUID", new_euid, 0, UINT32_MAX),
	L("CNPROCD_NEW_RGID", new_rgid, 0, UINT32_MAX),
	L("CNPROCD_NEW_EGID", new_egid, 0, UINT32_MAX),
	I("CNPROCD_TRACER_PID", tracer_pid, 0, INT_MAX),
	L("CNPROCD_LOST", lost, 0, LLONG_MAX),
	L("CNPROCD_SUPPRESSED", suppressed, 0, LLONG_MAX),
	F("CNPROCD_LOSS_START_USEC", K_U64, loss_start_usec),
	F("CNPROCD_LOSS_END_USEC", K_U64, loss_end_usec),
	S("_HOSTNAME", host),
	S("_MACHINE_ID", machine_id),
	I("PRIORITY", priority, 0, 7),
};
#undef S
#undef I
#undef L
#undef F
_Static_assert(ELEMENTSOF(fields) <= 64, "JRecord.seen has a bit per field");

static void bad(JRecord *r, const char *why)
{
	if (!r->bad)
		r->bad = why;
}

static int add_field(JRecord *r, size_t i, const char *v, size_t len)
{
	const struct Field *f = &fields[i];
	char *p = (char *)r + f->offset;
	long long n;

	if (r->seen & (UINT64_C(1) << i)) {
		bad(r, "a field twice");
		return 0;
	}
	r->seen |= UINT64_C(1) << i;
	switch (f->kind) {
	case K_STR:
		return keep(r, v, len, (const char **)p);
	case K_FLAG:
		if (len != 1 || v[0] != '1')
			bad(r, "a flag that is not 1");
		*(bool *)p = true;
		return 0;
	case K_U64:
		if (!parse_ll(v, len, 0, LLONG_MAX, &n))
			bad(r, "a field that is not a number (or out of range)");
		else
			*(uint64_t *)p = (uint64_t)n;
		return 0;
	default:
		break;
	}
	if (!parse_ll(v, len, f->min, f->max, &n))
		bad(r, "a field that is not a number (or out of range)");
	else if (f->kind == K_INT)
		*(int *)p = (int)n;
	else
		*(long long *)p = n;
	return 0;
}

static bool hex32(const char *v, size_t len)
{
	if (len != 32)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", v[i]))
			return false;
	return true;
}

int jrecord_add(JRecord *r, const void *data, size_t len)
{
	const char *d = data, *eq = memchr(d, '=', len);
	size_t nl, vl;
	const char *v;

	if (!eq)
		return 0;
	nl = (size_t)(eq - d);
	v = eq + 1;
	vl = len - nl - 1;
#define IS(s) (nl == sizeof(s) - 1 && memcmp(d, s, nl) == 0)
	if (IS("MESSAGE_ID")) {
		JEvent e = JEV_NONE;

		for (JEvent k = JEV_NONE + 1; k < _JEV_MAX; k++)
			if (vl == 32 && memcmp(v, events[k].message_id, 32) == 0)
				e = k;
		if (r->message_id_seen)
			bad(r, "MESSAGE_ID twice");
		r->message_id_seen = true;
		r->event = e;
		return 0;
	}
	if (IS("_UID")) {
		/* journald's too: cnprocd runs as root; another user's entry with
		 * cnprocd's MESSAGE_ID is a forgery (root can write anything anyway).
		 * _COMM alone would not do: journald reads it from /proc, so a
		 * sender that exits at once has none */
		if (vl != 1 || v[0] != '0')
			bad(r, "not written by cnprocd (_UID)");
		return 0;
	}
	if (IS("_COMM")) {
		/* journald's own field, which no client can forge: a record with
		 * cnprocd's MESSAGE_ID from another program is not cnprocd's */
		if (vl != 7 || memcmp(v, "cnprocd", 7) != 0)
			bad(r, "not written by cnprocd (_COMM)");
		return 0;
	}
	if (IS("_BOOT_ID")) {
		if (hex32(v, vl) && !r->boot_id[0])
			memcpy(r->boot_id, v, 32);
		return 0;
	}
	if (IS("CNPROCD_EVENT")) {
		/* checked against MESSAGE_ID at the end */
		if (r->event_text_len)
			bad(r, "CNPROCD_EVENT twice");
		r->event_text_len = MIN(vl, sizeof(r->event_text) - 1) + 1;
		memcpy(r->event_text, v, r->event_text_len - 1);
		r->event_text[r->event_text_len - 1] = 0;
		if (vl >= sizeof(r->event_text))
			bad(r, "CNPROCD_EVENT is not an event type");
		return 0;
	}
#undef IS
	if (nl < 8 || (d[0] != 'C' && d[0] != '_' && d[0] != 'P'))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if (fields[i].len == nl && memcmp(fields[i].name, d, nl) == 0)
			return add_field(r, i, v, vl);
	return 0;
}

int jrecord_finish(JRecord *r, const char **ret_why)
{
	const char *why = r->bad;

	for (unsigned i = 0; i < r->n_str; i++)
		*r->str[i] = r->buf + r->off[i];
	if (!why && r->event == JEV_NONE)
		why = "no MESSAGE_ID of cnprocd's";
	if (!why && events[r->event].name) {
		/* a process event: its type said twice, the pid and ids well-formed */
		if (!r->event_text_len || strcmp(r->event_text, events[r->event].name) != 0)
			why = "CNPROCD_EVENT does not match MESSAGE_ID";
		else if (r->pid <= 0)
			why = "no CNPROCD_PID";
		else if (r->process_id && !process_id_valid(r->process_id))
			why = "CNPROCD_PROCESS_ID is not PID@TICKS";
		else if (r->parent_process_id && !process_id_valid(r->parent_process_id))
			why = "CNPROCD_PARENT_PROCESS_ID is not PID@TICKS";
	}
	if (!why && r->event == JEV_LOST && r->lost < 0)
		why = "no CNPROCD_LOST";
	if (!why && r->event == JEV_SUPPRESSED && r->suppressed < 0)
		why = "no CNPROCD_SUPPRESSED";
	if (ret_why)
		*ret_why = why;
	return why ? -EBADMSG : 0;
}
