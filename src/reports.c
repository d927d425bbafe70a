/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's own records: started, loaded, failed, suppressed, lost, stopping
 * (reports.h). */
#include "journal.h"
#include "reports.h"
#include "util.h"

void report_started(LogTarget t, uint64_t rcvbuf_requested, const DaemonStats *s)
{
	char kernel[128];
	Record r;

	kernel_release(kernel, sizeof(kernel));
	if (record_begin(&r, LOG_INFO, CNPROCD_MESSAGE_STARTED) < 0)
		return;
	/* the kernel reports (and charges) about twice the payload size it grants */
	record_message(&r, "cnprocd %s started: kernel %s, receive buffer %llu bytes requested, "
		       "%llu granted, %llu rules, %llu processes tracked.", PACKAGE_VERSION, kernel,
		       (unsigned long long)rcvbuf_requested, (unsigned long long)s->receive_buffer,
		       (unsigned long long)s->rules, (unsigned long long)s->processes);
	record_field(&r, "CNPROCD_VERSION=%s", PACKAGE_VERSION);
	record_field(&r, "CNPROCD_KERNEL=%s", kernel);
	record_field(&r, "CNPROCD_RCVBUF=%llu", (unsigned long long)s->receive_buffer);
	record_field(&r, "CNPROCD_RULES=%llu", (unsigned long long)s->rules);
	record_field(&r, "CNPROCD_PROCESSES=%llu", (unsigned long long)s->processes);
	(void)record_send(&r, t);
}

void report_rules_loaded(LogTarget t, const Config *c, const char *path, unsigned requests,
			 const char *const *restart_keys, size_t n_restart_keys)
{
	bool reload = requests > 0;
	Record r;

	if (record_begin(&r, LOG_INFO, CNPROCD_MESSAGE_RULES_LOADED) < 0)
		return;
	record_message(&r, "%s %zu rules from %s (%u files, hash %016llx), default action %s.",
		       reload ? "Reloaded" : "Loaded", c->rules.n, path, c->n_files,
		       (unsigned long long)c->hash, rule_action_to_string(c->default_action));
	if (requests > 1)
		record_message_append(&r, " (%u reload requests served at once.)", requests);
	if (n_restart_keys > 0)
		record_message_append(&r, " Changed settings that take effect at the next "
				      "restart:");
	/* appended to the MESSAGE=, which is the record's last field so far */
	for (size_t i = 0; i < n_restart_keys; i++)
		record_message_append(&r, " %s", restart_keys[i]);
	if (n_restart_keys > 0)
		record_message_append(&r, ".");
	record_field(&r, "CNPROCD_RULES=%zu", c->rules.n);
	record_field(&r, "CNPROCD_CONFIG_FILE=%s", path);
	record_field(&r, "CNPROCD_CONFIG_FILES=%u", c->n_files);
	record_field(&r, "CNPROCD_CONFIG_HASH=%016llx", (unsigned long long)c->hash);
	record_field(&r, "CNPROCD_RELOAD=%d", reload);
	if (reload)
		record_field(&r, "CNPROCD_RELOAD_REQUESTS=%u", requests);
	for (size_t i = 0; i < n_restart_keys; i++)
		record_field(&r, "CNPROCD_RESTART_NEEDED=%s", restart_keys[i]);
	(void)record_send(&r, t);
}

void report_reload_failed(LogTarget t, size_t n_rules, const ConfigError *err,
			  unsigned requests)
{
	Record r;

	if (record_begin(&r, LOG_ERR, CNPROCD_MESSAGE_RELOAD_FAILED) < 0)
		return;
	if (err->line > 0)
		record_message(&r, "Reload failed, keeping the previous %zu rules: %s:%u: %s",
			       n_rules, err->file, err->line, err->message);
	else
		record_message(&r, "Reload failed, keeping the previous %zu rules: %s: %s",
			       n_rules, err->file, err->message);
	record_field(&r, "CNPROCD_CONFIG_FILE=%s", err->file);
	if (err->line > 0)
		record_field(&r, "CNPROCD_CONFIG_LINE=%u", err->line);
	record_field(&r, "CNPROCD_ERROR=%s", err->message);
	record_field(&r, "CNPROCD_RELOAD_REQUESTS=%u", requests);
	(void)record_send(&r, t);
}

static void report_suppressed_one(LogTarget t, const char *rule, RateLimit *rl)
{
	uint64_t n = rate_limit_take_suppressed(rl);
	char d[64];
	Record r;

	if (n == 0 || record_begin(&r, LOG_WARNING, CNPROCD_MESSAGE_SUPPRESSED) < 0)
		return;
	format_duration(d, sizeof(d), rl->interval * NSEC_PER_USEC);
	record_message(&r, "Rule %s: %llu records suppressed (rate limit %u per %s).",
		       rule ?: "(default)", (unsigned long long)n, rl->burst, d);
	record_field(&r, "CNPROCD_RULE=%s", rule ?: "(default)");
	record_field(&r, "CNPROCD_SUPPRESSED=%llu", (unsigned long long)n);
	record_field(&r, "CNPROCD_RATE_LIMIT=%u/%llu", rl->burst, (unsigned long long)rl->interval);
	(void)record_send(&r, t);
}

