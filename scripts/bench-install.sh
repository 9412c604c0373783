#!/usr/bin/env bash
# Times the two ways of putting the same Debian 12 node onto a disk, each onto its own 12 GiB sparse
# image on a loop device:
#   A. pairboot install: partition, copy the ready-made root (.cache/rootfs-RELEASE, PAIRBOOT_RELEASE as in scripts/build-rootfs.sh), configure, GRUB x2;
#   B. the d-i/FAI way: partition, mkfs, debootstrap minbase, apt-get install of the same package set
#      (scripts/rootfs/packages.txt), GRUB. B reads .debs from the cache in .cache/apt-archives when
#      they are there, so it measures install work, not the download.
# Prints both times and the ratio. Needs root and the cached rootfs (scripts/build-rootfs.sh).
#
#   scripts/bench-install.sh [--keep]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/rootfs/release.sh
. "$here/rootfs/release.sh"
mirror="${PAIRBOOT_MIRROR:-http://deb.debian.org/debian}"
[ "$(id -u)" -eq 0 ] || { echo "bench-install: must run as root" >&2; exit 1; }
[ -d "$rootfs_cache/etc" ] || bash "$here/build-rootfs.sh"

work="$(mktemp -d /tmp/pb-bench-XXXXXX)"
loops=()
mnt="$work/mnt"
cleanup() {
  set +e
  if mountpoint -q "$mnt"; then umount -R "$mnt"; fi
  if mountpoint -q "$work/target"; then umount -R "$work/target"; fi
  for l in "${loops[@]}"; do losetup -d "$l"; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
# Sets LOOP to a fresh 12 GiB loop device on IMAGE. Not called inside $(...): a subshell's loops+=()
# never reaches this shell, and the clean-up would leave the device attached.
attach() {
  truncate -s 12G "$1"
  LOOP="$(losetup -f --show -P "$1")"
  loops+=("$LOOP")
}

# --- A: pairboot install -----------------------------------------------------------------------
attach "$work/a.img"
loopA=$LOOP
sed "s|disk: { model: \"QEMU HARDDISK\*\", min_size: 8GiB }|disk: { path: $loopA }|" \
  "$repo/examples/seed.yaml" >"$work/answer.yaml"
echo "bench-install: A. pairboot install onto $loopA"
t0=$(date +%s.%N)
node "$repo/bin/pairboot.js" install --answer "$work/answer.yaml" --node node-a \
  --disk "$loopA" --source "$rootfs_cache" --target "$work/target" --restart >"$work/a.out" 2>&1 ||
  { tail -n 30 "$work/a.out"; exit 1; }
tA=$(echo "$(date +%s.%N) - $t0" | bc)

# --- B: debootstrap + apt-get, the way d-i and FAI install ---------------------------------------
attach "$work/b.img"
loopB=$LOOP
echo "bench-install: B. debootstrap + apt-get onto $loopB"
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/rootfs/packages.txt" | grep -v '^$')
t0=$(date +%s.%N)
{
  sfdisk "$loopB" <<EOF
label: gpt
start=1MiB, size=1MiB, type=21686148-6449-6E6F-744E-656564454649
start=2MiB, size=512MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
start=514MiB, size=5GiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709
start=5634MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
EOF
  partx -u "$loopB" || true
  mkfs.vfat -F 32 "${loopB}p2"
  mkfs.ext4 -F -q "${loopB}p3"
  mkdir -p "$mnt"
  mount "${loopB}p3" "$mnt"
  debootstrap --variant=minbase --arch=amd64 --cache-dir="$repo/.cache/apt-archives" "$suite" "$mnt" "$mirror"
  printf 'deb %s %s main\n' "$mirror" "$suite" >"$mnt/etc/apt/sources.list"
  printf '#!/bin/sh\nexit 101\n' >"$mnt/usr/sbin/policy-rc.d" && chmod 0755 "$mnt/usr/sbin/policy-rc.d"
  mount -t proc proc "$mnt/proc" && mount --rbind /sys "$mnt/sys" && mount --make-rslave "$mnt/sys"
  mount --rbind /dev "$mnt/dev" && mount --make-rslave "$mnt/dev"
  mkdir -p "$mnt/var/cache/apt/archives" && mount --bind "$repo/.cache/apt-archives" "$mnt/var/cache/apt/archives"
  cp /etc/resolv.conf "$mnt/etc/resolv.conf"
  in_root() { chroot "$mnt" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"; }
  in_root apt-get update -q
  in_root apt-get -y -q --no-install-recommends install "${packages[@]}"
  in_root grub-install --target=i386-pc "$loopB"
  in_root update-grub
  umount -R "$mnt"
} >"$work/b.out" 2>&1 || { tail -n 30 "$work/b.out"; exit 1; }
tB=$(echo "$(date +%s.%N) - $t0" | bc)

printf '\n%-44s %8s\n' "method" "seconds"
printf '%-44s %8.1f\n' "A. pairboot install (copy ready root)" "$tA"
printf '%-44s %8.1f\n' "B. debootstrap + apt-get (d-i/FAI way)" "$tB"
printf '%-44s %8.2fx\n' "B / A" "$(echo "$tB / $tA" | bc -l)"
if [ "${1:-}" = "--keep" ]; then trap - EXIT; echo "kept: $work (${loops[*]})"; fi
