/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's lifecycle and wiring: start, the event path from reader to outputs,
 * counters, reload, signals, stop (manager.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "journal.h"
#include "jwriter.h"
#include "log.h"
#include "manager.h"
#include "monitor-listen.h"
#include "pipeline.h"
#include "reports.h"
#include "util.h"

/* The journal writer's queue in bytes, whatever journal-queue= says in records */
#define JOURNAL_QUEUE_BYTES (32U << 20)
/* How long the start records may wait for journald before READY=1 */
#define JOURNAL_READY_USEC (2 * USEC_PER_SEC)
/* How long the last records may wait for journald when stopping */
#define JOURNAL_STOP_USEC (3 * USEC_PER_SEC)
/* Reloads asked for within this long of the last one wait for it to pass. */
#define RELOAD_MIN_USEC (100 * USEC_PER_MSEC)
/* How often pending suppressed-record counts are reported. */
#define REPORT_INTERVAL_USEC (5 * USEC_PER_SEC)
/* A loss episode ends after this long without further loss... */
#define LOSS_QUIET_USEC (200 * USEC_PER_MSEC)
/* ...or this long after it began, if the storm goes on */
#define LOSS_MAX_USEC (2 * USEC_PER_SEC)

/* Records to journald go through the writer thread; started once signals are
 * blocked (the thread inherits the mask, so signals stay with the signalfd). */
static void start_journal_writer(Manager *m)
{
	int r;

	if (m->record_target != LOG_TARGET_JOURNAL && m->output.mode != OUTPUT_JOURNAL)
		return;
	r = jwriter_start(m->config.journal_queue, JOURNAL_QUEUE_BYTES);
	if (r < 0)
		log_warning_errno(r, "Failed to start the journal writer, writing directly: %m");
}

/* journald was not taking records and the queue overflowed: once it drains again,
 * say how many records are missing */
static void report_journal_drops(Manager *m)
{
	JournalWriterStats st;
	uint64_t n;

	jwriter_get_stats(&st);
	n = st.n_dropped - m->journal_dropped_reported;
	if (n == 0 || st.queued > m->config.journal_queue / 2)
		return;
	m->journal_dropped_reported = st.n_dropped;
	report_journal_dropped(m->record_target, n, st.n_dropped);
}

static void manager_apply_config(Manager *m)
{
	m->needs = pipeline_needs(&m->config);
	m->record_target = log_target_resolve(m->config.log_target);
	log_setup(m->record_target, m->log_level);
	if (m->json)
		m->output.mode = OUTPUT_JSON;
	else
		m->output.mode = m->record_target == LOG_TARGET_JOURNAL ? OUTPUT_JOURNAL :
									  OUTPUT_CONSOLE;
	reader_set_batch_delay(&m->reader, m->config.batch_delay);
}

static int on_exe_hash(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	hashcache_dispatch(userdata);
	return 0;
}

static void stop_exe_hash(Manager *m)
{
	m->hc_src = sd_event_source_disable_unref(m->hc_src);
	if (m->table)
		proctable_set_hashcache(m->table, NULL);
	/* processes keep the entries they hold; pending ones stay pending */
	m->hc = hashcache_free(m->hc);
}

/* exe-hash: start or stop the worker as the configuration says. */
static void update_exe_hash(Manager *m)
{
	int r;

	if (m->config.exe_hash == EXE_HASH_NONE) {
		stop_exe_hash(m);
		return;
	}
	if (m->hc)
		return;
	r = hashcache_new(&m->hc);
	if (r < 0)
		goto fail;
	r = sd_event_add_io(m->event, &m->hc_src, hashcache_fd(m->hc), EPOLLIN, on_exe_hash, m->hc);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_description(m->hc_src, "cnprocd-exe-hash");
	proctable_set_hashcache(m->table, m->hc);
	return;
fail:
	if (r == -EOPNOTSUPP)
		log_warning("Cannot hash executables (exe-hash = sha256 ignored): "
			    LIBCRYPTO_SONAME " (OpenSSL) could not be loaded.");
	else
		log_warning_errno(r, "Cannot hash executables (exe-hash = sha256 ignored): %m");
	stop_exe_hash(m);
}

int manager_new(const ManagerOptions *o, Manager **ret)
{
	_cleanup_(manager_freep) Manager *m = NULL;
	ConfigError err = {};
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return log_oom();
	m->config_required = o->config_required;
	m->overrides = o->overrides;
	m->json = o->json;
	m->dump = o->dump;
	m->debug_stall = o->debug_stall;
	m->log_level = o->log_level;
	m->ack_timeout = o->ack_timeout ?: 5 * USEC_PER_SEC;
	m->output.f = stdout;
	{
		sd_id128_t boot;

		if (sd_id128_get_boot(&boot) >= 0)
			sd_id128_to_string(boot, m->boot_id);
	}
	m->config_path = strdup(o->config_path);
	if (!m->config_path)
		return log_oom();

	r = config_load(m->config_path, m->config_required, &m->config, &err);
	if (r < 0) {
		config_error_print(&err);
		return r;
	}
	config_apply_overrides(&m->config, &m->overrides);
	manager_apply_config(m);

	r = activity_new(ACTIVITY_K_DEFAULT, &m->activity);
	if (r < 0)
		return log_oom();
	r = proctable_new(o->proc_root, m->config.max_processes, &m->table);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate process table: %m");
	proctable_set_redact(m->table, m->config.redact.items, m->config.redact.n);

	r = sd_event_default(&m->event);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate event loop: %m");
	m->output.event = m->event;
	update_exe_hash(m);

	*ret = TAKE_PTR(m);
	return 0;
}

Manager *manager_free(Manager *m)
{
	if (!m)
		return NULL;
	jwriter_stop(JOURNAL_STOP_USEC);
	reader_done(&m->reader);
	sd_event_source_disable_unref(m->sigint_src);
	sd_event_source_disable_unref(m->sigterm_src);
	sd_event_source_disable_unref(m->sighup_src);
	sd_event_source_disable_unref(m->sigusr1_src);
	sd_event_source_disable_unref(m->report_timer);
	sd_event_source_disable_unref(m->sigusr2_src);
	sd_event_source_disable_unref(m->resync_timer);
	sd_event_source_disable_unref(m->reload_timer);
	varlink_listener_free(m->listener);
	monitor_free(m->monitor);
	varlink_server_free(m->varlink);
	sd_event_unref(m->event);
	netlink_free(m->nl);
	stop_exe_hash(m);
	proctable_free(m->table);
	activity_free(m->activity);
	config_done(&m->config);
	free(m->config_path);
	free(m);
	return NULL;
}

/* A fork, exec or exit into the activity counters, under the process's unit,
 * user, command, executable and container: from the table, no /proc read. */
static void count_activity(Manager *m, const EventRecord *rec)
{
	const ProcEvent *ev = rec->ev;
	const Process *p = rec->proc;
	const char *keys[_ACTIVITY_GROUP_MAX] = {};
	unsigned metrics;
	char uid[16];

	switch (ev->type) {
	case PROC_EV_FORK:
		metrics = ACTIVITY_BIT(ACTIVITY_FORK);
		break;
	case PROC_EV_EXEC:
		metrics = ACTIVITY_BIT(ACTIVITY_EXEC);
		break;
	case PROC_EV_EXIT:
		metrics = ACTIVITY_BIT(ACTIVITY_EXIT);
		if (ev->exit.signal || ev->exit.status != 0)
			metrics |= ACTIVITY_BIT(ACTIVITY_FAILED);
		if (rec->lifetime_ns < NSEC_PER_SEC)
			metrics |= ACTIVITY_BIT(ACTIVITY_SHORT);
		break;
	default:
		return;
	}
	if (p) {
		keys[ACTIVITY_UNIT] = p->unit;
		if (!rec->user && p->euid != (uid_t)-1)
			snprintf(uid, sizeof(uid), "%u", (unsigned)p->euid);
		keys[ACTIVITY_USER] = rec->user ?: p->euid != (uid_t)-1 ? uid : NULL;
		/* an exec read too late has no name: no key, only the totals */
		keys[ACTIVITY_COMM] = p->comm[0] ? p->comm : NULL;
		keys[ACTIVITY_EXE] = p->exe;
		if (p->container)
			keys[ACTIVITY_CONTAINER] =
				p->container->c.name[0] ? p->container->c.name : p->container->c.id;
	}
	activity_count(m->activity, ev->timestamp_ns / NSEC_PER_SEC, metrics, keys);
}

/* One event: into the table, through the rules, out to the record and the live
 * feed (which sees every event, whatever the rules make of it). */
static void handle_event(Manager *m, const ProcEvent *ev, ProcSnapshot *snap)
{
	EventRecord rec;
	Verdict verdict;
	Process *p;
	char old_comm[sizeof(p->comm)] = "";

	if (ev->type == PROC_EV_NONE) /* ACKs, ours or another listener's */
		return;
	m->n_events[ev->type]++;

	if (ev->type == PROC_EV_COMM)
		(void)proctable_copy_comm(m->table, ev->tgid, old_comm);
	p = proctable_apply_with(m->table, ev, snap);
	if (pipeline_is_thread_event(ev) && !m->config.threads) {
		m->n_thread_events++;
		goto done;
	}
	pipeline_record(&rec, ev, p, p ? proctable_get(m->table, p->ppid) : NULL,
			p ? proctable_user_name(m->table, p->euid) : NULL,
			p ? process_login_user(m->table, p) : NULL,
			monotonic_to_realtime_usec(ev->timestamp_ns), m->config.record_argv);
	rec.table = m->table;
	rec.boot_id = m->boot_id[0] ? m->boot_id : NULL;
	rec.old_comm = old_comm[0] ? old_comm : NULL;
	count_activity(m, &rec);
	verdict = pipeline_decide(&m->config, m->needs, &rec, now_usec(CLOCK_MONOTONIC));
	if (monitor_has_subscribers(m->monitor))
		monitor_broadcast(m->monitor, &rec);
	if (p && ev->type == PROC_EV_EXEC)
		p->exit_rule = verdict == VERDICT_LOG ? rec.exit_rule : 0;
	if (verdict == VERDICT_LOG)
		output_record(&m->output, &rec);
	else if (verdict == VERDICT_IGNORE)
		m->n_ignored++;
	else
		m->n_suppressed++;
done:
	if ((ev->type == PROC_EV_EXIT && ev->pid == ev->tgid) || (p && p->ephemeral))
		proctable_remove(m->table, ev->tgid);
}

static int on_proc_event(const ProcEvent *ev, void *userdata)
{
	handle_event(userdata, ev, NULL);
	return 0;
}

static void on_reader_event(const ProcEvent *ev, ProcSnapshot *snap, void *userdata)
{
	handle_event(userdata, ev, snap);
}

/* The kernel's drops on our socket since counting began, < 0 if unknown. */
static int64_t drops_since_start(const Manager *m)
{
	int64_t d = m->nl ? netlink_kernel_drops(m->nl) : -1;

	if (d < 0)
		return d;
	return d > m->drops_base ? d - m->drops_base : 0;
}

/* Bring the loss count up to date with the kernel's (read between batches, so
 * GetStats asks first: lost_events and kernel_drops then agree). */
static void check_loss(Manager *m)
{
	const NetlinkStats *s = netlink_stats(m->nl);
	uint64_t overflows = s->n_enobufs - m->last_enobufs;
	usec_t now = now_usec(CLOCK_MONOTONIC);

	m->last_enobufs = s->n_enobufs;
	if (!loss_update(&m->loss, s->n_seq_lost - m->gaps_base, drops_since_start(m), overflows,
			 now))
		return;
	/* the /proc rescan waits for the storm to pass: one per episode, not one
	 * per overflow */
	(void)sd_event_source_set_time(m->resync_timer,
				       loss_deadline(&m->loss, LOSS_QUIET_USEC, LOSS_MAX_USEC));
	(void)sd_event_source_set_enabled(m->resync_timer, SD_EVENT_ONESHOT);
}

static void on_batch_done(void *userdata)
{
	Manager *m = userdata;

	check_loss(m);
	output_flush(&m->output);
}

static const ReaderOps reader_ops = {
	.event = on_reader_event,
	.batch_done = on_batch_done,
};

/* Every counter, as of now: GetStats, STATUS= and the records read this. */
static void get_stats(Manager *m, DaemonStats *s)
{
	const NetlinkStats *ns = netlink_stats(m->nl);
	const ProcTableStats *ts = proctable_stats(m->table);
	JournalWriterStats js;

	jwriter_get_stats(&js);
	*s = (DaemonStats){
		.uptime_usec = now_usec(CLOCK_MONOTONIC) - m->start_usec,
		.thread_events_folded = m->n_thread_events,
		.records_logged = m->output.n_written,
		.records_suppressed = m->n_suppressed,
		.records_ignored = m->n_ignored,
		.records_failed = m->output.n_failed,
		.lost_events = m->loss.lost_total,
		.kernel_drops = (uint64_t)MAX(drops_since_start(m), 0),
		.enobufs = ns->n_enobufs,
		.sequence_gaps = ns->n_seq_lost - m->gaps_base,
		.resyncs = m->n_resyncs,
		.malformed_messages = ns->n_malformed,
		.unknown_messages = ns->n_unknown,
		.foreign_messages = ns->n_foreign,
		.processes = proctable_size(m->table),
		.table_full = ts->n_full,
		.max_processes = m->config.max_processes,
		.table_is_full = proctable_full(m->table),
		.rules = m->config.rules.n,
		.reloads = m->n_reloads,
		.reload_failures = m->n_reload_failures,
		.clients = m->varlink ? varlink_server_n_connections(m->varlink) : 0,
		.receive_buffer = netlink_rcvbuf(m->nl),
		.kernel_filter_supported = netlink_filter_supported(m->nl),
		.thread_filter = netlink_thread_filter(m->nl),
		.sequence_checked = netlink_seq_valid(m->nl),
		.pid_reused = ts->n_reused,
		.pid_mismatch = ts->n_mismatch,
		.proc_vanished = ts->n_vanished,
		.process_id_reads = ts->n_id_reads,
		.process_id_mispredicted = ts->n_id_mispredicted,
		.journal_queued = js.queued,
		.journal_written = js.n_written,
		.journal_dropped = js.n_dropped,
		.journal_failed = js.n_failed,
		.batch_delay_usec = m->config.batch_delay,
		.exec_prefetch = m->reader.nl_exec != NULL,
		.prefetch_used = m->reader.prefetch.stats.n_used,
		.prefetch_missed = m->reader.prefetch.stats.n_missed,
		.prefetch_evicted = m->reader.prefetch.stats.n_evicted,
		.prefetch_overflows = reader_prefetch_overflows(&m->reader),
	};
	for (int t = 0; t < _PROC_EV_MAX; t++) {
		s->events[t] = m->n_events[t];
		s->events_total += m->n_events[t];
		/* what the kernel sends us, by type (all of them without a filter) */
		if (t > PROC_EV_NONE && (cnproc_kernel_mask(1U << t) & netlink_kernel_mask(m->nl)))
			s->kernel_filter |= 1U << t;
	}
	if (m->varlink) {
		const VarlinkServerStats *vs = varlink_server_stats(m->varlink);

		s->varlink_accepted = vs->n_accepted;
		s->varlink_refused = vs->n_refused;
		s->varlink_protocol_errors = vs->n_protocol_errors;
		s->varlink_oversized = vs->n_oversized;
		s->varlink_idle = vs->n_idle;
	}
}

/* Tell the kernel which events are wanted now (rules, subscribers, threads). */
static void update_filter(Manager *m)
{
	uint32_t types = CNPROC_TYPES_ALL;
	bool threads = false;
	int r;

	if (!m->nl || m->dump)
		return;
	if (m->config.kernel_filter) {
		types = pipeline_wanted_types(&m->config, monitor_subscribed_types(m->monitor));
		threads = !m->config.threads;
	}
	r = netlink_set_filter(m->nl, cnproc_kernel_mask(types), threads);
	if (r < 0)
		log_warning_errno(r, "Failed to set the kernel-side event filter, receiving "
				  "everything: %m");
}

/* STATUS= for systemctl status: refreshed by the report timer, not per event */
static void notify_status(Manager *m)
{
	DaemonStats s;

	get_stats(m, &s);
	(void)sd_notifyf(false,
			 "STATUS=Tracking %llu processes; %llu events, %llu logged, %llu "
			 "suppressed, %llu lost",
			 (unsigned long long)s.processes, (unsigned long long)s.events_total,
			 (unsigned long long)s.records_logged,
			 (unsigned long long)s.records_suppressed,
			 (unsigned long long)s.lost_events);
}

/* The table filling up and getting room again are records, at most one per
 * report interval: a counter alone goes unnoticed. */
static void check_table(Manager *m)
{
	DaemonStats s;

	get_stats(m, &s);
	if (!m->table_full_said && s.table_full > m->table_full_base) {
		report_table(m->record_target, true, &s, s.table_full - m->table_full_base);
		m->table_full_said = true;
	} else if (m->table_full_said && !s.table_is_full) {
		report_table(m->record_target, false, &s, s.table_full - m->table_full_base);
		m->table_full_said = false;
		m->table_full_base = s.table_full;
	}
}

static int on_report_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;

	check_table(m);
	report_suppressed(m->record_target, &m->config);
	report_journal_drops(m);
	notify_status(m);
	(void)sd_event_source_set_time(s, usec + REPORT_INTERVAL_USEC);
	return 0;
}

