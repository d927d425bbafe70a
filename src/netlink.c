/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The proc connector socket: subscribe, filters, receive, drops (netlink.h). */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "netlink.h"
#include "util.h"

/* libmnl's MNL_SOCKET_BUFFER_SIZE is computed at run time; a proc event datagram is
 * 76 bytes, so one page-sized buffer is plenty */
#define NETLINK_BUFFER_SIZE 8192

/* PROC_EVENT_ALL (Linux 6.6) without PROC_EVENT_NONZERO_EXIT's special meaning */
#define PROC_EVENT_ALL_BITS                                                             \
	((uint32_t)(PROC_EVENT_FORK | PROC_EVENT_EXEC | PROC_EVENT_UID | PROC_EVENT_GID | \
		    PROC_EVENT_SID | PROC_EVENT_PTRACE | PROC_EVENT_COMM |                  \
		    PROC_EVENT_COREDUMP | PROC_EVENT_EXIT | 0x20000000U))

struct Netlink {
	struct mnl_socket *sock;
	uint64_t rcvbuf;
	uint32_t seq;
	uint32_t ack;
	bool subscribed;
	bool filter_supported;  /* kernel >= 6.6 accepted a proc_input */
	uint32_t kernel_mask;   /* PROC_EVENT_* bits asked for (PROC_EVENT_ALL: all) */
	bool thread_filter;     /* BPF filter dropping thread events attached */
	bool seq_valid;         /* unfiltered: gaps in seq are losses */

	/* per-CPU last sequence number, to detect gaps (= lost events) */
	uint32_t *cpu_seq;
	bool *cpu_seen;
	size_t n_cpus;

	NetlinkStats stats;
};

int netlink_fd(const Netlink *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

uint64_t netlink_rcvbuf(const Netlink *nl)
{
	return nl->rcvbuf;
}

const NetlinkStats *netlink_stats(const Netlink *nl)
{
	return &nl->stats;
}

const char *netlink_strerror(int error)
{
	switch (abs(error)) {
	case EPERM:
	case EACCES:
		return "permission denied: the proc connector needs CAP_NET_ADMIN (run as root)";
	case ECONNREFUSED:
		return "the proc connector only exists in the initial network namespace";
	case ETIMEDOUT:
		return "the kernel did not acknowledge the subscription: the proc connector "
		       "only answers processes in the initial user and PID namespaces";
	case EPROTONOSUPPORT:
		return "this kernel has no proc connector (CONFIG_PROC_EVENTS)";
	default:
		return strerror(abs(error));
	}
}

int netlink_set_rcvbuf(Netlink *nl, uint64_t want)
{
	int fd = netlink_fd(nl), v = (int)MIN(want, (uint64_t)INT32_MAX / 2), got = 0;
	socklen_t l = sizeof(got);

	if (want > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0) {
		/* without CAP_NET_ADMIN only up to net.core.rmem_max */
		log_debug_errno(errno, "SO_RCVBUFFORCE failed, trying SO_RCVBUF: %m");
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			log_warning_errno(errno, "Failed to set receive buffer: %m");
	}
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &l) < 0)
		return -errno;
	/* the kernel reports twice the requested size (bookkeeping overhead included) */
	nl->rcvbuf = (uint64_t)got;
	return 0;
}

int netlink_open(uint64_t rcvbuf, Netlink **ret)
{
	Netlink *nl;
	int r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_CONNECTOR, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->sock) {
		r = -errno;
		goto fail;
	}
	/* sized before joining the group: events arrive from bind on */
	r = netlink_set_rcvbuf(nl, rcvbuf);
	if (r < 0)
		goto fail;
	if (mnl_socket_bind(nl->sock, CN_IDX_PROC, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	nl->kernel_mask = PROC_EVENT_ALL_BITS;
	nl->seq_valid = true;
	/* ack is an arbitrary cookie the kernel echoes +1; avoid other listeners' values */
	nl->ack = (uint32_t)(now_nsec(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 16));
	*ret = nl;
	return 0;

fail:
	netlink_free(nl);
	return r;
}

Netlink *netlink_free(Netlink *nl)
{
	if (!nl)
		return NULL;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->cpu_seq);
	free(nl->cpu_seen);
	free(nl);
	return NULL;
}

/* Debian 12's headers predate the kernel-side filter (Linux 6.6) */
struct cnprocd_proc_input {
	uint32_t mcast_op;   /* enum proc_cn_mcast_op */
	uint32_t event_type; /* PROC_EVENT_* bits to deliver */
};

