/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What exactly ran: flags of an executable that an auditor looks for. Pure:
 * the caller reads /proc/PID/exe (the link's text) and stats the file and its
 * directory; these functions only decide.
 *
 *   deleted       the file was unlinked (the kernel's " (deleted)" suffix, and
 *                 no link left when its stat is known)
 *   memfd         run from a memfd (fileless: "/memfd:NAME (deleted)")
 *   writable-dir  its directory is world-writable (/tmp, /var/tmp, /dev/shm...)
 *   setuid        the file has the set-user-ID bit
 *   setgid        the file has the set-group-ID bit
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

typedef enum ExeFlag {
	EXE_DELETED = 1 << 0,
	EXE_MEMFD = 1 << 1,
	EXE_WRITABLE_DIR = 1 << 2,
	EXE_SETUID = 1 << 3,
	EXE_SETGID = 1 << 4,
	_EXE_FLAG_ALL = (1 << 5) - 1,
} ExeFlag;

#define EXE_FLAG_COUNT 5

/* The flags the link's text and the file's stat (NULL: unknown) give; the
 * " (deleted)" suffix is cut from exe in place when the file really was
 * unlinked, so exe is the path it was run from. */
unsigned exe_flags_from_link(char *exe, const struct stat *st);
/* The directory of exe whose mode decides writable-dir, into buf: NULL for a
 * memfd or a path without one. */
const char *exe_flags_dir(const char *exe, char *buf, size_t size);
/* writable-dir, from the directory's stat */
unsigned exe_flags_from_dir(const struct stat *dir_st);

/* The name of flag i (0 <= i < EXE_FLAG_COUNT), and its bit */
const char *exe_flag_name(unsigned i);
/* The bit named name, 0 if none */
unsigned exe_flag_from_name(const char *name, size_t len);
/* flags as names separated by sep ("deleted writable-dir") */
void exe_flags_print(FILE *f, unsigned flags, const char *sep);
