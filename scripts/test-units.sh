#!/usr/bin/env bash
# Stage "units": pytest unit tests of the modules and module_utils.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
exec .venv/bin/python -m pytest -p no:cacheprovider tests/unit "$@"
