/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The journal writer: records go to journald from a thread of their own, through
 * a bounded queue, so a journald that is stopped or overloaded can never block
 * the event loop (sd_journal_sendv blocks once journald's socket queue is full,
 * and then the connector socket would overflow and the watchdog would fire).
 * A full queue drops the record and counts it; the daemon reports the count.
 *
 * This is process-wide state, like libsystemd's own journal socket: daemon log
 * messages (log.c) and records share the one queue, so they stay in order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "macro.h"

typedef struct JournalWriterStats {
	uint64_t n_queued;   /* accepted into the queue */
	uint64_t n_written;  /* accepted by journald */
	uint64_t n_failed;   /* journald refused them (sd_journal_sendv error) */
	uint64_t n_dropped;  /* the queue was full: never written */
	size_t queued;       /* in the queue now */
	size_t queued_bytes;
	size_t max_queued;   /* high-water mark */
} JournalWriterStats;

/* Start the thread (idempotent). Call with the daemon's signals blocked. */
int jwriter_start(size_t max_records, size_t max_bytes);
/* Wait at most timeout until journald has taken what is queued; false if not. */
bool jwriter_flush(usec_t timeout);
/* Flush what is queued, waiting at most timeout for journald; then stop. */
void jwriter_stop(usec_t timeout);
bool jwriter_running(void);
/* Queue one record (copied). -ENOBUFS: the queue is full, counted as dropped.
 * Without a running writer the record is sent directly. */
int jwriter_sendv(const struct iovec *iov, size_t n);
void jwriter_get_stats(JournalWriterStats *ret);
