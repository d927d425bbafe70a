/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include "monitor.h"
#include "util.h"

/* The journal writer's queue in bytes, whatever journal-queue= says in records */
#define JOURNAL_QUEUE_BYTES (32U << 20)
/* How long the start records may wait for journald before READY=1 */
#define JOURNAL_READY_USEC (2 * USEC_PER_SEC)
/* How long the last records may wait for journald when stopping */
#define JOURNAL_STOP_USEC (3 * USEC_PER_SEC)
/* The exec prefetch: snapshots held at most, the socket's buffer, and how long
 * a snapshot waits for its event on the main socket */
#define PREFETCH_CAPACITY 4096
#define PREFETCH_RCVBUF (4ULL << 20)
#define PREFETCH_MAX_AGE_NS (2ULL * 1000000000ULL)
/* While a batch is handled (rules, output), the prefetch socket is looked at
 * this often: an exec meanwhile must not wait for the whole batch */
#define PREFETCH_POLL_USEC 100
/* batch-delay need not be exact: let sd-event coalesce the timer with others */
#define BATCH_TIMER_ACCURACY_USEC (1 * USEC_PER_MSEC)
/* Fuller than this when read: do not wait before the next read (a small
 * receive-buffer, or a burst) */
#define QUEUE_PRESSED_PERCENT 12
/* How often pending suppressed-record counts are reported. */
#define REPORT_INTERVAL_USEC (5 * USEC_PER_SEC)

/* Records to journald go through the writer thread; started once signals are
 * blocked (the thread inherits the mask, so signals stay with the signalfd). */
static void start_journal_writer(Manager *m)
{
	int r;

	if (m->record_target != LOG_TARGET_JOURNAL && m->output != OUTPUT_JOURNAL)
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
	Record r;

	jwriter_get_stats(&st);
	n = st.n_dropped - m->journal_dropped_reported;
	if (n == 0 || st.queued > m->config.journal_queue / 2)
		return;
	m->journal_dropped_reported = st.n_dropped;
	if (record_begin(&r, LOG_WARNING, CNPROCD_MESSAGE_JOURNAL_DROPPED) < 0)
		return;
	record_message(&r, "%llu records could not be written: journald did not accept them "
		       "and the queue was full (%llu since start).", (unsigned long long)n,
		       (unsigned long long)st.n_dropped);
	record_field(&r, "CNPROCD_JOURNAL_DROPPED=%llu", (unsigned long long)n);
	record_field(&r, "CNPROCD_JOURNAL_DROPPED_TOTAL=%llu", (unsigned long long)st.n_dropped);
	(void)record_send(&r, m->record_target);
}

static void manager_apply_config(Manager *m)
{
	m->need_cmdline = false;
	for (size_t i = 0; i < m->config.rules.n; i++)
		if (m->config.rules.rules[i]->cmdline.n > 0)
			m->need_cmdline = true;
	m->record_target = log_target_resolve(m->config.log_target);
	log_setup(m->record_target, m->log_level);
	if (m->json)
		m->output = OUTPUT_JSON;
	else
		m->output = m->record_target == LOG_TARGET_JOURNAL ? OUTPUT_JOURNAL : OUTPUT_CONSOLE;
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
	m->out = stdout;
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

	r = proctable_new(o->proc_root, m->config.max_processes, &m->table);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate process table: %m");
	proctable_set_redact(m->table, m->config.redact.items, m->config.redact.n);

	r = sd_event_default(&m->event);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate event loop: %m");

	*ret = TAKE_PTR(m);
	return 0;
}

Manager *manager_free(Manager *m)
{
	if (!m)
		return NULL;
	m->stopping = true;
	jwriter_stop(JOURNAL_STOP_USEC);
	sd_event_source_disable_unref(m->netlink_src);
	sd_event_source_disable_unref(m->sigint_src);
	sd_event_source_disable_unref(m->sigterm_src);
	sd_event_source_disable_unref(m->sighup_src);
	sd_event_source_disable_unref(m->sigusr1_src);
	sd_event_source_disable_unref(m->report_timer);
	sd_event_source_disable_unref(m->sigusr2_src);
	sd_event_source_disable_unref(m->resync_timer);
	sd_event_source_disable_unref(m->batch_timer);
	sd_event_source_disable_unref(m->prefetch_src);
	monitor_close_subscribers(m);
	varlink_server_free(m->varlink);
	sd_event_unref(m->event);
	netlink_free(m->nl);
	netlink_free(m->nl_exec);
	prefetch_done(&m->prefetch);
	proctable_free(m->table);
	config_done(&m->config);
	free(m->config_path);
	free(m);
	return NULL;
}

