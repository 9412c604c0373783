// Node B's disk during a restore. The order matters and is the safety story:
//   1. check (size, sector size, nothing mounted) - nothing written if any check fails;
//   2. write the table with temporary types and names (layout.ts): the disk does not look bootable or
//      installed while data is arriving;
//   3. restore and verify each section;
//   4. wipe the first and last MiB of the data partition (stale filesystem or DRBD metadata signatures;
//      DRBD's internal metadata sits at the end) and the BIOS boot partition (stale GRUB core);
//   5. (identity rewrite, done by the caller)
//   6. write the final table: real types and names. Only now can firmware find the ESP.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printable, type CloneHeader, type SectionInfo } from "./format.js";
import { exclusiveBusy } from "../apply/guards.js";
import { diskGeometry, diskTool, mountsOf, rereadPartitions, type DiskGeometry } from "./disk.js";
import { parseSfdiskDump, planTarget, type TargetPlan } from "./layout.js";
import type { Readable } from "node:stream";
import { receiveSectionScript, runPipeline, type RunOptions } from "./pipeline.js";

const MiB = 1024 ** 2;

export interface PreparedTarget {
  geometry: DiskGeometry;
  plan: TargetPlan;
}

/** Every check that can refuse the target before a byte is written. */
export async function checkTarget(disk: string, header: CloneHeader): Promise<PreparedTarget> {
  const geometry = await diskGeometry(disk);
  const mounted = await mountsOf(disk);
  if (mounted.length > 0) {
    const list = mounted.map((m) => `${m.device} on ${m.mountPoint}`).join(", ");
    throw new Error(
      `${disk} is in use (${list}); is it the boot stick or node A's disk? Nothing was written`,
    );
  }
  // Mounted in another mount namespace (a container, a VM's helper) does not show above; the kernel knows.
  const busy = await exclusiveBusy(disk);
  if (busy.length > 0) throw new Error(`${busy.join("; ")}; nothing was written`);
  let table;
  try {
    table = parseSfdiskDump(header.table);
  } catch (err) {
    throw new Error(`node A's partition table cannot be read: ${printable((err as Error).message)}`);
  }
  const r = planTarget(table, geometry.bytes, geometry.sectorSize);
  if ("error" in r) throw new Error(r.error);
  const wrong = checkSections(header, r.plan);
  if (wrong) throw new Error(`the clone header does not match its partition table: ${wrong}`);
  // sfdisk's own dry run of both tables, before the first write: whatever it would refuse later (a
  // partition past the end, an overlap this code missed) is refused now, with nothing written.
  for (const script of [r.plan.temporaryScript, r.plan.finalScript]) {
    await diskTool(
      ["sfdisk", "--no-act", "--quiet", "--wipe", "never", "--wipe-partitions", "never", disk],
      script,
    ).catch((err: Error) => {
      throw new Error(`sfdisk refuses the planned table for ${disk}: ${err.message}; nothing was written`);
    });
  }
  return { geometry, plan: r.plan };
}

/**
 * Each section goes into the partition of its own role, with the size the table gives it: an ESP section
 * mapped onto the data partition (a crafted header) is refused. Returns the problem, or null.
 */
export function checkSections(header: CloneHeader, plan: TargetPlan): string | null {
  for (const s of header.sections) {
    const p = plan.partitions.find((x) => x.number === s.partition);
    if (!p) return `the ${s.role} section names partition ${s.partition}, which the table does not have`;
    if (p.role !== s.role)
      return `the ${s.role} section names partition ${s.partition}, which is the ${p.role} partition`;
    const bytes = p.size * header.source.sectorSize;
    if (s.sizeBytes !== bytes)
      return `the ${s.role} section says its partition holds ${s.sizeBytes} bytes, the table ${bytes}`;
    if (s.usedBytes > s.sizeBytes) return `the ${s.role} section claims more bytes in use than it holds`;
  }
  return null;
}

