#!/usr/bin/env bash
# Builds the Debian root filesystem that pairboot installs onto a node (and that the live image
# boots from later): every package the installed node needs, so installing needs no network.
#
#   [PAIRBOOT_RELEASE=trixie|bookworm] scripts/build-rootfs.sh [--out DIR] [--force]
#
# PAIRBOOT_RELEASE: the Debian release (default trixie, the first of scripts/rootfs/releases.txt).
# Output (default DIR = .cache/rootfs-RELEASE, see scripts/rootfs/release.sh):
#   DIR/            the tree (owned by root); its /etc/pairboot/build names the release and build date
#   DIR.squashfs    the same tree as squashfs (zstd), an install source
#   DIR.stamp       cache key, release + the installed package set (dpkg-query)
# The tree is rebuilt only when the release, scripts/rootfs/packages.txt or scripts/rootfs/template.sh
# change (their hash is the cache key). Downloaded .debs are kept in .cache/apt-archives, so a rebuild
# downloads nothing that is already there. Two builds at once take turns. Needs root and the Debian mirror.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/rootfs/release.sh
. "$here/rootfs/release.sh"
out="$rootfs_cache"
force=0
mirror="${PAIRBOOT_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${PAIRBOOT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --force) force=1; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-rootfs: unknown argument: $1" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "build-rootfs: must run as root (debootstrap, chroot, mounts)" >&2
  exit 1
fi
for tool in debootstrap mksquashfs chroot sha256sum flock; do
  command -v "$tool" >/dev/null || { echo "build-rootfs: missing host tool: $tool (run scripts/host-deps.sh)" >&2; exit 1; }
done

out="$(realpath -m "$out")"
stamp="$out.stamp"
squash="$out.squashfs"
archives="$repo/.cache/apt-archives"
pkgfile="$here/rootfs/packages.txt"
template="$here/rootfs/template.sh"

mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$pkgfile" | grep -v '^$')
key="$({ echo "release: $release"; cat "$pkgfile" "$template"; } | sha256sum | cut -c1-16)"

up_to_date() {
  [ "$force" -eq 0 ] && [ -f "$stamp" ] && [ -f "$squash" ] && [ -d "$out" ] &&
    [ "$(sed -n 's/^key: //p' "$stamp")" = "$key" ]
}
if up_to_date; then
  echo "build-rootfs: up to date ($release: $out, key $key)"
  exit 0
fi
# One build at a time (tests start this script in parallel; all builds share the .deb cache, whose lock apt
# does not wait for). Whoever waited finds the tree the other one built.
mkdir -p "$(dirname "$out")"
exec {lock_fd}>"$(dirname "$out")/build-rootfs.lock"
if ! flock -n "$lock_fd"; then
  echo "build-rootfs: another build is running; waiting for it"
  flock "$lock_fd"
  if up_to_date; then
    echo "build-rootfs: up to date ($release: $out, key $key)"
    exit 0
  fi
fi

start=$(date +%s)
work="$out.tmp"
mkdir -p "$(dirname "$out")" "$archives/partial"

# Everything mounted under $work is listed here so that cleanup can unmount it (reverse order)
# before anything is deleted: an rm -rf through a bind mount of /dev would wreck the host.
mounts=()
unmount_all() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null || true
  done
  mounts=()
}
still_mounted() {
  # any mount point at or below $work?
  awk -v p="$work" '$2 == p || index($2, p "/") == 1 { found = 1 } END { exit !found }' /proc/mounts
}
remove_work() {
  unmount_all
  if still_mounted; then
    echo "build-rootfs: something is still mounted under $work; not deleting it" >&2
    return 1
  fi
  rm -rf --one-file-system "$work"
}
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "build-rootfs: FAILED (exit $rc); cleaning up $work" >&2
    remove_work || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

bind() { # bind SRC DEST-inside-work
  mkdir -p "$work$2"
  mount --bind "$1" "$work$2"
  mounts+=("$work$2")
}

