/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The daemon's counters as one snapshot, and the one list of them: GetStats,
 * the stop record and STATUS= are all made from a DaemonStats, so a counter is
 * added in one place.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cnproc.h"

typedef struct Record Record;

typedef struct DaemonStats {
	uint64_t uptime_usec;
	uint64_t events[_PROC_EV_MAX];  /* received, by type */
	uint64_t events_total;
	uint64_t thread_events_folded;
	uint64_t records_logged, records_suppressed, records_ignored, records_failed;
	uint64_t lost_events, kernel_drops, enobufs, sequence_gaps, resyncs;
	uint64_t malformed_messages, unknown_messages, foreign_messages;
	uint64_t processes, table_full, max_processes;
	bool table_is_full;             /* now: new processes are refused */
	uint64_t rules, reloads, reload_failures;
	uint64_t clients, receive_buffer;
	uint32_t kernel_filter;         /* types the kernel sends: 1 << ProcEventType */
	bool kernel_filter_supported, thread_filter, sequence_checked;
	uint64_t pid_reused, pid_mismatch, proc_vanished;
	uint64_t process_id_reads, process_id_mispredicted;
	uint64_t journal_queued, journal_written, journal_dropped, journal_failed;
	uint64_t varlink_accepted, varlink_refused, varlink_protocol_errors, varlink_oversized,
		 varlink_idle;
	uint64_t batch_delay_usec;
	bool exec_prefetch;
	uint64_t prefetch_used, prefetch_missed, prefetch_evicted, prefetch_overflows;
} DaemonStats;

/* io.cnprocd.Monitor's GetStats reply; NULL on allocation failure. */
json_t *stats_to_json(const DaemonStats *s);
/* The counters the stop record carries, as CNPROCD_* fields. */
void stats_to_record(const DaemonStats *s, Record *r);
