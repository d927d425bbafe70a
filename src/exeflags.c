/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Flags of an executable (exeflags.h). */
#include <string.h>

#include "exeflags.h"
#include "macro.h"

#define DELETED_SUFFIX " (deleted)"
#define MEMFD_PREFIX "/memfd:"

static const char *const names[EXE_FLAG_COUNT] = {
	"deleted", "memfd", "writable-dir", "setuid", "setgid",
};

unsigned exe_flags_from_link(char *exe, const struct stat *st)
{
	size_t l = exe ? strlen(exe) : 0, sl = strlen(DELETED_SUFFIX);
	unsigned flags = 0;

	if (!exe)
		return 0;
	if (st) {
		if (st->st_mode & S_ISUID)
			flags |= EXE_SETUID;
		if (st->st_mode & S_ISGID)
			flags |= EXE_SETGID;
	}
	/* a file may really be called "x (deleted)": then it still has a link */
	if (l > sl && strcmp(exe + l - sl, DELETED_SUFFIX) == 0 && (!st || st->st_nlink == 0)) {
		exe[l - sl] = 0;
		flags |= strncmp(exe, MEMFD_PREFIX, strlen(MEMFD_PREFIX)) == 0 ? EXE_MEMFD :
										   EXE_DELETED;
	}
	return flags;
}

const char *exe_flags_dir(const char *exe, char *buf, size_t size)
{
	const char *slash;
	size_t l;

	if (!exe || exe[0] != '/' || strncmp(exe, MEMFD_PREFIX, strlen(MEMFD_PREFIX)) == 0)
		return NULL;
	slash = strrchr(exe, '/');
	l = slash == exe ? 1 : (size_t)(slash - exe);
	if (l >= size)
		return NULL;
	memcpy(buf, exe, l);
	buf[l] = 0;
	return buf;
}

unsigned exe_flags_from_dir(const struct stat *dir_st)
{
	return S_ISDIR(dir_st->st_mode) && (dir_st->st_mode & S_IWOTH) ? EXE_WRITABLE_DIR : 0;
}

const char *exe_flag_name(unsigned i)
{
	return i < EXE_FLAG_COUNT ? names[i] : NULL;
}

unsigned exe_flag_from_name(const char *name, size_t len)
{
	for (unsigned i = 0; i < EXE_FLAG_COUNT; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return 1U << i;
	return 0;
}

void exe_flags_print(FILE *f, unsigned flags, const char *sep)
{
	bool first = true;

	for (unsigned i = 0; i < EXE_FLAG_COUNT; i++)
		if (flags & (1U << i)) {
			fprintf(f, "%s%s", first ? "" : sep, names[i]);
			first = false;
		}
}
