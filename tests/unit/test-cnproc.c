/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cnproc_decode() against datagrams recorded from a real kernel (tests/data, made by
 * tests/tools/cnproc-record.c) and against every kind of broken input derived from
 * them. Build with -fsanitize=address,undefined: each hostile buffer is a heap block
 * of exactly the length passed, so any read past it is caught.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/filter.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "cnproc.h"
#include "macro.h"
#include "test.h"

#define FIXTURE_ID 65534
#define FIXTURE_COMM "cnproc-fixture"

#define OFF_NLMSG_LEN offsetof(struct nlmsghdr, nlmsg_len)
#define OFF_NLMSG_TYPE offsetof(struct nlmsghdr, nlmsg_type)
#define OFF_CN (NLMSG_HDRLEN)
#define OFF_CN_IDX (OFF_CN + offsetof(struct cn_msg, id.idx))
#define OFF_CN_VAL (OFF_CN + offsetof(struct cn_msg, id.val))
#define OFF_CN_LEN (OFF_CN + offsetof(struct cn_msg, len))
#define OFF_EV (OFF_CN + sizeof(struct cn_msg))
#define OFF_WHAT (OFF_EV + offsetof(struct proc_event, what))
#define EV_HDR offsetof(struct proc_event, event_data)

/* Compare an rc and name the fixture, which TS_ASSERT_INT_EQ cannot. */
#define ASSERT_RC(name, got, want)                                                      \
	do {                                                                            \
		int _g = (got), _w = (want);                                            \
		if (_g != _w) {                                                         \
			fprintf(stderr, "%s:%d: %s: %s: got %d (%s), want %d (%s)\n",   \
				__FILE__, __LINE__, __func__, (name), _g, strerror(-_g), \
				_w, strerror(-_w));                                     \
			test_failures++;                                                \
			return;                                                         \
		}                                                                       \
	} while (0)

/* Decode a (patched) copy of fixture i and compare the result. */
#define ASSERT_DECODE(i, buf, len, ev, want)                                            \
	ASSERT_RC(fx[i].name, decode_exact((buf), (len), (ev)), (want))

enum {
	FX_ACK,
	FX_FORK,
	FX_EXEC,
	FX_UID,
	FX_GID,
	FX_SID,
	FX_COMM,
	FX_PTRACE,
	FX_COREDUMP,
	FX_EXIT_COREDUMP,
	FX_EXIT,
	FX_EXIT_SIGNAL,
	_FX_MAX,
};

struct fixture {
	const char *name;
	ProcEventType type;
	size_t payload; /* size of the event_data member for this type */
	uint8_t data[512];
	size_t len;
	bool loaded;
};

static struct fixture fx[_FX_MAX] = {
	[FX_ACK] = { "ack.bin", PROC_EV_NONE, 4 },
	[FX_FORK] = { "fork.bin", PROC_EV_FORK, 16 },
	[FX_EXEC] = { "exec.bin", PROC_EV_EXEC, 8 },
	[FX_UID] = { "uid.bin", PROC_EV_UID, 16 },
	[FX_GID] = { "gid.bin", PROC_EV_GID, 16 },
	[FX_SID] = { "sid.bin", PROC_EV_SID, 8 },
	[FX_COMM] = { "comm.bin", PROC_EV_COMM, 24 },
	[FX_PTRACE] = { "ptrace.bin", PROC_EV_PTRACE, 16 },
	[FX_COREDUMP] = { "coredump.bin", PROC_EV_COREDUMP, 16 },
	[FX_EXIT_COREDUMP] = { "exit-coredump.bin", PROC_EV_EXIT, 24 },
	[FX_EXIT] = { "exit.bin", PROC_EV_EXIT, 24 },
	[FX_EXIT_SIGNAL] = { "exit-signal.bin", PROC_EV_EXIT, 24 },
};

