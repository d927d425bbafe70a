/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The Manager: the daemon's lifecycle and wiring. It owns the event loop, the
 * connector socket, the process table and the configuration, subscribes and
 * scans at start, hands each event through the pipeline to the outputs, counts,
 * reloads, and serves io.cnprocd.Monitor through a Monitor it gives an
 * operations table. Its state hangs off this struct; the journal writer and the
 * log target are process-wide (see jwriter.h, log.h).
 */

#include "activity.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "conffile.h"
#include "loss.h"
#include "macro.h"
#include "hashcache.h"
#include "monitor.h"
#include "netlink.h"
#include "output.h"
#include "proctable.h"
#include "reader.h"
#include "varlink.h"
#include "varlink-listen.h"

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
	char boot_id[SD_ID128_STRING_MAX]; /* in every JSON record; "" unknown */
	sd_event_source *sigint_src;   /* "cnprocd-sigint" */
	sd_event_source *sigterm_src;  /* "cnprocd-sigterm" */
	sd_event_source *sighup_src;   /* "cnprocd-sighup": reload */
	sd_event_source *sigusr1_src;  /* "cnprocd-sigusr1": dump the table */
	HashCache *hc;                 /* exe-hash = sha256: the hashing worker */
	sd_event_source *hc_src;       /* "cnprocd-exe-hash": its results */
	sd_event_source *report_timer; /* "cnprocd-report": suppressed counts, STATUS= */
	sd_event_source *sigusr2_src;  /* "cnprocd-sigusr2": debug stall, tests only */
	sd_event_source *resync_timer; /* "cnprocd-resync": closes a loss episode */
	sd_event_source *reload_timer; /* "cnprocd-reload": coalesced SIGHUPs */
	unsigned reload_requests;      /* SIGHUPs waiting for the next reload */
	usec_t last_reload_usec;

	Netlink *nl;
	Reader reader;           /* when nl is read; the exec prefetch */
	Activity *activity;      /* who spawns processes now (GetActivity) */
	ProcTable *table;
	VarlinkServer *varlink;
	VarlinkListener *listener;
	Monitor *monitor;
	bool socket_passed;      /* io.cnprocd.Monitor's socket came from systemd */

	Config config;
	char *config_path;
	bool config_required;
	ConfigOverrides overrides;
	bool json;
	Output output;           /* where event records go */
	LogTarget record_target; /* where daemon records go: journal or console */
	int log_level;
	bool dump;
	bool debug_stall;
	usec_t ack_timeout;
	unsigned needs;          /* pipeline_needs() of the config */

	usec_t start_usec;       /* CLOCK_MONOTONIC */
	uint64_t n_events[_PROC_EV_MAX];
	uint64_t n_ignored;      /* events an ignore action (or the default) dropped */
	uint64_t n_suppressed;   /* records dropped by rate limits */
	uint64_t n_thread_events; /* folded into their process */
	uint64_t n_reloads, n_reload_failures;
	uint64_t n_resyncs;
	uint64_t last_enobufs;
	int64_t drops_base;      /* the kernel's drop count when counting began */
	uint64_t gaps_base;
	LossTracker loss;
	uint64_t journal_dropped_reported;
	uint64_t table_full_base;  /* refusals before the current full episode */
	bool table_full_said;
} Manager;

int manager_new(const ManagerOptions *o, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Exit statuses of their own (systemd's meanings, so a unit can tell them from a
 * failure worth a restart: RestartPreventExitStatus=): the proc connector does
 * not serve this process (a container: not the initial namespaces; no
 * connector in the kernel), or it refuses it (no CAP_NET_ADMIN). */
#define EXIT_NO_CONNECTOR 3 /* EXIT_NOTIMPLEMENTED */
#define EXIT_NO_PERMISSION 4 /* EXIT_NOPERMISSION */

/* Subscribe, scan /proc, wire the sources. Errors are logged. On failure, *ret_status
 * (if given) is the exit status that says why: EXIT_NO_CONNECTOR,
 * EXIT_NO_PERMISSION or EXIT_FAILURE. */
int manager_start(Manager *m, int *ret_status);
/* Run until SIGINT/SIGTERM; then unsubscribe and log the final counters. */
int manager_run(Manager *m);
