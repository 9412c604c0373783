// planNode: answer file + node + hardware facts -> every step of that node's install, with the exact shell
// text each step runs and the full files it writes. Pure: no I/O, so `pairboot plan` shows precisely what
// `pairboot install` will do and tests can assert on it from recorded hardware.
import type { ClusterSpec } from "../answer/schema.js";
import type { HardwareFacts } from "../probe/facts.js";
import { renderNode, findNode } from "../render/index.js";
import { DEFAULT_RELEASE, RELEASE_TRAITS, type Release } from "../render/release.js";
import { espVolumeId, osFsUuid } from "../render/ids.js";
import { minimumDiskBytes, partitionLayout, sfdiskScript } from "../render/storage.js";
import type { RenderedFile } from "../render/types.js";
import {
  chrootPrepareCommands,
  chrootReleaseCommands,
  CONSOLE_CACHE_SAVE,
  diskLinks,
  GRUB_EFI_UPGRADE_SEEDS,
  grubBiosInstall,
  grubInstallDevicesSeed,
  inTarget,
  INITRAMFS_REBUILD,
  INITRAMFS_REFRESH,
  nvramEntryCommand,
  shq,
  stableDiskPath,
} from "./chroot.js";
import { selectDisk } from "./disk.js";
import { IDENTITY_REMOVALS, MACHINE_ID } from "./identity.js";
import { LIVE_PACKAGES, LIVE_PATHS, LIVE_USERS } from "./liveonly.js";
import { TOOL_COMMAND, TOOL_DIR, TOOL_PARTS, toolCommandFile } from "./tool.js";
import type {
  DiskChoice,
  InstallSource,
  NodePlan,
  PartitionPlan,
  PlanStep,
  PlannedPartition,
} from "./types.js";

export const DEFAULT_TARGET = "/run/pairboot/target";
export const DEFAULT_LOG_DIR = "/var/log/pairboot";
/** On the installed node: completed steps, so an interrupted install can resume (see src/apply/state.ts). */
export const STATE_PATH = "/var/lib/pairboot/install-state.json";
/** On the installed node: written last; its presence means the install finished. */
export const COMPLETE_PATH = "/var/lib/pairboot/install-complete";
export const ANSWER_PATH = "/etc/pairboot/answer.yaml";
export { shq } from "./chroot.js";

const MiB = 1024 ** 2;

export interface PlanOptions {
  source: InstallSource;
  /** Where the OS filesystem is mounted during the install. */
  target?: string;
  /** --disk: must name a disk that the node's selector also matches. */
  disk?: string;
  /** The answer file, copied into the installed node. */
  answerPath: string;
  /** The install log on the live system; apply picks a timestamped name. */
  logPath?: string;
  /** pairboot's runtime to put on the node (a directory like the live system's /opt/pairboot); none: skipped. */
  tool?: string;
  /** The Debian release of the source (apply/source.ts releaseOfSource); the files are rendered for it. */
  release?: Release;
}

export type PlanResult = { ok: true; plan: NodePlan } | { ok: false; message: string };

