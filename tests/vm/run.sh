#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The booted-systemd test: builds a small Debian 12 image (mmdebstrap, the Debian
# kernel) with the given cnprocd package(s) installed, boots it under QEMU with
# software emulation (TCG; KVM is not used), and lets tests/vm/guest-test.sh drive
# the administrator's path as root inside, with systemd as PID 1 in the initial
# namespaces. The guest's results come back over its second serial port.
#
#   tests/vm/run.sh [--keep] [--timeout SECONDS] PATH/TO/cnprocd_*.deb...
#
# Run as root. Exit status: 0 when the guest reported DONE and no FAIL, 1 on any
# miss, 2 on a usage error, 77 (skip) when something it needs is missing, with
# the reason. Everything lives in one temporary directory, removed at the end
# (--keep leaves it: the image, kernel, initrd, console and results logs).
# Environment: CNPROCD_VM_MIRROR (default http://deb.debian.org/debian),
# CNPROCD_VM_SECURITY_MIRROR (http://deb.debian.org/debian-security),
# CNPROCD_VM_TIMEOUT (the guest's wall-clock limit in seconds, default 600),
# CNPROCD_VM_MEMORY (MiB, default 1024), CNPROCD_VM_CPUS (default 2).
# the hooks' "$1" is mmdebstrap's, not this script's
# shellcheck disable=SC2016
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
KEEP=0
TIMEOUT=${CNPROCD_VM_TIMEOUT:-600}
MIRROR=${CNPROCD_VM_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${CNPROCD_VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MEMORY=${CNPROCD_VM_MEMORY:-1024}
CPUS=${CNPROCD_VM_CPUS:-2}
SUITE=bookworm

usage() {
	echo "usage: $0 [--keep] [--timeout SECONDS] PATH/TO/cnprocd_*.deb..." >&2
	exit 2
}
skip() {
	echo "SKIP: $*"
	exit 77
}
log() {
	printf '[vm %s] %s\n' "$(date +%H:%M:%S)" "$*"
}
now() { date +%s; }

while [ $# -gt 0 ]; do
	case $1 in
	--keep) KEEP=1 ;;
	--timeout) [ $# -ge 2 ] || usage; TIMEOUT=$2; shift ;;
	--timeout=*) TIMEOUT=${1#*=} ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 1 ] || usage

# --- what it needs ---
[ "$(id -u)" = 0 ] || skip "must run as root (mmdebstrap --mode=root, chroot, mkfs.ext4 -d)"
[ "$(uname -m)" = x86_64 ] || skip "the image is amd64; this host is $(uname -m)"
for c in qemu-system-x86_64:qemu-system-x86 mmdebstrap:mmdebstrap mkfs.ext4:e2fsprogs \
	dpkg-deb:dpkg timeout:coreutils; do
	command -v "${c%%:*}" >/dev/null 2>&1 || skip "${c%%:*} not found (apt-get install ${c#*:})"
done
qemu-system-x86_64 -accel help 2>/dev/null | grep -qx tcg ||
	skip "qemu-system-x86_64 has no TCG (software emulation) accelerator"
# the machine this test boots, created and left paused for a moment: a QEMU that
# cannot even start it (no firmware, no memory) is a skip, found before the build
qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp "$CPUS" -m "$MEMORY" -nodefaults \
	-display none -monitor none -serial none -S >"${TMPDIR:-/tmp}/cnprocd-vm-probe.$$" 2>&1 &
probe=$!
sleep 2
if kill "$probe" 2>/dev/null; then
	wait "$probe" 2>/dev/null || :
	rm -f "${TMPDIR:-/tmp}/cnprocd-vm-probe.$$"
else
	why=$(head -n 3 "${TMPDIR:-/tmp}/cnprocd-vm-probe.$$")
	rm -f "${TMPDIR:-/tmp}/cnprocd-vm-probe.$$"
	skip "QEMU cannot start the test machine (q35, TCG, $MEMORY MiB): $why"
fi
DEBS=
for d in "$@"; do
	[ -f "$d" ] || { echo "no such package: $d" >&2; exit 2; }
	pkg=$(dpkg-deb -f "$d" Package 2>/dev/null) || { echo "not a .deb: $d" >&2; exit 2; }
	DEBS="$DEBS $(cd "$(dirname "$d")" && pwd)/$(basename "$d")"
	log "package $pkg $(dpkg-deb -f "$d" Version) from $d"
done

W=$(mktemp -d "${TMPDIR:-/tmp}/cnprocd-vm.XXXXXX")
MM_PID=
QEMU_PID=
cleanup() {
	rc=$?
	trap - EXIT INT TERM
	set +e
	# mmdebstrap undoes its chroot's mounts when it is stopped: let it
	if [ -n "$MM_PID" ]; then
		kill -TERM "$MM_PID" 2>/dev/null
		wait "$MM_PID" 2>/dev/null
	fi
	if [ -n "$QEMU_PID" ]; then
		kill "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
	fi
	# an interrupted mmdebstrap may leave its chroot's mounts behind
	grep -o " $W/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || :
	done
	if [ "$KEEP" = 1 ]; then
		log "kept $W (root.img vmlinuz initrd.img console.log results.log)"
	else
		rm -rf --one-file-system "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
T_ALL=$(now)

# --- the image ---
# Essentials, systemd as init with udev and dbus, the Debian kernel, and what the
# guest test uses; no recommends, no documentation, no kernel modules for hardware
# this machine does not have. The initramfs holds only the modules for a virtio
# disk with ext4 (MODULES=list), which makes it small and quick to build and boot.
log "building the $SUITE image (mmdebstrap, $MIRROR)"
T0=$(now)
mkdir "$W/debs" "$W/root"
# shellcheck disable=SC2086 # the list of paths
cp $DEBS "$W/debs/"
# (in the background, waited for: a signal to this script is then handled at once)
mmdebstrap --variant=apt --mode=root --format=directory \
	--aptopt='APT::Install-Recommends "false"' \
	--aptopt='Acquire::Retries "3"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/gpu/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/media/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/net/wireless/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/net/ethernet/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/infiniband/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/iio/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/drivers/staging/*' \
	--dpkgopt='path-exclude=/lib/modules/*/kernel/sound/*' \
	--include=systemd,systemd-sysv,udev,dbus,linux-image-amd64,passwd,mawk,procps,jq \
	--essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"' \
	--essential-hook='printf "MODULES=list\n" >"$1/etc/initramfs-tools/conf.d/cnprocd-vmtest.conf"' \
	--essential-hook='printf "virtio_pci\nvirtio_blk\next4\n" >"$1/usr/share/initramfs-tools/modules.d/cnprocd-vmtest"' \
	--customize-hook="cp -r '$W/debs' \"\$1/tmp/vmtest-debs\"" \
	--customize-hook='chroot "$1" sh -c "apt-get install -y -q /tmp/vmtest-debs/*.deb" && rm -rf "$1/tmp/vmtest-debs"' \
	--customize-hook="'$HERE/image-setup.sh' \"\$1\" '$HERE'" \
	"$SUITE" "$W/root" \
	"deb $MIRROR $SUITE main" \
	"deb $MIRROR $SUITE-updates main" \
	"deb $SECURITY_MIRROR $SUITE-security main" >"$W/mmdebstrap.log" 2>&1 &
MM_PID=$!
if ! wait "$MM_PID"; then
	MM_PID=
	tail -n 40 "$W/mmdebstrap.log"
	log "FAIL: the image could not be built (mmdebstrap)"
	exit 1
fi
MM_PID=
grep -E '^(Unpacking|Setting up) cnprocd' "$W/mmdebstrap.log" || :
set -- "$W"/root/boot/vmlinuz-*
[ -f "$1" ] || { log "FAIL: no kernel in the image"; exit 1; }
cp "$1" "$W/vmlinuz"
cp "$W"/root/boot/initrd.img-* "$W/initrd.img"
size=$(du -sm "$W/root" | cut -f1)
mkfs.ext4 -q -F -L root -d "$W/root" "$W/root.img" "$((size + size / 2 + 256))M"
rm -rf --one-file-system "$W/root"
T_IMAGE=$(($(now) - T0))
log "image built in ${T_IMAGE}s (${size} MiB of files; kernel $(basename "$1"))"

# --- the boot ---
log "booting under QEMU (TCG, $CPUS CPUs, $MEMORY MiB), at most ${TIMEOUT}s"
: >"$W/results.log"
: >"$W/console.log"
T0=$(now)
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -machine q35 -cpu max \
	-smp "$CPUS" -m "$MEMORY" -nodefaults -display none -monitor none -no-reboot \
	-kernel "$W/vmlinuz" -initrd "$W/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 panic=1 systemd.show_status=auto" \
	-drive "file=$W/root.img,if=virtio,format=raw,cache=unsafe" \
	-device virtio-rng-pci -nic none \
	-serial "file:$W/console.log" -serial "file:$W/results.log" \
	>"$W/qemu.log" 2>&1 &
QEMU_PID=$!
# the guest's lines as they come, with the time of START (the system is up) and DONE
# (the serial line ends lines with CR LF; no filter in between: it would buffer)
CR=$(printf '\r')
tail -n +1 -f --pid="$QEMU_PID" "$W/results.log" | while IFS= read -r line; do
	line=${line%"$CR"}
	printf '%s\n' "$line"
	case $line in
	START) echo "$(($(now) - T0))" >"$W/t_start" ;;
	DONE:*) echo "$(($(now) - T0))" >"$W/t_done" ;;
	esac
done &
TAIL_PID=$!
set +e
wait "$QEMU_PID"
qrc=$?
QEMU_PID=
wait "$TAIL_PID" # (tail sees QEMU gone within a second)
set -e
T_VM=$(($(now) - T0))

# --- the verdict ---
tr -d '\r' <"$W/results.log" >"$W/results.txt"
nfail=$(grep -c '^FAIL' "$W/results.txt" || :)
npass=$(grep -c '^PASS' "$W/results.txt" || :)
done_line=$(grep '^DONE:' "$W/results.txt" || :)
t_start=$(cat "$W/t_start" 2>/dev/null || :)
t_done=$(cat "$W/t_done" 2>/dev/null || :)
log "timings: image ${T_IMAGE}s; boot to the test ${t_start:--}s;" \
	"test $([ -n "$t_start" ] && [ -n "$t_done" ] && echo $((t_done - t_start)) || echo -)s;" \
	"VM in all ${T_VM}s; total $(($(now) - T_ALL))s"
verdict=0
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	log "FAIL: the VM did not finish within ${TIMEOUT}s"
	verdict=1
elif [ "$qrc" != 0 ]; then
	log "FAIL: QEMU exited with $qrc: $(tail -n 5 "$W/qemu.log")"
	verdict=1
fi
if [ -z "$done_line" ]; then
	log "FAIL: the guest test did not report DONE"
	verdict=1
fi
if [ "$nfail" != 0 ] || [ "$npass" = 0 ]; then
	verdict=1
fi
if [ "$verdict" != 0 ]; then
	log "the guest's console, last lines:"
	tr -d '\r' <"$W/console.log" | tail -n 60
	log "FAIL: $npass passed, $nfail failed"
	exit 1
fi
log "PASS: $npass passed, 0 failed"
