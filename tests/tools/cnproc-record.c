/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnproc-record: record one raw proc connector datagram per event type, as fixtures
 * for tests/unit/test-cnproc.c.
 *
 * Needs root (CAP_NET_ADMIN in the initial user and pid namespace). From the top of
 * the source tree:
 *
 *   gcc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -I src/shared \
 *       tests/tools/cnproc-record.c -o /tmp/cnproc-record
 *   sudo /tmp/cnproc-record tests/data
 *
 * It subscribes, forks a driver process that triggers every event type with fixed
 * values, and writes exactly the bytes recv() returned for the first matching event
 * of each kind:
 *
 *   ack.bin            PROC_EVENT_NONE answering our LISTEN (ack = request ack + 1)
 *   fork.bin           fork of the driver itself (parent = the recorder)
 *   exec.bin           a grandchild exec()ing /bin/true
 *   gid.bin, uid.bin   a grandchild doing setresgid()/setresuid() to 65534
 *   sid.bin            a grandchild calling setsid()
 *   comm.bin           the driver renaming itself "cnproc-fixture"
 *   ptrace.bin         the driver PTRACE_SEIZE-ing a grandchild (attach event)
 *   coredump.bin       a grandchild raising SIGABRT with RLIMIT_CORE 0
 *   exit-coredump.bin  the exit of that grandchild (signal 6, no core written)
 *   exit.bin           a grandchild exiting with status 3
 *   exit-signal.bin    a grandchild killed by SIGKILL
 *
 * coredump.bin/exit-coredump.bin are optional: if the kernel does not emit the
 * event, the reason is printed and the rest is still written.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "macro.h"

#define FIXTURE_ID 65534
#define FIXTURE_COMM "cnproc-fixture"
#define FIXTURE_STATUS 3
#define TIMEOUT_MS 20000
#define DRIVER_ALARM_S 10

enum {
	F_ACK,
	F_FORK,
	F_EXEC,
	F_UID,
	F_GID,
	F_SID,
	F_COMM,
	F_PTRACE,
	F_COREDUMP,
	F_EXIT_COREDUMP,
	F_EXIT,
	F_EXIT_SIGNAL,
	_F_MAX,
};

static const struct {
	const char *name;
	bool optional;
} fixtures[_F_MAX] = {
	[F_ACK] = { "ack.bin", false },
	[F_FORK] = { "fork.bin", false },
	[F_EXEC] = { "exec.bin", false },
	[F_UID] = { "uid.bin", false },
	[F_GID] = { "gid.bin", false },
	[F_SID] = { "sid.bin", false },
	[F_COMM] = { "comm.bin", false },
	[F_PTRACE] = { "ptrace.bin", false },
	[F_COREDUMP] = { "coredump.bin", true },
	[F_EXIT_COREDUMP] = { "exit-coredump.bin", true },
	[F_EXIT] = { "exit.bin", false },
	[F_EXIT_SIGNAL] = { "exit-signal.bin", false },
};

struct recorder {
	const char *outdir;
	int outfd;
	bool done[_F_MAX];
	pid_t tracked[256];
	size_t n_tracked;
};

/* Aligned receive buffer so the kernel structs can be used directly here. */
union nlbuf {
	struct nlmsghdr nlh;
	uint8_t raw[8192];
};

static int send_mcast_op(int fd, uint32_t seq, uint32_t ack, uint32_t op)
{
	struct {
		struct nlmsghdr nlh;
		struct cn_msg cn;
		uint32_t op;
	} __attribute__((packed)) req = {
		.nlh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + 4),
			.nlmsg_type = NLMSG_DONE,
			.nlmsg_pid = (uint32_t)getpid(),
		},
		.cn = {
			.id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
			.seq = seq,
			.ack = ack,
			.len = sizeof(uint32_t),
		},
		.op = op,
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	_Static_assert(sizeof(req) == NLMSG_LENGTH(sizeof(struct cn_msg) + 4), "size");

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int open_socket(void)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = CN_IDX_PROC,
	};
	int sz = 4 << 20;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		return -errno;
	/* Bursts from the rest of the machine must not push our events out. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One datagram with a deadline: >0 bytes, 0 on timeout, negative errno. */
