#!/usr/bin/env bash
# Stage "kernel": get the patched lab kernel from the kernel_build role's
# build (the one the molecule VMs install; built only when no build with the
# same key is cached), build the busybox test initramfs, boot them under QEMU
# (TCG) and check every case with pytest. GS_KERNEL_DEBUG=1 runs the same
# cases on the debug build (KASAN, lockdep, DEBUG_LIST).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Every line in GS_KERNEL_LINES is built and booted in turn. The default is
# 6.1, whose lab kernel the VMs boot; GS_KERNEL_LINES="6.1 6.12" adds the
# 6.12 series (a second build, about 11 min cold); 7.3's series waits in
# files/kernel/wip/7.3 (see its README). The debug variant is 6.1's. Build first, in the open: a failed build
# shows its own log. pytest takes the kernel from GS_KERNEL_DIR rather than
# asking build-kernel.sh again.
lines=${GS_KERNEL_LINES:-6.1}
[ "${GS_KERNEL_DEBUG:-0}" != 1 ] || lines=6.1
tests/kernel/build-initramfs.sh > /dev/null
rc=0
for line in $lines; do
	echo "=== kernel line $line"
	GS_KERNEL_DIR=$(GS_KERNEL_LINE=$line tests/kernel/build-kernel.sh)
	export GS_KERNEL_DIR
	.venv/bin/python -m pytest tests/kernel -v -p no:cacheprovider \
		--junitxml="build/kernel/junit-kernel-$line.xml" "$@" || rc=1
done
exit "$rc"
