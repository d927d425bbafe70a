/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loss accounting, pure: lost counts and episodes (loss.h). */
#include <string.h>

#include "loss.h"

bool loss_update(LossTracker *t, uint64_t gaps, int64_t drops, uint64_t new_overflows, usec_t now)
{
	uint64_t best = gaps, fresh = 0;

	if (drops > 0 && (uint64_t)drops > best)
		best = (uint64_t)drops;
	if (best > t->lost_total) {
		fresh = best - t->lost_total;
		t->lost_total = best;
	}
	if (fresh == 0 && new_overflows == 0)
		return false;
	if (!t->open) {
		t->open = true;
		t->start = now;
		t->lost = t->overflows = 0;
	}
	t->last = now;
	t->lost += fresh;
	t->overflows += new_overflows;
	return true;
}

usec_t loss_deadline(const LossTracker *t, usec_t quiet_usec, usec_t max_usec)
{
	usec_t a = t->last + quiet_usec, b = t->start + max_usec;

	return a < b ? a : b;
}

bool loss_close(LossTracker *t, LossEpisode *ret)
{
	if (!t->open)
		return false;
	*ret = (LossEpisode){
		.start = t->start,
		.last = t->last,
		.lost = t->lost,
		.overflows = t->overflows,
	};
	t->open = false;
	t->lost = t->overflows = 0;
	return true;
}
