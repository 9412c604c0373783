// Safety checks made on the live machine right before anything is written. Planning chose the disk from
// facts that may be minutes old (or recorded on another machine): here the machine is probed again and
// every reason to refuse is checked against what is true now.
import { constants } from "node:fs";
import { open, readFile, readdir, readlink, realpath, mkdir, writeFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { run } from "../util/exec.js";
import type { NodePlan, PlannedPartition } from "../plan/types.js";
import { COMPLETE_PATH, STATE_PATH } from "../plan/plan.js";
import type { InstallState } from "./state.js";

/**
 * Why an install was refused, for the code that decides what happens next (the message is for people):
 * - foreign-data: the disk holds something else; a person may overrule it by typing the disk's name;
 * - pairboot-disk: an earlier pairboot install (finished, or interrupted beyond resuming) needs --restart;
 * - disk: the disk is unsuitable, in use, changed since planning or gone;
 * - plan: the answer and this machine do not give a plan (no matching disk, NICs missing, ...);
 * - environment: this machine cannot install now (another install running, no usable runtime to copy).
 */
export type RefusalReason = "foreign-data" | "pairboot-disk" | "disk" | "plan" | "environment";

/** A refusal: nothing has been written. The message is for the user as it stands. */
export class InstallRefused extends Error {
  constructor(
    message: string,
    readonly reason: RefusalReason = "disk",
  ) {
    super(message);
  }
}

/** The disk already holds a finished install: what a machine sees when it starts the stick again. */
export class AlreadyInstalled extends InstallRefused {
  constructor(
    message: string,
    readonly disk: string,
    readonly node: string | undefined,
  ) {
    super(message, "pairboot-disk");
  }
}

export interface MountEntry {
  source: string;
  target: string;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export async function readMounts(): Promise<MountEntry[]> {
  const text = await readFile("/proc/self/mounts", "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const [source = "", target = ""] = l.split(" ");
      return { source: unescapeMount(source), target: unescapeMount(target) };
    });
}

/** Mounts at or below the target directory: left behind by an interrupted pairboot run. */
export function mountsUnder(mounts: MountEntry[], target: string): MountEntry[] {
  return mounts.filter((m) => m.target === target || m.target.startsWith(`${target}/`));
}

/**
 * Leftover mounts of an earlier, interrupted run are pairboot's own and are released: the target directory
 * is pairboot's, and what is mounted there is a partition named pairboot-os. Anything else mounted there
 * is someone else's and stops the install.
 */
export async function releaseLeftoverMounts(target: string, dryRun: boolean): Promise<string[]> {
  const under = mountsUnder(await readMounts(), target);
  if (under.length === 0) return [];
  const top = under.find((m) => m.target === target);
  if (top) {
    const r = await run(["blkid", "-p", "-s", "PART_ENTRY_NAME", "-o", "value", top.source]);
    if (r.stdout.trim() !== "pairboot-os") {
      throw new InstallRefused(
        `${target} is mounted from ${top.source}, which is not a pairboot OS partition: another install may be ` +
          `running. Unmount it (umount -R ${target}) if it is stale.`,
      );
    }
  }
  if (!dryRun) {
    const r = await run(["umount", "-R", target]);
    if (r.exitCode !== 0) {
      // A killed pairboot leaves its copy (its own process group) running until that finishes.
      throw new InstallRefused(
        `${target} is left mounted by an interrupted run and cannot be released yet (${r.all.trim()}): ` +
          `a command of that run may still be working on it (see: fuser -vm ${target}). Wait for it or stop it, then run again.`,
      );
    }
  }
  return under.map((m) => m.target);
}

interface SfdiskJson {
  partitiontable?: {
    label?: string;
    sectorsize?: number;
    partitions?: { node: string; start: number; size: number; type: string; name?: string }[];
  };
}

/** The disk's partition table as sfdisk reads it now, or null when it has none sfdisk understands. */
export async function readTable(disk: string): Promise<SfdiskJson["partitiontable"] | null> {
  const r = await run(["sfdisk", "--json", disk]);
  if (r.exitCode !== 0 || r.stdout.trim() === "") return null;
  return (JSON.parse(r.stdout) as SfdiskJson).partitiontable ?? null;
}

/** Differences between the disk's table and the plan's layout, in words; empty when they agree. */
export function tableDifferences(
  table: SfdiskJson["partitiontable"] | null,
  partitions: PlannedPartition[],
): string[] {
  if (!table) return ["no partition table"];
  if (table.label !== "gpt") return [`a ${table.label ?? "unknown"} partition table, not GPT`];
  const ss = table.sectorsize ?? 512;
  const have = table.partitions ?? [];
  const diffs: string[] = [];
  if (have.length !== partitions.length)
    diffs.push(`${have.length} partitions, the plan has ${partitions.length}`);
  for (const want of partitions) {
    const got = have.find((p) => p.node === want.path);
    if (!got) {
      diffs.push(`no partition ${want.path}`);
      continue;
    }
    if (got.start * ss !== want.startBytes)
      diffs.push(`${want.path} starts at byte ${got.start * ss}, not ${want.startBytes}`);
    if (got.size * ss !== want.sizeBytes)
      diffs.push(`${want.path} has ${got.size * ss} bytes, not ${want.sizeBytes}`);
    if (got.type.toUpperCase() !== want.typeGuid.toUpperCase())
      diffs.push(`${want.path} has type ${got.type}`);
    if ((got.name ?? "") !== want.name)
      diffs.push(`${want.path} is named "${got.name ?? ""}", not "${want.name}"`);
  }
  return diffs;
}

export interface DiskRecord {
  state: InstallState | null;
  complete: boolean;
}

/** A file of an unmounted ext4 filesystem, read with debugfs; null when absent or unreadable. */
async function readExt4File(device: string, path: string): Promise<string | null> {
  const r = await run(["debugfs", "-R", `cat ${path}`, device]);
  // debugfs prints its version banner on stderr; anything else there is an error (no such file, no ext4).
  const errors = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/^debugfs \d/.test(l));
  return r.exitCode === 0 && errors.length === 0 ? r.stdout : null;
}

