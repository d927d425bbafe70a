/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole pipeline without root, against checked-in expected files: datagrams
 * recorded from a real kernel (the .bin files of tests/data) -> decoder -> process table over
 * a fake /proc -> rules (tests/data/golden/cnprocd.conf) -> the console line, the
 * JSON record (also what Subscribe sends), the journal fields and the varlink
 * Process of each event, written to tests/data/golden/NN-NAME.txt.
 *
 * A renamed key, field or label, a lost priority or rule: the files differ and
 * the test fails with a diff. After a deliberate change, regenerate them with
 * `make update-golden` and review the diff.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cnproc.h"
#include "conffile.h"
#include "fakeproc.h"
#include "fields.h"
#include "format.h"
#include "journal.h"
#include "pipeline.h"
#include "proctable.h"
#include "test.h"
#include "util.h"

/* the recorder (cnproc-record) and the driver it forked; the driver's children
 * each made one event */
#define RECORDER 4690
#define DRIVER 4691
/* the wall clock of monotonic 0 in the records: 2026-01-02 03:04:05 UTC */
#define REALTIME_BASE_USEC 1767323045000000ULL

#define CG_SESSION "0::/user.slice/user-0.slice/session-3.scope\n"
#define CG_FIXTURE "0::/system.slice/cnproc-fixture.service\n"
#define REC_ARGV "cnproc-record\0tests/data\0"
/* pts/3: major 136, minor 3 */
#define PTS3 ((136U << 8) | 3U)
#define LOGIN_ROOT .loginuid = "0", .sessionid = "3"
#define DOCKER_ID "0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd"
#define SH_ARGV "sh\0-c\0echo \"hi there\" \x1b[31m \xff\0--password=hunter2\0x\0"

/* /proc as it was (start times in clock ticks: the events are at about 57858);
 * 4695 had gone before its exit event was read */
static const FakeProc procs[] = {
	{ .pid = 1, .comm = "systemd", .state = 'S', .ppid = 0, .argv = "/sbin/init\0",
	  .argv_len = 11, .cgroup = "0::/init.scope\n", .exe = "/usr/lib/systemd/systemd",
	  .starttime = 10, .cwd = "/", .loginuid = "4294967295", .sessionid = "4294967295" },
	{ .pid = RECORDER, .comm = "cnproc-record", .state = 'S', .ppid = 1,
	  .argv = REC_ARGV, .argv_len = sizeof(REC_ARGV) - 1, .cgroup = CG_SESSION,
	  .exe = "/usr/libexec/cnproc-record", .starttime = 57850, .tty_nr = PTS3,
	  .cwd = "/root", LOGIN_ROOT },
	{ .pid = DRIVER, .comm = "cnproc-fixture", .state = 'S', .ppid = RECORDER,
	  .argv = REC_ARGV, .argv_len = sizeof(REC_ARGV) - 1, .cgroup = CG_FIXTURE,
	  .exe = "/usr/libexec/cnproc-record", .starttime = 57853, .tty_nr = PTS3,
	  .cwd = "/root", LOGIN_ROOT },
	{ .pid = 4692, .comm = "sh", .state = 'R', .ppid = DRIVER, .argv = SH_ARGV,
	  .argv_len = sizeof(SH_ARGV) - 1, .cgroup = CG_FIXTURE, .exe = "/usr/bin/dash",
	  .starttime = 57858, .tty_nr = PTS3, .cwd = "/srv/work dir", LOGIN_ROOT },
	{ .pid = 4693, .comm = "setpriv", .state = 'S', .ppid = DRIVER, .ruid = 65534,
	  .euid = 65534, .rgid = 65534, .egid = 65534, .argv = "setpriv\0", .argv_len = 8,
	  .cgroup = CG_FIXTURE, .exe = "/usr/bin/setpriv", .starttime = 57858 },
	{ .pid = 4694, .comm = "setsid", .state = 'S', .ppid = DRIVER, .ruid = 4242424,
	  .euid = 4242424, .rgid = 4242424, .egid = 4242424, .argv = "setsid\0",
	  .argv_len = 7, .cgroup = CG_FIXTURE, .exe = "/usr/bin/setsid", .starttime = 57858 },
	{ .pid = 4696, .comm = "sleep", .state = 'S', .ppid = DRIVER, .argv = "sleep\0" "1000\0",
	  .argv_len = 11, .cgroup = CG_FIXTURE, .exe = "/usr/bin/sleep", .starttime = 57858 },
	{ .pid = 4697, .comm = "cat", .state = 't', .ppid = DRIVER, .argv = "cat\0",
	  .argv_len = 4, .cgroup = CG_FIXTURE, .exe = "/usr/bin/cat", .starttime = 57858 },
	{ .pid = 4698, .comm = "abort-me", .state = 'D', .ppid = DRIVER,
	  .argv = "./abort-me\0", .argv_len = 11,
	  .cgroup = "0::/system.slice/docker-" DOCKER_ID ".scope\n", .exe = "/tmp/abort-me",
	  .starttime = 57858 },
};