static ssize_t recv_until(int fd, union nlbuf *buf, long long deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)MIN(left, 200));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = recv(fd, buf->raw, sizeof(buf->raw), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "warning: receive queue overflowed, "
						"events may be missing\n");
				continue;
			}
			return -errno;
		}
		return n;
	}
}

/*
 * Copies out the proc_event of a datagram; false if it is not one. A copy, because
 * the event sits at offset 36 and struct proc_event wants 8-byte alignment.
 */
static bool datagram_event(const union nlbuf *buf, size_t n, struct proc_event *ev)
{
	const struct cn_msg *cn;

	if (n < NLMSG_LENGTH(sizeof(struct cn_msg)) || buf->nlh.nlmsg_len > n ||
	    buf->nlh.nlmsg_type != NLMSG_DONE)
		return false;
	cn = NLMSG_DATA(&buf->nlh);
	if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC ||
	    cn->len < sizeof(*ev) ||
	    buf->nlh.nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + cn->len))
		return false;
	memcpy(ev, cn->data, sizeof(*ev));
	return true;
}

static int write_fixture(struct recorder *rec, int which, const void *p, size_t n)
{
	_cleanup_close_ int fd = -1;
	const char *name = fixtures[which].name;

	if (rec->done[which])
		return 0;
	fd = openat(rec->outfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, p, n) != (ssize_t)n)
		return errno ? -errno : -EIO;
	rec->done[which] = true;
	printf("recorded %s/%s (%zu bytes)\n", rec->outdir, name, n);
	return 0;
}

static bool is_tracked(const struct recorder *rec, pid_t pid)
{
	for (size_t i = 0; i < rec->n_tracked; i++)
		if (rec->tracked[i] == pid)
			return true;
	return false;
}

static void track(struct recorder *rec, pid_t pid)
{
	if (!is_tracked(rec, pid) && rec->n_tracked < ELEMENTSOF(rec->tracked))
		rec->tracked[rec->n_tracked++] = pid;
}

/* Which fixture, if any, this event is. Also grows the tracked process tree. */
static int classify(struct recorder *rec, const struct proc_event *ev)
{
	const typeof(ev->event_data) *d = &ev->event_data;
	int code;

	switch (ev->what) {
	case PROC_EVENT_FORK:
		if (is_tracked(rec, d->fork.parent_tgid))
			track(rec, d->fork.child_tgid);
		return is_tracked(rec, d->fork.child_tgid) ? F_FORK : -1;
	case PROC_EVENT_EXEC:
		return is_tracked(rec, d->exec.process_tgid) ? F_EXEC : -1;
	case PROC_EVENT_UID:
		if (!is_tracked(rec, d->id.process_tgid) || d->id.r.ruid != FIXTURE_ID ||
		    d->id.e.euid != FIXTURE_ID)
			return -1;
		return F_UID;
	case PROC_EVENT_GID:
		if (!is_tracked(rec, d->id.process_tgid) || d->id.r.rgid != FIXTURE_ID ||
		    d->id.e.egid != FIXTURE_ID)
			return -1;
		return F_GID;
	case PROC_EVENT_SID:
		return is_tracked(rec, d->sid.process_tgid) ? F_SID : -1;
	case PROC_EVENT_COMM:
		if (!is_tracked(rec, d->comm.process_tgid) ||
		    strncmp(d->comm.comm, FIXTURE_COMM, sizeof(d->comm.comm)) != 0)
			return -1;
		return F_COMM;
	case PROC_EVENT_PTRACE:
		if (!is_tracked(rec, d->ptrace.process_tgid) || d->ptrace.tracer_pid == 0)
			return -1;
		return F_PTRACE;
	case PROC_EVENT_COREDUMP:
		return is_tracked(rec, d->coredump.process_tgid) ? F_COREDUMP : -1;
	case PROC_EVENT_EXIT:
		if (!is_tracked(rec, d->exit.process_tgid))
			return -1;
		code = (int)d->exit.exit_code;
		if (WIFEXITED(code) && WEXITSTATUS(code) == FIXTURE_STATUS)
			return F_EXIT;
		if (WIFSIGNALED(code) && WTERMSIG(code) == SIGKILL)
			return F_EXIT_SIGNAL;
		if (WIFSIGNALED(code) && WTERMSIG(code) == SIGABRT)
			return F_EXIT_COREDUMP;
		return -1;
	default:
		return -1;
	}
}

