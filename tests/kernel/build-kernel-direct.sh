#!/usr/bin/env bash
# Build a test-only kernel variant (bzImage) directly from Debian's
# linux-source-<line>, with ccache: the debug build, the unpatched build and
# the lab config of the lines no VM boots (GS_KERNEL_LINE=6.12 or 7.3). The
# lab kernel the VMs boot comes from the kernel_build role (build-kernel.sh,
# which hands these variants to this script).
#
# The build directory is keyed by content (source tarball, series and every
# patch in it, every config fragment, this script), so a stale build is never
# reused. Prints the build directory (holding bzImage and config) on stdout.
#
# Environment (on 6.1, at least one of the first two):
#   GS_KERNEL_DEBUG=1      also merge tests/kernel/config/debug.config
#   GS_KERNEL_UNPATCHED=1  no series and no graceful_shutdown.config (used
#                          only to prove the pipeline before the patch exists)
#   GS_KERNEL_LINE         6.1 (default), 6.12 or 7.3: the series of
#                          files/kernel/patches/<line> on Debian's
#                          linux-source-<line> (scripts/kernel-source.sh)
#   GS_KERNEL_SOURCE       source tarball (default Debian's, for the line)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

kline=${GS_KERNEL_LINE:-6.1}
source_tar=${GS_KERNEL_SOURCE:-$(scripts/kernel-source.sh "$kline")}
patch_dir=files/kernel/patches/$kline
series=$patch_dir/series
fragments=(files/kernel/config/lab.config)
[ "${GS_KERNEL_UNPATCHED:-0}" = 1 ] ||
	fragments+=(files/kernel/config/graceful_shutdown.config)
[ "${GS_KERNEL_DEBUG:-0}" != 1 ] || fragments+=(tests/kernel/config/debug.config)

log() { echo "build-kernel-direct: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "${GS_KERNEL_DEBUG:-0}" = 1 ] || [ "${GS_KERNEL_UNPATCHED:-0}" = 1 ] ||
	[ "$kline" != 6.1 ] ||
	die "builds only GS_KERNEL_DEBUG=1 or GS_KERNEL_UNPATCHED=1 variants of 6.1; its lab kernel comes from tests/kernel/build-kernel.sh (kernel_build role)"

[ -r "$source_tar" ] || die "$source_tar missing (scripts/kernel-source.sh $kline)"
for f in "${fragments[@]}"; do
	[ -r "$f" ] || die "config fragment $f missing"
done

patches=()
if [ "${GS_KERNEL_UNPATCHED:-0}" != 1 ]; then
	[ -r "$series" ] || die "$series missing (patch series not merged yet?)"
	while read -r p _; do
		case "$p" in '' | '#'*) continue ;; esac
		[ -r "$patch_dir/$p" ] || die "$series names $p, not in $patch_dir"
		patches+=("$patch_dir/$p")
	done < "$series"
	[ ${#patches[@]} -gt 0 ] || die "$series lists no patches"
fi

# Content key: the tarball's bytes, the series, each patch, each fragment and
# this script (which decides how they are combined).
src_sum=$(sha256sum "$source_tar" | cut -d' ' -f1)
key=$( {
	echo "source $src_sum"
	echo "unpatched ${GS_KERNEL_UNPATCHED:-0}"
	for f in "${patches[@]}" "${fragments[@]}" "$0"; do
		echo "$(basename "$f") $(sha256sum < "$f")"
	done
	[ ${#patches[@]} -eq 0 ] || sha256sum < "$series"
} | sha256sum | cut -c1-16)
variant=lab
[ "${GS_KERNEL_DEBUG:-0}" != 1 ] || variant=debug
[ "$kline" = 6.1 ] || variant=$variant-$kline
[ "${GS_KERNEL_UNPATCHED:-0}" != 1 ] || variant=$variant-unpatched
out=$top/build/kernel/$variant-$key
tree=$out/linux

if [ -f "$out/DONE" ] && [ -f "$out/bzImage" ]; then
	log "reusing $out"
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
log "unpacking $source_tar into $tree"
tar -C "$out" -xJf "$source_tar"
mv "$out"/linux-source-"$kline" "$tree"

for p in "${patches[@]}"; do
	log "applying $p"
	patch -d "$tree" -p1 --forward --fuzz=0 --no-backup-if-mismatch \
		< "$p" >&2 || die "$p does not apply cleanly"
done

kmake() {
	make -C "$tree" ARCH=x86_64 KBUILD_BUILD_USER=oomgs \
		KBUILD_BUILD_HOST=lab KBUILD_BUILD_TIMESTAMP="$src_sum" "$@"
}

log "configuring: allnoconfig + ${fragments[*]}"
kmake -s allnoconfig >&2
(cd "$tree" && scripts/kconfig/merge_config.sh -m .config \
	"${fragments[@]/#/$top/}" >&2)
kmake -s olddefconfig >&2

# Every option our fragments ask for must have survived olddefconfig: an
# option dropped for an unmet dependency would silently change the kernel.
# An option this kernel does not define at all is skipped: lab.config also
# serves the 5.4 line (CONFIG_MEMCG_SWAP, gone in 6.1).
# An option a line's Kconfig defines but can no longer offer on x86_64 is
# skipped too, by name and line: 7.3's x86 has lazy preemption
# (ARCH_HAS_PREEMPT_LAZY) and its PREEMPT_VOLUNTARY depends on the absence
# of it, so the preemption choice falls to its default, PREEMPT_LAZY.
not_offered=()
case $kline in
7.*) not_offered=(CONFIG_PREEMPT_VOLUNTARY) ;;
esac
defined=$(find "$tree" -name 'Kconfig*' -exec \
	sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Za-z0-9_]*\).*/\2/p' {} + |
	sort -u)
missing=0
for f in "${fragments[@]}"; do
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) opt=${line%%=*} ;;
		'# CONFIG_'*' is not set') opt=${line#\# } opt=${opt%% *} ;;
		*) continue ;;
		esac
		grep -qx "${opt#CONFIG_}" <<<"$defined" || continue
		if [[ " ${not_offered[*]} " == *" $opt "* ]]; then
			log "$f: '$line' not offered by $kline, skipped"
			continue
		fi
		got=$(grep -E "^($opt=|# $opt is not set)" "$tree/.config" || true)
		if [ "$line" = "# $opt is not set" ] && [ -z "$got" ]; then
			continue # not offered at all, so off
		fi
		if [ "$got" != "$line" ]; then
			log "$f: wanted '$line', got '${got:-<absent>}'"
			missing=$((missing + 1))
		fi
	done < "$f"
done
[ "$missing" -eq 0 ] || die "$missing fragment option(s) did not survive"
cp "$tree/.config" "$out/config"

log "building bzImage with ccache (-j$(nproc))"
start=$SECONDS
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/oomgs/ccache}
export CCACHE_BASEDIR=$tree CCACHE_NOHASHDIR=true
mkdir -p "$CCACHE_DIR"
ccache --max-size=10G > /dev/null
kmake -j"$(nproc)" CC="ccache gcc" bzImage >&2 ||
	die "kernel build failed (see above)"
cp "$tree/arch/x86/boot/bzImage" "$out/bzImage"
echo "$((SECONDS - start))" > "$out/build-seconds"
log "built in $((SECONDS - start)) s: $out/bzImage"
touch "$out/DONE"
echo "$out"
