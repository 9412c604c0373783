// Reading and writing block devices for a clone: what is on a disk, whether it is in use, and the few
// small commands (sfdisk, blockdev, dumpe2fs) whose output fits in memory. Bulk data is pipeline.ts's job.
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { realpath } from "node:fs/promises";
import { run, runChecked } from "../util/exec.js";

/**
 * A disk tool's output, its messages in English (LC_ALL=C); a failure is thrown with the command and the
 * last lines of its stderr.
 */
export async function diskTool(argv: string[], stdin?: string): Promise<string> {
  return (await runChecked(argv, { env: "c", stdin })).stdout;
}

export interface DiskGeometry {
  path: string;
  bytes: number;
  sectorSize: number;
}

export async function diskGeometry(path: string): Promise<DiskGeometry> {
  const st = await stat(path).catch(() => null);
  if (!st?.isBlockDevice()) throw new Error(`${path} is not a block device`);
  const bytes = Number((await diskTool(["blockdev", "--getsize64", path])).trim());
  const sectorSize = Number((await diskTool(["blockdev", "--getss", path])).trim());
  return { path, bytes, sectorSize };
}

/** The kernel name (sda, loop3, nvme0n1) of a disk given by any path, following /dev/disk/by-* links. */
async function kernelName(path: string): Promise<string> {
  return basename(await realpath(path));
}

/** The disk's partitions as kernel devices: number -> /dev/NAME, read from sysfs. */
export async function partitionNodes(disk: string): Promise<Map<number, string>> {
  const name = await kernelName(disk);
  const dir = `/sys/class/block/${name}`;
  const out = new Map<number, string>();
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const num = await readFile(join(dir, entry, "partition"), "utf8").catch(() => null);
    if (num !== null) out.set(Number(num.trim()), `/dev/${entry}`);
  }
  return out;
}

interface Mount {
  majMin: string;
  mountPoint: string;
  readWrite: boolean;
}

async function mounts(): Promise<Mount[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const f = line.split(" ");
      const opts = (f[5] ?? "").split(",");
      return { majMin: f[2] ?? "", mountPoint: f[4] ?? "", readWrite: opts.includes("rw") };
    });
}

/** The disk and each of its partitions as "major:minor", the identity mountinfo records. */
async function devNumbers(disk: string): Promise<Map<string, string>> {
  const name = await kernelName(disk);
  const out = new Map<string, string>();
  const own = await readFile(`/sys/class/block/${name}/dev`, "utf8");
  out.set(own.trim(), `/dev/${name}`);
  for (const node of (await partitionNodes(disk)).values()) {
    const dev = await readFile(`/sys/class/block/${basename(node)}/dev`, "utf8");
    out.set(dev.trim(), node);
  }
  return out;
}

/** Everything mounted from the disk: "/dev/sda3 on /mnt (read-write)". */
export async function mountsOf(
  disk: string,
): Promise<{ device: string; mountPoint: string; readWrite: boolean }[]> {
  const devs = await devNumbers(disk);
  return (await mounts())
    .filter((m) => devs.has(m.majMin))
    .map((m) => ({ device: devs.get(m.majMin) ?? "?", mountPoint: m.mountPoint, readWrite: m.readWrite }));
}

/** Bytes in use in an ext4 filesystem, from its superblock. */
export async function ext4UsedBytes(device: string): Promise<number> {
  const text = await diskTool(["dumpe2fs", "-h", device]);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1]);
  const used = (field("Block count") - field("Free blocks")) * field("Block size");
  if (!Number.isFinite(used)) throw new Error(`cannot read the block counts of ${device}`);
  return used;
}

/** Bytes in use in a FAT filesystem, from fsck.fat's read-only check. */
export async function vfatUsedBytes(device: string): Promise<number> {
  const r = await run(["fsck.fat", "-n", "-v", device], { env: "c" });
  const text = r.stdout;
  const clusters = /(\d+)\/\d+ clusters/.exec(text)?.[1];
  const size = /(\d+) bytes per cluster/.exec(text)?.[1];
  if (clusters === undefined || size === undefined)
    throw new Error(`cannot read the FAT of ${device}: ${r.stderr.trim()}`);
  return Number(clusters) * Number(size);
}

/** The node name node A was installed as, read from its unmounted OS filesystem with debugfs. */
export async function installedNodeName(osDevice: string): Promise<string | null> {
  const r = await run(["debugfs", "-R", "cat /etc/pairboot/node", osDevice], { env: "c" });
  const name = r.stdout.trim();
  return r.exitCode === 0 && /^[a-z0-9-]{1,63}$/.test(name) ? name : null;
}

/** A file's bytes from an unmounted ext4 filesystem (debugfs, read-only), or null when it is not there. */
export async function readOsFile(osDevice: string, path: string): Promise<string | null> {
  const r = await run(["debugfs", "-R", `cat ${path}`, osDevice], { env: "c", keepFinalNewline: true });
  // debugfs exits 0 even when the file is missing; it then says so on stderr and prints nothing.
  return r.exitCode === 0 && !/File not found/.test(r.stderr) ? r.stdout : null;
}

/** Waits for the kernel to create partition nodes after a table is written (no udev daemon on the live system). */
export async function rereadPartitions(disk: string, expected: number[]): Promise<Map<number, string>> {
  await run(["blockdev", "--rereadpt", disk]);
  for (let i = 0; i < 50; i++) {
    const nodes = await partitionNodes(disk);
    if (expected.every((n) => nodes.has(n))) {
      const ok = await Promise.all(
        expected.map((n) =>
          stat(nodes.get(n) as string).then(
            (st) => st.isBlockDevice(),
            () => false,
          ),
        ),
      );
      if (ok.every(Boolean)) return nodes;
    }
    // Without udev the kernel sometimes keeps the old list after a re-read, or (loop devices on this
    // kernel: blockdev --rereadpt exits 0) drops every partition until partx -a adds them again. partx -u
    // updates existing entries, partx -a adds missing ones (and complains about present ones). At once, not
    // after a wait: waiting first cost about a second per table written.
    if (i === 0 || i === 10 || i === 30) {
      await run(["partx", "-u", disk]);
      await run(["partx", "-a", disk]);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the kernel did not show partitions ${expected.join(", ")} of ${disk} as block devices after writing the table (a stray regular file in /dev in the way?)`,
  );
}
