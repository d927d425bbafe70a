/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Containers told from cgroup paths, on arbitrary bytes: the path is whatever a
 * process's /proc/PID/cgroup says, and anyone may name a cgroup. Whatever the
 * bytes, the answer must be well formed: one of the seven runtimes with an id
 * (64 lowercase hex digits) or a name (no '/', NUL-terminated in its buffer),
 * the pod uid empty or 8-4-4-4-12, or no container and a zeroed result. A
 * process in a sub-cgroup of a container is in that same container.
 */

#include <stdbool.h>
#include <string.h>

#include "container.h"
#include "fuzz.h"

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(id[i]))
			return false;
	return true;
}

static bool pod_uid_ok(const char *uid)
{
	if (strlen(uid) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? uid[i] != '-' : !is_lower_hex(uid[i]))
			return false;
	}
	return true;
}

static void check_container(const Container *c)
{
	static const char *const with_id[] = { "docker", "podman", "containerd", "cri-o", "cri" };
	static const char *const with_name[] = { "nspawn", "lxc" };
	bool id = false, name = false;

	FUZZ_CHECK(c->runtime);
	for (size_t i = 0; i < sizeof(with_id) / sizeof(with_id[0]); i++)
		id = id || strcmp(c->runtime, with_id[i]) == 0;
	for (size_t i = 0; i < sizeof(with_name) / sizeof(with_name[0]); i++)
		name = name || strcmp(c->runtime, with_name[i]) == 0;
	FUZZ_CHECK(id || name);

	/* terminated within their buffers before anything reads them as strings */
	FUZZ_CHECK(memchr(c->id, 0, sizeof(c->id)));
	FUZZ_CHECK(memchr(c->name, 0, sizeof(c->name)));
	FUZZ_CHECK(memchr(c->pod_uid, 0, sizeof(c->pod_uid)));

	/* an id for the runtimes that name containers by one, else a name */
	if (id)
		FUZZ_CHECK(id_ok(c->id) && c->name[0] == '\0');
	else
		FUZZ_CHECK(c->id[0] == '\0' && c->name[0] != '\0');
	FUZZ_CHECK(!strchr(c->name, '/'));
	for (const char *s = c->name; *s; s++)
		FUZZ_CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
	FUZZ_CHECK(c->pod_uid[0] == '\0' || pod_uid_ok(c->pod_uid));
}

static bool same_container(const Container *a, const Container *b)
{
	return a->runtime == b->runtime && strcmp(a->id, b->id) == 0 &&
	       strcmp(a->name, b->name) == 0 && strcmp(a->pod_uid, b->pod_uid) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sub[] = "/sub.scope";
	Container c, c2;
	char *path, *deeper;
	size_t len;
	bool r;

	/* exactly size + 1 bytes: reading past the NUL is an overread */
	path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';

	memset(&c, 0xa5, sizeof(c));
	r = container_from_cgroup(path, &c);
	if (r)
		check_container(&c);
	else
		FUZZ_CHECK(all_zero(&c, sizeof(c)));
	FUZZ_CHECK(container_from_cgroup(path, NULL) == r);

	/* a sub-cgroup of no container's shape is inside the same container */
	len = strlen(path);
	deeper = r ? malloc(len + sizeof(sub)) : NULL;
	if (deeper) {
		memcpy(deeper, path, len);
		memcpy(deeper + len, sub, sizeof(sub));
		memset(&c2, 0x5a, sizeof(c2));
		FUZZ_CHECK(container_from_cgroup(deeper, &c2));
		FUZZ_CHECK(same_container(&c, &c2));
		free(deeper);
	}

	free(path);
	return 0;
}
