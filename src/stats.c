/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The counters' one list, rendered for GetStats and the stop record (stats.h). */
#include <stddef.h>

#include "journal.h"
#include "macro.h"
#include "stats.h"

typedef enum StatType {
	STAT_COUNT,  /* uint64_t */
	STAT_FLAG,   /* bool */
	STAT_EVENTS, /* uint64_t[_PROC_EV_MAX]: an object by event type */
	STAT_TYPES,  /* uint32_t mask of event types: an array of their names */
} StatType;

typedef struct StatField {
	const char *key;     /* in GetStats; NULL: not there */
	const char *journal; /* in the stop record; NULL: not there */
	StatType type;
	size_t offset;
} StatField;

#define COUNT(k, j) { #k, j, STAT_COUNT, offsetof(DaemonStats, k) }
#define FLAG(k) { #k, NULL, STAT_FLAG, offsetof(DaemonStats, k) }

/* In the order GetStats has always listed them. */
static const StatField stat_fields[] = {
	COUNT(uptime_usec, NULL),
	{ "events", NULL, STAT_EVENTS, offsetof(DaemonStats, events) },
	{ NULL, "CNPROCD_EVENTS", STAT_COUNT, offsetof(DaemonStats, events_total) },
	COUNT(thread_events_folded, NULL),
	COUNT(records_logged, "CNPROCD_RECORDS"),
	COUNT(records_suppressed, "CNPROCD_SUPPRESSED"),
	COUNT(records_ignored, "CNPROCD_IGNORED"),
	COUNT(records_failed, "CNPROCD_RECORDS_FAILED"),
	COUNT(lost_events, NULL),
	COUNT(kernel_drops, NULL),
	COUNT(enobufs, "CNPROCD_ENOBUFS"),
	COUNT(sequence_gaps, "CNPROCD_SEQ_LOST"),
	COUNT(resyncs, NULL),
	COUNT(malformed_messages, "CNPROCD_MALFORMED"),
	COUNT(unknown_messages, "CNPROCD_UNKNOWN"),
	COUNT(foreign_messages, "CNPROCD_FOREIGN"),
	COUNT(processes, NULL),
	COUNT(table_full, "CNPROCD_TABLE_FULL"),
	COUNT(max_processes, NULL),
	FLAG(table_is_full),
	COUNT(rules, NULL),
	COUNT(reloads, "CNPROCD_RELOADS"),
	COUNT(reload_failures, NULL),
	COUNT(clients, NULL),
	COUNT(receive_buffer, NULL),
	{ "kernel_filter", NULL, STAT_TYPES, offsetof(DaemonStats, kernel_filter) },
	FLAG(kernel_filter_supported),
	FLAG(thread_filter),
	FLAG(sequence_checked),
	COUNT(pid_reused, "CNPROCD_PID_REUSED"),
	COUNT(pid_mismatch, NULL),
	COUNT(proc_vanished, NULL),
	COUNT(process_id_reads, NULL),
	COUNT(process_id_mispredicted, NULL),
	COUNT(journal_queued, NULL),
	COUNT(journal_written, NULL),
	COUNT(journal_dropped, NULL),
	COUNT(journal_failed, NULL),
	COUNT(varlink_accepted, NULL),
	COUNT(varlink_refused, NULL),
	COUNT(varlink_protocol_errors, NULL),
	COUNT(varlink_oversized, NULL),
	COUNT(varlink_idle, NULL),
	COUNT(batch_delay_usec, NULL),
	FLAG(exec_prefetch),
	COUNT(prefetch_used, NULL),
	COUNT(prefetch_missed, NULL),
	COUNT(prefetch_evicted, NULL),
	COUNT(prefetch_overflows, NULL),
};

static const void *field_of(const DaemonStats *s, const StatField *f)
{
	return (const char *)s + f->offset;
}

static uint64_t count_of(const DaemonStats *s, const StatField *f)
{
	return *(const uint64_t *)field_of(s, f);
}

static json_t *stat_json(const DaemonStats *s, const StatField *f)
{
	json_t *v;

	switch (f->type) {
	case STAT_COUNT:
		return json_integer((json_int_t)count_of(s, f));
	case STAT_FLAG:
		return json_boolean(*(const bool *)field_of(s, f));
	case STAT_EVENTS: {
		const uint64_t *n = field_of(s, f);

		if (!(v = json_object()))
			return NULL;
		for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++)
			if (json_object_set_new(v, proc_event_type_to_string(t),
						json_integer((json_int_t)n[t])) < 0)
				goto fail;
		return v;
	}
	case STAT_TYPES: {
		uint32_t mask = *(const uint32_t *)field_of(s, f);

		if (!(v = json_array()))
			return NULL;
		for (int t = PROC_EV_FORK; t < _PROC_EV_MAX; t++)
			if ((mask & (1U << t)) &&
			    json_array_append_new(v, json_string(proc_event_type_to_string(t))) < 0)
				goto fail;
		return v;
	}
	}
	return NULL;
fail:
	json_decref(v);
	return NULL;
}

json_t *stats_to_json(const DaemonStats *s)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(stat_fields); i++) {
		const StatField *f = &stat_fields[i];

		if (f->key && json_object_set_new(o, f->key, stat_json(s, f)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

void stats_to_record(const DaemonStats *s, Record *r)
{
	for (size_t i = 0; i < ELEMENTSOF(stat_fields); i++)
		if (stat_fields[i].journal)
			record_field(r, "%s=%llu", stat_fields[i].journal,
				     (unsigned long long)count_of(s, &stat_fields[i]));
}
