#!/usr/bin/env bash
# Benchmark the graceful-shutdown kernel in the lab VM and print a table
# (see bench/kernel_bench.py). --debug uses the debug build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
python=.venv/bin/python
[ -x "$python" ] || python=python3
exec "$python" bench/kernel_bench.py "$@"
