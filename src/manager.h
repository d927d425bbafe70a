/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The Manager owns the event loop and every source, the connector socket, the
 * process table and the configuration. No globals: everything hangs off it. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conffile.h"
#include "loss.h"
#include "macro.h"
#include "netlink.h"
#include "prefetch.h"
#include "proctable.h"
#include "varlink.h"

/* Datagrams per wakeup: bounded so signals and other sources are not starved. */
#define NETLINK_BATCH 256

typedef enum OutputMode {
	OUTPUT_CONSOLE, /* one readable line per record on stdout */
	OUTPUT_JSON,    /* one JSON object per line on stdout */
	OUTPUT_JOURNAL, /* structured records to journald */
} OutputMode;

typedef struct ManagerOptions {
	const char *config_path;
	bool config_required;    /* given explicitly: missing is an error */
	ConfigOverrides overrides;
	bool json;
	const char *proc_root;   /* "/proc" unless testing */
	bool dump;               /* print the table after the initial scan, then exit */
	usec_t ack_timeout;
	int log_level;
	bool debug_stall;        /* testing only: SIGUSR2 blocks the event loop */
} ManagerOptions;

typedef struct Manager {
	sd_event *event;
	sd_event_source *netlink_src;  /* "cnprocd-netlink" */
	sd_event_source *sigint_src;   /* "cnprocd-sigint" */
	sd_event_source *sigterm_src;  /* "cnprocd-sigterm" */
	sd_event_source *sighup_src;   /* "cnprocd-sighup": reload */
	sd_event_source *sigusr1_src;  /* "cnprocd-sigusr1": dump the table */
	sd_event_source *report_timer; /* "cnprocd-report": suppressed counts, STATUS= */
	sd_event_source *sigusr2_src;  /* "cnprocd-sigusr2": debug stall, tests only */
	sd_event_source *resync_timer; /* "cnprocd-resync": closes a loss episode */
	sd_event_source *batch_timer;  /* "cnprocd-batch": reads a busy socket in batches */
	sd_event_source *prefetch_src; /* "cnprocd-prefetch": execs, read at once */

	Netlink *nl;
	Netlink *nl_exec;        /* the prefetch socket: EXEC only; NULL if unavailable */
	Prefetch prefetch;
	bool batching;           /* the socket is read by batch_timer, not when readable */
	bool queue_pressed;      /* it was filling up: read it as events come */
	ProcTable *table;
	VarlinkServer *varlink;
	struct Subscriber *subscribers; /* io.cnprocd.Monitor.Subscribe calls */
	unsigned n_subscribers;

	Config config;
	char *config_path;
	bool config_required;
	ConfigOverrides overrides;
	bool json;
	OutputMode output;
	LogTarget record_target; /* where daemon records go: journal or console */
	int log_level;
	bool dump;
	bool debug_stall;
	usec_t ack_timeout;
	FILE *out;
	bool need_cmdline;       /* some rule matches on cmdline */

	usec_t start_usec;       /* CLOCK_MONOTONIC */
	uint64_t n_events[_PROC_EV_MAX];
	uint64_t n_records;      /* records written */
	uint64_t n_ignored;      /* events an ignore action (or the default) dropped */
	uint64_t n_suppressed;   /* records dropped by rate limits */
	uint64_t n_thread_events; /* folded into their process */
	uint64_t n_output_errors;
	uint64_t n_reloads, n_reload_failures;
	uint64_t n_resyncs;
	uint64_t last_enobufs;
	int64_t drops_base;      /* the kernel's drop count when counting began */
	uint64_t gaps_base;
	LossTracker loss;
	bool stopping;           /* unsubscribed: the filter is not touched again */
	uint64_t journal_dropped_reported;
	/* one batch of events from the socket, and the /proc snapshots of its execs */
	ProcEvent batch[NETLINK_BATCH];
	ProcSnapshot snaps[NETLINK_BATCH];
	size_t n_batch;
} Manager;

int manager_new(const ManagerOptions *o, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Subscribe, scan /proc, wire the sources. Errors are logged. */
int manager_start(Manager *m);
/* Run until SIGINT/SIGTERM; then unsubscribe and log the final counters. */
int manager_run(Manager *m);
/* Re-read the configuration (SIGHUP, varlink Reload); a bad one keeps the current
 * rules, and if ret_err is given says why there. */
int manager_reload(Manager *m, ConfigError *ret_err);
uint64_t manager_events_total(const Manager *m);
uint64_t manager_events_lost(const Manager *m);
uint64_t manager_kernel_drops(const Manager *m);
/* Bring the loss count up to date with the kernel's (read between batches, so
 * GetStats first asks: lost_events and kernel_drops then agree). */
void manager_check_loss(Manager *m);
/* Tell the kernel which events are wanted now (rules, subscribers, threads). */
void manager_update_filter(Manager *m);
/* Print the process table to the output (SIGUSR1, --dump). */
void manager_dump(Manager *m);