static void report_episode(Manager *m, const LossEpisode *e)
{
	DaemonStats s;

	get_stats(m, &s);
	report_loss(m->record_target, e, &s);
}

/* The episode is over (or has gone on long enough): bring the table back in line
 * with /proc, once, and say what was lost. */
static int on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;
	LossEpisode e;

	/* losses still queued count towards this episode */
	check_loss(m);
	if (!loss_close(&m->loss, &e))
		return 0;
	(void)proctable_resync(m->table);
	m->n_resyncs++;
	report_episode(m, &e);
	return 0;
}

/* Print the process table to the output (SIGUSR1, --dump). */
static void dump_table(Manager *m)
{
	if (m->output.mode == OUTPUT_JOURNAL) {
		log_info("Process table: %zu processes (the dump is printed on stdout only).",
			 proctable_size(m->table));
		return;
	}
	format_table(m->output.f, m->table, m->output.mode == OUTPUT_JSON, m->config.record_argv);
	fflush(m->output.f);
}

/* Counters and rate windows of rules that survive a reload (matched by name). */
static void carry_rule_state(Config *new, const Config *old)
{
	for (size_t i = 0; i < new->rules.n; i++) {
		Rule *n = new->rules.rules[i];
		const Rule *o = rule_set_find(&old->rules, n->name);

		if (!o)
			continue;
		n->stats = o->stats;
		if (n->rate.burst == o->rate.burst && n->rate.interval == o->rate.interval)
			n->rate = o->rate;
	}
	if (new->default_rate.burst == old->default_rate.burst &&
	    new->default_rate.interval == old->default_rate.interval)
		new->default_rate = old->default_rate;
}

