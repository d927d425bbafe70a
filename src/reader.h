/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * When the connector socket is read: as events come while it is quiet, in
 * batches every batch-delay once events flow; and the exec prefetch, a second
 * subscription for EXEC only that is read the moment an exec happens so a
 * short-lived program's /proc is snapshotted before it is gone. Events are
 * handed on in the kernel's order, each exec with its snapshot.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "netlink.h"
#include "prefetch.h"
#include "proctable.h"

/* Datagrams per wakeup: bounded so signals and other sources are not starved. */
#define NETLINK_BATCH 256

typedef struct ReaderOps {
	/* one event, in order; snap: an exec's /proc snapshot, else NULL */
	void (*event)(const ProcEvent *ev, ProcSnapshot *snap, void *userdata);
	/* after each read of the main socket (loss checks, flushing output) */
	void (*batch_done)(void *userdata);
} ReaderOps;

typedef struct Reader {
	sd_event *event;
	Netlink *nl;             /* the main socket: borrowed */
	Netlink *nl_exec;        /* the prefetch socket: EXEC only; NULL if unavailable */
	ProcTable *table;
	const ReaderOps *ops;
	void *userdata;

	sd_event_source *netlink_src;  /* "cnprocd-netlink" */
	sd_event_source *batch_timer;  /* "cnprocd-batch": reads a busy socket in batches */
	sd_event_source *prefetch_src; /* "cnprocd-prefetch": execs, read at once */
	usec_t batch_delay;
	bool batching;           /* the socket is read by batch_timer, not when readable */
	bool queue_pressed;      /* it was filling up: read it as events come */
	Prefetch prefetch;

	/* one batch of events from the socket, and the /proc snapshots of its execs */
	ProcEvent batch[NETLINK_BATCH];
	ProcSnapshot snaps[NETLINK_BATCH];
	size_t n_batch;
} Reader;

/* Start reading nl (subscribed already) on event. */
int reader_start(Reader *rd, sd_event *event, Netlink *nl, ProcTable *table,
		 const ReaderOps *ops, void *userdata);
void reader_set_batch_delay(Reader *rd, usec_t delay);
/* Open (subscribe) or close (unsubscribe) the exec prefetch socket. */
void reader_set_prefetch(Reader *rd, bool on, uint64_t rcvbuf, usec_t ack_timeout);
uint64_t reader_prefetch_overflows(const Reader *rd);
/* Stop reading; the prefetch subscription is ended. */
void reader_done(Reader *rd);
