/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl tree: the process forest of the past, rebuilt from cnprocd's records
 * in the journal (ptree.h draws it). The selection (--process-id, --pid,
 * --session, --unit, --login-user) picks processes in the rebuilt forest, not
 * records: a tree around a process needs its ancestors' and descendants'
 * records, which match none of those. Only the window (--since, --until, -b)
 * and the source narrow what is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnprocctl.h"
#include "jsource.h"
#include "output.h"
#include "ptree.h"

static int cmd_tree(Conn *c, const Args *a)
{
	Args read = *a;
	PTreeSelect sel = PTREE_SELECT_INIT;
	JSource *s = NULL;
	PTree *t = NULL;
	const JRecord *rec;
	bool selected = a->process_id || a->pid > 0 || a->session >= 0 || a->unit ||
			a->loginuid >= 0;
	int r;

	(void)c;
	sel.process_id = a->process_id;
	sel.pid = (int)a->pid;
	sel.session = a->session;
	sel.unit = a->unit;
	sel.loginuid = a->loginuid;
	read.process_id = NULL;
	read.pid = 0;
	read.session = -1;
	read.unit = NULL;
	read.loginuid = -1;
	read.lines = 0;
	read.reverse = false;

	r = jsource_open(&s, &read, JSOURCE_LOST | JSOURCE_SUPPRESSED);
	if (r != EXIT_SUCCESS)
		return r;
	t = ptree_new();
	r = t ? 0 : -ENOMEM;
	while (r >= 0 && (r = jsource_next(s, &rec)) > 0)
		r = ptree_add(t, rec);
	if (r >= 0) {
		if (a->json) {
			json_t *v = ptree_json(t, &sel);

			if (!v)
				r = -errno;
			else if (print_json(v) < 0)
				r = -EIO;
			else
				r = json_array_size(v) > 0;
			json_decref(v);
		} else
			r = ptree_print(t, stdout, &sel, jsource_several_machines(s));
	}
	jsource_report_malformed(s);
	if (t && ptree_ignored(t) > 0)
		log_error("%llu process records without a process id (older cnprocd) left out",
			  ptree_ignored(t));
	jsource_close(s);
	ptree_free(t);
	if (r == -EINVAL) {
		log_error("--process-id needs PID@TICKS: %s", a->process_id);
		return EXIT_USAGE;
	}
	if (r < 0) {
		log_error("rebuilding the tree: %s", strerror(-r));
		return EXIT_FAILURE;
	}
	if (r == 0) {
		log_error(selected ? "no recorded process matches" :
				     "no process records in the window");
		return selected ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	return EXIT_SUCCESS;
}

const Command command_tree = {
	.name = "tree",
	.usage = "[--since TIME] [--until TIME] [-b [ID|-N]]\n"
		 "          [--process-id ID | --pid PID | --session N | --unit GLOB |\n"
		 "           --login-user USER] [--system | -m | -D DIR | --file FILE...]",
	.help = "the process trees of the past, rebuilt from the\n"
		"journal: what ran from what, how long, how it ended",
	.opts = OPT_SINCE | OPT_UNTIL | OPT_BOOT | OPT_PROCESS_ID | OPT_PID | OPT_SESSION |
		OPT_UNIT | OPT_LOGIN_USER | OPT_SYSTEM | OPT_MERGE | OPT_DIRECTORY | OPT_FILE,
	.offline = true,
	.run = cmd_tree,
};
