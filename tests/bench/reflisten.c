/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reflisten: the benchmark's reference proc connector listener, as small as a
 * listener can be: one socket, one blocking recv() per message, a count per event
 * type. Whatever it costs is the floor any real listener is compared against.
 *
 *   reflisten [--rcvbuf SIZE]
 *
 * Prints "ready ..." once the kernel acknowledged the subscription. On SIGTERM or
 * SIGINT it unsubscribes (PROC_CN_MCAST_IGNORE), reads what is still queued, and
 * prints one key=value line: events by type, ENOBUFS, per-CPU sequence gaps, the
 * kernel's drop counter (SO_MEMINFO), its own CPU time and peak RSS.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define MAX_CPUS 8192

enum counter {
	C_FORK, C_THREAD_FORK, C_EXEC, C_UID, C_GID, C_SID, C_PTRACE, C_COMM,
	C_COREDUMP, C_EXIT, C_THREAD_EXIT, C_OTHER, _C_MAX
};

static const char *counter_name[_C_MAX] = {
	[C_FORK] = "fork", [C_THREAD_FORK] = "thread_fork", [C_EXEC] = "exec",
	[C_UID] = "uid", [C_GID] = "gid", [C_SID] = "sid", [C_PTRACE] = "ptrace",
	[C_COMM] = "comm", [C_COREDUMP] = "coredump", [C_EXIT] = "exit",
	[C_THREAD_EXIT] = "thread_exit", [C_OTHER] = "other",
};

static struct {
	uint64_t count[_C_MAX];
	uint64_t events, acks, enobufs, seq_gaps, seq_backwards, malformed, foreign;
	bool acked;
} st;

/* last sequence number seen per CPU; the kernel numbers each CPU's events on its own */
static uint32_t last_seq[MAX_CPUS];
static bool seen_cpu[MAX_CPUS];

static volatile sig_atomic_t stop;
static uint32_t request_ack;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int send_op(int fd, enum proc_cn_mcast_op op)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nlh);

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = (uint32_t)getpid();
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = 0;
	cn->ack = request_ack;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	if (sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

static void account(const struct cn_msg *cn)
{
	const struct proc_event *ev = (const struct proc_event *)cn->data;
	enum counter c;

	if (cn->len < offsetof(struct proc_event, event_data)) {
		st.malformed++;
		return;
	}
	if (ev->what == PROC_EVENT_NONE) {
		/* an acknowledgement, ours or another listener's (they go to the whole group) */
		if (cn->ack == request_ack + 1)
			st.acked = true;
		st.acks++;
	}

	/* ACKs take a number in their CPU's sequence too; only old kernels sent them
	 * with cpu = -1 and the requester's seq, outside any sequence */
	if (ev->cpu < MAX_CPUS) {
		if (seen_cpu[ev->cpu]) {
			uint32_t d = cn->seq - last_seq[ev->cpu] - 1;

			if (d < UINT32_C(0x80000000))
				st.seq_gaps += d;
			else
				st.seq_backwards++;
		}
		seen_cpu[ev->cpu] = true;
		last_seq[ev->cpu] = cn->seq;
	}
	if (ev->what == PROC_EVENT_NONE)
		return;

	switch (ev->what) {
	case PROC_EVENT_FORK:
		c = ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid ?
			C_FORK : C_THREAD_FORK;
		break;
	case PROC_EVENT_EXEC:
		c = C_EXEC;
		break;
	case PROC_EVENT_UID:
		c = C_UID;
		break;
	case PROC_EVENT_GID:
		c = C_GID;
		break;
	case PROC_EVENT_SID:
		c = C_SID;
		break;
	case PROC_EVENT_PTRACE:
		c = C_PTRACE;
		break;
	case PROC_EVENT_COMM:
		c = C_COMM;
		break;
	case PROC_EVENT_COREDUMP:
		c = C_COREDUMP;
		break;
	case PROC_EVENT_EXIT:
		c = ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid ?
			C_EXIT : C_THREAD_EXIT;
		break;
	default:
		c = C_OTHER;
		break;
	}
	st.count[c]++;
	st.events++;
}

/* one datagram; 0 when one was read, -errno otherwise */
static int receive(int fd, char *buf, size_t size, int flags)
{
	struct sockaddr_nl from;
	socklen_t fromlen = sizeof(from);
	ssize_t len;

	len = recvfrom(fd, buf, size, flags, (struct sockaddr *)&from, &fromlen);
	if (len < 0) {
		if (errno == ENOBUFS)
			st.enobufs++;
		return -errno;
	}
	/* only the kernel (port 0) speaks for the proc connector */
	if (from.nl_pid != 0) {
		st.foreign++;
		return 0;
	}
	for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		const struct cn_msg *cn = NLMSG_DATA(nlh);

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn)) ||
		    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + cn->len)) {
			st.malformed++;
			continue;
		}
		if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) {
			st.foreign++;
			continue;
		}
		account(cn);
	}
	return 0;
}

