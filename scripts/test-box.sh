#!/usr/bin/env bash
# Stage "box": what the molecule VMs need before they can be created: libvirt
# running and the lab box built (cached under /var/cache/oomgs/boxes, so a
# warm machine only checks it). scripts/test.sh runs it in the background
# from the start, so that a cold box build overlaps the kernel build.
# test-molecule.sh runs the same steps itself (each is a cache hit then).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

lab/libvirt-up.sh
if [ "${GS_LAB_BOX:-oomgs/debian12}" = oomgs/debian12 ]; then
	lab/box/build-box.sh
else
	echo "box: using $GS_LAB_BOX (not built here)"
fi
