#!/usr/bin/env bash
# Times the two ways of building pairboot's live image, side by side, from the same package lists:
#   A. scripts/build-iso.sh: the root filesystem from debootstrap + apt (scripts/build-rootfs.sh, here
#      into a scratch directory), then the live layers, initrd and grub-mkrescue on top of it;
#   B. live-build (lb config + lb build, Debian's own tool): the same packages (scripts/rootfs/packages.txt
#      plus iso/packages.txt), the same pairboot layer (Node and the bundle) as includes.chroot, an
#      iso-hybrid image with GRUB for BIOS and UEFI.
# Each is timed cold (.debs already downloaded, so both measure build work, not the mirror) and again
# after a change to pairboot's own files, the case a developer repeats all day. Prints both with sizes.
# Needs root, the Debian mirror and about 8 GiB in /tmp. Installs live-build when it is missing.
#
#   scripts/bench-iso.sh [--keep]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
# shellcheck source=scripts/cache-dir.sh
. scripts/cache-dir.sh
# shellcheck source=scripts/rootfs/release.sh
. "$here/rootfs/release.sh"
mirror="${PAIRBOOT_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${PAIRBOOT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
keep=0
[ "${1:-}" = "--keep" ] && keep=1
[ "$(id -u)" -eq 0 ] || { echo "bench-iso: must run as root" >&2; exit 1; }
bash "$here/host-deps.sh"
if ! command -v lb >/dev/null; then
  echo "bench-iso: installing live-build (only this benchmark uses it)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends live-build >/dev/null
fi

work="$(mktemp -d /tmp/pb-bench-iso-XXXXXX)"
cleanup() {
  set +e
  # lb leaves /proc, /sys, /dev/pts mounted in its chroot when it fails.
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  if [ "$keep" -eq 0 ]; then rm -rf --one-file-system "$work"; else echo "bench-iso: kept $work"; fi
}
trap cleanup EXIT
secs() { echo $(($2 - $1)); }
mib() { echo $(($(stat -c %s "$1") / 1048576)); }

# The cached .debs of the root filesystem (build-rootfs.sh keeps them) serve both builds.
bash "$here/build-rootfs.sh" >/dev/null
bash "$here/build-iso.sh" >/dev/null
archives="$repo/.cache/apt-archives"

# --- A: pairboot's own build -----------------------------------------------------------------------
echo "bench-iso: A. scripts/build-rootfs.sh into a scratch directory (debootstrap + apt from cached .debs)"
t0=$(date +%s)
bash "$here/build-rootfs.sh" --out "$work/rootfs" --force >"$work/a-rootfs.log" 2>&1
t1=$(date +%s)
echo "bench-iso: A. scripts/build-iso.sh --force (layers, initrd, grub-mkrescue)"
bash "$here/build-iso.sh" --force --out "$work/a.iso" >"$work/a-iso.log" 2>&1
t2=$(date +%s)
a_cold=$(($(secs "$t0" "$t1") + $(secs "$t1" "$t2")))
# build-iso.sh re-bundles pairboot on every run: a second run is the after-a-change figure.
t3=$(date +%s)
bash "$here/build-iso.sh" --out "$work/a.iso" >"$work/a-iso2.log" 2>&1
t4=$(date +%s)
a_change=$(secs "$t3" "$t4")
a_size=$(mib "$work/a.iso")
rm -rf "$work/rootfs" "$work/rootfs.squashfs"

# --- B: live-build -------------------------------------------------------------------------------
lbdir="$work/lb"
mkdir -p "$lbdir"
cd "$lbdir"
lb_config=(
  --distribution "$suite" --architectures amd64 --archive-areas main
  --mode debian --system live --binary-images iso-hybrid --bootloaders "grub-pc grub-efi"
  --debian-installer none --apt-recommends false --apt-indices false --firmware-binary false
  --firmware-chroot false --memtest none --updates true --security true --source false
  --linux-flavours amd64 --chroot-squashfs-compression-type zstd
  --mirror-bootstrap "$mirror" --mirror-chroot "$mirror" --mirror-binary "$mirror"
  --mirror-chroot-security "$security_mirror" --mirror-binary-security "$security_mirror"
  --debootstrap-options "--variant=minbase"
  --bootappend-live "boot=live init_on_alloc=0"
)
lb config "${lb_config[@]}" >"$work/b-config.log" 2>&1
{
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$repo/scripts/rootfs/packages.txt" "$repo/iso/packages.txt" | grep -v '^$'
} >config/package-lists/pairboot.list.chroot
# pairboot's layer (Node, the bundle, the console units) goes in as files, as build-iso.sh puts it in.
layer="$(find "$iso_cache" -maxdepth 1 -name "pairboot-*.squashfs" -printf "%T@ %p\n" | sort -rn | head -1 | cut -d" " -f2-)"
unsquashfs -q -f -d config/includes.chroot "$layer" >/dev/null
# The .debs already downloaded: live-build takes them from its package cache instead of the mirror.
mkdir -p cache/packages.bootstrap cache/packages.chroot
cp "$archives"/*.deb cache/packages.bootstrap/ 2>/dev/null || true
cp "$archives"/*.deb cache/packages.chroot/ 2>/dev/null || true
cp "$iso_cache"/debs-*/*.deb cache/packages.chroot/ 2>/dev/null || true

echo "bench-iso: B. lb build (cold)"
t5=$(date +%s)
lb build >"$work/b-build.log" 2>&1 || { tail -30 "$work/b-build.log"; echo "bench-iso: lb build failed ($work/b-build.log)" >&2; keep=1; exit 1; }
t6=$(date +%s)
b_cold=$(secs "$t5" "$t6")
b_iso="$(find "$lbdir" -maxdepth 1 -name "*.iso" | head -1)"
b_size=$(mib "$b_iso")
echo "bench-iso: B. lb clean + lb build after a change to pairboot's files (bootstrap cached)"
touch config/includes.chroot/opt/pairboot/live/console.sh
t7=$(date +%s)
# lb clean keeps the cached bootstrap stage and the package cache; the config must be made again.
lb clean >"$work/b-clean.log" 2>&1
lb config "${lb_config[@]}" >>"$work/b-clean.log" 2>&1
lb build >"$work/b-build2.log" 2>&1 || { tail -30 "$work/b-build2.log"; echo "bench-iso: lb rebuild failed" >&2; keep=1; exit 1; }
t8=$(date +%s)
b_change=$(secs "$t7" "$t8")
cd "$repo"

printf '\n%-46s %18s %14s\n' "live image build (2 cores, .debs cached)" "build-iso.sh" "live-build"
printf '%-46s %16s s %12s s\n' "cold: debootstrap, packages, image" "$a_cold" "$b_cold"
printf '%-46s %16s s %12s s\n' "after a change to pairboot's own files" "$a_change" "$b_change"
printf '%-46s %14s MiB %10s MiB\n' "ISO size" "$a_size" "$b_size"
