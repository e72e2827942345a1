#!/usr/bin/env bash
# Time site.yml on fresh lab fleets of 1 and 2 hosts, by phase, and print a
# table (see bench/site_bench.py).
#   bench/site_bench.sh [--hosts "1 2"] [--in-place] [--cold-ccache] [--serial N]
#   bench/site_bench.sh --report RUN_DIR... [the options those runs had]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
exec .venv/bin/python bench/site_bench.py "$@"
