// Disk images for tests: sparse raw files, GPT layouts, ext4 filesystems filled from a directory
// without mounting anything, and loop devices that are always detached again.
//
//   await createSparseImage("/tmp/x/disk.raw", 4 * GiB);
//   await withLoop("/tmp/x/disk.raw", async (loop) => { loop.dev; loop.partitions; });
//   await makeExt4FromDir({ dir: rootfs, image: "/tmp/x/root.ext4", sizeBytes: 2 * GiB });
//   await assembleGptDisk("/tmp/x/disk.raw", 3 * GiB, [{ name: "root", sizeBytes: 2 * GiB, content: "/tmp/x/root.ext4" }]);
import { execa } from "execa";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { open, stat, writeFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** GPT partition type GUIDs that tests use. */
export const PartType = {
  linux: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
  esp: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  biosBoot: "21686148-6449-6E6F-744E-656564454649",
} as const;

/** Creates (or truncates to) a sparse file of the given size. */
export async function createSparseImage(file: string, sizeBytes: number): Promise<void> {
  const fh = await open(file, "w");
  try {
    await fh.truncate(sizeBytes);
  } finally {
    await fh.close();
  }
}

/** Copies an image keeping holes (fast, and the copy uses no more disk than the original). */
export async function copySparse(from: string, to: string): Promise<void> {
  await execa("cp", ["--sparse=always", from, to]);
}

export interface GptPartition {
  name: string;
  sizeBytes?: number; // omitted: the rest of the disk (last partition only)
  type?: string; // GUID, default linux
  uuid?: string;
  /** A file (e.g. from makeExt4FromDir) written into the partition. */
  content?: string;
}

export interface PlacedPartition extends GptPartition {
  number: number;
  startBytes: number;
  sizeBytes: number;
}

/**
 * Makes a sparse raw disk with a GPT holding the given partitions (1 MiB aligned, first at 1 MiB)
 * and copies each partition's content file into place. No loop device, no root needed for this.
 */
export async function assembleGptDisk(
  file: string,
  diskBytes: number,
  parts: GptPartition[],
): Promise<PlacedPartition[]> {
  await createSparseImage(file, diskBytes);
  const placed: PlacedPartition[] = [];
  let next = MiB;
  const end = diskBytes - MiB; // room for the backup GPT
  parts.forEach((p, i) => {
    const size = p.sizeBytes ?? end - next;
    if (size <= 0 || next + size > end)
      throw new Error(`partition ${p.name} does not fit on a ${diskBytes}-byte disk`);
    placed.push({ ...p, number: i + 1, startBytes: next, sizeBytes: size });
    next += Math.ceil(size / MiB) * MiB;
  });
  const script = [
    "label: gpt",
    ...placed.map((p) =>
      [
        `start=${p.startBytes / 512}`,
        `size=${p.sizeBytes / 512}`,
        `type=${p.type ?? PartType.linux}`,
        `name="${p.name}"`,
        ...(p.uuid ? [`uuid=${p.uuid}`] : []),
      ].join(", "),
    ),
  ].join("\n");
  await execa("sfdisk", ["--quiet", "--no-reread", "--no-tell-kernel", file], { input: script + "\n" });
  for (const p of placed) {
    if (!p.content) continue;
    const { size } = await stat(p.content);
    if (size > p.sizeBytes)
      throw new Error(`${p.content} (${size} bytes) is larger than partition ${p.name}`);
    // conv=sparse keeps the holes of the filesystem image as holes in the disk image.
    await execa("dd", [
      `if=${p.content}`,
      `of=${file}`,
      "bs=1M",
      `seek=${p.startBytes / MiB}`,
      "conv=notrunc,sparse",
      "status=none",
    ]);
  }
  return placed;
}

export interface Ext4Options {
  dir: string;
  image: string;
  sizeBytes: number;
  label?: string;
  uuid?: string;
}

/** mkfs.ext4 -d: an ext4 image holding a copy of `dir` (owners, modes, xattrs kept), no mount. */
export async function makeExt4FromDir(o: Ext4Options): Promise<void> {
  await createSparseImage(o.image, o.sizeBytes);
  await execa("mkfs.ext4", [
    "-q",
    "-F",
    "-d",
    o.dir,
    ...(o.label ? ["-L", o.label] : []),
    ...(o.uuid ? ["-U", o.uuid] : []),
    o.image,
  ]);
}

/**
 * A FAT (ESP) image holding the given files, made with mkfs.vfat and mtools: no mount, so it
 * works on hosts whose kernel has no vfat. `files` maps a path in the image (e.g.
 * "/EFI/BOOT/BOOTX64.EFI") to a local file.
 */
export async function makeFatImage(
  image: string,
  sizeBytes: number,
  files: Record<string, string>,
  label = "ESP",
): Promise<void> {
  await createSparseImage(image, sizeBytes);
  await execa("mkfs.vfat", ["-F", "32", "-n", label, image]);
  const dirs = new Set<string>();
  for (const dest of Object.keys(files)) {
    for (let d = path.posix.dirname(dest); d !== "/"; d = path.posix.dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort((a, b) => a.length - b.length)) await execa("mmd", ["-i", image, `::${d}`]);
  for (const [dest, local] of Object.entries(files)) await execa("mcopy", ["-i", image, local, `::${dest}`]);
}

export interface InjectedFile {
  /** Absolute path inside the filesystem. */
  path: string;
  content: string | Buffer;
  /** Octal mode, default 0644. */
  mode?: number;
}

/**
 * Writes files into an unmounted ext4 image with debugfs (root-owned, parent directories made
 * as needed, existing files replaced). Lets a test change a few files of a big tree without
 * copying the tree.
 */
export async function injectFiles(
  ext4Image: string,
  files: InjectedFile[],
  symlinks: { path: string; target: string }[] = [],
): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "pb-inject-"));
  try {
    const cmds: string[] = [];
    const dirs = new Set<string>();
    const all = [...files.map((f) => f.path), ...symlinks.map((s) => s.path)];
    for (const p of all) {
      if (!p.startsWith("/") || /["\s]/.test(p)) throw new Error(`injectFiles: bad path ${p}`);
      for (let d = path.posix.dirname(p); d !== "/"; d = path.posix.dirname(d)) dirs.add(d);
    }
    // mkdir of an existing directory only prints an error and debugfs goes on; new ones get 0755.
    for (const d of [...dirs].sort((a, b) => a.length - b.length)) cmds.push(`mkdir ${d}`);
    let i = 0;
    for (const f of files) {
      const local = path.join(tmp, `f${i++}`);
      await writeFile(local, f.content);
      cmds.push(`rm ${f.path}`, `write ${local} ${f.path}`);
      cmds.push(`set_inode_field ${f.path} mode 0${(0o100000 | (f.mode ?? 0o644)).toString(8)}`);
      cmds.push(`set_inode_field ${f.path} uid 0`, `set_inode_field ${f.path} gid 0`);
    }
    for (const s of symlinks) cmds.push(`rm ${s.path}`, `symlink ${s.path} ${s.target}`);
    const cmdFile = path.join(tmp, "cmds");
    await writeFile(cmdFile, cmds.join("\n") + "\n");
    await execa("debugfs", ["-w", "-f", cmdFile, ext4Image]);
    // Verify: debugfs reports most failures only as text.
    for (const f of files) {
      const r = await execa("debugfs", ["-R", `stat ${f.path}`, ext4Image], { reject: false });
      if (!/Type: regular/.test(String(r.stdout)))
        throw new Error(`injectFiles: ${f.path} was not written: ${String(r.stderr)}`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Files for a test disk that give root a shell on the serial console without logging in.
 * It runs agetty on /dev/console (console-getty.service) instead of serial-getty@ttyS0: the
 * latter waits for udev to announce ttyS0 and gives up after 90 s, which happens under TCG on a
 * busy host (measured: coldplug took longer than that at load 12). Boot with console=ttyS0.
 */
export function consoleAutologin(): { files: InjectedFile[]; symlinks: { path: string; target: string }[] } {
  return {
    files: [
      {
        path: "/etc/systemd/system/console-getty.service.d/autologin.conf",
        content:
          "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear --keep-baud console 115200,38400,9600 $TERM\n",
      },
    ],
    symlinks: [
      {
        path: "/etc/systemd/system/getty.target.wants/console-getty.service",
        target: "/lib/systemd/system/console-getty.service",
      },
      { path: "/etc/systemd/system/serial-getty@ttyS0.service", target: "/dev/null" },
    ],
  };
}

export interface Loop {
  /** e.g. /dev/loop3 */
  dev: string;
  /** Partition device nodes, e.g. ["/dev/loop3p1", ...], in partition order. */
  partitions: string[];
  detach(): Promise<void>;
}

/**
 * losetup -f --show -P. Without udev the kernel's devtmpfs still creates partition nodes; when
 * they do not show up (seen on some kernels), partx -a asks the kernel again.
 */
export async function attachLoop(file: string, opts: { readOnly?: boolean } = {}): Promise<Loop> {
  const { stdout } = await execa("losetup", ["-f", "--show", "-P", ...(opts.readOnly ? ["-r"] : []), file]);
  const dev = String(stdout).trim();
  let detached = false;
  const loop: Loop = {
    dev,
    partitions: [],
    async detach() {
      if (detached) return;
      detached = true;
      await execa("sync", []).catch(() => undefined);
      for (let i = 0; i < 10; i++) {
        const r = await execa("losetup", ["-d", dev], { reject: false });
        if (r.exitCode === 0) return;
        await new Promise((res) => setTimeout(res, 300)); // busy: something still closing it
      }
      throw new Error(`could not detach ${dev}`);
    },
  };
  try {
    loop.partitions = await partitionNodes(dev);
  } catch (e) {
    await loop.detach();
    throw e;
  }
  return loop;
}

async function partitionNodes(dev: string): Promise<string[]> {
  const name = path.basename(dev);
  const sysParts = () =>
    readdirSync(`/sys/block/${name}`)
      .filter((e) => e.startsWith(`${name}p`))
      .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)));
  let parts = sysParts();
  if (parts.length === 0) {
    // No partitions seen: a disk without a table, or the kernel did not scan. Ask once more.
    await execa("partx", ["-a", dev], { reject: false });
    parts = sysParts();
  }
  for (const p of parts) {
    const node = `/dev/${p}`;
    for (let i = 0; i < 50 && !existsSync(node); i++) await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(node)) {
      // devtmpfs did not make it: make the node from sysfs's major:minor.
      const [maj, min] = readFileSync(`/sys/block/${name}/${p}/dev`, "utf8").trim().split(":");
      await execa("mknod", [node, "b", maj ?? "", min ?? ""]);
    }
  }
  return parts.map((p) => `/dev/${p}`);
}

/** Runs fn with the image attached; detaches whatever happens. */
export async function withLoop<T>(
  file: string,
  fn: (loop: Loop) => Promise<T>,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  const loop = await attachLoop(file, opts);
  try {
    return await fn(loop);
  } finally {
    await loop.detach();
  }
}

/** Mounts `dev` on a fresh temp directory for fn, then unmounts and removes the directory. */
export async function withMount<T>(
  dev: string,
  fn: (dir: string) => Promise<T>,
  opts: { options?: string } = {},
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pb-mnt-"));
  await execa("mount", [...(opts.options ? ["-o", opts.options] : []), dev, dir]);
  try {
    return await fn(dir);
  } finally {
    await execa("umount", [dir]).catch(async () => execa("umount", ["-l", dir]));
    await rm(dir, { recursive: true, force: true });
  }
}
