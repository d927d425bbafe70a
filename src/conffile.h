/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * cnprocd.conf (inih): daemon settings in [cnprocd], rules in [rule NAME] sections.
 * The main file is read first, then drop-ins FILE.d/ *.conf in lexical order.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "monitor-protocol.h"
#include "rules.h"

#define CONFIG_DEFAULT_RCVBUF (8ULL << 20)
#define CONFIG_DEFAULT_MAX_PROCESSES 131072
#define CONFIG_DEFAULT_RATE_BURST 1000
#define CONFIG_DEFAULT_RATE_INTERVAL (10 * USEC_PER_SEC)
#define CONFIG_DEFAULT_JOURNAL_QUEUE 16384
#define CONFIG_DEFAULT_BATCH_DELAY (5 * USEC_PER_MSEC)
#define CONFIG_DEFAULT_VARLINK_SOCKET MONITOR_DEFAULT_SOCKET

typedef struct Config {
	uint64_t rcvbuf;          /* receive-buffer */
	LogTarget log_target;     /* log-target */
	uint64_t max_processes;   /* max-processes */
	bool threads;             /* threads: report thread events instead of folding */
	bool kernel_filter;       /* kernel-filter: let the kernel drop unwanted events */
	uint64_t journal_queue;   /* journal-queue: records waiting for journald, at most */
	usec_t batch_delay;       /* batch-delay: let a busy socket fill before reading */
	bool exec_prefetch;       /* exec-prefetch: read each exec's /proc at once */
	bool record_argv;         /* record-argv */
	GlobList redact;          /* redact-argv: argument patterns replaced by *** */
	RuleAction default_action; /* default-action: for events no rule matches */
	int default_priority;     /* default-priority */
	RateLimit default_rate;   /* rate-limit: rules without their own, and unmatched */
	RuleSet rules;
	char *varlink_socket;     /* varlink-socket: a path; NULL: the default */
	bool varlink_none;        /* varlink-socket = none */
	unsigned varlink_mode;    /* varlink-mode */
	int64_t varlink_group;    /* varlink-group: gid, -1 to keep root's */

	uint64_t hash;  /* of every file's name and content: identifies a config */
	unsigned n_files;
} Config;

/* Where and why a configuration was rejected: "file:line: message". */
typedef struct ConfigError {
	char file[256];
	unsigned line; /* 0: not tied to a line (e.g. cannot open) */
	char message[256];
} ConfigError;

void config_init(Config *c);
void config_done(Config *c);

/*
 * Load path and its drop-ins into a new *ret (defaults first). If !required a
 * missing main file means "defaults" (drop-ins are still read). On error returns a
 * negative errno, fills *err, and *ret is untouched.
 */
int config_load(const char *path, bool required, Config *ret, ConfigError *err);
/* One file's text (tests, fuzzing); name is used in error messages. */
int config_load_string(const char *name, const char *text, Config *ret, ConfigError *err);

/* Command-line options win over the file, also after a reload. */
typedef struct ConfigOverrides {
	bool rcvbuf_set;
	uint64_t rcvbuf;
	bool log_target_set;
	LogTarget log_target;
	bool threads;
	bool no_argv;
	const char *varlink_socket; /* path or "none" */
} ConfigOverrides;

void config_apply_overrides(Config *c, const ConfigOverrides *o);

/* Where the varlink socket goes: the configured path, else
 * $RUNTIME_DIRECTORY/io.cnprocd.Monitor (RuntimeDirectory= under systemd), else
 * the built-in default; NULL for none. buf holds a built path. */
const char *config_varlink_socket(const Config *c, char *buf, size_t size);

/* Users and groups are resolved with NSS by default; tests may swap this. */
int config_resolve_name(const char *name, bool group, uint32_t *ret);

/* The parsed configuration, readable, for --check-config. */
void config_print(const Config *c, FILE *f);
void config_error_print(const ConfigError *err);
