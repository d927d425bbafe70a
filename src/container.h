/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which container a process is in, told from its cgroup path alone (the "0::"
 * or "name=systemd:" line of /proc/PID/cgroup): container runtimes and managers
 * name the cgroup they create for a container after it, in a few fixed shapes.
 * The path's components are looked at from the innermost outwards and the first
 * that has a container's shape decides, so a process in a sub-cgroup of a
 * container (systemd inside it, "container" or "init.scope" leaves) is in that
 * container, and one in a nested container is in the inner one. HEX64 is a
 * container id: exactly 64 lowercase hex digits.
 *
 *   docker      docker-HEX64.scope                  (systemd cgroup driver)
 *               docker/HEX64                        (cgroupfs driver)
 *   podman      libpod-HEX64.scope                  (rootful and rootless)
 *               libpod_parent/libpod-HEX64          (cgroupfs manager)
 *   containerd  cri-containerd-HEX64.scope
 *   cri-o       crio-HEX64.scope, POD/crio-HEX64
 *   cri         POD/HEX64: a Kubernetes container whose cgroup names no runtime
 *   nspawn      machine-NAME.scope                  (systemd-machined; NAME is
 *                                                    unit-escaped: \x2d is '-')
 *   lxc         lxc.payload.NAME, and legacy /lxc/NAME at the top
 *
 * A Kubernetes pod is named by a component above the container, with the
 * systemd driver "kubepods[-burstable|-besteffort]-podUID.slice" (the uid's
 * dashes written as underscores), with the cgroupfs driver "podUID" directly
 * under "kubepods" or "kubepods/burstable|besteffort" (POD above).
 *
 * Look-alikes that are outside any container give none: the conmon monitors
 * (libpod-conmon-HEX64.scope, crio-conmon-HEX64.scope), nspawn's supervisor
 * (machine-NAME.scope/supervisor), a libvirt VM's qemu (machine-qemu\x2d...)
 * and libvirt's LXC domains (machine-lxc\x2d..., not nspawn's),
 * LXC's monitor (lxc.monitor.NAME), the docker daemon (docker.service). So does
 * every shape not listed, and every path the kernel would not write: relative,
 * with empty, "." or ".." components. Unknown shapes give no container, never
 * a wrong one.
 */

#include <stdbool.h>

#define CONTAINER_ID_MAX 65      /* 64 hex digits + NUL */
#define CONTAINER_NAME_MAX 256
#define CONTAINER_POD_UID_MAX 37 /* 8-4-4-4-12 + NUL */

typedef struct Container {
	const char *runtime;                 /* static string; NULL: not in a container */
	char id[CONTAINER_ID_MAX];           /* "" when the path names none */
	char name[CONTAINER_NAME_MAX];       /* "" when the path names none */
	char pod_uid[CONTAINER_POD_UID_MAX]; /* "" outside Kubernetes */
} Container;

/*
 * true and *ret filled if path is a container's cgroup (or inside one); false
 * and *ret zeroed otherwise. runtime is one of "docker", "podman", "containerd",
 * "cri-o", "cri", "nspawn", "lxc"; the first five set id, the last two name.
 * path may be NULL (false); ret may be NULL to only ask. Pure, no allocation.
 */
bool container_from_cgroup(const char *path, Container *ret);

/* Whether c (NULL: in none) is what word asks for: "yes" any container, "no"
 * none, else a glob (fnmatch) on its id or its name. The rule key and the
 * Subscribe filter "container" both mean this. */
bool container_matches(const Container *c, const char *word);