static void load_fixtures(void)
{
	const char *dir = getenv("TEST_DATA");

	if (!dir || !*dir)
		dir = "tests/data";

	for (int i = 0; i < _FX_MAX; i++) {
		_cleanup_close_ int fd = -1;
		char path[4096];
		ssize_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, fx[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			continue;
		}
		n = read(fd, fx[i].data, sizeof(fx[i].data));
		if (n <= 0 || (size_t)n == sizeof(fx[i].data)) {
			fprintf(stderr, "%s: unusable fixture (%zd bytes)\n", path, n);
			continue;
		}
		fx[i].len = (size_t)n;
		fx[i].loaded = true;
	}
}

static void put_u32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put_u16(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static uint16_t get_u16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* Decode from a heap block of exactly len bytes, so ASan sees any overread. */
static int decode_exact(const void *data, size_t len, ProcEvent *ev)
{
	void *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, data, len);
	r = cnproc_decode(copy, len, ev);
	free(copy);
	return r;
}

/* A fixture decoded, or a failed test. */
#define DECODE_FIXTURE(i, ev)                                                           \
	do {                                                                            \
		TS_ASSERT(fx[i].loaded);                                                \
		ASSERT_DECODE(i, fx[i].data, fx[i].len, &(ev), 1);                      \
		TS_ASSERT_INT_EQ((ev).type, fx[i].type);                                \
	} while (0)

static void test_fixtures_present(void)
{
	for (int i = 0; i < _FX_MAX; i++) {
		if (!fx[i].loaded)
			fprintf(stderr, "missing fixture %s\n", fx[i].name);
		TS_ASSERT(fx[i].loaded);
	}
}

static void test_ack(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_ACK, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_NONE);
	TS_ASSERT_INT_EQ(ev.none.err, 0);
	TS_ASSERT_INT_EQ(ev.pid, 0);
	TS_ASSERT_INT_EQ(ev.tgid, 0);
	/* The recorder matched it on ack = request + 1, never 0 for its requests. */
	TS_ASSERT(ev.ack != 0);
	TS_ASSERT(ev.timestamp_ns != 0);
}

static void test_fork(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_FORK, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_FORK);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_INT_EQ(ev.tgid, ev.pid);
	TS_ASSERT(ev.fork.parent_pid > 0);
	TS_ASSERT(ev.fork.parent_tgid > 0);
	TS_ASSERT(ev.pid != ev.fork.parent_pid);
	TS_ASSERT(ev.tgid != ev.fork.parent_tgid);
}

static void test_exec(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_EXEC, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_EXEC);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_INT_EQ(ev.pid, ev.tgid);
}

static void test_uid_gid(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_UID, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_UID);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_INT_EQ(ev.id.real, FIXTURE_ID);
	TS_ASSERT_INT_EQ(ev.id.effective, FIXTURE_ID);

	DECODE_FIXTURE(FX_GID, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_GID);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_INT_EQ(ev.id.real, FIXTURE_ID);
	TS_ASSERT_INT_EQ(ev.id.effective, FIXTURE_ID);
}

static void test_sid(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_SID, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_SID);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_INT_EQ(ev.pid, ev.tgid);
}

static void test_comm(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_COMM, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_COMM);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_STR_EQ(ev.comm.comm, FIXTURE_COMM);
}

static void test_comm_unterminated(void)
{
	uint8_t buf[512];
	ProcEvent ev;

	TS_ASSERT(fx[FX_COMM].loaded);
	memcpy(buf, fx[FX_COMM].data, fx[FX_COMM].len);
	/* A full 16-byte comm without NUL must still come out terminated. */
	memset(buf + OFF_EV + EV_HDR + offsetof(struct comm_proc_event, comm), 'A', 16);
	ASSERT_DECODE(FX_COMM, buf, fx[FX_COMM].len, &ev, 1);
	TS_ASSERT_INT_EQ(strlen(ev.comm.comm), 15);
}

