/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl status: the daemon's counters (GetStats).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"
#include "util.h"

/* "N type" items, wrapped below the label column */
static void print_event_count(const char *type, json_t *v, size_t *col)
{
	_cleanup_free_ char *t = escaped(type);
	char item[128];
	int l;

	if (!t)
		return;
	l = snprintf(item, sizeof(item), "%lld %s", (long long)json_integer_value(v), t);
	if (l < 0)
		return;
	if (*col > 17 && *col + (size_t)l + 2 > 80) {
		printf(",\n%-17s", "");
		*col = 17;
	} else if (*col > 17) {
		fputs(", ", stdout);
		*col += 2;
	}
	fputs(item, stdout);
	*col += (size_t)l;
}

/* the known types in their usual order, then any the daemon added */
static void print_events(json_t *events)
{
	const char *key, *type;
	size_t col = 17;
	json_t *v;

	printf("%-17s", "");
	for (size_t i = 0; (type = event_type_shown(i)); i++)
		if ((v = json_object_get(events, type)))
			print_event_count(type, v, &col);
	json_object_foreach(events, key, v)
		if (!event_type_known(key))
			print_event_count(key, v, &col);
	fputc('\n', stdout);
}

static const char *format_bytes(char *buf, size_t size, long long b)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	double v = (double)b;
	size_t u = 0;

	while (v >= 1024 && u < ELEMENTSOF(units) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lld B", b);
	else
		snprintf(buf, size, "%.1f %s (%lld bytes)", v, units[u], b);
	return buf;
}

static int cmd_status(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	json_t *p, *events, *v;
	const char *key;
	long long total = 0;
	char d[64];
	int r;

	r = conn_method(c, MONITOR_INTERFACE ".GetStats", NULL, &rep);
	if (r < 0)
		return transport_error(c, r);
	if (rep.error)
		return error_reply(&rep, "GetStats");
	p = rep.params;
	if (a->json)
		return print_json(p) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	events = json_object_get(p, "events");
	json_object_foreach(events, key, v)
		total += json_integer_value(v);

	printf("%-17s%s\n", "Uptime:", format_duration(d, sizeof(d),
				 (nsec_t)jnum(p, "uptime_usec") * NSEC_PER_USEC));
	printf("%-17s%lld tracked, %lld refused (table full)\n", "Processes:",
	       jnum(p, "processes"), jnum(p, "table_full"));
	if (json_is_true(json_object_get(p, "table_is_full")))
		printf("%-17sthe table is FULL (max-processes %lld): new processes are not "
		       "tracked\n", "", jnum(p, "max_processes"));
	printf("%-17s%lld received\n", "Events:", total);
	if (json_object_size(events) > 0)
		print_events(events);
	printf("%-17s%lld thread events folded into their processes\n", "",
	       jnum(p, "thread_events_folded"));
	printf("%-17s%lld logged, %lld suppressed (rate limit), %lld ignored",
	       "Records:", jnum(p, "records_logged"), jnum(p, "records_suppressed"),
	       jnum(p, "records_ignored"));
	if (jnum(p, "records_failed") > 0)
		printf(", %lld could not be written (!)", jnum(p, "records_failed"));
	fputc('\n', stdout);
	printf("%-17s%lld%s (kernel drops %lld, ENOBUFS %lld, sequence gaps %lld; "
	       "%lld resyncs)\n", "Lost events:", jnum(p, "lost_events"),
	       jnum(p, "lost_events") > 0 ? " (!)" : "", jnum(p, "kernel_drops"),
	       jnum(p, "enobufs"), jnum(p, "sequence_gaps"), jnum(p, "resyncs"));
	/* how much of the table's data was read in time */
	printf("%-17s%lld read as they started, %lld with their batch; %lld gone before "
	       "they could be read, %lld pid reused\n", "Exec /proc data:",
	       jnum(p, "prefetch_used"), jnum(p, "prefetch_missed"), jnum(p, "proc_vanished"),
	       jnum(p, "pid_mismatch"));
	printf("%-17s%lld malformed, %lld unknown, %lld foreign\n", "Bad messages:",
	       jnum(p, "malformed_messages"), jnum(p, "unknown_messages"),
	       jnum(p, "foreign_messages"));
	printf("%-17s%lld (reloads %lld, failed %lld)\n", "Rules:", jnum(p, "rules"),
	       jnum(p, "reloads"), jnum(p, "reload_failures"));
	printf("%-17s%lld (this one included)\n", "Clients:", jnum(p, "clients"));
	printf("%-17s%s\n", "Receive buffer:",
	       format_bytes(d, sizeof(d), jnum(p, "receive_buffer")));
	return EXIT_SUCCESS;
}

const Command command_status = {
	.name = "status",
	.usage = "",
	.help = "Counters: events, records, losses, rules",
	.run = cmd_status,
};
