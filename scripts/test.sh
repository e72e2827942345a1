#!/usr/bin/env bash
# Run the test suite stage by stage and print a summary. Each stage is
# scripts/test-<stage>.sh; with no arguments every stage runs, in order.
# Exits non-zero when any stage failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

all_stages=(units sanity lint playbooks checkpatch roles kernel molecule)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all_stages[@]}")

scripts/bootstrap.sh || exit 1

passed=0
failed=0
summary=()
for stage in "${stages[@]}"; do
	script="scripts/test-$stage.sh"
	if [ ! -x "$script" ]; then
		echo "unknown stage: $stage (no $script)" >&2
		exit 2
	fi
	echo "=== stage $stage: start $(date -u +%H:%M:%S)"
	start=$SECONDS
	if "$script"; then
		result=ok
		passed=$((passed + 1))
	else
		result=FAILED
		failed=$((failed + 1))
	fi
	summary+=("$(printf '%-12s %-7s %5ss' "$stage" "$result" $((SECONDS - start)))")
	echo "=== stage $stage: $result"
done

echo
echo "Test stages:"
printf '  %s\n' "${summary[@]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