static void test_ptrace(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_PTRACE, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_PTRACE);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT(ev.ptrace.tracer_pid > 0);
	TS_ASSERT(ev.ptrace.tracer_tgid > 0);
	TS_ASSERT(ev.ptrace.tracer_pid != ev.pid);
}

static void test_coredump(void)
{
	ProcEvent core, ex;

	DECODE_FIXTURE(FX_COREDUMP, core);
	TS_ASSERT_INT_EQ(core.what, PROC_EVENT_COREDUMP);
	TS_ASSERT(core.pid > 0);
	TS_ASSERT(core.coredump.parent_pid > 0);
	TS_ASSERT(core.coredump.parent_tgid > 0);

	/* The same process' exit: killed by the signal, no core file (RLIMIT_CORE 0). */
	DECODE_FIXTURE(FX_EXIT_COREDUMP, ex);
	TS_ASSERT_INT_EQ(ex.pid, core.pid);
	TS_ASSERT_INT_EQ(ex.exit.parent_pid, core.coredump.parent_pid);
	TS_ASSERT(ex.exit.core || ex.exit.signal != 0);
	TS_ASSERT_INT_EQ(ex.exit.signal, SIGABRT);
	TS_ASSERT_INT_EQ(ex.exit.status, -1);
	TS_ASSERT(ex.timestamp_ns >= core.timestamp_ns);
}

static void test_exit(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_EXIT, ev);
	TS_ASSERT_INT_EQ(ev.what, PROC_EVENT_EXIT);
	TS_ASSERT(ev.pid > 0);
	TS_ASSERT_INT_EQ(ev.exit.exit_code, 3 << 8);
	TS_ASSERT_INT_EQ(ev.exit.status, 3);
	TS_ASSERT_INT_EQ(ev.exit.signal, 0);
	TS_ASSERT(!ev.exit.core);
	TS_ASSERT_INT_EQ(ev.exit.exit_signal, SIGCHLD);
	TS_ASSERT(ev.exit.parent_pid > 0);
	TS_ASSERT(ev.exit.parent_tgid > 0);
}

static void test_exit_signal(void)
{
	ProcEvent ev;

	DECODE_FIXTURE(FX_EXIT_SIGNAL, ev);
	TS_ASSERT_INT_EQ(ev.exit.exit_code, SIGKILL);
	TS_ASSERT_INT_EQ(ev.exit.signal, SIGKILL);
	TS_ASSERT_INT_EQ(ev.exit.status, -1);
	TS_ASSERT(!ev.exit.core);
	TS_ASSERT_INT_EQ(ev.exit.exit_signal, SIGCHLD);
}

/*
 * The recorder's process tree: recorder forks the driver (fork.bin), the driver
 * renames itself (comm.bin) and spawns and reaps one grandchild per event.
 */
static void test_cross_fixture(void)
{
	ProcEvent ev[_FX_MAX];
	pid_t driver;

	for (int i = 0; i < _FX_MAX; i++)
		DECODE_FIXTURE(i, ev[i]);

	driver = ev[FX_FORK].tgid;
	TS_ASSERT_INT_EQ(ev[FX_COMM].tgid, driver);
	TS_ASSERT_INT_EQ(ev[FX_PTRACE].ptrace.tracer_tgid, driver);
	TS_ASSERT_INT_EQ(ev[FX_COREDUMP].coredump.parent_tgid, driver);
	TS_ASSERT_INT_EQ(ev[FX_EXIT].exit.parent_tgid, driver);
	TS_ASSERT_INT_EQ(ev[FX_EXIT_SIGNAL].exit.parent_tgid, driver);
	TS_ASSERT_INT_EQ(ev[FX_EXIT_COREDUMP].exit.parent_tgid, driver);
	/* One grandchild changes gid, then uid. */
	TS_ASSERT_INT_EQ(ev[FX_UID].pid, ev[FX_GID].pid);
	TS_ASSERT(ev[FX_GID].timestamp_ns <= ev[FX_UID].timestamp_ns);

	/* Each grandchild is a different process, none of them the driver. */
	for (int i = FX_EXEC; i < _FX_MAX; i++) {
		if (i == FX_COMM)
			continue;
		TS_ASSERT(ev[i].pid != driver);
		for (int j = i + 1; j < _FX_MAX; j++) {
			bool same = (i == FX_UID && j == FX_GID) ||
				    (i == FX_COREDUMP && j == FX_EXIT_COREDUMP);

			if (j != FX_COMM && !same)
				TS_ASSERT(ev[i].pid != ev[j].pid);
		}
	}

	/* Subscribing came first; the driver exists before its children. */
	for (int i = FX_FORK; i < _FX_MAX; i++)
		TS_ASSERT(ev[FX_ACK].timestamp_ns < ev[i].timestamp_ns);
	for (int i = FX_EXEC; i < _FX_MAX; i++)
		TS_ASSERT(ev[FX_FORK].timestamp_ns < ev[i].timestamp_ns);
}

