// The stick image, build/pairboot-stick.img (scripts/build-stick.sh, run at the end of scripts/build-iso.sh):
// the ISO followed by a FAT32 partition labelled PAIRBOOT. Checked on the image file with offsets, as root
// only because build-iso.sh needs root; no loop device, no mount, no VM:
//  - the ISO's four GPT partitions are unchanged, partition 5 starts behind the ISO's end and has the size
//    asked for, the backup GPT sits at the image's new end;
//  - of the ISO's bytes only the protective MBR's entry, the GPT header and the GPT entry sector holding
//    partition 5 differ (cmp over the whole ISO);
//  - partition 5 is FAT32 labelled PAIRBOOT, fsck.fat passes on a copy of it, README.txt is on it;
//  - the live system's probe, fed what blkid reads on each partition, finds partition 5 as the stick;
//  - PAIRBOOT_STICK_MIB: 64 works, other values are refused; an up-to-date image is not rebuilt.
import { execa } from "execa";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHardware } from "../../src/probe/parse.js";
import { findStick } from "../../src/probe/stick.js";
import { liveStickMachine } from "../support/probe.js";

const repo = path.resolve(import.meta.dirname, "../..");
const iso = path.join(repo, "build/pairboot.iso");
const img = path.join(repo, "build/pairboot-stick.img");
const buildStick = path.join(repo, "scripts/build-stick.sh");
const isRoot = process.getuid?.() === 0;
const SECTOR = 512;
const MiB = 1024 * 1024;
const BASIC_DATA = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
const mtools = { env: { MTOOLS_SKIP_CHECK: "1" } };

interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  uuid: string;
  name?: string;
  attrs?: string;
}
interface SfdiskTable {
  label: string;
  id: string;
  lastlba: number;
  partitions: SfdiskPartition[];
}

async function table(file: string): Promise<SfdiskTable> {
  const out = (await execa("sfdisk", ["-J", file])).stdout;
  return (JSON.parse(out) as { partitiontable: SfdiskTable }).partitiontable;
}

async function sector(file: string, lba: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(SECTOR);
    await fh.read(buf, 0, SECTOR, lba * SECTOR);
    return buf;
  } finally {
    await fh.close();
  }
}