/* Processes whose exit their exec's rule will record: the same rule (by name) in
 * the new set, if it still asks for it. */
static void remap_exit_rules(Manager *m, const Config *new)
{
	size_t n = MIN(m->config.rules.n, (size_t)UINT16_MAX);
	_cleanup_free_ uint16_t *map = calloc(n + 1, sizeof(*map));

	if (!map)
		return (void)proctable_remap_exit_rules(m->table, NULL, 0);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < new->rules.n && k < UINT16_MAX; k++)
			if (new->rules.rules[k]->record_exit &&
			    strcmp(new->rules.rules[k]->name, m->config.rules.rules[i]->name) == 0)
				map[i] = (uint16_t)(k + 1);
	proctable_remap_exit_rules(m->table, map, n);
}

/* Re-read the configuration (SIGHUP, varlink Reload), serving `requests` requests
 * at once; a bad one keeps the current rules, and if ret_err is given says why
 * there. */
static int reload(Manager *m, unsigned requests, ConfigError *ret_err, const char **ret_restart,
		  size_t max_restart, size_t *ret_n_restart)
{
	const char *restart[CONFIG_N_KEYS];
	ConfigError err = {};
	size_t n_restart = 0;
	Config c;
	int r;

	(void)sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", now_usec(CLOCK_MONOTONIC));
	r = config_load(m->config_path, m->config_required, &c, &err);
	if (r < 0) {
		m->n_reload_failures++;
		report_reload_failed(m->record_target, m->config.rules.n, &err, requests);
		if (ret_err)
			*ret_err = err;
		(void)sd_notify(false, "READY=1");
		return r;
	}
	config_apply_overrides(&c, &m->overrides);
	/* what only a restart applies is not applied: say so, and keep what is in force */
	for (size_t i = 0, n = config_changed_at_restart(&m->config, &c, restart,
							    ELEMENTSOF(restart)); i < n; i++)
		/* systemd's socket unit decides where and how io.cnprocd.Monitor listens */
		if (!(m->socket_passed && (strcmp(restart[i], "varlink-socket") == 0 ||
					   strcmp(restart[i], "varlink-mode") == 0 ||
					   strcmp(restart[i], "varlink-group") == 0)))
			restart[n_restart++] = restart[i];
	r = config_keep_restart_settings(&c, &m->config);
	if (r < 0) {
		config_done(&c);
		return log_oom();
	}

	/* old rules' pending counts are reported under the rules that produced them */
	report_suppressed(m->record_target, &m->config);
	carry_rule_state(&c, &m->config);
	remap_exit_rules(m, &c);
	if (c.rcvbuf != m->config.rcvbuf && netlink_set_rcvbuf(m->nl, c.rcvbuf) < 0)
		log_warning("Could not change the receive buffer; it stays at %llu bytes.",
			    (unsigned long long)netlink_rcvbuf(m->nl));
	proctable_set_max(m->table, c.max_processes);

	/* the table points into the old config's patterns until told otherwise */
	proctable_set_redact(m->table, c.redact.items, c.redact.n);
	config_done(&m->config);
	m->config = c;
	manager_apply_config(m);
	update_exe_hash(m);
	start_journal_writer(m);
	m->n_reloads++;
	update_filter(m);
	reader_set_prefetch(&m->reader, m->config.exec_prefetch, m->config.rcvbuf, m->ack_timeout);
	report_rules_loaded(m->record_target, &m->config, m->config_path, requests, restart,
			    n_restart);
	for (size_t i = 0; i < MIN(n_restart, max_restart); i++)
		ret_restart[i] = restart[i];
	if (ret_n_restart)
		*ret_n_restart = MIN(n_restart, max_restart);
	(void)sd_notify(false, "READY=1");
	notify_status(m);
	return 0;
}