static void test_truncation(void)
{
	for (int i = 0; i < _FX_MAX; i++) {
		TS_ASSERT(fx[i].loaded);
		for (size_t n = 0; n < fx[i].len; n++) {
			ProcEvent ev;
			int r = decode_exact(fx[i].data, n, &ev);

			if (r >= 0)
				fprintf(stderr, "%s cut to %zu: %d\n", fx[i].name, n, r);
			TS_ASSERT(r < 0);
		}
	}
}

/* Shrinking the whole message (nlmsg_len, cn_msg.len and buffer) to the type's size. */
static void test_minimal_message(void)
{
	for (int i = 0; i < _FX_MAX; i++) {
		size_t cnlen = EV_HDR + fx[i].payload;
		uint8_t buf[512];
		ProcEvent a, b;

		TS_ASSERT(fx[i].loaded);
		memcpy(buf, fx[i].data, fx[i].len);
		ASSERT_DECODE(i, buf, fx[i].len, &a, 1);

		put_u16(buf, OFF_CN_LEN, (uint16_t)cnlen);
		put_u32(buf, OFF_NLMSG_LEN, (uint32_t)(OFF_EV + cnlen));
		ASSERT_DECODE(i, buf, OFF_EV + cnlen, &b, 1);
		TS_ASSERT_INT_EQ(b.pid, a.pid);
		TS_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);

		put_u16(buf, OFF_CN_LEN, (uint16_t)(cnlen - 1));
		put_u32(buf, OFF_NLMSG_LEN, (uint32_t)(OFF_EV + cnlen - 1));
		ASSERT_DECODE(i, buf, OFF_EV + cnlen - 1, &b, -EBADMSG);
	}
}

static void test_bad_nlmsg_len(void)
{
	static const uint32_t small[] = { 0, 1, NLMSG_HDRLEN - 1, NLMSG_HDRLEN,
					  OFF_EV - 1 };

	for (int i = 0; i < _FX_MAX; i++) {
		uint8_t buf[512];
		ProcEvent ev;

		TS_ASSERT(fx[i].loaded);
		memcpy(buf, fx[i].data, fx[i].len);

		put_u32(buf, OFF_NLMSG_LEN, (uint32_t)fx[i].len + 1);
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);
		put_u32(buf, OFF_NLMSG_LEN, UINT32_MAX);
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);

		for (size_t k = 0; k < ELEMENTSOF(small); k++) {
			put_u32(buf, OFF_NLMSG_LEN, small[k]);
			ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);
		}
	}
}

