/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The daemon's own records, as opposed to process events: started, rules
 * loaded, reload failed, records suppressed, journal records dropped, events
 * lost, stopping. Each is given the figures it reports, never the Manager, and
 * goes to the journal or, on the console, to stderr as a log line.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conffile.h"
#include "log.h"
#include "loss.h"
#include "stats.h"

void report_started(LogTarget t, uint64_t rcvbuf_requested, const DaemonStats *s);
/* requests: the reload requests served (0: loaded at startup); restart_keys:
 * settings whose new value waits for a restart (reload only) */
void report_rules_loaded(LogTarget t, const Config *c, const char *path, unsigned requests,
			 const char *const *restart_keys, size_t n_restart_keys);
void report_reload_failed(LogTarget t, size_t n_rules, const ConfigError *err,
			  unsigned requests);
/* Every rule's records suppressed since the last report (and the default's): nothing
 * is silently missing. */
void report_suppressed(LogTarget t, Config *c);
void report_journal_dropped(LogTarget t, uint64_t n, uint64_t total);
void report_loss(LogTarget t, const LossEpisode *e, const DaemonStats *s);
/* The table filled up (refused: processes not tracked so far), or has room again
 * (refused: while it was full). */
void report_table(LogTarget t, bool full, const DaemonStats *s, uint64_t refused);
void report_stopping(LogTarget t, const DaemonStats *s);