static bool all_done(const struct recorder *rec)
{
	for (int i = 0; i < _F_MAX; i++)
		if (!rec->done[i])
			return false;
	return true;
}

/* ---- driver: runs in the forked child, triggers the events ---- */

static _noreturn_ void die(const char *what)
{
	fprintf(stderr, "driver: %s: %s\n", what, strerror(errno));
	_exit(EXIT_FAILURE);
}

/* Forks a grandchild running fn; it dies with the driver so nothing is left behind. */
static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg);
		_exit(0);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return st;
}

static void gc_exec(int arg)
{
	(void)arg;
	execl("/bin/true", "true", (char *)NULL);
	die("exec /bin/true");
}

static void gc_ids(int arg)
{
	(void)arg;
	/* gid first: after dropping the uid we could not change it any more. */
	if (setresgid(FIXTURE_ID, FIXTURE_ID, FIXTURE_ID) < 0)
		die("setresgid");
	if (setresuid(FIXTURE_ID, FIXTURE_ID, FIXTURE_ID) < 0)
		die("setresuid");
}

static void gc_setsid(int arg)
{
	(void)arg;
	if (setsid() < 0)
		die("setsid");
}

static void gc_exit(int status)
{
	_exit(status);
}

static void gc_pause(int arg)
{
	(void)arg;
	for (;;)
		pause();
}

/* Write end of the tracee's pipe, which the tracee must not hold itself. */
static int tracee_wfd = -1;