static uint64_t usec(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static int parse_size(const char *s, int *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'G': case 'g':
		v <<= 10;
		/* fall through */
	case 'M': case 'm':
		v <<= 10;
		/* fall through */
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	}
	if (*end || v > INT32_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = CN_IDX_PROC,
	};
	/* a blocked recv() must come back now and then to notice a signal that
	 * arrived just before it was entered */
	struct timeval tick = { .tv_sec = 0, .tv_usec = 200000 };
	static char buf[65536] __attribute__((aligned(8)));
	uint32_t meminfo[SK_MEMINFO_VARS] = {};
	socklen_t len;
	struct sigaction sa = { .sa_handler = on_signal };
	struct rusage ru;
	int fd, c, rcvbuf = 0, granted = 0, r;

	while ((c = getopt_long(argc, argv, "b:h", options, NULL)) >= 0) {
		switch (c) {
		case 'b':
			if (parse_size(optarg, &rcvbuf) < 0) {
				fprintf(stderr, "reflisten: bad size: %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			printf("Usage: reflisten [--rcvbuf SIZE]\n\n"
			       "Count proc connector events until SIGTERM/SIGINT.\n"
			       "  -b, --rcvbuf=SIZE  Receive buffer, e.g. 8M (default: the kernel's)\n");
			return 0;
		default:
			return 2;
		}
	}

	/* no SA_RESTART: the signal interrupts recv() */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0) {
		fprintf(stderr, "reflisten: socket: %m\n");
		return 1;
	}
	if (rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		fprintf(stderr, "reflisten: receive buffer: %m\n");
	len = sizeof(granted);
	(void)getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "reflisten: bind: %m\n");
		return 1;
	}
	request_ack = (uint32_t)getpid() ^ 0x5a5a0000;
	r = send_op(fd, PROC_CN_MCAST_LISTEN);
	if (r < 0) {
		fprintf(stderr, "reflisten: subscribe: %s\n", strerror(-r));
		return 1;
	}

	while (!stop) {
		bool was_acked = st.acked;

		r = receive(fd, buf, sizeof(buf), 0);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -ENOBUFS) {
			fprintf(stderr, "reflisten: recv: %s\n", strerror(-r));
			break;
		}
		if (st.acked && !was_acked)
			printf("ready pid=%d rcvbuf=%d\n", (int)getpid(), granted);
	}

	/* the kernel keeps sending while any listener is subscribed: say we are gone,
	 * then take what is already queued so the counts cover everything delivered */
	(void)send_op(fd, PROC_CN_MCAST_IGNORE);
	while (receive(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno == ENOBUFS)
		;

	len = sizeof(meminfo);
	(void)getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len);
	getrusage(RUSAGE_SELF, &ru);

	printf("events=%" PRIu64, st.events);
	for (c = 0; c < _C_MAX; c++)
		printf(" %s=%" PRIu64, counter_name[c], st.count[c]);
	printf(" acked=%d acks=%" PRIu64 " enobufs=%" PRIu64 " seq_gaps=%" PRIu64 " seq_backwards=%" PRIu64
	       " drops=%" PRIu32 " malformed=%" PRIu64 " foreign=%" PRIu64 " rcvbuf=%d"
	       " utime_us=%" PRIu64 " stime_us=%" PRIu64 " maxrss_kb=%ld\n",
	       (int)st.acked, st.acks, st.enobufs, st.seq_gaps, st.seq_backwards,
	       meminfo[SK_MEMINFO_DROPS], st.malformed, st.foreign, granted,
	       usec(ru.ru_utime), usec(ru.ru_stime), ru.ru_maxrss);
	close(fd);
	return st.acked ? 0 : 1;
}
