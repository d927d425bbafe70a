/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One of cnprocd's journal entries read back: what `cnprocctl tree` and
 * `cnprocctl report` need of it. Pure: it is fed the entry's "NAME=value" data
 * items one by one (as sd_journal_enumerate_data() gives them, or recorded bytes
 * in a unit test) and judges the whole entry at the end, so a malformed entry
 * (someone else's sd_journal_send() with cnprocd's MESSAGE_ID, a damaged file) is
 * skipped and counted, never half-used.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum JEvent {
	JEV_NONE = 0, /* not one of cnprocd's records this reader knows */
	JEV_FORK,
	JEV_EXEC,
	JEV_UID,
	JEV_GID,
	JEV_SID,
	JEV_PTRACE,
	JEV_COMM,
	JEV_COREDUMP,
	JEV_EXIT,
	JEV_LOST,       /* a lost-events episode (CNPROCD_LOST...) */
	JEV_SUPPRESSED, /* a rule's rate limit dropped records (CNPROCD_SUPPRESSED) */
	JEV_STARTED,    /* the daemon started (its table scanned from /proc) */
	_JEV_MAX,
} JEvent;

/* "exec", "lost", ...; NULL for JEV_NONE */
const char *jevent_name(JEvent e);
/* its MESSAGE_ID (32 hex digits); NULL for JEV_NONE */
const char *jevent_message_id(JEvent e);

/* Absent numbers are -1 (pid, ppid: 0); absent strings NULL. Strings point into
 * the record's own buffer: valid until the next jrecord_reset() or
 * jrecord_done(). */
typedef struct JRecord {
	JEvent event;
	uint64_t realtime_usec; /* set by the reader (the entry's timestamp) */
	char boot_id[33];       /* _BOOT_ID, 32 hex digits; "" if unknown */
	const char *host;       /* _HOSTNAME */
	const char *machine_id; /* _MACHINE_ID */
	int priority;           /* PRIORITY, 0-7; -1 absent */

	int pid, ppid, tgid;
	long long uid, loginuid, session;
	const char *process_id, *parent_process_id; /* "PID@TICKS" */
	const char *comm, *exe, *cmdline, *cwd, *tty;
	const char *user, *login_user, *unit, *cgroup;
	const char *rule;
	const char *container_runtime, *container_id, *container_name;
	const char *exe_flags; /* blank-separated words */
	const char *ancestors; /* "bash[4711] < sshd[4700] < ..." */
	bool unread;           /* the exec came out unread */
	bool argv_truncated;

	/* exit */
	int exit_code, exit_signal; /* -1 absent */
	long long lifetime_usec;    /* -1 absent */
	/* uid/gid changes: the new ids */
	long long new_ruid, new_euid, new_rgid, new_egid;
	/* ptrace */
	int tracer_pid;
	/* lost, suppressed */
	long long lost, suppressed;
	uint64_t loss_start_usec, loss_end_usec;

	/* private */
	char *buf;
	size_t buf_len, buf_size;
	size_t off[32]; /* string offsets into buf while it may move */
	const char **str[32];
	unsigned n_str;
	uint64_t seen; /* bit per known field: a second copy is malformed */
	bool message_id_seen;
	char event_text[16];
	size_t event_text_len; /* +1; 0: no CNPROCD_EVENT */
	const char *bad; /* the first problem seen, for jrecord_finish() */
} JRecord;

/* Before the first entry and between entries; keeps the buffer. */
void jrecord_reset(JRecord *r);
void jrecord_done(JRecord *r);

/* One data item "NAME=value" of the entry (len bytes, not NUL-terminated; values
 * may hold any bytes). Items that are not cnprocd's are ignored. -ENOMEM only. */
int jrecord_add(JRecord *r, const void *data, size_t len);

/* After the last item: 0 if the entry is a well-formed cnprocd record (strings
 * usable from now on), -EBADMSG if not, with *ret_why (static text) saying what
 * was wrong. */
int jrecord_finish(JRecord *r, const char **ret_why);

/* A PID@TICKS process id: whether s is one. */
bool process_id_valid(const char *s);
