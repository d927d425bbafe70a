/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Executable flags from the link's text and the stats a reader took. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exeflags.h"
#include "test.h"

static unsigned from_link(const char *link, mode_t mode, nlink_t nlink, bool have_st, char *out)
{
	struct stat st = { .st_mode = S_IFREG | mode, .st_nlink = nlink };

	strcpy(out, link);
	return exe_flags_from_link(out, have_st ? &st : NULL);
}

static void test_from_link(void)
{
	char exe[256];

	TS_ASSERT_INT_EQ(from_link("/usr/bin/true", 0755, 1, true, exe), 0);
	TS_ASSERT_STR_EQ(exe, "/usr/bin/true");
	/* unlinked: the suffix goes, the flag comes */
	TS_ASSERT_INT_EQ(from_link("/tmp/x (deleted)", 0755, 0, true, exe), EXE_DELETED);
	TS_ASSERT_STR_EQ(exe, "/tmp/x");
	/* a file really called so still has its link */
	TS_ASSERT_INT_EQ(from_link("/tmp/x (deleted)", 0755, 1, true, exe), 0);
	TS_ASSERT_STR_EQ(exe, "/tmp/x (deleted)");
	/* without a stat the suffix is believed */
	TS_ASSERT_INT_EQ(from_link("/tmp/x (deleted)", 0, 0, false, exe), EXE_DELETED);
	TS_ASSERT_INT_EQ(from_link("/memfd:payload (deleted)", 0777, 0, true, exe), EXE_MEMFD);
	TS_ASSERT_STR_EQ(exe, "/memfd:payload");
	TS_ASSERT_INT_EQ(from_link("/usr/bin/passwd", 04755, 1, true, exe), EXE_SETUID);
	TS_ASSERT_INT_EQ(from_link("/usr/bin/wall", 02755, 1, true, exe), EXE_SETGID);
	TS_ASSERT_INT_EQ(from_link("/tmp/s (deleted)", 06755, 0, true, exe),
			 EXE_SETUID | EXE_SETGID | EXE_DELETED);
	TS_ASSERT_INT_EQ(from_link(" (deleted)", 0, 0, true, exe), 0);
	TS_ASSERT_INT_EQ(exe_flags_from_link(NULL, NULL), 0);
}

static void test_dir(void)
{
	char buf[64];
	struct stat st = { .st_mode = S_IFDIR | 01777 };

	TS_ASSERT_STR_EQ(exe_flags_dir("/tmp/x", buf, sizeof(buf)), "/tmp");
	TS_ASSERT_STR_EQ(exe_flags_dir("/x", buf, sizeof(buf)), "/");
	TS_ASSERT_STR_EQ(exe_flags_dir("/a/b/c", buf, sizeof(buf)), "/a/b");
	TS_ASSERT(exe_flags_dir("/memfd:x", buf, sizeof(buf)) == NULL);
	TS_ASSERT(exe_flags_dir("relative", buf, sizeof(buf)) == NULL);
	TS_ASSERT(exe_flags_dir(NULL, buf, sizeof(buf)) == NULL);
	TS_ASSERT(exe_flags_dir("/abcdef/x", buf, 4) == NULL);
	TS_ASSERT_INT_EQ(exe_flags_from_dir(&st), EXE_WRITABLE_DIR);
	st.st_mode = S_IFDIR | 0755;
	TS_ASSERT_INT_EQ(exe_flags_from_dir(&st), 0);
	st.st_mode = S_IFDIR | 0777;
	TS_ASSERT_INT_EQ(exe_flags_from_dir(&st), EXE_WRITABLE_DIR);
	st.st_mode = S_IFREG | 0777;
	TS_ASSERT_INT_EQ(exe_flags_from_dir(&st), 0);
}

static void test_names(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	for (unsigned i = 0; i < EXE_FLAG_COUNT; i++)
		TS_ASSERT_INT_EQ(exe_flag_from_name(exe_flag_name(i), strlen(exe_flag_name(i))),
				 1U << i);
	TS_ASSERT_INT_EQ(exe_flag_from_name("writable", 8), 0);
	TS_ASSERT_INT_EQ(exe_flag_from_name("setuidx", 7), 0);
	TS_ASSERT(exe_flag_name(EXE_FLAG_COUNT) == NULL);
	f = open_memstream(&text, &size);
	TS_ASSERT(f);
	exe_flags_print(f, EXE_DELETED | EXE_WRITABLE_DIR | EXE_SETGID, " ");
	TS_ASSERT_INT_EQ(fclose(f), 0);
	TS_ASSERT_STR_EQ(text, "deleted writable-dir setgid");
	free(text);
}

int main(void)
{
	RUN_TEST(test_from_link);
	RUN_TEST(test_dir);
	RUN_TEST(test_names);
	return TEST_EXIT();
}