static void test_bad_cn_len(void)
{
	for (int i = 0; i < _FX_MAX; i++) {
		size_t payload = fx[i].len - OFF_EV;
		uint8_t buf[512];
		ProcEvent ev;

		TS_ASSERT(fx[i].loaded);
		memcpy(buf, fx[i].data, fx[i].len);
		/* The recording must be self-consistent for the rest to mean much. */
		TS_ASSERT(get_u16(buf, OFF_CN_LEN) <= payload);

		put_u16(buf, OFF_CN_LEN, (uint16_t)(payload + 1));
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);
		put_u16(buf, OFF_CN_LEN, UINT16_MAX);
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);

		/* Too short for this type, too short for the fixed header, empty. */
		put_u16(buf, OFF_CN_LEN, (uint16_t)(EV_HDR + fx[i].payload - 1));
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);
		put_u16(buf, OFF_CN_LEN, EV_HDR - 1);
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);
		put_u16(buf, OFF_CN_LEN, 0);
		ASSERT_DECODE(i, buf, fx[i].len, &ev, -EBADMSG);
	}
}

static void test_bad_ids(void)
{
	static const struct {
		size_t off;
		uint32_t val;
	} patches[] = {
		{ OFF_CN_IDX, 0 },
		{ OFF_CN_IDX, CN_IDX_PROC + 1 },
		{ OFF_CN_IDX, UINT32_MAX },
		{ OFF_CN_VAL, 0 },
		{ OFF_CN_VAL, CN_VAL_PROC + 1 },
	};

	for (int i = 0; i < _FX_MAX; i++) {
		TS_ASSERT(fx[i].loaded);
		for (size_t k = 0; k < ELEMENTSOF(patches); k++) {
			uint8_t buf[512];
			ProcEvent ev;

			memcpy(buf, fx[i].data, fx[i].len);
			put_u32(buf, patches[k].off, patches[k].val);
			ASSERT_DECODE(i, buf, fx[i].len, &ev, -EPROTO);
		}
	}
}

static void test_bad_nlmsg_type(void)
{
	static const uint16_t types[] = { NLMSG_ERROR, NLMSG_OVERRUN, 0, 16, UINT16_MAX };

	for (int i = 0; i < _FX_MAX; i++) {
		TS_ASSERT(fx[i].loaded);
		for (size_t k = 0; k < ELEMENTSOF(types); k++) {
			uint8_t buf[512];
			ProcEvent ev;

			memcpy(buf, fx[i].data, fx[i].len);
			put_u16(buf, OFF_NLMSG_TYPE, types[k]);
			ASSERT_DECODE(i, buf, fx[i].len, &ev, -EPROTO);
		}
	}
}

static void test_unknown_what(void)
{
	/* The next free bit, combinations of known bits, and the high garbage. */
	static const uint32_t whats[] = { 0x00000400, 0x00000003, 0xc0000000,
					  0x00000008, 0x20000000, UINT32_MAX };

	for (int i = 0; i < _FX_MAX; i++) {
		TS_ASSERT(fx[i].loaded);
		for (size_t k = 0; k < ELEMENTSOF(whats); k++) {
			uint8_t buf[512];
			ProcEvent ev;

			memcpy(buf, fx[i].data, fx[i].len);
			put_u32(buf, OFF_WHAT, whats[k]);
			ASSERT_DECODE(i, buf, fx[i].len, &ev, -EOPNOTSUPP);
		}
	}
}

static void test_unaligned(void)
{
	for (int i = 0; i < _FX_MAX; i++) {
		ProcEvent a;

		TS_ASSERT(fx[i].loaded);
		ASSERT_DECODE(i, fx[i].data, fx[i].len, &a, 1);

		for (size_t shift = 1; shift < 8; shift += 2) {
			uint8_t *block = malloc(fx[i].len + shift);
			ProcEvent b;
			int r;

			TS_ASSERT(block);
			memcpy(block + shift, fx[i].data, fx[i].len);
			r = cnproc_decode(block + shift, fx[i].len, &b);
			free(block);
			ASSERT_RC(fx[i].name, r, 1);
			TS_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
		}
	}
}

