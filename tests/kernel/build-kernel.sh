#!/usr/bin/env bash
# The lab kernel for tests/kernel, taken from the build the VMs boot: runs the
# kernel_build role on the controller (build-with-role.yml, the inputs of
# lab/site-vars.yml), whose content key decides whether anything compiles. A
# finished build in /var/cache/oomgs/kernels/<key>/ is reused, and one made
# here is reused by the molecule stage. The image package's
# /boot/vmlinuz-<release> becomes build/kernel/lab-<key>/bzImage, beside the
# build's config and manifest.json. Prints that directory on stdout.
#
# GS_KERNEL_DEBUG=1 or GS_KERNEL_UNPATCHED=1: a test-only variant no VM boots,
# built by build-kernel-direct.sh instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"

if [ "${GS_KERNEL_DEBUG:-0}" = 1 ] || [ "${GS_KERNEL_UNPATCHED:-0}" = 1 ] ||
	[ "${GS_KERNEL_LINE:-6.1}" != 6.1 ]; then
	exec "$here/build-kernel-direct.sh"
fi

log() { echo "build-kernel: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Resolve oomgs.graceful_shutdown.* from this checkout, as
# scripts/test-roles.sh does.
collections=$top/build/collections
mkdir -p "$collections/ansible_collections/oomgs" build/kernel
ln -sfn "$top" "$collections/ansible_collections/oomgs/graceful_shutdown"
export ANSIBLE_COLLECTIONS_PATH=$collections

result=$(mktemp build/kernel/role-result.XXXXXX)
trap 'rm -f "$result"' EXIT
log "kernel_build role on localhost (tests/kernel/build-with-role.yml)"
start=$SECONDS
.venv/bin/ansible-playbook "$here/build-with-role.yml" \
	-e "gs_kernel_result_file=$top/$result" >&2 ||
	die "the kernel_build role failed (see above)"
log "kernel_build role took $((SECONDS - start)) s"

# key, release, image package and artifact directory, one per line.
mapfile -t build < <(.venv/bin/python -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(r["key"], r["release"], r["image_package"], r["artifact_dir"], sep="\n")
' "$result")
[ ${#build[@]} -eq 4 ] || die "unreadable build result from build-with-role.yml"
key=${build[0]} release=${build[1]} artifact_dir=${build[3]}
deb=$artifact_dir/${build[2]}
out=$top/build/kernel/lab-$key

if [ -f "$out/DONE" ] && [ -f "$out/bzImage" ]; then
	log "reusing $out"
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
start=$SECONDS
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -O -f - "./boot/vmlinuz-$release" > "$out/bzImage" ||
	die "no ./boot/vmlinuz-$release in $deb"
file -b "$out/bzImage" | grep -q 'Linux kernel x86 boot executable bzImage' ||
	die "./boot/vmlinuz-$release in $deb is not a bzImage"
cp "$artifact_dir/config" "$artifact_dir/manifest.json" "$out/"
log "extracted $release from $deb in $((SECONDS - start)) s"
touch "$out/DONE"
echo "$out"
