/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocd's journal entries read back (jrecord) and its command lines (argvtext):
 * well-formed records parse, malformed ones are refused with a reason, and a
 * command line's text gives back the exact arguments. */
#include <errno.h>

#include "argvtext.h"
#include "macro.h"
#include "journal.h"
#include "jrecord.h"
#include "test.h"

/* feeds the items (NULL-terminated) as one entry; returns jrecord_finish() */
static int feed(JRecord *r, const char *const *items, const char **why)
{
	jrecord_reset(r);
	for (size_t i = 0; items[i]; i++)
		if (jrecord_add(r, items[i], strlen(items[i])) < 0)
			return -ENOMEM;
	return jrecord_finish(r, why);
}

#define EXEC_ID "MESSAGE_ID=" CNPROCD_MESSAGE_EXEC

static void test_exec_record(void)
{
	static const char *const items[] = {
		"_BOOT_ID=0123456789abcdef0123456789abcdef",
		"_HOSTNAME=web1",
		"_COMM=cnprocd",
		"_UID=0",
		"PRIORITY=6",
		EXEC_ID,
		"MESSAGE=exec pid=42 ...",
		"CNPROCD_EVENT=exec",
		"CNPROCD_PID=42",
		"CNPROCD_PPID=41",
		"CNPROCD_UID=1000",
		"CNPROCD_LOGINUID=1000",
		"CNPROCD_PROCESS_ID=42@900",
		"CNPROCD_PARENT_PROCESS_ID=41@800",
		"CNPROCD_CMDLINE=sh -c \"echo hi\"",
		"CNPROCD_UNIT=user@1000.service",
		"CNPROCD_SOMETHING_NEW=ignored",
		NULL,
	};
	JRecord r = {};
	const char *why = NULL;

	TS_ASSERT_INT_EQ(feed(&r, items, &why), 0);
	TS_ASSERT(why == NULL);
	TS_ASSERT_INT_EQ(r.event, JEV_EXEC);
	TS_ASSERT_INT_EQ(r.pid, 42);
	TS_ASSERT_INT_EQ(r.ppid, 41);
	TS_ASSERT_INT_EQ(r.uid, 1000);
	TS_ASSERT_INT_EQ(r.loginuid, 1000);
	TS_ASSERT_INT_EQ(r.priority, 6);
	TS_ASSERT_INT_EQ(r.exit_code, -1);
	TS_ASSERT_STR_EQ(r.process_id, "42@900");
	TS_ASSERT_STR_EQ(r.parent_process_id, "41@800");
	TS_ASSERT_STR_EQ(r.cmdline, "sh -c \"echo hi\"");
	TS_ASSERT_STR_EQ(r.unit, "user@1000.service");
	TS_ASSERT_STR_EQ(r.host, "web1");
	TS_ASSERT_STR_EQ(r.boot_id, "0123456789abcdef0123456789abcdef");
	TS_ASSERT(r.exe == NULL && r.session == -1);
	TS_ASSERT_STR_EQ(jevent_name(r.event), "exec");
	jrecord_done(&r);
}

static void test_exit_and_lost(void)
{
	static const char *const exit_items[] = {
		"MESSAGE_ID=" CNPROCD_MESSAGE_EXIT, "CNPROCD_EVENT=exit", "CNPROCD_PID=7",
		"CNPROCD_EXIT_CODE=3", "CNPROCD_LIFETIME_USEC=1500000", NULL,
	};
	static const char *const lost_items[] = {
		"MESSAGE_ID=" CNPROCD_MESSAGE_LOST, "CNPROCD_LOST=12",
		"CNPROCD_LOSS_START_USEC=100", "CNPROCD_LOSS_END_USEC=200", NULL,
	};
	JRecord r = {};

	TS_ASSERT_INT_EQ(feed(&r, exit_items, NULL), 0);
	TS_ASSERT_INT_EQ(r.event, JEV_EXIT);
	TS_ASSERT_INT_EQ(r.exit_code, 3);
	TS_ASSERT_INT_EQ(r.exit_signal, -1);
	TS_ASSERT_INT_EQ(r.lifetime_usec, 1500000);
	/* the buffer is reused: nothing of the last entry stays */
	TS_ASSERT_INT_EQ(feed(&r, lost_items, NULL), 0);
	TS_ASSERT_INT_EQ(r.event, JEV_LOST);
	TS_ASSERT_INT_EQ(r.lost, 12);
	TS_ASSERT_INT_EQ(r.exit_code, -1);
	TS_ASSERT_INT_EQ(r.loss_end_usec, 200);
	TS_ASSERT(r.pid == 0);
	jrecord_done(&r);
}