/**
 * What an earlier pairboot run left in the OS filesystem: its resume state and whether it finished.
 * Read with debugfs, without mounting: looking writes nothing (a dry run stays a dry run), and works even
 * when another mount namespace still holds the filesystem mounted.
 */
export async function readDiskRecord(plan: NodePlan): Promise<DiskRecord> {
  const os = plan.layout.partitions.find((p) => p.role === "os");
  if (!os) return { state: null, complete: false };
  const stateText = await readExt4File(os.path, STATE_PATH);
  let state: InstallState | null = null;
  try {
    const parsed = stateText ? (JSON.parse(stateText) as InstallState) : null;
    state = parsed && parsed.version === 1 && typeof parsed.completed === "object" ? parsed : null;
  } catch {
    state = null;
  }
  const complete = (await readExt4File(os.path, COMPLETE_PATH)) !== null;
  return { state, complete };
}

/** The lock file of installs into `target`: holds the installing process's pid. */
export function lockPath(target: string): string {
  return `${target.replace(/\/+$/, "")}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Refuses when another pairboot install into the same target directory is running right now. */
export async function checkNotRunning(target: string): Promise<void> {
  const text = await readFile(lockPath(target), "utf8").catch(() => "");
  const pid = Number(text.trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
    throw new InstallRefused(
      `another pairboot install into ${target} is running (pid ${pid}); wait for it to finish`,
      "environment",
    );
  }
}

/** Takes the lock (a stale one, whose process is gone, is taken over); returns its release. */
export async function takeLock(target: string): Promise<() => Promise<void>> {
  await checkNotRunning(target);
  const path = lockPath(target);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${process.pid}\n`);
  return async () => {
    const text = await readFile(path, "utf8").catch(() => "");
    if (Number(text.trim()) === process.pid) await rm(path, { force: true });
  };
}

/** The disk and then each of its partitions, as the kernel lists them in sysfs. */
async function diskAndPartitions(disk: string): Promise<string[]> {
  const name = basename(await realpath(disk));
  const dir = `/sys/class/block/${name}`;
  const parts: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if ((await readFile(join(dir, entry, "partition"), "utf8").catch(() => null)) !== null) {
      parts.push(`/dev/${entry}`);
    }
  }
  return [`/dev/${name}`, ...parts.sort()];
}

/**
 * Processes in whose mount namespace a device is mounted, one per namespace ("pid 4242 (sleep)"): names
 * the culprit lsblk cannot see. Reading other processes' mountinfo needs root; without it, nothing.
 */
async function namespacesMounting(device: string): Promise<string[]> {
  const majMin = (await readFile(`/sys/class/block/${basename(device)}/dev`, "utf8").catch(() => "")).trim();
  if (majMin === "") return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pid of (await readdir("/proc").catch(() => [] as string[])).filter((e) => /^\d+$/.test(e))) {
    const ns = await readlink(`/proc/${pid}/ns/mnt`).catch(() => null);
    if (ns === null || seen.has(ns)) continue;
    seen.add(ns);
    const info = await readFile(`/proc/${pid}/mountinfo`, "utf8").catch(() => "");
    const at = info
      .split("\n")
      .map((l) => l.split(" "))
      .find((f) => f[2] === majMin);
    if (!at) continue;
    const comm = (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "?")).trim();
    out.push(`on ${at[4] ?? "?"} in the mount namespace of pid ${pid} (${comm})`);
  }
  return out;
}

/**
 * Asks the kernel whether anything uses the disk: an exclusive open (O_EXCL without O_CREAT) of a block
 * device fails with EBUSY while it is mounted, active swap, held by device-mapper/md, or opened
 * exclusively by another program, in any mount namespace or container. lsblk and /proc/self/mounts see
 * only this namespace. Returns one line per busy device (the disk, then its partitions); empty when free.
 * Each device is closed again at once: held, it would make pairboot's own wipefs and mkfs (which open
 * exclusively too) fail with EBUSY.
 */
export async function exclusiveBusy(disk: string): Promise<string[]> {
  const busy: string[] = [];
  const devices = await diskAndPartitions(disk);
  for (const device of devices) {
    try {
      const fh = await open(device, constants.O_RDONLY | constants.O_EXCL);
      await fh.close();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EBUSY") {
        busy.push(`${device} cannot be opened: ${(err as Error).message}`);
        continue;
      }
      const where = await namespacesMounting(device);
      busy.push(
        `${device} is in use${where.length > 0 ? ` (mounted ${where.join("; ")})` : ""}: the kernel refuses ` +
          `to open it exclusively (mounted, active swap, or held by another program, possibly in another ` +
          `mount namespace or container, where lsblk does not see it)`,
      );
    }
  }
  // A busy partition makes the whole disk busy too; name only the partition then.
  return busy.length > 1 && busy[0]?.startsWith(`${devices[0]} is in use`) ? busy.slice(1) : busy;
}

/** The install's last check before its first write: refuses a disk the kernel says is in use anywhere. */
export async function checkExclusive(disk: string): Promise<void> {
  const busy = await exclusiveBusy(disk);
  if (busy.length > 0) {
    throw new InstallRefused(
      `${disk} cannot be used: ${busy.join("; ")}. Unmount it there or stop what holds it, then run again`,
    );
  }
}
