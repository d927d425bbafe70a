/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The io.cnprocd.Monitor varlink interface: the process table, the rules and the
 * daemon's counters, read-only except Reload, and a live event feed. A leaf: it
 * reaches the daemon only through the operations table it is given, and reads
 * the table and configuration it is handed.
 */

#include "activity.h"
#include "conffile.h"
#include "format.h"
#include "proctable.h"
#include "stats.h"
#include "varlink.h"

typedef struct Monitor Monitor;

typedef struct MonitorOps {
	/* the daemon's counters, brought up to date */
	void (*get_stats)(void *userdata, DaemonStats *ret);
	/* re-read the configuration; < 0 and *ret_err on failure; the names of
	 * settings that wait for a restart in *ret_restart (static strings) */
	int (*reload)(void *userdata, ConfigError *ret_err, const char **ret_restart,
		      size_t max_restart, size_t *ret_n_restart);
	/* the event types subscribers want have changed */
	void (*subscriptions_changed)(void *userdata);
	/* the activity counters (GetActivity), and now on their clock */
	const Activity *(*activity)(void *userdata, uint64_t *ret_now_sec);
} MonitorOps;

/* Served with the Monitor as the varlink server's userdata. */
extern const VarlinkInterface monitor_interface;

/* table and config are read as they are at each call (config is replaced in place
 * on reload). */
int monitor_new(const MonitorOps *ops, void *userdata, ProcTable *table, const Config *config,
		Monitor **ret);
/* Ends every subscription with a final reply; the ops are not called. */
Monitor *monitor_free(Monitor *mon);
DEFINE_TRIVIAL_CLEANUP_FUNC(Monitor *, monitor_free);

bool monitor_has_subscribers(const Monitor *mon);
/* Send one event to every subscriber whose filter it passes. */
void monitor_broadcast(Monitor *mon, const EventRecord *rec);
/* Event types the subscribers want (bit 1 << ProcEventType), 0 if none. */
uint32_t monitor_subscribed_types(const Monitor *mon);
