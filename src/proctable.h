/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The live process table: one entry per process (thread group), created from fork
 * and exec events or from the /proc scan, enriched from /proc, removed on exit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cnproc.h"
#include "container.h"
#include "exeflags.h"
#include "hashcache.h"
#include "procid.h"

typedef enum ProcOrigin {
	PROC_ORIGIN_SCANNED,  /* found by a /proc scan, started before we looked */
	PROC_ORIGIN_FORK,     /* seen from its fork */
	PROC_ORIGIN_EXEC,     /* first seen at exec (its fork was missed) */
	PROC_ORIGIN_EVENT,    /* first seen through some other event */
	_PROC_ORIGIN_MAX,
} ProcOrigin;

/* A container as its cgroup path names it, shared by the processes in it */
typedef struct ProcContainer {
	unsigned n_ref;
	Container c;
} ProcContainer;

typedef struct Process {
	pid_t pid; /* the thread group id: threads are folded into it */
	pid_t ppid;
	char comm[16];
	char *exe;          /* NULL if unknown (vanished, kernel thread, no permission) */
	char *argv;         /* raw /proc/PID/cmdline: NUL-separated, argv_len bytes */
	size_t argv_len;
	bool argv_truncated;
	uid_t uid, euid;
	gid_t gid, egid;
	char *cgroup;
	char *unit;
	char *cwd;          /* the working directory at exec (or when read); NULL unknown */
	unsigned exe_flags; /* exeflags.h, of exe */
	ProcContainer *container; /* the container its cgroup names; NULL: none (shared) */
	ExeHash *exe_hash;  /* exe-hash: its executable's digest (shared); NULL: off */
	pid_t ns_pid;       /* its pid in its own pid namespace, 0 unknown or the same */
	uid_t loginuid;     /* the audit login uid, (uid_t)-1 unset; valid if login_known */
	uint32_t sessionid; /* the audit session, (uint32_t)-1 unset */
	bool login_known;
	unsigned tty_nr;    /* the controlling terminal (stat's tty_nr), 0 none */
	uint64_t start_ns;  /* CLOCK_MONOTONIC, the clock of the connector's timestamps */
	ProcId id;          /* stable identity (procid.h); unknown until known */
	ProcId parent_id;   /* the parent's at fork (or when first seen): kept for
			     * life, also when it is reparented */
	bool id_unverified; /* computed near a tick's start, /proc not read yet */
	ProcOrigin origin;
	char state;         /* from the last /proc read */
	bool exec_seen;
	bool unread;        /* its /proc could not be read after its exec: exe and argv
			     * unknown (never the parent's, which it no longer runs) */
	bool kernel_thread;
	bool ephemeral;     /* made for one event of a process /proc does not have (its
			     * fork and exit were lost, or its last thread's event came
			     * late): remove it once that event is handled */
	uint16_t exit_rule; /* its exec was recorded by this rule (1-based), which has
			     * record-exit: its exit is recorded too; 0: none */
	uint64_t seen;      /* scan generation that last found it alive */
} Process;

typedef struct ProcTableStats {
	uint64_t n_added, n_removed;
	uint64_t n_full;      /* processes not tracked because the table was full */
	uint64_t n_vanished;  /* /proc reads that found the process already gone */
	uint64_t n_scans;
	uint64_t n_mismatch;  /* /proc data discarded: the pid belonged to another process */
	uint64_t n_reused;    /* stale entries replaced by a new process with their pid */
	uint64_t n_id_reads;  /* forks whose start tick was read from /proc (ambiguous) */
	uint64_t n_id_mispredicted; /* start ticks computed at fork that /proc contradicted
				     * at the exec (then corrected, when the fork-time
				     * check could not be read) */
} ProcTableStats;

typedef struct ProcTable ProcTable;

int proctable_new(const char *proc_root, size_t max_entries, ProcTable **ret);
ProcTable *proctable_free(ProcTable *t);

size_t proctable_size(const ProcTable *t);
/* Change the bound; entries beyond it are kept (they leave as they exit). */
void proctable_set_max(ProcTable *t, size_t max_entries);
/* After a reload: each process's exit_rule N becomes map[N - 1] (the same rule in
 * the new set, 0 if it is gone or no longer has record-exit). */
