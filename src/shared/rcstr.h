/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Strings shared by reference count. A forked child inherits its parent's
 * executable, command line, cgroup, unit and working directory; the process
 * table used to copy them at every fork, which with 10,000 processes was most of
 * the daemon's memory. These point at their bytes (NUL-terminated, so they read
 * as any string); the count sits in a header before them.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct RcStrHeader {
	uint64_t n_ref; /* 8 bytes: the bytes after it stay 8-aligned */
} RcStrHeader;

static inline RcStrHeader *rcstr_header(const char *s)
{
	return (RcStrHeader *)(void *)((char *)s - sizeof(RcStrHeader));
}

/* A new shared copy of len bytes of s (plus a NUL); NULL on ENOMEM. */
static inline char *rcstr_newn(const char *s, size_t len)
{
	RcStrHeader *h = malloc(sizeof(RcStrHeader) + len + 1);
	char *d;

	if (!h)
		return NULL;
	h->n_ref = 1;
	d = (char *)(h + 1);
	memcpy(d, s, len);
	d[len] = 0;
	return d;
}

static inline char *rcstr_ref(char *s)
{
	if (s)
		rcstr_header(s)->n_ref++;
	return s;
}

static inline void rcstr_unref(char *s)
{
	if (s && --rcstr_header(s)->n_ref == 0)
		free(rcstr_header(s));
}

/* Makes a malloc'ed string of len bytes (NULL stays NULL) a shared one, freeing
 * it: -ENOMEM (it is freed then too) or 0. */
static inline int rcstr_adopt(char **s, size_t len)
{
	char *r;

	if (!*s)
		return 0;
	r = rcstr_newn(*s, len);
	free(*s);
	*s = r;
	return r ? 0 : -12; /* -ENOMEM, without errno.h in every includer */
}
