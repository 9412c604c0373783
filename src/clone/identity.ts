// Node B's identity, written into the restored OS filesystem. The clone is node A byte for byte; this
// is what must differ. Files come from the same renderers as node A's ("render for node B and write the
// result", never edits of A's text); per-machine state that would make the two nodes look alike is
// removed so it is created fresh on B's first boot (the list, src/plan/identity.ts, is node A's install's
// too). Every file is written and removed through the root writer (src/apply/files.ts): the copy may come
// from an image someone crafted, and no symlink in it may lead a write, a removal or a read out of it.
//
// Two phases, because of the "not bootable until verified" rule (target.ts):
//   files      - before the final partition table: mount B's OS filesystem, write and remove files;
//   bootloader - after it (grub-install needs the BIOS boot partition's real type): in a chroot, GRUB for
//                BIOS on B's disk, the initramfs rebuilt if it holds A's pinned NIC names (see
//                INITRAMFS_REFRESH) and, when B itself booted in UEFI mode, an NVRAM entry. The ESP travels as is:
//                its \EFI\BOOT\BOOTX64.EFI finds the OS filesystem by UUID, which the clone keeps.
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { formatAnswerError, loadAnswerText } from "../answer/load.js";
import type { ClusterSpec } from "../answer/schema.js";
import { runScript } from "../util/exec.js";
import { readUnderRoot, removeUnderRoot, writeUnderRoot } from "../apply/files.js";
import {
  chrootPrepareCommands,
  chrootReleaseCommands,
  CONSOLE_CACHE_SAVE,
  diskLinks,
  grubBiosInstall,
  grubInstallDevicesSeed,
  inTarget,
  INITRAMFS_REFRESH,
  nvramEntryCommand,
  stableDiskPath,
} from "../plan/chroot.js";
import { MACHINE_ID, IDENTITY_REMOVALS } from "../plan/identity.js";
import { ANSWER_PATH } from "../plan/plan.js";
import { byIdLinks } from "../probe/parse.js";
import { readByIdLinks } from "../probe/read.js";
import { findNode, renderNode } from "../render/index.js";
import { releaseOfSource } from "../apply/source.js";
import type { CloneHeader } from "./format.js";
import { diskTool } from "./disk.js";

/** Which node of the answer file node B is: --node, or the one node that is not node A. */
export function chooseNodeB(spec: ClusterSpec, header: CloneHeader, requested?: string): string {
  const a = header.source.node;
  if (requested !== undefined) {
    findNode(spec, requested);
    if (requested === a)
      throw new Error(`the image is of ${a}; node B must be the other node, not ${requested}`);
    return requested;
  }
  if (a === null) throw new Error("the clone does not say which node it came from; name node B with --node");
  if (!spec.nodes.some((n) => n.name === a)) {
    throw new Error(
      `the clone comes from '${a}', which the answer file does not list; name node B with --node`,
    );
  }
  const others = spec.nodes.filter((n) => n.name !== a);
  if (others.length !== 1)
    throw new Error("the answer file does not have exactly one other node; use --node");
  return (others[0] as { name: string }).name;
}

/**
 * Node B's fresh SSH host keys: made by ssh-keygen in a private temporary directory, then written into the
 * root by the root writer, so a symlinked /etc or /etc/ssh in the copy cannot send them anywhere else.
 */
async function writeHostKeys(root: string): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), "pairboot-hostkeys-"));
  try {
    await mkdir(join(tmp, "etc/ssh"), { recursive: true });
    await diskTool(["ssh-keygen", "-A", "-f", tmp]);
    for (const name of (await readdir(join(tmp, "etc/ssh"))).sort()) {
      const content = await readFile(join(tmp, "etc/ssh", name));
      await writeUnderRoot(root, {
        path: `/etc/ssh/${name}`,
        content,
        mode: name.endsWith(".pub") ? 0o644 : 0o600,
      });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Phase 1 on a mounted root: remove A's per-machine state, write B's rendered files and fresh keys. */
export async function writeIdentityFiles(root: string, spec: ClusterSpec, nodeB: string): Promise<string[]> {
  const done: string[] = [];
  for (const r of IDENTITY_REMOVALS)
    done.push(...(await removeUnderRoot(root, r.path)).map((p) => `removed ${p}`));
  // B's files for the release of A's copy, which is B's system now.
  const tree = renderNode(spec, nodeB, await releaseOfSource({ kind: "dir", path: root }));
  for (const f of [...tree.files, MACHINE_ID]) {
    await writeUnderRoot(root, f);
    done.push(`wrote ${f.path}`);
  }
  await writeHostKeys(root);
  done.push("generated new SSH host keys");
  return done;
}

async function mountOs(device: string): Promise<{ root: string; release: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "pairboot-nodeb-"));
  // nosuid,nodev: the copy may come from an image someone crafted; its set-uid files and device nodes
  // must give nothing on B's live system while pairboot works in it.
  await diskTool(["mount", "-t", "ext4", "-o", "nosuid,nodev", device, root]);
  return {
    root,
    release: async () => {
      await diskTool(["umount", root]);
      await rmdir(root);
    },
  };
}

/** Node B's disk as the bootloader phase needs it. */
export interface BootTarget {
  disk: string;
  osDevice: string;
  osUuid: string;
  espNumber: number;
  /** Every partition of B's final table, for the /dev/disk/by-partlabel links. */
  partitions: { path: string; name: string }[];
  /** grub-pc/install_devices: B's disk by a /dev/disk/by-id name when it has one. */
  installDevice: string;
}

