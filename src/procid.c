/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stable process identity (procid.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "procid.h"

const char *proc_id_format(ProcId id, char buf[static PROC_ID_MAX])
{
	if (!proc_id_known(id))
		return NULL;
	snprintf(buf, PROC_ID_MAX, "%d@%" PRIu64, (int)id.pid, id.start_ticks);
	return buf;
}

static bool all_digits(const char *s, const char *end)
{
	if (s == end || end - s > 20)
		return false;
	for (; s < end; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int proc_id_parse(const char *s, ProcId *ret)
{
	const char *at;
	unsigned long long pid, ticks;
	char *end;

	if (!s)
		return -EINVAL;
	at = s;
	while (*at && *at != '@')
		at++;
	if (*at != '@' || !all_digits(s, at))
		return -EINVAL;
	for (end = (char *)at + 1; *end; end++)
		;
	if (!all_digits(at + 1, end))
		return -EINVAL;
	errno = 0;
	pid = strtoull(s, NULL, 10);
	ticks = strtoull(at + 1, NULL, 10);
	if (errno != 0 || pid == 0 || pid > INT32_MAX)
		return -EINVAL;
	*ret = (ProcId){ .pid = (pid_t)pid, .start_ticks = ticks };
	return 0;
}

uint64_t proc_start_ticks(uint64_t ts_ns, uint64_t boot_offset_ns, unsigned long hz,
			  bool *ret_ambiguous)
{
	uint64_t tick_ns = 1000000000ULL / (hz ?: 100);
	uint64_t boot_ns = ts_ns + boot_offset_ns;

	if (ret_ambiguous)
		*ret_ambiguous = boot_ns % tick_ns < START_MARGIN_NS;
	return boot_ns / tick_ns;
}
