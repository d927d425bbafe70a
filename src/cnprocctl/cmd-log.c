/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl log: cnprocd's records from the journal (sd-journal, no journalctl),
 * oldest first, as the daemon's console lines or its JSON records. Exact values
 * become journal matches (the journal's index does the work); globs are applied
 * to what they select.
 *
 * The journals, matches and window are jsource's; this is the output: the
 * console line (the record's MESSAGE, after its time, and its host when the
 * journals hold several machines) or the JSON record, built in the one pass over
 * the entry's fields that also judges it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argvtext.h"
#include "cnprocctl.h"
#include "fields.h"
#include "format.h"
#include "jsource.h"
#include "output.h"
#include "util.h"

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


/* the journal fields of the JSON record, by name (sorted, for bsearch) */
typedef struct JsonField {
	const char *journal;
	const char *key;
	const RecordField *f; /* NULL: handled by name (below) */
} JsonField;

static const char *const container_parts[][2] = {
	{ "CNPROCD_CONTAINER_RUNTIME", "runtime" },
	{ "CNPROCD_CONTAINER_ID", "id" },
	{ "CNPROCD_CONTAINER_NAME", "name" },
	{ "CNPROCD_POD_UID", "pod_uid" },
};

typedef struct LogOutput {
	const Args *a;
	bool show_host;
	JsonField *fields;
	size_t n_fields;
	json_t *o;         /* the record being built */
	json_t *container; /* its container object, added at the end */
	char host[256];
} LogOutput;

static int json_field_cmp(const void *x, const void *y)
{
	return strcmp(((const JsonField *)x)->journal, ((const JsonField *)y)->journal);
}

static int json_fields_init(LogOutput *out)
{
	size_t n;
	const RecordField *const *fs = record_fields(FIELD_JOURNAL, &n);

	out->fields = calloc(n + ELEMENTSOF(container_parts) + 2, sizeof(*out->fields));
	if (!out->fields)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* the ancestors are a line there, objects in the record: left out;
		 * the container's parts have no key of their own (below) */
		if (!fs[i]->journal ||
		    (!fs[i]->json && strncmp(fs[i]->journal, "CNPROCD_CONTAINER_", 18) != 0 &&
		     strcmp(fs[i]->journal, "CNPROCD_POD_UID") != 0) ||
		    (fs[i]->json && strcmp(fs[i]->json, "ancestors") == 0))
			continue;
		out->fields[out->n_fields++] = (JsonField){ fs[i]->journal, fs[i]->json, fs[i] };
	}
	for (size_t i = 0; i < ELEMENTSOF(container_parts); i++)
		for (size_t k = 0; k < out->n_fields; k++)
			if (strcmp(out->fields[k].journal, container_parts[i][0]) == 0)
				out->fields[k] = (JsonField){ container_parts[i][0],
							      container_parts[i][1], NULL };
	out->fields[out->n_fields++] = (JsonField){ "_BOOT_ID", "boot_id", NULL };
	out->fields[out->n_fields++] = (JsonField){ "_HOSTNAME", "host", NULL };
	qsort(out->fields, out->n_fields, sizeof(*out->fields), json_field_cmp);
	return 0;
}

