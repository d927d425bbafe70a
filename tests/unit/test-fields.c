/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record field table against what documents it: every field of the varlink
 * Process is declared in the interface definition (and nothing more is), every
 * JSON key and journal field is described in cnprocd(8). A field added to the
 * table without its documentation fails here.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "macro.h"
#include "test.h"

static char *read_source(const char *rel)
{
	const char *data = getenv("TEST_DATA");
	char path[4096], *buf = NULL;
	size_t size = 0, n;
	FILE *f, *m;

	/* TEST_DATA is the source tree's tests/data */
	snprintf(path, sizeof(path), "%s/../../%s", data && *data ? data : "tests/data", rel);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "%s: %m\n", path);
		return NULL;
	}
	m = open_memstream(&buf, &size);
	for (char chunk[4096]; m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0;)
		fwrite(chunk, 1, n, m);
	fclose(f);
	if (!m || fclose(m) != 0)
		return NULL;
	return buf;
}

/* The members of "type NAME (...)" in an interface definition, each "name:" */
static char *idl_type(const char *idl, const char *name)
{
	char head[64];
	const char *b, *e;

	snprintf(head, sizeof(head), "\ntype %s (", name);
	b = strstr(idl, head);
	if (!b)
		return NULL;
	b += strlen(head);
	e = strstr(b, "\n)");
	return e ? strndup(b, (size_t)(e - b)) : NULL;
}

static bool has_member(const char *members, const char *key)
{
	size_t l = strlen(key);

	for (const char *p = members; (p = strstr(p, key)); p += l)
		if ((p == members || p[-1] == ' ' || p[-1] == '\n') && p[l] == ':')
			return true;
	return false;
}

static void test_process_in_idl(void)
{
	_cleanup_free_ char *idl = read_source("src/io.cnprocd.Monitor.varlink");
	_cleanup_free_ char *members = NULL;
	const RecordField *const *fs;
	size_t n, n_members = 0;

	TS_ASSERT(idl);
	members = idl_type(idl, "Process");
	TS_ASSERT(members);
	fs = record_fields(FIELD_PROCESS, &n);
	TS_ASSERT(n > 10);
	for (size_t i = 0; i < n; i++) {
		if (!has_member(members, fs[i]->json))
			fprintf(stderr, "Process field \"%s\" is not in the IDL\n", fs[i]->json);
		TS_ASSERT(has_member(members, fs[i]->json));
	}
	for (const char *p = members; (p = strchr(p, ':')); p++)
		n_members++;
	/* argv: ?[]string has no second colon; every member is one field */
	TS_ASSERT_INT_EQ(n_members, n);
}

/* "*NAME*" in the man page */
static bool documented(const char *man, const char *name)
{
	char b[128];

	snprintf(b, sizeof(b), "*%s*", name);
	return strstr(man, b) != NULL;
}

static void test_documented(void)
{
	_cleanup_free_ char *man = read_source("man/cnprocd.8.scd");
	const RecordField *const *fs;
	size_t n, missing = 0;

	TS_ASSERT(man);
	fs = record_fields(FIELD_JSON, &n);
	for (size_t i = 0; i < n; i++)
		if (!documented(man, fs[i]->json)) {
			fprintf(stderr, "JSON key \"%s\" is not in cnprocd(8)\n", fs[i]->json);
			missing++;
		}
	fs = record_fields(FIELD_JOURNAL, &n);
	TS_ASSERT(n > 10);
	for (size_t i = 0; i < n; i++)
		if (!documented(man, fs[i]->journal)) {
			fprintf(stderr, "journal field %s is not in cnprocd(8)\n", fs[i]->journal);
			missing++;
		}
	TS_ASSERT_INT_EQ(missing, 0);
}

/* Each output has its own order, with no two fields in one place. */
static void test_orders(void)
{
	for (FieldOutput out = 0; out < _FIELD_OUTPUT_MAX; out++) {
		const RecordField *const *fs;
		size_t n;

		fs = record_fields(out, &n);
		TS_ASSERT(n > 10);
		for (size_t i = 0; i < n; i++)
			TS_ASSERT(fs[i]->pos[out] > (i > 0 ? fs[i - 1]->pos[out] : 0));
		for (size_t i = 0; i < n; i++) {
			TS_ASSERT(fs[i]->get);
			if (out == FIELD_JSON || out == FIELD_PROCESS)
				TS_ASSERT(fs[i]->json);
			if (out == FIELD_JOURNAL)
				TS_ASSERT(fs[i]->journal && strncmp(fs[i]->journal, "CNPROCD_", 8) == 0);
			if (out == FIELD_CONSOLE)
				TS_ASSERT(fs[i]->label);
		}
	}
}

int main(void)
{
	RUN_TEST(test_process_in_idl);
	RUN_TEST(test_documented);
	RUN_TEST(test_orders);
	return TEST_EXIT();
}
