#!/usr/bin/env bash
# Build the test initramfs: busybox-static, our init and the static test
# programs of tests/kernel/programs. Keyed by content; prints the path of the
# gzip'd cpio archive on stdout.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
here=tests/kernel

busybox=/bin/busybox
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "build-initramfs: $busybox is not static: install busybox-static" >&2; exit 1; }

key=$( {
	for f in "$busybox" "$here"/initramfs/init "$here"/programs/*.[ch] "$0"; do
		echo "$(basename "$f") $(sha256sum < "$f")"
	done
	gcc --version | head -1
} | sha256sum | cut -c1-16)
out=$top/build/kernel/initramfs-$key
if [ -f "$out/initramfs.cpio.gz" ]; then
	echo "$out/initramfs.cpio.gz"
	exit 0
fi
rm -rf "$out"
root=$out/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,gs/bin}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh" # for init's #!/bin/sh; init installs the rest
install -m 0755 "$here/initramfs/init" "$root/init"

cflags=(-static -O2 -Wall -Werror -pthread)
prog=$root/gs/bin
gcc "${cflags[@]}" -o "$prog/gscases" "$here/programs/gscases.c"
gcc "${cflags[@]}" -o "$prog/gsbench" "$here/programs/gsbench.c"
gcc "${cflags[@]}" -o "$prog/gs_handler_record" "$here/programs/gs_handler.c"
# One handler program, behaviour chosen by the name it runs as.
ln "$prog/gs_handler_record" "$prog/gs_handler_exit3"
ln "$prog/gs_handler_record" "$prog/gs_handler_hang"
ln "$prog/gs_handler_record" "$prog/gs_handler_hangfork"
ln "$prog/gs_handler_record" "$prog/gs_handler_daemon"
ln "$prog/gs_handler_record" "$prog/gs_handler_term"
ln "$prog/gs_handler_record" "$prog/gs_handler_pidterm"
ln "$prog/gs_handler_record" "$prog/gs_handler_frozen"
cp "$prog/gscases" "$out/gscases" # the host lists the cases with it

(cd "$root" && find . -print0 | sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -n -6 > "$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
echo "$out/initramfs.cpio.gz"
