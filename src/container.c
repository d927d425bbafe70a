/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which container a cgroup path is in (container.h). */
#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "container.h"

/* The kernel names no cgroup longer (NAME_MAX): a longer component is
 * ignored, never cut down into a match. */
#define COMPONENT_MAX 255
#define HEX64_LEN 64
#define POD_UID_LEN 36

/* One component of a path: n bytes at s, no slash. s == NULL: none (above the top). */
typedef struct Comp {
	const char *s;
	size_t n;
} Comp;

static bool comp_eq(Comp c, const char *lit)
{
	size_t n = strlen(lit);

	return c.s && c.n == n && memcmp(c.s, lit, n) == 0;
}

/* The component holding c, or none at the top. path is valid (path_valid()):
 * it starts with a slash and has no empty component, so the scan ends at it. */
static Comp comp_up(const char *path, Comp c)
{
	const char *slash, *s;

	if (!c.s || c.s == path + 1)
		return (Comp){ 0 };
	slash = c.s - 1;
	for (s = slash; s[-1] != '/'; s--)
		;
	return (Comp){ s, (size_t)(slash - s) };
}

static bool comp_is_top(const char *path, Comp c)
{
	return c.s == path + 1;
}

/* c is prefix MID suffix: *ret_mid is MID (maybe empty). */
static bool comp_strip(Comp c, const char *prefix, const char *suffix, Comp *ret_mid)
{
	size_t p = strlen(prefix), q = strlen(suffix);

	if (!c.s || c.n < p + q || memcmp(c.s, prefix, p) != 0 ||
	    memcmp(c.s + c.n - q, suffix, q) != 0)
		return false;
	*ret_mid = (Comp){ c.s + p, c.n - p - q };
	return true;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Ids are written in lowercase: anything else is not one. */
static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_hex64(Comp c)
{
	if (!c.s || c.n != HEX64_LEN)
		return false;
	for (size_t i = 0; i < c.n; i++)
		if (!is_lower_hex(c.s[i]))
			return false;
	return true;
}

/* A pod uid 8-4-4-4-12 in lowercase hex, its dashes written as sep; into ret
 * with dashes. ret is only written on success. */
static bool pod_uid_parse(Comp c, char sep, char ret[static CONTAINER_POD_UID_MAX])
{
	if (!c.s || c.n != POD_UID_LEN)
		return false;
	for (size_t i = 0; i < c.n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c.s[i] != sep : !is_lower_hex(c.s[i]))
			return false;
	}
	for (size_t i = 0; i < c.n; i++)
		ret[i] = c.s[i] == sep ? '-' : c.s[i];
	ret[POD_UID_LEN] = '\0';
	return true;
}

/* systemd driver: kubepods-podUID.slice (guaranteed), kubepods-QOS-podUID.slice */
static bool pod_systemd(Comp c, char ret[static CONTAINER_POD_UID_MAX])
{
	static const char *const prefixes[] = {
		"kubepods-pod",
		"kubepods-burstable-pod",
		"kubepods-besteffort-pod",
	};
	Comp uid;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (comp_strip(c, prefixes[i], ".slice", &uid))
			return pod_uid_parse(uid, '_', ret);
	return false;
}

/* cgroupfs driver: kubepods/podUID (guaranteed), kubepods/QOS/podUID */
static bool pod_cgroupfs(const char *path, Comp c, char ret[static CONTAINER_POD_UID_MAX])
{
	Comp uid, up;

	if (!comp_strip(c, "pod", "", &uid) || uid.n != POD_UID_LEN)
		return false;
	up = comp_up(path, c);
	if (!comp_eq(up, "kubepods")) {
		if (!comp_eq(up, "burstable") && !comp_eq(up, "besteffort"))
			return false;
		if (!comp_eq(comp_up(path, up), "kubepods"))
			return false;
	}
	return pod_uid_parse(uid, '-', ret);
}

/*
 * A container name into ret, systemd unit escaping (\xNN) undone if unescape.
 * Refused: empty, too long, or holding '/', NUL or a control character (no
 * runtime allows them; a name is printed as it is). ret is only written on
 * success.
 */
static bool name_copy(Comp c, bool unescape, char ret[static CONTAINER_NAME_MAX])
{
	char buf[CONTAINER_NAME_MAX];
	size_t n = 0;

	for (size_t i = 0; i < c.n; i++) {
		unsigned char ch = (unsigned char)c.s[i];

		if (unescape && ch == '\\') {
			int hi, lo;

			/* nothing but \xNN is written by unit_name_escape() */
			if (c.n - i < 4 || c.s[i + 1] != 'x' || (hi = unhex(c.s[i + 2])) < 0 ||
			    (lo = unhex(c.s[i + 3])) < 0)
				return false;
			ch = (unsigned char)(hi << 4 | lo);
			i += 3;
		}
		if (ch < 0x20 || ch == 0x7f || ch == '/' || n + 1 >= sizeof(buf))
			return false;
		buf[n++] = (char)ch;
	}
	if (n == 0)
		return false;
	buf[n] = '\0';
	memcpy(ret, buf, n + 1);
	return true;
}

