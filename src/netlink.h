/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The proc connector socket (NETLINK_CONNECTOR, group CN_IDX_PROC) through libmnl:
 * subscribe with an ACK wait, receive in bounded batches, account for every loss.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cnproc.h"
#include "macro.h"

typedef struct NetlinkStats {
	uint64_t n_datagrams;
	uint64_t n_events;
	uint64_t n_malformed; /* failed validation, skipped */
	uint64_t n_unknown;   /* well-formed, unknown event type */
	uint64_t n_foreign;   /* not sent by the kernel (spoofing attempt), dropped */
	uint64_t n_enobufs;   /* receive queue overflowed (events lost) */
	uint64_t n_seq_lost;  /* events missing from the per-CPU sequence */
	uint64_t n_unconfirmed; /* came before the subscription's ACK, which never
				 * came or refused it: not ours, dropped */
} NetlinkStats;

typedef struct Netlink Netlink;

/* Return < 0 from the callback to stop the batch and propagate the error. */
typedef int (*netlink_event_cb)(const ProcEvent *ev, void *userdata);

/* Open and bind; rcvbuf is the requested receive buffer in bytes (0: kernel default). */
int netlink_open(uint64_t rcvbuf, Netlink **ret);
Netlink *netlink_free(Netlink *nl);
DEFINE_TRIVIAL_CLEANUP_FUNC(Netlink *, netlink_free);

/*
 * Send PROC_CN_MCAST_LISTEN and wait up to timeout for the kernel's ACK.
 * Events arriving meanwhile are held, and passed to cb once the ACK confirms the
 * subscription (none is lost); without it they are dropped (n_unconfirmed): a
 * socket the kernel refuses still gets the events of its network namespace once
 * anyone on the host listens, and they are not this process's to record.
 * -ETIMEDOUT: no ACK (we are not in the initial user/PID namespace).
 */
int netlink_subscribe(Netlink *nl, usec_t timeout, netlink_event_cb cb, void *userdata);

/* Whether this process is in the initial user and PID namespaces, the only ones
 * the kernel answers (a container is not); false with *ret_why said if not. */
bool netlink_namespaces_served(const char **ret_why);
/*
 * Narrow what the kernel sends: kernel_mask (PROC_EVENT_* bits, see
 * cnproc_kernel_mask) through the proc_input filter where the kernel has one
 * (>= 6.6, probed by netlink_subscribe; else everything keeps coming), and
 * drop_threads attaches a BPF filter for thread events. Either makes the per-CPU
 * sequence numbers useless for loss detection; only the kernel's drop count is left.
 */
int netlink_set_filter(Netlink *nl, uint32_t kernel_mask, bool drop_threads);
/* Only EXEC events from now on (kernel filter where there is one, and a BPF
 * program): the socket the exec prefetch reads. */
int netlink_set_exec_only(Netlink *nl);
bool netlink_filter_supported(const Netlink *nl);
uint32_t netlink_kernel_mask(const Netlink *nl);
bool netlink_thread_filter(const Netlink *nl);
/* Are sequence gaps losses (nothing filtered)? */
bool netlink_seq_valid(const Netlink *nl);

/* Send PROC_CN_MCAST_IGNORE (no-op if not subscribed). */
int netlink_unsubscribe(Netlink *nl);

/*
 * Read up to max_datagrams without blocking and hand every event to cb.
 * Returns the number of datagrams read (0: socket drained), or < 0 on a real error.
 * ENOBUFS is counted, not returned.
 */
int netlink_receive(Netlink *nl, unsigned max_datagrams, netlink_event_cb cb, void *userdata);

/* Resize the receive buffer (SO_RCVBUFFORCE, else SO_RCVBUF); want in bytes. */
int netlink_set_rcvbuf(Netlink *nl, uint64_t want);

int netlink_fd(const Netlink *nl);
uint64_t netlink_rcvbuf(const Netlink *nl);
const NetlinkStats *netlink_stats(const Netlink *nl);
/* The kernel's count of datagrams dropped on this socket (SO_MEMINFO), or < 0. */
int64_t netlink_kernel_drops(const Netlink *nl);
/* How full the receive queue is, in percent of the buffer; or a negative errno. */
int netlink_queue_percent(const Netlink *nl);

/* One-line explanation of a netlink_open/subscribe error for the operator. */
const char *netlink_strerror(int error);
