/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What cnprocctl's commands share with its main(): the parsed command line and
 * the entry each command puts in the command table.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"
#include "varlink-client.h"

/* command-specific options, to refuse them where they mean nothing */
enum {
	OPT_UNIT = 1 << 0,
	OPT_USER = 1 << 1,
	OPT_COMM = 1 << 2,
	OPT_TREE = 1 << 3,
	OPT_EVENT = 1 << 4,
	OPT_UID = 1 << 5,
	OPT_LOGIN_USER = 1 << 6,
	OPT_CONTAINER = 1 << 7,
	OPT_EXE_FLAGS = 1 << 8,
	OPT_WIDE = 1 << 9,
	OPT_SINCE = 1 << 10,
	OPT_UNTIL = 1 << 11,
	OPT_LINES = 1 << 12,
	OPT_REVERSE = 1 << 13,
	OPT_DIRECTORY = 1 << 14,
	OPT_FILE = 1 << 15,
	OPT_PID = 1 << 16,
	OPT_PROCESS_ID = 1 << 17,
	OPT_BOOT = 1 << 18,
	OPT_FOLLOW = 1 << 19,
	OPT_MERGE = 1 << 20,
	OPT_EXE = 1 << 21,
	OPT_RULE = 1 << 22,
	OPT_PRIORITY = 1 << 23,
	OPT_SESSION = 1 << 24,
	OPT_BY = 1 << 25,
	OPT_TOP = 1 << 26,
	OPT_SYSTEM = 1 << 27,
	OPT_OUTPUT = 1 << 28,
	OPT_DELAY = 1 << 29,
	OPT_BATCH = 1 << 30,
	_OPT_LAST = OPT_BATCH,
};

typedef struct Args {
	const char *socket;
	bool json;
	unsigned opts; /* OPT_* seen */
	const char *unit, *user, *comm;
	bool tree;
	json_t *events; /* array of event type names, NULL: all */
	long long uid;  /* -1: any */
	long long loginuid; /* -1: any; 4294967295: not logged in */
	const char *container;
	json_t *exe_flags; /* array of flag names, NULL: any */
	bool wide;
	/* log */
	uint64_t since_usec, until_usec; /* CLOCK_REALTIME; 0: open */
	long long lines;                 /* -n: the last N; 0: all */
	bool reverse;
	const char *directory;
	char **files; /* --file, each; NULL-terminated; NULL: none */
	size_t n_files;
	long long pid;                   /* 0: any */
	const char *process_id;
	const char *boot;   /* -b: NULL: all boots; "0", "-1"...: relative; else an id */
	bool follow, merge;
	const char *exe;    /* glob */
	const char *rule;
	int priority_min, priority_max; /* --priority: 0 (emerg) .. 7 (debug) */
	long long session;  /* -1: any */
	/* report */
	const char *by; /* one table: user, login-user, unit, exe, container... */
	long long top;  /* rows per table; 0: the default */
	const char *output; /* metrics --output FILE */
	/* top */
	usec_t delay_usec; /* -d: between frames; 0: the default */
	bool batch;
	const char *verb;
	char **args;
	int n_args;
} Args;

typedef struct Command {
	const char *name;
	const char *usage; /* its arguments and options, for --help */
	const char *help;  /* what it does, for --help: lines, \n between them */
	int n_args;        /* how many arguments follow its name */
	unsigned opts;     /* the OPT_* it takes */
	/* optional: checks the arguments before connecting; false: refused (said) */
	bool (*check)(const Args *a);
	bool offline; /* reads no daemon (the journal): no connection */
	/* runs with no connection (NULL) when cnprocd is not running, to say so */
	bool runs_when_down;
	/* runs it on the connection; returns the exit status */
	int (*run)(Conn *c, const Args *a);
} Command;

extern const Command command_status;  /* cmd-status.c */
extern const Command command_ps;      /* cmd-ps.c */
extern const Command command_show;    /* cmd-ps.c */
extern const Command command_rules;   /* cmd-rules.c */
extern const Command command_monitor; /* cmd-monitor.c */
extern const Command command_reload;  /* cmd-reload.c */
extern const Command command_log;     /* cmd-log.c */
extern const Command command_tree;    /* cmd-tree.c */
extern const Command command_report;  /* cmd-report.c */
extern const Command command_metrics; /* cmd-metrics.c */
extern const Command command_top;     /* cmd-top.c */
