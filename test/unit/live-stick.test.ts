// findStick on a machine booted from build/pairboot-stick.img written to a USB stick: the
// probe's raw record as lsblk and blkid give it (with and without udev's database), the partition table
// and signatures as build-stick.sh makes them (sfdisk -J and blkid -p on the image; see
// test/system/stick.test.ts for the same check on the built image itself).
import { describe, expect, it } from "vitest";
import { parseHardware } from "../../src/probe/parse.js";
import type { RawHardware } from "../../src/probe/raw.js";
import { findStick } from "../../src/probe/stick.js";
import { liveStickMachine } from "../support/probe.js";

const MiB = 1024 * 1024;
const BASIC_DATA = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7";
// grub-mkrescue's four partitions, then build-stick.sh's: start and size in sectors, GPT name, signature.
const PARTS = [
  { start: 64, size: 216, name: "Gap0", type: BASIC_DATA, fs: null, label: null },
  {
    start: 280,
    size: 5760,
    name: "EFI boot partition",
    type: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
    fs: "vfat",
    label: null,
  },
  {
    start: 6040,
    size: 734944,
    name: "HFSPLUS",
    type: "48465300-0000-11aa-aa11-00306543ecac",
    fs: "hfsplus",
    label: "PAIRBOOT_LIVE",
  },
  { start: 740984, size: 600, name: "Gap1", type: BASIC_DATA, fs: null, label: null },
  { start: 743424, size: 2097152, name: "PAIRBOOT", type: BASIC_DATA, fs: "vfat", label: "PAIRBOOT" },
];

/** The stick as sdb (the live medium, mounted whole) beside a blank sda; `udev`: lsblk knows the signatures. */
function stickMachine(udev: boolean): RawHardware {
  const blkid: Record<string, string> = {
    "/dev/sdb": "DEVNAME=/dev/sdb\nLABEL=PAIRBOOT_LIVE\nTYPE=iso9660\nUSAGE=filesystem\nPTTYPE=gpt",
  };
  PARTS.forEach((p, i) => {
    const dev = `/dev/sdb${i + 1}`;
    const fs = p.fs ? [`TYPE=${p.fs}`, ...(p.label ? [`LABEL=${p.label}`] : [])] : [];
    blkid[dev] = [
      `DEVNAME=${dev}`,
      ...fs,
      "PART_ENTRY_SCHEME=gpt",
      `PART_ENTRY_NAME=${p.name}`,
      `PART_ENTRY_TYPE=${p.type}`,
      `PART_ENTRY_NUMBER=${i + 1}`,
      `PART_ENTRY_OFFSET=${p.start}`,
      `PART_ENTRY_SIZE=${p.size}`,
    ].join("\n");
  });
  const known = <T>(v: T) => (udev ? v : null);
  return liveStickMachine(
    {
      size: 15 * 1024 * MiB,
      fstype: known("iso9660"),
      label: known("PAIRBOOT_LIVE"),
      pttype: known("gpt"),
      children: PARTS.map((p, i) => ({
        name: `sdb${i + 1}`,
        type: "part",
        start: p.start,
        size: p.size * 512,
        fstype: known(p.fs),
        label: known(p.label),
        partlabel: known(p.name),
        parttype: known(p.type),
      })),
    },
    blkid,
  );
}

