#!/bin/sh
# The controller user's own ansible-core, as any controller has one: the
# checkout's .venv may rest on an interpreter only root can run (a pyenv
# under /root). Run as that user; makes VENV with Debian's python3 unless it
# already has ansible-core VERSION.
#
#   user-ansible.sh VENV VERSION
set -eu
venv=$1
version=$2
if [ "$("$venv/bin/ansible-playbook" --version 2>/dev/null | head -n 1)" = "ansible-playbook [core $version]" ]; then
	exit 0
fi
rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q "ansible-core==$version"
echo "installed ansible-core $version in $venv"
