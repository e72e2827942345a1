#!/usr/bin/env bash
# A Debian 13 (trixie) root for the compat stage's ansible-core lines that
# need Python >= 3.12 (scripts/test-compat.sh, GS_COMPAT_TRIXIE=1).
#
#   scripts/trixie-root.sh build        make it (or reuse it), print its path
#   scripts/trixie-root.sh run CMD...   run CMD in it, as root, with the
#                                       work tree at the same path
#
# It is made with debootstrap from the host's own Debian mirror (the one
# apt is configured with, not a hard-coded one), kept under /var/cache/oomgs/
# and made again only when the package list below changes. "run" works in
# a private mount namespace (unshare), so its bind mounts (/dev for
# /dev/fuse, /proc, /sys, the work tree) go away with it. Needs root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

root=${GS_TRIXIE_ROOT:-/var/cache/oomgs/trixie-root}
suite=trixie
# python3-venv: the ansible-core venvs; git, rsync: test-sanity.sh;
# python3-fusepy, libfuse2t64, fuse3: the playbooks stage's FUSE registry;
# grub-common (grub-script-check), shellcheck: unit tests of the roles.
packages=(python3 python3-venv ca-certificates git rsync
	python3-fusepy libfuse2t64 fuse3 grub-common shellcheck)

# The Debian mirror the host's apt uses (sources.list or deb822 .sources).
host_mirror() {
	# shellcheck disable=SC2016 # apt's own $(...) fields
	local fmt='$(REPO_URI) $(ORIGIN) $(RELEASE)' uri
	uri=$(apt-get indextargets --format "$fmt" 'Identifier: Packages' |
		awk '$2 == "Debian" && $3 !~ /-/ { print $1; exit }')
	if [ -z "$uri" ]; then
		# ORIGIN comes from the Release files: none yet on a fresh machine.
		apt-get update -qq
		uri=$(apt-get indextargets --format "$fmt" 'Identifier: Packages' |
			awk '$2 == "Debian" && $3 !~ /-/ { print $1; exit }')
	fi
	[ -n "$uri" ] || {
		echo "trixie-root: no Debian mirror in the host's apt sources" >&2
		exit 1
	}
	echo "$uri"
}

build() {
	local want stamp tmp mirror
	want="$suite ${packages[*]}"
	stamp=$root/.oomgs-trixie-root
	if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		echo "$root"
		return 0
	fi
	command -v debootstrap > /dev/null || {
		echo "trixie-root: debootstrap missing (scripts/apt/compat.txt)" >&2
		exit 1
	}
	mirror=$(host_mirror)
	echo "trixie-root: debootstrap $suite from $mirror into $root" >&2
	mkdir -p "$(dirname "$root")"
	tmp=$(mktemp -d "$root.new.XXXXXX")
	local IFS=,
	debootstrap --variant=minbase --include="${packages[*]}" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$suite" "$tmp" "$mirror" >&2 || {
		rm -rf "$tmp"
		exit 1
	}
	unset IFS
	rm -rf "$tmp/var/cache/apt/archives/"*.deb
	echo "$want" > "$tmp/.oomgs-trixie-root"
	rm -rf "$root"
	mv "$tmp" "$root"
	echo "$root"
}

run() {
	build > /dev/null
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# The host's local CAs (a proxy's, say), for pip to reach PyPI as the
	# host does.
	local cas=/usr/local/share/ca-certificates
	if [ -d "$cas" ] && ! diff -rq "$cas" "$root$cas" > /dev/null 2>&1; then
		rm -rf "$root$cas"
		cp -a "$cas" "$root$cas"
		chroot "$root" update-ca-certificates > /dev/null
	fi
	# And its proxy settings, if any.
	local pass=() name
	for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY \
		NO_PROXY PIP_INDEX_URL PIP_DEFAULT_TIMEOUT; do
		[ -z "${!name:-}" ] || pass+=("$name=${!name}")
	done
	mkdir -p "$root$top"
	# A git worktree's repository lies outside it: git (test-sanity.sh)
	# needs it at the same path, where it gets it read-only.
	local git_dir
	git_dir=$(git -C "$top" rev-parse --path-format=absolute --git-common-dir)
	case $git_dir in "$top"/*) git_dir=$top ;; esac
	mkdir -p "$root$git_dir"
	# shellcheck disable=SC2016 # $1.. are the inner shell's
	exec unshare --mount --propagation private sh -euc '
		root=$1 top=$2 git_dir=$3 pass=$4
		shift 4
		# Its root a mount point, so that unshare works in it too (the
		# playbooks stage registers from a private mount namespace).
		mount --bind "$root" "$root"
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount -t tmpfs tmpfs "$root/tmp"
		mount --bind "$top" "$root$top"
		if [ "$git_dir" != "$top" ]; then
			mount --bind "$git_dir" "$root$git_dir"
			mount -o remount,bind,ro "$root$git_dir"
		fi
		cd "$top"
		exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM=dumb GS_IN_TRIXIE_ROOT=1 \
			PIP_CERT=/etc/ssl/certs/ca-certificates.crt $pass \
			sh -c "cd \"\$0\" && exec \"\$@\"" "$top" "$@"
	' sh "$root" "$top" "$git_dir" "${pass[*]}" "$@"
}

case ${1:-} in
build) build ;;
run)
	shift
	run "$@"
	;;
*)
	echo "usage: $0 build | run CMD..." >&2
	exit 2
	;;
esac
