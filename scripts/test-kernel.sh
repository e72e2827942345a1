#!/usr/bin/env bash
# Stage "kernel": get the patched lab kernel from the kernel_build role's
# build (the one the molecule VMs install; built only when no build with the
# same key is cached), build the busybox test initramfs, boot them under QEMU
# (TCG) and check every case with pytest. GS_KERNEL_DEBUG=1 runs the same
# cases on the debug build (KASAN, lockdep, DEBUG_LIST).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build first, in the open: a failed build shows its own log. pytest takes
# the kernel from GS_KERNEL_DIR rather than asking build-kernel.sh again.
GS_KERNEL_DIR=$(tests/kernel/build-kernel.sh)
export GS_KERNEL_DIR
tests/kernel/build-initramfs.sh > /dev/null
exec .venv/bin/python -m pytest tests/kernel -v -p no:cacheprovider \
	--junitxml=build/kernel/junit-kernel.xml "$@"
