// Commands run inside an installed root (node A's install, node B's clone): the chroot with a clean
// environment, the mounts it needs, the /dev/disk links udev would make, and the boot loader commands.
// Pure shell text, so `pairboot plan` can print exactly what runs; src/apply runs it for the install and
// src/clone for node B's disk.
import { quote as shq } from "../util/shell.js";

/** Quotes a word for bash when it needs it (src/util/shell.ts, the one quoting). */
export { shq };

/** A command run inside the installed root with a clean environment (nothing of the live session leaks in). */
export function inTarget(target: string, command: string): string {
  return (
    `chroot ${shq(target)} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 ` +
    `DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true /bin/sh -c ${shq(command)}`
  );
}

/** A /dev/disk/by-* link as udev makes it: `link` (absolute, under /dev/disk) points at `device`. */
export interface DevLink {
  link: string;
  device: string;
}

/** The links grub-mkconfig and the installed configs look for: the OS filesystem by UUID, partitions by name. */
export function diskLinks(
  osDevice: string,
  osUuid: string,
  parts: { path: string; name: string }[],
): DevLink[] {
  return [
    { link: `/dev/disk/by-uuid/${osUuid}`, device: osDevice },
    ...parts.map((p) => ({ link: `/dev/disk/by-partlabel/${p.name}`, device: p.path })),
  ];
}

/**
 * Mounts /proc, /sys, /dev and a fresh /run into the root, so that grub-install, update-initramfs and
 * package scripts work there. Idempotent (a resumed install runs it again). /sys and /dev are recursive
 * binds made slaves: unmounting them later must not unmount the live system's own /dev/pts and friends.
 *
 * udev makes the /dev/disk links on a live system; without a udev daemon (a container, a build host, the
 * tests) they are made here, exactly as udev would, on a tmpfs over the root's /dev/disk: visible only to
 * commands in the root, so two installs or clones on one host never see or remove each other's links.
 */
export function chrootPrepareCommands(target: string, links: DevLink[]): string[] {
  const t = (p: string) => shq(`${target}${p}`);
  const dirs = [...new Set(links.map((l) => l.link.replace(/\/[^/]+$/, "")))];
  const makeLinks = [
    `mountpoint -q ${t("/dev/disk")} || { mkdir -p ${t("/dev/disk")} && mount -t tmpfs -o mode=0755 pairboot-dev-disk ${t("/dev/disk")}; }`,
    ...(dirs.length > 0 ? [`mkdir -p ${dirs.map((d) => t(d)).join(" ")}`] : []),
    ...links.map((l) => `ln -sfn ${shq(l.device)} ${t(l.link)}`),
  ];
  return [
    `mountpoint -q ${t("/proc")} || mount -t proc proc ${t("/proc")}`,
    `mountpoint -q ${t("/sys")} || { mount --rbind /sys ${t("/sys")} && mount --make-rslave ${t("/sys")}; }`,
    `mountpoint -q ${t("/dev")} || { mount --rbind /dev ${t("/dev")} && mount --make-rslave ${t("/dev")}; }`,
    `mountpoint -q ${t("/run")} || mount -t tmpfs -o mode=0755 tmpfs ${t("/run")}`,
    `if ! test -d /run/udev; then ${makeLinks.join(" && ")}; fi`,
  ];
}

/** Undoes chrootPrepareCommands (the /dev/disk tmpfs goes with /dev); safe to run when nothing is mounted. */
export function chrootReleaseCommands(target: string): string[] {
  return [
    `for m in /run /dev /sys /proc; do if mountpoint -q ${shq(target)}$m; then umount -R ${shq(target)}$m; fi; done`,
  ];
}

export const INITRAMFS_REBUILD = "update-initramfs -u -k all";

/** What in an initramfs belongs to one node or to the live system: pairboot's pinned NIC names, live-boot. */
const INITRAMFS_FOREIGN = String.raw`(^|/)(lib/systemd/network/10-pairboot-[^/]+\.link|scripts/live(-[a-z]+)?)$`;

/**
 * The initramfs is rebuilt only when it carries something of another node or of the live system: udev's
 * initramfs hook copies /etc/systemd/network/*.link into it, so a root that ran update-initramfs since
 * its NICs were pinned holds those names, and a live root holds live-boot's scripts. The image's own
 * initramfs (scripts/rootfs/template.sh) has neither, and then nothing in it needs to change: it brings
 * up no network, and udev on the installed root gives the NICs their pinned names at coldplug (systemd's
 * naming scheme renames names from the initramfs). A rebuild takes 7-8 minutes on an emulated CPU (seen
 * in the ISO's install under QEMU/TCG); this check reads the image's file list. An initramfs that cannot
 * be listed is rebuilt.
 */
export const INITRAMFS_REFRESH =
  `if list=$(lsinitramfs /boot/initrd.img-*) && ! printf '%s\\n' "$list" | grep -Eq '${INITRAMFS_FOREIGN}'; ` +
  `then echo 'initramfs: no pinned NIC names, no live-boot scripts: kept as it is'; ` +
  `else ${INITRAMFS_REBUILD}; fi`;

/**
 * console-setup's cached keymap and font must be newer than /etc/default/keyboard and console-setup, or
 * console-setup.service rebuilds them with ckbcomp on every boot until one is saved (minutes under
 * emulation). Run after writing those files (the install's configure step, node B's identity).
 */
export const CONSOLE_CACHE_SAVE = "setupcon --force --save-only";

/** GRUB for BIOS: boot code in the MBR, core image in the BIOS boot partition. Runs in the root. */
export function grubBiosInstall(disk: string): string {
  return `grub-install --target=i386-pc --recheck ${shq(disk)}`;
}

/**
 * Where a later grub-pc upgrade on the node reinstalls GRUB: preseeded in the root's debconf database,
 * so the package's postinst neither asks nor fails. A /dev/disk/by-id path survives disks being renamed
 * (sda becoming sdb); the device name is the fallback when the disk has none. Runs in the root.
 */
export function grubInstallDevicesSeed(device: string): string {
  return `echo ${shq(`grub-pc grub-pc/install_devices multiselect ${device}`)} | debconf-set-selections`;
}

/**
 * How a later upgrade on the node reinstalls the UEFI boot loader, preseeded in the root's debconf database.
 * shim-signed's postinst runs grub-install when /boot/efi/EFI/debian exists (the node mounts its ESP there):
 * with these answers it also refreshes the removable-media copy EFI/BOOT/BOOTX64.EFI, the one node B (a
 * clone, with no NVRAM entry of its own) boots, and leaves the firmware's boot entries alone. Runs in the root.
 */
export const GRUB_EFI_UPGRADE_SEEDS = `printf '%s\\n' ${shq("grub-efi-amd64 grub2/force_efi_extra_removable boolean true")} ${shq("grub-efi-amd64 grub2/update_nvram boolean false")} | debconf-set-selections`;

/** The stable name for grub-pc/install_devices: the disk's first /dev/disk/by-id link, else its device. */
export function stableDiskPath(disk: string, byId: string[]): string {
  return [...byId].sort()[0] ?? disk;
}

/** An NVRAM boot entry, only when this machine itself runs UEFI (the entry lives in its firmware). */
export function nvramEntryCommand(disk: string, espNumber: number): string {
  return `if test -d /sys/firmware/efi/efivars && command -v efibootmgr >/dev/null; then efibootmgr -q -c -d ${shq(disk)} -p ${espNumber} -L pairboot -l '\\EFI\\BOOT\\BOOTX64.EFI'; fi`;
}