void report_suppressed(LogTarget t, Config *c)
{
	for (size_t i = 0; i < c->rules.n; i++)
		report_suppressed_one(t, c->rules.rules[i]->name, &c->rules.rules[i]->rate);
	report_suppressed_one(t, NULL, &c->default_rate);
}

void report_journal_dropped(LogTarget t, uint64_t n, uint64_t total)
{
	Record r;

	if (record_begin(&r, LOG_WARNING, CNPROCD_MESSAGE_JOURNAL_DROPPED) < 0)
		return;
	record_message(&r, "%llu records could not be written: journald did not accept them "
		       "and the queue was full (%llu since start).", (unsigned long long)n,
		       (unsigned long long)total);
	record_field(&r, "CNPROCD_JOURNAL_DROPPED=%llu", (unsigned long long)n);
	record_field(&r, "CNPROCD_JOURNAL_DROPPED_TOTAL=%llu", (unsigned long long)total);
	(void)record_send(&r, t);
}

void report_loss(LogTarget t, const LossEpisode *e, const DaemonStats *s)
{
	usec_t now_mono = now_usec(CLOCK_MONOTONIC), now_rt = now_usec(CLOCK_REALTIME);
	usec_t start_rt = now_rt - (now_mono - e->start), last_rt = now_rt - (now_mono - e->last);
	char a[64], b[64];
	Record r;

	if (record_begin(&r, LOG_WARNING, CNPROCD_MESSAGE_LOST) < 0)
		return;
	format_timestamp(a, sizeof(a), start_rt);
	format_timestamp(b, sizeof(b), last_rt);
	if (e->lost > 0)
		record_message(&r, "%llu process events lost between %s and %s (%s). "
			       "Rescanned /proc.", (unsigned long long)e->lost, a, b,
			       e->overflows > 0 ? "the receive queue overflowed" :
						  "gaps in the kernel's sequence numbers");
	else
		record_message(&r, "Process events lost between %s and %s: the receive queue "
			       "overflowed; how many is unknown. Rescanned /proc.", a, b);
	record_field(&r, "CNPROCD_LOST=%llu", (unsigned long long)e->lost);
	record_field(&r, "CNPROCD_LOST_TOTAL=%llu", (unsigned long long)s->lost_events);
	record_field(&r, "CNPROCD_LOSS_START_USEC=%llu", (unsigned long long)start_rt);
	record_field(&r, "CNPROCD_LOSS_END_USEC=%llu", (unsigned long long)last_rt);
	record_field(&r, "CNPROCD_OVERFLOWS=%llu", (unsigned long long)e->overflows);
	record_field(&r, "CNPROCD_ENOBUFS=%llu", (unsigned long long)s->enobufs);
	record_field(&r, "CNPROCD_SEQ_LOST=%llu", (unsigned long long)s->sequence_gaps);
	record_field(&r, "CNPROCD_KERNEL_DROPS=%llu", (unsigned long long)s->kernel_drops);
	(void)record_send(&r, t);
}

void report_table(LogTarget t, bool full, const DaemonStats *s, uint64_t refused)
{
	Record r;

	if (record_begin(&r, full ? LOG_WARNING : LOG_NOTICE,
			 full ? CNPROCD_MESSAGE_TABLE_FULL : CNPROCD_MESSAGE_TABLE_ROOM) < 0)
		return;
	if (full)
		record_message(&r, "The process table is full (max-processes=%llu): new "
			       "processes are not tracked (%llu so far).",
			       (unsigned long long)s->max_processes, (unsigned long long)refused);
	else
		record_message(&r, "The process table has room again (%llu of %llu); %llu new "
			       "processes were not tracked while it was full.",
			       (unsigned long long)s->processes, (unsigned long long)s->max_processes,
			       (unsigned long long)refused);
	record_field(&r, "CNPROCD_MAX_PROCESSES=%llu", (unsigned long long)s->max_processes);
	record_field(&r, "CNPROCD_TABLE_FULL=%llu", (unsigned long long)refused);
	(void)record_send(&r, t);
}

void report_stopping(LogTarget t, const DaemonStats *s)
{
	Record r;

	if (record_begin(&r, LOG_INFO, CNPROCD_MESSAGE_STOPPING) < 0)
		return;
	record_message(&r, "Stopped: %llu events received (%llu fork, %llu exec, %llu exit), "
		       "%llu records written (%llu failed), %llu ignored, %llu suppressed, %llu thread "
		       "events folded, %llu malformed, %llu unknown, %llu overflows, %llu lost "
		       "in sequence, %llu processes tracked.",
		       (unsigned long long)s->events_total,
		       (unsigned long long)s->events[PROC_EV_FORK],
		       (unsigned long long)s->events[PROC_EV_EXEC],
		       (unsigned long long)s->events[PROC_EV_EXIT],
		       (unsigned long long)s->records_logged, (unsigned long long)s->records_failed,
		       (unsigned long long)s->records_ignored,
		       (unsigned long long)s->records_suppressed,
		       (unsigned long long)s->thread_events_folded,
		       (unsigned long long)s->malformed_messages,
		       (unsigned long long)s->unknown_messages, (unsigned long long)s->enobufs,
		       (unsigned long long)s->sequence_gaps, (unsigned long long)s->processes);
	stats_to_record(s, &r);
	(void)record_send(&r, t);
}
