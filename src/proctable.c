/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live process table: scan, events, enrichment from /proc (proctable.h). */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "procfs.h"
#include "proctable.h"
#include "rcstr.h"
#include "redact.h"
#include "util.h"

/* argv beyond this is cut (and flagged): bounded memory per process */
#define ARGV_MAX (128 * 1024)
#define USER_CACHE_MAX 256

#define DIR_CACHE_MAX 64
#define DIR_CACHE_TTL_NS NSEC_PER_SEC

typedef struct DirCacheEntry {
	char *path; /* NULL: free */
	dev_t dev;
	bool writable;
	uint64_t expires_ns;
} DirCacheEntry;

typedef struct UserCacheEntry {
	uid_t uid;
	char *name; /* NULL: uid has no passwd entry */
} UserCacheEntry;

struct ProcTable {
	char *proc_root;
	size_t max_entries;

	/* open addressing, linear probing, keyed by pid; capacity is a power of two */
	Process **slots;
	size_t capacity;
	size_t n;

	uint64_t generation; /* of the current scan */

	UserCacheEntry users[USER_CACHE_MAX];
	size_t n_users;

	char *const *redact; /* argv patterns (redact.h), owned by the caller */
	size_t n_redact;

	bool audit;          /* the kernel keeps login uids: /proc/PID/loginuid exists */

	/* whether a directory programs run from is world-writable, by the exe's
	 * device and the directory's path: a storm of execs from one directory
	 * stats it once a second */
	DirCacheEntry dirs[DIR_CACHE_MAX];
	size_t next_dir;

	HashCache *hc;             /* exe-hash, or NULL */
	unsigned long hz;          /* clock ticks per second, as /proc counts them */
	bool boot_offset_fixed;
	uint64_t boot_offset_ns;

	ProcTableStats stats;
};

void proctable_set_redact(ProcTable *t, char *const *patterns, size_t n)
{
	t->redact = patterns;
	t->n_redact = n;
}

void proctable_set_hashcache(ProcTable *t, HashCache *hc)
{
	t->hc = hc;
}

void proctable_set_boot_offset(ProcTable *t, uint64_t boot_offset_ns)
{
	t->boot_offset_fixed = true;
	t->boot_offset_ns = boot_offset_ns;
}

static uint64_t boot_offset(const ProcTable *t)
{
	uint64_t mono, boot;

	if (t->boot_offset_fixed)
		return t->boot_offset_ns;
	mono = now_nsec(CLOCK_MONOTONIC);
	boot = now_nsec(CLOCK_BOOTTIME);
	return boot > mono ? boot - mono : 0;
}

static const char *const origin_table[_PROC_ORIGIN_MAX] = {
	[PROC_ORIGIN_SCANNED] = "scanned",
	[PROC_ORIGIN_FORK] = "fork",
	[PROC_ORIGIN_EXEC] = "exec",
	[PROC_ORIGIN_EVENT] = "event",
};

const char *proc_origin_to_string(ProcOrigin o)
{
	return o < _PROC_ORIGIN_MAX ? origin_table[o] : "unknown";
}

static size_t slot_of(const ProcTable *t, pid_t pid)
{
	/* Fibonacci hashing spreads sequential pids */
	return (size_t)(((uint64_t)(uint32_t)pid * 11400714819323198485ULL) >> 32) &
	       (t->capacity - 1);
}

static ProcContainer *container_ref(ProcContainer *c)
{
	if (c)
		c->n_ref++;
	return c;
}

static void container_unref(ProcContainer *c)
{
	if (c && --c->n_ref == 0)
		free(c);
}

/* The container cgroup names, if any (NULL on ENOMEM too: no label is better
 * than failing the read) */
static ProcContainer *container_of_cgroup(const char *cgroup)
{
	Container c;
	ProcContainer *pc;

	if (!container_from_cgroup(cgroup, &c))
		return NULL;
	pc = malloc(sizeof(*pc));
	if (pc)
		*pc = (ProcContainer){ .n_ref = 1, .c = c };
	return pc;
}

/* Free the strings of p (p itself stays) */
static void process_done(Process *p)
{
	container_unref(p->container);
	p->container = NULL;
	exe_hash_unref(p->exe_hash);
	p->exe_hash = NULL;
	rcstr_unref(p->exe);
	rcstr_unref(p->argv);
	rcstr_unref(p->cgroup);
	rcstr_unref(p->unit);
	rcstr_unref(p->cwd);
	p->exe = p->argv = p->cgroup = p->unit = p->cwd = NULL;
	p->argv_len = 0;
}