static void output_json(Manager *m, json_t *o)
{
	if (!o || json_dumpf(o, m->out, JSON_COMPACT) < 0 || fputc('\n', m->out) == EOF)
		m->n_output_errors++;
	json_decref(o);
}

static void output_event(Manager *m, const EventRecord *rec)
{
	m->n_records++;
	switch (m->output) {
	case OUTPUT_JSON:
		output_json(m, format_event_json(rec));
		break;
	case OUTPUT_CONSOLE:
		format_event_console(m->out, rec);
		break;
	case OUTPUT_JOURNAL:
		if (journal_send_event(rec) < 0)
			m->n_output_errors++;
		break;
	}
}

static bool is_thread_event(const ProcEvent *ev)
{
	/* a coredump is the whole process's, whichever thread faulted */
	return ev->pid != ev->tgid && ev->type != PROC_EV_COREDUMP;
}

/* Rules decide: first match wins, else the default action; then the rate limit. */
static void dispatch_record(Manager *m, EventRecord *rec)
{
	const ProcEvent *ev = rec->ev;
	const Process *p = rec->proc;
	_cleanup_free_ char *cmdline = NULL;
	MatchInput in = {
		.type = ev->type,
		.uid = -1,
		.gid = -1,
		.exit_code = -1,
		.lifetime_usec = UINT64_MAX,
	};
	RateLimit *rl;
	Rule *rule;

	if (p) {
		in.comm = p->comm;
		in.exe = p->exe;
		in.unit = p->unit;
		in.cgroup = p->cgroup;
		in.uid = p->euid == (uid_t)-1 ? -1 : (int64_t)p->euid;
		in.gid = p->egid == (gid_t)-1 ? -1 : (int64_t)p->egid;
		if (m->need_cmdline && p->argv_len > 0)
			in.cmdline = cmdline = process_cmdline(p);
	}
	if (rec->parent) {
		in.parent_comm = rec->parent->comm;
		in.parent_exe = rec->parent->exe;
	}
	if (ev->type == PROC_EV_EXIT) {
		in.exit_code = ev->exit.signal ? -1 : ev->exit.status;
		in.exit_signal = ev->exit.signal;
		if (rec->lifetime_ns != LIFETIME_UNKNOWN)
			in.lifetime_usec = rec->lifetime_ns / NSEC_PER_USEC;
	}

	rule = rules_match(&m->config.rules, &in);
	if (rule)
		rule->stats.n_hits++;
	rec->priority = rule ? rule->priority : m->config.default_priority;
	rec->rule = rule ? rule->name : NULL;
	/* the live feed sees every event, whatever the rules make of it */
	if (m->subscribers)
		monitor_broadcast(m, rec);
	if ((rule ? rule->action : m->config.default_action) == RULE_ACTION_IGNORE) {
		m->n_ignored++;
		return;
	}
	rl = rule ? &rule->rate : &m->config.default_rate;
	if (!rate_limit_check(rl, now_usec(CLOCK_MONOTONIC))) {
		m->n_suppressed++;
		if (rule)
			rule->stats.n_suppressed++;
		return;
	}
	if (rule)
		rule->stats.n_logged++;
	output_event(m, rec);
}

static void handle_event(Manager *m, const ProcEvent *ev, ProcSnapshot *snap)
{
	EventRecord rec = { .ev = ev, .lifetime_ns = LIFETIME_UNKNOWN };
	Process *p;

	if (ev->type == PROC_EV_NONE) /* ACKs, ours or another listener's */
		return;
	m->n_events[ev->type]++;

	p = proctable_apply_with(m->table, ev, snap);
	if (is_thread_event(ev) && !m->config.threads) {
		m->n_thread_events++;
		goto done;
	}

	rec.proc = p;
	rec.parent = p ? proctable_get(m->table, p->ppid) : NULL;
	rec.user = p ? proctable_user_name(m->table, p->euid) : NULL;
	rec.realtime_usec = monotonic_to_realtime_usec(ev->timestamp_ns);
	rec.record_argv = m->config.record_argv;
	if (ev->type == PROC_EV_EXIT && p && p->start_ns > 0 && ev->timestamp_ns >= p->start_ns)
		rec.lifetime_ns = ev->timestamp_ns - p->start_ns;

	dispatch_record(m, &rec);
done:
	if ((ev->type == PROC_EV_EXIT && ev->pid == ev->tgid) || (p && p->ephemeral))
		proctable_remove(m->table, ev->tgid);
}

static int on_proc_event(const ProcEvent *ev, void *userdata)
{
	handle_event(userdata, ev, NULL);
	return 0;
}

