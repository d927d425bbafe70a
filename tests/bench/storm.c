/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * storm: generate process events as fast as the machine allows, for the benchmark.
 *
 *   storm [OPTIONS] fork      fork + _exit lifecycles
 *   storm [OPTIONS] exec      fork + execve(/bin/true cnprocd-bench-RUNID-N)
 *   storm [OPTIONS] thread    pthread_create + pthread_join
 *   storm [OPTIONS] burst N P N children over P workers, all alive at once, then
 *                             all released together
 *   storm [OPTIONS] hold N [P] N sleeping children until SIGTERM, SIGINT or EOF on
 *                             standard input (when it is a pipe or a terminal)
 *   storm [OPTIONS] probe N   N times: start a program, read its /proc/PID/cmdline
 *                             the moment its exec is done, and measure what that
 *                             read costs (the least a /proc reader pays per exec
 *                             for argv)
 *
 * The timed modes run one worker per CPU (--workers) for --duration seconds or
 * until --count lifecycles are done. One key=value line on stdout says what was
 * done; expected_events is the number of proc connector events the storm caused,
 * its own process included (fork, exec and exit by the shell that started it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum mode { MODE_FORK, MODE_EXEC, MODE_THREAD, MODE_BURST, MODE_HOLD, MODE_PROBE };

static const char *mode_name[] = {
	[MODE_FORK] = "fork", [MODE_EXEC] = "exec", [MODE_THREAD] = "thread",
	[MODE_BURST] = "burst", [MODE_HOLD] = "hold", [MODE_PROBE] = "probe",
};

/* what each lifecycle makes the kernel report */
static const unsigned events_per_lifecycle[] = {
	[MODE_FORK] = 2, [MODE_EXEC] = 3, [MODE_THREAD] = 2,
	[MODE_BURST] = 2, [MODE_HOLD] = 2, [MODE_PROBE] = 3,
};

/* one slot per worker in shared memory: workers count, the parent sums */
struct worker_result {
	uint64_t lifecycles;
	uint64_t errors;
} __attribute__((aligned(64)));

static struct {
	enum mode mode;
	double duration;
	uint64_t count;
	unsigned workers;
	unsigned long n;
	const char *runid;
	const char *pidmap;
	const char *exec_path;
} arg = {
	.duration = 5.0,
	.exec_path = "/bin/true",
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process and of every descendant it (or they) waited for */
static double cpu_used(void)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
			children.ru_utime.tv_sec + children.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
			children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1e6;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t l = write(fd, p, len);

		if (l < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += l;
		len -= (size_t)l;
	}
	return 0;
}

/* "pid n" lines, written in whole lines with O_APPEND so workers do not interleave */
struct pidmap {
	int fd;
	size_t len;
	char buf[65536];
};

static void pidmap_flush(struct pidmap *m)
{
	if (m->len > 0)
		(void)write_all(m->fd, m->buf, m->len);
	m->len = 0;
}

static void pidmap_add(struct pidmap *m, pid_t pid, uint64_t n)
{
	if (!m)
		return;
	if (sizeof(m->buf) - m->len < 48)
		pidmap_flush(m);
	m->len += (size_t)snprintf(m->buf + m->len, sizeof(m->buf) - m->len,
				   "%d %" PRIu64 "\n", (int)pid, n);
}

static void *thread_fn(void *p)
{
	return p;
}

/* one lifecycle; <0 on failure */
static int lifecycle(unsigned w, uint64_t k, struct pidmap *m)
{
	pthread_t t;
	pid_t pid;
	int status, r;

	if (arg.mode == MODE_THREAD) {
		r = pthread_create(&t, NULL, thread_fn, NULL);
		if (r)
			return -r;
		return -pthread_join(t, NULL);
	}

	/* numbered so that every exec of the whole run has its own marker */
	uint64_t n = k * arg.workers + w;
	char marker[96];

	if (arg.mode == MODE_EXEC)
		snprintf(marker, sizeof(marker), "cnprocd-bench-%s-%" PRIu64, arg.runid, n);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (arg.mode == MODE_EXEC) {
			char *argv[] = { (char *)arg.exec_path, marker, NULL };

			execve(arg.exec_path, argv, environ);
			_exit(127);
		}
		_exit(0);
	}
	if (arg.mode == MODE_EXEC)
		pidmap_add(m, pid, n);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

static void worker_timed(unsigned w, int start_fd, struct worker_result *res, double deadline_len)
{
	struct pidmap *m = NULL;
	uint64_t quota = UINT64_MAX, k = 0;
	double deadline;
	char c;

	if (arg.pidmap) {
		m = malloc(sizeof(*m));
		if (!m)
			_exit(1);
		m->len = 0;
		m->fd = open(arg.pidmap, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (m->fd < 0)
			_exit(1);
	}
	if (arg.count > 0)
		quota = arg.count / arg.workers + (w < arg.count % arg.workers);

	/* start together: the parent closes the pipe when every worker exists */
	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
	deadline = arg.count > 0 ? 1e300 : now() + deadline_len;

	/* the clock is read every 16 lifecycles: cheap, and still within ~1 ms */
	for (k = 0; k < quota; k++) {
		if (lifecycle(w, k, m) < 0) {
			res->errors++;
			if (res->errors > 1000 && res->errors > res->lifecycles)
				break;
			continue;
		}
		res->lifecycles++;
		if ((k & 15) == 15 && now() >= deadline)
			break;
	}
	if (m)
		pidmap_flush(m);
	_exit(0);
}

static int reap_all(void)
{
	int r = 0, status;

	for (;;) {
		pid_t pid = wait(&status);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			r = -ECHILD;
	}
	return r;
}

static int run_timed(void)
{
	struct worker_result *res;
	uint64_t lifecycles = 0, errors = 0;
	double t0, t1;
	int start[2], r;

	res = mmap(NULL, sizeof(*res) * arg.workers, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	if (arg.pidmap) {
		int fd = open(arg.pidmap, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return -errno;
		close(fd);
	}
	if (pipe2(start, O_CLOEXEC) < 0)
		return -errno;
	for (unsigned w = 0; w < arg.workers; w++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			close(start[1]);
			worker_timed(w, start[0], &res[w], arg.duration);
		}
	}
	close(start[0]);
	t0 = now();
	close(start[1]);
	r = reap_all();
	t1 = now();

	for (unsigned w = 0; w < arg.workers; w++) {
		lifecycles += res[w].lifecycles;
		errors += res[w].errors;
	}
	printf("mode=%s runid=%s workers=%u lifecycles=%" PRIu64 " errors=%" PRIu64
	       " elapsed=%.6f rate=%.1f cpu=%.3f expected_events=%" PRIu64 "\n",
	       mode_name[arg.mode], arg.runid, arg.workers, lifecycles, errors,
	       t1 - t0, (double)lifecycles / (t1 - t0), cpu_used(),
	       lifecycles * events_per_lifecycle[arg.mode] + 2 * arg.workers + 3);
	return r < 0 || errors > 0 ? -ECHILD : 0;
}

/*
 * burst and hold: children block reading the release pipe, whose write end only
 * the main process keeps; closing it (or dying) wakes them all at once.
 */
static void worker_spawn(unsigned long quota, int start_fd, int ready_fd, int release[2],
			 struct worker_result *res)
{
	char c = 'r';

	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(start_fd);
	for (unsigned long i = 0; i < quota; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			res->errors++;
			continue;
		}
		if (pid == 0) {
			close(release[1]);
			close(ready_fd);
			while (read(release[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		res->lifecycles++;
	}
	close(release[1]);
	(void)write_all(ready_fd, &c, 1);
	close(ready_fd);
	_exit(reap_all() < 0 ? 1 : 0);
}

static int wait_for_release(void)
{
	struct pollfd p[2] = { { .fd = -1 }, { .fd = -1 } };
	struct stat st;
	sigset_t mask;
	int sfd, r = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	p[0].fd = sfd;
	p[0].events = POLLIN;
	/* a background job's stdin is /dev/null: only a pipe or a terminal means "until EOF" */
	if (fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || isatty(STDIN_FILENO))) {
		p[1].fd = STDIN_FILENO;
		p[1].events = POLLIN;
	}
	for (;;) {
		char buf[256];

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents) {
			ssize_t l = read(STDIN_FILENO, buf, sizeof(buf));

			if (l <= 0)
				break;
		}
	}
	close(sfd);
	return r;
}

static int run_spawn(void)
{
	struct worker_result *res;
	int start[2], ready[2], release[2], r;
	uint64_t n_spawned = 0, errors = 0;
	double t0, t1, t2;
	sigset_t mask;
	char c;

	/* signals are taken by signalfd in hold mode: block them before forking */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (arg.mode == MODE_HOLD)
		sigprocmask(SIG_BLOCK, &mask, NULL);

	res = mmap(NULL, sizeof(*res) * arg.workers, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	if (pipe2(start, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 ||
	    pipe2(release, O_CLOEXEC) < 0)
		return -errno;
	for (unsigned w = 0; w < arg.workers; w++) {
		unsigned long quota = arg.n / arg.workers + (w < arg.n % arg.workers);
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			if (arg.mode == MODE_HOLD)
				sigprocmask(SIG_UNBLOCK, &mask, NULL);
			close(start[1]);
			close(ready[0]);
			worker_spawn(quota, start[0], ready[1], release, &res[w]);
		}
	}
	close(start[0]);
	close(ready[1]);
	close(release[0]);

	t0 = now();
	close(start[1]);
	/* one byte per worker once all its children exist; EOF if a worker died */
	for (unsigned w = 0; w < arg.workers;) {
		ssize_t l = read(ready[0], &c, 1);

		if (l == 1)
			w++;
		else if (l == 0 || errno != EINTR)
			break;
	}
	t1 = now();
	for (unsigned w = 0; w < arg.workers; w++) {
		n_spawned += res[w].lifecycles;
		errors += res[w].errors;
	}

	if (arg.mode == MODE_HOLD) {
		printf("mode=hold runid=%s workers=%u held=%" PRIu64 " errors=%" PRIu64
		       " spawn_elapsed=%.6f pid=%d\n",
		       arg.runid, arg.workers, n_spawned, errors, t1 - t0, (int)getpid());
		fflush(stdout);
		r = wait_for_release();
		if (r < 0)
			return r;
	}

	t1 = now();
	close(release[1]);
	r = reap_all();
	t2 = now();
	if (arg.mode == MODE_HOLD) {
		printf("mode=hold released=%" PRIu64 " exit_elapsed=%.6f\n", n_spawned, t2 - t1);
		return r;
	}
	printf("mode=burst runid=%s workers=%u lifecycles=%" PRIu64 " errors=%" PRIu64
	       " elapsed=%.6f rate=%.1f fork_phase=%.6f exit_phase=%.6f cpu=%.3f"
	       " expected_events=%" PRIu64 "\n",
	       arg.runid, arg.workers, n_spawned, errors, t2 - t0,
	       (double)n_spawned / (t2 - t0), t1 - t0, t2 - t1, cpu_used(),
	       n_spawned * 2 + 2 * arg.workers + 3);
	return r < 0 || errors > 0 ? -ECHILD : 0;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * What one exec costs cnprocd in /proc, read by read, in the order and the way
 * the daemon reads (one directory descriptor, then names relative to it), on a
 * process nobody has looked up yet. Per step: CPU ns summed over the probes.
 */
enum { STEP_DIR, STEP_CMDLINE, STEP_EXE, STEP_CWD, STEP_STAT, STEP_EXE_STAT, STEP_EXE_DIR, STEP_LOGINUID,
       STEP_CGROUP, STEP_STATUS, STEP_CLOSE, N_STEPS };
static const char *const step_name[N_STEPS] = {
	"dir", "cmdline", "exe", "cwd", "stat", "exe_stat", "exe_dir", "loginuid", "cgroup", "status", "close",
};

static bool read_at(int dfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t l;

	if (fd < 0)
		return false;
	l = read(fd, buf, size);
	close(fd);
	return l > 0;
}

static bool probe_step(int step, pid_t pid, int *dfd, char *buf, size_t size)
{
	struct stat st;

	switch (step) {
	case STEP_DIR:
		snprintf(buf, size, "/proc/%d", (int)pid);
		*dfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return *dfd >= 0;
	case STEP_CMDLINE:
		return read_at(*dfd, "cmdline", buf, size);
	case STEP_EXE:
		return readlinkat(*dfd, "exe", buf, size) > 0;
	case STEP_CWD:
		return readlinkat(*dfd, "cwd", buf, size) > 0;
	case STEP_STAT:
		return read_at(*dfd, "stat", buf, size);
	case STEP_EXE_STAT:
		return fstatat(*dfd, "exe", &st, 0) == 0;
	case STEP_EXE_DIR: /* writable-dir, uncached: the directory in its mount namespace */
		return fstatat(*dfd, "root/usr/bin", &st, 0) == 0;
	case STEP_LOGINUID:
		return read_at(*dfd, "loginuid", buf, size) || errno == ENOENT;
	case STEP_CGROUP:
		return read_at(*dfd, "cgroup", buf, size);
	case STEP_STATUS:
		return read_at(*dfd, "status", buf, size);
	case STEP_CLOSE:
		return close(*dfd) == 0;
	}
	return false;
}

/* A program started, its exec done (its close-on-exec pipe reads EOF), kept
 * alive (sleep) so that every read finds it: this measures the cost, not the
 * race. */
static pid_t start_sleeper(void)
{
	char c;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		char *av[] = { (char *)"sleep", (char *)"60", NULL };

		close(p[0]);
		execve("/bin/sleep", av, environ);
		_exit(127);
	}
	close(p[1]);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	close(p[0]);
	return pid;
}

static void stop_sleeper(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * What any listener that reads argv from /proc pays per exec, at the least: one
 * open + read + close of /proc/PID/cmdline of a process whose exec just finished
 * (nobody has looked its /proc entries up yet, as in a storm). Then, on as many
 * other programs, what each of cnprocd's exec reads costs (see above).
 */
static int run_probe(void)
{
	uint64_t cpu = 0, wall = 0, n_ok = 0, errors = 0;
	uint64_t step_cpu[N_STEPS] = { 0 }, n_steps_ok = 0;
	char buf[4096], path[64];

	for (unsigned long i = 0; i < arg.n; i++) {
		int fd;
		uint64_t c0, c1;
		double w0, w1;
		ssize_t l;
		pid_t pid = start_sleeper();

		if (pid < 0)
			return pid;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		w0 = now();
		c0 = thread_cpu_ns();
		fd = open(path, O_RDONLY | O_CLOEXEC);
		l = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (fd >= 0)
			close(fd);
		c1 = thread_cpu_ns();
		w1 = now();
		if (l > 0) {
			cpu += c1 - c0;
			wall += (uint64_t)((w1 - w0) * 1e9);
			n_ok++;
		} else {
			errors++;
		}
		stop_sleeper(pid);
	}
	for (unsigned long i = 0; i < arg.n; i++) {
		uint64_t t[N_STEPS + 1];
		bool ok = true;
		int dfd = -1;
		pid_t pid = start_sleeper();

		if (pid < 0)
			return pid;
		t[0] = thread_cpu_ns();
		for (int s = 0; s < N_STEPS; s++) {
			ok = probe_step(s, pid, &dfd, buf, sizeof(buf)) && ok;
			t[s + 1] = thread_cpu_ns();
			if (s == STEP_DIR && dfd < 0)
				break;
		}
		if (ok) {
			for (int s = 0; s < N_STEPS; s++)
				step_cpu[s] += t[s + 1] - t[s];
			n_steps_ok++;
		} else {
			errors++;
		}
		stop_sleeper(pid);
	}
	printf("mode=probe probes=%" PRIu64 " errors=%" PRIu64 " cmdline_cpu_ns=%" PRIu64
	       " cmdline_wall_ns=%" PRIu64 " step_probes=%" PRIu64,
	       n_ok, errors, n_ok ? cpu / n_ok : 0, n_ok ? wall / n_ok : 0, n_steps_ok);
	for (int s = 0; s < N_STEPS; s++)
		printf(" read_%s_ns=%" PRIu64, step_name[s],
		       n_steps_ok ? step_cpu[s] / n_steps_ok : 0);
	printf("\n");
	return n_ok > 0 ? 0 : -ESRCH;
}

static void help(void)
{
	printf("Usage: storm [OPTIONS] fork|exec|thread\n"
	       "       storm [OPTIONS] burst N P\n"
	       "       storm [OPTIONS] hold N [P]\n"
	       "       storm [OPTIONS] probe N\n\n"
	       "Generate proc connector events for the cnprocd benchmark.\n\n"
	       "  -d, --duration=SEC   Run the timed modes this long (default 5)\n"
	       "  -n, --count=N        ... or until N lifecycles are done\n"
	       "  -w, --workers=N      Concurrent workers (default: one per CPU)\n"
	       "  -r, --runid=ID       Marker prefix of exec arguments (default: pid)\n"
	       "  -p, --pidmap=FILE    exec: write \"pid n\" for each marker n\n"
	       "  -x, --exec=PATH      exec: the program to run (default /bin/true)\n"
	       "  -h, --help           Show this help\n");
}

static int parse_ulong(const char *s, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "runid", required_argument, NULL, 'r' },
		{ "pidmap", required_argument, NULL, 'p' },
		{ "exec", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long v;
	char runid[32];
	int c, r;

	while ((c = getopt_long(argc, argv, "d:n:w:r:p:x:h", options, NULL)) >= 0) {
		switch (c) {
		case 'd':
			arg.duration = strtod(optarg, NULL);
			if (!(arg.duration > 0)) {
				fprintf(stderr, "storm: bad duration: %s\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_ulong(optarg, &v) < 0) {
				fprintf(stderr, "storm: bad count: %s\n", optarg);
				return 2;
			}
			arg.count = v;
			break;
		case 'w':
			if (parse_ulong(optarg, &v) < 0 || v > 4096) {
				fprintf(stderr, "storm: bad worker count: %s\n", optarg);
				return 2;
			}
			arg.workers = (unsigned)v;
			break;
		case 'r':
			arg.runid = optarg;
			break;
		case 'p':
			arg.pidmap = optarg;
			break;
		case 'x':
			arg.exec_path = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		help();
		return 2;
	}
	for (c = 0; c < (int)(sizeof(mode_name) / sizeof(mode_name[0])); c++)
		if (strcmp(argv[optind], mode_name[c]) == 0)
			break;
	if (c == (int)(sizeof(mode_name) / sizeof(mode_name[0]))) {
		fprintf(stderr, "storm: unknown mode: %s\n", argv[optind]);
		return 2;
	}
	arg.mode = (enum mode)c;
	optind++;

	if (!arg.runid) {
		snprintf(runid, sizeof(runid), "%d", (int)getpid());
		arg.runid = runid;
	}
	/* buffered output must not be copied into the children */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (arg.mode == MODE_BURST || arg.mode == MODE_HOLD) {
		unsigned long p = arg.mode == MODE_HOLD ? 1 : 0;

		if (optind >= argc || parse_ulong(argv[optind], &arg.n) < 0) {
			fprintf(stderr, "storm: %s needs a process count\n", mode_name[arg.mode]);
			return 2;
		}
		if (optind + 1 < argc && parse_ulong(argv[optind + 1], &p) < 0) {
			fprintf(stderr, "storm: bad worker count: %s\n", argv[optind + 1]);
			return 2;
		}
		if (p == 0) {
			fprintf(stderr, "storm: burst needs N and P\n");
			return 2;
		}
		arg.workers = (unsigned)(p > arg.n ? arg.n : p);
		r = run_spawn();
	} else if (arg.mode == MODE_PROBE) {
		if (optind >= argc || parse_ulong(argv[optind], &arg.n) < 0) {
			fprintf(stderr, "storm: probe needs a count\n");
			return 2;
		}
		r = run_probe();
	} else {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		if (optind < argc) {
			fprintf(stderr, "storm: unexpected argument: %s\n", argv[optind]);
			return 2;
		}
		if (arg.workers == 0)
			arg.workers = ncpu > 0 ? (unsigned)ncpu : 1;
		r = run_timed();
	}
	if (r < 0) {
		fprintf(stderr, "storm: %s: %s\n", mode_name[arg.mode], strerror(-r));
		return 1;
	}
	return 0;
}