static void process_free(Process *p)
{
	if (!p)
		return;
	process_done(p);
	free(p);
}

int proctable_new(const char *proc_root, size_t max_entries, ProcTable **ret)
{
	ProcTable *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->proc_root = strdup(proc_root ?: "/proc");
	t->capacity = 1024;
	t->slots = calloc(t->capacity, sizeof(Process *));
	if (!t->proc_root || !t->slots) {
		proctable_free(t);
		return -ENOMEM;
	}
	t->max_entries = max_entries ?: SIZE_MAX;
	{
		long hz = sysconf(_SC_CLK_TCK);

		t->hz = hz > 0 ? (unsigned long)hz : 100;
	}
	/* without audit support the file is missing, which would read as "gone" */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/1/loginuid", t->proc_root);
		t->audit = access(path, F_OK) == 0;
	}
	*ret = t;
	return 0;
}

ProcTable *proctable_free(ProcTable *t)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < DIR_CACHE_MAX; i++)
		free(t->dirs[i].path);
	for (size_t i = 0; i < t->capacity; i++)
		process_free(t->slots[i]);
	for (size_t i = 0; i < t->n_users; i++)
		free(t->users[i].name);
	free(t->slots);
	free(t->proc_root);
	free(t);
	return NULL;
}

size_t proctable_size(const ProcTable *t)
{
	return t->n;
}

void proctable_set_max(ProcTable *t, size_t max_entries)
{
	t->max_entries = max_entries ?: SIZE_MAX;
}

bool proctable_full(const ProcTable *t)
{
	return t->n >= t->max_entries;
}

const ProcTableStats *proctable_stats(const ProcTable *t)
{
	return &t->stats;
}

Process *proctable_get(const ProcTable *t, pid_t pid)
{
	for (size_t i = slot_of(t, pid);; i = (i + 1) & (t->capacity - 1)) {
		Process *p = t->slots[i];
		if (!p)
			return NULL;
		if (p->pid == pid)
			return p;
	}
}

static int table_grow(ProcTable *t)
{
	Process **old = t->slots;
	size_t old_cap = t->capacity;

	t->slots = calloc(old_cap * 2, sizeof(Process *));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->capacity = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i])
			continue;
		for (j = slot_of(t, old[i]->pid); t->slots[j]; j = (j + 1) & (t->capacity - 1))
			;
		t->slots[j] = old[i];
	}
	free(old);
	return 0;
}

static Process *process_new(pid_t pid, ProcOrigin origin)
{
	Process *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	p->origin = origin;
	p->uid = p->euid = (uid_t)-1;
	p->gid = p->egid = (gid_t)-1;
	p->loginuid = (uid_t)-1;
	p->sessionid = (uint32_t)-1;
	return p;
}

/* Insert p (its pid must be absent); takes ownership. -ENOSPC if full. */
static int table_insert(ProcTable *t, Process *p)
{
	size_t i;

	if (t->n >= t->max_entries) {
		t->stats.n_full++;
		process_free(p);
		return -ENOSPC;
	}
	/* keep load under 70% so probe chains stay short */
	if ((t->n + 1) * 10 > t->capacity * 7 && table_grow(t) < 0) {
		process_free(p);
		return -ENOMEM;
	}
	for (i = slot_of(t, p->pid); t->slots[i]; i = (i + 1) & (t->capacity - 1))
		;
	t->slots[i] = p;
	t->n++;
	t->stats.n_added++;
	return 0;
}

/* Insert a new entry for pid (caller checked it is absent). NULL if full or OOM. */
static Process *table_add(ProcTable *t, pid_t pid, ProcOrigin origin)
{
	Process *p = process_new(pid, origin);

	if (!p || table_insert(t, p) < 0)
		return NULL;
	return p;
}