/* Reload requests are served together: one reload at a time (it runs in the
 * loop), then at most one more RELOAD_MIN_USEC later for all that came meanwhile,
 * so a SIGHUP storm costs a few reloads, not one per signal. */
static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;
	unsigned n = m->reload_requests;

	m->reload_requests = 0;
	(void)reload(m, n, NULL, NULL, 0, NULL);
	m->last_reload_usec = now_usec(CLOCK_MONOTONIC);
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Manager *m = userdata;

	if (m->reload_requests++ > 0)
		return 0; /* the pending reload serves this one too */
	(void)sd_event_source_set_time(m->reload_timer,
				       MAX(now_usec(CLOCK_MONOTONIC),
					   m->last_reload_usec + RELOAD_MIN_USEC));
	(void)sd_event_source_set_enabled(m->reload_timer, SD_EVENT_ONESHOT);
	return 0;
}

static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	dump_table(userdata);
	return 0;
}

/* Lets the watchdog test make the loop miss its WATCHDOG=1 on purpose. */
static int on_sigusr2(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	log_warning("Stalling the event loop on request (--debug-stall-on-sigusr2).");
	for (;;)
		pause();
	return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Manager *m = userdata;

	log_info("Received SIG%s, stopping.", sigabbrev_np((int)si->ssi_signo) ?: "?");
	(void)sd_notify(false, "STOPPING=1");
	return sd_event_exit(m->event, 0);
}

