#!/usr/bin/env bash
# Installs the Debian packages pairboot's tests, lab and image build need on the host (root, apt-get).
# Safe to run again: it installs only what is missing.
set -euo pipefail
PKGS=(
  debootstrap qemu-system-x86 qemu-utils ovmf
  drbd-utils heartbeat nfs-kernel-server chrony ifupdown ifenslave
  partclone gdisk fdisk dosfstools e2fsprogs xfsprogs squashfs-tools zstd
  grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools cpio
  # the keys of every release pairboot builds (build-iso.sh's apt state of its own checks the release's indexes)
  debian-archive-keyring
  shellcheck iproute2 bridge-utils dnsmasq-base socat netcat-openbsd tmux rsync acl attr kmod openssl util-linux
  # fencing tests: a simulated BMC (ipmi_sim) and the IPMI client cluster-glue's external/ipmi plugin runs
  openipmi ipmitool cluster-glue
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "pairboot: these host packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
echo "pairboot: installing host packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# --no-install-recommends: heartbeat recommends pacemaker, which would pull in and enable corosync.
apt-get install -y -q --no-install-recommends "${missing[@]}"
