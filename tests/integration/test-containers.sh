#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Inside what: cgroups with the names real container runtimes give them (docker
# with either cgroup driver, podman and its conmon, containerd and CRI-O under a
# Kubernetes pod, systemd-nspawn's payload and supervisor, LXC) are made in this
# host's own hierarchies (cgroup v2, or on a hybrid host the name=systemd one
# cnprocd reads, and the unified one too), a child moves itself in and execs:
# its record names the container, or none where the shape is not a container's.
# A process in a pid namespace of its own there has ns_pid.
. "$TEST_LIB"
require_root
need unshare

cgroup_roots
TOP="/cnprocd-test-$$"
for r in $ROOTS; do
	mkdir "$r$TOP" 2>/dev/null || skip "cannot make a cgroup in $r: $(mkdir "$r$TOP" 2>&1)"
done
remove_cgroups() {
	for r in $ROOTS; do
		[ -d "$r$TOP" ] && find "$r$TOP" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}
trap 'remove_cgroups; cleanup' EXIT

M="cnprocd-containers-$$"
cat >"$T/cnprocd.conf" <<CONF
[cnprocd]
default-action = ignore
rate-limit = none

# rule keys on the container: matched by the daemon itself
[rule in-docker]
cmdline = "*$M*"
container-runtime = docker

[rule named-web]
cmdline = "*$M*"
container = web-*

[rule host]
cmdline = "*$M*"
container = no

[rule marked]
cmdline = "*$M*"
CONF
start_daemon --json -c "$T/cnprocd.conf"
# a live feed of what happens in containers only, and one of nspawn's by name
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json monitor --event exec --container yes \
	>"$T/mon-yes" 2>"$T/mon-yes.err" &
MON1=$!
"$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" --json monitor --container 'web-*' \
	>"$T/mon-web" 2>"$T/mon-web.err" &
MON2=$!
KEEP_PIDS="$MON1 $MON2"
wait_clients 2 || fail "the monitors did not subscribe"

# in_cgroup PATH TAG [CMD...]: a child moves itself into PATH (under TOP, in
# every hierarchy) and execs CMD, by default sh -c 'sleep 0.3' MARKER-TAG
cat >"$T/in-cgroup.sh" <<'SH'
path=$1 tag=$2 roots=$3
shift 3
for r in $roots; do
	echo $$ >"$r$path/cgroup.procs" || exit 1
