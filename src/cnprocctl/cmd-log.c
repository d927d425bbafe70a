/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl log: cnprocd's records from the journal (sd-journal, no journalctl),
 * oldest first, as the daemon's console lines or its JSON records. Exact values
 * become journal matches (the journal's index does the work); globs are applied
 * to what they select.
 *
 * WORK IN PROGRESS (issue 13): filters --event --unit --comm --pid --process-id
 * --uid, --since/--until, -n, --reverse, --directory, --file. Still to do: boots,
 * --follow, --merge, HOST column, the rest of the filters, a lossless argv (a
 * journal field of its own), tree and report.
 */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "cnprocctl.h"
#include "fields.h"
#include "output.h"
#include "util.h"

/* A field of the current entry as a string (NULL: absent); valid until the next
 * call on j. */
static const char *entry_field(sd_journal *j, const char *name, size_t *ret_len)
{
	const void *data;
	size_t len, nl = strlen(name);

	if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= nl ||
	    ((const char *)data)[nl] != '=')
		return NULL;
	if (ret_len)
		*ret_len = len - nl - 1;
	return (const char *)data + nl + 1;
}

/* The field as a NUL-terminated copy (NULL: absent or ENOMEM). */
static char *entry_strdup(sd_journal *j, const char *name)
{
	size_t len;
	const char *v = entry_field(j, name, &len);

	return v ? strndup(v, len) : NULL;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int add_match(sd_journal *j, const char *field, const char *value)
{
	char m[512];

	if ((size_t)snprintf(m, sizeof(m), "%s=%s", field, value) >= sizeof(m))
		return -E2BIG;
	return sd_journal_add_match(j, m, 0);
}

/* the filters that are not journal matches */
static bool wanted(sd_journal *j, const Args *a)
{
	_cleanup_free_ char *unit = NULL, *comm = NULL;

	if (a->unit && has_glob(a->unit)) {
		unit = entry_strdup(j, "CNPROCD_UNIT");
		if (!unit || fnmatch(a->unit, unit, 0) != 0)
			return false;
	}
	if (a->comm) {
		comm = entry_strdup(j, "CNPROCD_COMM");
		if (!comm || fnmatch(a->comm, comm, 0) != 0)
			return false;
	}
	return true;
}

static void print_console(sd_journal *j)
{
	_cleanup_free_ char *msg = entry_strdup(j, "MESSAGE");
	uint64_t usec = 0;
	char ts[64];

	(void)sd_journal_get_realtime_usec(j, &usec);
	printf("%s ", format_timestamp(ts, sizeof(ts), usec));
	fput_escaped(stdout, msg ?: "?");
	fputc('\n', stdout);
}

/* A journal field's text as the JSON value the daemon's record has (the field
 * table says which kind); NULL on ENOMEM. */
static json_t *value_json(const RecordField *f, const char *v, size_t len)
{
	char num[32], *end;
	long long n;

	if ((f->flags & FIELD_NUMBER) && len > 0 && len < sizeof(num)) {
		memcpy(num, v, len);
		num[len] = 0;
		errno = 0;
		n = strtoll(num, &end, 10);
		if (errno == 0 && *end == 0)
			return json_integer(n);
	}
	if (f->flags & FIELD_FLAG)
		return json_boolean(len == 1 && v[0] == '1');
	if (f->flags & FIELD_WORDS) {
		json_t *a = json_array();

		for (size_t i = 0; a && i < len;) {
			size_t l = 0;

			while (i + l < len && v[i + l] != ' ')
				l++;
			if (l > 0 && json_array_append_new(a, field_bytes_json(v + i, l)) < 0)
				json_decref(TAKE_PTR(a));
			i += l + 1;
		}
		return a;
	}
	return field_bytes_json(v, len);
}

/* The container object from its four journal fields; NULL: none */
static json_t *container_json(sd_journal *j)
{
	static const struct {
		const char *field, *key;
	} parts[] = {
		{ "CNPROCD_CONTAINER_RUNTIME", "runtime" },
		{ "CNPROCD_CONTAINER_ID", "id" },
		{ "CNPROCD_CONTAINER_NAME", "name" },
		{ "CNPROCD_POD_UID", "pod_uid" },
	};
	json_t *o = NULL;

	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		size_t len;
		const char *v = entry_field(j, parts[i].field, &len);

		if (!v)
			continue;
		if ((!o && !(o = json_object())) ||
		    json_object_set_new(o, parts[i].key, field_bytes_json(v, len)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* The JSON record: "time", "timestamp_usec", then each CNPROCD_ field the field
 * table knows, under its JSON key and with its kind. Two cannot be rebuilt from
 * the journal's text: argv (joined by blanks there: it is "cmdline" here) and the
 * ancestors (a line there). */
static int print_json_record(sd_journal *j)
{
	json_t *o = json_object();
	size_t n;
	const RecordField *const *fs = record_fields(FIELD_JOURNAL, &n);
	uint64_t usec = 0;
	char ts[64];
	int r = 0;

	if (!o)
		return -ENOMEM;
	(void)sd_journal_get_realtime_usec(j, &usec);
	if (json_object_set_new(o, "time", json_string(format_timestamp(ts, sizeof(ts), usec))) < 0 ||
	    json_object_set_new(o, "timestamp_usec", json_integer((json_int_t)usec)) < 0)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t len;
		const char *v;

		const char *key = fs[i]->json;

		if (!fs[i]->journal || !key || strcmp(key, "ancestors") == 0)
			continue;
		if (strcmp(key, "argv") == 0)
			key = "cmdline";
		v = entry_field(j, fs[i]->journal, &len);
		if (!v)
			continue;
		if (json_object_set_new(o, key, value_json(fs[i], v, len)) < 0)
			r = -ENOMEM;
	}
	if (r == 0) {
		json_t *c = container_json(j);

		if (c && json_object_set_new(o, "container", c) < 0)
			r = -ENOMEM;
	}
	if (r == 0)
		r = json_dumpf(o, stdout, JSON_COMPACT) < 0 ? -EIO : 0;
	if (r == 0)
		fputc('\n', stdout);
	json_decref(o);
	return r;
}

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

static int open_journal(const Args *a, sd_journal **ret)
{
	if (a->directory)
		return sd_journal_open_directory(ret, a->directory, 0);
	if (a->file) {
		const char *files[] = { a->file, NULL };

		return sd_journal_open_files(ret, files, 0);
	}
	return sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
}

static int cmd_log(Conn *c, const Args *a)
{
	sd_journal *j = NULL;
	size_t i;
	json_t *v;
	char num[32];
	long long shown = 0;
	int r;

	(void)c;
	if (!a->directory && !a->file && !may_read_system_journal()) {
		log_error("reading the system journal needs root, or the systemd-journal or adm "
			  "group (or -D DIR, --file FILE one may read)");
		return EXIT_PERMISSION;
	}
	r = open_journal(a, &j);
	if (r < 0) {
		log_error("cannot open the journal: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	/* the daemon's records; then each filter that is an exact value (several
	 * events: either) */
	r = add_match(j, "_COMM", "cnprocd");
	json_array_foreach(a->events, i, v)
		if (r >= 0)
			r = add_match(j, "CNPROCD_EVENT", json_string_value(v));
	if (r >= 0 && a->unit && !has_glob(a->unit))
		r = add_match(j, "CNPROCD_UNIT", a->unit);
	if (r >= 0 && a->pid > 0) {
		snprintf(num, sizeof(num), "%lld", a->pid);
		r = add_match(j, "CNPROCD_PID", num);
	}
	if (r >= 0 && a->process_id)
		r = add_match(j, "CNPROCD_PROCESS_ID", a->process_id);
	if (r >= 0 && a->uid >= 0) {
		snprintf(num, sizeof(num), "%lld", a->uid);
		r = add_match(j, "CNPROCD_UID", num);
	}
	if (r < 0) {
		sd_journal_close(j);
		log_error("bad filter: %s", strerror(-r));
		return EXIT_USAGE;
	}

	if (a->lines > 0 && !a->reverse) {
		/* the last N, oldest first: step back over N wanted ones from the end,
		 * then read forward from the last one stepped on */
		long long k = 0;
		char *cursor = NULL;

		r = sd_journal_seek_tail(j);
		while (r >= 0 && k < a->lines && (r = sd_journal_previous(j)) > 0)
			if (wanted(j, a))
				k++;
		if (r > 0 && sd_journal_get_cursor(j, &cursor) >= 0) {
			r = sd_journal_seek_cursor(j, cursor);
			free(cursor);
		} else
			r = sd_journal_seek_head(j);
	} else if (a->reverse)
		r = a->until_usec ? sd_journal_seek_realtime_usec(j, a->until_usec) :
				    sd_journal_seek_tail(j);
	else
		r = a->since_usec ? sd_journal_seek_realtime_usec(j, a->since_usec) :
				    sd_journal_seek_head(j);

	for (;;) {
		uint64_t usec;

		r = a->reverse ? sd_journal_previous(j) : sd_journal_next(j);
		if (r <= 0)
			break;
		if (sd_journal_get_realtime_usec(j, &usec) < 0)
			continue;
		if (a->since_usec && usec < a->since_usec) {
			if (a->reverse)
				break;
			continue;
		}
		if (a->until_usec && usec > a->until_usec) {
			if (!a->reverse)
				break;
			continue;
		}
		if (!wanted(j, a))
			continue;
		if (a->json)
			r = print_json_record(j);
		else
			print_console(j);
		if (r < 0)
			break;
		if (a->lines > 0 && a->reverse && ++shown >= a->lines)
			break;
	}
	sd_journal_close(j);
	if (r < 0) {
		log_error("reading the journal: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

const Command command_log = {
	.name = "log",
	.usage = "[--since TIME] [--until TIME] [-n N] [-r] [--event TYPE]...\n"
		 "          [--unit GLOB] [--comm GLOB] [--uid UID] [--pid PID]\n"
		 "          [--process-id ID] [-D DIR | --file FILE]",
	.help = "cnprocd's records from the journal, oldest first\n"
		"(TIME: YYYY-MM-DD [HH:MM[:SS]], today, yesterday,\n"
		"now, -1h, -30min, -2d)",
	.opts = OPT_UNIT | OPT_UID | OPT_COMM | OPT_EVENT | OPT_SINCE | OPT_UNTIL | OPT_LINES |
		OPT_REVERSE | OPT_DIRECTORY | OPT_FILE | OPT_PID | OPT_PROCESS_ID,
	.offline = true,
	.run = cmd_log,
};
