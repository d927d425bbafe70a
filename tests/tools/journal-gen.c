/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * journal-gen: fill the journal with cnprocd's process records, for the history
 * benchmark (tests/bench/history.sh) and anyone who wants a big journal to read.
 *
 *   journal-gen N [--units U] [--seed S]
 *
 * About N records of a made-up process forest: each process a fork, an exec and
 * an exit record, built by the daemon's own code (pipeline_record() and
 * journal_event_record(), so the fields are the daemon's) and sent synchronously
 * with sd_journal_sendv(). The forest: one long-lived root per unit
 * "bench-K.service" (K < U, default 20), forked by pid 1; every other process is
 * forked by a live process of its unit that runs a program which forks (units
 * chosen unevenly, Zipf-like); most programs live a few steps, some for very
 * long. Pids increase and wrap below 32768, so pids are reused with new start
 * ticks; PID@TICKS ids are the daemon's (proc_start_ticks() of the fork's
 * time). Events are sent as they are made: the journal's timestamps are the
 * events' times, and lifetimes agree with them. Three records a process, so at
 * least three a unit (its root). One field of the daemon's is missing:
 * CNPROCD_ANCESTORS, which needs its process table (EventRecord.table).
 *
 * It must run under the name "cnprocd": journald's _COMM is the executable's
 * name, and cnprocctl reads only records whose _COMM is cnprocd (a symlink named
 * cnprocd to this program does it).
 *
 * Halfway through it pauses until a whole second of the wall clock has begun:
 * records up to midpoint_usec are the first half exactly (a --until window).
 * At the end, on stdout: "records N", "processes P", "midpoint_usec U",
 * "midpoint_records R", "midpoint_processes Q" (processes with a record up to
 * the midpoint) and "unit bench-K.service COUNT" for every unit.
 * Exit status: 0, 1 on an error, 2 on a usage error.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "journal.h"
#include "pipeline.h"
#include "procfs.h"
#include "procid.h"
#include "proctable.h"
#include "record.h"

#define NONE UINT32_MAX
/* the kernel's default pid_max on small machines: a run of 300,000 processes
 * goes round about ten times */
#define PID_MAX 32768
/* where the kernel starts again after a wrap (RESERVED_PIDS) */
#define PID_WRAP 300
#define N_CPUS 4
#define ARGV_MAX 512

/* A program a process can exec: "%u" in an argument becomes the process's
 * number, so command lines differ as they do in life. */
typedef struct Program {
	const char *comm, *exe;
	const char *args[6];
	bool lives_long; /* a shell, a worker, a server: lives for many steps */
	bool forks;      /* has children */
} Program;

static const Program programs[] = {
	{ "bash", "/usr/bin/bash", { "/bin/bash", "/usr/local/bin/worker.sh", "--job", "%u" },
	  true, true },
	{ "python3", "/usr/bin/python3.11", { "/usr/bin/python3", "/opt/app/worker.py", "--id=%u" },
	  true, true },
	{ "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
	  { "java", "-Xmx512m", "-jar", "/opt/svc/app.jar", "--instance=%u" }, true, true },
	{ "nginx", "/usr/sbin/nginx", { "nginx: worker process" }, true, false },
	{ "sh", "/usr/bin/dash", { "/bin/sh", "-c", "cd /tmp && ls -l \"dir %u\" | wc -l" },
	  false, true },
	{ "make", "/usr/bin/make", { "make", "-C", "/srv/build", "-j2", "target-%u" }, false,
	  true },
	{ "git", "/usr/bin/git", { "git", "-C", "/srv/repo", "fetch", "--quiet", "origin" }, false,
	  true },
	{ "curl", "/usr/bin/curl", { "/usr/bin/curl", "-s", "https://example.com/%u" }, false,
	  false },
	{ "grep", "/usr/bin/grep", { "grep", "-q", "req-%u", "/var/log/app.log" }, false, false },
	{ "sed", "/usr/bin/sed", { "sed", "-n", "s/a b/c d/p", "/tmp/in.%u" }, false, false },
	{ "tar", "/usr/bin/tar", { "tar", "czf", "/var/backups/b-%u.tgz", "/etc" }, false, false },
	{ "ssh", "/usr/bin/ssh", { "ssh", "-o", "BatchMode=yes", "deploy@db-%u", "uptime" }, false,
	  false },
	{ "printf", "/usr/bin/printf", { "printf", "%s\\n", "héllo wörld %u" }, false, false },
	{ "sleep", "/usr/bin/sleep", { "sleep", "0.%u" }, false, false },
	{ "cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
	  { "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet", "src/file%u.c", "-O2", "-o",
	    "/tmp/ccX%u.s" }, false, false },
};
#define N_PROGRAMS (sizeof(programs) / sizeof(programs[0]))