/* In the kernel's order; the ptrace event twice, so its rule's rate limit acts. */
static const char *const events[] = {
	"fork.bin", "comm.bin", "exec.bin", "gid.bin", "uid.bin", "sid.bin", "exit.bin",
	"exit-signal.bin", "ptrace.bin", "ptrace.bin", "coredump.bin", "exit-coredump.bin",
};

static const char *data_dir(void)
{
	const char *d = getenv("TEST_DATA");

	return d && *d ? d : "tests/data";
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0, n;
	FILE *m;

	if (!f)
		return -errno;
	m = open_memstream(&buf, &size);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	for (char chunk[4096]; (n = fread(chunk, 1, sizeof(chunk), f)) > 0;)
		fwrite(chunk, 1, n, m);
	fclose(f);
	if (fclose(m) != 0)
		return -ENOMEM;
	*ret = buf;
	*ret_len = size;
	return 0;
}

static int decode_file(const char *name, ProcEvent *ev)
{
	_cleanup_free_ char *buf = NULL;
	char path[4096];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", data_dir(), name);
	if (read_all(path, &buf, &len) < 0)
		return -errno;
	return cnproc_decode(buf, len, ev) == 1 ? 0 : -EBADMSG;
}

/* Escaped, so the files stay text: a journal field may hold any byte. */
static void put_text(FILE *f, const char *s, size_t len)
{
	_cleanup_free_ char *e = escape_bytes(s, len, false);

	fputs(e ?: "(out of memory)", f);
	fputc('\n', f);
}

static void put_json(FILE *f, json_t *o)
{
	_cleanup_free_ char *s = NULL;
	json_t *start;

	if (!o) {
		fputs("(null)\n", f);
		return;
	}
	/* a table entry's start is converted with today's clock: not reproducible */
	start = json_object_get(o, "start_usec");
	if (start && !json_is_null(start))
		json_object_set_new(o, "start_usec", json_string("(wall clock of start_ns)"));
	s = json_dumps(o, JSON_COMPACT);
	fprintf(f, "%s\n", s ?: "(out of memory)");
	json_decref(o);
}

static const char *verdict_name(Verdict v)
{
	return v == VERDICT_LOG ? "log" : v == VERDICT_IGNORE ? "ignore" : "suppressed";
}

/* Everything the pipeline makes of one event, as the expected file has it. */
static void render(FILE *f, const char *name, Verdict v, const EventRecord *rec)
{
	Record r;

	fprintf(f, "event: %s\nverdict: %s\npriority: %s\nrule: %s\n", name, verdict_name(v),
		priority_to_string(rec->priority), rec->rule ?: "(default)");
	fputs("--- console\n", f);
	format_event_console(f, rec);
	fputs("--- json\n", f);
	put_json(f, format_event_json(rec));
	fputs("--- journal\n", f);
	if (journal_event_record(rec, &r) < 0 || record_end(&r) < 0)
		fputs("(failed)\n", f);
	else
		for (unsigned i = 0; i < r.n; i++)
			put_text(f, r.buf + r.off[i], r.len[i]);
	record_discard(&r);
	fputs("--- process\n", f);
	if (rec->proc)
		put_json(f, format_process_json(rec->proc, rec->user, rec->login_user,
						rec->record_argv));
	else
		fputs("(not in the table)\n", f);
}