static const JsonField *json_field_find(const LogOutput *out, const char *name, size_t len)
{
	size_t lo = 0, hi = out->n_fields;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(out->fields[mid].journal, name, len);

		if (c == 0 && out->fields[mid].journal[len])
			c = 1;
		if (c == 0)
			return &out->fields[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool is_container_part(const JsonField *jf)
{
	return !jf->f && strncmp(jf->journal, "CNPROCD_", 8) == 0;
}

/* One data item of the entry being read: into the JSON record (jsource's item
 * function), or the host for the console line. */
static int log_item(JSource *s, const void *data, size_t len, void *userdata)
{
	LogOutput *out = userdata;
	const char *d = data, *eq;
	const JsonField *jf;
	json_t *v;

	if (!data) {
		/* a new entry */
		out->host[0] = 0;
		if (out->a->json) {
			json_decref(out->o);
			json_decref(out->container);
			out->container = NULL;
			if (!(out->o = json_object()))
				return -ENOMEM;
		}
		return 0;
	}
	eq = memchr(d, '=', len);
	if (!eq || !(jf = json_field_find(out, d, (size_t)(eq - d))))
		return 0;
	len -= (size_t)(eq - d) + 1;
	d = eq + 1;
	if (strcmp(jf->key, "host") == 0)
		snprintf(out->host, sizeof(out->host), "%.*s", (int)len, d);
	if (!out->a->json || (strcmp(jf->key, "host") == 0 && !out->show_host))
		return 0;
	if (is_container_part(jf)) {
		if (!out->container && !(out->container = json_object()))
			return -ENOMEM;
		return json_object_set_new(out->container, jf->key, field_bytes_json(d, len)) < 0 ?
			       -ENOMEM : 0;
	}
	if (strcmp(jf->key, "argv") == 0) {
		size_t n;
		_cleanup_free_ char *argv = argv_unquote(d, len, &n);

		v = argv ? format_argv_json(argv, n) : NULL;
	} else if (jf->f)
		v = value_json(jf->f, d, len);
	else
		v = field_bytes_json(d, len);
	return json_object_set_new(out->o, jf->key, v) < 0 ? -ENOMEM : 0;
}

static int print_record(LogOutput *out, JSource *s, const JRecord *rec)
{
	char ts[64];

	format_timestamp(ts, sizeof(ts), rec->realtime_usec);
	if (out->a->json) {
		if (json_object_set_new(out->o, "time", json_string(ts)) < 0 ||
		    json_object_set_new(out->o, "timestamp_usec",
					json_integer((json_int_t)rec->realtime_usec)) < 0 ||
		    (out->container &&
		     json_object_set_new(out->o, "container", TAKE_PTR(out->container)) < 0))
			return -ENOMEM;
		if (json_dumpf(out->o, stdout, JSON_COMPACT) < 0)
			return -EIO;
		fputc('\n', stdout);
		return 0;
	}
	{
		const void *data;
		size_t len;

		fputs(ts, stdout);
		if (out->show_host) {
			fputc(' ', stdout);
			fput_escaped(stdout, out->host[0] ? out->host : "?");
		}
		fputc(' ', stdout);
		if (sd_journal_get_data(jsource_journal(s), "MESSAGE", &data, &len) >= 0 &&
		    len > 8) {
			_cleanup_free_ char *msg = strndup((const char *)data + 8, len - 8);

			fput_text(stdout, msg ?: "?");
		} else
			fputs("?", stdout);
		fputc('\n', stdout);
	}
	return 0;
}

static int cmd_log(Conn *c, const Args *a)
{
	LogOutput out = { .a = a };
	JSource *s = NULL;
	const JRecord *rec;
	long long shown = 0;
	int r;

	(void)c;
	r = jsource_open(&s, a, 0);
	if (r != EXIT_SUCCESS)
		return r;
	out.show_host = jsource_several_machines(s);
	r = json_fields_init(&out);
	if (r >= 0)
		jsource_set_item_func(s, log_item, &out);
	while (r >= 0 && (r = jsource_next(s, &rec)) > 0) {
		r = print_record(&out, s, rec);
		if (r >= 0 && a->lines > 0 && a->reverse && ++shown >= a->lines)
			break;
	}
	jsource_report_malformed(s);
	jsource_close(s);
	json_decref(out.o);
	json_decref(out.container);
	free(out.fields);
	if (r < 0) {
		log_error("reading the journal: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

const Command command_log = {
	.name = "log",
	.usage = "[--since TIME] [--until TIME] [-b [ID|-N]] [-n N] [-r] [-f]\n"
		 "          [--event TYPE]... [--unit GLOB] [--comm GLOB] [--exe GLOB]\n"
		 "          [--user NAME|UID] [--login-user USER] [--session N] [--pid PID]\n"
		 "          [--process-id ID] [--rule NAME] [--container yes|no|GLOB]\n"
		 "          [--priority P[..P]] [--system | -m | -D DIR | --file FILE...]",
	.help = "cnprocd's records from the journal, oldest first\n"
		"(TIME: YYYY-MM-DD [HH:MM[:SS]], today, yesterday,\n"
		"now, -1h, -30min, -2d)",
	.opts = OPT_UNIT | OPT_UID | OPT_USER | OPT_LOGIN_USER | OPT_COMM | OPT_EXE | OPT_EVENT | OPT_SINCE |
		OPT_UNTIL | OPT_BOOT | OPT_LINES | OPT_REVERSE | OPT_FOLLOW | OPT_DIRECTORY |
		OPT_FILE | OPT_MERGE | OPT_SYSTEM | OPT_PID | OPT_PROCESS_ID | OPT_RULE |
		OPT_CONTAINER | OPT_PRIORITY | OPT_SESSION,
	.offline = true,
	.run = cmd_log,
};
