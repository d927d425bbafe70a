/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Temporary directory trees for unit tests (fake /proc roots and the like). */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Temp roots made so far: removed at exit even when a failed assertion returned
 * early from the test that made them. */
static char made_roots[32][64];
static size_t n_made_roots;

static inline void remember_root(const char *root)
{
	if (n_made_roots < 32)
		snprintf(made_roots[n_made_roots++], sizeof(made_roots[0]), "%s", root);
}

static inline void rm_made_roots(void)
{
	for (size_t i = 0; i < n_made_roots; i++)
		rm_rf(made_roots[i]); /* already gone: nothing to do */
}

static inline int write_file(const char *dir, const char *name, const void *data,
			     size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}
