#!/usr/bin/env bash
# Stage "compat": the units, sanity and playbooks stages again with each
# older ansible-core line that meta/runtime.yml's requires_ansible admits,
# so that its floor is tested, not only the .venv's 2.19 (the other stages).
#
#   scripts/test-compat.sh            the oldest line below (2.16), on this
#                                     host's Python (what the suite runs)
#   GS_COMPAT_ALL=1 scripts/test-compat.sh
#                                     every line below on this host's Python
#   GS_COMPAT_TRIXIE=1 scripts/test-compat.sh
#                                     and the lines that need Python >= 3.12,
#                                     in a Debian 13 root (trixie-root.sh)
#   scripts/test-compat.sh 2.17.14    only those releases, on this Python
#                                     (how the trixie root runs its lines)
#   GS_COMPAT_PARTS="units sanity"    only those stages (default: all three)
#
# Each line gets a venv under build/compat/<line>/ with that ansible-core
# and requirements.txt's pytest, made again when the pins change; the stage
# scripts run with it through GS_VENV (and GS_SANITY_WORK, so that each
# line's sanity copy, tools and artifact stay apart from the others').
# Prints a table of the results and the time each took.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

# The newest patch release of each line. 2.19 is .venv's (requirements.txt)
# and the other stages test it. 2.20 and later need Python >= 3.12.
host_cores=(2.16.20 2.17.14 2.18.19)
trixie_cores=(2.20.10 2.21.6 2.22.0)
read -ra parts <<< "${GS_COMPAT_PARTS:-units sanity playbooks}"
pytest_pin=$(grep -E '^pytest==' requirements.txt)

# make_venv CORE DIR: DIR/venv with ansible-core CORE, kept while the pins
# and the Python are the same.
make_venv() {
	local core=$1 dir=$2 want
	want="ansible-core==$core $pytest_pin $(python3 -V 2>&1)"
	if [ "$(cat "$dir/venv/.pins" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	rm -rf "$dir/venv"
	mkdir -p "$dir"
	python3 -m venv "$dir/venv" &&
		"$dir/venv/bin/pip" install -q --upgrade pip &&
		"$dir/venv/bin/pip" install -q "ansible-core==$core" "$pytest_pin" &&
		echo "$want" > "$dir/venv/.pins"
}

# run_core CORE: every part with it; results in build/compat/<line>/result
# as lines "part result seconds" (part "venv" for making the venv).
run_core() {
	local core=$1 line dir part start rc result
	line=${core%.*}
	dir=$top/build/compat/$line
	mkdir -p "$dir"
	: > "$dir/result"
	echo "$core $(python3 -c 'import platform; print(platform.python_version())')" \
		> "$dir/version"
	echo "=== compat $core: venv"
	start=$SECONDS
	if ! make_venv "$core" "$dir"; then
		echo "venv FAILED $((SECONDS - start))" >> "$dir/result"
		return 1
	fi
	echo "venv ok $((SECONDS - start))" >> "$dir/result"
	for part in "${parts[@]}"; do
		echo "=== compat $core: $part"
		start=$SECONDS
		GS_VENV=$dir/venv GS_SANITY_WORK=$dir/sanity "scripts/test-$part.sh"
		rc=$?
		result=ok
		[ "$rc" -eq 0 ] || result=FAILED
		echo "$part $result $((SECONDS - start))" >> "$dir/result"
		echo "=== compat $core: $part $result ($((SECONDS - start)) s)"
	done
}

table() {
	local core line version python part result secs total all=ok
	echo
	echo "Compat (seconds each; venv: making the line's venv, 0 when cached):"
	printf '  %-6s %-8s %-7s' line core python
	printf ' %-14s' venv "${parts[@]}"
	printf ' %6s\n' total
	for core in "$@"; do
		line=${core%.*}
		read -r version python < "build/compat/$line/version" 2>/dev/null ||
			{ version=$core python=-; }
		printf '  %-6s %-8s %-7s' "$line" "$version" "$python"
		total=0
		for part in venv "${parts[@]}"; do
			read -r result secs < <(awk -v p="$part" '$1 == p { print $2, $3 }' \
				"build/compat/$line/result" 2>/dev/null)
			if [ -z "${result:-}" ]; then
				result=FAILED secs=-
			else
				total=$((total + secs))
			fi
			[ "$result" = ok ] || all=FAILED
			printf ' %-14s' "$result ${secs}s"
			result=
		done
		printf ' %5ss\n' "$total"
	done
	echo "compat: $all"
	[ "$all" = ok ]
}

if [ $# -gt 0 ]; then
	for core in "$@"; do
		run_core "$core"
	done
	table "$@"
	exit
fi

# By default only the floor, requires_ansible's 2.16: the suite has time for
# one line beside the VMs, and the oldest is the one a newer construct
# breaks. GS_COMPAT_ALL=1 runs 2.17 and 2.18 as well.
cores=("${host_cores[0]}")
[ "${GS_COMPAT_ALL:-0}" != 1 ] || cores=("${host_cores[@]}")
for core in "${cores[@]}"; do
	run_core "$core"
done
if [ "${GS_COMPAT_TRIXIE:-0}" = 1 ]; then
	cores+=("${trixie_cores[@]}")
	echo "=== compat: Debian 13 root"
	start=$SECONDS
	scripts/trixie-root.sh build
	echo "=== compat: Debian 13 root ready ($((SECONDS - start)) s)"
	scripts/trixie-root.sh run env GS_COMPAT_PARTS="${parts[*]}" \
		scripts/test-compat.sh "${trixie_cores[@]}"
fi
table "${cores[@]}"
