#!/usr/bin/env bash
# Stage "kernel": build (or reuse, keyed by content) the patched lab kernel
# from Debian's linux-source-6.1 and the busybox test initramfs, boot it
# under QEMU (TCG) and check every case with pytest. GS_KERNEL_DEBUG=1 runs
# the same cases on the debug build (KASAN, lockdep, DEBUG_LIST).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build first, in the open: a failed build shows its own log.
tests/kernel/build-kernel.sh > /dev/null
tests/kernel/build-initramfs.sh > /dev/null
exec .venv/bin/python -m pytest tests/kernel -v -p no:cacheprovider \
	--junitxml=build/kernel/junit-kernel.xml "$@"