typedef struct User {
	uid_t uid;
	const char *name;
} User;

/* set directly: the bench needs no such users on the machine */
static const User users[] = { { 0, "root" }, { 1, "daemon" }, { 1000, "alice" } };

typedef struct Unit {
	char name[64], cgroup[96];
	const User *user;
	uint32_t session; /* alice's: a login session; (uint32_t)-1 none */
	unsigned tty_nr;
	uint32_t *parents; /* live processes that may fork (the root among them) */
	size_t n_parents, alloc_parents;
	unsigned long long records;
	double weight; /* cumulative, for the choice of a unit */
} Unit;

/* One live process: what the daemon's table would have, and its future. */
typedef struct Proc {
	Process p;
	uint32_t parent;     /* its parent's slot at fork; NONE: pid 1 */
	uint64_t due;        /* the step of its next event */
	ProcEventType next;  /* EXEC or EXIT */
	uint32_t unit;
	uint32_t parent_pos; /* where in its unit's parents; NONE: not there */
	const Program *prog; /* what it execs */
	bool root;
} Proc;

static Proc *procs;
static uint32_t n_slots, *free_slots, n_free;
static uint32_t *heap, n_heap;
static uint32_t pid_slot[PID_MAX];
static uint64_t pid_ticks[PID_MAX];
static pid_t next_pid;
static Unit *units;
static unsigned n_units = 20;
static uint64_t rng_state = 1;
static uint32_t seq[N_CPUS];
static uint64_t boot_offset_ns;
static unsigned long hz;
static char boot_id[SD_ID128_STRING_MAX];
static Process init_proc;
static unsigned long long n_records, n_processes;

/* splitmix64: the same forest for the same seed (the times are the run's) */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) / (double)(1ULL << 53);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *grow(void *p, size_t *alloc, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *alloc)
		return p;
	n = *alloc ? *alloc * 2 : 64;
	while (n < need)
		n *= 2;
	q = realloc(p, n * size);
	if (!q) {
		fprintf(stderr, "journal-gen: out of memory\n");
		exit(EXIT_FAILURE);
	}
	*alloc = n;
	return q;
}

static const char *user_name(uid_t uid)
{
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (users[i].uid == uid)
			return users[i].name;
	return NULL;
}

/* --- the queue of next events, a min-heap on due --- */

static bool before(uint32_t a, uint32_t b)
{
	return procs[a].due < procs[b].due || (procs[a].due == procs[b].due && a < b);
}