static int collect_event(const ProcEvent *ev, void *userdata)
{
	Manager *m = userdata;

	if (m->n_batch >= ELEMENTSOF(m->batch)) {
		handle_event(m, ev, NULL);
		return 0;
	}
	m->batch[m->n_batch++] = *ev;
	return 0;
}

static int on_prefetch(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Read what the prefetch socket has queued, without waiting for it to wake us. */
static void read_prefetch(Manager *m)
{
	if (m->prefetch_src)
		(void)on_prefetch(m->prefetch_src, -1, EPOLLIN, m);
}

/* ...if the last look was a while ago. */
static void poll_prefetch(Manager *m, usec_t *last)
{
	if (!m->prefetch_src || now_usec(CLOCK_MONOTONIC) - *last < PREFETCH_POLL_USEC)
		return;
	read_prefetch(m);
	*last = now_usec(CLOCK_MONOTONIC);
}

/* A batch in two passes: first /proc is read for every exec in it (a short-lived
 * program may be gone by the time the events before it are matched and written
 * out), then the events are applied in order. */
static void handle_batch(Manager *m)
{
	usec_t polled = now_usec(CLOCK_MONOTONIC);

	for (size_t i = 0; i < m->n_batch; i++) {
		const ProcEvent *ev = &m->batch[i];
		bool forked_here = false;

		m->snaps[i].result = -ENODATA;
		if (ev->type != PROC_EV_EXEC)
			continue;
		/* read when it happened, if the prefetch socket saw it */
		if (m->nl_exec &&
		    prefetch_take(&m->prefetch, ev->tgid, ev->timestamp_ns, &m->snaps[i]))
			continue;
		/* its fork earlier in this batch: the parent's ids will be inherited */
		for (size_t j = 0; j < i && !forked_here; j++)
			forked_here = m->batch[j].type == PROC_EV_FORK &&
				      m->batch[j].pid == ev->tgid &&
				      proctable_get(m->table, m->batch[j].fork.parent_tgid);
		(void)proctable_snapshot(m->table, ev->tgid, forked_here, &m->snaps[i]);
	}
	for (size_t i = 0; i < m->n_batch; i++) {
		handle_event(m, &m->batch[i],
			     m->batch[i].type == PROC_EV_EXEC ? &m->snaps[i] : NULL);
		proc_snapshot_done(&m->snaps[i]);
		poll_prefetch(m, &polled);
	}
	/* a snapshot whose event should long have come: that event was lost here */
	if (m->nl_exec && m->n_batch > 0 && m->batch[m->n_batch - 1].timestamp_ns > PREFETCH_MAX_AGE_NS)
		prefetch_expire(&m->prefetch,
				m->batch[m->n_batch - 1].timestamp_ns - PREFETCH_MAX_AGE_NS);
	m->n_batch = 0;
}

static void report_suppressed_one(Manager *m, const char *rule, RateLimit *rl)
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
	(void)record_send(&r, m->record_target);
}

/* Nothing is silently missing: every suppressed record is accounted for here. */
static void report_suppressed(Manager *m)
{
	for (size_t i = 0; i < m->config.rules.n; i++)
		report_suppressed_one(m, m->config.rules.rules[i]->name,
				      &m->config.rules.rules[i]->rate);
	report_suppressed_one(m, NULL, &m->config.default_rate);
}

uint64_t manager_events_total(const Manager *m)
{
	uint64_t total = 0;

	for (int i = 0; i < _PROC_EV_MAX; i++)
		total += m->n_events[i];
	return total;
}

uint64_t manager_events_lost(const Manager *m)
{
	return m->loss.lost_total;
}

/* The kernel's drops on our socket since counting began, < 0 if unknown. */
static int64_t drops_since_start(const Manager *m)
{
	int64_t d = m->nl ? netlink_kernel_drops(m->nl) : -1;

	if (d < 0)
		return d;
	return d > m->drops_base ? d - m->drops_base : 0;
}

uint64_t manager_kernel_drops(const Manager *m)
{
	return (uint64_t)MAX(drops_since_start(m), 0);
}

/* Event types the daemon needs now: the table's, the logging rules', the
 * subscribers'. An ignore rule needs nothing delivered. */
static uint32_t wanted_types(Manager *m)
{
	uint32_t t = 1U << PROC_EV_FORK | 1U << PROC_EV_EXEC | 1U << PROC_EV_EXIT |
		     1U << PROC_EV_UID | 1U << PROC_EV_GID | 1U << PROC_EV_COMM;

	if (m->config.default_action == RULE_ACTION_LOG)
		return CNPROC_TYPES_ALL;
	for (size_t i = 0; i < m->config.rules.n; i++) {
		const Rule *r = m->config.rules.rules[i];

		if (r->action == RULE_ACTION_LOG)
			t |= r->events ?: CNPROC_TYPES_ALL;
	}
	return t | monitor_subscribed_types(m);
}

