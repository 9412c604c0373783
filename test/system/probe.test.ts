// The probe on real block devices: loop devices on sparse files in a temp dir made here, partitioned and
// formatted with the real tools, probed through the library and through `pairboot probe`. Needs root.
// A partition is mounted only inside a private mount namespace (unshare -m), so nothing outside this test
// ever sees it; every loop device is detached in afterAll.
import { mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeExisting, selectDisk } from "../../src/plan/disk.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { probeHardware } from "../../src/probe/index.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// The layout's minimum for a 5 GiB OS is about 6.5 GiB; the test disks are sparse, so 8 GiB costs nothing.
const MIN_BYTES = 7 * GiB;
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("probe on loop devices", () => {
  let dir = "";
  const loops: string[] = [];
  let parted = ""; // GPT: ESP (vfat) + ext4
  let blank = "";
  let small = ""; // dos table with a swap partition

  async function attach(name: string, bytes: number): Promise<string> {
    const file = join(dir, name);
    await execa("touch", [file]);
    await truncate(file, bytes);
    const { stdout } = await execa("losetup", ["-f", "--show", "-P", file]);
    loops.push(stdout.trim());
    return stdout.trim();
  }

  async function partition(dev: string, script: string) {
    await execa("sfdisk", ["-q", dev], { input: script });
    // Without udev the partition nodes may lag behind; partx makes the kernel's view current.
    await execa("partx", ["-u", dev], { reject: false });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pairboot-probe-"));
    parted = await attach("parted.img", 8 * GiB);
    blank = await attach("blank.img", 8 * GiB);
    small = await attach("small.img", 1 * GiB);
    await partition(parted, "label: gpt\nsize=256MiB, type=U, name=esp\ntype=L, name=data\n");
    await execa("mkfs.vfat", ["-n", "TESTESP", `${parted}p1`]);
    await execa("mkfs.ext4", ["-q", "-L", "testdata", `${parted}p2`]);
    await partition(small, "label: dos\n,,S\n");
    await execa("mkswap", ["-L", "testswap", `${small}p1`]);
  });

  afterAll(async () => {
    for (const l of loops) await execa("losetup", ["-d", l], { reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const find = (facts: HardwareFacts, path: string) => facts.disks.find((d) => d.path === path);

  it("sees the loop devices with their sizes, partition tables, partitions and filesystems", async () => {
    const facts = await probeHardware({ includeLoop: true });
    expect(find(facts, parted)).toMatchObject({
      sizeBytes: 8 * GiB,
      ptType: "gpt",
      isBootMedium: false,
      mountpoints: [],
      partitions: [
        { path: `${parted}p1`, sizeBytes: 256 * MiB, fstype: "vfat", label: "TESTESP", partLabel: "esp" },
        { path: `${parted}p2`, fstype: "ext4", label: "testdata", partLabel: "data" },
      ],
    });
    expect(find(facts, blank)).toMatchObject({
      sizeBytes: 8 * GiB,
      ptType: null,
      fstype: null,
      partitions: [],
    });
    expect(find(facts, small)).toMatchObject({
      sizeBytes: 1 * GiB,
      ptType: "dos",
      partitions: [{ fstype: "swap", label: "testswap", partType: "0x82" }],
    });
    expect(describeExisting(find(facts, parted)!).summary).toContain("gpt partition table with 2 partitions");
    expect(describeExisting(find(facts, blank)!).blank).toBe(true);
  });

  it("lists no loop devices unless asked, and never offers the disk it runs from", async () => {
    const facts = await probeHardware();
    expect(facts.disks.some((d) => d.path.startsWith("/dev/loop"))).toBe(false);
    const boot = facts.disks.filter((d) => d.isBootMedium);
    expect(boot).toHaveLength(1);
    const r = selectDisk({ path: boot[0]!.path }, facts, MIN_BYTES);
    expect(r.ok ? r.choice.path : r.message).toMatch(
      /matches only .*it is the boot medium pairboot is running from/,
    );
  });

  it("selects an unused loop disk by path and explains the choice", async () => {
    const facts = await probeHardware({ includeLoop: true });
    const r = selectDisk({ path: blank, min_size: 4 * GiB }, facts, MIN_BYTES);
    expect(r.ok ? r.choice : r.message).toEqual({
      path: blank,
      sizeBytes: 8 * GiB,
      why: expect.stringMatching(new RegExp(`^path ${blank}, 8\\.0 GiB >= 4\\.0 GiB`)),
    });
    const tooSmall = selectDisk({ path: small }, facts, MIN_BYTES);
    expect(tooSmall.ok ? tooSmall.choice.path : tooSmall.message).toContain("it is too small: 1.0 GiB");
  });

  it("`pairboot probe` in a mount namespace with a partition mounted: that disk is refused, naming the mount", async () => {
    const mnt = join(dir, "mnt");
    await execa("mkdir", ["-p", mnt]);
    const script = `mount -o ro "$1" "$2" && exec node "$3/bin/pairboot.js" probe --include-loop`;
    const { stdout } = await execa(
      "unshare",
      ["-m", "--propagation", "private", "sh", "-c", script, "sh", `${parted}p2`, mnt, ROOT],
      { cwd: ROOT },
    );
    const facts = JSON.parse(stdout) as HardwareFacts;
    expect(find(facts, parted)?.partitions[1]?.mountpoints).toEqual([mnt]);
    const r = selectDisk({ path: parted }, facts, MIN_BYTES);
    expect(r.ok).toBe(false);
    expect(r.ok ? r.choice.path : r.message).toContain(`it is in use: ${parted}p2 on ${mnt}`);
    // The mount died with the namespace: outside it, the same disk is free again.
    const after = await probeHardware({ includeLoop: true });
    expect(find(after, parted)?.mountpoints).toEqual([]);
    expect(selectDisk({ path: parted }, after, MIN_BYTES).ok).toBe(true);
  });
});