/** The kernel's name for partition N: sda -> sda3, nvme0n1 / loop3 / mmcblk0 -> ...p3. */
export function partitionPath(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

/** The disk the node installs onto: the selector must match exactly one disk; --disk must be that disk. */
export function chooseDisk(
  spec: ClusterSpec,
  nodeName: string,
  facts: HardwareFacts,
  diskOverride?: string,
): { ok: true; choice: DiskChoice } | { ok: false; message: string } {
  const node = findNode(spec, nodeName);
  const minBytes = minimumDiskBytes(spec);
  if (diskOverride === undefined) {
    const r = selectDisk(node.disk, facts, minBytes);
    return r.ok ? { ok: true, choice: r.choice } : { ok: false, message: r.message };
  }
  const named = facts.disks.filter((d) => d.path === diskOverride || d.byId.includes(diskOverride));
  if (named.length === 0) {
    const known = facts.disks.map((d) => d.path).join(", ") || "none";
    return { ok: false, message: `--disk ${diskOverride}: no such disk (disks seen: ${known})` };
  }
  // The override narrows the choice; it never replaces the answer file's selector, so a typo in --disk
  // cannot point the install at a disk the answer file did not describe.
  const r = selectDisk(node.disk, { ...facts, disks: named }, minBytes);
  if (!r.ok) {
    return {
      ok: false,
      message: `--disk ${diskOverride} does not fit ${node.name}'s disk selector in the answer file: ${r.message}`,
    };
  }
  return { ok: true, choice: { ...r.choice, why: `${r.choice.why}; named by --disk` } };
}

export function planLayout(spec: ClusterSpec, disk: DiskChoice): PartitionPlan {
  const layout = partitionLayout(spec);
  // sfdisk ends the last partition at the last usable sector rounded down to its 1 MiB grain; the backup
  // GPT needs 33 sectors at the very end.
  const lastUsableEnd = Math.floor((disk.sizeBytes - 33 * 512) / MiB) * MiB;
  const partitions: PlannedPartition[] = layout.partitions.map((p) => ({
    number: p.number,
    role: p.role,
    name: p.name,
    typeGuid: p.typeGuid,
    startBytes: p.startBytes,
    sizeBytes: p.sizeBytes ?? lastUsableEnd - p.startBytes,
    fs: p.fs,
    path: partitionPath(disk.path, p.number),
  }));
  return { label: "gpt", partitions, sfdiskScript: sfdiskScript(layout) };
}

function part(layout: PartitionPlan, role: PlannedPartition["role"]): PlannedPartition {
  const p = layout.partitions.find((x) => x.role === role);
  if (!p) throw new Error(`the partition layout has no ${role} partition`);
  return p;
}

/** GRUB's defaults for both firmware kinds: menu and kernel messages on the screen and on the first serial port. */
function grubDefaults(): RenderedFile {
  const content = [
    "# Written by the pairboot installer. update-grub reads this file.",
    "GRUB_DEFAULT=0",
    "GRUB_TIMEOUT=3",
    "GRUB_DISTRIBUTOR=Debian",
    'GRUB_CMDLINE_LINUX_DEFAULT=""',
    "# The last console= is /dev/console: boot messages and the login prompt reach a serial console too.",
    'GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"',
    'GRUB_TERMINAL="console serial"',
    'GRUB_SERIAL_COMMAND="serial --speed=115200 --unit=0 --word=8 --parity=no --stop=1"',
    "",
  ].join("\n");
  return { path: "/etc/default/grub", content, mode: 0o644 };
}

/**
 * The signed UEFI boot chain in the installed root (shim-signed, shim-helpers-amd64-signed,
 * grub-efi-amd64-signed: the same paths in Debian 12 and 13) and where each goes on the ESP. Shim at the
 * removable-media path, which every UEFI firmware boots without an NVRAM entry (so a clone of the disk boots
 * too), starts the GRUB beside it; shim starts MokManager instead if that GRUB fails its check. No fbx64.efi:
 * with it shim would first write an NVRAM entry and reset.
 */
export const SIGNED_EFI_FILES: { from: string; to: string }[] = [
  { from: "/usr/lib/shim/shimx64.efi.signed", to: "::/EFI/BOOT/BOOTX64.EFI" },
  { from: "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed", to: "::/EFI/BOOT/grubx64.efi" },
  { from: "/usr/lib/shim/mmx64.efi.signed", to: "::/EFI/BOOT/mmx64.efi" },
];
/** Where the signed grubx64.efi reads its first config: its built-in prefix is /EFI/debian on the ESP. */
export const SIGNED_GRUB_CONFIG = "::/EFI/debian/grub.cfg";

/** Tools the install runs on the live system (not inside the installed root). */
function hostTools(source: InstallSource): string[] {
  const copy = source.kind === "dir" ? "rsync" : "unsquashfs";
  return [
    "sfdisk",
    "wipefs",
    "partx",
    "mkfs.vfat",
    "mkfs.ext4",
    copy,
    "chroot",
    "systemctl",
    "mmd",
    "mcopy",
    "mdir",
  ];
}

const POLICY_RC_D: RenderedFile = {
  path: "/usr/sbin/policy-rc.d",
  content:
    "#!/bin/sh\n# pairboot install: package scripts run in the target must not start services on the live system\nexit 101\n",
  mode: 0o755,
};

export function planNode(
  spec: ClusterSpec,
  nodeName: string,
  facts: HardwareFacts,
  options: PlanOptions,
): PlanResult {
  const node = findNode(spec, nodeName);
  const chosen = chooseDisk(spec, nodeName, facts, options.disk);
  if (!chosen.ok) return chosen;
  const disk = chosen.choice;
  const diskFacts = facts.disks.find((d) => d.path === disk.path);

  const T = options.target ?? DEFAULT_TARGET;
  const t = (p: string) => shq(`${T}${p}`);
  const logPath = options.logPath ?? `${DEFAULT_LOG_DIR}/install.log`;
  const layout = planLayout(spec, disk);
  const bios = part(layout, "bios");
  const esp = part(layout, "esp");
  const os = part(layout, "os");
  const data = part(layout, "data");
  const D = shq(disk.path);
  const diskName = disk.path.replace(/^\/dev\//, "");
  const release = options.release ?? DEFAULT_RELEASE;
  const tree = renderNode(spec, node.name, release);
  const allParts = layout.partitions.map((p) => shq(p.path)).join(" ");
  const osUuid = osFsUuid(spec, node);

  const steps: PlanStep[] = [];
  const step = (s: Omit<PlanStep, "files" | "destructive"> & Partial<PlanStep>) =>
    steps.push({ files: [], destructive: false, ...s });

  step({
    id: "preflight",
    title: `Check ${disk.path} is still the disk that was planned`,
    always: true,
    commands: [
      `test -b ${D}`,
      `test "$(blockdev --getsize64 ${D})" = ${disk.sizeBytes}`,
      `test -z "$(lsblk -nro MOUNTPOINTS ${D} | tr -d '[:space:]')"`,
      `test -z "$(ls -A /sys/class/block/${shq(diskName)}/holders)"`,
      // Every tool the install needs on the live system, checked before the disk is touched.
      `for t in ${hostTools(options.source).join(" ")}; do command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }; done`,
    ],
  });

  step({
    id: "partition",
    title: `Partition ${disk.path} (GPT: BIOS boot, ESP, OS, data)`,
    destructive: true,
    commands: [
      // Old filesystem signatures inside old partitions would survive a new table and confuse blkid.
      `for p in $(lsblk -nrpo NAME ${D} | tail -n +2); do wipefs -a "$p"; done`,
      `wipefs -a ${D}`,
      `sfdisk --wipe always --wipe-partitions always ${D} <<'EOF'\n${layout.sfdiskScript}EOF`,
      // sfdisk asks the kernel to re-read the table; partx covers devices where that did not happen.
      `partx -u ${D} || partx -a ${D} || true`,
      `if command -v udevadm >/dev/null && test -d /run/udev; then udevadm settle --timeout=30 || true; fi`,
      `for i in $(seq 1 50); do test -b ${shq(data.path)} && break; sleep 0.2; done`,
      `for p in ${allParts}; do test -b "$p"; done`,
    ],
  });

  step({
    id: "mkfs",
    title: "Make the ESP (vfat) and OS (ext4) filesystems; clear the BIOS boot and data partitions",
    destructive: true,
    commands: [
      `wipefs -a ${shq(bios.path)} ${shq(data.path)}`,
      `mkfs.vfat -F 32 -n EFI -i ${espVolumeId(spec, node)} ${shq(esp.path)}`,
      `mkfs.ext4 -F -q -U ${osUuid} -L pairboot-os ${shq(os.path)}`,
    ],
  });

  step({
    id: "mount",
    title: `Mount the OS filesystem at ${T}`,
    always: true,
    commands: [
      `mkdir -p ${shq(T)}`,
      `mountpoint -q ${shq(T)} || mount ${shq(os.path)} ${shq(T)}`,
      `test "$(findmnt -nro SOURCE --mountpoint ${shq(T)})" = ${shq(os.path)}`,
      // The ESP is written with mtools, never mounted: see the bootloader step.
      `mkdir -p ${t("/boot/efi")} ${t("/var/lib/pairboot")}`,
    ],
  });

  const src = options.source;
  const excludes = ["/proc/*", "/sys/*", "/dev/*", "/run/*", "/tmp/*", "/var/tmp/*", "/mnt/*", "/media/*"];
  excludes.push("/boot/efi/*", "/lost+found");
  step({
    id: "copy-root",
    title: `Copy the root filesystem (Debian ${RELEASE_TRAITS[release].version} ${release}) from ${src.path}`,
    copies: true,
    commands:
      src.kind === "dir"
        ? [
            `test -d ${shq(src.path)}/etc`,
            // -aHAX: owners, modes, times, hard links, ACLs, xattrs; -x: one filesystem only;
            // --no-inc-recursive: the whole file list first, so progress percentages are real.
            `rsync -aHAXx --numeric-ids --no-inc-recursive --info=progress2 ${excludes
              .map((e) => `--exclude=${shq(e)}`)
              .join(" ")} ${shq(src.path.replace(/\/+$/, ""))}/ ${shq(T)}/`,
          ]
        : [
            `test -f ${shq(src.path)}`,
            // unsquashfs restores owners, modes, xattrs (ACLs are xattrs) and hard links; -f writes into
            // the existing mount point.
            `unsquashfs -f -d ${shq(T)} ${shq(src.path)}`,
          ],
  });

  step({
    id: "chroot-prepare",
    title: "Prepare the installed root for commands run inside it",
    always: true,
    files: [POLICY_RC_D],
    // grub-mkconfig writes root=UUID=... only if /dev/disk/by-uuid/UUID exists, and the DRBD config names
    // the data partition by partlabel: without udev these links are made for the chroot (chroot.ts).
    commands: chrootPrepareCommands(T, diskLinks(os.path, osUuid, layout.partitions)),
  });

  const pkgList = LIVE_PACKAGES.join(" ");
  step({
    id: "remove-live",
    title: "Remove what only the live system needs",
    commands: [
      inTarget(
        T,
        `pkgs=$(dpkg-query -W -f='\${db:Status-Abbrev} \${Package}\\n' ${pkgList} 2>/dev/null | awk '/^ii/ {print $2}'); ` +
          `if [ -n "$pkgs" ]; then dpkg --purge $pkgs; fi`,
      ),
      ...LIVE_USERS.map((u) =>
        inTarget(T, `if getent passwd ${u} >/dev/null; then userdel --force ${u}; rm -rf /home/${u}; fi`),
      ),
      `rm -rf ${LIVE_PATHS.map((p) => t(p)).join(" ")}`,
    ],
  });

  step({
    id: "identity",
    title: "Give the node its own identity: machine id, SSH host keys, random seed",
    // Before the configuration files: the list clears pinned NIC names (10-pairboot-*) that the image may
    // carry, and this node's own are among the files written next. Run in the root, so its own symlinks
    // resolve there; Debian's ssh.service does not create missing host keys, so they are made now.
    files: [MACHINE_ID],
    commands: [
      inTarget(T, `rm -f ${IDENTITY_REMOVALS.map((r) => r.path).join(" ")}`),
      inTarget(T, "ssh-keygen -A"),
    ],
  });

  step({
    id: "write-files",
    title: `Write ${tree.files.length} configuration files for ${node.name}`,
    files: tree.files,
    commands: [],
  });

  const svc = tree.services;
  step({
    id: "services",
    title: `Enable ${svc.enable.join(", ") || "nothing"}; disable ${svc.disable.join(", ") || "nothing"}`,
    commands: [
      ...(svc.enable.length > 0
        ? [`systemctl --root=${shq(T)} enable ${svc.enable.map(shq).join(" ")}`]
        : []),
      // disable, never mask: a masked nfs-server makes the init-script shim exit 0 and serve nothing.
      ...(svc.disable.length > 0
        ? [`systemctl --root=${shq(T)} disable ${svc.disable.map(shq).join(" ")}`]
        : []),
    ],
  });

  step({
    id: "configure",
    title: "Run the configuration commands inside the installed root",
    // The initramfs step below decides once, after every change, whether the initramfs needs a rebuild
    // (chroot.ts); a family asking for an unconditional rebuild here would only add the slowest command.
    commands: [
      ...tree.chrootCommands.filter((c) => c !== INITRAMFS_REBUILD).map((c) => inTarget(T, c)),
      // Caches derived from the files just written must be newer than them (chroot.ts).
      inTarget(T, CONSOLE_CACHE_SAVE),
    ],
  });

  const secrets: string[] = [];
  const hash = spec.access.root_password_hash;
  if (hash !== undefined) secrets.push(hash);
  if (spec.drbd.shared_secret !== undefined) secrets.push(spec.drbd.shared_secret);
  if (spec.heartbeat.authkey !== undefined) secrets.push(spec.heartbeat.authkey);
  for (const n of spec.nodes) if (n.bmc?.password !== undefined) secrets.push(n.bmc.password);
  step({
    id: "users",
    title: hash ? "Set root's password" : "Lock root's password (log in with an SSH key)",
    // The hash goes on chpasswd's standard input, never on a command line (/proc/PID/cmdline is readable
    // by every user), as Subiquity does it; "*" locks the password.
    commands: [
      {
        inTarget: true,
        argv: ["chpasswd", "--encrypted"],
        stdin: { text: `root:${hash ?? "*"}\n`, secret: hash !== undefined },
      },
    ],
  });

  if (options.tool !== undefined) {
    const from = shq(options.tool);
    step({
      id: "pairboot-command",
      title: `Put pairboot on ${node.name} (${TOOL_COMMAND}: status, validate, render)`,
      files: [toolCommandFile()],
      commands: [
        `rm -rf ${t(TOOL_DIR)}`,
        `mkdir -p ${t(TOOL_DIR)}`,
        `for p in ${TOOL_PARTS.join(" ")}; do if test -e ${from}/$p; then cp -a ${from}/$p ${t(TOOL_DIR)}/; fi; done`,
        // Proves the copied Node runs on the installed root's libraries, not only on the live system's.
        inTarget(T, `${TOOL_COMMAND} status --help >/dev/null`),
      ],
    });
  }

  step({
    id: "initramfs",
    title: "Check the initramfs (rebuilt only if it holds pinned NIC names or live-boot hooks)",
    commands: [inTarget(T, INITRAMFS_REFRESH)],
  });

  // UEFI, with Secure Boot or without: shim (signed by Microsoft's UEFI CA) -> GRUB signed by Debian, which
  // has shim check the kernel (Debian's signed one) -> the kernel, which loads only signed modules. The
  // signed GRUB is one image with its modules built in; it reads \EFI\debian\grub.cfg, a stub that finds the
  // OS filesystem by the UUID mkfs gave it and reads /boot/grub/grub.cfg from there. The files are copied
  // onto the ESP with mtools, so the ESP is never mounted: grub-install --target=x86_64-efi insists on a
  // mounted FAT --efi-directory, which needs the kernel's vfat driver; this way the same commands run on any
  // live kernel. The stub is kept in the root too: the live ISO's GRUB finds an installed node by it.
  const efiStub: RenderedFile = {
    path: "/var/lib/pairboot/grub-efi-early.cfg",
    content: `search.fs_uuid ${osUuid} root\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n`,
    mode: 0o644,
  };
  const espDev = shq(esp.path);
  step({
    id: "bootloader",
    title: `Install GRUB on ${disk.path} for BIOS and UEFI`,
    files: [grubDefaults(), efiStub],
    commands: [
      inTarget(T, grubBiosInstall(disk.path)),
      inTarget(T, grubInstallDevicesSeed(stableDiskPath(disk.path, diskFacts?.byId ?? []))),
      inTarget(T, GRUB_EFI_UPGRADE_SEEDS),
      inTarget(
        T,
        "mkdir -p /boot/grub/x86_64-efi && cp /usr/lib/grub/x86_64-efi/*.mod /usr/lib/grub/x86_64-efi/*.lst /boot/grub/x86_64-efi/",
      ),
      ...["::/EFI", "::/EFI/BOOT", "::/EFI/debian"].map(
        (dir) => `mdir -i ${espDev} ${dir} >/dev/null 2>&1 || mmd -i ${espDev} ${dir}`,
      ),
      ...SIGNED_EFI_FILES.map((f) => `mcopy -o -i ${espDev} ${t(f.from)} ${f.to}`),
      `mcopy -o -i ${espDev} ${t(efiStub.path)} ${SIGNED_GRUB_CONFIG}`,
      // An NVRAM entry as well only when this machine itself runs UEFI (the entry lives in its firmware).
      nvramEntryCommand(disk.path, esp.number),
    ],
  });

  step({
    id: "grub-config",
    title: "Write grub.cfg (the disk becomes bootable only now)",
    commands: [inTarget(T, "update-grub")],
  });

  step({
    id: "chroot-release",
    title: "Release the installed root",
    always: true,
    cleanup: true,
    commands: [`rm -f ${t(POLICY_RC_D.path)}`, ...chrootReleaseCommands(T)],
  });

  step({
    id: "save-records",
    title: `Save the answer file and the install log on ${node.name}`,
    commands: [
      `install -D -m 0600 ${shq(options.answerPath)} ${t(ANSWER_PATH)}`,
      `install -d -m 0750 ${t("/var/log/pairboot")}`,
      `install -m 0640 ${shq(logPath)} ${t(`/var/log/pairboot/${logPath.split("/").pop() ?? "install.log"}`)}`,
    ],
  });

  step({
    id: "complete",
    title: "Mark the install complete",
    commands: [
      `printf '%s %s\\n' ${shq(node.name)} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > ${t(COMPLETE_PATH)}`,
      "sync",
    ],
  });

  step({
    id: "unmount",
    title: `Unmount ${T}`,
    always: true,
    cleanup: true,
    commands: [`if mountpoint -q ${shq(T)}; then umount -R ${shq(T)}; fi`, "sync"],
  });

  return {
    ok: true,
    plan: { node: node.name, disk, layout, target: T, source: src, logPath, steps, secrets },
  };
}