/**
 * Phase 2 as the install engine does it (src/plan/chroot.ts): the root's /proc, /sys, /dev and /run and,
 * without udev, the /dev/disk links; then GRUB for BIOS on B's disk, grub-pc's install device in debconf,
 * the initramfs when it holds A's pinned NIC names (chroot.ts), an NVRAM entry when B runs UEFI. Exact text, so a user can read what runs.
 */
export function bootloaderCommands(root: string, b: BootTarget): { commands: string[]; release: string[] } {
  return {
    commands: [
      ...chrootPrepareCommands(root, diskLinks(b.osDevice, b.osUuid, b.partitions)),
      inTarget(root, grubBiosInstall(b.disk)),
      inTarget(root, grubInstallDevicesSeed(b.installDevice)),
      inTarget(root, INITRAMFS_REFRESH),
      // B's identity rewrote /etc/default/keyboard: without a fresh cache every boot rebuilds the keymap.
      inTarget(root, CONSOLE_CACHE_SAVE),
      nvramEntryCommand(b.disk, b.espNumber),
    ],
    release: chrootReleaseCommands(root),
  };
}

/** Runs bootloaderCommands in B's OS filesystem, mounted for the purpose; unmounts whatever happens. */
export async function installBootloader(b: BootTarget, log: (l: string) => void = () => {}): Promise<void> {
  const { root, release } = await mountOs(b.osDevice);
  const { commands, release: unbind } = bootloaderCommands(root, b);
  try {
    for (const c of commands) {
      const r = await runScript(c, { onLine: () => undefined });
      if (r.exitCode !== 0)
        throw new Error(`in node B's root: ${c} failed (exit ${r.exitCode}): ${r.tail.slice(-3).join("; ")}`);
    }
    log(`grub-pc/install_devices set to ${b.installDevice}`);
  } finally {
    for (const c of unbind) {
      const r = await runScript(c, { onLine: () => undefined }).catch((e: Error) => ({
        exitCode: 1,
        tail: [e.message],
      }));
      if (r.exitCode !== 0) log(`warning: ${c} failed: ${r.tail.slice(-3).join("; ")}`);
    }
    await release();
  }
}

/** A disk's /dev/disk/by-id names (none without udev, or for loop devices). */
async function byIdNames(disk: string): Promise<string[]> {
  const dev = await realpath(disk);
  return byIdLinks(await readByIdLinks()).get(basename(dev)) ?? [];
}

export interface IdentityHooks {
  files: NonNullable<import("./receive.js").ReceiveOptions["identity"]>;
  bootloader: NonNullable<import("./receive.js").ReceiveOptions["bootloader"]>;
}

/** Node A's install saved its answer file (with the generated secrets) in its root; the copy has it too. */
async function answerFromCopy(root: string): Promise<ClusterSpec> {
  const text = await readUnderRoot(root, ANSWER_PATH).catch(() => null);
  const loaded = text === null ? null : loadAnswerText(text.toString("utf8"), ANSWER_PATH);
  if (!loaded) throw new Error(`node A's copy has no ${ANSWER_PATH}; give the answer file with --answer`);
  if (!loaded.ok)
    throw new Error(
      `${ANSWER_PATH} on node A's copy is not valid: ${loaded.errors.map(formatAnswerError).join("; ")}`,
    );
  if (loaded.spec.drbd.shared_secret === undefined || loaded.spec.heartbeat.authkey === undefined) {
    throw new Error(
      `${ANSWER_PATH} on node A's copy has no generated secrets; give the answer file with --answer`,
    );
  }
  return loaded.spec;
}

/** The receive hooks that turn the copy into node B. */
export function identityWriter(
  spec: ClusterSpec | null,
  requestedNode?: string,
  log: (l: string) => void = () => {},
): IdentityHooks {
  return {
    files: async ({ partitions, header }) => {
      const os = header.sections.find((s) => s.role === "os");
      const dev = os ? partitions.get(os.partition) : undefined;
      if (!dev) throw new Error("no OS partition on the target");
      const { root, release } = await mountOs(dev);
      try {
        const theSpec = spec ?? (await answerFromCopy(root));
        const nodeB = chooseNodeB(theSpec, header, requestedNode);
        const done = await writeIdentityFiles(root, theSpec, nodeB);
        log(`node B's identity written (${nodeB}): ${done.length} changes`);
      } finally {
        await release();
      }
    },
    bootloader: async ({ disk, partitions, header, target }) => {
      const os = header.sections.find((s) => s.role === "os");
      const esp = header.sections.find((s) => s.role === "esp");
      const dev = os ? partitions.get(os.partition) : undefined;
      if (!dev || !esp) throw new Error("no OS or EFI partition on the target");
      const osUuid = (await diskTool(["blkid", "-p", "-s", "UUID", "-o", "value", dev])).trim();
      if (osUuid === "") throw new Error(`no filesystem UUID on ${dev}`);
      const parts = target.plan.partitions.flatMap((p) => {
        const path = partitions.get(p.number);
        return path && p.name ? [{ path, name: p.name }] : [];
      });
      const boot: BootTarget = {
        disk,
        osDevice: dev,
        osUuid,
        espNumber: esp.partition,
        partitions: parts,
        installDevice: stableDiskPath(disk, await byIdNames(disk)),
      };
      await installBootloader(boot, log);
      log(`GRUB installed on ${disk} and the initramfs checked`);
    },
  };
}