static void test_decode_zeroes_result(void)
{
	ProcEvent ev;

	TS_ASSERT(fx[FX_EXEC].loaded);
	memset(&ev, 0xa5, sizeof(ev));
	ASSERT_DECODE(FX_EXEC, fx[FX_EXEC].data, fx[FX_EXEC].len, &ev, 1);
	TS_ASSERT_INT_EQ(ev.fork.parent_pid, 0);
	TS_ASSERT_INT_EQ(ev.exit.parent_tgid, 0);
	TS_ASSERT(!ev.exit.core);
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void test_garbage(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned ok = 0;

	for (int i = 0; i < _FX_MAX; i++)
		TS_ASSERT(fx[i].loaded);

	for (int iter = 0; iter < 10000; iter++) {
		size_t size = xorshift64(&seed) % 129;
		const struct fixture *f = &fx[xorshift64(&seed) % _FX_MAX];
		uint8_t *buf = malloc(size ? size : 1);
		ProcEvent ev;
		size_t keep = 0;
		int r;

		TS_ASSERT(buf);
		for (size_t k = 0; k < size; k++)
			buf[k] = (uint8_t)xorshift64(&seed);

		switch (iter % 4) {
		case 0: /* pure noise */
			break;
		case 1: /* valid headers up to `what`, random tail */
			keep = MIN(size, OFF_WHAT + 4);
			break;
		case 2: /* valid headers, random event */
			keep = MIN(size, OFF_EV);
			break;
		default: /* a whole fixture with a few bytes flipped */
			keep = MIN(size, f->len);
			break;
		}
		memcpy(buf, f->data, keep);
		if (iter % 4 == 3)
			for (int k = 0; k < 3 && size; k++)
				buf[xorshift64(&seed) % size] ^= (uint8_t)(seed >> 32);
		/* Often make the outer length agree, so inner checks get exercised. */
		if (iter % 4 && size >= 4 && (xorshift64(&seed) & 1))
			put_u32(buf, OFF_NLMSG_LEN, (uint32_t)size);

		r = cnproc_decode(buf, size, &ev);
		if (r == 1) {
			ok++;
			if (ev.type < 0 || ev.type >= _PROC_EV_MAX ||
			    memchr(ev.comm.comm, 0, sizeof(ev.comm.comm)) == NULL) {
				free(buf);
				TS_ASSERT(!"decoded event out of range");
			}
		}
		free(buf);
		if (r != 1 && r != -EBADMSG && r != -EPROTO && r != -EOPNOTSUPP)
			fprintf(stderr, "iteration %d: unexpected %d\n", iter, r);
		TS_ASSERT(r == 1 || r == -EBADMSG || r == -EPROTO || r == -EOPNOTSUPP);
	}
	/* Without some successes the generator would not reach the deep checks. */
	TS_ASSERT(ok > 0);
}

static void test_null_args(void)
{
	ProcEvent ev;

	TS_ASSERT(fx[FX_EXIT].loaded);
	TS_ASSERT(cnproc_decode(NULL, 0, &ev) < 0);
	TS_ASSERT(cnproc_decode(NULL, 100, &ev) < 0);
	TS_ASSERT(cnproc_decode(fx[FX_EXIT].data, fx[FX_EXIT].len, NULL) < 0);
}

static void test_type_strings(void)
{
	static const char *const names[] = { "none", "fork",   "exec", "uid",
					     "gid",  "sid",    "ptrace", "comm",
					     "coredump", "exit" };

	TS_ASSERT_INT_EQ(ELEMENTSOF(names), _PROC_EV_MAX);
	for (int t = 0; t < _PROC_EV_MAX; t++) {
		TS_ASSERT_STR_EQ(proc_event_type_to_string((ProcEventType)t), names[t]);
		TS_ASSERT_INT_EQ(proc_event_type_from_string(names[t]), t);
	}
	TS_ASSERT(proc_event_type_to_string(_PROC_EV_MAX) == NULL);
	TS_ASSERT(proc_event_type_to_string(_PROC_EV_INVALID) == NULL);
	TS_ASSERT(proc_event_type_to_string((ProcEventType)1000) == NULL);
	TS_ASSERT_INT_EQ(proc_event_type_from_string(NULL), _PROC_EV_INVALID);
	TS_ASSERT_INT_EQ(proc_event_type_from_string(""), _PROC_EV_INVALID);
	TS_ASSERT_INT_EQ(proc_event_type_from_string("FORK"), _PROC_EV_INVALID);
	TS_ASSERT_INT_EQ(proc_event_type_from_string("exit "), _PROC_EV_INVALID);
	TS_ASSERT_INT_EQ(proc_event_type_from_string("exi"), _PROC_EV_INVALID);
}

/* Does the kernel's BPF interpreter let this datagram through the thread filter?
 * A unix datagram socketpair runs socket filters just like the netlink socket. */
static int passes(int sv[2], const uint8_t *buf, size_t len)
{
	uint8_t rx[512];

	if (send(sv[0], buf, len, 0) != (ssize_t)len)
		return -errno;
	return recv(sv[1], rx, sizeof(rx), MSG_DONTWAIT) == (ssize_t)len;
}

/* A datagram socket pair whose receiving end (sv[1]) runs the filter build makes;
 * build must also refuse a buffer too small for it. */
static void filtered_pair(int (*build)(struct sock_filter *prog, size_t n), int sv[2])
{
	struct sock_filter prog[64];
	struct sock_fprog fprog;
	int n;

	n = build(prog, ELEMENTSOF(prog));
	TS_ASSERT(n > 0);
	TS_ASSERT_INT_EQ(build(prog, 4), -ENOBUFS);
	fprog.len = (unsigned short)n;
	fprog.filter = prog;
	TS_ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	TS_ASSERT_INT_EQ(setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)), 0);
}

