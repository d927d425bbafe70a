/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl reload: make the daemon re-read its configuration (Reload).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"

static int cmd_reload(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	json_t *keys, *k;
	size_t i;
	int r;

	r = conn_method(c, MONITOR_INTERFACE ".Reload", NULL, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error) {
		if (strcmp(rep.error, VARLINK_ERROR_PERMISSION_DENIED) == 0) {
			log_error("permission denied: reload needs root");
			return EXIT_PERMISSION;
		}
		if (strcmp(rep.error, MONITOR_ERROR_CONFIG) == 0) {
			/* file:line: message, the way compilers and cnprocd say it */
			fput_escaped(stderr, jstr(rep.params, "file") ?: "?");
			fprintf(stderr, ":%lld: ", jnum(rep.params, "line"));
			fput_escaped(stderr, jstr(rep.params, "message") ?: "invalid");
			fputc('\n', stderr);
			return EXIT_FAILURE;
		}
		return error_reply(&rep, "Reload");
	}
	if (a->json)
		return print_json(rep.params) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	printf("reloaded: %lld rules\n", jnum(rep.params, "rules"));
	/* settings whose new value the daemon takes only when it starts again */
	keys = json_object_get(rep.params, "restart_needed");
	json_array_foreach(keys, i, k)
		if (json_is_string(k)) {
			fput_escaped(stdout, json_string_value(k));
			fputs(" changes at the next restart\n", stdout);
		}
	return EXIT_SUCCESS;
}

const Command command_reload = {
	.name = "reload",
	.usage = "",
	.help = "Re-read the configuration (root only)",
	.run = cmd_reload,
};
