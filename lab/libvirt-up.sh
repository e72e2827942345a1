#!/usr/bin/env bash
# Make libvirt usable for the lab on a machine where systemd is not PID 1
# (containers, CI runners): start virtlogd and libvirtd by hand when their
# sockets do not answer, and make sure the `default` storage pool and the
# `default` NAT network exist, are active and autostart. Safe to run again.
set -euo pipefail

pool_dir=${GS_LAB_POOL_DIR:-/var/lib/libvirt/images}
virsh=(virsh -q -c qemu:///system)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo

# systemd as PID 1 starts the daemons and udev sets /dev/kvm's mode.
systemd_init=false
[ -d /run/systemd/system ] && systemd_init=true

log() { printf '[libvirt-up %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# One at a time (molecule scenarios run side by side, the lab beside them):
# two of these at once would both start libvirtd or define the pool.
# Opened read-only, so that any user can take a lock file root made.
lock=/tmp/oomgs-libvirt-up.lock
[ -e "$lock" ] || (umask 0 && : >>"$lock")
exec 9<"$lock"
flock 9

# A daemon is up when its socket accepts a connection (a stale socket file
# left by a killed daemon does not count).
socket_answers() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])' "$1" 2>/dev/null
}

start_daemon() {
	local name=$1 socket=$2 _
	socket_answers "$socket" && return 0
	if $systemd_init; then
		$sudo systemctl start "$name"
	else
		log "starting $name"
		# Without any descriptor but 0-2: the daemon would hold for ever
		# this script's lock, and any lock of a caller (a `flock FILE
		# scripts/test.sh` would never release FILE).
		$sudo python3 -c 'import os, sys
os.closerange(3, os.sysconf("SC_OPEN_MAX"))
os.execv(sys.argv[1], sys.argv[1:])' "/usr/sbin/$name" -d
	fi
	for _ in $(seq 50); do
		socket_answers "$socket" && return 0
		sleep 0.2
	done
	echo "$name did not open $socket" >&2
	exit 1
}

# Without udev, /dev/kvm stays root-only 0600. QEMU's capability probe (run
# as root) then finds KVM while libvirt's check as the qemu user does not, so
# libvirt throws its capability cache away at every lookup and probes QEMU
# again: 4 s each, about 50 s per domain defined. Give /dev/kvm the owner
# and mode udev gives it (root:kvm 0660). The lab's domains use TCG anyway.
if [ -c /dev/kvm ] && getent group kvm >/dev/null &&
	[ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ] && ! $systemd_init; then
	log "giving /dev/kvm udev's owner and mode (root:kvm 0660)"
	$sudo chgrp kvm /dev/kvm
	$sudo chmod 0660 /dev/kvm
fi

start_daemon virtlogd /run/libvirt/virtlogd-sock
start_daemon libvirtd /run/libvirt/libvirt-sock

if ! "${virsh[@]}" pool-info default >/dev/null 2>&1; then
	log "defining storage pool default ($pool_dir)"
	$sudo mkdir -p "$pool_dir"
	"${virsh[@]}" pool-define-as default dir --target "$pool_dir" >/dev/null
fi
# (Captured, not piped into grep -q: with pipefail a SIGPIPE fails the test.)
if ! [[ $("${virsh[@]}" pool-info default) =~ State:[[:space:]]+running ]]; then
	"${virsh[@]}" pool-build default >/dev/null 2>&1 || true
	"${virsh[@]}" pool-start default >/dev/null
fi
"${virsh[@]}" pool-autostart default >/dev/null

if ! "${virsh[@]}" net-info default >/dev/null 2>&1; then
	log "defining network default"
	"${virsh[@]}" net-define /dev/stdin >/dev/null <<'EOF'
<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
EOF
fi
if ! [[ $("${virsh[@]}" net-info default) =~ Active:[[:space:]]+yes ]]; then
	"${virsh[@]}" net-start default >/dev/null
fi
"${virsh[@]}" net-autostart default >/dev/null
log "libvirt ready: pool default and network default active"
