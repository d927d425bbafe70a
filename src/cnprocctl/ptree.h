/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The process forest of the past, rebuilt from cnprocd's records (oldest first)
 * for `cnprocctl tree`. Pure: fed parsed records, it draws text or builds JSON;
 * reading the journal is the caller's business.
 *
 * A node per process, identified by (machine, boot, "PID@TICKS"): memory grows
 * with the processes, not with the records. A child hangs under the process its
 * parent_process_id names; a parent never recorded becomes a placeholder root
 * ("recorded": false), named from the child's ancestors text when that text
 * agrees, and is never linked further up: no link is ever invented. Trees never
 * cross machines or boots. Lost-events and suppressed-records episodes are kept
 * per machine and boot, so the output can say where the trail has holes.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "jrecord.h"
#include "macro.h"

typedef struct PTree PTree;

PTree *ptree_new(void);
void ptree_free(PTree *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(PTree *, ptree_free);

/* One record, in journal order (oldest first). Records that are not process
 * events, lost or suppressed episodes are skipped; process records without a
 * process id are skipped and counted (ptree_ignored()). 0 or -ENOMEM. */
int ptree_add(PTree *t, const JRecord *r);

/* Processes recorded (placeholders for parents never recorded not counted). */
size_t ptree_processes(const PTree *t);
/* Process records that could not be placed: no CNPROCD_PROCESS_ID. */
unsigned long long ptree_ignored(const PTree *t);

/* What to draw; unset fields are NULL / 0 / -1, and all unset (or sel NULL)
 * means the whole forest. process_id wins over pid, and either over the rest:
 * the process (with pid: the one that started last), the chain of its recorded
 * ancestors down to it, and all its descendants. Otherwise session, unit (an
 * fnmatch() glob) and loginuid, those set all matching: every matching process
 * whose ancestors do not match is the root of a subtree drawn whole. */
typedef struct PTreeSelect {
	const char *process_id;
	int pid;
	long long session;
	const char *unit;
	long long loginuid;
} PTreeSelect;
/* nothing selected: the whole forest (0 is a session, and root's loginuid) */
#define PTREE_SELECT_INIT \
	{ .process_id = NULL, .pid = 0, .session = -1, .unit = NULL, .loginuid = -1 }

/* The forest as a table (PID, USER, START, LIFETIME, EXIT, then the command
 * drawn as a tree like `cnprocctl ps --tree`), one table per machine and boot,
 * children in start order; what lies more than 100 levels below a root is drawn
 * right after its tree, as a root said to continue under its parent (a fork
 * chain can be as long as a user likes). Above each table, the lost or
 * suppressed episodes that overlap its trees. show_host: a "-- host NAME, boot
 * ID --" line before each (without it, "-- boot ID --" only when there are
 * several). Returns the number of processes drawn (0: none selected), -EINVAL
 * for a process_id that is not PID@TICKS, or -ENOMEM. */
int ptree_print(PTree *t, FILE *f, const PTreeSelect *sel, bool show_host);

/* The same as JSON: [{"host", "machine_id", "boot_id", "gaps": [...],
 * "processes": [node...]}...], a node {"process_id", "pid", "ppid", "comm",
 * "exe", "cmdline", "user", "uid", ..., "recorded", "children": [node...]};
 * absent values left out. Cut at the same depth: such a root has
 * "continued": true (and its "parent_process_id"). NULL on ENOMEM or an
 * invalid process_id (errno). */
json_t *ptree_json(PTree *t, const PTreeSelect *sel);
