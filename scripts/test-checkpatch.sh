#!/usr/bin/env bash
# Stage "checkpatch": lint the kernel patch series in files/kernel/patches/.
#  - scripts/checkpatch.pl --strict, from Debian's linux-source-6.1, reports
#    0 errors, 0 warnings and 0 checks on every patch of every series;
#  - every patch has a subject, a body and a Signed-off-by;
#  - each series file lists exactly the patches of its directory;
#  - the version-independent files are byte-identical across the series;
#  - each series of a line Debian packages (6.1, 6.12) applies to that
#    line's linux-source (scripts/kernel-source.sh) with patch -p1, no fuzz.
# Needs the packages in scripts/apt/kernel-patch.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

patches=files/kernel/patches
series_dirs=("$patches/6.1" "$patches/5.4" "$patches/6.12")
# The lines whose source Debian's archive carries: their series must apply.
debian_lines=(6.1 6.12)
# Files that must not differ between kernel versions.
core_files=(
	mm/oom_graceful.c
	include/linux/oom_graceful.h
	Documentation/admin-guide/mm/oom_graceful_shutdown.rst
)
tarball=${KERNEL_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

# The patch names a quilt series file lists, in order.
series_patches() { # <series dir>
	grep -v '^[[:space:]]*\(#\|$\)' "$1/series" || true
}

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# A pristine source tree, keyed by the tarball's content.
if [ ! -r "$tarball" ]; then
	echo "missing $tarball: install linux-source-6.1 (scripts/bootstrap.sh)" >&2
	exit 1
fi
key=$(sha256sum "$tarball" | cut -c1-16)
src=build/checkpatch/linux-source-6.1-$key
if [ ! -f "$src/.unpacked" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	# checkpatch validates SPDX tags with scripts/spdxcheck.py only in a
	# git work tree, and spdxcheck reads LICENSES/ from HEAD.
	git -C "$src" init -q
	git -C "$src" add -f LICENSES
	git -C "$src" -c user.name=checkpatch -c user.email=checkpatch@invalid \
		commit -q -m "LICENSES for spdxcheck"
	touch "$src/.unpacked"
fi

# checkpatch.pl: one summary line per patch, "total: E errors, W warnings,
# C checks, N lines checked".
for dir in "${series_dirs[@]}"; do
	[ -f "$dir/series" ] || { fail "$dir/series missing"; continue; }
	listed=$(series_patches "$dir")
	present=$(cd "$dir" && find . -maxdepth 1 -name '*.patch' -printf '%f\n' | sort)
	[ "$listed" = "$present" ] ||
		fail "$dir/series does not list exactly the patches in $dir, in order"
	[ -n "$listed" ] || fail "$dir/series lists no patches"

	for name in $listed; do
		patch=$top/$dir/$name
		[ -f "$patch" ] || { fail "$dir/$name listed but missing"; continue; }

		subject=$(sed -n 's/^Subject: *\(\[[^]]*\] *\)\{0,1\}//p' "$patch" | head -n1)
		[[ $subject =~ ^[a-zA-Z0-9_/.-]+:\ [^[:space:]].{8,} ]] ||
			fail "$dir/$name: subject \"$subject\" is not \"subsystem: summary\""
		# the body: text lines between the headers and the Signed-off-by
		body=$(awk '/^$/ && !h { h = 1; next } h && /^Signed-off-by:/ { exit }
			h && NF { n++ } END { print n + 0 }' "$patch")
		[ "$body" -ge 2 ] || fail "$dir/$name: commit message has no body"
		grep -q '^Signed-off-by: [^<]\+ <[^>]\+@[^>]\+>$' "$patch" ||
			fail "$dir/$name: no Signed-off-by"

		# /usr/bin first: checkpatch's spdxcheck.py needs the Debian
		# python3 with python3-ply and python3-git, not a venv's.
		out=$(cd "$src" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
			--strict --color=never "$patch" 2>&1) || true
		total=$(grep '^total:' <<<"$out" || true)
		if grep -q '^Traceback' <<<"$out"; then
			echo "$out" >&2
			fail "$dir/$name: a checkpatch helper script crashed"
		elif [[ $total =~ ^total:\ 0\ errors,\ 0\ warnings,\ 0\ checks, ]]; then
			echo "ok   $dir/$name: $total"
		else
			echo "$out" >&2
			fail "$dir/$name: checkpatch: ${total:-no summary}"
		fi
	done
done

# The per-file diffs of the version-independent files, from each series.
file_diff() { # <series dir> <file>
	local dir=$1 file=$2 name
	while read -r name; do
		awk -v f="$file" '
			/^diff --git / { on = ($3 == "a/" f && $4 == "b/" f) }
			/^-- $/ { on = 0 }
			on' "$dir/$name"
	done < <(series_patches "$dir")
}
for file in "${core_files[@]}"; do
	ref=$(file_diff "${series_dirs[0]}" "$file")
	[ -n "$ref" ] || { fail "${series_dirs[0]} does not add $file"; continue; }
	for dir in "${series_dirs[@]:1}"; do
		if [ "$(file_diff "$dir" "$file")" = "$ref" ]; then
			echo "ok   $file is identical in ${series_dirs[0]} and $dir"
		else
			fail "$file differs between ${series_dirs[0]} and $dir"
		fi
	done
done

# Each Debian line's series applies to its tree with no fuzz. Work on a copy
# of just the files the series touches, taken from the source tarball.
for line in "${debian_lines[@]}"; do
	dir=$patches/$line
	[ -f "$dir/series" ] || { fail "$dir/series missing"; continue; }
	if ! tarball_line=$(scripts/kernel-source.sh "$line"); then
		fail "no linux-source-$line to apply $dir to"
		continue
	fi
	scratch=$(mktemp -d)
	mapfile -t names < <(series_patches "$dir")
	mapfile -t files < <((cd "$dir" && cat "${names[@]}") |
		grep '^--- a/' | cut -c7- | sort -u)
	tar -xJf "$tarball_line" -C "$scratch" --strip-components=1 \
		"${files[@]/#/linux-source-$line/}"
	applied=yes
	for name in "${names[@]}"; do
		if ! out=$(patch -d "$scratch" -p1 -F0 --no-backup-if-mismatch \
			-i "$top/$dir/$name" 2>&1); then
			echo "$out" >&2
			fail "$dir/$name does not apply to linux-source-$line"
			applied=no
			break
		fi
		if grep -q -i 'fuzz' <<<"$out"; then
			echo "$out" >&2
			fail "$dir/$name applies to linux-source-$line only with fuzz"
			applied=no
		fi
	done
	rm -rf "$scratch"
	[ "$applied" = no ] ||
		echo "ok   $dir applies to linux-source-$line with no fuzz"
done

if [ "$failures" -ne 0 ]; then
	echo "checkpatch stage: $failures failure(s)" >&2
	exit 1
fi
echo "checkpatch stage: all patches clean"
