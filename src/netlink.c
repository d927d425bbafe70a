/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "netlink.h"
#include "util.h"

/* libmnl's MNL_SOCKET_BUFFER_SIZE is computed at run time; a proc event datagram is
 * 76 bytes, so one page-sized buffer is plenty */
#define NETLINK_BUFFER_SIZE 8192

struct Netlink {
	struct mnl_socket *sock;
	uint64_t rcvbuf;
	uint32_t seq;
	uint32_t ack;
	bool subscribed;

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
	if (mnl_socket_bind(nl->sock, CN_IDX_PROC, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	r = netlink_set_rcvbuf(nl, rcvbuf);
	if (r < 0)
		goto fail;
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

static int send_mcast_op(Netlink *nl, enum proc_cn_mcast_op op)
{
	char buf[NETLINK_BUFFER_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct cn_msg *cn;

	memset(buf, 0, NLMSG_SPACE(sizeof(*cn) + sizeof(op)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = mnl_socket_get_portid(nl->sock);
	nlh->nlmsg_seq = ++nl->seq;
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn) + sizeof(op));
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = nl->seq;
	cn->ack = ++nl->ack;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static void seq_track(Netlink *nl, const ProcEvent *ev)
{
	uint32_t d;

	if (ev->type == PROC_EV_NONE) /* ACKs carry the requester's seq, not the CPU's */
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
	uint32_t ack_err;
} DispatchContext;

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
	if (ev.type == PROC_EV_NONE && ev.ack == nl->ack + 1) {
		c->acked = true;
		c->ack_err = ev.none.err;
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

/* Read one datagram; 1 = handled, 0 = nothing to read, < 0 error. */
static int receive_one(Netlink *nl, DispatchContext *c)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = on_unexpected,
		[NLMSG_ERROR] = on_unexpected,
		[NLMSG_DONE] = on_done,
		[NLMSG_OVERRUN] = on_unexpected,
	};
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
	nl->stats.n_datagrams++;
	if (msg.msg_namelen != sizeof(addr) || addr.nl_pid != 0) {
		nl->stats.n_foreign++;
		return 1;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		nl->stats.n_malformed++;
		return 1;
	}
	/* data callback: type >= NLMSG_MIN_TYPE is never a connector message */
	r = mnl_cb_run2(buf, (size_t)n, 0, 0, on_unexpected, c, ctl, ELEMENTSOF(ctl));
	if (r < 0) {
		if (c->cb_error < 0)
			return c->cb_error;
		/* libmnl rejected the framing (e.g. bad length): skip the datagram */
		nl->stats.n_malformed++;
	}
	return 1;
}

int netlink_receive(Netlink *nl, unsigned max_datagrams, netlink_event_cb cb, void *userdata)
{
	DispatchContext c = { .nl = nl, .cb = cb, .userdata = userdata };
	unsigned i;

	for (i = 0; i < max_datagrams; i++) {
		int r = receive_one(nl, &c);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	return (int)i;
}

int netlink_subscribe(Netlink *nl, usec_t timeout, netlink_event_cb cb, void *userdata)
{
	DispatchContext c = { .nl = nl, .cb = cb, .userdata = userdata };
	usec_t deadline;
	int r;

	r = send_mcast_op(nl, PROC_CN_MCAST_LISTEN);
	if (r < 0)
		return r;
	nl->subscribed = true;

	deadline = now_usec(CLOCK_MONOTONIC) + timeout;
	while (!c.acked) {
		struct pollfd p = { .fd = netlink_fd(nl), .events = POLLIN };
		usec_t now = now_usec(CLOCK_MONOTONIC);

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)((deadline - now + 999) / 1000));
		if (r < 0 && errno != EINTR)
			return -errno;
		while (!c.acked) {
			r = receive_one(nl, &c);
			if (r < 0)
				return r;
			if (r == 0)
				break;
		}
	}
	/* the kernel refuses with an errno in the ACK (EPERM without CAP_NET_ADMIN) */
	if (c.ack_err != 0) {
		nl->subscribed = false;
		return -(int)c.ack_err;
	}
	return 0;
}

int netlink_unsubscribe(Netlink *nl)
{
	int r;

	if (!nl->subscribed)
		return 0;
	r = send_mcast_op(nl, PROC_CN_MCAST_IGNORE);
	if (r == 0)
		nl->subscribed = false;
	return r;
}

int64_t netlink_kernel_drops(const Netlink *nl)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t l = sizeof(mem);

	if (getsockopt(netlink_fd(nl), SOL_SOCKET, SO_MEMINFO, mem, &l) < 0)
		return -errno;
	if (l < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return -EOPNOTSUPP;
	return mem[SK_MEMINFO_DROPS];
}
