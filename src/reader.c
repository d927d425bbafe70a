/* SPDX-License-Identifier: GPL-2.0-or-later */
/* When the connector socket is read: batches and the exec prefetch (reader.h). */
#include <errno.h>

#include "log.h"
#include "reader.h"
#include "util.h"

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

static int collect_event(const ProcEvent *ev, void *userdata)
{
	Reader *rd = userdata;

	if (rd->n_batch >= ELEMENTSOF(rd->batch)) {
		rd->ops->event(ev, NULL, rd->userdata);
		return 0;
	}
	rd->batch[rd->n_batch++] = *ev;
	return 0;
}

static void close_prefetch(Reader *rd)
{
	rd->prefetch_src = sd_event_source_disable_unref(rd->prefetch_src);
	if (rd->nl_exec)
		(void)netlink_unsubscribe(rd->nl_exec);
	rd->nl_exec = netlink_free(rd->nl_exec);
	prefetch_done(&rd->prefetch);
}

static int on_prefetch_event(const ProcEvent *ev, void *userdata)
{
	Reader *rd = userdata;
	ProcSnapshot *snap;

	if (ev->type != PROC_EV_EXEC || ev->pid != ev->tgid)
		return 0;
	snap = prefetch_slot(&rd->prefetch, ev->tgid, ev->timestamp_ns);
	if (snap)
		(void)proctable_prefetch(rd->table, ev->tgid, snap);
	return 0;
}

static int on_prefetch(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Reader *rd = userdata;
	int r;

	r = netlink_receive(rd->nl_exec, NETLINK_BATCH, on_prefetch_event, rd);
	if (r < 0) {
		/* only an optimisation: without it execs are read when their batch is */
		log_warning_errno(r, "The exec prefetch socket failed, going on without: %m");
		close_prefetch(rd);
	}
	return 0;
}

/* Read what the prefetch socket has queued, without waiting for it to wake us. */
static void read_prefetch(Reader *rd)
{
	if (rd->prefetch_src)
		(void)on_prefetch(rd->prefetch_src, -1, EPOLLIN, rd);
}

/* ...if the last look was a while ago. */
static void poll_prefetch(Reader *rd, usec_t *last)
{
	if (!rd->prefetch_src || now_usec(CLOCK_MONOTONIC) - *last < PREFETCH_POLL_USEC)
		return;
	read_prefetch(rd);
	*last = now_usec(CLOCK_MONOTONIC);
}

/* A batch in two passes: first /proc is read for every exec in it (a short-lived
 * program may be gone by the time the events before it are matched and written
 * out), then the events are applied in order. */
static void handle_batch(Reader *rd)
{
	usec_t polled = now_usec(CLOCK_MONOTONIC);
	size_t n = rd->n_batch;

	for (size_t i = 0; i < n; i++) {
		const ProcEvent *ev = &rd->batch[i];
		bool forked_here = false;

		rd->snaps[i].result = -ENODATA;
		if (ev->type != PROC_EV_EXEC)
			continue;
		/* read when it happened, if the prefetch socket saw it */
		if (rd->nl_exec &&
		    prefetch_take(&rd->prefetch, ev->tgid, ev->timestamp_ns, &rd->snaps[i]))
			continue;
		/* its fork earlier in this batch: the parent's ids will be inherited */
		for (size_t j = 0; j < i && !forked_here; j++)
			forked_here = rd->batch[j].type == PROC_EV_FORK &&
				      rd->batch[j].pid == ev->tgid &&
				      proctable_get(rd->table, rd->batch[j].fork.parent_tgid);
		(void)proctable_snapshot(rd->table, ev->tgid, forked_here, &rd->snaps[i]);
	}
	for (size_t i = 0; i < n; i++) {
		rd->ops->event(&rd->batch[i],
			       rd->batch[i].type == PROC_EV_EXEC ? &rd->snaps[i] : NULL,
			       rd->userdata);
		proc_snapshot_done(&rd->snaps[i]);
		poll_prefetch(rd, &polled);
	}
	/* a snapshot whose event should long have come: that event was lost here */
	if (rd->nl_exec && n > 0 && rd->batch[n - 1].timestamp_ns > PREFETCH_MAX_AGE_NS)
		prefetch_expire(&rd->prefetch, rd->batch[n - 1].timestamp_ns - PREFETCH_MAX_AGE_NS);
	rd->n_batch = 0;
}

/* Read and handle one batch: the number of datagrams, or < 0 (the loop is told to
 * exit: deaf is worse than dead, Restart= brings us back). */
static int receive_batch(Reader *rd)
{
	int r;

	/* execs delivered before this batch are read first, so their snapshots wait */
	read_prefetch(rd);
	/* a queue that filled up this much while we waited would overflow if we
	 * waited as long again: read as events come until it does not */
	if (rd->batch_delay > 0)
		rd->queue_pressed = netlink_queue_percent(rd->nl) > QUEUE_PRESSED_PERCENT;
	rd->n_batch = 0;
	r = netlink_receive(rd->nl, NETLINK_BATCH, collect_event, rd);
	handle_batch(rd);
	if (r < 0) {
		log_error_errno(r, "Failed to receive from the proc connector: %m");
		(void)sd_event_exit(rd->event, r);
		return r;
	}
	rd->ops->batch_done(rd->userdata);
	return r;
}

