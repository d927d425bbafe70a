/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Loss accounting, pure: the best count of events lost from the kernel's two
 * witnesses, and the window of one loss episode, so a fork storm that overflows
 * the queue a hundred times is one resync and one "events lost" record.
 *
 * The kernel's drop counter (SO_MEMINFO) counts every event our socket refused
 * when it arrives; the per-CPU sequence gaps count the same losses only once that
 * CPU sends again, but also events the kernel could not allocate at all. So the
 * best figure is the larger of the two, and it only grows.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef struct LossTracker {
	uint64_t lost_total;       /* events lost since start */
	bool open;                 /* an episode is in progress */
	usec_t start, last;        /* CLOCK_MONOTONIC: first and latest sign of loss */
	uint64_t lost;             /* events lost in this episode */
	uint64_t overflows;        /* receive queue overflows (ENOBUFS) in this episode */
} LossTracker;

typedef struct LossEpisode {
	usec_t start, last;
	uint64_t lost, overflows;
} LossEpisode;

/*
 * Feed the cumulative counters: gaps (sequence gaps since start, 0 when not
 * tracked), drops (kernel drops since start, < 0 when unknown) and the overflows
 * seen since the last call. Returns true when this is a sign of loss (the
 * episode is opened or extended).
 */
bool loss_update(LossTracker *t, uint64_t gaps, int64_t drops, uint64_t new_overflows, usec_t now);

/* When should the pending episode be closed (resync + record)? After quiet_usec
 * without further loss, but no later than max_usec after it began. */
usec_t loss_deadline(const LossTracker *t, usec_t quiet_usec, usec_t max_usec);

/* Close the episode: returns false if none was open. */
bool loss_close(LossTracker *t, LossEpisode *ret);
