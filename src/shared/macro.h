/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_format_(a, b) __attribute__((format(printf, a, b)))
#define _must_check_ __attribute__((warn_unused_result))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                        \
	({                                                                                 \
		__typeof__(p) _p_ = (p);                                                   \
		(p) = NULL;                                                                \
		_p_;                                                                       \
	})
#define TAKE_FD(fd)                                                                        \
	({                                                                                 \
		int _fd_ = (fd);                                                           \
		(fd) = -1;                                                                 \
		_fd_;                                                                      \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Declare foo_freep() for a type whose foo_free() returns NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                            \
	static inline void func##p(type *p)                                                \
	{                                                                                  \
		if (*p)                                                                    \
			func(*p);                                                          \
	}

typedef unsigned long long usec_t;
typedef unsigned long long nsec_t;
#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000ULL
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_USEC 1000ULL
#define USEC_INFINITY ((usec_t)-1)
