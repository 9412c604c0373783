#!/usr/bin/env bash
# Builds the stick image: the live ISO followed by a FAT32 partition labelled PAIRBOOT (answer files, logs,
# clone images). dd it to a USB stick instead of the plain ISO to get that partition.
#
#   scripts/build-stick.sh [--force] [ISO [IMG]]   (defaults build/pairboot.iso, build/pairboot-stick.img)
#
# PAIRBOOT_STICK_MIB sets the partition's size in MiB (default 1024, at least 64). No root, no loop device:
# the ISO's bytes are copied (sparse), the file grown, a partition appended to the ISO's GPT with sfdisk
# (partition 5 behind build-iso.sh's four; sfdisk moves the backup GPT to the new end), the filesystem
# written at the partition's offset, README.txt put on it with mtools. Of the ISO's bytes only three
# sectors change: the protective MBR (its size), the GPT header and the GPT entry sector of the new
# partition (sectors 0, 1, 21 for build-iso.sh's ISO). ISO may also be one from `pairboot iso embed`.
# Skipped when IMG is newer than ISO and has the size asked for (build-iso.sh rewrites the ISO each run).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
case "${1:-}" in -h | --help) sed -n '2,13p' "$0"; exit 0 ;; -*) echo "build-stick: unknown argument: $1" >&2; exit 2 ;; esac
iso="${1:-$repo/build/pairboot.iso}"
img="${2:-${iso%.iso}-stick.img}"
mib="${PAIRBOOT_STICK_MIB:-1024}"

# FAT32 needs 65525 clusters (33 MiB of 512-byte clusters) and ends at 2 TiB with 512-byte sectors.
if ! [[ "$mib" =~ ^[1-9][0-9]{0,6}$ ]] || [ "$mib" -lt 64 ] || [ "$mib" -ge 2097152 ]; then
  echo "build-stick: PAIRBOOT_STICK_MIB must be a whole number of MiB from 64 to 2097151, not '$mib'" >&2
  exit 2
fi
for tool in sfdisk mkfs.fat mcopy truncate; do
  command -v "$tool" >/dev/null || { echo "build-stick: missing host tool: $tool (run scripts/host-deps.sh)" >&2; exit 1; }
done
[ -f "$iso" ] || { echo "build-stick: no ISO at $iso (run scripts/build-iso.sh)" >&2; exit 1; }

# The partition starts at the first MiB boundary after the ISO's end; 1 MiB behind it holds the backup GPT.
iso_bytes=$(stat -c %s "$iso")
start_mib=$(((iso_bytes + 1048575) / 1048576))
start=$((start_mib * 2048)) # in sectors of 512 bytes, as sfdisk and mkfs.fat count
size=$((mib * 2048))
total=$(((start + size) * 512 + 1048576))
if [ "$force" -eq 0 ] && [ "$img" -nt "$iso" ] && [ "$(stat -c %s "$img")" -eq "$total" ]; then
  echo "build-stick: $img is up to date"
  exit 0
fi

t0=$(date +%s%N)
log="$img.log"
trap 'rm -f "$img.tmp" "$img.readme" "$log"' EXIT
cp --sparse=always "$iso" "$img.tmp"
truncate -s "$total" "$img.tmp"
# Microsoft basic data: what Windows, macOS and Linux all mount as FAT; named PAIRBOOT in the GPT as well.
echo "start=$start, size=$size, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=PAIRBOOT" |
  sfdisk --append --wipe never --wipe-partitions never --no-reread --no-tell-kernel "$img.tmp" >"$log" 2>&1 ||
  { cat "$log" >&2; exit 1; }
# -s: the cluster size mkfs.fat picks for a device of the partition's size (with --offset it goes by the
# whole file's size: below 260 MiB that leaves fewer clusters than FAT32 allows). -h: the sectors before
# the filesystem (the partition's start), as on a partitioned disk.
if [ "$mib" -le 260 ]; then spc=1; elif [ "$mib" -le 8192 ]; then spc=8; elif [ "$mib" -le 16384 ]; then spc=16
elif [ "$mib" -le 32768 ]; then spc=32; else spc=64; fi
mkfs.fat -F 32 -s "$spc" -n PAIRBOOT -h "$start" --offset="$start" "$img.tmp" $((size / 2)) >>"$log" 2>&1 ||
  { cat "$log" >&2; exit 1; }
cat >"$img.readme" <<'EOF'
PAIRBOOT: the writable partition of the pairboot stick.

The pairboot live system mounts it at /run/pairboot/stick. What goes here:

  pairboot.yaml   an answer file for an unattended install. It wins over an answer embedded
                  in the ISO; pairboot.answer= on the kernel command line wins over it.
  answer.yaml     the answer the wizard saved (the older one kept as answer.yaml.bak).
                  It pre-fills the wizard; it never starts an install by itself.
  logs/           every install's log, copied here before the machine reboots.

Answer files hold the cluster's shared secrets (DRBD, Heartbeat): keep the stick safe.
More: docs/live-iso.md in the pairboot sources, "The PAIRBOOT partition".
EOF
MTOOLS_SKIP_CHECK=1 mcopy -i "$img.tmp@@$((start * 512))" "$img.readme" ::README.txt
number=$(sfdisk -d "$img.tmp" | grep -c ' : start=')
mv "$img.tmp" "$img"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "build-stick: done in $((ms / 1000)).$(printf %03d $((ms % 1000))) s: $img ($((total / 1048576)) MiB," \
  "$(du -m "$img" | cut -f1) MiB allocated; PAIRBOOT partition $number: $mib MiB at sector $start)"