void proctable_remove(ProcTable *t, pid_t pid)
{
	size_t i, j;

	for (i = slot_of(t, pid);; i = (i + 1) & (t->capacity - 1)) {
		if (!t->slots[i])
			return;
		if (t->slots[i]->pid == pid)
			break;
	}
	process_free(t->slots[i]);
	t->slots[i] = NULL;
	t->n--;
	t->stats.n_removed++;

	/* backward-shift deletion: pull later members of the probe chain into the hole */
	for (j = (i + 1) & (t->capacity - 1); t->slots[j]; j = (j + 1) & (t->capacity - 1)) {
		size_t home = slot_of(t, t->slots[j]->pid);

		/* move j to i unless its home lies cyclically within (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
}

int proctable_foreach(const ProcTable *t, int (*cb)(const Process *p, void *userdata),
		      void *userdata)
{
	for (size_t i = 0; i < t->capacity; i++) {
		int r;

		if (!t->slots[i])
			continue;
		r = cb(t->slots[i], userdata);
		if (r != 0)
			return r;
	}
	return 0;
}

bool proctable_copy_comm(const ProcTable *t, pid_t pid, char ret[static 16])
{
	const Process *p = proctable_get(t, pid);

	ret[0] = 0;
	if (!p)
		return false;
	memcpy(ret, p->comm, sizeof(p->comm));
	return true;
}

void proctable_remap_exit_rules(ProcTable *t, const uint16_t *map, size_t n)
{
	for (size_t i = 0; i < t->capacity; i++) {
		Process *p = t->slots[i];

		if (p && p->exit_rule)
			p->exit_rule = p->exit_rule <= n ? map[p->exit_rule - 1] : 0;
	}
}

/* the table's strings are shared (rcstr.h) */
static void replace_str(char **dst, char *src)
{
	rcstr_unref(*dst);
	*dst = src;
}

/* Copy what a forked child inherits from its parent, without touching /proc. */
static int process_inherit(Process *child, const Process *parent)
{
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	child->uid = parent->uid;
	child->euid = parent->euid;
	child->gid = parent->gid;
	child->egid = parent->egid;
	child->kernel_thread = parent->kernel_thread;
	child->exe_flags = parent->exe_flags;
	/* the same container; its pid inside is its own, read at its exec */
	child->container = container_ref(parent->container);
	child->exe_hash = exe_hash_ref(parent->exe_hash);
	/* the audit login, the terminal and the directory are inherited as well */
	child->loginuid = parent->loginuid;
	child->sessionid = parent->sessionid;
	child->login_known = parent->login_known;
	child->tty_nr = parent->tty_nr;
	/* shared, not copied: most children never exec, and they are most of a
	 * busy table */
	child->cwd = rcstr_ref(parent->cwd);
	child->exe = rcstr_ref(parent->exe);
	child->argv = rcstr_ref(parent->argv);
	child->argv_len = parent->argv_len;
	child->argv_truncated = parent->argv_truncated;
	child->cgroup = rcstr_ref(parent->cgroup);
	child->unit = rcstr_ref(parent->unit);
	return 0;
}

/* /proc's start time has clock-tick resolution (10 ms): allow two ticks */
static bool same_start(uint64_t a_ns, uint64_t b_ns)
{
	uint64_t d = a_ns > b_ns ? a_ns - b_ns : b_ns - a_ns;

	return a_ns != 0 && d <= 2 * (NSEC_PER_SEC / 100);
}

/*
 * The audit login uid and session of s (its pid and ppid set): a login uid, once
 * set, is inherited and never changes (only a process with CAP_AUDIT_CONTROL may
 * reset it), so it is read only while the table knows it unset or not at all -
 * after a login, each exec costs nothing more.
 */
static int read_login(ProcTable *t, int dfd, Process *s)
{
	const Process *known = proctable_get(t, s->pid);
	char buf[32];
	size_t len;
	int r;

	/* not applied yet, its fork may still be queued: then its parent knows */
	if (!known || !known->login_known)
		known = proctable_get(t, s->ppid);
	if (known && known->login_known && known->loginuid != (uid_t)-1) {
		s->loginuid = known->loginuid;
		s->sessionid = known->sessionid;
		s->login_known = true;
		return 0;
	}
	if (!t->audit)
		return 0;
	r = procfs_read_small_at(dfd, "loginuid", buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	if (procfs_parse_id(buf, len, &s->loginuid) < 0)
		return 0;
	s->login_known = true;
	if (s->loginuid == (uid_t)-1)
		return 0;
	/* the session is assigned when the login uid is written */
	if (procfs_read_small_at(dfd, "sessionid", buf, sizeof(buf), &len) == 0)
		(void)procfs_parse_id(buf, len, &s->sessionid);
	return 0;
}

/* writable-dir for exe (of a file on device dev), through the process's root:
 * the directory is stat'ed in its mount namespace, at most once a second. */
static unsigned writable_dir(ProcTable *t, int dfd, const char *exe, dev_t dev)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	uint64_t now = now_nsec(CLOCK_MONOTONIC);
	DirCacheEntry *e;
	struct stat st;

	if (!exe_flags_dir(exe, dir, sizeof(dir)))
		return 0;
	for (size_t i = 0; i < DIR_CACHE_MAX; i++) {
		e = &t->dirs[i];
		if (e->path && e->dev == dev && e->expires_ns > now && strcmp(e->path, dir) == 0)
			return e->writable ? EXE_WRITABLE_DIR : 0;
	}
	snprintf(path, sizeof(path), "root%s", dir);
	if (fstatat(dfd, path, &st, 0) < 0)
		return 0;
	e = &t->dirs[t->next_dir];
	t->next_dir = (t->next_dir + 1) % DIR_CACHE_MAX;
	free(e->path);
	*e = (DirCacheEntry){ .path = strdup(dir), .dev = dev, .expires_ns = now + DIR_CACHE_TTL_NS,
			      .writable = exe_flags_from_dir(&st) != 0 };
	return e->writable ? EXE_WRITABLE_DIR : 0;
}

/* A link's target straight into a shared string (one allocation per exec, not a
 * copy of a copy); *ret stays NULL when it cannot be read. */
static int read_link_shared(int dfd, const char *name, char **ret)
{
	char target[PATH_MAX];
	size_t len = 0;
	int r = procfs_read_link_buf_at(dfd, name, target, sizeof(target), &len);

	if (r < 0)
		return r;
	*ret = rcstr_newn(target, len);
	return *ret ? 0 : -ENOMEM;
}

/* How the caller knows the process's uids and gids; see snapshot_read(). */
enum { IDS_UNKNOWN, IDS_KNOWN, IDS_IF_PARENT };

/*
 * Read what /proc says about pid into s (zeroed first; start_ns is /proc's).
 * IDS_KNOWN: the caller has the process's uids and gids from its fork and
 * events; an exec changes them only through a set-user/group-ID file, so
 * status (the costliest file to generate) is read only for such a file, else
 * s->euid stays -1 ("unchanged"). IDS_IF_PARENT: known if its parent (from stat)
 * is in the table with known ids, as when its fork is queued, not applied yet.
 */
static int snapshot_read(ProcTable *t, pid_t pid, Process *s, int ids)
{
	struct stat exe_st;
	_cleanup_close_ int dfd = -1;
	bool ids_known, have_st;
	char buf[8192];
	size_t len;
	ProcStatus st;
	ProcStat ps;
	int r;

	*s = (Process){ .pid = pid, .euid = (uid_t)-1, .egid = (gid_t)-1, .loginuid = (uid_t)-1,
			.sessionid = (uint32_t)-1 };
	/* one directory descriptor: all reads below are of the same process */
	r = dfd = procfs_open_pid(t->proc_root, pid);
	if (r < 0)
		goto fail;
	/* the fleeting things first: argv and exe are gone the moment it exits */
	r = procfs_read_at(dfd, "cmdline", ARGV_MAX, &s->argv, &s->argv_len, &s->argv_truncated);
	if (r < 0)
		goto fail;
	/* secrets never enter the table, so no output can show them */
	if (t->n_redact > 0 && s->argv_len > 0) {
		char *red;
		size_t red_len;

		r = argv_redact(s->argv, s->argv_len, t->redact, t->n_redact, &red, &red_len);
		if (r < 0) {
			free(TAKE_PTR(s->argv));
			goto fail;
		}
		if (r > 0) {
			free(s->argv);
			s->argv = red;
			s->argv_len = red_len;
		}
	}
	/* from here on every string of s is shared (rcstr.h), so process_done()
	 * frees them all alike */
	r = rcstr_adopt(&s->argv, s->argv_len);
	if (r < 0)
		goto fail;
	/* exe needs ptrace access to the target: EACCES is expected for some processes */
	r = read_link_shared(dfd, "exe", &s->exe);
	if (r == -ENOMEM)
		goto fail;
	r = read_link_shared(dfd, "cwd", &s->cwd);
	if (r == -ENOMEM)
		goto fail;

	r = procfs_read_stat_at(dfd, &ps);
	if (r < 0)
		goto fail;
	s->start_ns = procfs_ticks_to_monotonic_ns(ps.starttime);
	s->id = (ProcId){ .pid = pid, .start_ticks = ps.starttime };
	/* exiting or a zombie: its memory is gone, so an empty cmdline and no exe
	 * say nothing about what it ran */
	s->kernel_thread = s->argv_len == 0 && ps.ppid <= 2 && pid != 1 && ps.state != 'Z';
	if (ps.state == 'Z' || ps.state == 'X' || (s->argv_len == 0 && !s->kernel_thread)) {
		r = -ESRCH;
		goto fail;
	}
	memcpy(s->comm, ps.comm, sizeof(s->comm));
	s->ppid = ps.ppid;
	s->state = ps.state;
	s->tty_nr = ps.tty_nr;
	r = read_login(t, dfd, s);
	if (r < 0)
		goto fail;
	if (ids == IDS_IF_PARENT) {
		const Process *pp = proctable_get(t, ps.ppid);

		ids = pp && pp->euid != (uid_t)-1 ? IDS_KNOWN : IDS_UNKNOWN;
	}
	ids_known = ids == IDS_KNOWN;

	/* fstatat follows the exe link to the file itself, whatever mount namespace
	 * the process is in (a deleted file and a memfd too) */
	have_st = s->exe && fstatat(dfd, "exe", &exe_st, 0) == 0;
	s->exe_flags = exe_flags_from_link(s->exe, have_st ? &exe_st : NULL);
	if (have_st && !(s->exe_flags & EXE_MEMFD))
		s->exe_flags |= writable_dir(t, dfd, s->exe, exe_st.st_dev);
	if (have_st && t->hc)
		s->exe_hash = hashcache_get(t->hc, dfd, &exe_st);
	r = procfs_read_small_at(dfd, "cgroup", buf, sizeof(buf), &len);
	if (r < 0)
		goto fail;
	if (procfs_parse_cgroup(buf, len, &s->cgroup) == 0) {
		if ((r = rcstr_adopt(&s->cgroup, strlen(s->cgroup))) < 0)
			goto fail;
		r = cgroup_path_to_unit(s->cgroup, &s->unit);
		if (r == -ENOMEM ||
		    (r = rcstr_adopt(&s->unit, s->unit ? strlen(s->unit) : 0)) < 0)
			goto fail;
		s->container = container_of_cgroup(s->cgroup);
	}

	/* status: ids an exec may have changed, or a container's own pid (NSpid) */
	if (!ids_known || !have_st || (exe_st.st_mode & (S_ISUID | S_ISGID)) || s->container) {
		r = procfs_read_small_at(dfd, "status", buf, sizeof(buf), &len);
		if (r < 0)
			goto fail;
		if (procfs_parse_status(buf, len, &st) == 0) {
			s->uid = st.ruid;
			s->euid = st.euid;
			s->gid = st.rgid;
			s->egid = st.egid;
			s->ns_pid = st.ns_pid;
		}
	}
	return 0;

fail:
	if (r == -ESRCH)
		t->stats.n_vanished++;
	process_done(s);
	return r;
}

/* Take a snapshot's data into p, if it is of the same process (start time). */
static int snapshot_merge(ProcTable *t, Process *p, Process *s)
{
	/* the pid may have been reused before /proc was read (the process the event
	 * was about died, another got its pid): then nothing read is its */
	if (p->start_ns != 0 && !same_start(p->start_ns, s->start_ns)) {
		t->stats.n_mismatch++;
		return -ESRCH;
	}
	memcpy(p->comm, s->comm, sizeof(p->comm));
	p->ppid = s->ppid;
	p->state = s->state;
	p->kernel_thread = s->kernel_thread;
	if (p->start_ns == 0)
		p->start_ns = s->start_ns;
	/* an id once given is kept: records already carry it */
	if (!proc_id_known(p->id))
		p->id = s->id;
	else if (!proc_id_equal(p->id, s->id)) {
		t->stats.n_id_mispredicted++;
		/* a tick computed near a tick's start whose check could not be
		 * read: /proc's is the id (a verified one never changes) */
		if (p->id_unverified)
			p->id = s->id;
	}
	p->id_unverified = false;
	rcstr_unref(p->argv);
	p->argv = TAKE_PTR(s->argv);
	p->argv_len = s->argv_len;
	p->argv_truncated = s->argv_truncated;
	replace_str(&p->exe, TAKE_PTR(s->exe));
	p->exe_flags = s->exe_flags;
	exe_hash_unref(p->exe_hash);
	p->exe_hash = TAKE_PTR(s->exe_hash);
	replace_str(&p->cwd, TAKE_PTR(s->cwd));
	p->tty_nr = s->tty_nr;
	if (s->login_known) {
		p->loginuid = s->loginuid;
		p->sessionid = s->sessionid;
		p->login_known = true;
	}
	if (s->euid != (uid_t)-1) {
		p->uid = s->uid;
		p->euid = s->euid;
		p->gid = s->gid;
		p->egid = s->egid;
	}
	/* most execs stay where their parent was: keep those strings then */
	if (s->cgroup && !(p->cgroup && strcmp(p->cgroup, s->cgroup) == 0)) {
		replace_str(&p->cgroup, TAKE_PTR(s->cgroup));
		replace_str(&p->unit, TAKE_PTR(s->unit));
		container_unref(p->container);
		p->container = TAKE_PTR(s->container);
	}
	if (s->ns_pid > 0)
		p->ns_pid = s->ns_pid;
	return 0;
}

int proctable_snapshot(ProcTable *t, pid_t pid, bool ids_known, ProcSnapshot *ret)
{
	const Process *p = proctable_get(t, pid);

	ret->result = snapshot_read(t, pid, &ret->data,
				    ids_known || (p && p->euid != (uid_t)-1) ? IDS_KNOWN : IDS_UNKNOWN);
	return ret->result;
}

int proctable_prefetch(ProcTable *t, pid_t pid, ProcSnapshot *ret)
{
	const Process *p = proctable_get(t, pid);

	ret->result = snapshot_read(t, pid, &ret->data,
				    p && p->euid != (uid_t)-1 ? IDS_KNOWN : IDS_IF_PARENT);
	return ret->result;
}

void proc_snapshot_done(ProcSnapshot *s)
{
	if (s->result == 0)
		process_done(&s->data);
	s->result = -ENODATA;
}

int proctable_refresh(ProcTable *t, Process *p)
{
	Process s;
	int r;

	r = snapshot_read(t, p->pid, &s, p->euid != (uid_t)-1 ? IDS_KNOWN : IDS_UNKNOWN);
	if (r < 0)
		return r;
	r = snapshot_merge(t, p, &s);
	process_done(&s);
	return r;
}

/* The id of a child from its fork event; /proc only near a tick boundary. */
static void fork_id(ProcTable *t, Process *p, const ProcEvent *ev)
{
	bool ambiguous;
	uint64_t ticks = proc_start_ticks(ev->timestamp_ns, boot_offset(t), t->hz, &ambiguous);
	ProcStat ps;

	p->id = (ProcId){ .pid = p->pid, .start_ticks = ticks };
	if (!ambiguous)
		return;
	t->stats.n_id_reads++;
	if (procfs_read_stat(t->proc_root, p->pid, &ps) == 0 &&
	    same_start(procfs_ticks_to_monotonic_ns(ps.starttime), ev->timestamp_ns))
		p->id.start_ticks = ps.starttime;
	else
		/* gone already (a short-lived child): its exec's read, if any, says */
		p->id_unverified = true;
}

/* *s equal to the parent's: share that one (a scan reads each process's own) */
static void share_str(char **s, char *parent_s)
{
	if (*s && parent_s && *s != parent_s && strcmp(*s, parent_s) == 0)
		replace_str(s, rcstr_ref(parent_s));
}

/* After a scan: what a process has in common with its parent is kept once, as a
 * fork would have left it (10,000 scanned children of one parent cost 2 MiB
 * more than 10,000 forked ones did). */
static void share_with_parent(ProcTable *t, Process *p)
{
	Process *parent = p->ppid > 0 ? proctable_get(t, p->ppid) : NULL;

	if (!parent || parent == p)
		return;
	share_str(&p->exe, parent->exe);
	share_str(&p->cwd, parent->cwd);
	share_str(&p->cgroup, parent->cgroup);
	share_str(&p->unit, parent->unit);
	if (p->argv && parent->argv && p->argv != parent->argv &&
	    p->argv_len == parent->argv_len && memcmp(p->argv, parent->argv, p->argv_len) == 0)
		replace_str(&p->argv, rcstr_ref(parent->argv));
}

/* The parent of an entry first seen other than by its fork: the one it has now. */
static void adopt_parent_id(ProcTable *t, Process *p)
{
	const Process *parent;

	if (proc_id_known(p->parent_id) || p->ppid <= 0)
		return;
	parent = proctable_get(t, p->ppid);
	if (parent && parent != p)
		p->parent_id = parent->id;
}

static bool pid_is_thread_of_other(const ProcEvent *ev)
{
	return ev->pid != ev->tgid;
}

static Process *get_or_add(ProcTable *t, pid_t pid, ProcOrigin origin, bool *ret_new)
{
	Process *p = proctable_get(t, pid);

	*ret_new = false;
	if (p)
		return p;
	p = table_add(t, pid, origin);
	*ret_new = !!p;
	return p;
}

Process *proctable_apply(ProcTable *t, const ProcEvent *ev)
{
	return proctable_apply_with(t, ev, NULL);
}

Process *proctable_apply_with(ProcTable *t, const ProcEvent *ev, ProcSnapshot *snap)
{
	Process *p, *parent;
	bool created;
	int r;

	switch (ev->type) {
	case PROC_EV_NONE:
		return NULL;

	case PROC_EV_FORK:
		if (pid_is_thread_of_other(ev))
			return proctable_get(t, ev->tgid);
		/* an entry under the child's pid is either the scan's view of this very
		 * child (same start time) or a dead process whose exit was lost and
		 * whose pid was reused: that one must not lend the child its data */
		p = proctable_get(t, ev->pid);
		if (p && !same_start(p->start_ns, ev->timestamp_ns)) {
			proctable_remove(t, ev->pid);
			t->stats.n_reused++;
		}
		p = get_or_add(t, ev->pid, PROC_ORIGIN_FORK, &created);
		if (!p)
			return NULL;
		/* a scanned entry raced with its own fork event: the event is authoritative */
		p->origin = PROC_ORIGIN_FORK;
		p->ppid = ev->fork.parent_tgid;
		p->start_ns = ev->timestamp_ns;
		if (!created)
			return p;
		parent = proctable_get(t, ev->fork.parent_tgid);
		if (parent) {
			p->parent_id = parent->id;
			fork_id(t, p, ev);
			if (process_inherit(p, parent) < 0)
				log_oom();
		} else
			(void)proctable_refresh(t, p);
		return p;

	case PROC_EV_EXEC:
		p = get_or_add(t, ev->tgid, PROC_ORIGIN_EXEC, &created);
		if (!p)
			return NULL;
		if (created)
			p->start_ns = 0; /* unknown: taken from /proc below */
		p->exec_seen = true;
		if (snap && snap->data.pid == ev->tgid)
			r = snap->result < 0 ? snap->result : snapshot_merge(t, p, &snap->data);
		else
			r = proctable_refresh(t, p);
		if (created)
			adopt_parent_id(t, p);
		if (r < 0) {
			/* gone (or unreadable) already: what fork copied from the parent
			 * describes the old program, so drop it rather than mislabel */
			rcstr_unref(p->exe);
			rcstr_unref(p->argv);
			rcstr_unref(p->cwd);
			p->exe = p->argv = p->cwd = NULL;
			p->exe_flags = 0;
			exe_hash_unref(TAKE_PTR(p->exe_hash));
			p->argv_len = 0;
			p->argv_truncated = false;
			/* nor its name: the exec gave it the new program's */
			memset(p->comm, 0, sizeof(p->comm));
			/* an unset login uid may have been set just before the exec */
			if (p->loginuid == (uid_t)-1)
				p->login_known = false;
			p->unread = true;
		} else
			p->unread = false;
		return p;

	default:
		break;
	}

	/* every other event updates an existing process, or creates one from /proc */
	p = get_or_add(t, ev->tgid, PROC_ORIGIN_EVENT, &created);
	if (!p)
		return NULL;
	/* a process never seen: /proc may know it (kept), or it is gone already and
	 * the entry only carries this event (a leader's exit is removed anyway) */
	if (created && (ev->type != PROC_EV_EXIT || pid_is_thread_of_other(ev)))
		p->ephemeral = proctable_refresh(t, p) < 0;
	if (created)
		adopt_parent_id(t, p);

	switch (ev->type) {
	case PROC_EV_UID:
		if (!pid_is_thread_of_other(ev)) {
			p->uid = ev->id.real;
			p->euid = ev->id.effective;
		}
		break;
	case PROC_EV_GID:
		if (!pid_is_thread_of_other(ev)) {
			p->gid = ev->id.real;
			p->egid = ev->id.effective;
		}
		break;
	case PROC_EV_COMM:
		if (!pid_is_thread_of_other(ev))
			memcpy(p->comm, ev->comm.comm, sizeof(p->comm));
		break;
	case PROC_EV_SID:
		/* a new session has no controlling terminal (sid events come only when
		 * a rule or subscriber wants them: an exec reads the terminal anyway) */
		if (!pid_is_thread_of_other(ev))
			p->tty_nr = 0;
		break;
	case PROC_EV_EXIT:
		if (!pid_is_thread_of_other(ev) && ev->exit.parent_tgid > 0)
			p->ppid = ev->exit.parent_tgid;
		break;
	default:
		break;
	}
	return p;
}

/* Is a known entry's process still alive (not gone, not a zombie)? */
static bool still_alive(ProcTable *t, const Process *p)
{
	ProcStat ps;

	if (procfs_read_stat(t->proc_root, p->pid, &ps) < 0)
		return false;
	return ps.state != 'Z' && ps.state != 'X';
}

/* Add every live process not yet known; with check_known, also mark the known
 * ones that are still alive with this scan's generation. */
static int scan(ProcTable *t, bool check_known)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	unsigned added = 0;

	d = opendir(t->proc_root);
	if (!d)
		return log_error_errno(errno, "Failed to open %s: %m", t->proc_root);
	t->stats.n_scans++;
	t->generation++;

	while ((de = readdir(d))) {
		char *end;
		long pid;
		Process *p;
		int r;

		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX)
			continue;
		p = proctable_get(t, (pid_t)pid);
		if (p) {
			if (!check_known || still_alive(t, p))
				p->seen = t->generation;
			continue;
		}
		/* read before inserting: a process gone between readdir and read is
		 * normal and must leave no trace */
		p = process_new((pid_t)pid, PROC_ORIGIN_SCANNED);
		if (!p)
			return -ENOMEM;
		r = proctable_refresh(t, p);
		if (r == -ENOMEM) {
			process_free(p);
			return r;
		}
		if (r < 0) {
			process_free(p);
			continue;
		}
		/* zombies are dead already and will produce no exit event */
		if (p->state == 'Z' || p->state == 'X') {
			process_free(p);
			continue;
		}
		p->seen = t->generation;
		/* at once, not after the scan: the copies would have raised the peak */
		share_with_parent(t, p);
		r = table_insert(t, p);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		added++;
	}
	/* parents now that all are in (readdir's order is not the tree's) */
	for (size_t i = 0; added > 0 && i < t->capacity; i++)
		if (t->slots[i] && t->slots[i]->origin == PROC_ORIGIN_SCANNED &&
		    t->slots[i]->seen == t->generation) {
			adopt_parent_id(t, t->slots[i]);
			share_with_parent(t, t->slots[i]);
		}
	log_debug("Scan of %s added %u processes, %zu tracked.", t->proc_root, added, t->n);
	return (int)added;
}

