/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The Config (what cnprocd.conf says) and its [cnprocd] settings: parsed,
 * defaulted, printed and compared across a reload from one table
 * (conf-settings.c). Reading the files is conffile.h's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "monitor-protocol.h"
#include "rules.h"

/* The other defaults are in the table of [cnprocd] keys, conf-settings.c. */
#define CONFIG_DEFAULT_RATE_BURST 1000
#define CONFIG_DEFAULT_RATE_INTERVAL (10 * USEC_PER_SEC)
#define CONFIG_DEFAULT_VARLINK_SOCKET MONITOR_DEFAULT_SOCKET
/* How many [cnprocd] keys there are: enough room for config_changed_at_restart(). */
#define CONFIG_N_KEYS 18

/* exe-hash = none | sha256 */
enum {
	EXE_HASH_NONE,
	EXE_HASH_SHA256,
	_EXE_HASH_MAX,
};

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
	int exe_hash;             /* exe-hash: EXE_HASH_NONE or EXE_HASH_SHA256 */
	GlobList redact;          /* redact-argv: argument patterns replaced by *** */
	RuleAction default_action; /* default-action: for events no rule matches */
	int default_priority;     /* default-priority */
	RateLimit default_rate;   /* rate-limit: rules without their own, and unmatched */
	RuleSet rules;
	char *varlink_socket;     /* varlink-socket: a path; NULL: the default */
	bool varlink_none;        /* varlink-socket = none */
	unsigned varlink_mode;    /* varlink-mode */
	int64_t varlink_group;    /* varlink-group: gid, -1 to keep root's */
	usec_t varlink_idle;      /* varlink-idle-timeout: close idle clients after this */

	uint64_t hash;  /* of every file's name and content: identifies a config */
	unsigned n_files;
} Config;

/* An empty Config: the table's defaults, no rules. */
void config_init(Config *c);
void config_done(Config *c);


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

/* The [cnprocd] keys in the order --check-config prints them; NULL after the last. */
const char *config_key(size_t i);

/* Whether a reload applies a change of key at once; false for the keys that take
 * effect at the next restart (and for unknown keys). */
bool config_key_reloadable(const char *key);

/*
 * A reload from running to loaded (both after config_apply_overrides()): the keys
 * it cannot apply whose value differs, in table order. Fills at most n_keys names
 * into keys (CONFIG_N_KEYS always suffice) and returns how many differ. Values are
 * compared as the daemon uses them: varlink-socket by the path it resolves to.
 */
size_t config_changed_at_restart(const Config *running, const Config *loaded,
				 const char **keys, size_t n_keys);
/* After such a reload, the running daemon still uses running's values of those keys:
 * copy them into loaded, so the next reload is compared with what is in force. */
int config_keep_restart_settings(Config *loaded, const Config *running);

/* --- for conffile.c --- */

/* The table's defaults, over a Config zeroed but for what has none there. */
void config_settings_init(Config *c);

/* One "key = value" of [cnprocd]: 0; -ENOMEM; or another negative errno with the
 * message ("KEY: expected ..., got \"VALUE\"") in why. */
int config_setting_parse(Config *c, const char *key, const char *value, char *why,
			 size_t size);

/* The [cnprocd] settings as --check-config shows them, one "key = value" a line. */
void config_settings_print(const Config *c, FILE *f);

/* COUNT/INTERVAL, or none. */
void rate_limit_print(FILE *f, const RateLimit *rl);

/* varlink-socket = PATH or none, unchecked (the command line uses it too). */
int config_set_varlink_socket(Config *c, const char *value);
