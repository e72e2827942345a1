#!/usr/bin/env bash
# Stage "molecule": `molecule test` for each scenario whose instances are
# Vagrant VMs (lab/Vagrantfile): rollback, then default. Each
# scenario has its own VMs, Vagrant state and libvirt names; what they share
# is made ready first (libvirt, the box, the lab kernel build), and their
# `vagrant up`s take turns (molecule/shared/create.yml). Each scenario's
# output goes to build/test-logs/molecule-<scenario>.log and is printed when
# it ends. GS_MOLECULE_SCENARIOS="default" picks scenarios;
# GS_MOLECULE_SERIAL=0 runs them side by side. One after another is the
# default because it is faster here: the guests are the suite's CPU, and
# four TCG guests on two cores made every step slower than half speed
# (2 December: rollback 1532 s and default 1128 s each alone, 3733 s and
# 3271 s side by side; a reboot 90 s alone, up to 580 s side by side).
# Every scenario destroys its VMs at the end, whether it passed or not.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH=$top/.venv/bin:$PATH
logs=build/test-logs

# Molecule's syntax step runs before create.yml makes the checkout importable
# as the collection oomgs.graceful_shutdown: make it so here already.
mkdir -p build/collections/ansible_collections/oomgs "$logs"
ln -sfn "$top" build/collections/ansible_collections/oomgs/graceful_shutdown

if [ -n "${GS_MOLECULE_SCENARIOS:-}" ]; then
	read -r -a scenarios <<<"$GS_MOLECULE_SCENARIOS"
else
	scenarios=()
	# The longest first (side by side, its `vagrant up` then goes first too).
	for s in rollback default; do
		[ -f "molecule/$s/molecule.yml" ] && scenarios+=("$s")
	done
fi

# Both scenarios install the lab kernel: build it once now (a cache hit after
# the kernel stage), not twice at once in their converges, which share the
# build tree of one key.
scripts/test-box.sh
tests/kernel/build-kernel.sh > /dev/null

run_scenario() {
	local s=$1 start=$SECONDS rc=0
	echo "=== molecule scenario $s: start $(date -u +%H:%M:%S)"
	molecule test --scenario-name "$s" > "$logs/molecule-$s.log" 2>&1 < /dev/null || rc=$?
	flock "$logs/.print.lock" cat "$logs/molecule-$s.log"
	if [ "$rc" -eq 0 ]; then
		echo "=== molecule scenario $s: ok ($((SECONDS - start)) s)"
	else
		echo "=== molecule scenario $s: FAILED ($((SECONDS - start)) s)"
	fi
	return "$rc"
}

pids=()
failed=0
for s in "${scenarios[@]}"; do
	if [ "${GS_MOLECULE_SERIAL:-1}" = 1 ]; then
		run_scenario "$s" || failed=1
	else
		run_scenario "$s" &
		pids+=("$!")
		# The scenario just started takes the vagrant up lock within
		# about 10 s: let it go first.
		[ "${#pids[@]}" -eq "${#scenarios[@]}" ] || sleep 20
	fi
done
for pid in "${pids[@]}"; do
	wait "$pid" || failed=1
done
exit "$failed"