done
exec "$@"
SH
in_cgroup() {
	_p="$TOP$1" _tag=$2
	shift 2
	for r in $ROOTS; do
		mkdir -p "$r$_p" || fail "mkdir $r$_p"
	done
	if [ $# -eq 0 ]; then
		set -- sh -c 'sleep 0.3' "$M-$_tag"
	fi
	sh "$T/in-cgroup.sh" "$_p" "$_tag" "$ROOTS" "$@" || fail "could not run in $_p"
}
# record TAG: the exec of the marked command (not in-cgroup.sh's own, before its move)
record() { marked_records exec "$1" ".argv[1] != \"$T/in-cgroup.sh\""; }
expect() { expect_marked exec "$1" "$2" ".argv[1] != \"$T/in-cgroup.sh\""; }

ID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ID2=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
UID_=1b2c3d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e
UID_US=$(echo "$UID_" | tr - _)

in_cgroup "/system.slice/docker-$ID.scope" docker
expect docker ".container == {runtime: \"docker\", id: \"$ID\"}"
in_cgroup "/docker/$ID2" docker-cgroupfs
expect docker-cgroupfs ".container == {runtime: \"docker\", id: \"$ID2\"}"
in_cgroup "/system.slice/docker-$ID.scope/system.slice/cron.service" docker-nested
expect docker-nested ".container.id == \"$ID\""
expect docker-cgroupfs '.rule == "in-docker"'
pass "docker, both drivers, and a service inside a container; rule container-runtime = docker"

in_cgroup "/machine.slice/libpod-$ID.scope/container" podman
expect podman ".container == {runtime: \"podman\", id: \"$ID\"}"
in_cgroup "/machine.slice/libpod-conmon-$ID.scope" conmon
expect conmon 'has("container") | not'
pass "podman; its conmon is not in the container"

in_cgroup "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$UID_US.slice/cri-containerd-$ID.scope" k8s
expect k8s ".container == {runtime: \"containerd\", id: \"$ID\", pod_uid: \"$UID_\"}"
in_cgroup "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$UID_US.slice/crio-$ID2.scope" crio
expect crio ".container == {runtime: \"cri-o\", id: \"$ID2\", pod_uid: \"$UID_\"}"
in_cgroup "/kubepods/burstable/pod$UID_/$ID" k8s-cgroupfs
expect k8s-cgroupfs ".container == {runtime: \"cri\", id: \"$ID\", pod_uid: \"$UID_\"}"
pass "Kubernetes: containerd and CRI-O (systemd driver), cgroupfs driver; the pod's uid"

in_cgroup '/machine.slice/machine-web\x2d1.scope/payload' nspawn
expect nspawn '.container == {runtime: "nspawn", name: "web-1"}'
in_cgroup '/machine.slice/machine-web\x2d1.scope/supervisor' supervisor
expect supervisor 'has("container") | not'
in_cgroup /lxc.payload.db lxc
expect lxc '.container == {runtime: "lxc", name: "db"}'
expect nspawn '.rule == "named-web"'
expect supervisor '.rule == "host"'
expect lxc '.rule == "marked"'
pass "systemd-nspawn by name (its supervisor outside), LXC; rules container = web-*, container = no"

in_cgroup "/system.slice/docker.service" dockerd
expect dockerd 'has("container") | not'
in_cgroup "/system.slice/docker-${ID}x.scope" near-miss
expect near-miss 'has("container") | not'
pass "the docker daemon's own unit and a near miss: no container"

# a pid namespace of its own inside a container: ns_pid (its pid there is 1)
if unshare --pid --fork true 2>/dev/null; then
	in_cgroup "/system.slice/docker-$ID2.scope" pidns unshare --pid --fork \
		sh -c 'sleep 0.3' "$M-pidns"
	expect pidns ".container.id == \"$ID2\" and .ns_pid == 1 and .pid != 1"
	pass "a pid namespace of its own: ns_pid 1, pid $(record pidns | jq "select(.ns_pid) | .pid")"
else
	echo "(no pid namespace here: ns_pid not checked)"
fi
expect docker 'has("ns_pid") | not'

# the feeds: containers only (every shape above that is one), and only web-1's
for tag in docker docker-cgroupfs podman k8s crio k8s-cgroupfs nspawn lxc; do
	wait_for - 10 grep -q -- "\"$M-$tag\"" "$T/mon-yes" ||
		fail "monitor --container yes: no exec of $tag"
done
complete_lines "$T/mon-yes" | json_none '.container == null' ||
	fail "monitor --container yes: an event outside any container"
grep -q -- "\"$M-conmon\"\|\"$M-supervisor\"\|\"$M-dockerd\"" "$T/mon-yes" &&
	fail "monitor --container yes: a process outside any container"
complete_lines "$T/mon-web" | json_has '.container.name == "web-1"' ||
	fail "monitor --container web-*: nothing"
complete_lines "$T/mon-web" | json_none '.container.name != "web-1"' ||
	fail "monitor --container web-*: another container"
pass "monitor --container yes and --container web-*: only what they ask for"

# ps --wide shows the container of a living process
in_cgroup "/system.slice/docker-$ID.scope" live sh -c 'sleep 3' "$M-live" &
LIVE=$!
expect live ".container.id == \"$ID\""
timeout 20 "$CNPROCCTL" --socket "$T/io.cnprocd.Monitor" ps --wide >"$T/ps" ||
	fail "ps --wide failed"
head -n 1 "$T/ps" | grep -q "LOGIN *TTY *CONTAINER" || fail "ps --wide: no columns: $(head -n 1 "$T/ps")"
grep -- "$M-live" "$T/ps" | grep -q "docker:$(echo "$ID" | cut -c 1-12)" ||
	fail "ps --wide: $(grep -- "$M-live" "$T/ps")"
pass "ps --wide: docker:$(echo "$ID" | cut -c 1-12)"
wait "$LIVE"

stop_daemon || fail "daemon did not stop cleanly"
