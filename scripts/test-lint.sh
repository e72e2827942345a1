#!/usr/bin/env bash
# Stage "lint": ansible-lint, production profile, over the whole repository
# (configuration in .ansible-lint).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/.venv/bin:$PATH"
# Resolve oomgs.graceful_shutdown to this checkout (ansible-lint links it into
# .ansible/), never to a copy installed under ~/.ansible/collections.
export ANSIBLE_HOME="$top/.ansible"
export ANSIBLE_COLLECTIONS_PATH="$top/.ansible/collections"
exec ansible-lint --profile production "$@"