static bool set_id(Container *ret, const char *runtime, Comp id)
{
	memcpy(ret->id, id.s, HEX64_LEN);
	ret->id[HEX64_LEN] = '\0';
	ret->runtime = runtime;
	return true;
}

static bool set_name(Container *ret, const char *runtime, Comp name, bool unescape)
{
	if (!name_copy(name, unescape, ret->name))
		return false;
	ret->runtime = runtime;
	return true;
}

/* machine-NAME.scope: an nspawn container, unless it is one of machined's
 * registrations whose process runs on the host. */
static bool match_machine(Comp name, Comp child, Container *ret)
{
	char buf[CONTAINER_NAME_MAX];

	/* nspawn's supervisor sits next to the payload, outside the container */
	if (comp_eq(child, "supervisor"))
		return false;
	if (!name_copy(name, true, buf))
		return false;
	/* libvirt registers its VMs as "qemu-ID-NAME": that is qemu, on the host;
	 * its LXC domains as "lxc-ID-NAME": a container, but not nspawn's, and a
	 * wrong runtime is worse than none */
	if (strncmp(buf, "qemu-", 5) == 0 || strncmp(buf, "lxc-", 4) == 0)
		return false;
	memcpy(ret->name, buf, sizeof(buf));
	ret->runtime = "nspawn";
	return true;
}

/* Whether component c (child: the one inside it, if any) is a container's
 * cgroup; if so the runtime and id or name into *ret. */
static bool match_component(const char *path, Comp c, Comp child, Container *ret)
{
	char uid[CONTAINER_POD_UID_MAX];
	Comp up, mid;

	if (c.n > COMPONENT_MAX)
		return false;
	up = comp_up(path, c);

	if (comp_strip(c, "docker-", ".scope", &mid) && is_hex64(mid))
		return set_id(ret, "docker", mid);
	if (is_hex64(c) && comp_eq(up, "docker"))
		return set_id(ret, "docker", c);

	/* libpod-conmon-HEX64.scope, the monitor, is no HEX64 after "libpod-" */
	if (comp_strip(c, "libpod-", ".scope", &mid) && is_hex64(mid))
		return set_id(ret, "podman", mid);
	if (comp_strip(c, "libpod-", "", &mid) && is_hex64(mid) && comp_eq(up, "libpod_parent"))
		return set_id(ret, "podman", mid);

	if (comp_strip(c, "cri-containerd-", ".scope", &mid) && is_hex64(mid))
		return set_id(ret, "containerd", mid);

	/* crio-conmon-HEX64.scope is no HEX64 after "crio-" either */
	if (comp_strip(c, "crio-", ".scope", &mid) && is_hex64(mid))
		return set_id(ret, "cri-o", mid);
	if (comp_strip(c, "crio-", "", &mid) && is_hex64(mid) && pod_cgroupfs(path, up, uid))
		return set_id(ret, "cri-o", mid);
	/* containerd and docker under the kubelet's cgroupfs driver: the bare id */
	if (is_hex64(c) && pod_cgroupfs(path, up, uid))
		return set_id(ret, "cri", c);

	if (comp_strip(c, "machine-", ".scope", &mid))
		return match_machine(mid, child, ret);

	/* lxc.monitor.NAME holds LXC's monitor, on the host */
	if (comp_strip(c, "lxc.payload.", "", &mid))
		return set_name(ret, "lxc", mid, false);
	if (comp_eq(up, "lxc") && comp_is_top(path, up))
		return set_name(ret, "lxc", c, false);

	return false;
}

/* A cgroup path as the kernel writes it: absolute, no empty, "." or ".."
 * component (the latter also keeps "/../.." paths seen from another cgroup
 * namespace out: what lies above them is unknown). */
static bool path_valid(const char *path, size_t *ret_len)
{
	const char *s = path;

	if (!path || path[0] != '/')
		return false;
	while (*s) {
		const char *c = ++s;
		size_t n;

		while (*s && *s != '/')
			s++;
		n = (size_t)(s - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
	}
	*ret_len = (size_t)(s - path);
	return true;
}

bool container_from_cgroup(const char *path, Container *ret)
{
	Container found = { 0 };
	Comp c, child = { 0 };
	const char *end, *s;
	size_t len;

	if (ret)
		memset(ret, 0, sizeof(*ret));
	if (!path_valid(path, &len))
		return false;

	end = path + len;
	for (s = end; s[-1] != '/'; s--)
		;
	c = (Comp){ s, (size_t)(end - s) };

	/* the innermost container decides */
	while (!match_component(path, c, child, &found)) {
		child = c;
		c = comp_up(path, c);
		if (!c.s)
			return false;
	}

	/* the pod it runs in: the nearest pod above it */
	for (Comp p = comp_up(path, c); p.s; p = comp_up(path, p))
		if (pod_systemd(p, found.pod_uid) || pod_cgroupfs(path, p, found.pod_uid))
			break;

	if (ret)
		*ret = found;
	return true;
}

bool container_matches(const Container *c, const char *word)
{
	if (strcmp(word, "yes") == 0)
		return c != NULL;
	if (strcmp(word, "no") == 0)
		return c == NULL;
	return c && ((c->id[0] && fnmatch(word, c->id, 0) == 0) ||
		     (c->name[0] && fnmatch(word, c->name, 0) == 0));
}
