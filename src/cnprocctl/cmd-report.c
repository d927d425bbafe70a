/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl report: aureport-like summaries of cnprocd's records in the journal
 * (report.h counts and prints them). The filters narrow the records counted as
 * they do for log; the daemon's lost-events and suppressed-records reports of the
 * window are counted too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnprocctl.h"
#include "jsource.h"
#include "output.h"
#include "report.h"

static bool check_report(const Args *a)
{
	char names[256] = "";
	const char *n;

	if (!a->by || report_key_known(a->by))
		return true;
	for (size_t i = 0; (n = report_key_name(i)); i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i > 0 ? ", " : "", n);
	log_error("--by: no such table: %s (%s)", a->by, names);
	return false;
}

static int cmd_report(Conn *c, const Args *a)
{
	Args read = *a;
	JSource *s = NULL;
	Report *rep = NULL;
	const JRecord *rec;
	int r;

	(void)c;
	read.lines = 0;
	read.reverse = false;
	r = jsource_open(&s, &read, JSOURCE_LOST | JSOURCE_SUPPRESSED | JSOURCE_STARTED);
	if (r != EXIT_SUCCESS)
		return r;
	rep = report_new();
	r = rep ? 0 : -ENOMEM;
	while (r >= 0 && (r = jsource_next(s, &rec)) > 0)
		r = report_add(rep, rec);
	if (r >= 0) {
		if (a->json) {
			json_t *v = report_json(rep, a->by, a->top);

			r = v ? print_json(v) : -ENOMEM;
			json_decref(v);
		} else
			r = report_print(rep, stdout, a->by, a->top);
	}
	jsource_report_malformed(s);
	jsource_close(s);
	report_free(rep);
	if (r < 0) {
		log_error("making the report: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

const Command command_report = {
	.name = "report",
	.usage = "[--since TIME] [--until TIME] [-b [ID|-N]] [--by TABLE] [--top N]\n"
		 "          [log's filters] [--system | -m | -D DIR | --file FILE...]",
	.help = "summaries like aureport: execs by user, login user,\n"
		"unit, executable, container; failures; privilege\n"
		"changes; rules; lost events (--by TABLE: one)",
	.opts = OPT_SINCE | OPT_UNTIL | OPT_BOOT | OPT_BY | OPT_TOP | OPT_UNIT | OPT_UID | OPT_USER |
		OPT_LOGIN_USER | OPT_COMM | OPT_EXE | OPT_EVENT | OPT_PID | OPT_PROCESS_ID |
		OPT_RULE | OPT_CONTAINER | OPT_PRIORITY | OPT_SESSION | OPT_SYSTEM | OPT_MERGE |
		OPT_DIRECTORY | OPT_FILE,
	.check = check_report,
	.offline = true,
	.run = cmd_report,
};
