/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocd's records from the journal, for log, tree and report (jsource.h). */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "jsource.h"
#include "output.h"
#include "util.h"

struct JSource {
	sd_journal *j;
	const Args *a;
	JRecord rec;
	JSourceItemFunc item;
	void *item_data;
	bool started; /* the first move done (seek, -n stepping) */
	unsigned long long malformed;
	const char *first_why;
};

/* Like journalctl: the system journal is for root and the systemd-journal and adm
 * groups; anyone else would see nothing, and is told why instead. */
static bool may_read_system_journal(void)
{
	static const char *const groups[] = { "systemd-journal", "adm" };
	gid_t list[256];
	int n;

	if (geteuid() == 0)
		return true;
	n = getgroups(ELEMENTSOF(list), list);
	for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
		struct group *gr = getgrnam(groups[g]);

		if (!gr)
			continue;
		if (getegid() == gr->gr_gid)
			return true;
		for (int i = 0; i < n; i++)
			if (list[i] == gr->gr_gid)
				return true;
	}
	return false;
}

static bool has_glob(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

static int add_match(sd_journal *j, const char *field, const char *value)
{
	char m[512];

	if ((size_t)snprintf(m, sizeof(m), "%s=%s", field, value) >= sizeof(m))
		return -E2BIG;
	return sd_journal_add_match(j, m, 0);
}

static int add_match_number(sd_journal *j, const char *field, long long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", n);
	return add_match(j, field, num);
}

/* the boots in the journals, oldest first: ids and first entries' times */
typedef struct Boot {
	char id[33];
	uint64_t first_usec;
} Boot;

static int boot_cmp(const void *x, const void *y)
{
	const Boot *a = x, *b = y;

	return a->first_usec < b->first_usec ? -1 : a->first_usec > b->first_usec;
}

static int list_boots(sd_journal *j, Boot **ret, size_t *ret_n)
{
	const void *data;
	size_t len, n = 0, alloc = 0;
	Boot *boots = NULL;
	int r;

	r = sd_journal_query_unique(j, "_BOOT_ID");
	if (r < 0)
		return r;
	SD_JOURNAL_FOREACH_UNIQUE(j, data, len) {
		if (len != 9 + 32)
			continue;
		if (n == alloc) {
			Boot *b = realloc(boots, (alloc = alloc * 2 + 8) * sizeof(*b));

			if (!b) {
				free(boots);
				return -ENOMEM;
			}
			boots = b;
		}
		memcpy(boots[n].id, (const char *)data + 9, 32);
		boots[n].id[32] = 0;
		boots[n].first_usec = UINT64_MAX;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		sd_journal_flush_matches(j);
		if (add_match(j, "_BOOT_ID", boots[i].id) < 0 || sd_journal_seek_head(j) < 0 ||
		    sd_journal_next(j) <= 0 ||
		    sd_journal_get_realtime_usec(j, &boots[i].first_usec) < 0)
			continue;
	}
	sd_journal_flush_matches(j);
	qsort(boots, n, sizeof(*boots), boot_cmp);
	*ret = boots;
	*ret_n = n;
	return 0;
}

/* -b SPEC as a boot id: 32 hex digits as they are; 0 (or none): this boot on the
 * local journal, the newest otherwise; -N: N before that; N > 0: the Nth from the
 * oldest (journalctl's meaning). */
static int resolve_boot(sd_journal *j, const Args *a, char id[static 33])
{
	_cleanup_free_ Boot *boots = NULL;
	size_t n = 0;
	long long k = 0;
	char *end;
	int r;

	if (strlen(a->boot) == 32 && strspn(a->boot, "0123456789abcdef") == 32) {
		memcpy(id, a->boot, 33);
		return 0;
	}
	if (a->boot[0]) {
		errno = 0;
		k = strtoll(a->boot, &end, 10);
		if (errno || *end) {
			log_error("-b: not a boot: %s (an id, 0, -1, ...)", a->boot);
			return -EINVAL;
		}
	}
	if (k == 0 && !a->directory && !a->n_files) {
		sd_id128_t b;

		r = sd_id128_get_boot(&b);
		if (r >= 0) {
			sd_id128_to_string(b, id);
			return 0;
		}
	}
	r = list_boots(j, &boots, &n);
	if (r < 0) {
		log_error("-b: cannot list the boots: %s", strerror(-r));
		return r;
	}
	if (k <= 0 ? (long long)n + k - 1 < 0 : k > (long long)n) {
		log_error("-b %s: the journal has %zu boot(s)", a->boot, n);
		return -ENOENT;
	}
	memcpy(id, boots[k <= 0 ? (long long)n + k - 1 : k - 1].id, 33);
	return 0;
}

static int open_journals(const Args *a, sd_journal **ret)
{
	if (a->directory)
		return sd_journal_open_directory(ret, a->directory, 0);
	if (a->n_files)
		return sd_journal_open_files(ret, (const char **)a->files, 0);
	return sd_journal_open(ret, a->merge ? 0 : SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
}

/* the exact-value filters, as matches of the current term */
static int add_filters(sd_journal *j, const Args *a)
{
	int r = 0;

	if (a->unit && !has_glob(a->unit))
		r = add_match(j, "CNPROCD_UNIT", a->unit);
	if (r >= 0 && a->comm && !has_glob(a->comm))
		r = add_match(j, "CNPROCD_COMM", a->comm);
	if (r >= 0 && a->exe && !has_glob(a->exe))
		r = add_match(j, "CNPROCD_EXE", a->exe);
	if (r >= 0 && a->rule)
		r = add_match(j, "CNPROCD_RULE", a->rule);
	if (r >= 0 && a->pid > 0)
		r = add_match_number(j, "CNPROCD_PID", a->pid);
	if (r >= 0 && a->process_id)
		r = add_match(j, "CNPROCD_PROCESS_ID", a->process_id);
	if (r >= 0 && a->uid >= 0)
		r = add_match_number(j, "CNPROCD_UID", a->uid);
	/* a name as the records have it: also one this host does not know (a
	 * collected journal's); a number is a uid */
	if (r >= 0 && a->user)
		r = add_match(j, strspn(a->user, "0123456789") == strlen(a->user) ? "CNPROCD_UID" :
									      "CNPROCD_USER",
			      a->user);
	if (r >= 0 && a->loginuid >= 0)
		r = add_match_number(j, "CNPROCD_LOGINUID", a->loginuid);
	if (r >= 0 && a->session >= 0)
		r = add_match_number(j, "CNPROCD_SESSION", a->session);
	for (int p = a->priority_min; r >= 0 && (a->opts & OPT_PRIORITY) && p <= a->priority_max; p++)
		r = add_match_number(j, "PRIORITY", p);
	return r;
}

static int add_matches(JSource *s, unsigned extra)
{
	sd_journal *j = s->j;
	const Args *a = s->a;
	char boot[33] = "";
	size_t i;
	json_t *v;
	int r = 0;

	if (a->boot && (r = resolve_boot(j, a, boot)) < 0)
		return r;
	/* the process events asked for (several: any of them), the filters, the boot */
	if (a->events)
		json_array_foreach(a->events, i, v) {
			for (JEvent e = JEV_NONE + 1; r >= 0 && e < _JEV_MAX; e++)
				if (strcmp(jevent_name(e), json_string_value(v)) == 0)
					r = add_match(j, "MESSAGE_ID", jevent_message_id(e));
		}
	else
		for (JEvent e = JEV_FORK; r >= 0 && e <= JEV_EXIT; e++)
			r = add_match(j, "MESSAGE_ID", jevent_message_id(e));
	if (r >= 0)
		r = add_filters(j, a);
	if (r >= 0 && boot[0])
		r = add_match(j, "_BOOT_ID", boot);
	/* or the daemon's own records asked for, in the same boot */
	for (JEvent e = JEV_LOST; r >= 0 && e <= JEV_STARTED; e++) {
		if (!(extra & (1u << (e - JEV_LOST))))
			continue;
		r = sd_journal_add_disjunction(j);
		if (r >= 0)
			r = add_match(j, "MESSAGE_ID", jevent_message_id(e));
		if (r >= 0 && a->rule && e == JEV_SUPPRESSED)
			r = add_match(j, "CNPROCD_RULE", a->rule);
		if (r >= 0 && boot[0])
			r = add_match(j, "_BOOT_ID", boot);
	}
	if (r < 0 && r != -EINVAL && r != -ENOENT)
		log_error("bad filter: %s", strerror(-r));
	return r;
}

int jsource_open(JSource **ret, const Args *a, unsigned extra)
{
	JSource *s;
	int r;

	if (!!(a->opts & OPT_SYSTEM) + a->merge + !!a->directory + !!a->n_files > 1) {
		log_error("one source: --system, --merge, --directory or --file");
		return EXIT_USAGE;
	}
	if (!a->directory && !a->n_files && !may_read_system_journal()) {
		log_error("reading the system journal needs root, or the systemd-journal or adm "
			  "group (or -D DIR, --file FILE one may read)");
		return EXIT_PERMISSION;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("out of memory");
		return EXIT_FAILURE;
	}
	s->a = a;
	jrecord_reset(&s->rec);
	r = open_journals(a, &s->j);
	if (r < 0) {
		log_error("cannot open the journal: %s", strerror(-r));
		jsource_close(s);
		return r == -EACCES || r == -EPERM ? EXIT_PERMISSION : EXIT_FAILURE;
	}
	/* a command line of 128 KiB is one field: read it whole */
	(void)sd_journal_set_data_threshold(s->j, 0);
	r = add_matches(s, extra);
	if (r < 0) {
		jsource_close(s);
		return r == -ENOMEM ? EXIT_FAILURE : EXIT_USAGE;
	}
	*ret = s;
	return EXIT_SUCCESS;
}

void jsource_close(JSource *s)
{
	if (!s)
		return;
	if (s->j)
		sd_journal_close(s->j);
	jrecord_done(&s->rec);
	free(s);
}

void jsource_set_item_func(JSource *s, JSourceItemFunc f, void *userdata)
{
	s->item = f;
	s->item_data = userdata;
}

sd_journal *jsource_journal(JSource *s)
{
	return s->j;
}

unsigned long long jsource_malformed(const JSource *s, const char **ret_why)
{
	if (ret_why)
		*ret_why = s->first_why;
	return s->malformed;
}

bool jsource_several_machines(JSource *s)
{
	const void *data;
	size_t len;
	int n = 0;

	if (sd_journal_query_unique(s->j, "_MACHINE_ID") < 0)
		return false;
	SD_JOURNAL_FOREACH_UNIQUE(s->j, data, len)
		if (++n > 1)
			break;
	return n > 1;
}

void jsource_report_malformed(const JSource *s)
{
	if (s->malformed)
		log_error("%llu malformed cnprocd entries skipped (the first: %s)", s->malformed,
			  s->first_why);
}

/* the glob filters and the container, on a well-formed record */
static bool wanted(const JSource *s, const JRecord *r)
{
	const Args *a = s->a;

	if (has_glob(a->unit) && (!r->unit || fnmatch(a->unit, r->unit, 0) != 0))
		return false;
	if (has_glob(a->comm) && (!r->comm || fnmatch(a->comm, r->comm, 0) != 0))
		return false;
	if (has_glob(a->exe) && (!r->exe || fnmatch(a->exe, r->exe, 0) != 0))
		return false;
	if (a->container && r->event <= JEV_EXIT) {
		Container c = { .runtime = r->container_runtime };

		if (c.runtime) {
			snprintf(c.id, sizeof(c.id), "%s", r->container_id ?: "");
			snprintf(c.name, sizeof(c.name), "%s", r->container_name ?: "");
		}
		if (!container_matches(c.runtime ? &c : NULL, a->container))
			return false;
	}
	return true;
}

/* Reads the entry under the cursor into s->rec: 1 wanted, 0 not (or malformed:
 * counted), < 0 ENOMEM. */
static int read_entry(JSource *s)
{
	JRecord *rec = &s->rec;
	const void *data;
	const char *why;
	size_t len;
	int r;

	jrecord_reset(rec);
	if (s->item)
		s->item(s, NULL, 0, s->item_data);
	SD_JOURNAL_FOREACH_DATA(s->j, data, len) {
		r = jrecord_add(rec, data, len);
		if (r < 0)
			return r;
		if (s->item && (r = s->item(s, data, len, s->item_data)) < 0)
			return r;
	}
	if (jrecord_finish(rec, &why) < 0) {
		if (s->malformed++ == 0)
			s->first_why = why;
		return 0;
	}
	(void)sd_journal_get_realtime_usec(s->j, &rec->realtime_usec);
	return wanted(s, rec);
}

/* The first move: to the window's edge, or N wanted records back from the end. */
static int seek_start(JSource *s)
{
	const Args *a = s->a;
	long long lines = a->lines ?: (a->follow ? 10 : 0);
	int r;

	if (lines > 0 && !a->reverse) {
		/* the last N, oldest first: step back over N wanted ones from the
		 * end (or --until), then read forward from the last one stepped on */
		long long k = 0;
		char *cursor = NULL;

		r = a->until_usec ? sd_journal_seek_realtime_usec(s->j, a->until_usec + 1) :
				    sd_journal_seek_tail(s->j);
		while (r >= 0 && k < lines && (r = sd_journal_previous(s->j)) > 0) {
			uint64_t usec;

			if (sd_journal_get_realtime_usec(s->j, &usec) >= 0 && a->since_usec &&
			    usec < a->since_usec)
				break;
			if (a->until_usec && usec > a->until_usec)
				continue;
			if ((r = read_entry(s)) < 0)
				return r;
			if (r > 0 && ++k == lines)
				break;
		}
		if (k > 0 && sd_journal_get_cursor(s->j, &cursor) >= 0) {
			r = sd_journal_seek_cursor(s->j, cursor);
			free(cursor);
			return r;
		}
		/* none, or fewer: from the window's start */
		return k == 0 && !a->follow ? 1 : sd_journal_seek_head(s->j);
	}
	if (a->reverse)
		return a->until_usec ? sd_journal_seek_realtime_usec(s->j, a->until_usec + 1) :
				       sd_journal_seek_tail(s->j);
	return a->since_usec ? sd_journal_seek_realtime_usec(s->j, a->since_usec) :
			       sd_journal_seek_head(s->j);
}

int jsource_next(JSource *s, const JRecord **ret)
{
	const Args *a = s->a;
	int r;

	if (!s->started) {
		s->started = true;
		r = seek_start(s);
		if (r > 0) /* -n found nothing: nothing to read */
			return 0;
		if (r < 0)
			return r;
		/* the malformed entries -n stepped over are counted again below */
		s->malformed = 0;
		s->first_why = NULL;
	}
	for (;;) {
		uint64_t usec;

		r = a->reverse ? sd_journal_previous(s->j) : sd_journal_next(s->j);
		if (r == 0 && a->follow && !a->reverse) {
			fflush(stdout);
			r = sd_journal_wait(s->j, UINT64_MAX);
			if (r < 0)
				return r;
			continue;
		}
		if (r <= 0)
			return r;
		if (sd_journal_get_realtime_usec(s->j, &usec) < 0)
			continue;
		if (a->since_usec && usec < a->since_usec) {
			if (a->reverse)
				return 0;
			continue;
		}
		if (a->until_usec && usec > a->until_usec) {
			if (!a->reverse)
				return 0;
			continue;
		}
		r = read_entry(s);
		if (r < 0)
			return r;
		if (r > 0) {
			*ret = &s->rec;
			return 1;
		}
	}
}
