#!/usr/bin/env bash
# Install what the project needs on a fresh Debian/Ubuntu machine:
# Debian packages from scripts/apt/*.txt (or the lists named as arguments)
# and the pinned Python tooling into .venv. Safe to run again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

lists=("$@")
[ ${#lists[@]} -gt 0 ] || lists=(scripts/apt/*.txt)

packages=$(sed -e 's/#.*//' "${lists[@]}" | tr -s ' \n' '\n' | sort -u)
missing=()
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"
fi

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -r requirements.txt
	echo "$want" > "$stamp"
fi