int proctable_scan(ProcTable *t)
{
	return scan(t, false);
}

int proctable_resync(ProcTable *t)
{
	_cleanup_free_ pid_t *gone = NULL;
	size_t n = 0;
	int r;

	r = scan(t, true);
	if (r < 0)
		return r;
	/* collect first: removing while walking the slots would move entries */
	gone = calloc(t->n ?: 1, sizeof(pid_t));
	if (!gone)
		return -ENOMEM;
	for (size_t i = 0; i < t->capacity; i++)
		if (t->slots[i] && t->slots[i]->seen != t->generation)
			gone[n++] = t->slots[i]->pid;
	for (size_t i = 0; i < n; i++)
		proctable_remove(t, gone[i]);
	log_debug("Resync: %d processes added, %zu dropped, %zu tracked.", r, n, t->n);
	return (int)n;
}

size_t proctable_ancestors(const ProcTable *t, const Process *p, const Process **ret, size_t max,
			   size_t *ret_missing)
{
	const Process *a = p;
	size_t n = 0, missing = 0;

	for (size_t i = 0; i < t->n && a->ppid > 0 && a->ppid != a->pid; i++) {
		a = proctable_get(t, a->ppid);
		if (!a)
			break;
		if (n < max)
			ret[n++] = a;
		else if (ret_missing)
			missing++;
		else
			break; /* nobody asked how many more: no walk to the root */
	}
	if (ret_missing)
		*ret_missing = missing;
	return n;
}

