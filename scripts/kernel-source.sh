#!/usr/bin/env bash
# The Debian source tarball of a kernel line: prints the path of a
# linux-source-<line>.tar.xz. 6.1 is the host's own (Debian 12, installed by
# scripts/bootstrap.sh from scripts/apt/); the other lines come from the
# Debian suite that carries them, downloaded with a private apt
# configuration (the host's sources are not touched) and cached in
# /var/cache/oomgs/sources, keyed by the package version. Needs root (apt's
# cache) and deb.debian.org.
set -euo pipefail
line=${1:?usage: kernel-source.sh LINE (6.1, 6.12 or 7.3)}
case $line in
6.1)
	f=/usr/src/linux-source-6.1.tar.xz
	[ -r "$f" ] || { echo "kernel-source: $f missing: run scripts/bootstrap.sh" >&2; exit 1; }
	echo "$f"
	exit 0
	;;
6.12) suites=(trixie) ;;
7.3) suites=(trixie trixie-backports) ;;
*) echo "kernel-source: no Debian suite known for line $line" >&2; exit 2 ;;
esac

root=/var/cache/oomgs/sources
apt_dir=$root/apt-$line
mkdir -p "$apt_dir"/{lists/partial,archives/partial,cache}
list=$apt_dir/sources.list
: > "$list"
for s in "${suites[@]}"; do
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $s main" >> "$list"
done
opts=(-o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=/nonexistent
	-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
	-o Dir::Cache::Archives="$apt_dir/archives" -o APT::Default-Release=
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
pkg=linux-source-$line
# Refresh the lists at most once a day: the build key follows the version.
if [ -z "$(find "$apt_dir/lists" -name '*Packages*' -mtime -1 -print -quit)" ]; then
	apt-get "${opts[@]}" -qq update >&2
fi
version=$(apt-cache "${opts[@]}" policy "$pkg" | sed -n 's/^ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	echo "kernel-source: $pkg not found in ${suites[*]}" >&2
	exit 1
fi
out=$root/$pkg-$version.tar.xz
if [ ! -s "$out" ]; then
	work=$(mktemp -d "$root/.get.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get "${opts[@]}" -qq download "$pkg=$version" >&2)
	dpkg-deb --fsys-tarfile "$work"/"${pkg}"_*.deb |
		tar -x -O -f - "./usr/src/$pkg.tar.xz" > "$work/src.tar.xz"
	mv "$work/src.tar.xz" "$out"
fi
echo "$out"