void manager_update_filter(Manager *m)
{
	uint32_t types = CNPROC_TYPES_ALL;
	bool threads = false;
	int r;

	if (!m->nl || m->stopping || m->dump)
		return;
	if (m->config.kernel_filter) {
		types = wanted_types(m);
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
	(void)sd_notifyf(false,
			 "STATUS=Tracking %zu processes; %llu events, %llu logged, %llu "
			 "suppressed, %llu lost",
			 proctable_size(m->table), (unsigned long long)manager_events_total(m),
			 (unsigned long long)m->n_records, (unsigned long long)m->n_suppressed,
			 (unsigned long long)manager_events_lost(m));
}

static int on_report_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;

	report_suppressed(m);
	report_journal_drops(m);
	notify_status(m);
	(void)sd_event_source_set_time(s, usec + REPORT_INTERVAL_USEC);
	return 0;
}

/* A loss episode ends after this long without further loss... */
#define LOSS_QUIET_USEC (200 * USEC_PER_MSEC)
/* ...or this long after it began, if the storm goes on */
#define LOSS_MAX_USEC (2 * USEC_PER_SEC)

void manager_check_loss(Manager *m)
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

static void record_loss(Manager *m, const LossEpisode *e)
{
	const NetlinkStats *s = netlink_stats(m->nl);
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
	record_field(&r, "CNPROCD_LOST_TOTAL=%llu", (unsigned long long)m->loss.lost_total);
	record_field(&r, "CNPROCD_LOSS_START_USEC=%llu", (unsigned long long)start_rt);
	record_field(&r, "CNPROCD_LOSS_END_USEC=%llu", (unsigned long long)last_rt);
	record_field(&r, "CNPROCD_OVERFLOWS=%llu", (unsigned long long)e->overflows);
	record_field(&r, "CNPROCD_ENOBUFS=%llu", (unsigned long long)s->n_enobufs);
	record_field(&r, "CNPROCD_SEQ_LOST=%llu", (unsigned long long)s->n_seq_lost);
	record_field(&r, "CNPROCD_KERNEL_DROPS=%llu", (unsigned long long)manager_kernel_drops(m));
	(void)record_send(&r, m->record_target);
}

/* The episode is over (or has gone on long enough): bring the table back in line
 * with /proc, once, and say what was lost. */
static int on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;
	LossEpisode e;

	/* losses still queued count towards this episode */
	manager_check_loss(m);
	if (!loss_close(&m->loss, &e))
		return 0;
	(void)proctable_resync(m->table);
	m->n_resyncs++;
	record_loss(m, &e);
	return 0;
}

static void close_prefetch(Manager *m);

/* Read and handle one batch: the number of datagrams, or < 0 (the loop is told to
 * exit: deaf is worse than dead, Restart= brings us back). */
static int receive_batch(Manager *m)
{
	int r;

	/* execs delivered before this batch are read first, so their snapshots wait */
	read_prefetch(m);
	/* a queue that filled up this much while we waited would overflow if we
	 * waited as long again: read as events come until it does not */
	if (m->config.batch_delay > 0)
		m->queue_pressed = netlink_queue_percent(m->nl) > QUEUE_PRESSED_PERCENT;
	m->n_batch = 0;
	r = netlink_receive(m->nl, NETLINK_BATCH, collect_event, m);
	handle_batch(m);
	if (r < 0) {
		log_error_errno(r, "Failed to receive from the proc connector: %m");
		(void)sd_event_exit(m->event, r);
		return r;
	}
	manager_check_loss(m);
	if (m->output != OUTPUT_JOURNAL)
		fflush(m->out);
	return r;
}

/* Waking up for every event costs more than handling it: once events flow, they
 * are left to gather for batch-delay and read together; the first quiet read
 * goes back to waiting on the socket. Execs do not wait: the prefetch socket
 * reads their /proc data at once. */
static void set_batching(Manager *m, bool on, usec_t delay)
{
	if (on) {
		(void)sd_event_source_set_time_relative(m->batch_timer, delay);
		(void)sd_event_source_set_enabled(m->batch_timer, SD_EVENT_ONESHOT);
	} else
		(void)sd_event_source_set_enabled(m->batch_timer, SD_EVENT_OFF);
	if (on != m->batching)
		(void)sd_event_source_set_enabled(m->netlink_src, on ? SD_EVENT_OFF : SD_EVENT_ON);
	m->batching = on;
}

