#!/usr/bin/env bash
# Stage "molecule": `molecule test` for each scenario whose instances are
# Vagrant VMs (lab/Vagrantfile): default, and rollback once it exists.
# GS_MOLECULE_SCENARIOS="default" picks scenarios. Every scenario destroys its
# VMs at the end, whether it passed or not.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH=$top/.venv/bin:$PATH

# Molecule's syntax step runs before create.yml makes the checkout importable
# as the collection oomgs.graceful_shutdown: make it so here already.
mkdir -p build/collections/ansible_collections/oomgs
ln -sfn "$top" build/collections/ansible_collections/oomgs/graceful_shutdown

if [ -n "${GS_MOLECULE_SCENARIOS:-}" ]; then
	read -r -a scenarios <<<"$GS_MOLECULE_SCENARIOS"
else
	scenarios=()
	for s in default rollback; do
		[ -f "molecule/$s/molecule.yml" ] && scenarios+=("$s")
	done
fi

failed=0
for s in "${scenarios[@]}"; do
	echo "=== molecule scenario $s: start $(date -u +%H:%M:%S)"
	start=$SECONDS
	if molecule test --scenario-name "$s"; then
		echo "=== molecule scenario $s: ok ($((SECONDS - start)) s)"
	else
		echo "=== molecule scenario $s: FAILED ($((SECONDS - start)) s)"
		failed=1
	fi
done
exit "$failed"