static void heap_push(uint32_t slot)
{
	static size_t alloc;
	uint32_t i = n_heap++;

	heap = grow(heap, &alloc, n_heap, sizeof(*heap));
	while (i > 0 && before(slot, heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = slot;
}

static uint32_t heap_pop(void)
{
	uint32_t top = heap[0], last = heap[--n_heap], i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n_heap)
			break;
		if (c + 1 < n_heap && before(heap[c + 1], heap[c]))
			c++;
		if (!before(heap[c], last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (n_heap > 0)
		heap[i] = last;
	return top;
}

/* --- the forest --- */

static void parents_add(uint32_t slot)
{
	Unit *u = &units[procs[slot].unit];

	u->parents = grow(u->parents, &u->alloc_parents, u->n_parents + 1, sizeof(*u->parents));
	procs[slot].parent_pos = (uint32_t)u->n_parents;
	u->parents[u->n_parents++] = slot;
}

static void parents_remove(uint32_t slot)
{
	Unit *u = &units[procs[slot].unit];
	uint32_t pos = procs[slot].parent_pos, last;

	if (pos == NONE)
		return;
	last = u->parents[--u->n_parents];
	u->parents[pos] = last;
	procs[last].parent_pos = pos;
	procs[slot].parent_pos = NONE;
}

static uint32_t unit_pick(void)
{
	double x = rnd_unit() * units[n_units - 1].weight;
	unsigned lo = 0, hi = n_units - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (units[mid].weight > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static pid_t pid_alloc(void)
{
	/* the allocator goes up, skips pids in use and wraps: as the kernel's */
	for (;;) {
		pid_t pid = next_pid++;

		if (next_pid >= PID_MAX)
			next_pid = PID_WRAP;
		if (pid_slot[pid] == NONE)
			return pid;
	}
}

static uint32_t slot_alloc(void)
{
	static size_t alloc, alloc_free;

	if (n_free > 0)
		return free_slots[--n_free];
	procs = grow(procs, &alloc, n_slots + 1, sizeof(*procs));
	free_slots = grow(free_slots, &alloc_free, n_slots + 1, sizeof(*free_slots));
	return n_slots++;
}

/* The command line of prog for process number n, NUL-separated as in
 * /proc/PID/cmdline; its length. */
static size_t build_argv(const Program *prog, unsigned long long n, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < 6 && prog->args[i]; i++) {
		const char *a = prog->args[i], *m = strstr(a, "%u");
		int k;

		if (m)
			k = snprintf(buf + len, size - len, "%.*s%llu%s", (int)(m - a), a, n, m + 2);
		else
			k = snprintf(buf + len, size - len, "%s", a);
		if (k < 0 || (size_t)k + 1 >= size - len)
			break;
		len += (size_t)k + 1; /* with its NUL */
	}
	return len;
}

static void set_argv(Process *p, const char *argv, size_t len)
{
	free(p->argv);
	p->argv = malloc(len ?: 1);
	if (!p->argv) {
		fprintf(stderr, "journal-gen: out of memory\n");
		exit(EXIT_FAILURE);
	}
	memcpy(p->argv, argv, len);
	p->argv_len = len;
}

/* the parent's Process while it lives, as the daemon's table would give it */
static const Process *parent_of(const Proc *x)
{
	const Proc *pp;

	if (x->parent == NONE)
		return &init_proc;
	pp = &procs[x->parent];
	if (pp->p.pid == x->p.ppid && proc_id_equal(pp->p.id, x->p.parent_id))
		return &pp->p;
	return NULL;
}

/* One event of x to the journal, the daemon's record of it. */
static void emit(Proc *x, ProcEventType type, const Process *parent)
{
	uint64_t ts = clock_ns(CLOCK_MONOTONIC);
	ProcEvent ev = {
		.type = type,
		.cpu = (uint32_t)rnd_below(N_CPUS),
		.timestamp_ns = ts,
		.pid = x->p.pid,
		.tgid = x->p.pid,
	};
	struct iovec iov[RECORD_MAX_FIELDS];
	const char *login = NULL;
	EventRecord rec;
	Record r;
	int k;

	ev.seq = seq[ev.cpu]++;
	switch (type) {
	case PROC_EV_FORK:
		ev.what = PROC_EVENT_FORK;
		ev.fork.parent_pid = ev.fork.parent_tgid = x->p.ppid;
		/* the child's start: what the daemon computes from the fork's time */
		x->p.start_ns = ts;
		x->p.id = (ProcId){ .pid = x->p.pid,
				    .start_ticks = proc_start_ticks(ts, boot_offset_ns, hz, &(bool){ 0 }) };
		/* a pid comes back in a later tick only */
		if (x->p.id.start_ticks <= pid_ticks[x->p.pid])
			x->p.id.start_ticks = pid_ticks[x->p.pid] + 1;
		pid_ticks[x->p.pid] = x->p.id.start_ticks;
		break;
	case PROC_EV_EXEC:
		ev.what = PROC_EVENT_EXEC;
		break;
	default: {
		unsigned roll = (unsigned)rnd_below(100);

		ev.what = PROC_EVENT_EXIT;
		ev.exit.exit_signal = SIGCHLD;
		if (roll < 2) {
			/* killed: by the OOM killer or kill -9, a stop, a crash */
			static const int sigs[] = { SIGKILL, SIGKILL, SIGTERM, SIGTERM, SIGSEGV };
			int sig = sigs[rnd_below(5)];

			ev.exit.signal = sig;
			ev.exit.status = -1;
			ev.exit.core = sig == SIGSEGV;
			ev.exit.exit_code = (uint32_t)sig | (ev.exit.core ? 0x80U : 0);
		} else {
			static const int codes[] = { 1, 1, 2, 127, 255, 3 };
			int code = roll < 10 ? codes[rnd_below(6)] : 0;

			ev.exit.status = code;
			ev.exit.exit_code = (uint32_t)code << 8;
		}
		ev.exit.parent_pid = ev.exit.parent_tgid = x->p.ppid;
		break;
	}
	}

	if (x->p.login_known && x->p.loginuid != (uid_t)-1)
		login = user_name(x->p.loginuid);
	pipeline_record(&rec, &ev, &x->p, parent, user_name(x->p.euid), login,
			clock_ns(CLOCK_REALTIME) / 1000, true);
	rec.boot_id = boot_id;
	rec.rule = "bench";
	rec.priority = LOG_INFO;

	k = journal_event_record(&rec, &r);
	if (k >= 0)
		k = record_end(&r);
	if (k < 0) {
		fprintf(stderr, "journal-gen: building a record: %s\n", strerror(-k));
		exit(EXIT_FAILURE);
	}
	/* as record_send() hands them to the writer thread */
	for (unsigned i = 0; i < r.n; i++)
		iov[i] = (struct iovec){ .iov_base = r.buf + r.off[i], .iov_len = r.len[i] };
	k = sd_journal_sendv(iov, (int)r.n);
	record_discard(&r);
	if (k < 0) {
		fprintf(stderr, "journal-gen: sd_journal_sendv: %s\n", strerror(-k));
		exit(EXIT_FAILURE);
	}
	n_records++;
	units[x->unit].records++;
}

/* A new process of unit u: forked by a live process of the unit that forks (or
 * by pid 1, for the unit's root). */
static void fork_process(uint32_t u, bool root, uint64_t step)
{
	uint32_t s = slot_alloc(), ps = NONE;
	const Process *from = &init_proc;
	const Program *prog;
	Proc *x;

	if (!root) {
		Unit *un = &units[u];

		ps = un->parents[rnd_below(un->n_parents)];
		from = &procs[ps].p;
	}
	/* mostly short-lived programs; now and then a worker that stays */
	if (root || rnd_below(100) < 3) {
		do
			prog = &programs[rnd_below(N_PROGRAMS)];
		while (!prog->lives_long || (root && !prog->forks));
	} else {
		do
			prog = &programs[rnd_below(N_PROGRAMS)];
		while (prog->lives_long);
	}

	x = &procs[s];
	*x = (Proc){
		.parent = ps,
		.next = PROC_EV_EXEC,
		.due = step + 1 + rnd_below(3),
		.unit = u,
		.parent_pos = NONE,
		.prog = prog,
		.root = root,
	};
	/* what fork copies: the parent's program, ids, cgroup, login */
	x->p = (Process){
		.pid = pid_alloc(),
		.ppid = from->pid,
		.exe = from->exe,
		.uid = from->uid,
		.euid = from->euid,
		.gid = from->gid,
		.egid = from->egid,
		/* systemd forks into the unit's cgroup (CLONE_INTO_CGROUP) */
		.cgroup = units[u].cgroup,
		.unit = units[u].name,
		.cwd = from->cwd,
		.loginuid = from->loginuid,
		.sessionid = from->sessionid,
		.login_known = true,
		.tty_nr = from->tty_nr,
		.parent_id = from->id,
		.origin = PROC_ORIGIN_FORK,
		.state = 'R',
	};
	memcpy(x->p.comm, from->comm, sizeof(x->p.comm));
	set_argv(&x->p, from->argv, from->argv_len);
	pid_slot[x->p.pid] = s;
	n_processes++;
	emit(x, PROC_EV_FORK, from);
	heap_push(s);
}

static void exec_process(uint32_t s, uint64_t step)
{
	Proc *x = &procs[s];
	Unit *u = &units[x->unit];
	char argv[ARGV_MAX];
	size_t len = build_argv(x->prog, n_processes, argv, sizeof(argv));
	uint64_t life;

	snprintf(x->p.comm, sizeof(x->p.comm), "%s", x->prog->comm);
	x->p.exe = (char *)x->prog->exe;
	set_argv(&x->p, argv, len);
	x->p.exec_seen = true;
	if (x->root) {
		/* the service's user and login, set by systemd before the exec */
		x->p.uid = x->p.euid = x->p.gid = x->p.egid = u->user->uid;
		x->p.loginuid = u->session != (uint32_t)-1 ? u->user->uid : (uid_t)-1;
		x->p.sessionid = u->session;
		x->p.tty_nr = u->tty_nr;
		x->p.cwd = u->user->uid == 1000 ? "/home/alice" : "/";
	}
	emit(x, PROC_EV_EXEC, parent_of(x));
	if (x->prog->forks)
		parents_add(s);

	/* short: a few steps, a tenth of them longer; long: up to 300,000 steps */
	if (x->root)
		life = UINT64_MAX - step - 1;
	else if (x->prog->lives_long)
		life = 20000 + rnd_below(300000);
	else
		life = 2 + rnd_below(60) + (rnd_below(10) == 0 ? rnd_below(2000) : 0);
	x->next = PROC_EV_EXIT;
	x->due = step + life;
	heap_push(s);
}

static void exit_process(uint32_t s)
{
	Proc *x = &procs[s];
	const Process *parent = parent_of(x);

	/* an orphan was reparented to init: its exit event names pid 1 */
	if (!parent || parent == &init_proc) {
		x->p.ppid = 1;
		parent = &init_proc;
	}
	parents_remove(s);
	emit(x, PROC_EV_EXIT, parent);
	pid_slot[x->p.pid] = NONE;
	free(x->p.argv);
	x->p.argv = NULL;
	free_slots[n_free++] = s;
}

static void init_setup(void)
{
	static char init_argv[] = "/sbin/init\0splash";
	ProcStat ps;

	/* pid 1 as the daemon's scan found it: the roots' parent, and init's id */
	init_proc = (Process){
		.pid = 1,
		.comm = "systemd",
		.exe = (char *)"/usr/lib/systemd/systemd",
		.argv = init_argv,
		.argv_len = sizeof(init_argv),
		.cgroup = (char *)"/init.scope",
		.cwd = (char *)"/",
		.loginuid = (uid_t)-1,
		.sessionid = (uint32_t)-1,
		.login_known = true,
		.id = { .pid = 1, .start_ticks = 1 },
		.origin = PROC_ORIGIN_SCANNED,
		.exec_seen = true,
		.state = 'S',
	};
	if (procfs_read_stat("/proc", 1, &ps) == 0)
		init_proc.id.start_ticks = ps.starttime;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: journal-gen N [--units U] [--seed S]\n"
		   "Writes about N of cnprocd's process records to the journal (run it as \"cnprocd\").\n");
}

static int parse_ull(const char *s, unsigned long long min, unsigned long long *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min)
		return -1;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "units", required_argument, NULL, 'u' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long long target, v, mid_records = 0, mid_processes = 0;
	uint64_t step = 0, mid_usec = 0;
	sd_id128_t b;
	double w = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'u':
			if (parse_ull(optarg, 1, &v) < 0 || v > 10000) {
				fprintf(stderr, "journal-gen: --units: 1 to 10000: %s\n", optarg);
				return 2;
			}
			n_units = (unsigned)v;
			break;
		case 's':
			if (parse_ull(optarg, 0, &v) < 0) {
				fprintf(stderr, "journal-gen: --seed: a number: %s\n", optarg);
				return 2;
			}
			rng_state = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	if (optind + 1 != argc || parse_ull(argv[optind], 1, &target) < 0) {
		usage(stderr);
		return 2;
	}

	{
		char comm[16] = "";

		/* journald's _COMM is this: another name, and cnprocctl skips them all */
		if (prctl(PR_GET_NAME, comm) == 0 && strcmp(comm, "cnprocd") != 0)
			fprintf(stderr, "journal-gen: running as \"%s\", not \"cnprocd\": cnprocctl "
					"will take these records for someone else's\n", comm);
	}
	hz = (unsigned long)sysconf(_SC_CLK_TCK);
	boot_offset_ns = clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC);
	if (sd_id128_get_boot(&b) >= 0)
		sd_id128_to_string(b, boot_id);
	for (size_t i = 0; i < PID_MAX; i++)
		pid_slot[i] = NONE;
	next_pid = (pid_t)(2000 + rnd_below(8000));
	init_setup();

	units = calloc(n_units, sizeof(*units));
	if (!units) {
		fprintf(stderr, "journal-gen: out of memory\n");
		return EXIT_FAILURE;
	}
	for (unsigned k = 0; k < n_units; k++) {
		Unit *u = &units[k];

		snprintf(u->name, sizeof(u->name), "bench-%u.service", k);
		snprintf(u->cgroup, sizeof(u->cgroup), "/system.slice/%s", u->name);
		/* root mostly; a daemon-user service; alice's, with her login and pts */
		u->user = &users[k % 4 == 1 ? 1 : k % 4 == 3 ? 2 : 0];
		u->session = u->user->uid == 1000 ? 100 + k : (uint32_t)-1;
		u->tty_nr = u->user->uid == 1000 ? (136U << 8) | (k & 0xff) : 0;
		/* uneven: unit K gets a share like 1 / (K + 1) */
		w += 1.0 / (k + 1);
		u->weight = w;
	}

	/* the roots first: the services' main processes */
	for (unsigned k = 0; k < n_units; k++)
		fork_process(k, true, step++);

	for (;; step++) {
		/* every process makes three records: stop forking when N are planned */
		bool forking = 3 * (n_processes + 1) <= target;
		uint32_t s;

		if (n_records * 2 >= target && mid_usec == 0) {
			/* from the next whole second on, the second half */
			uint64_t now = clock_ns(CLOCK_REALTIME) / 1000;
			struct timespec t;

			mid_usec = (now / 1000000 + 1) * 1000000;
			mid_records = n_records;
			mid_processes = n_processes;
			t = (struct timespec){ .tv_sec = (time_t)(mid_usec / 1000000), .tv_nsec = 1000000 };
			while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, NULL) == EINTR)
				;
		}
		if (n_heap == 0)
			break;
		/* a fork when nothing is due: the number alive finds its level */
		if (forking && procs[heap[0]].due > step) {
			uint32_t u = unit_pick();

			if (units[u].n_parents > 0) {
				fork_process(u, false, step);
				continue;
			}
		}
		s = heap_pop();
		if (procs[s].next == PROC_EV_EXEC)
			exec_process(s, step);
		else
			exit_process(s);
	}

	printf("records %llu\nprocesses %llu\nmidpoint_usec %" PRIu64 "\nmidpoint_records %llu\n"
	       "midpoint_processes %llu\n",
	       n_records, n_processes, mid_usec, mid_records, mid_processes);
	for (unsigned k = 0; k < n_units; k++)
		printf("unit %s %llu\n", units[k].name, units[k].records);
	for (unsigned k = 0; k < n_units; k++)
		free(units[k].parents);
	free(units);
	free(procs);
	free(free_slots);
	free(heap);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