static void test_thread_filter(void)
{
	static const struct {
		int fx;
		size_t pid_off; /* offset of the subject's pid in event_data */
		bool dropped_as_thread;
	} cases[] = {
		{ FX_FORK, offsetof(struct fork_proc_event, child_pid), true },
		{ FX_EXIT, offsetof(struct exit_proc_event, process_pid), true },
		{ FX_UID, offsetof(struct id_proc_event, process_pid), true },
		{ FX_GID, offsetof(struct id_proc_event, process_pid), true },
		{ FX_SID, offsetof(struct sid_proc_event, process_pid), true },
		{ FX_PTRACE, offsetof(struct ptrace_proc_event, process_pid), true },
		{ FX_COMM, offsetof(struct comm_proc_event, process_pid), true },
		/* exec is always the leader's; a coredump is the whole process's */
		{ FX_EXEC, offsetof(struct exec_proc_event, process_pid), false },
		{ FX_COREDUMP, offsetof(struct coredump_proc_event, process_pid), false },
	};
	uint8_t buf[512];
	int sv[2];

	filtered_pair(cnproc_thread_filter, sv);

	/* every recorded event is a process's own (pid == tgid): all pass */
	for (int i = 0; i < _FX_MAX; i++) {
		if (!fx[i].loaded)
			continue;
		if (passes(sv, fx[i].data, fx[i].len) != 1) {
			fprintf(stderr, "fixture %s was dropped\n", fx[i].name);
			test_failures++;
		}
	}
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct fixture *f = &fx[cases[i].fx];
		size_t off = OFF_EV + EV_HDR + cases[i].pid_off;
		uint32_t pid;

		if (!f->loaded)
			continue;
		memcpy(buf, f->data, f->len);
		memcpy(&pid, buf + off, sizeof(pid));
		put_u32(buf, off, pid + 1); /* a thread: pid != tgid */
		if (passes(sv, buf, f->len) != !cases[i].dropped_as_thread) {
			fprintf(stderr, "%s of a thread: want %s\n", f->name,
				cases[i].dropped_as_thread ? "dropped" : "passed");
			test_failures++;
		}
		/* too short to hold the ids: passed on for the decoder to reject */
		TS_ASSERT_INT_EQ(passes(sv, buf, off + 2), 1);
		/* not the proc connector's: passed on too (counted as malformed) */
		put_u32(buf, OFF_CN_VAL, CN_VAL_PROC + 1);
		TS_ASSERT_INT_EQ(passes(sv, buf, f->len), 1);
	}
	close(sv[0]);
	close(sv[1]);
}