/* Tracee: waits for EOF on the pipe, so it outlives the attach. */
static void gc_wait_eof(int fd)
{
	char c;

	close(tracee_wfd);
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void gc_abort(int arg)
{
	struct rlimit rl = { 0, 0 };
	sigset_t ss;

	(void)arg;
	/* No core file: the connector event is sent before the dump is attempted. */
	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		die("setrlimit");
	signal(SIGABRT, SIG_DFL);
	sigemptyset(&ss);
	sigaddset(&ss, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &ss, NULL);
	raise(SIGABRT);
	die("still alive after SIGABRT");
}

static _noreturn_ void driver(void)
{
	int pfd[2], st;
	pid_t pid;

	/* Whatever goes wrong, the driver must not hang the recorder. */
	alarm(DRIVER_ALARM_S);

	if (prctl(PR_SET_NAME, FIXTURE_COMM) < 0)
		die("prctl(PR_SET_NAME)");

	st = reap(spawn(gc_exec, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("exec grandchild failed");
	st = reap(spawn(gc_ids, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("setres[ug]id grandchild failed");
	st = reap(spawn(gc_setsid, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("setsid grandchild failed");
	reap(spawn(gc_exit, FIXTURE_STATUS));

	pid = spawn(gc_pause, 0);
	if (kill(pid, SIGKILL) < 0)
		die("kill");
	reap(pid);

	if (pipe2(pfd, O_CLOEXEC) < 0)
		die("pipe2");
	tracee_wfd = pfd[1];
	pid = spawn(gc_wait_eof, pfd[0]);
	close(pfd[0]);
	/* SEIZE does not stop the tracee; the connector reports the attach itself. */
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		die("ptrace(PTRACE_SEIZE)");
	close(pfd[1]);
	reap(pid);

	st = reap(spawn(gc_abort, 0));
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
		fprintf(stderr, "driver: abort grandchild ended with status 0x%x\n", st);

	_exit(EXIT_SUCCESS);
}

/* ---- recorder ---- */

static int subscribe(struct recorder *rec, int fd, uint32_t seq, uint32_t ack)
{
	union nlbuf buf;
	long long deadline = now_ms() + 5000;
	int r;

	r = send_mcast_op(fd, seq, ack, PROC_CN_MCAST_LISTEN);
	if (r < 0) {
		fprintf(stderr, "sending PROC_CN_MCAST_LISTEN: %s\n", strerror(-r));
		return r;
	}

	for (;;) {
		const struct cn_msg *cn;
		struct proc_event ev;
		ssize_t n = recv_until(fd, &buf, deadline);

		if (n < 0) {
			fprintf(stderr, "recv: %s\n", strerror((int)-n));
			return (int)n;
		}
		if (n == 0) {
			fprintf(stderr, "no ACK for PROC_CN_MCAST_LISTEN within 5s\n");
			return -ETIMEDOUT;
		}
		if (!datagram_event(&buf, (size_t)n, &ev) || ev.what != PROC_EVENT_NONE)
			continue;
		cn = NLMSG_DATA(&buf.nlh);
		/*
		 * Other listeners' ACKs are multicast to us too. Only ack identifies
		 * ours: the kernel overwrites seq with its per-CPU counter.
		 */
		if (cn->ack != ack + 1)
			continue;
		if (ev.event_data.ack.err != 0) {
			fprintf(stderr, "LISTEN refused: %s\n",
				strerror((int)ev.event_data.ack.err));
			return -(int)ev.event_data.ack.err;
		}
		return write_fixture(rec, F_ACK, buf.raw, (size_t)n);
	}
}

static int record(struct recorder *rec, int fd, pid_t drv, int *drv_status)
{
	long long deadline = now_ms() + TIMEOUT_MS;
	bool reaped = false;
	union nlbuf buf;

	track(rec, drv);
	for (;;) {
		struct proc_event ev;
		long long wait_until;
		ssize_t n;
		int which;

		if (!reaped && waitpid(drv, drv_status, WNOHANG) == drv) {
			reaped = true;
			/* Its events are queued already; allow a moment to drain them. */
			deadline = MIN(deadline, now_ms() + 2000);
		}
		if (reaped && all_done(rec))
			break;
		/* Short waits while the driver runs, so its exit is noticed. */
		wait_until = reaped ? deadline : MIN(deadline, now_ms() + 200);
		n = recv_until(fd, &buf, wait_until);
		if (n < 0) {
			fprintf(stderr, "recv: %s\n", strerror((int)-n));
			return (int)n;
		}
		if (n == 0) {
			if (now_ms() >= deadline)
				break;
			continue;
		}
		if (!datagram_event(&buf, (size_t)n, &ev))
			continue;
		which = classify(rec, &ev);
		if (which >= 0) {
			int r = write_fixture(rec, which, buf.raw, (size_t)n);

			if (r < 0) {
				fprintf(stderr, "writing %s: %s\n", fixtures[which].name,
					strerror(-r));
				return r;
			}
		}
	}

	if (!reaped) {
		fprintf(stderr, "timeout, killing driver %d\n", (int)drv);
		kill(drv, SIGKILL);
		waitpid(drv, drv_status, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct recorder rec = { .outdir = argc > 1 ? argv[1] : NULL };
	_cleanup_close_ int fd = -1, outfd = -1;
	uint32_t seq = 1, ack = ((uint32_t)getpid() << 8) ^ 0x43;
	int r, st = 0, missing = 0;
	pid_t drv;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return EXIT_FAILURE;
	}
	outfd = open(rec.outdir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (outfd < 0) {
		fprintf(stderr, "%s: %s\n", rec.outdir, strerror(errno));
		return EXIT_FAILURE;
	}
	rec.outfd = outfd;

	fd = open_socket();
	if (fd < 0) {
		fprintf(stderr, "proc connector socket: %s\n", strerror(-fd));
		return EXIT_FAILURE;
	}
	if (subscribe(&rec, fd, seq, ack) < 0)
		return EXIT_FAILURE;

	fflush(NULL);
	drv = fork();
	if (drv < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (drv == 0) {
		close(fd);
		driver();
	}

	r = record(&rec, fd, drv, &st);
	(void)send_mcast_op(fd, seq + 1, ack + 2, PROC_CN_MCAST_IGNORE);
	if (r < 0)
		return EXIT_FAILURE;

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "driver failed (status 0x%x)\n", st);

	for (int i = 0; i < _F_MAX; i++) {
		if (rec.done[i])
			continue;
		if (fixtures[i].optional) {
			fprintf(stderr,
				"note: %s not recorded: no matching event from the "
				"kernel (PROC_EVENT_COREDUMP is only sent for signals "
				"whose default action dumps core)\n",
				fixtures[i].name);
			continue;
		}
		fprintf(stderr, "missing: %s\n", fixtures[i].name);
		missing++;
	}
	if (missing || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}