/* LISTEN/IGNORE; with event_type, the 8-byte form that also sets the filter. */
static int send_mcast_op(Netlink *nl, enum proc_cn_mcast_op op, const uint32_t *event_type)
{
	struct cnprocd_proc_input in = { .mcast_op = op, .event_type = event_type ? *event_type : 0 };
	size_t len = event_type ? sizeof(in) : sizeof(in.mcast_op);
	char buf[NETLINK_BUFFER_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct cn_msg *cn;

	memset(buf, 0, NLMSG_SPACE(sizeof(*cn) + sizeof(in)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = mnl_socket_get_portid(nl->sock);
	nlh->nlmsg_seq = ++nl->seq;
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn) + len);
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = nl->seq;
	cn->ack = ++nl->ack;
	cn->len = (uint16_t)len;
	memcpy(cn->data, &in, len);

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static void seq_track(Netlink *nl, const ProcEvent *ev)
{
	uint32_t d;

	/* With a filter the per-CPU seq also counts the events filtered out, so gaps
	 * mean nothing. ACKs (ours and other listeners') take a number from their
	 * CPU's sequence too, except on old kernels, which sent them with the
	 * requester's seq and cpu = -1. */
	if (!nl->seq_valid || (ev->type == PROC_EV_NONE && ev->cpu == UINT32_MAX))
		return;
	if (ev->cpu >= nl->n_cpus) {
		size_t n = (size_t)ev->cpu + 1 + 16;
		uint32_t *s = realloc(nl->cpu_seq, n * sizeof(*s));
		bool *b;

		if (!s)
			return;
		nl->cpu_seq = s;
		b = realloc(nl->cpu_seen, n * sizeof(*b));
		if (!b)
			return;
		memset(b + nl->n_cpus, 0, (n - nl->n_cpus) * sizeof(*b));
		nl->cpu_seen = b;
		nl->n_cpus = n;
	}
	if (nl->cpu_seen[ev->cpu]) {
		d = ev->seq - nl->cpu_seq[ev->cpu];
		/* forward jumps are losses; a huge "jump" is reordering, not loss */
		if (d > 1 && d < (1U << 31))
			nl->stats.n_seq_lost += d - 1;
		if (d >= (1U << 31))
			return;
	}
	nl->cpu_seen[ev->cpu] = true;
	nl->cpu_seq[ev->cpu] = ev->seq;
}

typedef struct DispatchContext {
	Netlink *nl;
	netlink_event_cb cb;
	void *userdata;
	int cb_error;
	bool acked;
	bool awaiting;
	uint32_t first_ack; /* cookie of the first LISTEN of this subscription */
	uint32_t ack_err;
	/* events that came before the ACK, held until it says they are ours (a
	 * socket whose subscription the kernel refuses still gets the events of
	 * its network namespace once anyone on the host listens) */
	bool hold;
	ProcEvent *held;
	size_t n_held, alloc_held;
} DispatchContext;

/* events held before an ACK at most; more are dropped (and counted): the ACK
 * comes within microseconds where it comes at all */
#define HELD_MAX 65536

/* The kernel marks every connector message NLMSG_DONE; libmnl would treat that as
 * "end of dump" with mnl_cb_run, so this is installed as the DONE control callback. */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	DispatchContext *c = data;
	Netlink *nl = c->nl;
	ProcEvent ev;
	int r;

	r = cnproc_decode(nlh, nlh->nlmsg_len, &ev);
	if (r == -EOPNOTSUPP) {
		nl->stats.n_unknown++;
		return MNL_CB_OK;
	}
	if (r < 0) {
		nl->stats.n_malformed++;
		return MNL_CB_OK;
	}
	nl->stats.n_events++;
	seq_track(nl, &ev);
	/* the answer to any of our LISTEN requests since subscribe began (a retry
	 * after an overflow may still see the answer to the first one) */
	if (ev.type == PROC_EV_NONE && c->awaiting &&
	    ev.ack - (c->first_ack + 1) <= nl->ack - c->first_ack) {
		c->acked = true;
		c->ack_err = ev.none.err;
	}
	if (c->hold && !c->acked) {
		if (c->n_held == c->alloc_held) {
			size_t n = MIN(MAX(c->alloc_held * 2, (size_t)64), (size_t)HELD_MAX);
			ProcEvent *h = n > c->alloc_held ? realloc(c->held, n * sizeof(*h)) : NULL;

			if (!h) {
				nl->stats.n_unconfirmed++;
				return MNL_CB_OK;
			}
			c->held = h;
			c->alloc_held = n;
		}
		c->held[c->n_held++] = ev;
		return MNL_CB_OK;
	}
	if (c->cb) {
		r = c->cb(&ev, c->userdata);
		if (r < 0) {
			c->cb_error = r;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

static int on_unexpected(const struct nlmsghdr *nlh, void *data)
{
	DispatchContext *c = data;

	(void)nlh;
	c->nl->stats.n_malformed++;
	return MNL_CB_OK;
}

static mnl_cb_t ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = on_unexpected,
	[NLMSG_ERROR] = on_unexpected,
	[NLMSG_DONE] = on_done,
	[NLMSG_OVERRUN] = on_unexpected,
};

/* One datagram received: check where it came from, decode and dispatch it. */
static int handle_datagram(Netlink *nl, DispatchContext *c, void *buf, size_t n,
			   const struct msghdr *msg, const struct sockaddr_nl *addr)
{
	int r;

	nl->stats.n_datagrams++;
	if (msg->msg_namelen != sizeof(*addr) || addr->nl_pid != 0) {
		nl->stats.n_foreign++;
		return 0;
	}
	if (msg->msg_flags & MSG_TRUNC) {
		nl->stats.n_malformed++;
		return 0;
	}
	/* data callback: type >= NLMSG_MIN_TYPE is never a connector message */
	r = mnl_cb_run2(buf, n, 0, 0, on_unexpected, c, ctl_cb, ELEMENTSOF(ctl_cb));
	if (r < 0) {
		if (c->cb_error < 0)
			return c->cb_error;
		/* libmnl rejected the framing (e.g. bad length): skip the datagram */
		nl->stats.n_malformed++;
	}
	return 0;
}

/* Read one datagram; 1 = handled, 0 = nothing to read, < 0 error. */
static int receive_one(Netlink *nl, DispatchContext *c)
{
	char buf[NETLINK_BUFFER_SIZE] __attribute__((aligned(8)));
	struct sockaddr_nl addr;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &addr,
		.msg_namelen = sizeof(addr),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;
	int r;

	/* recvmsg rather than mnl_socket_recvfrom: we need the sender address to
	 * reject datagrams that another local process unicast to our port */
	n = recvmsg(netlink_fd(nl), &msg, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			nl->stats.n_enobufs++;
			return 1;
		}
		return -errno;
	}
	r = handle_datagram(nl, c, buf, (size_t)n, &msg, &addr);
	return r < 0 ? r : 1;
}

/* Datagrams per recvmmsg: a proc event is under 100 bytes, anything longer than a
 * slot is not the kernel's (MSG_TRUNC: counted as malformed) */
#define MMSG_N 64
#define MMSG_SLOT 512

int netlink_receive(Netlink *nl, unsigned max_datagrams, netlink_event_cb cb, void *userdata)
{
	DispatchContext c = { .nl = nl, .cb = cb, .userdata = userdata };
	char bufs[MMSG_N][MMSG_SLOT] __attribute__((aligned(8)));
	struct sockaddr_nl addrs[MMSG_N];
	struct iovec iovs[MMSG_N];
	struct mmsghdr msgs[MMSG_N];
	unsigned total = 0;

	while (total < max_datagrams) {
		unsigned want = MIN(max_datagrams - total, (unsigned)MMSG_N);
		int n;

		for (unsigned i = 0; i < want; i++) {
			iovs[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = MMSG_SLOT };
			msgs[i] = (struct mmsghdr){ .msg_hdr = {
				.msg_name = &addrs[i],
				.msg_namelen = sizeof(addrs[i]),
				.msg_iov = &iovs[i],
				.msg_iovlen = 1,
			} };
		}
		/* one call takes everything queued (up to want): no extra read to
		 * find the queue empty */
		n = recvmmsg(netlink_fd(nl), msgs, want, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS) {
				nl->stats.n_enobufs++;
				total++;
				continue;
			}
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			int r = handle_datagram(nl, &c, bufs[i], msgs[i].msg_len, &msgs[i].msg_hdr,
						&addrs[i]);
			if (r < 0)
				return r;
		}
		total += (unsigned)n;
		if ((unsigned)n < want)
			break;
	}
	return (int)total;
}

/*
 * Send LISTEN (with event_type: the 8-byte form) and wait for its ACK.
 * Our socket is in the multicast group from bind on, so other listeners' traffic
 * can overflow a small buffer and take the ACK with it: then ask again, which is
 * harmless (a repeated LISTEN from one socket is not counted twice, kernel >= 6.6).
 */
static int wait_ack(Netlink *nl, DispatchContext *c, const uint32_t *event_type,
		    usec_t timeout)
{
	uint64_t enobufs;
	unsigned retries = 0;
	usec_t deadline;
	int r;

	c->first_ack = nl->ack + 1;
	r = send_mcast_op(nl, PROC_CN_MCAST_LISTEN, event_type);
	if (r < 0)
		return r;
	enobufs = nl->stats.n_enobufs;

	deadline = now_usec(CLOCK_MONOTONIC) + timeout;
	while (!c->acked) {
		struct pollfd p = { .fd = netlink_fd(nl), .events = POLLIN };
		usec_t now = now_usec(CLOCK_MONOTONIC);

		if (nl->stats.n_enobufs != enobufs && retries < 16) {
			enobufs = nl->stats.n_enobufs;
			retries++;
			r = send_mcast_op(nl, PROC_CN_MCAST_LISTEN, event_type);
			if (r < 0)
				return r;
		}
		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)((deadline - now + 999) / 1000));
		if (r < 0 && errno != EINTR)
			return -errno;
		while (!c->acked) {
			r = receive_one(nl, c);
			if (r < 0)
				return r;
			if (r == 0)
				break;
		}
	}
	/* the kernel refuses with an errno in the ACK (EPERM without CAP_NET_ADMIN) */
	return c->ack_err != 0 ? -(int)c->ack_err : 0;
}