/** blkid -p -o export on a byte range of a file, as it reads a partition; "" when it finds nothing. */
async function blkid(file: string, offset?: number, size?: number): Promise<string> {
  const range = offset === undefined ? [] : ["-O", String(offset), ...(size ? ["-S", String(size)] : [])];
  const r = await execa("blkid", ["-p", ...range, "-o", "export", file], { reject: false });
  if (r.exitCode === 2) return "";
  if (r.exitCode !== 0) throw new Error(`blkid failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

/** minfo's view of a FAT filesystem at a byte offset, and its cluster count (which makes it FAT32 or not). */
async function fat(file: string, offset: number) {
  const info = (await execa("minfo", ["-i", `${file}@@${offset}`, "::"], mtools)).stdout;
  const num = (re: RegExp) => Number(re.exec(info)?.[1]);
  const sectors = num(/^big size: (\d+) sectors$/m);
  const perCluster = num(/^cluster size: (\d+) sectors$/m);
  const reserved = num(/^reserved \(boot\) sectors: (\d+)$/m);
  const fats = num(/^fats: (\d+)$/m);
  const fatLen = num(/^Big fatlen=(\d+)$/m);
  return { info, sectors, clusters: Math.floor((sectors - reserved - fats * fatLen) / perCluster) };
}

// Fewer clusters than this and every FAT implementation reads the filesystem as FAT16, whatever it says.
const FAT32_MIN_CLUSTERS = 65525;

describe.skipIf(!isRoot)("the stick image: the ISO plus a PAIRBOOT partition", () => {
  let tmp: string;
  let isoBytes: number;
  let imgBytes: number;
  let isoTable: SfdiskTable;
  let imgTable: SfdiskTable;
  let p5: SfdiskPartition;

  beforeAll(async () => {
    // Cached like iso.test.ts: re-bundles and re-runs grub-mkrescue, then build-stick.sh.
    await execa("bash", [path.join(repo, "scripts/build-iso.sh")], {
      stdio: "inherit",
      timeout: 45 * 60_000,
    });
    tmp = await mkdtemp(path.join(os.tmpdir(), "pb-stick-"));
    isoBytes = (await stat(iso)).size;
    imgBytes = (await stat(img)).size;
    isoTable = await table(iso);
    imgTable = await table(img);
    const last = imgTable.partitions.at(-1);
    if (!last) throw new Error("the stick image has no partitions");
    p5 = last;
  }, 50 * 60_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("keeps the ISO's GPT partitions and appends partition 5, 1 GiB, behind the ISO's end", () => {
    expect(isoTable.label).toBe("gpt");
    expect(imgTable.label).toBe("gpt");
    expect(imgTable.id).toBe(isoTable.id);
    expect(isoTable.partitions).toHaveLength(4);
    expect(imgTable.partitions).toHaveLength(isoTable.partitions.length + 1);
    const same = ({ start, size, type, uuid, name, attrs }: SfdiskPartition) => ({
      start,
      size,
      type,
      uuid,
      name,
      attrs,
    });
    expect(imgTable.partitions.slice(0, 4).map(same)).toEqual(isoTable.partitions.map(same));

    expect(p5.node).toMatch(/5$/);
    expect(p5).toMatchObject({ type: BASIC_DATA, name: "PAIRBOOT", size: 1024 * 2048 });
    expect(p5.start * SECTOR).toBeGreaterThanOrEqual(isoBytes);
    expect(p5.start * SECTOR - isoBytes).toBeLessThan(MiB); // the first MiB boundary behind the ISO
    expect(p5.start % 2048).toBe(0);
    // 1 MiB behind the partition for the backup GPT.
    expect(imgBytes).toBe((p5.start + p5.size) * SECTOR + MiB);
    expect(imgTable.lastlba).toBeGreaterThanOrEqual(p5.start + p5.size - 1);
  });

  it("has its backup GPT at its own end and a protective MBR that covers it", async () => {
    const sectors = imgBytes / SECTOR;
    const primary = await sector(img, 1);
    const backup = await sector(img, sectors - 1);
    for (const h of [primary, backup]) expect(h.toString("latin1", 0, 8)).toBe("EFI PART");
    expect(primary.readBigUInt64LE(32)).toBe(BigInt(sectors - 1)); // AlternateLBA
    expect(backup.readBigUInt64LE(24)).toBe(BigInt(sectors - 1)); // MyLBA
    expect(backup.readBigUInt64LE(32)).toBe(1n);
    const mbr = await sector(img, 0);
    expect(mbr[446 + 4]).toBe(0xee);
    expect(mbr.readUInt32LE(446 + 8)).toBe(1);
    expect(mbr.readUInt32LE(446 + 12)).toBe(sectors - 1);
    expect(mbr.subarray(446 + 16, 510).every((b) => b === 0)).toBe(true); // entries 2 to 4 empty
    expect(mbr.readUInt16LE(510)).toBe(0xaa55);
    const verify = await execa("sfdisk", ["--verify", img], { reject: false, all: true });
    expect(verify.all).toContain("No errors detected.");
    expect(verify.exitCode).toBe(0);
  });

  it("differs from the ISO only in the protective MBR's entry, the GPT header and partition 5's entry sector", async () => {
    // Where the ISO's GPT keeps its entries (grub-mkrescue/xorriso: sector 20, behind the APM blocks).
    const header = await sector(iso, 1);
    const entriesLba = Number(header.readBigUInt64LE(72));
    const entrySize = header.readUInt32LE(84);
    const p5EntrySector = entriesLba + Math.floor((4 * entrySize) / SECTOR);

    // cmp -l: "BYTE OLD NEW" (byte counted from 1, values in octal) for every differing byte of the ISO.
    const r = await execa("cmp", ["-l", "-n", String(isoBytes), iso, img], { reject: false });
    expect(r.exitCode).toBe(1);
    const bytes = r.stdout
      .trim()
      .split("\n")
      .map((l) => Number(l.trim().split(/\s+/)[0]) - 1);
    const sectors = [...new Set(bytes.map((b) => Math.floor(b / SECTOR)))].sort((a, b) => a - b);
    expect(sectors).toEqual([0, 1, p5EntrySector]);
    expect(p5EntrySector).toBe(21);
    // In sector 0 only the partition entries: GRUB's boot code (0-445) and the signature stay as they were.
    const inMbr = bytes.filter((b) => b < SECTOR);
    expect(Math.min(...inMbr)).toBeGreaterThanOrEqual(446);
    expect(Math.max(...inMbr)).toBeLessThan(510);
  });

  it("still probes, as a whole, like the ISO: iso9660 PAIRBOOT_LIVE on a GPT (what live-boot looks for)", async () => {
    const strip = (s: string) => s.replace(/^DEVNAME=.*\n/, "");
    const whole = await blkid(img);
    expect(strip(whole)).toBe(strip(await blkid(iso)));
    expect(whole).toMatch(/^TYPE=iso9660$/m);
    expect(whole).toMatch(/^LABEL=PAIRBOOT_LIVE$/m);
    expect(whole).toMatch(/^PTTYPE=gpt$/m);
  });

  it("partition 5 is FAT32 labelled PAIRBOOT, fsck.fat passes, README.txt says what goes there", async () => {
    const offset = p5.start * SECTOR;
    const probed = await blkid(img, offset, p5.size * SECTOR);
    expect(probed).toMatch(/^TYPE=vfat$/m);
    expect(probed).toMatch(/^VERSION=FAT32$/m);
    expect(probed).toMatch(/^LABEL=PAIRBOOT$/m);

    // fsck.fat takes no offset: check a sparse copy of the partition's bytes.
    const part = path.join(tmp, "p5.img");
    await execa("dd", [
      `if=${img}`,
      `of=${part}`,
      "bs=1M",
      `skip=${offset}`,
      `count=${p5.size * SECTOR}`,
      "iflag=skip_bytes,count_bytes",
      "conv=sparse",
      "status=none",
    ]);
    const fsck = await execa("fsck.fat", ["-n", part], { reject: false, all: true });
    expect(fsck.exitCode, fsck.all).toBe(0);

    const { info, sectors, clusters } = await fat(img, offset);
    expect(info).toMatch(/^sector size: 512 bytes$/m);
    expect(info).toMatch(new RegExp(`^hidden sectors: ${p5.start}$`, "m"));
    expect(sectors).toBeLessThanOrEqual(p5.size);
    expect(sectors).toBeGreaterThan(p5.size - 2048);
    expect(clusters).toBeGreaterThanOrEqual(FAT32_MIN_CLUSTERS);

    const dir = (await execa("mdir", ["-i", `${img}@@${offset}`, "-b", "::"], mtools)).stdout;
    expect(dir.trim().split("\n")).toEqual(["::/README.txt"]);
    const readme = (await execa("mtype", ["-i", `${img}@@${offset}`, "::README.txt"], mtools)).stdout;
    for (const what of ["pairboot.yaml", "answer.yaml", "logs/", "/run/pairboot/stick"])
      expect(readme).toContain(what);
  });

  it("the live system's probe, given what blkid reads on each partition, finds partition 5 as the stick", async () => {
    // A machine booted from this image on a USB stick (sdb) with a blank disk (sda), as lsblk and blkid
    // show it without udev's database: lsblk knows the partitions, blkid what is on them.
    const parts = imgTable.partitions.map((p, i) => ({ ...p, dev: `/dev/sdb${i + 1}` }));
    const blkids: Record<string, string> = {};
    blkids["/dev/sdb"] = (await blkid(img)).replace(/^DEVNAME=.*$/m, "DEVNAME=/dev/sdb");
    for (const p of parts)
      blkids[p.dev] = (await blkid(img, p.start * SECTOR, p.size * SECTOR)).replace(
        /^DEVNAME=.*$/m,
        `DEVNAME=${p.dev}`,
      );
    const raw = liveStickMachine(
      {
        size: 16 * 1024 * MiB, // a stick larger than the image, as they all are
        children: parts.map((p) => ({ name: p.dev.slice(5), type: "part", size: p.size * SECTOR })),
      },
      blkids,
    );
    const facts = parseHardware(raw);
    const sdb = facts.disks.find((d) => d.path === "/dev/sdb");
    expect(sdb).toMatchObject({
      isBootMedium: true,
      fstype: "iso9660",
      label: "PAIRBOOT_LIVE",
      ptType: "gpt",
    });
    expect(sdb?.partitions.map((p) => [p.path, p.fstype, p.label])).toEqual([
      ["/dev/sdb1", null, null],
      ["/dev/sdb2", "vfat", null],
      ["/dev/sdb3", "hfsplus", "PAIRBOOT_LIVE"],
      ["/dev/sdb4", null, null],
      ["/dev/sdb5", "vfat", "PAIRBOOT"],
    ]);
    expect(findStick(facts)?.partition).toMatchObject({
      path: "/dev/sdb5",
      fstype: "vfat",
      label: "PAIRBOOT",
      sizeBytes: 1024 * MiB,
    });
  });

  it("PAIRBOOT_STICK_MIB=64 makes a 64 MiB FAT32 partition; other values are refused; an up-to-date image is kept", async () => {
    const before = await stat(img);
    const again = await execa("bash", [buildStick], { all: true });
    expect(again.all).toBe(`build-stick: ${img} is up to date`);
    expect((await stat(img)).mtimeMs).toBe(before.mtimeMs);

    const small = path.join(tmp, "small.img");
    await execa("bash", [buildStick, iso, small], { env: { PAIRBOOT_STICK_MIB: "64" } });
    const last = (await table(small)).partitions.at(-1);
    expect(last).toMatchObject({ start: p5.start, size: 64 * 2048, name: "PAIRBOOT" });
    expect(await blkid(small, p5.start * SECTOR)).toMatch(/^VERSION=FAT32$/m);
    // mkfs.fat at an offset sizes clusters by the whole file: 4 KiB here would leave 16k clusters.
    expect((await fat(small, p5.start * SECTOR)).clusters).toBeGreaterThanOrEqual(FAT32_MIN_CLUSTERS);
    const readme = await execa("mtype", ["-i", `${small}@@${p5.start * SECTOR}`, "::README.txt"], mtools);
    expect(readme.stdout).toContain("pairboot.yaml");

    for (const bad of ["63", "abc", "1.5", "0100", " 128", "9999999"]) {
      const r = await execa("bash", [buildStick, iso, path.join(tmp, "bad.img")], {
        env: { PAIRBOOT_STICK_MIB: bad },
        reject: false,
        all: true,
      });
      expect(r.exitCode, `PAIRBOOT_STICK_MIB='${bad}'`).toBe(2);
      expect(r.all).toBe(
        `build-stick: PAIRBOOT_STICK_MIB must be a whole number of MiB from 64 to 2097151, not '${bad}'`,
      );
    }
  });
});
