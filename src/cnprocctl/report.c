/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocctl report's summaries of cnprocd's records, pure (report.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report.h"
#include "util.h"

/* the loginuid of a process no one logged in to */
#define LOGINUID_UNSET 4294967295LL

typedef enum Tab {
	T_USER,
	T_LOGIN_USER,
	T_UNIT,
	T_EXE,
	T_CONTAINER,
	T_FAILURES,
	T_FAILED_UNIT,
	T_FAILED_EXE,
	T_PRIVILEGE,
	T_RULE,
	T_SUPPRESSED,
	T_LOST,
	T_HOST,
	_T_MAX,
} Tab;

/* in the order the report prints them */
static const struct {
	const char *name, *title, *count, *key; /* --by; above the table; headers */
} tabs[_T_MAX] = {
	[T_USER] = { "user", "Execs by user", "EXECS", "USER" },
	[T_LOGIN_USER] = { "login-user", "Execs by login user", "EXECS", "LOGIN USER" },
	[T_UNIT] = { "unit", "Execs by unit", "EXECS", "UNIT" },
	[T_EXE] = { "exe", "Execs by executable", "EXECS", "EXECUTABLE" },
	[T_CONTAINER] = { "container", "Execs in containers", "EXECS", "CONTAINER" },
	[T_FAILURES] = { "failures", "Failures by kind", "FAILURES", "KIND" },
	[T_FAILED_UNIT] = { "failed-unit", "Failures by unit", "FAILURES", "UNIT" },
	[T_FAILED_EXE] = { "failed-exe", "Failures by executable", "FAILURES", "EXECUTABLE" },
	[T_PRIVILEGE] = { "privilege", "Privilege changes", "CHANGES",
			  "LOGIN USER: EXECUTABLE → NEW ID" },
	[T_RULE] = { "rule", "Records by rule", "RECORDS", "RULE" },
	[T_SUPPRESSED] = { "suppressed", "Records suppressed by rate limits", "SUPPRESSED",
			   "RULE" },
	[T_LOST] = { "lost", "Biggest lost-event episodes", "LOST", "EPISODE" },
	[T_HOST] = { "host", "Records by host", "RECORDS", "HOST" },
};

typedef struct Episode {
	uint64_t start, end; /* realtime usec */
	long long lost;
} Episode;

struct Report {
	json_t *maps[_T_MAX]; /* escaped key → count (json_integer); T_LOST has none */
	long long records, process_events, execs, exits, failures, privilege_changes;
	long long suppressed, lost, lost_episodes, starts;
	uint64_t first_usec, last_usec; /* 0: no record had a time */
	Episode episodes[REPORT_EPISODES_KEPT]; /* the biggest, biggest first */
	size_t n_episodes;
};

Report *report_new(void)
{
	Report *rep = calloc(1, sizeof(*rep));

	if (!rep)
		return NULL;
	for (Tab t = 0; t < _T_MAX; t++)
		if (t != T_LOST && !(rep->maps[t] = json_object())) {
			report_free(rep);
			return NULL;
		}
	return rep;
}

void report_free(Report *rep)
{
	if (!rep)
		return;
	for (Tab t = 0; t < _T_MAX; t++)
		json_decref(rep->maps[t]);
	free(rep);
}

static Tab tab_find(const char *name)
{
	for (Tab t = 0; name && t < _T_MAX; t++)
		if (strcmp(tabs[t].name, name) == 0)
			return t;
	return _T_MAX;
}

bool report_key_known(const char *by)
{
	return tab_find(by) < _T_MAX;
}

const char *report_key_name(size_t i)
{
	return i < _T_MAX ? tabs[i].name : NULL;
}

/* --- keys --- */

_printf_format_(1, 2) static char *strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

static char *user_key(const JRecord *r)
{
	if (r->user)
		return escaped(r->user);
	return r->uid >= 0 ? strf("%lld", r->uid) : strdup("?");
}

static char *login_key(const JRecord *r)
{
	if (r->login_user)
		return escaped(r->login_user);
	if (r->loginuid == LOGINUID_UNSET)
		return strdup("-");
	return r->loginuid >= 0 ? strf("%lld", r->loginuid) : strdup("?");
}

static char *unit_key(const JRecord *r)
{
	return r->unit ? escaped(r->unit) : strdup("-");
}

/* the executable, else [comm] as ps shows a process without one */
static char *exe_key(const JRecord *r)
{
	_cleanup_free_ char *comm = NULL;

	if (r->exe)
		return escaped(r->exe);
	if (!r->comm)
		return strdup("?");
	comm = escaped(r->comm);
	return comm ? strf("[%s]", comm) : NULL;
}

static bool in_container(const JRecord *r)
{
	return r->container_runtime || r->container_name || r->container_id;
}

/* runtime:name, else runtime:id cut as ps cuts it */
static char *container_key(const JRecord *r)
{
	_cleanup_free_ char *runtime = NULL, *what = NULL, *id = NULL;

	runtime = escaped(r->container_runtime ?: "?");
	if (r->container_name)
		what = escaped(r->container_name);
	else {
		id = strndup(r->container_id ?: "?", 12);
		what = id ? escaped(id) : NULL;
	}
	return runtime && what ? strf("%s:%s", runtime, what) : NULL;
}

/* as cnprocd names records no rule matched */
static char *rule_key(const JRecord *r)
{
	return escaped(r->rule ?: "(default)");
}

static char *signal_key(int sig)
{
	const char *name = sigabbrev_np(sig);

	return name ? strf("killed by SIG%s", name) : strf("killed by signal %d", sig);
}

/* "LOGIN: EXE → euid N (NAME)": the record holds the process's ids after the
 * change, not before, so who changed is told by the login user and the program. */
static char *privilege_key(const JRecord *r)
{
	_cleanup_free_ char *who = login_key(r), *what = exe_key(r), *name = NULL;
	bool uid = r->event == JEV_UID;
	long long id = uid ? r->new_euid : r->new_egid;

	if (!who || !what)
		return NULL;
	/* the user field names the euid: the new one's name when it is the new one */
	if (uid && r->user && id >= 0 && r->uid == id && !(name = escaped(r->user)))
		return NULL;
	if (id < 0)
		return strf("%s: %s → %s ?", who, what, uid ? "euid" : "egid");
	return strf("%s: %s → %s %lld%s%s%s", who, what, uid ? "euid" : "egid", id,
		    name ? " (" : "", name ?: "", name ? ")" : "");
}

/* Adds n under key in table t; takes key (NULL: out of memory). Keys are the
 * daemon's strings as cnprocctl shows them, escaped(): valid UTF-8 for jansson's
 * keys, safe on a terminal, and the same in text and JSON. */
static int count(Report *rep, Tab t, char *key, long long n)
{
	_cleanup_free_ char *k = key;
	json_t *v;

	if (!k)
		return -ENOMEM;
	v = json_object_get(rep->maps[t], k);
	if (v)
		return json_integer_set(v, json_integer_value(v) + n) < 0 ? -ENOMEM : 0;
	return json_object_set_new(rep->maps[t], k, json_integer(n)) < 0 ? -ENOMEM : 0;
}

static int failure(Report *rep, const JRecord *r, char *kind)
{
	int k = 0;

	rep->failures++;
	k |= count(rep, T_FAILURES, kind, 1);
	k |= count(rep, T_FAILED_UNIT, unit_key(r), 1);
	k |= count(rep, T_FAILED_EXE, exe_key(r), 1);
	return k < 0 ? -ENOMEM : 0;
}

/* biggest first; the same size: the earlier first */
static int episode_compare(const Episode *a, const Episode *b)
{
	if (a->lost != b->lost)
		return a->lost > b->lost ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->end > b->end) - (a->end < b->end);
}