# A leftover from an interrupted run is useless: start clean.
if [ -e "$work" ]; then remove_work; fi

echo "build-rootfs: debootstrap $suite (minbase) into $work"
t0=$(date +%s)
debootstrap --variant=minbase --arch=amd64 --cache-dir="$archives" "$suite" "$work" "$mirror"
echo "build-rootfs: debootstrap took $(($(date +%s) - t0)) s"

# apt inside the chroot: its own sources (with security updates), never start services,
# answer every debconf question with its default.
cat >"$work/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF
printf '#!/bin/sh\n# pairboot build: no service starts inside the build chroot\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 0755 "$work/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$work/etc/resolv.conf"

mount -t proc proc "$work/proc" && mounts+=("$work/proc")
mount -t sysfs sysfs "$work/sys" && mounts+=("$work/sys")
bind /dev /dev
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$work/dev/pts" && mounts+=("$work/dev/pts")
# The shared .deb cache: apt downloads straight into it and finds what earlier builds fetched.
bind "$archives" /var/cache/apt/archives

in_root() { chroot "$work" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"; }

echo "build-rootfs: apt-get install ${#packages[@]} packages (no recommends)"
t0=$(date +%s)
in_root apt-get update -q
in_root apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
in_root apt-get -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold install "${packages[@]}"
echo "build-rootfs: apt-get took $(($(date +%s) - t0)) s"

# Every package of the list must really be installed (apt may satisfy a name by a virtual one).
missing=()
for p in "${packages[@]}"; do
  in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-rootfs: not installed: ${missing[*]}" >&2
  exit 1
fi

echo "build-rootfs: making it a template"
WORK="$work" bash "$template"
built="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
kernel="$(basename "$(ls "$work"/boot/vmlinuz-* | sort -V | tail -n1)")"
# What the image was built from, on every node it becomes (the install copies the whole tree). Debian's own
# /etc/os-release stays as the package wrote it: renderers read the release from its VERSION_CODENAME.
mkdir -p "$work/etc/pairboot"
printf 'release: %s\ndebian: %s\nkernel: %s\nbuilt: %s\n' "$release" "$(cat "$work/etc/debian_version")" \
  "${kernel#vmlinuz-}" "$built" >"$work/etc/pairboot/build"
grep -q "^VERSION_CODENAME=$release\$" "$work/etc/os-release" ||
  { echo "build-rootfs: $work/etc/os-release does not name $release" >&2; exit 1; }

# Snapshot of the package set for the stamp, taken while the chroot still works.
pkglist="$(in_root dpkg-query -W -f='${Package} ${Version}\n' | sort)"

unmount_all
rm -f "$work"/var/cache/apt/archives/*.deb "$work"/var/cache/apt/*.bin
rm -f "$work/usr/sbin/policy-rc.d"

# Replace the old result only now that the new one is complete.
if [ -e "$out" ]; then
  old="$out.old"
  rm -rf --one-file-system "$old"
  mv "$out" "$old"
  rm -rf --one-file-system "$old"
fi
mv "$work" "$out"
rm -f "$squash" "$stamp"

echo "build-rootfs: mksquashfs (zstd) -> $squash"
t0=$(date +%s)
mksquashfs "$out" "$squash.tmp" -comp zstd -Xcompression-level 6 -noappend -quiet -no-progress
mv "$squash.tmp" "$squash"
echo "build-rootfs: mksquashfs took $(($(date +%s) - t0)) s"

{
  echo "key: $key"
  echo "built: $built"
  echo "release: $release"
  echo "suite: $suite"
  echo "kernel: $kernel"
  echo "packages:"
  echo "$pkglist"
} >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"

size_tree="$(du -sh --one-file-system "$out" | cut -f1)"
size_squash="$(du -sh "$squash" | cut -f1)"
npk="$(echo "$pkglist" | wc -l)"
echo "build-rootfs: done in $(($(date +%s) - start)) s ($release): $out ($size_tree, $npk packages), $squash ($size_squash)"
