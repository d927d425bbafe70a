/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl rules: the rules with their counters (ListRules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"

static int cmd_rules(Conn *c, const Args *a)
{
	static const char *const headers[] = {
		"NAME",       "ACTION", "PRIORITY", "HITS",   "LOGGED",
		"SUPPRESSED", "RATE-LIMIT", "MATCH", "SOURCE",
	};
	_cleanup_(reply_done) Reply rep = {};
	_cleanup_(table_done) Table t = { .n_cols = 9, .right = 7 << 3 };
	const char *def;
	json_t *rules, *v;
	size_t i;
	int r;

	r = conn_method(c, MONITOR_INTERFACE ".ListRules", NULL, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error)
		return error_reply(&rep, "ListRules");
	if (a->json)
		return print_json(rep.params) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	rules = json_object_get(rep.params, "rules");
	if (json_array_size(rules) > 0) {
		if (table_add_headers(&t, headers) < 0)
			goto oom;
		json_array_foreach(rules, i, v) {
			const char *match = jstr(v, "match");
			char *file;

			r = 0;
			r |= table_add_escaped(&t, jstr(v, "name"));
			r |= table_add_escaped(&t, jstr(v, "action"));
			r |= table_add_escaped(&t, jstr(v, "priority"));
			r |= table_addf(&t, "%lld", jnum(v, "hits"));
			r |= table_addf(&t, "%lld", jnum(v, "logged"));
			r |= table_addf(&t, "%lld", jnum(v, "suppressed"));
			r |= table_add_escaped(&t, jstr(v, "rate_limit"));
			if (!match || !*match)
				match = "(everything)";
			r |= table_add_escaped(&t, match);
			file = escaped(jstr(v, "file") ?: "?");
			r |= file ? table_addf(&t, "%s:%lld", file, jnum(v, "line")) :
				    -ENOMEM;
			free(file);
			if (r < 0)
				goto oom;
		}
		table_print(&t, stdout, 0);
	} else
		printf("No rules.\n");
	def = jstr(rep.params, "default_action") ?: "?";
	printf("\n%zu rule%s; events no rule matches: %s", json_array_size(rules),
	       json_array_size(rules) == 1 ? "" : "s", def);
	if (strcmp(def, "ignore") != 0)
		printf(" (priority %s)", jstr(rep.params, "default_priority") ?: "?");
	fputc('\n', stdout);
	return EXIT_SUCCESS;
oom:
	log_error("out of memory");
	return EXIT_FAILURE;
}

const Command command_rules = {
	.name = "rules",
	.usage = "",
	.help = "The rules with their counters",
	.run = cmd_rules,
};