/* Compare with the expected file, or (GOLDEN_UPDATE=1) write it. */
static int check_golden(const char *file, const char *text, size_t len)
{
	_cleanup_free_ char *want = NULL;
	char path[4096];
	size_t want_len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/golden/%s", data_dir(), file);
	if (getenv("GOLDEN_UPDATE")) {
		f = fopen(path, "we");
		if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
			fprintf(stderr, "%s: cannot write: %m\n", path);
			return -EIO;
		}
		printf("wrote %s\n", path);
		return 0;
	}
	if (read_all(path, &want, &want_len) < 0) {
		fprintf(stderr, "%s: %m (make update-golden writes it)\n", path);
		return -ENOENT;
	}
	if (want_len == len && memcmp(want, text, len) == 0)
		return 0;
	fprintf(stderr, "%s differs from what the pipeline produced:\n--- expected\n%.*s"
		"+++ produced\n%.*s", path, (int)want_len, want, (int)len, text);
	return -EBADMSG;
}

static void test_pipeline(void)
{
	char root[64] = "/tmp/cnprocd-test-golden-XXXXXX", conf[4096];
	ProcTable *table = NULL;
	ConfigError err = {};
	Config c;
	unsigned needs;
	int failed = 0;

	TS_ASSERT(mkdtemp(root));
	remember_root(root);
	/* only the recorder and pid 1 were there when the scan ran */
	TS_ASSERT_INT_EQ(fake_proc_add(root, &procs[0]), 0);
	TS_ASSERT_INT_EQ(fake_proc_add(root, &procs[1]), 0);
	snprintf(conf, sizeof(conf), "%s/golden/cnprocd.conf", data_dir());
	TS_ASSERT_INT_EQ(config_load(conf, true, &c, &err), 0);
	needs = pipeline_needs(&c);
	TS_ASSERT_INT_EQ(proctable_new(root, c.max_processes, &table), 0);
	proctable_set_redact(table, c.redact.items, c.redact.n);
	/* start ticks of forks from the recorded timestamps alone, on any machine */
	proctable_set_boot_offset(table, 0);
	TS_ASSERT(proctable_scan(table) >= 0);
	TS_ASSERT_INT_EQ(proctable_size(table), 2);
	for (size_t i = 2; i < ELEMENTSOF(procs); i++)
		TS_ASSERT_INT_EQ(fake_proc_add(root, &procs[i]), 0);

	for (size_t i = 0; i < ELEMENTSOF(events); i++) {
		_cleanup_free_ char *text = NULL;
		char file[64], base[32];
		size_t len = 0;
		EventRecord rec;
		ProcEvent ev;
		Process *p;
		Verdict v;
		FILE *f;
		char old_comm[16] = "";

		TS_ASSERT_INT_EQ(decode_file(events[i], &ev), 0);
		/* as the daemon does: the name before a comm event, for its record */
		if (ev.type == PROC_EV_COMM)
			(void)proctable_copy_comm(table, ev.tgid, old_comm);
		p = proctable_apply_with(table, &ev, NULL);
		TS_ASSERT(!pipeline_is_thread_event(&ev));
		pipeline_record(&rec, &ev, p, p ? proctable_get(table, p->ppid) : NULL,
				p ? proctable_user_name(table, p->euid) : NULL,
				p ? process_login_user(table, p) : NULL,
				REALTIME_BASE_USEC + ev.timestamp_ns / 1000, c.record_argv);
		rec.table = table;
		rec.boot_id = "5f3c0a1e9b2d4c6e8a7f1b3d5c7e9a0b";
		rec.old_comm = old_comm[0] ? old_comm : NULL;
		/* the rate limit's clock: one hour apart at most */
		v = pipeline_decide(&c, needs, &rec, 1000 * USEC_PER_SEC + i);

		f = open_memstream(&text, &len);
		TS_ASSERT(f);
		render(f, events[i], v, &rec);
		TS_ASSERT_INT_EQ(fclose(f), 0);
		snprintf(base, sizeof(base), "%s", events[i]);
		*strchrnul(base, '.') = 0;
		snprintf(file, sizeof(file), "%02zu-%s.txt", i + 1, base);
		if (check_golden(file, text, len) < 0)
			failed++;
		if ((ev.type == PROC_EV_EXIT && ev.pid == ev.tgid) || (p && p->ephemeral))
			proctable_remove(table, ev.tgid);
	}
	TS_ASSERT_INT_EQ(failed, 0);
	proctable_free(table);
	config_done(&c);
}

