#!/usr/bin/env bash
# Stage "playbooks": gs_register and gs_info through ansible-playbook on
# localhost, against a FUSE file that follows the /proc/graceful_shutdown
# contract (needs root, /dev/fuse and python3-fusepy from scripts/apt).
# GS_VENV names another venv (its ansible-core) to run them with
# (scripts/test-compat.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="${GS_VENV:-$top/.venv}/bin:$PATH"
exec python -m pytest -p no:cacheprovider tests/playbooks "$@"
