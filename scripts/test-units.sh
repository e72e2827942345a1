#!/usr/bin/env bash
# Stage "units": pytest unit tests of the modules and module_utils.
# GS_VENV names another venv to run them in (scripts/test-compat.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
exec "${GS_VENV:-$top/.venv}/bin/python" -m pytest -p no:cacheprovider tests/unit "$@"