describe("the PAIRBOOT partition of the stick image", () => {
  it.each([
    ["without udev (blkid names the filesystems)", false],
    ["with udev (lsblk names them)", true],
  ])("is partition 5, found on the boot medium %s", (_, udev) => {
    const facts = parseHardware(stickMachine(udev));
    expect(facts.bootMedium?.disk).toBe("/dev/sdb");
    expect(facts.disks.find((d) => d.path === "/dev/sdb")?.partitions).toHaveLength(5);
    expect(findStick(facts)).toEqual({
      mountpoint: null,
      partition: {
        path: "/dev/sdb5",
        sizeBytes: 1024 * MiB,
        fstype: "vfat",
        label: "PAIRBOOT",
        partLabel: "PAIRBOOT",
        partType: BASIC_DATA,
        mountpoints: [],
      },
    });
  });

  it("is not the ISO's own volume (PAIRBOOT_LIVE on the whole disk and on the HFS+ partition)", () => {
    const raw = stickMachine(false);
    const lsblk = raw.lsblk as { blockdevices: { children?: unknown[] }[] };
    lsblk.blockdevices[1]?.children?.pop();
    delete raw.blkid["/dev/sdb5"];
    expect(findStick(parseHardware(raw))).toBeNull();
  });

  it("with a second stick in, the mounted PAIRBOOT partition is the one the console and the wizard use", () => {
    const raw = stickMachine(true);
    const lsblk = raw.lsblk as { blockdevices: unknown[] };
    lsblk.blockdevices.push({
      name: "sdc",
      type: "disk",
      size: 8 * 1024 * MiB,
      tran: "usb",
      rm: true,
      children: [
        {
          name: "sdc1",
          type: "part",
          size: 1024 * MiB,
          fstype: "vfat",
          label: "pairboot",
          mountpoints: ["/media/x"],
        },
      ],
    });
    raw.blkid["/dev/sdc"] = "";
    raw.blkid["/dev/sdc1"] = "DEVNAME=/dev/sdc1\nTYPE=vfat\nLABEL=pairboot";
    expect(findStick(parseHardware(raw))).toMatchObject({
      partition: { path: "/dev/sdc1" },
      mountpoint: "/media/x",
    });
  });
});

describe("the PAIRBOOT partition mounted on the running stick", () => {
  // The live system holds sdb whole (its ISO 9660 at /run/live/medium), so the kernel refuses to mount
  // sdb5 itself; pairboot mounts the partition's bytes through a loop device on sdb instead.
  function mountedThroughLoop(offsetSectors: number): RawHardware {
    const raw = stickMachine(true);
    const lsblk = raw.lsblk as { blockdevices: unknown[] };
    lsblk.blockdevices.push({
      name: "loop0",
      type: "loop",
      size: 1024 * MiB,
      fstype: "vfat",
      label: "PAIRBOOT",
      mountpoints: ["/run/pairboot/stick"],
    });
    raw.loops = [
      { name: "loop0", backingFile: "/dev/sdb", offset: offsetSectors * 512, sizeLimit: 1024 * MiB },
    ];
    return raw;
  }

  it("counts as mounted where the loop device is, for the wizard's save and the disk guards", () => {
    const facts = parseHardware(mountedThroughLoop(743424));
    expect(findStick(facts)?.partition.mountpoints).toEqual(["/run/pairboot/stick"]);
    expect(findStick(facts)).toMatchObject({
      partition: { path: "/dev/sdb5" },
      mountpoint: "/run/pairboot/stick",
    });
    expect(facts.disks.find((d) => d.path === "/dev/sdb")?.mountpoints).toEqual([
      "/run/live/medium",
      "/run/pairboot/stick",
    ]);
    // The loop device itself is not offered as a disk.
    expect(facts.disks.map((d) => d.path)).toEqual(["/dev/sda", "/dev/sdb"]);
  });

  it("a loop device over other bytes of the disk makes the disk mounted, not the partition", () => {
    const facts = parseHardware(mountedThroughLoop(2048));
    expect(findStick(facts)?.partition.mountpoints).toEqual([]);
    expect(facts.disks.find((d) => d.path === "/dev/sdb")?.mountpoints).toContain("/run/pairboot/stick");
  });

  it("a loop device on another disk's file changes nothing here", () => {
    const raw = mountedThroughLoop(743424);
    raw.loops = [{ name: "loop0", backingFile: "/var/tmp/disk.img", offset: 0, sizeLimit: 0 }];
    const facts = parseHardware(raw);
    expect(findStick(facts)?.partition.mountpoints).toEqual([]);
    expect(facts.disks.find((d) => d.path === "/dev/sda")?.mountpoints).toEqual([]);
  });
});