/* What a JSON reader gets back from a value: a string's bytes, or the array's. */
static int decode_bytes(json_t *v, char *buf, size_t size, size_t *ret_len)
{
	size_t i;
	json_t *e;

	if (json_is_string(v)) {
		if (json_string_length(v) > size)
			return -E2BIG;
		memcpy(buf, json_string_value(v), json_string_length(v));
		*ret_len = json_string_length(v);
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) > size)
		return -EINVAL;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 255)
			return -EINVAL;
		buf[i] = (char)json_integer_value(e);
	}
	*ret_len = i;
	return 0;
}

/* Every byte string survives JSON text and back, and no two encode the same:
 * the argument "\x41" (four characters) is not the byte 0x41, nor "\xff" 0xff. */
static void test_json_bytes_round_trip(void)
{
	static const struct {
		const char *s;
		size_t len;
		bool string; /* encoded as a JSON string (valid UTF-8) */
	} cases[] = {
		{ "plain", 5, true },
		{ "\\x41", 4, true },
		{ "A", 1, true },
		{ "\\xff", 4, true },
		{ "\xff", 1, false },
		{ "x\xfe\xffy", 4, false },
		{ "h\xc3\xa9", 3, true },
		{ "\xc3", 1, false },           /* a cut UTF-8 sequence */
		{ "\xed\xa0\x80", 3, false }, /* a UTF-16 surrogate, not UTF-8 */
		{ "\x1b[31m", 5, true },        /* control bytes are valid UTF-8 */
		{ "a\0b", 3, false },           /* NUL too: no reader cuts it short */
		{ "", 0, true },
	};
	char *texts[ELEMENTSOF(cases)] = {};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		json_t *v = field_bytes_json(cases[i].s, cases[i].len), *back;
		char buf[64];
		size_t len = 0;

		TS_ASSERT(v);
		if (json_is_string(v) != cases[i].string)
			fprintf(stderr, "case %zu: %s\n", i, json_is_string(v) ? "string" : "array");
		TS_ASSERT(json_is_string(v) == cases[i].string);
		texts[i] = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		TS_ASSERT(texts[i]);
		back = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		TS_ASSERT(back);
		TS_ASSERT_INT_EQ(decode_bytes(back, buf, sizeof(buf), &len), 0);
		TS_ASSERT_INT_EQ(len, cases[i].len);
		TS_ASSERT(memcmp(buf, cases[i].s, len) == 0);
		for (size_t j = 0; j < i; j++)
			if (cases[j].len != cases[i].len || memcmp(cases[j].s, cases[i].s, len) != 0)
				TS_ASSERT(strcmp(texts[j], texts[i]) != 0);
		json_decref(v);
		json_decref(back);
	}
	TS_ASSERT_STR_EQ(texts[4], "[255]");
	TS_ASSERT_STR_EQ(texts[1], "\"\\\\x41\"");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		free(texts[i]);
}

int main(void)
{
	/* the console line's time is local time */
	setenv("TZ", "UTC", 1);
	tzset();
	RUN_TEST(test_pipeline);
	RUN_TEST(test_json_bytes_round_trip);
	rm_made_roots();
	return TEST_EXIT();
}
