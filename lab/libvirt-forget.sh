#!/usr/bin/env bash
# Remove every libvirt domain whose name starts with PREFIX, with its disks,
# and disk volumes of that prefix no domain uses: what a killed `vagrant up`,
# a killed test run or a lost Vagrant state (a fresh checkout) leaves behind.
# vagrant-libvirt refuses to create a domain whose name is taken.
#
#   lab/libvirt-forget.sh PREFIX
set -euo pipefail
prefix=${1:?usage: $0 PREFIX}
virsh=(virsh -q -c qemu:///system)

for domain in $("${virsh[@]}" list --all --name); do
	[[ $domain == "$prefix"* ]] || continue
	"${virsh[@]}" destroy "$domain" >/dev/null 2>&1 || true
	"${virsh[@]}" undefine "$domain" --remove-all-storage >/dev/null
	echo "removed the leftover domain $domain"
done
for volume in $("${virsh[@]}" vol-list --pool default 2>/dev/null | awk '{ print $1 }'); do
	[[ $volume == "$prefix"* ]] || continue
	"${virsh[@]}" vol-delete --pool default "$volume" >/dev/null
	echo "removed the leftover volume $volume"
done
