#!/bin/sh
# mmdebstrap customize hook for the lab box: the vagrant user, first-boot
# identity (machine-id, SSH host keys), networking and the files in overlay/.
#   customize.sh ROOTFS PUBLIC_KEY OVERLAY_DIR
set -eu
root=$1
pubkey=$2
overlay=$3

cp -a "$overlay/." "$root/"
chown -R 0:0 "$root/etc/sudoers.d" "$root/etc/default/grub"
chmod 0440 "$root/etc/sudoers.d/vagrant"

chroot "$root" useradd --create-home --shell /bin/bash vagrant
install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
install -m 0600 -o 1000 -g 1000 "$pubkey" "$root/home/vagrant/.ssh/authorized_keys"

# Every VM made from the box must get its own identity: an empty machine-id
# (also the DHCP client id, so two VMs would otherwise share an address) and
# no SSH host keys (ssh.service makes them on first start).
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*

chroot "$root" systemctl enable systemd-networkd.service systemd-resolved.service
# Nothing waits for "network online" in the lab, and background apt runs
# would take the dpkg lock from the playbooks under test.
chroot "$root" systemctl mask systemd-networkd-wait-online.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	e2scrub_reap.service fstrim.timer

# grub-pc upgrades and grub-install inside the guest target the VM's disk.
echo "grub-pc grub-pc/install_devices multiselect /dev/vda" |
	chroot "$root" debconf-set-selections

chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*