async function zero(device: string, offsetBytes: number, bytes: number): Promise<void> {
  await diskTool([
    "dd",
    "if=/dev/zero",
    `of=${device}`,
    "bs=1M",
    `seek=${offsetBytes}`,
    `count=${bytes}`,
    "oflag=seek_bytes",
    "iflag=count_bytes",
    "conv=notrunc,fsync",
    "status=none",
  ]);
}

/** Clears old boot code, both GPT copies and signatures, then writes the temporary table. */
export async function writeTemporaryTable(t: PreparedTarget): Promise<Map<number, string>> {
  const disk = t.geometry.path;
  await zero(disk, 0, MiB);
  await zero(disk, t.geometry.bytes - MiB, MiB);
  await diskTool(
    ["sfdisk", "--quiet", "--wipe", "always", "--wipe-partitions", "always", disk],
    t.plan.temporaryScript,
  );
  return rereadPartitions(
    disk,
    t.plan.partitions.map((p) => p.number),
  );
}

/**
 * Restores one section into its partition from `input`: verified plaintext (an Opener), which fails
 * before handing on a record that did not authenticate; the pipeline is then killed.
 */
export async function restoreSection(
  section: SectionInfo,
  partition: string,
  input: Readable,
  opts: Omit<RunOptions, "stdin" | "stdout">,
): Promise<void> {
  // partclone creates a regular file when the target path does not exist; never let it.
  if (!(await stat(partition).catch(() => null))?.isBlockDevice()) {
    input.destroy();
    throw new Error(`${partition} is not a block device`);
  }
  const work = await mkdtemp(join(tmpdir(), "pairboot-restore-"));
  try {
    await runPipeline(receiveSectionScript(section, partition, work), { ...opts, stdin: input });
  } catch (err) {
    input.destroy();
    // partclone's log stays for the user to read (its own message points at it).
    const log = join(work, "partclone.log");
    const kept = await stat(log).then(
      () => `; partclone's log: ${log}`,
      () => "",
    );
    if (kept === "") await rm(work, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}${kept}`);
  }
  await rm(work, { recursive: true, force: true });
}

export async function wipeLeftovers(t: PreparedTarget, nodes: Map<number, string>): Promise<void> {
  for (const p of t.plan.partitions) {
    const dev = nodes.get(p.number);
    if (!dev) continue;
    const bytes = p.size * t.geometry.sectorSize;
    if (p.role === "bios") await zero(dev, 0, bytes);
    if (p.role === "data") {
      await zero(dev, 0, MiB);
      await zero(dev, bytes - MiB, MiB);
    }
  }
}

/** Writes the real partition types and names, then checks the disk now shows exactly that table. */
export async function writeFinalTable(t: PreparedTarget): Promise<void> {
  const disk = t.geometry.path;
  // --wipe never: the partitions now hold restored filesystems that must survive the rewrite.
  await diskTool(
    ["sfdisk", "--quiet", "--wipe", "never", "--wipe-partitions", "never", "--no-reread", disk],
    t.plan.finalScript,
  );
  await rereadPartitions(
    disk,
    t.plan.partitions.map((p) => p.number),
  );
  const now = parseSfdiskDump(await diskTool(["sfdisk", "--dump", disk]));
  for (const p of t.plan.partitions) {
    const q = now.partitions.find((x) => x.number === p.number);
    if (
      !q ||
      q.start !== p.start ||
      q.size !== p.size ||
      q.type !== p.type.toUpperCase() ||
      q.name !== p.name
    ) {
      throw new Error(
        `partition ${p.number} on ${disk} is not what was planned after writing the final table`,
      );
    }
  }
}

export function describePlan(t: PreparedTarget): string {
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  return `${t.geometry.path}: ${gib(t.geometry.bytes)}; OS partition ${gib(t.plan.osBytes)} (as on node A), data partition ${gib(t.plan.dataBytes)} (the rest of the disk, not copied)`;
}
