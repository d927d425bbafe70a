/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the daemon makes of one event, decided without any I/O: whether it is a
 * thread event to fold, the record's priority and rule (first match wins, else
 * the default action), whether a rate limit suppresses it, and which event types
 * the kernel must deliver for the rules and subscribers in force.
 */

#include <stdbool.h>
#include <stdint.h>

#include "conffile.h"
#include "format.h"
#include "rules.h"

typedef enum Verdict {
	VERDICT_LOG,        /* write the record */
	VERDICT_IGNORE,     /* an ignore action (or the default) dropped it */
	VERDICT_SUPPRESSED, /* a rate limit dropped it */
} Verdict;

/* Folded into its process unless threads are reported (a coredump is the whole
 * process's, whichever thread faulted). */
bool pipeline_is_thread_event(const ProcEvent *ev);

/* Fill the record of ev about p (NULL: untracked) from what the table knows. */
void pipeline_record(EventRecord *rec, const ProcEvent *ev, const Process *p,
		     const Process *parent, const char *user, const char *login_user,
		     uint64_t realtime_usec, bool record_argv);

/* What the rules match on that costs something to gather per event: the command
 * line (built from argv), the ancestors (a walk of the table, 128 at most). */
enum {
	PIPELINE_NEEDS_CMDLINE = 1 << 0,
	PIPELINE_NEEDS_ANCESTORS = 1 << 1,
};
#define PIPELINE_ANCESTORS_MAX 128
unsigned pipeline_needs(const Config *c);

/* Match rec against the rules at now (CLOCK_MONOTONIC): sets rec->rule and
 * rec->priority, counts the rule's hits, takes from its rate limit. needs:
 * pipeline_needs() of c. */
Verdict pipeline_decide(Config *c, unsigned needs, EventRecord *rec, usec_t now);

/* Event types the daemon needs delivered (1 << ProcEventType): the table's, the
 * logging rules', the subscribers'. An ignore rule needs nothing. */
uint32_t pipeline_wanted_types(const Config *c, uint32_t subscribed);