/* After a batch of r datagrams: when to read next. */
static void schedule_next(Manager *m, int r)
{
	if (r < 0)
		return;
	if (r == NETLINK_BATCH)
		/* more queued: go on right after whatever else is waiting */
		set_batching(m, true, 0);
	else if (r > 0 && m->config.batch_delay > 0 && !m->queue_pressed)
		set_batching(m, true, m->config.batch_delay);
	else
		set_batching(m, false, 0);
}

static int on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Manager *m = userdata;

	schedule_next(m, receive_batch(m));
	return 0;
}

static int on_batch_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;

	schedule_next(m, receive_batch(m));
	return 0;
}

static int on_prefetch_event(const ProcEvent *ev, void *userdata)
{
	Manager *m = userdata;
	ProcSnapshot *snap;

	if (ev->type != PROC_EV_EXEC || ev->pid != ev->tgid)
		return 0;
	snap = prefetch_slot(&m->prefetch, ev->tgid, ev->timestamp_ns);
	if (snap)
		(void)proctable_prefetch(m->table, ev->tgid, snap);
	return 0;
}

static int on_prefetch(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Manager *m = userdata;
	int r;

	r = netlink_receive(m->nl_exec, NETLINK_BATCH, on_prefetch_event, m);
	if (r < 0) {
		/* only an optimisation: without it execs are read when their batch is */
		log_warning_errno(r, "The exec prefetch socket failed, going on without: %m");
		close_prefetch(m);
	}
	return 0;
}

static int discard_event(const ProcEvent *ev, void *userdata)
{
	return 0;
}

/* Unsubscribe and drop what it holds: execs are read in their batch from now on. */
static void close_prefetch(Manager *m)
{
	m->prefetch_src = sd_event_source_disable_unref(m->prefetch_src);
	if (m->nl_exec && !m->stopping)
		(void)netlink_unsubscribe(m->nl_exec);
	m->nl_exec = netlink_free(m->nl_exec);
	prefetch_done(&m->prefetch);
}

/* A second subscription, EXEC only, read the moment an exec happens: the main
 * socket can then be read in batches without losing short-lived programs' argv. */
static void open_prefetch(Manager *m)
{
	int r;

	if (!m->config.exec_prefetch || m->nl_exec)
		return;
	r = prefetch_init(&m->prefetch, PREFETCH_CAPACITY);
	if (r < 0)
		goto fail;
	r = netlink_open(MIN(m->config.rcvbuf, PREFETCH_RCVBUF), &m->nl_exec);
	if (r < 0)
		goto fail;
	r = netlink_subscribe(m->nl_exec, m->ack_timeout, discard_event, m);
	if (r < 0)
		goto fail;
	r = netlink_set_exec_only(m->nl_exec);
	if (r < 0)
		goto fail;
	r = sd_event_add_io(m->event, &m->prefetch_src, netlink_fd(m->nl_exec), EPOLLIN,
			    on_prefetch, m);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_description(m->prefetch_src, "cnprocd-prefetch");
	/* before anything else: the process may be gone a millisecond later */
	(void)sd_event_source_set_priority(m->prefetch_src, SD_EVENT_PRIORITY_IMPORTANT - 10);
	return;
fail:
	log_warning_errno(r, "No exec prefetch socket (execs are read in their batch): %s",
			  netlink_strerror(r));
	close_prefetch(m);
}

static int dump_one(const Process *p, void *userdata)
{
	Manager *m = userdata;
	const char *user = proctable_user_name(m->table, p->euid);
	json_t *o;

	if (m->output != OUTPUT_JSON) {
		format_process_console(m->out, p, user, m->config.record_argv);
		return 0;
	}
	o = format_process_json(p, user, m->config.record_argv);
	/* in the JSON stream, table entries are told from events by this */
	if (o && json_object_set_new(o, "event", json_string("process")) < 0) {
		json_decref(o);
		o = NULL;
	}
	output_json(m, o);
	return 0;
}

void manager_dump(Manager *m)
{
	if (m->output == OUTPUT_JOURNAL) {
		log_info("Process table: %zu processes (the dump is printed on stdout only).",
			 proctable_size(m->table));
		return;
	}
	proctable_foreach(m->table, dump_one, m);
	fflush(m->out);
}

