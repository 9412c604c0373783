// The stick's writable partition (filesystem label PAIRBOOT): answer files, install logs, clone images.
// The live system mounts it read-write at /run/pairboot/stick when it is there and not mounted yet.
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { HardwareFacts, PartitionFacts } from "../probe/facts.js";
import { STICK_LABEL, findStick } from "../probe/stick.js";
import { run, runChecked } from "../util/exec.js";

export const STICK_MOUNT = "/run/pairboot/stick";

/**
 * FAT keeps no owners or modes: the mount options give every file one mode. 0600 files and 0700
 * directories for root, so on the live system only root reads the answer (cluster secrets) and the logs
 * pairboot keeps there. Whoever holds the stick itself can read them all the same.
 */
export function stickMountOptions(p: PartitionFacts): string {
  return p.fstype === "vfat" ? "rw,uid=0,gid=0,fmask=0177,dmask=0077" : "rw";
}

export type StickMount = { dir: string; why: null } | { dir: null; why: string };

/**
 * Mounts the PAIRBOOT partition (if any) read-write. The live system mounts its boot stick whole (the ISO
 * 9660 filesystem starts at the disk's first byte, not in a partition), and the kernel then refuses to
 * mount a partition of that disk (EBUSY); a loop device over the partition's bytes is not refused, so that
 * is the way in when the plain mount fails on a disk in use.
 */
export async function mountStick(facts: HardwareFacts): Promise<StickMount> {
  const stick = findStick(facts);
  if (!stick) return { dir: null, why: `no partition labelled ${STICK_LABEL} on any disk` };
  if (stick.mountpoint) return { dir: stick.mountpoint, why: null };
  const p = stick.partition;
  await mkdir(STICK_MOUNT, { recursive: true });
  let failure: string;
  try {
    await runChecked(["mount", "-o", stickMountOptions(p), p.path, STICK_MOUNT]);
    return { dir: STICK_MOUNT, why: null };
  } catch (err) {
    failure = firstLine(err);
  }
  const disk = facts.disks.find((d) => d.partitions.some((q) => q.path === p.path));
  if (!disk || disk.mountpoints.length === 0) {
    return { dir: null, why: `mounting ${p.path} failed: ${failure}` };
  }
  try {
    const start = Number((await readFile(`/sys/class/block/${basename(p.path)}/start`, "utf8")).trim());
    if (!Number.isInteger(start) || start <= 0) throw new Error(`no start sector for ${p.path} in sysfs`);
    const range = `offset=${start * 512},sizelimit=${p.sizeBytes}`;
    await runChecked(["mount", "-o", `${stickMountOptions(p)},${range}`, disk.path, STICK_MOUNT]);
    return { dir: STICK_MOUNT, why: null };
  } catch (err) {
    return {
      dir: null,
      why: `mounting ${p.path} failed (${failure}), and through a loop device on ${disk.path} too: ${firstLine(err)}`,
    };
  }
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split("\n")[0] ?? "";
}

/** Copies the install logs onto the stick (logs/), so they survive the reboot. Returns the directory. */
export async function saveLogs(stick: string, logDir = "/var/log/pairboot"): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch {
    return null;
  }
  const dest = join(stick, "logs");
  await mkdir(dest, { recursive: true });
  for (const n of names) await copyFile(join(logDir, n), join(dest, n)).catch(() => undefined);
  await run(["sync"]);
  return dest;
}