/* hold: events before the ACK are held, and handed to cb only once it says the
 * subscription is ours (else dropped, counted as unconfirmed) */
static int listen_acked(Netlink *nl, const uint32_t *event_type, usec_t timeout, bool hold,
			netlink_event_cb cb, void *userdata)
{
	DispatchContext c = { .nl = nl, .cb = cb, .userdata = userdata, .awaiting = true,
			      .hold = hold };
	int r = wait_ack(nl, &c, event_type, timeout);

	for (size_t i = 0; i < c.n_held; i++) {
		if (r < 0 || !cb) {
			nl->stats.n_unconfirmed += c.n_held - i;
			break;
		}
		r = cb(&c.held[i], userdata);
		if (r > 0)
			r = 0;
	}
	free(c.held);
	return r;
}

bool netlink_namespaces_served(const char **ret_why)
{
	/* the kernel's fixed inode numbers of the initial namespaces (proc_ns.h:
	 * PROC_USER_INIT_INO, PROC_PID_INIT_INO); systemd-detect-virt's guess is
	 * no help: it calls hosts with a /.dockerenv file containers */
	static const struct {
		const char *path;
		ino_t ino;
	} ns[] = {
		{ "/proc/self/ns/user", 0xEFFFFFFDU },
		{ "/proc/self/ns/pid", 0xEFFFFFFCU },
	};
	struct stat st;

	for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
		if (stat(ns[i].path, &st) < 0) {
			*ret_why = "cannot tell the namespaces (/proc/self/ns unreadable)";
			return false;
		}
		if (st.st_ino != ns[i].ino) {
			*ret_why = "not in the initial user and PID namespaces (a container?): "
				   "the kernel's proc connector does not serve it";
			return false;
		}
	}
	return true;
}