static int add_signal(Manager *m, int sig, sd_event_signal_handler_t h, const char *name,
		      sd_event_source **ret)
{
	int r;

	r = sd_event_add_signal(m->event, ret, sig, h, m);
	if (r < 0)
		return log_error_errno(r, "Failed to watch SIG%s: %m", sigabbrev_np(sig));
	(void)sd_event_source_set_description(*ret, name);
	return 0;
}

/* What the Monitor may ask of us: nothing else of the Manager is its business. */
static void monitor_get_stats(void *userdata, DaemonStats *ret)
{
	Manager *m = userdata;

	check_loss(m);
	get_stats(m, ret);
}

static int monitor_reload(void *userdata, ConfigError *ret_err, const char **ret_restart,
			  size_t max_restart, size_t *ret_n_restart)
{
	Manager *m = userdata;
	unsigned n = m->reload_requests + 1;
	int r;

	/* the caller waits for its answer: reload now, serving the pending signals */
	m->reload_requests = 0;
	(void)sd_event_source_set_enabled(m->reload_timer, SD_EVENT_OFF);
	r = reload(m, n, ret_err, ret_restart, max_restart, ret_n_restart);
	m->last_reload_usec = now_usec(CLOCK_MONOTONIC);
	return r;
}

static void monitor_subscriptions_changed(void *userdata)
{
	update_filter(userdata);
}

