/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stable process identity: "PID@TICKS", the pid and the kernel's start time of
 * the process in clock ticks after boot (field 22 of /proc/PID/stat, which
 * counts CLOCK_BOOTTIME in USER_HZ). Unique within a boot across pid reuse (a
 * pid comes back only after the allocator went round, never within one tick),
 * the same in every record of the process for its whole life, and the same for
 * anyone who reads /proc: a restarted cnprocd, or another tool joining records.
 *
 * A fork event carries no start time, only its own CLOCK_MONOTONIC timestamp,
 * taken a few microseconds after the kernel stamped the child: the tick is
 * computed from it, unless a tick began within START_MARGIN_NS before the event
 * (then the two may differ, and the caller reads /proc to be sure). Pure.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* the longest "PID@TICKS" with its NUL */
#define PROC_ID_MAX 32
/* how long a fork may take from the child's start stamp to its event */
#define START_MARGIN_NS (50 * 1000ULL)

typedef struct ProcId {
	pid_t pid;            /* 0: unknown */
	uint64_t start_ticks; /* clock ticks after boot */
} ProcId;

static inline bool proc_id_known(ProcId id)
{
	return id.pid > 0;
}

static inline bool proc_id_equal(ProcId a, ProcId b)
{
	return a.pid == b.pid && a.start_ticks == b.start_ticks;
}

/* "PID@TICKS" in buf, or NULL if id is unknown */
const char *proc_id_format(ProcId id, char buf[static PROC_ID_MAX]);
/* Parse "PID@TICKS": 0, or -EINVAL */
int proc_id_parse(const char *s, ProcId *ret);

/*
 * The start tick of a process whose fork event has the CLOCK_MONOTONIC
 * timestamp ts_ns; boot_offset_ns is CLOCK_BOOTTIME - CLOCK_MONOTONIC (the time
 * spent suspended), hz the clock ticks per second. *ret_ambiguous: a tick began
 * within START_MARGIN_NS before the event, the child may have started in the
 * one before.
 */
uint64_t proc_start_ticks(uint64_t ts_ns, uint64_t boot_offset_ns, unsigned long hz,
			  bool *ret_ambiguous);
