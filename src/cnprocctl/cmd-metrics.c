/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnprocctl metrics: GetStats in the Prometheus text exposition format (0.0.4,
 * which node_exporter's textfile collector reads), one table of metrics below.
 * With --output FILE it is written atomically (a temporary file renamed over
 * FILE), so a collector never reads half a file; when cnprocd is not running,
 * "cnprocd_up 0" is written, so the collector says so instead of serving the
 * last figures forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnprocctl.h"
#include "monitor-protocol.h"
#include "output.h"
#include "util.h"

#define SERIES_MAX 5

/* One metric family: its GetStats key, or one key per label value. */
typedef struct Metric {
	const char *name; /* after "cnprocd_"; counters end in _total */
	const char *type; /* counter, gauge */
	const char *help;
	const char *key;   /* the GetStats key of an unlabelled metric */
	const char *label; /* or: the label, and a GetStats key per value */
	struct {
		const char *value, *key;
	} series[SERIES_MAX];
	double scale; /* 0: 1 */
} Metric;

static const Metric metrics[] = {
	{ "uptime_seconds", "gauge", "Seconds since cnprocd started.", "uptime_usec",
	  .scale = 1e-6 },
	{ "records_total", "counter", "Process events by what the rules made of them.",
	  .label = "outcome",
	  .series = { { "logged", "records_logged" },
		      { "suppressed", "records_suppressed" },
		      { "ignored", "records_ignored" },
		      { "failed", "records_failed" } } },
	{ "thread_events_folded_total", "counter",
	  "Thread events folded into their process (threads = no).", "thread_events_folded" },
	{ "lost_events_total", "counter",
	  "Process events the kernel produced that cnprocd never received.", "lost_events" },
	{ "kernel_drops_total", "counter",
	  "Datagrams the kernel dropped on the connector socket (SO_RXQ_OVFL).",
	  "kernel_drops" },
	{ "receive_overflows_total", "counter",
	  "Times the connector socket's receive buffer overflowed (ENOBUFS).", "enobufs" },
	{ "sequence_gaps_total", "counter",
	  "Process events missing from the kernel's per-CPU sequence numbers.",
	  "sequence_gaps" },
	{ "resyncs_total", "counter", "Rescans of /proc after lost events.", "resyncs" },
	{ "messages_rejected_total", "counter",
	  "Connector messages rejected, by reason.", .label = "reason",
	  .series = { { "malformed", "malformed_messages" },
		      { "unknown", "unknown_messages" },
		      { "foreign", "foreign_messages" } } },
	{ "processes", "gauge", "Processes in the live table.", "processes" },
	{ "max_processes", "gauge", "The live table's bound (max-processes).", "max_processes" },
	{ "table_full_total", "counter", "Processes not tracked because the table was full.",
	  "table_full" },
	{ "rules", "gauge", "Rules in force.", "rules" },
	{ "reloads_total", "counter", "Configuration reloads, by result.", .label = "result",
	  .series = { { "success", "reloads" }, { "failure", "reload_failures" } } },
	{ "receive_buffer_bytes", "gauge", "The connector socket's receive buffer.",
	  "receive_buffer" },
	{ "journal_records_total", "counter", "Records for journald, by what became of them.",
	  .label = "outcome",
	  .series = { { "queued", "journal_queued" },
		      { "written", "journal_written" },
		      { "dropped", "journal_dropped" },
		      { "failed", "journal_failed" } } },
	{ "varlink_clients", "gauge", "Connections to io.cnprocd.Monitor open now.", "clients" },
	{ "varlink_connections_total", "counter",
	  "Connections to io.cnprocd.Monitor, by whether they were accepted.",
	  .label = "outcome",
	  .series = { { "accepted", "varlink_accepted" }, { "refused", "varlink_refused" } } },
	{ "varlink_disconnects_total", "counter",
	  "Varlink clients disconnected by cnprocd, by reason.", .label = "reason",
	  .series = { { "protocol_error", "varlink_protocol_errors" },
		      { "oversized", "varlink_oversized" },
		      { "idle", "varlink_idle" } } },
	{ "exec_reads_total", "counter",
	  "Execs whose /proc data was read as they started, with their batch, or too late.",
	  .label = "when",
	  .series = { { "at_start", "prefetch_used" },
		      { "with_batch", "prefetch_missed" },
		      { "too_late", "proc_vanished" } } },
	{ "pid_reused_total", "counter", "Table entries replaced by a new process with their pid.",
	  "pid_reused" },
};

/* a value of the reply as a number; false if absent */
static bool number(json_t *p, const char *key, double scale, double *ret)
{
	json_t *v = json_object_get(p, key);

	if (!json_is_number(v))
		return false;
	*ret = json_number_value(v) * (scale ?: 1);
	return true;
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP cnprocd_%s %s\n# TYPE cnprocd_%s %s\n", name, help, name, type);
}

static void print_metrics(FILE *f, json_t *p)
{
	json_t *events = json_object_get(p, "events"), *v;
	const char *type;
	double d;

	header(f, "up", "gauge", "Whether cnprocd answered (1) or is not running (0).");
	fputs("cnprocd_up 1\n", f);
	/* the event types come from the daemon: a label value each, as it names them */
	header(f, "events_total", "counter", "Process events received, by type.");
	json_object_foreach(events, type, v)
		if (json_is_integer(v) && strspn(type, "abcdefghijklmnopqrstuvwxyz_") == strlen(type))
			fprintf(f, "cnprocd_events_total{type=\"%s\"} %lld\n", type,
				(long long)json_integer_value(v));
	for (size_t i = 0; i < ELEMENTSOF(metrics); i++) {
		const Metric *m = &metrics[i];

		if (m->key) {
			if (!number(p, m->key, m->scale, &d))
				continue;
			header(f, m->name, m->type, m->help);
			fprintf(f, "cnprocd_%s %.15g\n", m->name, d);
			continue;
		}
		header(f, m->name, m->type, m->help);
		for (size_t s = 0; s < SERIES_MAX && m->series[s].key; s++)
			if (number(p, m->series[s].key, m->scale, &d))
				fprintf(f, "cnprocd_%s{%s=\"%s\"} %.15g\n", m->name, m->label,
					m->series[s].value, d);
	}
}

static void print_down(FILE *f)
{
	header(f, "up", "gauge", "Whether cnprocd answered (1) or is not running (0).");
	fputs("cnprocd_up 0\n", f);
}

/* FILE, replaced at once: a temporary file in its directory renamed over it */
static int write_atomically(const char *path, json_t *p)
{
	_cleanup_free_ char *tmp = NULL;
	FILE *f;
	int fd;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	/* for the collector, which runs as another user */
	(void)fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	if (p)
		print_metrics(f, p);
	else
		print_down(f);
	if (fflush(f) != 0 || fsync(fd) < 0 || ferror(f)) {
		int r = -errno;

		fclose(f);
		unlink(tmp);
		return r ?: -EIO;
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

static int cmd_metrics(Conn *c, const Args *a)
{
	_cleanup_(reply_done) Reply rep = {};
	json_t *p = NULL;
	int r, status = EXIT_SUCCESS;

	if (!c)
		/* not running (main said so): say it to the collector too */
		status = EXIT_NOT_RUNNING;
	else {
		r = conn_method(c, MONITOR_INTERFACE ".GetStats", NULL, &rep);
		if (r < 0)
			status = transport_error(c, r);
		else if (rep.error)
			status = error_reply(&rep, "GetStats");
		else
			p = rep.params;
	}
	if (!a->output) {
		if (p)
			print_metrics(stdout, p);
		else if (status == EXIT_NOT_RUNNING)
			print_down(stdout);
		return status;
	}
	if (!p && status != EXIT_NOT_RUNNING)
		return status;
	r = write_atomically(a->output, p);
	if (r < 0) {
		log_error("cannot write %s: %s", a->output, strerror(-r));
		return EXIT_FAILURE;
	}
	return status;
}

const Command command_metrics = {
	.name = "metrics",
	.usage = "[--output FILE]",
	.help = "Counters in the Prometheus text format (for\n"
		"node_exporter's textfile collector); --output\n"
		"replaces FILE atomically; cnprocd_up 0 when not running",
	.opts = OPT_OUTPUT,
	.runs_when_down = true,
	.run = cmd_metrics,
};