/* Keeps the episode if it is among the biggest REPORT_EPISODES_KEPT. */
static void episode_keep(Report *rep, const JRecord *r)
{
	Episode e = {
		.start = r->loss_start_usec ?: r->realtime_usec,
		.lost = MAX(r->lost, 0LL),
	};
	size_t i = rep->n_episodes;

	e.end = r->loss_end_usec ?: e.start;
	if (i == REPORT_EPISODES_KEPT) {
		if (episode_compare(&e, &rep->episodes[i - 1]) >= 0)
			return;
		i--; /* the smallest makes room */
	} else
		rep->n_episodes++;
	for (; i > 0 && episode_compare(&e, &rep->episodes[i - 1]) < 0; i--)
		rep->episodes[i] = rep->episodes[i - 1];
	rep->episodes[i] = e;
}

int report_add(Report *rep, const JRecord *r)
{
	int k = 0;

	if (!rep || !r)
		return -EINVAL;
	rep->records++;
	if (r->realtime_usec > 0) {
		if (!rep->first_usec || r->realtime_usec < rep->first_usec)
			rep->first_usec = r->realtime_usec;
		rep->last_usec = MAX(rep->last_usec, r->realtime_usec);
	}
	k |= count(rep, T_HOST, escaped(r->host ?: "?"), 1);
	if (r->event >= JEV_FORK && r->event <= JEV_EXIT) {
		/* a process event: the ones rules record (lost, suppressed, started are
		 * the daemon's own) */
		rep->process_events++;
		k |= count(rep, T_RULE, rule_key(r), 1);
	}
	switch (r->event) {
	case JEV_EXEC:
		rep->execs++;
		k |= count(rep, T_USER, user_key(r), 1);
		k |= count(rep, T_LOGIN_USER, login_key(r), 1);
		k |= count(rep, T_UNIT, unit_key(r), 1);
		k |= count(rep, T_EXE, exe_key(r), 1);
		if (in_container(r))
			k |= count(rep, T_CONTAINER, container_key(r), 1);
		break;
	case JEV_EXIT:
		rep->exits++;
		if (r->exit_code > 0)
			k |= failure(rep, r, strf("exit code %d", r->exit_code));
		if (r->exit_signal > 0)
			k |= failure(rep, r, signal_key(r->exit_signal));
		break;
	case JEV_COREDUMP:
		k |= failure(rep, r, strdup("core dump"));
		break;
	case JEV_UID:
	case JEV_GID:
		rep->privilege_changes++;
		k |= count(rep, T_PRIVILEGE, privilege_key(r), 1);
		break;
	case JEV_SUPPRESSED:
		rep->suppressed += MAX(r->suppressed, 0LL);
		k |= count(rep, T_SUPPRESSED, rule_key(r), MAX(r->suppressed, 0LL));
		break;
	case JEV_LOST:
		rep->lost_episodes++;
		rep->lost += MAX(r->lost, 0LL);
		episode_keep(rep, r);
		break;
	case JEV_STARTED:
		rep->starts++;
		break;
	default:
		break;
	}
	return k < 0 ? -ENOMEM : 0;
}