static const Activity *monitor_activity(void *userdata, uint64_t *ret_now_sec)
{
	Manager *m = userdata;

	/* the kernel's event stamps are CLOCK_MONOTONIC too */
	*ret_now_sec = now_nsec(CLOCK_MONOTONIC) / NSEC_PER_SEC;
	return m->activity;
}

static const MonitorOps monitor_ops = {
	.get_stats = monitor_get_stats,
	.reload = monitor_reload,
	.subscriptions_changed = monitor_subscriptions_changed,
	.activity = monitor_activity,
};

/* The io.cnprocd.Monitor socket, if there is to be one. */
static int listen_varlink(Manager *m)
{
	char buf[PATH_MAX];
	const char *path = config_varlink_socket(&m->config, buf, sizeof(buf));
	int r;

	m->socket_passed = sd_listen_fds(false) > 0;
	if (!path && !m->socket_passed)
		return 0;
	r = monitor_new(&monitor_ops, m, m->table, &m->config, &m->monitor);
	if (r < 0)
		return log_oom();
	return monitor_listen(m->event, path, &m->config, m->monitor, &m->varlink, &m->listener);
}

static int add_timer(Manager *m, sd_event_source **ret, usec_t usec,
		     sd_event_time_handler_t h, const char *name, int enabled)
{
	int r;

	r = sd_event_add_time(m->event, ret, CLOCK_MONOTONIC, usec, 0, h, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the %s timer: %m", name);
	(void)sd_event_source_set_description(*ret, name);
	(void)sd_event_source_set_enabled(*ret, enabled);
	return 0;
}

int manager_start(Manager *m, int *ret_status)
{
	DaemonStats stats;
	sigset_t mask;
	int r;

	/* signals are blocked before anything else so none is lost during startup */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (m->debug_stall)
		sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	start_journal_writer(m);

	r = netlink_open(m->config.rcvbuf, &m->nl);
	if (r < 0)
		return log_error_errno(r, "Cannot open the proc connector: %s",
				       netlink_strerror(r));

	/* subscribe before scanning /proc: whatever starts meanwhile is seen as an
	 * event, and events queued during the scan are applied after it */
	r = netlink_subscribe(m->nl, m->ack_timeout, on_proc_event, m);
	if (r < 0) {
		if (ret_status)
			*ret_status = r == -EPERM || r == -EACCES ? EXIT_NO_PERMISSION :
				      r == -ETIMEDOUT || r == -ECONNREFUSED ||
						      r == -EPROTONOSUPPORT ?
				      EXIT_NO_CONNECTOR :
				      EXIT_FAILURE;
		return log_error_errno(r, "Cannot subscribe to process events: %s",
				       netlink_strerror(r));
	}
	r = proctable_scan(m->table);
	if (r < 0)
		return log_error_errno(r, "Initial scan of /proc failed: %m");
	/* losses are counted from here on: the scan saw what went before */
	m->drops_base = MAX(netlink_kernel_drops(m->nl), 0);
	m->gaps_base = netlink_stats(m->nl)->n_seq_lost;
	m->last_enobufs = netlink_stats(m->nl)->n_enobufs;
	update_filter(m);

	m->start_usec = now_usec(CLOCK_MONOTONIC);
	/* listening before "started" is said: whoever waits for it can connect */
	if (!m->dump) {
		r = listen_varlink(m);
		if (r < 0)
			return r;
	}
	get_stats(m, &stats);
	report_started(m->record_target, m->config.rcvbuf, &stats);
	report_rules_loaded(m->record_target, &m->config, m->config_path, 0, NULL, 0);

	if (m->dump)
		return 0;

	r = reader_start(&m->reader, m->event, m->nl, m->table, &reader_ops, m);
	if (r < 0)
		return r;
	reader_set_prefetch(&m->reader, m->config.exec_prefetch, m->config.rcvbuf, m->ack_timeout);

	r = add_signal(m, SIGINT, on_exit_signal, "cnprocd-sigint", &m->sigint_src);
	if (r >= 0)
		r = add_signal(m, SIGTERM, on_exit_signal, "cnprocd-sigterm", &m->sigterm_src);
	if (r >= 0)
		r = add_signal(m, SIGHUP, on_sighup, "cnprocd-sighup", &m->sighup_src);
	if (r >= 0)
		r = add_signal(m, SIGUSR1, on_sigusr1, "cnprocd-sigusr1", &m->sigusr1_src);
	if (r >= 0 && m->debug_stall)
		r = add_signal(m, SIGUSR2, on_sigusr2, "cnprocd-sigusr2", &m->sigusr2_src);
	if (r >= 0)
		r = add_timer(m, &m->resync_timer, USEC_INFINITY, on_resync_timer,
			      "cnprocd-resync", SD_EVENT_OFF);
	if (r >= 0)
		r = add_timer(m, &m->reload_timer, USEC_INFINITY, on_reload_timer,
			      "cnprocd-reload", SD_EVENT_OFF);
	if (r >= 0)
		r = add_timer(m, &m->report_timer,
			      now_usec(CLOCK_MONOTONIC) + REPORT_INTERVAL_USEC, on_report_timer,
			      "cnprocd-report", SD_EVENT_ON);
	if (r < 0)
		return r;

	r = sd_event_set_watchdog(m->event, true);
	if (r < 0)
		log_warning_errno(r, "Failed to enable the watchdog: %m");

	/* ready means the started and rules-loaded records are in the journal, not
	 * only queued for it; a journald that does not take them does not hold up
	 * the start for long */
	if (!jwriter_flush(JOURNAL_READY_USEC))
		log_warning("journald has not taken the start records yet; going on.");
	(void)sd_notify(false, "READY=1");
	notify_status(m);
	return 0;
}

int manager_run(Manager *m)
{
	DaemonStats stats;
	LossEpisode e;
	int r, k;

	if (m->dump) {
		/* apply whatever arrived during the scan so the table is current */
		r = netlink_receive(m->nl, UINT32_MAX >> 1, on_proc_event, m);
		if (r < 0)
			return log_error_errno(r, "Failed to receive events: %m");
		dump_table(m);
		(void)netlink_unsubscribe(m->nl);
		return 0;
	}

	r = sd_event_loop(m->event);
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");

	/* an episode still open is reported, not forgotten */
	check_loss(m);
	if (loss_close(&m->loss, &e))
		report_episode(m, &e);
	/* tell the kernel we stopped listening, so it can stop generating events */
	reader_done(&m->reader);
	k = netlink_unsubscribe(m->nl);
	if (k < 0)
		log_warning_errno(k, "Failed to unsubscribe from process events: %m");
	else
		log_debug("Unsubscribed from process events (PROC_CN_MCAST_IGNORE sent).");
	m->monitor = monitor_free(m->monitor);
	report_suppressed(m->record_target, &m->config);
	report_journal_drops(m);
	get_stats(m, &stats);
	report_stopping(m->record_target, &stats);
	jwriter_stop(JOURNAL_STOP_USEC);
	return r;
}