const char *proctable_user_name(ProcTable *t, uid_t uid)
{
	struct passwd *pw;
	char *name = NULL;

	if (uid == (uid_t)-1)
		return NULL;
	for (size_t i = 0; i < t->n_users; i++)
		if (t->users[i].uid == uid)
			return t->users[i].name;

	/* NSS may be slow; the cache keeps this off the per-event path */
	pw = getpwuid(uid);
	if (pw)
		name = strdup(pw->pw_name);
	if (t->n_users < USER_CACHE_MAX) {
		t->users[t->n_users].uid = uid;
		t->users[t->n_users].name = name;
		t->n_users++;
		return name;
	}
	/* cache full: answer, but keep no copy */
	free(name);
	return pw ? pw->pw_name : NULL;
}

const char *process_login_user(ProcTable *t, const Process *p)
{
	return p->login_known && p->loginuid != (uid_t)-1 ? proctable_user_name(t, p->loginuid) :
							    NULL;
}

char *process_cmdline(const Process *p)
{
	size_t len = p->argv_len;
	char *s;

	/* cmdline usually ends with a NUL; drop it so there is no trailing space */
	if (len > 0 && p->argv[len - 1] == 0)
		len--;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = p->argv[i] ? p->argv[i] : ' ';
	s[len] = 0;
	return s;
}
