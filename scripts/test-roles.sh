#!/usr/bin/env bash
# Stage "roles": the roles refuse bad input with a clear message (pytest
# drives ansible-playbook against localhost; nothing is built or rebooted),
# and every playbook passes ansible-playbook --syntax-check.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH="$top/.venv/bin:$PATH"

# Resolve oomgs.graceful_shutdown.* from this checkout.
collections="$top/build/collections"
mkdir -p "$collections/ansible_collections/oomgs"
ln -sfn "$top" "$collections/ansible_collections/oomgs/graceful_shutdown"
export ANSIBLE_COLLECTIONS_PATH="$collections"

playbooks=(site.yml gs_kernel_rollback.yml playbooks/*.yml molecule/*/converge.yml molecule/default/prepare.yml
	tests/kernel/build-with-role.yml)
for playbook in "${playbooks[@]}"; do
	ansible-playbook --syntax-check -i localhost, "$playbook" > /dev/null
done
echo "syntax-check: ${playbooks[*]} ok"

pytest -q tests/roles
