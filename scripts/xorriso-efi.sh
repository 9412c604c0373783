#!/bin/sh
# The xorriso that build-iso.sh has grub-mkrescue run (grub-mkrescue --xorriso=): grub-mkrescue has no
# option for the EFI image it puts into the ISO (efi.img: the El Torito UEFI entry and the stick's EFI
# partition) and makes one with an unsigned GRUB. This puts $PAIRBOOT_EFI_IMG (shim + signed GRUB) in its
# place, then runs xorriso with the arguments unchanged. grub-mkrescue passes its own tree after -r; it also
# runs xorriso once without one, to ask for its options. build-iso.sh checks the ISO's efi.img afterwards.
set -e
[ -f "${PAIRBOOT_EFI_IMG:-}" ] || { echo "xorriso-efi.sh: PAIRBOOT_EFI_IMG names no file" >&2; exit 1; }
prev=
for a in "$@"; do
  if [ "$prev" = -r ] && [ -f "$a/efi.img" ]; then cp "$PAIRBOOT_EFI_IMG" "$a/efi.img"; fi
  prev="$a"
done
exec xorriso "$@"