static void record_rules_loaded(Manager *m, bool reload)
{
	Record r;

	if (record_begin(&r, LOG_INFO, CNPROCD_MESSAGE_RULES_LOADED) < 0)
		return;
	record_message(&r, "%s %zu rules from %s (%u files, hash %016llx), default action %s.",
		       reload ? "Reloaded" : "Loaded", m->config.rules.n, m->config_path,
		       m->config.n_files, (unsigned long long)m->config.hash,
		       rule_action_to_string(m->config.default_action));
	record_field(&r, "CNPROCD_RULES=%zu", m->config.rules.n);
	record_field(&r, "CNPROCD_CONFIG_FILE=%s", m->config_path);
	record_field(&r, "CNPROCD_CONFIG_FILES=%u", m->config.n_files);
	record_field(&r, "CNPROCD_CONFIG_HASH=%016llx", (unsigned long long)m->config.hash);
	record_field(&r, "CNPROCD_RELOAD=%d", reload);
	(void)record_send(&r, m->record_target);
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

int manager_reload(Manager *m, ConfigError *ret_err)
{
	ConfigError err = {};
	Config c;
	Record rec;
	int r;

	(void)sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", now_usec(CLOCK_MONOTONIC));
	r = config_load(m->config_path, m->config_required, &c, &err);
	if (r < 0) {
		m->n_reload_failures++;
		if (record_begin(&rec, LOG_ERR, CNPROCD_MESSAGE_RELOAD_FAILED) == 0) {
			if (err.line > 0)
				record_message(&rec, "Reload failed, keeping the previous %zu rules: "
					       "%s:%u: %s", m->config.rules.n, err.file, err.line,
					       err.message);
			else
				record_message(&rec, "Reload failed, keeping the previous %zu rules: "
					       "%s: %s", m->config.rules.n, err.file, err.message);
			record_field(&rec, "CNPROCD_CONFIG_FILE=%s", err.file);
			if (err.line > 0)
				record_field(&rec, "CNPROCD_CONFIG_LINE=%u", err.line);
			record_field(&rec, "CNPROCD_ERROR=%s", err.message);
			(void)record_send(&rec, m->record_target);
		}
		if (ret_err)
			*ret_err = err;
		(void)sd_notify(false, "READY=1");
		return r;
	}
	config_apply_overrides(&c, &m->overrides);

	/* old rules' pending counts are reported under the rules that produced them */
	report_suppressed(m);
	carry_rule_state(&c, &m->config);
	if (c.rcvbuf != m->config.rcvbuf && netlink_set_rcvbuf(m->nl, c.rcvbuf) < 0)
		log_warning("Could not change the receive buffer; it stays at %llu bytes.",
			    (unsigned long long)netlink_rcvbuf(m->nl));
	proctable_set_max(m->table, c.max_processes);

	/* the table points into the old config's patterns until told otherwise */
	proctable_set_redact(m->table, c.redact.items, c.redact.n);
	config_done(&m->config);
	m->config = c;
	manager_apply_config(m);
	start_journal_writer(m);
	m->n_reloads++;
	manager_update_filter(m);
	if (m->config.exec_prefetch)
		open_prefetch(m);
	else
		close_prefetch(m);
	record_rules_loaded(m, true);
	(void)sd_notify(false, "READY=1");
	notify_status(m);
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)manager_reload(userdata, NULL);
	return 0;
}

static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	manager_dump(userdata);
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

/* The io.cnprocd.Monitor socket: handed over by systemd (cnprocd.socket) or made
 * here; by default only root may connect (the table shows every command line). */
