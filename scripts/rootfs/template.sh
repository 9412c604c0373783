#!/usr/bin/env bash
# Turns a freshly installed tree ($WORK, chroot-ready: proc/sys/dev mounted) into a template that
# any node, and the live system, can start from. Nothing node-specific stays in it; the installer
# (or the live image build) writes identity, network and service states.
# Called by scripts/build-rootfs.sh; part of its cache key.
set -euo pipefail
: "${WORK:?WORK must point at the tree}"
root="$WORK"

# Identity. debootstrap copies the build host's hostname and resolv.conf: replace both.
echo localhost >"$root/etc/hostname"
cat >"$root/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
HOSTS
printf '# written by the pairboot installer\n' >"$root/etc/resolv.conf"
printf '# written by the pairboot installer\n' >"$root/etc/fstab"

# machine-id: an EMPTY file, the Debian convention for images. systemd then makes a new id on
# every boot of the template itself (the live system) and writes it to the file once the root
# is writable, without the "first boot" semantics (preset-all) that the string "uninitialized"
# would trigger. dbus's copy goes too, or it would be adopted as the machine id.
: >"$root/etc/machine-id"
chmod 0444 "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

# Secrets and per-machine state made by package scripts in the build chroot.
rm -f "$root"/etc/ssh/ssh_host_*
rm -f "$root/var/lib/systemd/random-seed" "$root/var/lib/systemd/credential.secret"

# Locale: C.UTF-8 needs no locale-gen; the installer may generate others (locales is installed).
echo 'LANG=C.UTF-8' >"$root/etc/default/locale"

# initramfs-tools compresses with zstd only if zstd was already installed when the trigger ran;
# zstd decompresses much faster than gzip, which matters for every boot under TCG.
for img in "$root"/boot/initrd.img-*; do
  [ -e "$img" ] || continue
  if [ "$(head -c4 "$img" | od -An -tx1 | tr -d ' \n')" != "28b52ffd" ]; then
    ver="${img##*/initrd.img-}"
    chroot "$root" update-initramfs -u -k "$ver"
  fi
done

# Package indexes are big and stale by the time anyone uses the image; apt-get update restores them.
find "$root/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
# Build-time logs say nothing about the node.
find "$root/var/log" -type f \( -name '*.log' -o -name '*.gz' \) -delete
rm -f "$root/root/.bash_history"
# /run and /tmp are tmpfs at boot; what package scripts left there would only hide under them.
# (The build mounts nothing on them, so these are plain directories here.)
find "$root/run" "$root/tmp" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