int netlink_subscribe(Netlink *nl, usec_t timeout, netlink_event_cb cb, void *userdata)
{
	uint32_t all = PROC_EVENT_ALL_BITS;
	int r;

	nl->subscribed = true; /* IGNORE on the way out even if the ACK never came */
	r = listen_acked(nl, NULL, timeout, true, cb, userdata);
	if (r < 0) {
		if (r != -ETIMEDOUT)
			nl->subscribed = false;
		return r;
	}
	/* Does the kernel take a proc_input (>= 6.6)? Asking for everything in the
	 * 8-byte form is answered (older kernels ignore it silently); the answer is
	 * synchronous, so a short wait suffices. */
	if (kernel_at_least(6, 6))
		nl->filter_supported =
			listen_acked(nl, &all, MIN(timeout, 500 * USEC_PER_MSEC), false, cb,
				     userdata) == 0;
	return 0;
}

static int attach_bpf(int fd, int (*build)(struct sock_filter *prog, size_t n))
{
	struct sock_filter prog[32];
	struct sock_fprog fprog = { .filter = prog };
	int r;

	r = build(prog, ELEMENTSOF(prog));
	if (r < 0)
		return r;
	fprog.len = (unsigned short)r;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0)
		return -errno;
	return 0;
}

int netlink_set_exec_only(Netlink *nl)
{
	int r;

	/* the kernel filter spares it the queueing where there is one; the BPF
	 * program makes it so everywhere */
	if (nl->filter_supported) {
		uint32_t mask = cnproc_kernel_mask(1U << PROC_EV_EXEC);

		r = send_mcast_op(nl, PROC_CN_MCAST_LISTEN, &mask);
		if (r < 0)
			return r;
		nl->kernel_mask = mask;
	}
	r = attach_bpf(netlink_fd(nl), cnproc_exec_filter);
	if (r < 0)
		return r;
	nl->seq_valid = false;
	return 0;
}

