/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Containers told from cgroup paths: every runtime's shapes on cgroup v2 and v1
 * paths, sub-cgroups and nested containers, the look-alikes outside any
 * container, near misses, and paths too odd or too long to be cgroups. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "test.h"

/* container ids: 64 lowercase hex digits, and near misses */
#define ID_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_63 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define ID_65 ID_A "0"
#define ID_UPPER "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90"
#define ID_NOTHEX "g1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

/* a pod uid, as the cgroupfs driver writes it and as the systemd driver does */
#define UID "1b2c3d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e"
#define UID_ "1b2c3d4e_5f6a_7b8c_9d0e_1f2a3b4c5d6e"

#define USER_SLICE "/user.slice/user-1000.slice/user@1000.service/user.slice"
#define POD_SD_BURSTABLE "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define POD_SD_BESTEFFORT "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice"
#define POD_SD_GUARANTEED "/kubepods.slice/kubepods-pod" UID_ ".slice"

typedef struct Case {
	const char *path;
	const char *runtime; /* NULL: no container */
	const char *id, *name, *pod_uid;
} Case;

static const Case cases[] = {
	/* docker, systemd driver (v2, and v1/hybrid name=systemd) */
	{ "/system.slice/docker-" ID_A ".scope", "docker", ID_A, "", "" },
	{ "/docker-" ID_A ".scope", "docker", ID_A, "", "" },
	{ "/system.slice/docker-" ID_A ".scope/system.slice/cron.service", "docker", ID_A, "", "" },
	{ "/system.slice/docker-" ID_A ".scope/init.scope", "docker", ID_A, "", "" },
	{ USER_SLICE "/docker-" ID_A ".scope", "docker", ID_A, "", "" },
	/* docker, cgroupfs driver */
	{ "/docker/" ID_A, "docker", ID_A, "", "" },
	{ "/docker/" ID_A "/init.scope", "docker", ID_A, "", "" },
	/* docker in docker: the inner one */
	{ "/docker/" ID_A "/docker/" ID_B, "docker", ID_B, "", "" },
	{ "/docker/" ID_A "/docker/" ID_B "/system.slice/foo.service", "docker", ID_B, "", "" },
	{ "/system.slice/docker-" ID_A ".scope/docker/" ID_B, "docker", ID_B, "", "" },
	{ "/system.slice/docker-" ID_A ".scope/system.slice/docker-" ID_B ".scope", "docker", ID_B, "", "" },
	/* the docker daemon and its friends are on the host */
	{ "/system.slice/docker.service", NULL, "", "", "" },
	{ "/system.slice/containerd.service", NULL, "", "", "" },
	{ "/system.slice/docker.socket", NULL, "", "", "" },
	{ "/docker", NULL, "", "", "" },
	{ "/docker/" ID_A "/", NULL, "", "", "" },
	/* near misses */
	{ "/system.slice/docker-" ID_A ".service", NULL, "", "", "" },
	{ "/system.slice/docker-" ID_A, NULL, "", "", "" },
	{ "/system.slice/docker-" ID_63 ".scope", NULL, "", "", "" },
	{ "/system.slice/docker-" ID_65 ".scope", NULL, "", "", "" },
	{ "/system.slice/docker-" ID_UPPER ".scope", NULL, "", "", "" },
	{ "/system.slice/docker-" ID_NOTHEX ".scope", NULL, "", "", "" },
	{ "/system.slice/docker-.scope", NULL, "", "", "" },
	{ "/system.slice/xdocker-" ID_A ".scope", NULL, "", "", "" },
	{ "/docker/" ID_63, NULL, "", "", "" },
	{ "/docker/" ID_65, NULL, "", "", "" },
	{ "/docker/" ID_UPPER, NULL, "", "", "" },
	{ "/dockerd/" ID_A, NULL, "", "", "" },
	{ "/" ID_A, NULL, "", "", "" },
	{ "/system.slice/" ID_A, NULL, "", "", "" },

	/* podman: rootful, rootless, with its "container" sub-cgroup, in a pod */
	{ "/machine.slice/libpod-" ID_A ".scope", "podman", ID_A, "", "" },
	{ "/machine.slice/libpod-" ID_A ".scope/container", "podman", ID_A, "", "" },
	{ USER_SLICE "/libpod-" ID_A ".scope", "podman", ID_A, "", "" },
	{ USER_SLICE "/libpod-" ID_A ".scope/container", "podman", ID_A, "", "" },
	{ "/machine.slice/machine-libpod_pod_" ID_B ".slice/libpod-" ID_A ".scope/container",
	  "podman", ID_A, "", "" },
	/* podman, cgroupfs manager */
	{ "/libpod_parent/libpod-" ID_A, "podman", ID_A, "", "" },
	{ "/libpod_parent/libpod-" ID_A "/ctr", "podman", ID_A, "", "" },
	{ "/other/libpod-" ID_A, NULL, "", "", "" },
	{ "/libpod_parent/libpod-" ID_63, NULL, "", "", "" },
	/* conmon watches from outside */
	{ "/machine.slice/libpod-conmon-" ID_A ".scope", NULL, "", "", "" },
	{ USER_SLICE "/libpod-conmon-" ID_A ".scope", NULL, "", "", "" },
	{ "/libpod_parent/libpod-conmon-" ID_A, NULL, "", "", "" },
	{ "/machine.slice/libpod-" ID_65 ".scope", NULL, "", "", "" },

	/* Kubernetes, systemd driver: containerd, cri-o, docker */
	{ POD_SD_BURSTABLE "/cri-containerd-" ID_A ".scope", "containerd", ID_A, "", UID },
	{ POD_SD_BESTEFFORT "/cri-containerd-" ID_A ".scope", "containerd", ID_A, "", UID },
	{ POD_SD_GUARANTEED "/cri-containerd-" ID_A ".scope", "containerd", ID_A, "", UID },
	{ POD_SD_BURSTABLE "/crio-" ID_A ".scope", "cri-o", ID_A, "", UID },
	{ POD_SD_BURSTABLE "/crio-" ID_A ".scope/container", "cri-o", ID_A, "", UID },
	{ POD_SD_GUARANTEED "/crio-" ID_A ".scope", "cri-o", ID_A, "", UID },
	{ POD_SD_BESTEFFORT "/docker-" ID_A ".scope", "docker", ID_A, "", UID },
	{ "/system.slice/cri-containerd-" ID_A ".scope", "containerd", ID_A, "", "" },
	{ POD_SD_BURSTABLE "/crio-conmon-" ID_A ".scope", NULL, "", "", "" },
	{ POD_SD_BURSTABLE, NULL, "", "", "" },
	{ POD_SD_BURSTABLE "/cri-containerd-" ID_63 ".scope", NULL, "", "", "" },
	{ POD_SD_BURSTABLE "/cri-containerd-" ID_A, NULL, "", "", "" },
	/* a pod slice of the wrong shape names no pod, the container stays */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice/cri-containerd-" ID_A ".scope",
	  "containerd", ID_A, "", "" },
	{ "/kubepods.slice/kubepods-guaranteed-pod" UID_ ".slice/cri-containerd-" ID_A ".scope",
	  "containerd", ID_A, "", "" },
	{ "/kubepods.slice/kubepods-pod1B2C3D4E_5f6a_7b8c_9d0e_1f2a3b4c5d6e.slice/cri-containerd-" ID_A ".scope",
	  "containerd", ID_A, "", "" },
	{ "/kubepods.slice/kubepods-pod1b2c3d4e_5f6a_7b8c_9d0e_1f2a3b4c5d6.slice/cri-containerd-" ID_A ".scope",
	  "containerd", ID_A, "", "" },

	/* Kubernetes, cgroupfs driver: the bare id names no runtime */
	{ "/kubepods/burstable/pod" UID "/" ID_A, "cri", ID_A, "", UID },
	{ "/kubepods/besteffort/pod" UID "/" ID_A, "cri", ID_A, "", UID },
	{ "/kubepods/pod" UID "/" ID_A, "cri", ID_A, "", UID },
	{ "/kubepods/burstable/pod" UID "/" ID_A "/sub", "cri", ID_A, "", UID },
	{ "/kubepods/burstable/pod" UID "/crio-" ID_A, "cri-o", ID_A, "", UID },
	{ "/kubepods/pod" UID "/crio-" ID_A, "cri-o", ID_A, "", UID },
	{ "/kubepods/burstable/pod" UID "/crio-conmon-" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod" UID, NULL, "", "", "" },
	{ "/kubepods/burstable", NULL, "", "", "" },
	/* kind: a Kubernetes node in a docker container */
	{ "/system.slice/docker-" ID_B ".scope/kubepods/besteffort/pod" UID "/" ID_A,
	  "cri", ID_A, "", UID },
	{ "/docker/" ID_B "/kubepods/burstable/pod" UID "/crio-" ID_A, "cri-o", ID_A, "", UID },
	/* pods of the wrong shape, or not under kubepods: no container */
	{ "/kubepods/burstable/pod" UID_ "/" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod1B2C3D4E-5f6a-7b8c-9d0e-1f2a3b4c5d6e/" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod1b2c3d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e0/" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod1b2c3d4e5-f6a-7b8c-9d0e-1f2a3b4c5d6e/" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod/" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/podxyz/" ID_A, NULL, "", "", "" },
	{ "/kubepods/guaranteed/pod" UID "/" ID_A, NULL, "", "", "" },
	{ "/burstable/pod" UID "/" ID_A, NULL, "", "", "" },
	{ "/pod" UID "/" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod" UID "/crio-" ID_UPPER, NULL, "", "", "" },
	{ "/other/burstable/pod" UID "/crio-" ID_A, NULL, "", "", "" },
	{ "/kubepods/burstable/pod" UID "/" ID_65, NULL, "", "", "" },

	/* systemd-nspawn, registered with machined */
	{ "/machine.slice/machine-mybox.scope", "nspawn", "", "mybox", "" },
	{ "/machine.slice/machine-my\\x2dbox.scope", "nspawn", "", "my-box", "" },
	{ "/machine.slice/machine-my\\x2Dbox.scope", "nspawn", "", "my-box", "" },
	{ "/machine.slice/machine-my\\x2dbox.scope/payload", "nspawn", "", "my-box", "" },
	{ "/machine.slice/machine-my\\x2dbox.scope/payload/system.slice/sshd.service",
	  "nspawn", "", "my-box", "" },
	{ "/machine.slice/machine-my\\x2dbox.scope/init.scope", "nspawn", "", "my-box", "" },
	{ "/machine.slice/machine-my\\x2dbox.scope/payload/system.slice/docker-" ID_A ".scope",
	  "docker", ID_A, "", "" },
	{ "/machine.slice/machine-a\\x5cb.scope", "nspawn", "", "a\\b", "" },
	/* the supervisor, a libvirt VM's qemu: on the host */
	{ "/machine.slice/machine-my\\x2dbox.scope/supervisor", NULL, "", "", "" },
	{ "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-lxc\\x2d4242\\x2dweb.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/vcpu0", NULL, "", "", "" },
	{ "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator", NULL, "", "", "" },
	/* ... unless that is inside a container itself */
	{ "/lxc.payload.web/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope", "lxc", "", "web", "" },
	/* names that cannot be */
	{ "/machine.slice/machine-.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\x2fb.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\x00b.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\x0ab.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\x2.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\x2", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\y2db.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-a\\xzzb.scope", NULL, "", "", "" },
	{ "/machine.slice/machine-mybox.service", NULL, "", "", "" },
	{ "/machine.slice", NULL, "", "", "" },

	/* LXC and LXD */
	{ "/lxc.payload.web", "lxc", "", "web", "" },
	{ "/lxc.payload.web/system.slice/nginx.service", "lxc", "", "web", "" },
	{ "/lxc.payload.web/lxc.payload.inner", "lxc", "", "inner", "" },
	{ "/lxc.payload.web/system.slice/docker-" ID_A ".scope", "docker", ID_A, "", "" },
	{ "/lxc.monitor.web", NULL, "", "", "" },
	{ "/lxc.payload.", NULL, "", "", "" },
	/* legacy: /lxc/NAME */
	{ "/lxc/web", "lxc", "", "web", "" },
	{ "/lxc/web/init.scope", "lxc", "", "web", "" },
	{ "/lxc", NULL, "", "", "" },
	{ "/system.slice/lxc/web", NULL, "", "", "" },

	/* no cgroup path the kernel writes */
	{ "/", NULL, "", "", "" },
	{ "", NULL, "", "", "" },
	{ "relative/docker/" ID_A, NULL, "", "", "" },
	{ "docker/" ID_A, NULL, "", "", "" },
	{ "system.slice/docker-" ID_A ".scope", NULL, "", "", "" },
	{ "//docker/" ID_A, NULL, "", "", "" },
	{ "/docker//" ID_A, NULL, "", "", "" },
	{ "/docker/./" ID_A, NULL, "", "", "" },
	{ "/docker/" ID_A "/..", NULL, "", "", "" },
	{ "/system.slice/docker-" ID_A ".scope/.", NULL, "", "", "" },
	{ "/../docker/" ID_A, NULL, "", "", "" },
	{ "/../../system.slice/docker-" ID_A ".scope", NULL, "", "", "" },
	{ NULL, NULL, "", "", "" },
};

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool case_ok(const Case *t, bool r, const Container *c)
{
	if (!t->runtime)
		return !r && all_zero(c, sizeof(*c));
	return r && c->runtime && strcmp(c->runtime, t->runtime) == 0 &&
	       strcmp(c->id, t->id) == 0 && strcmp(c->name, t->name) == 0 &&
	       strcmp(c->pod_uid, t->pod_uid) == 0;
}

static void test_shapes(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const Case *t = &cases[i];
		Container c;
		bool r;

		memset(&c, 0xa5, sizeof(c));
		r = container_from_cgroup(t->path, &c);
		if (!case_ok(t, r, &c)) {
			fprintf(stderr, "path \"%s\": expected %s \"%s\" \"%s\" \"%s\", ",
				t->path ? t->path : "(null)", t->runtime ? t->runtime : "none",
				t->id, t->name, t->pod_uid);
			if (r)
				fprintf(stderr, "got %s \"%.*s\" \"%.*s\" \"%.*s\"\n",
					c.runtime ? c.runtime : "(null)", (int)sizeof(c.id), c.id,
					(int)sizeof(c.name), c.name, (int)sizeof(c.pod_uid), c.pod_uid);
			else
				fprintf(stderr, "got none%s\n",
					all_zero(&c, sizeof(c)) ? "" : " (not zeroed)");
		}
		TS_ASSERT_INT_EQ(r, t->runtime != NULL);
		if (!r) {
			TS_ASSERT(all_zero(&c, sizeof(c)));
			continue;
		}
		TS_ASSERT_STR_EQ(c.runtime, t->runtime);
		TS_ASSERT_STR_EQ(c.id, t->id);
		TS_ASSERT_STR_EQ(c.name, t->name);
		TS_ASSERT_STR_EQ(c.pod_uid, t->pod_uid);
		/* the answer without a place to put it */
		TS_ASSERT(container_from_cgroup(t->path, NULL));
	}
	TS_ASSERT(!container_from_cgroup("/docker/" ID_A "/..", NULL));
}

/* The runtime strings are static, the same pointer for every caller. */
static void test_runtime_static(void)
{
	Container a, b;

	TS_ASSERT(container_from_cgroup("/docker/" ID_A, &a));
	TS_ASSERT(container_from_cgroup("/system.slice/docker-" ID_B ".scope", &b));
	TS_ASSERT(a.runtime == b.runtime);
}

/* dst: n bytes, then NUL; returns the end */
static char *fill(char *dst, const char *pattern, size_t n)
{
	size_t l = strlen(pattern);

	for (size_t i = 0; i < n; i++)
		dst[i] = pattern[i % l];
	dst[n] = '\0';
	return dst + n;
}

/* dst: n bytes (n >= 2) of short components "/a/a...", then NUL; returns the end */
static char *fill_components(char *dst, size_t n)
{
	char *end = fill(dst, "/a", n);

	/* no trailing slash: the last component is "aa" then */
	if (end[-1] == '/')
		end[-1] = 'a';
	return end;
}

static void test_long_paths(void)
{
	static const char scope[] = "/system.slice/docker-" ID_A ".scope";
	const size_t big = 100000;
	char *buf = malloc(big + sizeof(scope) + 1), *p;
	Container c;

	TS_ASSERT(buf);

	/* 100,000 bytes of "/a", then a container */
	p = fill_components(buf, big - (sizeof(scope) - 1));
	strcpy(p, scope);
	TS_ASSERT_INT_EQ(strlen(buf), big);
	TS_ASSERT(container_from_cgroup(buf, &c));
	TS_ASSERT_STR_EQ(c.runtime, "docker");
	TS_ASSERT_STR_EQ(c.id, ID_A);

	/* a container, then 100,000 bytes of sub-cgroups to walk out of */
	p = stpcpy(buf, scope);
	fill_components(p, big - (sizeof(scope) - 1));
	TS_ASSERT(container_from_cgroup(buf, &c));
	TS_ASSERT_STR_EQ(c.id, ID_A);

	/* 100,000 bytes and no container */
	fill_components(buf, big);
	memset(&c, 0xa5, sizeof(c));
	TS_ASSERT(!container_from_cgroup(buf, &c));
	TS_ASSERT(all_zero(&c, sizeof(c)));

	/* one 100,000-byte component is none the kernel would write: ignored */
	buf[0] = '/';
	fill(buf + 1, "x", big - 1);
	TS_ASSERT(!container_from_cgroup(buf, &c));
	p = stpcpy(buf, "/lxc.payload.");
	fill(p, "x", big - 13);
	TS_ASSERT(!container_from_cgroup(buf, &c));
	p = stpcpy(buf, "/lxc/");
	fill(p, "x", big - 5);
	TS_ASSERT(!container_from_cgroup(buf, &c));

	/* ... also inside a container, which holds it */
	p = stpcpy(buf, "/docker/" ID_A "/");
	fill(p, "x", big - 80);
	TS_ASSERT(container_from_cgroup(buf, &c));
	TS_ASSERT_STR_EQ(c.id, ID_A);

	/* and as the parent of what would be one */
	p = stpcpy(buf, "/");
	p = fill(p, "docker", 300);
	strcpy(p, "/" ID_A);
	TS_ASSERT(!container_from_cgroup(buf, &c));

	/* names up to what fits a cgroup name (255 bytes, "lxc.payload." and all) */
	p = stpcpy(buf, "/lxc.payload.");
	fill(p, "n", 255 - 12);
	TS_ASSERT(container_from_cgroup(buf, &c));
	TS_ASSERT_INT_EQ(strlen(c.name), 255 - 12);
	fill(p, "n", 255 - 11);
	TS_ASSERT(!container_from_cgroup(buf, &c));
	p = stpcpy(buf, "/machine.slice/machine-");
	p = fill(p, "m", 255 - 14);
	strcpy(p, ".scope");
	TS_ASSERT(container_from_cgroup(buf, &c));
	TS_ASSERT_STR_EQ(c.runtime, "nspawn");
	TS_ASSERT_INT_EQ(strlen(c.name), 255 - 14);
	p = stpcpy(buf, "/machine.slice/machine-");
	p = fill(p, "m", 255 - 13);
	strcpy(p, ".scope");
	TS_ASSERT(!container_from_cgroup(buf, &c));

	free(buf);
}

int main(void)
{
	RUN_TEST(test_shapes);
	RUN_TEST(test_runtime_static);
	RUN_TEST(test_long_paths);
	return TEST_EXIT();
}