/* Waking up for every event costs more than handling it: once events flow, they
 * are left to gather for batch-delay and read together; the first quiet read
 * goes back to waiting on the socket. Execs do not wait: the prefetch socket
 * reads their /proc data at once. */
static void set_batching(Reader *rd, bool on, usec_t delay)
{
	if (on) {
		(void)sd_event_source_set_time_relative(rd->batch_timer, delay);
		(void)sd_event_source_set_enabled(rd->batch_timer, SD_EVENT_ONESHOT);
	} else
		(void)sd_event_source_set_enabled(rd->batch_timer, SD_EVENT_OFF);
	if (on != rd->batching)
		(void)sd_event_source_set_enabled(rd->netlink_src, on ? SD_EVENT_OFF : SD_EVENT_ON);
	rd->batching = on;
}

/* After a batch of r datagrams: when to read next. */
static void schedule_next(Reader *rd, int r)
{
	if (r < 0)
		return;
	if (r == NETLINK_BATCH)
		/* more queued: go on right after whatever else is waiting */
		set_batching(rd, true, 0);
	else if (r > 0 && rd->batch_delay > 0 && !rd->queue_pressed)
		set_batching(rd, true, rd->batch_delay);
	else
		set_batching(rd, false, 0);
}

static int on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	schedule_next(userdata, receive_batch(userdata));
	return 0;
}

static int on_batch_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	schedule_next(userdata, receive_batch(userdata));
	return 0;
}

int reader_start(Reader *rd, sd_event *event, Netlink *nl, ProcTable *table,
		 const ReaderOps *ops, void *userdata)
{
	int r;

	rd->event = event;
	rd->nl = nl;
	rd->table = table;
	rd->ops = ops;
	rd->userdata = userdata;

	r = sd_event_add_io(event, &rd->netlink_src, netlink_fd(nl), EPOLLIN, on_netlink, rd);
	if (r < 0)
		return log_error_errno(r, "Failed to watch the connector socket: %m");
	(void)sd_event_source_set_description(rd->netlink_src, "cnprocd-netlink");
	/* events first: a short-lived process must be read before it is gone, even
	 * while a client waits for a big reply */
	(void)sd_event_source_set_priority(rd->netlink_src, SD_EVENT_PRIORITY_IMPORTANT);

	r = sd_event_add_time_relative(event, &rd->batch_timer, CLOCK_MONOTONIC, 0,
				       BATCH_TIMER_ACCURACY_USEC, on_batch_timer, rd);
	if (r < 0)
		return log_error_errno(r, "Failed to add the batch timer: %m");
	(void)sd_event_source_set_description(rd->batch_timer, "cnprocd-batch");
	(void)sd_event_source_set_priority(rd->batch_timer, SD_EVENT_PRIORITY_IMPORTANT);
	(void)sd_event_source_set_enabled(rd->batch_timer, SD_EVENT_OFF);
	return 0;
}

void reader_set_batch_delay(Reader *rd, usec_t delay)
{
	rd->batch_delay = delay;
}

static int discard_event(const ProcEvent *ev, void *userdata)
{
	return 0;
}

/* A second subscription, EXEC only, read the moment an exec happens: the main
 * socket can then be read in batches without losing short-lived programs' argv. */
static void open_prefetch(Reader *rd, uint64_t rcvbuf, usec_t ack_timeout)
{
	int r;

	r = prefetch_init(&rd->prefetch, PREFETCH_CAPACITY);
	if (r < 0)
		goto fail;
	r = netlink_open(MIN(rcvbuf, PREFETCH_RCVBUF), &rd->nl_exec);
	if (r < 0)
		goto fail;
	r = netlink_subscribe(rd->nl_exec, ack_timeout, discard_event, rd);
	if (r < 0)
		goto fail;
	r = netlink_set_exec_only(rd->nl_exec);
	if (r < 0)
		goto fail;
	r = sd_event_add_io(rd->event, &rd->prefetch_src, netlink_fd(rd->nl_exec), EPOLLIN,
			    on_prefetch, rd);
	if (r < 0)
		goto fail;
	(void)sd_event_source_set_description(rd->prefetch_src, "cnprocd-prefetch");
	/* before anything else: the process may be gone a millisecond later */
	(void)sd_event_source_set_priority(rd->prefetch_src, SD_EVENT_PRIORITY_IMPORTANT - 10);
	return;
fail:
	log_warning_errno(r, "No exec prefetch socket (execs are read in their batch): %s",
			  netlink_strerror(r));
	close_prefetch(rd);
}

void reader_set_prefetch(Reader *rd, bool on, uint64_t rcvbuf, usec_t ack_timeout)
{
	if (on && !rd->nl_exec)
		open_prefetch(rd, rcvbuf, ack_timeout);
	else if (!on)
		close_prefetch(rd);
}

uint64_t reader_prefetch_overflows(const Reader *rd)
{
	return rd->nl_exec ? netlink_stats(rd->nl_exec)->n_enobufs : 0;
}

void reader_done(Reader *rd)
{
	close_prefetch(rd);
	rd->netlink_src = sd_event_source_disable_unref(rd->netlink_src);
	rd->batch_timer = sd_event_source_disable_unref(rd->batch_timer);
}
