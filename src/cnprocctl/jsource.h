/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * cnprocd's records from the journal, for log, tree and report: the journals the
 * command line names (the local system journal, -D DIR, --file FILE..., -m), the
 * exact-value filters as journal matches (indexed), the window (--since,
 * --until, -b) and the glob filters applied to what the matches select. Entries
 * that carry cnprocd's MESSAGE_ID but are not well-formed records are skipped
 * and counted.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

#include "cnprocctl.h"
#include "jrecord.h"

typedef struct JSource JSource;

/* What to read besides the process events the filters select. */
enum {
	JSOURCE_LOST = 1 << 0,       /* lost-events episodes */
	JSOURCE_SUPPRESSED = 1 << 1, /* rate limits' suppressed counts */
	JSOURCE_STARTED = 1 << 2,    /* daemon starts */
};

/* Opens the journals and sets the matches; on failure says why (log_error) and
 * returns the exit status (EXIT_PERMISSION, EXIT_FAILURE, EXIT_USAGE). */
int jsource_open(JSource **ret, const Args *a, unsigned extra);
void jsource_close(JSource *s);

/* The next record in the window that passes the filters, oldest first (newest
 * first with a->reverse): 1, with *ret valid until the next call; 0 at the end
 * (with a->follow: waits for more, never 0); < 0 on error. */
int jsource_next(JSource *s, const JRecord **ret);

/* The entry under the cursor (for log's output). */
sd_journal *jsource_journal(JSource *s);

/* Called with each data item "NAME=value" of each entry read (data NULL: a new
 * entry begins), in the same pass that parses it: log builds its JSON there
 * instead of reading the entry twice. < 0 stops jsource_next() with it. */
typedef int (*JSourceItemFunc)(JSource *s, const void *data, size_t len, void *userdata);
void jsource_set_item_func(JSource *s, JSourceItemFunc f, void *userdata);

/* Whether the journals opened hold entries of more than one machine (whatever the
 * filters): then records get their host shown. */
bool jsource_several_machines(JSource *s);

/* Entries skipped as malformed so far, and the first one's reason. */
unsigned long long jsource_malformed(const JSource *s, const char **ret_why);

/* "N malformed entries skipped (first: WHY)" on stderr, if any. */
void jsource_report_malformed(const JSource *s);