/* --- rows --- */

typedef struct Row {
	const char *key;       /* in the map; NULL for an episode */
	long long count;
	const Episode *episode; /* T_LOST */
} Row;

/* A table as shown: its first rows, and the rest folded into one. */
typedef struct Rows {
	Row *rows;
	size_t n;                       /* shown */
	long long others, others_count; /* folded: how many keys, their total */
} Rows;

static void rows_done(Rows *rs)
{
	free(rs->rows);
}

static int compare_rows(const void *a, const void *b)
{
	const Row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int rows_get(Report *rep, Tab t, long long top, Rows *ret)
{
	size_t limit = top == 0 ? REPORT_TOP_DEFAULT : top < 0 ? SIZE_MAX : (size_t)top;
	long long total = 0, keys, shown = 0;
	size_t n = 0;
	Row *rows;

	if (t == T_LOST) {
		rows = calloc(rep->n_episodes + 1, sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		for (; n < rep->n_episodes; n++)
			rows[n] = (Row){ .count = rep->episodes[n].lost,
					 .episode = &rep->episodes[n] };
		/* the kept are already in order; the others were only counted */
		total = rep->lost;
		keys = rep->lost_episodes;
	} else {
		const char *key;
		json_t *v;

		rows = calloc(json_object_size(rep->maps[t]) + 1, sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		json_object_foreach(rep->maps[t], key, v) {
			rows[n] = (Row){ .key = key, .count = json_integer_value(v) };
			total += rows[n++].count;
		}
		qsort(rows, n, sizeof(*rows), compare_rows);
		keys = (long long)n;
	}
	*ret = (Rows){ .rows = rows, .n = MIN(n, limit) };
	for (size_t i = 0; i < ret->n; i++)
		shown += rows[i].count;
	ret->others = keys - (long long)ret->n;
	ret->others_count = total - shown;
	return 0;
}

static char *others_key(long long n)
{
	return strf("… %lld other%s", n, n == 1 ? "" : "s");
}

/* "START – END", or START alone when the episode had no length */
static char *episode_key(const Episode *e)
{
	char a[64], b[64];

	format_timestamp(a, sizeof(a), e->start);
	if (e->end == e->start)
		return strdup(a);
	return strf("%s – %s", a, format_timestamp(b, sizeof(b), e->end));
}

static char *row_key(const Row *row)
{
	return row->episode ? episode_key(row->episode) : strdup(row->key);
}

/* --- text --- */

static int print_table(Report *rep, FILE *f, Tab t, long long top)
{
	_cleanup_(table_done) Table tb = { .n_cols = 2, .right = 1 << 0 };
	_cleanup_(rows_done) Rows rs = {};
	const char *const headers[] = { tabs[t].count, tabs[t].key };
	int r;

	if (rows_get(rep, t, top, &rs) < 0)
		return -ENOMEM;
	fprintf(f, "%s:\n", tabs[t].title);
	if (rs.n == 0 && rs.others == 0) {
		fputs("  (none)\n", f);
		return 0;
	}
	r = table_add_headers(&tb, headers);
	for (size_t i = 0; i < rs.n && r >= 0; i++) {
		r |= table_addf(&tb, "%lld", rs.rows[i].count);
		r |= table_add(&tb, row_key(&rs.rows[i]));
	}
	if (rs.others > 0 && r >= 0) {
		r |= table_addf(&tb, "%lld", rs.others_count);
		r |= table_add(&tb, others_key(rs.others));
	}
	if (r < 0)
		return -ENOMEM;
	table_print(&tb, f, 2);
	return 0;
}

static void print_window(Report *rep, FILE *f)
{
	char a[64], b[64];

	if (!rep->first_usec) {
		fprintf(f, "%-19s%s\n", "Window:", "-");
		return;
	}
	fprintf(f, "%-19s%s – %s\n", "Window:", format_timestamp(a, sizeof(a), rep->first_usec),
		format_timestamp(b, sizeof(b), rep->last_usec));
}

/* the host names by name, for the summary */
static int print_hosts(Report *rep, FILE *f)
{
	size_t n = json_object_size(rep->maps[T_HOST]), i = 0;
	_cleanup_free_ const char **names = calloc(n + 1, sizeof(*names));
	const char *key;
	json_t *v;

	if (!names)
		return -ENOMEM;
	json_object_foreach(rep->maps[T_HOST], key, v)
		names[i++] = key;
	qsort(names, n, sizeof(*names), compare_keys);
	fprintf(f, "%-19s%zu", "Hosts:", n);
	for (i = 0; n > 1 && i < n; i++)
		fprintf(f, "%s%s", i == 0 ? " (" : ", ", names[i]);
	fputs(n > 1 ? ")\n" : "\n", f);
	return 0;
}

static int print_summary(Report *rep, FILE *f)
{
	print_window(rep, f);
	fprintf(f, "%-19s%lld\n", "Records:", rep->records);
	fprintf(f, "%-19s%lld\n", "Process events:", rep->process_events);
	fprintf(f, "%-19s%lld\n", "Execs:", rep->execs);
	fprintf(f, "%-19s%lld\n", "Exits:", rep->exits);
	fprintf(f, "%-19s%lld\n", "Failures:", rep->failures);
	fprintf(f, "%-19s%lld\n", "Privilege changes:", rep->privilege_changes);
	fprintf(f, "%-19s%lld\n", "Suppressed:", rep->suppressed);
	fprintf(f, "%-19s%lld in %lld episode%s\n", "Lost events:", rep->lost,
		rep->lost_episodes, rep->lost_episodes == 1 ? "" : "s");
	fprintf(f, "%-19s%lld\n", "Daemon starts:", rep->starts);
	return print_hosts(rep, f);
}

int report_print(Report *rep, FILE *f, const char *by, long long top)
{
	Tab only = tab_find(by);
	int r;

	if (by && only == _T_MAX)
		return -EINVAL;
	if (only < _T_MAX)
		r = print_table(rep, f, only, top);
	else {
		r = print_summary(rep, f);
		for (Tab t = 0; t < _T_MAX && r >= 0; t++) {
			fputc('\n', f);
			r = print_table(rep, f, t, top);
		}
	}
	if (r < 0)
		return r;
	return fflush(f) != 0 || ferror(f) ? -EIO : 0;
}

/* --- JSON --- */

static json_t *row_json(const Row *row)
{
	_cleanup_free_ char *key = row_key(row);

	if (!key)
		return NULL;
	if (row->episode)
		return json_pack("{s:s, s:I, s:I, s:I}", "key", key, "count",
				 (json_int_t)row->count, "start_usec",
				 (json_int_t)row->episode->start, "end_usec",
				 (json_int_t)row->episode->end);
	return json_pack("{s:s, s:I}", "key", key, "count", (json_int_t)row->count);
}

static json_t *table_json(Report *rep, Tab t, long long top)
{
	_cleanup_(rows_done) Rows rs = {};
	_cleanup_free_ char *others = NULL;
	json_t *a;

	if (rows_get(rep, t, top, &rs) < 0 || !(a = json_array()))
		return NULL;
	for (size_t i = 0; i < rs.n; i++)
		if (json_array_append_new(a, row_json(&rs.rows[i])) < 0)
			goto fail;
	if (rs.others > 0 &&
	    (!(others = others_key(rs.others)) ||
	     json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "key", others, "count",
						(json_int_t)rs.others_count, "others",
						(json_int_t)rs.others)) < 0))
		goto fail;
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *window_json(Report *rep)
{
	char a[64], b[64];

	if (!rep->first_usec)
		return json_null();
	return json_pack("{s:I, s:I, s:s, s:s}", "first_usec", (json_int_t)rep->first_usec,
			 "last_usec", (json_int_t)rep->last_usec, "first",
			 format_timestamp(a, sizeof(a), rep->first_usec), "last",
			 format_timestamp(b, sizeof(b), rep->last_usec));
}

json_t *report_json(Report *rep, const char *by, long long top)
{
	_cleanup_(json_decrefp) json_t *o = NULL;
	Tab only = tab_find(by);
	json_t *tables;

	if (by && only == _T_MAX)
		return NULL;
	o = json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:{}}",
		      "window", window_json(rep), "totals", "records",
		      (json_int_t)rep->records, "process_events", (json_int_t)rep->process_events,
		      "execs", (json_int_t)rep->execs, "exits", (json_int_t)rep->exits,
		      "failures", (json_int_t)rep->failures, "privilege_changes",
		      (json_int_t)rep->privilege_changes, "suppressed",
		      (json_int_t)rep->suppressed, "lost", (json_int_t)rep->lost,
		      "lost_episodes", (json_int_t)rep->lost_episodes, "starts",
		      (json_int_t)rep->starts, "hosts",
		      (json_int_t)json_object_size(rep->maps[T_HOST]), "tables");
	tables = json_object_get(o, "tables");
	if (!tables)
		return NULL;
	for (Tab t = 0; t < _T_MAX; t++)
		if ((only == _T_MAX || t == only) &&
		    json_object_set_new(tables, tabs[t].name, table_json(rep, t, top)) < 0)
			return NULL;
	return TAKE_PTR(o);
}
