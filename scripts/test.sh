#!/usr/bin/env bash
# Run the test suite and print a summary. Each stage is scripts/test-<stage>.sh.
#
# With no arguments every stage runs, in two lanes at once (the machine's
# time goes to the VMs; the checks need little of it):
#   checks: units sanity lint playbooks checkpatch roles compat
#   vm:     box (in the background from the start), kernel, then molecule
# molecule waits for kernel (it boots the lab kernel that stage builds, and
# the kernel cases measure time bounds, which want no VMs booting beside
# them) and for box. Each stage's output goes to build/test-logs/<stage>.log
# and is printed when the stage ends.
#
# With stage names as arguments those stages run one after another, in that
# order, their output streamed. Exits non-zero when any stage failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

# compat (the older ansible-core lines) last: it has the lane's slack.
checks_lane=(units sanity lint playbooks checkpatch roles compat)
logs=build/test-logs

scripts/bootstrap.sh || exit 1
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs"/*.result
t0=$SECONDS

now() { date -u +%H:%M:%S; }

# run_stage NAME [log]: runs scripts/test-NAME.sh, streaming its output or
# (with "log") keeping it for when it ends; records "result start seconds".
run_stage() {
	local stage=$1 mode=${2:-stream} script="scripts/test-$1.sh" start rc
	if [ ! -x "$script" ]; then
		echo "unknown stage: $stage (no $script)" >&2
		echo "FAILED $((SECONDS - t0)) 0" > "$logs/$stage.result"
		return 1
	fi
	echo "=== stage $stage: start $(now)"
	start=$SECONDS
	if [ "$mode" = log ]; then
		"$script" > "$logs/$stage.log" 2>&1 < /dev/null
		rc=$?
		# One lane prints at a time: logs stay whole.
		# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
		flock "$logs/.print.lock" sh -c 'echo "=== stage $1: output ($2)"; cat "$2"' \
			sh "$stage" "$logs/$stage.log"
	else
		"$script"
		rc=$?
	fi
	local result=ok
	[ "$rc" -eq 0 ] || result=FAILED
	echo "$result $((start - t0)) $((SECONDS - start))" > "$logs/$stage.result"
	echo "=== stage $stage: $result ($((SECONDS - start)) s, end $(now))"
	[ "$rc" -eq 0 ]
}

run_lane() {
	local stage
	for stage in "$@"; do
		run_stage "$stage" log
	done
	return 0
}

if [ $# -gt 0 ]; then
	stages=("$@")
	for stage in "${stages[@]}"; do
		run_stage "$stage"
	done
else
	stages=(box "${checks_lane[@]}" kernel molecule)
	run_lane box &
	box_pid=$!
	run_lane "${checks_lane[@]}" &
	checks_pid=$!
	run_lane kernel
	wait "$box_pid"
	run_lane molecule
	wait "$checks_pid"
fi

passed=0
failed=0
echo
echo "Test stages (start and wall time, seconds from the start of the suite):"
printf '  %-12s %-7s %6s %6s\n' stage result start wall
for stage in "${stages[@]}"; do
	read -r result start wall < "$logs/$stage.result" 2>/dev/null ||
		{ result=FAILED start=- wall=-; }
	printf '  %-12s %-7s %6s %6s\n' "$stage" "$result" "$start" "$wall"
	if [ "$result" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "  suite wall time: $((SECONDS - t0)) s"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
