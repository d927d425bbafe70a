#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# mmdebstrap customize hook of tests/vm/run.sh: makes the image's root directory
# ($1) a bootable test machine. $2 is tests/vm, for the guest test and its unit.
set -eu
R=$1
V=$2

echo cnprocd-vm >"$R/etc/hostname"
printf '127.0.1.1\tcnprocd-vm\n' >>"$R/etc/hosts"
printf '/dev/vda\t/\text4\trw,noatime\t0\t1\n' >"$R/etc/fstab"
# a machine id now, so the boot is not a first boot (no presets applied at boot)
chroot "$R" systemd-machine-id-setup >/dev/null
# an ordinary user for the permission checks (no adm, no systemd-journal)
chroot "$R" useradd --create-home --shell /bin/sh cnprocd-vmuser
# root may log in on the console (kept images: `run.sh --keep`, then boot by hand)
chroot "$R" passwd -d root >/dev/null

# what a test machine does not need and what only slows the boot down
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer fstrim.timer \
	e2scrub_all.timer e2scrub_reap.service systemd-tmpfiles-clean.timer \
	getty@tty1.service serial-getty@ttyS0.service systemd-pstore.service \
	systemd-timesyncd.service man-db.timer; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"
done

install -D -m 0755 "$V/guest-test.sh" "$R/usr/local/lib/cnprocd-vmtest/guest-test.sh"
install -m 0644 "$V/cnprocd-vmtest.service" "$R/etc/systemd/system/cnprocd-vmtest.service"
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sf ../cnprocd-vmtest.service "$R/etc/systemd/system/multi-user.target.wants/cnprocd-vmtest.service"