int netlink_set_filter(Netlink *nl, uint32_t kernel_mask, bool drop_threads)
{
	int fd = netlink_fd(nl), r;
	bool seq_valid;

	/* every type wanted: ask for PROC_EVENT_ALL itself, the one value the kernel
	 * treats as "no filter" (ACKs included) */
	if (!nl->filter_supported || (kernel_mask | 0x20000000U) == PROC_EVENT_ALL_BITS)
		kernel_mask = PROC_EVENT_ALL_BITS;
	if (kernel_mask != nl->kernel_mask) {
		/* replaces this socket's filter; no ACK comes back for a partial one */
		r = send_mcast_op(nl, PROC_CN_MCAST_LISTEN, &kernel_mask);
		if (r < 0)
			return r;
		nl->kernel_mask = kernel_mask;
	}
	if (drop_threads != nl->thread_filter) {
		if (drop_threads) {
			r = attach_bpf(fd, cnproc_thread_filter);
			if (r < 0)
				return r;
		} else {
			int dummy = 0; /* the kernel wants an int-sized option, unused */

			if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) < 0)
				return -errno;
		}
		nl->thread_filter = drop_threads;
	}
	seq_valid = nl->kernel_mask == PROC_EVENT_ALL_BITS && !nl->thread_filter;
	if (seq_valid && !nl->seq_valid)
		/* start afresh: the gaps while filtered were not losses */
		memset(nl->cpu_seen, 0, nl->n_cpus * sizeof(*nl->cpu_seen));
	nl->seq_valid = seq_valid;
	return 0;
}

bool netlink_filter_supported(const Netlink *nl)
{
	return nl->filter_supported;
}

uint32_t netlink_kernel_mask(const Netlink *nl)
{
	return nl->kernel_mask;
}

bool netlink_thread_filter(const Netlink *nl)
{
	return nl->thread_filter;
}

bool netlink_seq_valid(const Netlink *nl)
{
	return nl->seq_valid;
}

int netlink_unsubscribe(Netlink *nl)
{
	int r;

	if (!nl->subscribed)
		return 0;
	r = send_mcast_op(nl, PROC_CN_MCAST_IGNORE, NULL);
	if (r == 0)
		nl->subscribed = false;
	return r;
}

static int meminfo(const Netlink *nl, uint32_t mem[static SK_MEMINFO_VARS])
{
	socklen_t l = SK_MEMINFO_VARS * sizeof(uint32_t);

	if (getsockopt(netlink_fd(nl), SOL_SOCKET, SO_MEMINFO, mem, &l) < 0)
		return -errno;
	if (l < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return -EOPNOTSUPP;
	return 0;
}

int64_t netlink_kernel_drops(const Netlink *nl)
{
	uint32_t mem[SK_MEMINFO_VARS];
	int r = meminfo(nl, mem);

	return r < 0 ? (int64_t)r : (int64_t)mem[SK_MEMINFO_DROPS];
}

int netlink_queue_percent(const Netlink *nl)
{
	uint32_t mem[SK_MEMINFO_VARS];
	int r = meminfo(nl, mem);

	if (r < 0)
		return r;
	if (mem[SK_MEMINFO_RCVBUF] == 0)
		return 0;
	return (int)MIN(100ULL, (uint64_t)mem[SK_MEMINFO_RMEM_ALLOC] * 100 / mem[SK_MEMINFO_RCVBUF]);
}
