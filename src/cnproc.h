/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Pure decoder for proc connector datagrams: bytes in, validated event records out.
 * No I/O, no logging, no globals, so it can be fed recorded messages and fuzzed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum ProcEventType {
	PROC_EV_NONE, /* ACK of a LISTEN/IGNORE request */
	PROC_EV_FORK,
	PROC_EV_EXEC,
	PROC_EV_UID,
	PROC_EV_GID,
	PROC_EV_SID,
	PROC_EV_PTRACE,
	PROC_EV_COMM,
	PROC_EV_COREDUMP,
	PROC_EV_EXIT,
	_PROC_EV_MAX,
	_PROC_EV_INVALID = -1,
} ProcEventType;

typedef struct ProcEvent {
	ProcEventType type;
	uint32_t what;         /* raw kernel enum what */
	uint32_t cpu;          /* CPU that emitted it; seq is per CPU */
	uint32_t seq;          /* cn_msg.seq */
	uint32_t ack;          /* cn_msg.ack */
	uint64_t timestamp_ns; /* kernel CLOCK_MONOTONIC ns */

	/* The subject task: the child for FORK, the process for everything else. */
	pid_t pid;
	pid_t tgid;

	union {
		struct {
			uint32_t err; /* the ACK's errno, 0 on success */
		} none;
		struct {
			pid_t parent_pid, parent_tgid;
		} fork;
		struct {
			uint32_t real, effective; /* ruid/euid for UID, rgid/egid for GID */
		} id;
		struct {
			pid_t tracer_pid, tracer_tgid; /* 0 on detach */
		} ptrace;
		struct {
			char comm[16]; /* always NUL-terminated */
		} comm;
		struct {
			pid_t parent_pid, parent_tgid;
		} coredump;
		struct {
			uint32_t exit_code;   /* raw wait status */
			uint32_t exit_signal; /* signal sent to the parent (SIGCHLD, or -1) */
			int status;           /* WEXITSTATUS, or -1 when killed by a signal */
			int signal;           /* WTERMSIG, 0 when it exited normally */
			bool core;            /* WCOREDUMP */
			pid_t parent_pid, parent_tgid;
		} exit;
	};
} ProcEvent;

/*
 * Decode one netlink message carrying a connector proc event.
 * Returns 1 with *ret filled, or a negative errno:
 *   -EBADMSG     truncated or inconsistent lengths (nlmsg, cn_msg or payload of the type)
 *   -EPROTO      not a proc connector message (idx/val), or not NLMSG_DONE (how the kernel marks them)
 *   -EOPNOTSUPP  well-formed but an event type this decoder does not know
 */
int cnproc_decode(const void *buf, size_t len, ProcEvent *ret);

/* The kernel's PROC_EVENT_* bits for a set of types (bit 1 << ProcEventType). */
uint32_t cnproc_kernel_mask(uint32_t types);
#define CNPROC_TYPES_ALL ((uint32_t)((1U << _PROC_EV_MAX) - 2)) /* every type but NONE */

/*
 * A classic BPF socket filter that drops thread events (pid != tgid) of the
 * types the process table folds anyway: FORK of a thread, EXIT of a non-leader,
 * and UID/GID/SID/PTRACE/COMM of a thread. Everything else (ACKs, EXEC, COREDUMP,
 * anything short, unknown or not from the proc connector) passes, so the decoder
 * still sees and counts it.
 * Fills up to n instructions; returns how many, or -ENOBUFS.
 */
struct sock_filter;
int cnproc_thread_filter(struct sock_filter *prog, size_t n);
/* A classic BPF program that passes EXEC events only (and whatever is not a proc
 * connector message, for the decoder to reject): the prefetch socket's filter on
 * kernels without proc_input. Same conventions as cnproc_thread_filter. */
int cnproc_exec_filter(struct sock_filter *prog, size_t n);

const char *proc_event_type_to_string(ProcEventType t);
ProcEventType proc_event_type_from_string(const char *s);