void proctable_remap_exit_rules(ProcTable *t, const uint16_t *map, size_t n);

/* At its bound: a new process would be refused. */
bool proctable_full(const ProcTable *t);
const ProcTableStats *proctable_stats(const ProcTable *t);
/* Arguments matching these patterns (see redact.h) are replaced by *** in every
 * command line read from now on. The array must live until changed again. */
void proctable_set_redact(ProcTable *t, char *const *patterns, size_t n);
/* exe-hash: execs look their file up in hc (NULL: no hashing) */
void proctable_set_hashcache(ProcTable *t, HashCache *hc);
/* CLOCK_BOOTTIME - CLOCK_MONOTONIC for the start ticks of forks (procid.h): by
 * default read from the clocks at each fork; fixed from now on (tests). */
void proctable_set_boot_offset(ProcTable *t, uint64_t boot_offset_ns);
Process *proctable_get(const ProcTable *t, pid_t pid);

/* Walk all entries (order unspecified); stop early if cb returns non-zero. */
int proctable_foreach(const ProcTable *t, int (*cb)(const Process *p, void *userdata),
		      void *userdata);

/*
 * What /proc said about a process at one moment, read ahead of applying its event
 * (a batch's exec events are read first: a short-lived process may be gone by the
 * time the events before it are handled). result: 0, or why it could not be read.
 */
typedef struct ProcSnapshot {
	int result;
	Process data;
} ProcSnapshot;

/* ids_known: the process's ids will be known when the snapshot is applied (its
 * fork is in the same batch); the table's own entry counts too. */
int proctable_snapshot(ProcTable *t, pid_t pid, bool ids_known, ProcSnapshot *ret);
/* The same, taken as soon as the EXEC arrives, while its fork may still be queued:
 * ids count as known if its parent's are. */
int proctable_prefetch(ProcTable *t, pid_t pid, ProcSnapshot *ret);
void proc_snapshot_done(ProcSnapshot *s);
/* The name the table has for pid now: taken before a COMM event is applied, the
 * old name its record reports; false (ret "") if pid is not tracked. */
bool proctable_copy_comm(const ProcTable *t, pid_t pid, char ret[static 16]);
/* proctable_apply, with the /proc data of an EXEC taken from snap (if of its pid). */
Process *proctable_apply_with(ProcTable *t, const ProcEvent *ev, ProcSnapshot *snap);

/*
 * Scan /proc and add every live process not already known (zombies skipped: they
 * are dead and produce no further event). Known entries are kept: events are newer.
 */
int proctable_scan(ProcTable *t);

/*
 * After lost events: scan /proc again, add what is new, and drop entries whose
 * process is gone or a zombie (their exit event was lost). Returns the number
 * removed, or a negative errno.
 */
int proctable_resync(ProcTable *t);

/*
 * Apply one event. Returns the process the event is about (created if needed and
 * possible; NULL if the table is full or the event concerns no process, e.g. ACK).
 * For EXIT the entry stays until proctable_remove() so its data can still be reported.
 * Thread events (pid != tgid) update the owning process only.
 */
Process *proctable_apply(ProcTable *t, const ProcEvent *ev);
void proctable_remove(ProcTable *t, pid_t pid);

/* Re-read /proc for one entry (exe, argv, ids, cgroup...). -ESRCH when it is gone. */
int proctable_refresh(ProcTable *t, Process *p);

/*
 * The chain of parents of p in the table, parent first: up to max into ret, the
 * number found. *ret_missing: how many more there are (bounded by the table's
 * size: a parent chain corrupted by pid reuse must not loop); ret_missing NULL:
 * the walk stops at max.
 */
size_t proctable_ancestors(const ProcTable *t, const Process *p, const Process **ret, size_t max,
			   size_t *ret_missing);

/* User name of a uid, cached; NULL if it has none. */
const char *proctable_user_name(ProcTable *t, uid_t uid);
/* User name of p's audit login uid; NULL if unset or without a name. */
const char *process_login_user(ProcTable *t, const Process *p);

/* Cmdline rendered as a single string, arguments separated by spaces (not escaped). */
char *process_cmdline(const Process *p);

const char *proc_origin_to_string(ProcOrigin o);
