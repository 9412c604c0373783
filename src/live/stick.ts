// The stick's writable partition (filesystem label PAIRBOOT): answer files, install logs, clone images.
// The live system mounts it read-write at /run/pairboot/stick when it is there and not mounted yet.
import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HardwareFacts, PartitionFacts } from "../probe/facts.js";

const run = promisify(execFile);

export const STICK_LABEL = "PAIRBOOT";
export const STICK_MOUNT = "/run/pairboot/stick";

/** The PAIRBOOT partition (FAT labels are upper case; accept any case like Proxmox does). */
export function findStickPartition(facts: HardwareFacts): PartitionFacts | null {
  for (const d of facts.disks) {
    for (const p of d.partitions) {
      if (p.label?.toUpperCase() === STICK_LABEL || p.partLabel?.toUpperCase() === STICK_LABEL) return p;
    }
  }
  return null;
}

/** Mounts the PAIRBOOT partition (if any) and returns its directory, or null. */
export async function mountStick(facts: HardwareFacts): Promise<string | null> {
  const p = findStickPartition(facts);
  if (!p) return null;
  const mounted = p.mountpoints.find((m) => m.startsWith("/"));
  if (mounted) return mounted;
  await mkdir(STICK_MOUNT, { recursive: true });
  try {
    await run("mount", ["-o", "rw", p.path, STICK_MOUNT]);
    return STICK_MOUNT;
  } catch {
    return null;
  }
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
  await run("sync").catch(() => undefined);
  return dest;
}
