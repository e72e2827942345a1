#!/usr/bin/env bash
# Stage "lint": ansible-lint, production profile, over the whole repository
# (configuration in .ansible-lint).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/.venv/bin:$PATH"
exec ansible-lint --profile production "$@"