static int manager_listen_varlink(Manager *m)
{
	static const VarlinkServerInfo info = {
		.vendor = "cnprocd",
		.product = "cnprocd",
		.version = PACKAGE_VERSION,
		.url = PACKAGE_URL,
	};
	static const VarlinkLimits limits = {
		.max_connections = 64,
		.max_connections_per_uid = 16,
		.max_message = 64 * 1024,
		.max_output = 1024 * 1024,
	};
	char buf[PATH_MAX];
	const char *path = config_varlink_socket(&m->config, buf, sizeof(buf));
	int n, r;

	n = sd_listen_fds(true);
	if (n < 0)
		return log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
	if (n == 0 && !path)
		return 0;

	r = varlink_server_new(m->event, &info, &limits, m, &m->varlink);
	if (r < 0)
		return log_oom();
	r = varlink_server_add_interface(m->varlink, &monitor_interface);
	if (r < 0)
		return log_error_errno(r, "Failed to add the varlink interface: %m");

	if (n > 0) {
		if (n > 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
			return log_error_errno(EINVAL, "Expected exactly one listening unix stream "
					       "socket from systemd, got %d file descriptors.", n);
		r = varlink_server_listen_fd(m->varlink, SD_LISTEN_FDS_START);
		if (r < 0)
			return log_error_errno(r, "Failed to listen on the socket from systemd: %m");
		log_debug("Serving io.cnprocd.Monitor on the socket passed by systemd.");
		return 0;
	}

	/* the directory holding the socket: created if missing */
	{
		_cleanup_free_ char *dir = strdup(path);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		if (!dir)
			return log_oom();
		if (slash && slash != dir) {
			*slash = 0;
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return log_error_errno(errno, "Failed to create %s: %m", dir);
		}
	}
	r = varlink_server_listen_path(m->varlink, path, m->config.varlink_mode,
				       (gid_t)m->config.varlink_group);
	if (r == -EADDRINUSE)
		return log_error_errno(r, "Another process is serving %s; refusing to take it over "
				 "(set varlink-socket= or --varlink-socket= for a second "
				 "instance).", path);
	if (r < 0)
		return log_error_errno(r, "Failed to listen on %s: %m", path);
	log_debug("Serving io.cnprocd.Monitor on %s (mode %04o).", path, m->config.varlink_mode);
	return 0;
}

static void record_started(Manager *m)
{
	char kernel[128];
	Record r;

	kernel_release(kernel, sizeof(kernel));
	if (record_begin(&r, LOG_INFO, CNPROCD_MESSAGE_STARTED) < 0)
		return;
	/* the kernel reports (and charges) about twice the payload size it grants */
	record_message(&r, "cnprocd %s started: kernel %s, receive buffer %llu bytes requested, "
		       "%llu granted, %zu rules, %zu processes tracked.", PACKAGE_VERSION, kernel,
		       (unsigned long long)m->config.rcvbuf,
		       (unsigned long long)netlink_rcvbuf(m->nl), m->config.rules.n,
		       proctable_size(m->table));
	record_field(&r, "CNPROCD_VERSION=%s", PACKAGE_VERSION);
	record_field(&r, "CNPROCD_KERNEL=%s", kernel);
	record_field(&r, "CNPROCD_RCVBUF=%llu", (unsigned long long)netlink_rcvbuf(m->nl));
	record_field(&r, "CNPROCD_RULES=%zu", m->config.rules.n);
	record_field(&r, "CNPROCD_PROCESSES=%zu", proctable_size(m->table));
	(void)record_send(&r, m->record_target);
}

int manager_start(Manager *m)
{
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
	if (r < 0)
		return log_error_errno(r, "Cannot subscribe to process events: %s",
				       netlink_strerror(r));
	r = proctable_scan(m->table);
	if (r < 0)
		return log_error_errno(r, "Initial scan of /proc failed: %m");
	/* losses are counted from here on: the scan saw what went before */
	m->drops_base = MAX(netlink_kernel_drops(m->nl), 0);
	m->gaps_base = netlink_stats(m->nl)->n_seq_lost;
	m->last_enobufs = netlink_stats(m->nl)->n_enobufs;
	manager_update_filter(m);

	m->start_usec = now_usec(CLOCK_MONOTONIC);
	/* listening before "started" is said: whoever waits for it can connect */
	if (!m->dump) {
		r = manager_listen_varlink(m);
		if (r < 0)
			return r;
	}
	record_started(m);
	record_rules_loaded(m, false);

	if (m->dump)
		return 0;

	r = sd_event_add_io(m->event, &m->netlink_src, netlink_fd(m->nl), EPOLLIN, on_netlink, m);
	if (r < 0)
		return log_error_errno(r, "Failed to watch the connector socket: %m");
	(void)sd_event_source_set_description(m->netlink_src, "cnprocd-netlink");
	/* events first: a short-lived process must be read before it is gone, even
	 * while a client waits for a big reply */
	(void)sd_event_source_set_priority(m->netlink_src, SD_EVENT_PRIORITY_IMPORTANT);

	r = sd_event_add_time_relative(m->event, &m->batch_timer, CLOCK_MONOTONIC, 0,
				       BATCH_TIMER_ACCURACY_USEC, on_batch_timer, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the batch timer: %m");
	(void)sd_event_source_set_description(m->batch_timer, "cnprocd-batch");
	(void)sd_event_source_set_priority(m->batch_timer, SD_EVENT_PRIORITY_IMPORTANT);
	(void)sd_event_source_set_enabled(m->batch_timer, SD_EVENT_OFF);
	open_prefetch(m);

	r = add_signal(m, SIGINT, on_exit_signal, "cnprocd-sigint", &m->sigint_src);
	if (r >= 0)
		r = add_signal(m, SIGTERM, on_exit_signal, "cnprocd-sigterm", &m->sigterm_src);
	if (r >= 0)
		r = add_signal(m, SIGHUP, on_sighup, "cnprocd-sighup", &m->sighup_src);
	if (r >= 0)
		r = add_signal(m, SIGUSR1, on_sigusr1, "cnprocd-sigusr1", &m->sigusr1_src);
	if (r >= 0 && m->debug_stall)
		r = add_signal(m, SIGUSR2, on_sigusr2, "cnprocd-sigusr2", &m->sigusr2_src);
	if (r < 0)
		return r;

	r = sd_event_add_time(m->event, &m->resync_timer, CLOCK_MONOTONIC, USEC_INFINITY, 0,
			      on_resync_timer, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the resync timer: %m");
	(void)sd_event_source_set_description(m->resync_timer, "cnprocd-resync");
	(void)sd_event_source_set_enabled(m->resync_timer, SD_EVENT_OFF);

	r = sd_event_add_time_relative(m->event, &m->report_timer, CLOCK_MONOTONIC,
				       REPORT_INTERVAL_USEC, 0, on_report_timer, m);
	if (r < 0)
		return log_error_errno(r, "Failed to add the report timer: %m");
	(void)sd_event_source_set_description(m->report_timer, "cnprocd-report");
	(void)sd_event_source_set_enabled(m->report_timer, SD_EVENT_ON);

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

static void record_stopping(Manager *m)
{
	const NetlinkStats *s = netlink_stats(m->nl);
	uint64_t total = manager_events_total(m);
	Record r;

	if (record_begin(&r, LOG_INFO, CNPROCD_MESSAGE_STOPPING) < 0)
		return;
	record_message(&r, "Stopped: %llu events received (%llu fork, %llu exec, %llu exit), "
		       "%llu records written, %llu ignored, %llu suppressed, %llu thread "
		       "events folded, %llu malformed, %llu unknown, %llu overflows, %llu lost "
		       "in sequence, %zu processes tracked.",
		       (unsigned long long)total, (unsigned long long)m->n_events[PROC_EV_FORK],
		       (unsigned long long)m->n_events[PROC_EV_EXEC],
		       (unsigned long long)m->n_events[PROC_EV_EXIT],
		       (unsigned long long)m->n_records, (unsigned long long)m->n_ignored,
		       (unsigned long long)m->n_suppressed, (unsigned long long)m->n_thread_events,
		       (unsigned long long)s->n_malformed, (unsigned long long)s->n_unknown,
		       (unsigned long long)s->n_enobufs, (unsigned long long)s->n_seq_lost,
		       proctable_size(m->table));
	record_field(&r, "CNPROCD_EVENTS=%llu", (unsigned long long)total);
	record_field(&r, "CNPROCD_RECORDS=%llu", (unsigned long long)m->n_records);
	record_field(&r, "CNPROCD_IGNORED=%llu", (unsigned long long)m->n_ignored);
	record_field(&r, "CNPROCD_SUPPRESSED=%llu", (unsigned long long)m->n_suppressed);
	record_field(&r, "CNPROCD_MALFORMED=%llu", (unsigned long long)s->n_malformed);
	record_field(&r, "CNPROCD_UNKNOWN=%llu", (unsigned long long)s->n_unknown);
	record_field(&r, "CNPROCD_FOREIGN=%llu", (unsigned long long)s->n_foreign);
	record_field(&r, "CNPROCD_TABLE_FULL=%llu",
		     (unsigned long long)proctable_stats(m->table)->n_full);
	record_field(&r, "CNPROCD_PID_REUSED=%llu",
		     (unsigned long long)proctable_stats(m->table)->n_reused);
	record_field(&r, "CNPROCD_ENOBUFS=%llu", (unsigned long long)s->n_enobufs);
	record_field(&r, "CNPROCD_SEQ_LOST=%llu", (unsigned long long)s->n_seq_lost);
	record_field(&r, "CNPROCD_RELOADS=%llu", (unsigned long long)m->n_reloads);
	(void)record_send(&r, m->record_target);
}

int manager_run(Manager *m)
{
	int r, k;

	if (m->dump) {
		/* apply whatever arrived during the scan so the table is current */
		r = netlink_receive(m->nl, UINT32_MAX >> 1, on_proc_event, m);
		if (r < 0)
			return log_error_errno(r, "Failed to receive events: %m");
		manager_dump(m);
		(void)netlink_unsubscribe(m->nl);
		return 0;
	}

	r = sd_event_loop(m->event);
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");

	/* an episode still open is reported, not forgotten */
	manager_check_loss(m);
	{
		LossEpisode e;

		if (loss_close(&m->loss, &e))
			record_loss(m, &e);
	}
	/* tell the kernel we stopped listening, so it can stop generating events */
	close_prefetch(m);
	m->stopping = true;
	k = netlink_unsubscribe(m->nl);
	if (k < 0)
		log_warning_errno(k, "Failed to unsubscribe from process events: %m");
	else
		log_debug("Unsubscribed from process events (PROC_CN_MCAST_IGNORE sent).");
	monitor_close_subscribers(m);
	report_suppressed(m);
	report_journal_drops(m);
	record_stopping(m);
	jwriter_stop(JOURNAL_STOP_USEC);
	return r;
}