/* the prefetch socket's filter: recorded EXEC events pass, every other recorded
 * type is dropped, and what is not a proc event is left to the decoder */
static void test_exec_filter(void)
{
	uint8_t buf[512];
	int sv[2], n_exec = 0;

	filtered_pair(cnproc_exec_filter, sv);

	for (int i = 0; i < _FX_MAX; i++) {
		bool want;

		if (!fx[i].loaded)
			continue;
		want = fx[i].type == PROC_EV_EXEC;
		n_exec += want;
		if (passes(sv, fx[i].data, fx[i].len) != want) {
			fprintf(stderr, "fixture %s: want %s\n", fx[i].name,
				want ? "passed" : "dropped");
			test_failures++;
		}
		/* not the proc connector's, or too short to say: the decoder's */
		memcpy(buf, fx[i].data, fx[i].len);
		put_u32(buf, OFF_CN_IDX, CN_IDX_PROC + 1);
		TS_ASSERT_INT_EQ(passes(sv, buf, fx[i].len), 1);
		TS_ASSERT_INT_EQ(passes(sv, fx[i].data, OFF_EV + 2), 1);
	}
	TS_ASSERT(n_exec > 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_kernel_mask(void)
{
	TS_ASSERT_INT_EQ(cnproc_kernel_mask(0), 0);
	TS_ASSERT_INT_EQ(cnproc_kernel_mask(1U << PROC_EV_FORK | 1U << PROC_EV_EXIT),
			 PROC_EVENT_FORK | PROC_EVENT_EXIT);
	TS_ASSERT_INT_EQ(cnproc_kernel_mask(1U << PROC_EV_NONE), 0);
	TS_ASSERT_INT_EQ(cnproc_kernel_mask(CNPROC_TYPES_ALL),
			 PROC_EVENT_FORK | PROC_EVENT_EXEC | PROC_EVENT_UID | PROC_EVENT_GID |
				 PROC_EVENT_SID | PROC_EVENT_PTRACE | PROC_EVENT_COMM |
				 PROC_EVENT_COREDUMP | PROC_EVENT_EXIT);
}

int main(void)
{
	load_fixtures();

	RUN_TEST(test_fixtures_present);
	RUN_TEST(test_ack);
	RUN_TEST(test_fork);
	RUN_TEST(test_exec);
	RUN_TEST(test_uid_gid);
	RUN_TEST(test_sid);
	RUN_TEST(test_comm);
	RUN_TEST(test_comm_unterminated);
	RUN_TEST(test_ptrace);
	RUN_TEST(test_coredump);
	RUN_TEST(test_exit);
	RUN_TEST(test_exit_signal);
	RUN_TEST(test_cross_fixture);
	RUN_TEST(test_truncation);
	RUN_TEST(test_minimal_message);
	RUN_TEST(test_bad_nlmsg_len);
	RUN_TEST(test_bad_cn_len);
	RUN_TEST(test_bad_ids);
	RUN_TEST(test_bad_nlmsg_type);
	RUN_TEST(test_unknown_what);
	RUN_TEST(test_unaligned);
	RUN_TEST(test_decode_zeroes_result);
	RUN_TEST(test_garbage);
	RUN_TEST(test_null_args);
	RUN_TEST(test_type_strings);
	RUN_TEST(test_thread_filter);
	RUN_TEST(test_exec_filter);
	RUN_TEST(test_kernel_mask);

	return TEST_EXIT();
}