/* each is one item away from a good exec record; each must be refused */
static void test_malformed(void)
{
	static const struct {
		const char *item, *why;
	} cases[] = {
		{ "CNPROCD_PPID=abc", "a field that is not a number (or out of range)" },
		{ "CNPROCD_PPID=-5", "a field that is not a number (or out of range)" },
		{ "CNPROCD_TGID=99999999999", "a field that is not a number (or out of range)" },
		{ "CNPROCD_UID= 1", "a field that is not a number (or out of range)" },
		{ "CNPROCD_UID=\t1", "a field that is not a number (or out of range)" },
		{ "CNPROCD_UID=+1", "a field that is not a number (or out of range)" },
		{ "CNPROCD_EXIT_CODE=300", "a field that is not a number (or out of range)" },
		{ "CNPROCD_PID=43", "a field twice" },
		{ "CNPROCD_COMM=x", "a field twice" },
		{ "CNPROCD_EVENT=fork", "CNPROCD_EVENT twice" },
		{ "CNPROCD_PROCESS_ID=43", "CNPROCD_PROCESS_ID is not PID@TICKS" },
		{ "CNPROCD_PARENT_PROCESS_ID=@1", "CNPROCD_PARENT_PROCESS_ID is not PID@TICKS" },
		{ "CNPROCD_UNREAD=yes", "a flag that is not 1" },
		{ "MESSAGE_ID=" CNPROCD_MESSAGE_FORK, "MESSAGE_ID twice" },
		/* another program's entry with cnprocd's MESSAGE_ID: not cnprocd's */
		{ "_COMM=logger", "not written by cnprocd (_COMM)" },
		{ "_COMM=cnprocdx", "not written by cnprocd (_COMM)" },
		{ "_UID=65534", "not written by cnprocd (_UID)" },
		{ "_UID=00", "not written by cnprocd (_UID)" },
	};
	JRecord r = {};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const char *items[] = { EXEC_ID, "CNPROCD_EVENT=exec", "CNPROCD_PID=42",
					"CNPROCD_COMM=sh", cases[i].item, NULL };
		const char *why = NULL;

		if (feed(&r, items, &why) != -EBADMSG || !why || strcmp(why, cases[i].why) != 0) {
			fprintf(stderr, "%s: accepted or another reason: %s\n", cases[i].item,
				why ?: "(none)");
			test_failures++;
		}
	}
	{
		const char *no_pid[] = { EXEC_ID, "CNPROCD_EVENT=exec", NULL };
		const char *mismatch[] = { EXEC_ID, "CNPROCD_EVENT=exit", "CNPROCD_PID=1", NULL };
		const char *no_id[] = { "CNPROCD_EVENT=exec", "CNPROCD_PID=1", NULL };
		const char *other_id[] = { "MESSAGE_ID=" CNPROCD_MESSAGE_STOPPING, NULL };
		const char *lost[] = { "MESSAGE_ID=" CNPROCD_MESSAGE_LOST, NULL };
		const char *why;

		TS_ASSERT_INT_EQ(feed(&r, no_pid, &why), -EBADMSG);
		TS_ASSERT_STR_EQ(why, "no CNPROCD_PID");
		TS_ASSERT_INT_EQ(feed(&r, mismatch, &why), -EBADMSG);
		TS_ASSERT_STR_EQ(why, "CNPROCD_EVENT does not match MESSAGE_ID");
		TS_ASSERT_INT_EQ(feed(&r, no_id, &why), -EBADMSG);
		TS_ASSERT_INT_EQ(feed(&r, other_id, &why), -EBADMSG);
		TS_ASSERT_INT_EQ(feed(&r, lost, &why), -EBADMSG);
		TS_ASSERT_STR_EQ(why, "no CNPROCD_LOST");
	}
	jrecord_done(&r);
}

static void test_process_id(void)
{
	TS_ASSERT(process_id_valid("1@0"));
	TS_ASSERT(process_id_valid("4711@123456789"));
	TS_ASSERT(!process_id_valid("4711"));
	TS_ASSERT(!process_id_valid("0@5"));
	TS_ASSERT(!process_id_valid("4711@"));
	TS_ASSERT(!process_id_valid("4711@12x"));
	TS_ASSERT(!process_id_valid("a@1"));
}

/* argv (NUL-separated, as /proc/PID/cmdline has it) to text and back: the same
 * bytes (each argument NUL-terminated: a cmdline without its final NUL gets it) */
static void round_trip(const char *argv, size_t len, const char *want_text)
{
	_cleanup_free_ char *text = argv_quoted(argv, len), *back = NULL;
	size_t n = 0, want_len = len > 0 && argv[len - 1] == 0 ? len : len + 1;

	TS_ASSERT(text);
	if (want_text)
		TS_ASSERT_STR_EQ(text, want_text);
	back = argv_unquote(text, strlen(text), &n);
	TS_ASSERT(back);
	TS_ASSERT_INT_EQ(n, want_len);
	TS_ASSERT(memcmp(back, argv, len) == 0);
	TS_ASSERT(back[want_len - 1] == 0);
}

static void test_argv_text(void)
{
	static const char awkward[] = "sh\0-c\0echo \"a b\" 'c'\0\0back\\slash\0new\nline\0"
				      "\xff\xfe bytes\0\x1b[31m\0\xc2\x80\0ünïcode\0";
	char big[4096];

	round_trip("ls\0-l\0", 6, "ls -l");
	round_trip("a\0\0b\0", 5, "a \"\" b");
	round_trip("x\0\"q\"\0", 6, "x \"\\\"q\\\"\"");
	round_trip("a\\b\0", 4, "a\\\\b");
	round_trip("tab\there\0", 9, "tab\\there");
	round_trip(awkward, sizeof(awkward) - 1, NULL);
	/* no final NUL (a process rewrote its argv) */
	round_trip("a\0b", 3, "a b");
	/* escapes across the 256-byte chunks the writer uses */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = "ab \xc3\xa9\"\\\n\0"[i % 9];
	round_trip(big, sizeof(big), NULL);
	{
		/* text not written by cnprocd (an older record): still read, in words */
		size_t n;
		_cleanup_free_ char *a = argv_unquote("echo \\q \"open", 13, &n);

		TS_ASSERT(a);
		TS_ASSERT_INT_EQ(n, 13);
		TS_ASSERT(memcmp(a, "echo\0\\q\0open\0", 13) == 0);
	}
}

int main(void)
{
	RUN_TEST(test_exec_record);
	RUN_TEST(test_exit_and_lost);
	RUN_TEST(test_malformed);
	RUN_TEST(test_process_id);
	RUN_TEST(test_argv_text);
	return TEST_EXIT();
}
