#!/usr/bin/env bash
# Build the lab's Vagrant box (provider libvirt, Debian 12) from Debian
# packages only, cache it under /var/cache/oomgs/boxes keyed by the content of
# this builder, and add it to Vagrant as oomgs/debian12.
#
#   lab/box/build-box.sh [--force]
#
# No loop devices: the root file system is made with `mke2fs -d`, the disk is
# a partitioned raw file, and GRUB's boot.img/core.img are written with dd the
# way grub-install would. Prints the path of the box on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

cache=${GS_BOX_CACHE:-/var/cache/oomgs/boxes}
box_name=${GS_BOX_NAME:-oomgs/debian12}
mirror=${GS_BOX_MIRROR:-http://deb.debian.org/debian}
security_mirror=${GS_BOX_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
suite=bookworm
disk_gib=16
# The partition starts at 1 MiB: sectors 1..2047 hold GRUB's core image.
part_start=2048
key=$cache/vagrant_ed25519
packages=(
	systemd-sysv udev dbus systemd-resolved openssh-server sudo
	python3 python3-apt
	grub-pc linux-image-cloud-amd64 initramfs-tools
	iproute2 procps kmod less
)

force=false
case "${1:-}" in
--force) force=true ;;
"") ;;
*)
	echo "usage: $0 [--force]" >&2
	exit 2
	;;
esac

