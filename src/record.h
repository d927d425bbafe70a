/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One event with what the daemon knows and decided about it: what every output
 * (fields.h) is rendered from. */

#include <stdbool.h>
#include <stdint.h>

#include "cnproc.h"
#include "proctable.h"

#define LIFETIME_UNKNOWN UINT64_MAX

typedef struct EventRecord {
	const ProcEvent *ev;
	const Process *proc;   /* the subject; NULL if not tracked (table full) */
	const Process *parent; /* its parent if tracked */
	const ProcTable *table; /* for its ancestors; NULL: none in the record */
	const char *boot_id;   /* this boot's id (128 bits in hex), NULL unknown */
	const char *user;      /* user name of proc's euid, NULL if none */
	const char *login_user; /* user name of proc's audit login uid, NULL if none */
	uint64_t lifetime_ns;  /* EXIT only; LIFETIME_UNKNOWN if the start is unknown */
	uint64_t realtime_usec; /* wall clock of the event */
	bool record_argv;
	const char *rule;      /* the rule that matched, NULL for the default action */
	int priority;          /* syslog priority of the record */
	/* an exec recorded by a rule with record-exit: that rule (1-based index), to
	 * be kept with the process for its exit; 0: none */
	uint16_t exit_rule;
	/* COMM: the name before the change (the table has the new one by now);
	 * NULL: unknown */
	const char *old_comm;
} EventRecord;