log() { printf '[build-box %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

mkdir -p "$cache"
# One builder at a time per cache (molecule scenarios run side by side): the
# second waits, then finds the box built and added.
exec 9>"$cache/.build-box.lock"
flock 9
if [ ! -f "$key" ]; then
	ssh-keygen -q -t ed25519 -N '' -C "oomgs-lab-vagrant" -f "$key"
	log "generated the lab SSH key $key"
fi

# Everything that decides the box's content goes into its cache key.
box_id=$(
	{
		# Every file of lab/box/ (this script, customize.sh, preinstall/,
		# overlay/, box.Vagrantfile), by path relative to it: the same
		# builder gives the same key from any checkout.
		(cd "$here" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
		cat "$key.pub"
		echo "${packages[*]} $mirror $security_mirror $suite $disk_gib"
	} | sha256sum | cut -c1-16
)
box=$cache/debian12-$box_id.box

build_box() {
	local work rootfs kver uuid disk blocks start
	work=$(mktemp -d "$cache/work.XXXXXX")
	# shellcheck disable=SC2064 # expand $work now, it is local
	trap "rm -rf '$work'" EXIT
	rootfs=$work/rootfs
	start=$SECONDS

	log "mmdebstrap $suite (${packages[*]})"
	# grub-pc's postinst installs nothing on a fresh system without
	# /boot/grub/core.img, so it is safe in the chroot.
	mmdebstrap --mode=root --variant=minbase --format=directory \
		--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
		--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
		--setup-hook="cp -a '$here/preinstall/.' \"\$1/\"" \
		--include="$(
			IFS=,
			echo "${packages[*]}"
		)" \
		--customize-hook="'$here/customize.sh' \"\$1\" '$key.pub' '$here/overlay'" \
		"$suite" "$rootfs" \
		"deb $mirror $suite main" \
		"deb $mirror $suite-updates main" \
		"deb $security_mirror $suite-security main"
	log "rootfs ready after $((SECONDS - start)) s"
	# mmdebstrap leaves the build host's name and resolver behind. The
	# Vagrantfile renames each VM (127.0.1.1 included).
	echo debian12 >"$rootfs/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian12\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
		>"$rootfs/etc/hosts"
	ln -sfn ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"

	kver=$(basename "$(find "$rootfs/boot" -name 'vmlinuz-*' | sort -V | tail -1)")
	kver=${kver#vmlinuz-}
	uuid=$(cat /proc/sys/kernel/random/uuid)
	write_boot_files "$rootfs" "$kver" "$uuid"
	make_core_image "$rootfs"

	disk=$work/disk.raw
	truncate -s "${disk_gib}G" "$disk"
	echo "$part_start,,L,*" | sfdisk -q --label dos "$disk"
	blocks=$((($(stat -c %s "$disk") / 512 - part_start) / 8))
	log "ext4 root file system ($blocks 4k blocks) from the rootfs"
	mke2fs -q -F -t ext4 -L root -U "$uuid" -b 4096 \
		-E "offset=$((part_start * 512))" -d "$rootfs" "$disk" "$blocks"
	install_grub "$rootfs" "$disk"

	log "qcow2 and box tarball"
	mkdir "$work/box"
	qemu-img convert -O qcow2 "$disk" "$work/box/box.img"
	rm -f "$disk"
	printf '{"provider": "libvirt", "format": "qcow2", "virtual_size": %d}\n' \
		"$disk_gib" >"$work/box/metadata.json"
	cp "$here/box.Vagrantfile" "$work/box/Vagrantfile"
	echo "$box_id" >"$work/box/oomgs-box-id"
	tar -C "$work/box" -cf "$box.tmp" metadata.json Vagrantfile oomgs-box-id box.img
	mv "$box.tmp" "$box"
	# Keep the three newest builds (other checkouts may use older ones).
	find "$cache" -maxdepth 1 -name 'debian12-*.box' -printf '%T@ %p\n' |
		sort -rn | tail -n +4 | cut -d' ' -f2- | xargs -r rm -f
	log "built $box in $((SECONDS - start)) s (kernel $kver)"
}

# /etc/fstab, a first grub.cfg and grubenv. update-grub inside the guest
# later replaces grub.cfg with its own, from /etc/default/grub.
write_boot_files() {
	local rootfs=$1 kver=$2 uuid=$3 cmdline
	# shellcheck source=/dev/null
	cmdline=$(. "$rootfs/etc/default/grub" && echo "$GRUB_CMDLINE_LINUX")
	printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$uuid" >"$rootfs/etc/fstab"
	mkdir -p "$rootfs/boot/grub/i386-pc"
	cp -a /usr/lib/grub/i386-pc/. "$rootfs/boot/grub/i386-pc/"
	cat >"$rootfs/boot/grub/grub.cfg" <<EOF
# First-boot configuration written by lab/box/build-box.sh; update-grub
# replaces it.
set default=0
set timeout=1
serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1
terminal_input console serial
terminal_output console serial
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $uuid
menuentry 'Debian GNU/Linux, with Linux $kver' {
	linux /boot/vmlinuz-$kver root=UUID=$uuid ro $cmdline
	initrd /boot/initrd.img-$kver
}
EOF
	chroot "$rootfs" grub-editenv /boot/grub/grubenv create
}

# GRUB's core image for a BIOS disk, in /boot/grub/i386-pc like grub-install
# leaves it: its presence tells grub-pc's maintainer scripts that GRUB is
# installed, so upgrades re-run grub-install on grub-pc/install_devices.
make_core_image() {
	local rootfs=$1 core=$1/boot/grub/i386-pc/core.img size
	grub-mkimage -O i386-pc -o "$core" -p '(hd0,msdos1)/boot/grub' \
		biosdisk part_msdos ext2
	size=$(stat -c %s "$core")
	if [ "$size" -gt $(((part_start - 1) * 512)) ]; then
		echo "core.img ($size bytes) does not fit before sector $part_start" >&2
		exit 1
	fi
}

# What grub-install does, without a loop device: core.img in the gap after
# the MBR, boot.img's code in the MBR pointing at it.
install_grub() {
	local rootfs=$1 disk=$2 boot=/usr/lib/grub/i386-pc/boot.img
	dd if="$rootfs/boot/grub/i386-pc/core.img" of="$disk" bs=512 seek=1 \
		conv=notrunc status=none
	# boot.img's code only (bytes 0..439): keep the disk signature and the
	# partition table that sfdisk wrote.
	dd if="$boot" of="$disk" bs=440 count=1 conv=notrunc status=none
	# GRUB_BOOT_MACHINE_KERNEL_SECTOR (0x5c): 64-bit LBA of core.img = 1.
	printf '\001\000\000\000\000\000\000\000' |
		dd of="$disk" bs=1 seek=$((0x5c)) conv=notrunc status=none
	# GRUB_BOOT_MACHINE_DRIVE_CHECK (0x66): nop out the jump, as grub-setup
	# does for hard disks, to use drive 0x80 even if the BIOS passes 0.
	printf '\220\220' |
		dd of="$disk" bs=1 seek=$((0x66)) conv=notrunc status=none
}

# vagrant-libvirt uploads each version of the box into the storage pool once
# (<box>_vagrant_box_image_0_<timestamp>_box.img) and never removes it: drop
# the volumes of older builds that no VM disk is based on any more.
drop_stale_volumes() {
	local virsh=(virsh -q -c qemu:///system) vols backing vol
	command -v virsh >/dev/null || return 0
	vols=$("${virsh[@]}" vol-list --pool default 2>/dev/null | awk '{ print $1 }') || return 0
	backing=$(for vol in $vols; do
		"${virsh[@]}" vol-dumpxml --pool default "$vol" 2>/dev/null |
			sed -n '/<backingStore>/,/<\/backingStore>/s,.*<path>\(.*\)</path>.*,\1,p'
	done)
	for vol in $vols; do
		case $vol in
		"${box_name//\//-VAGRANTSLASH-}"_vagrant_box_image_*) ;;
		*) continue ;;
		esac
		if grep -q "/$vol\$" <<<"$backing"; then
			log "keeping $vol: VMs still use it"
		else
			log "deleting the stale libvirt volume $vol"
			"${virsh[@]}" vol-delete --pool default "$vol" >/dev/null
		fi
	done
}

start=$SECONDS
if [ "$force" = true ] || [ ! -f "$box" ]; then
	build_box
else
	log "cached: $box"
fi

vagrant_home=${VAGRANT_HOME:-$HOME/.vagrant.d}
installed=$vagrant_home/boxes/${box_name//\//-VAGRANTSLASH-}/0/libvirt/oomgs-box-id
if [ "$(cat "$installed" 2>/dev/null)" != "$box_id" ]; then
	log "vagrant box add --force $box_name"
	vagrant box add --force --name "$box_name" "$box" >&2
	drop_stale_volumes
fi
log "box $box_name is $box_id ($((SECONDS - start)) s)"
echo "$box"
