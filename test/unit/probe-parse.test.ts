// The probe's parsers on output recorded on a real machine (this project's Firecracker VM with three loop
// devices, see test/fixtures/hardware/record-host.sh) and on small samples of other formats.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bootMedium,
  cleanDmiValue,
  diskHolding,
  displaySafe,
  parseBlkidExport,
  parseDmi,
  parseFindmntSource,
  parseHardware,
  parseLsblk,
  parseNic,
  parseProcSwaps,
  safeFacts,
  type LsblkNode,
} from "../../src/probe/parse.js";
import type { RawHardware } from "../../src/probe/raw.js";

const GiB = 1024 ** 3;
const raw = JSON.parse(
  readFileSync(new URL("../fixtures/hardware/raw/host-loops.raw.json", import.meta.url), "utf8"),
) as RawHardware;
const lsblkJson: unknown = JSON.parse(
  readFileSync(new URL("../fixtures/hardware/raw/host-loops.lsblk.json", import.meta.url), "utf8"),
);

function walk(n: LsblkNode): LsblkNode[] {
  return [n, ...n.children.flatMap(walk)];
}

describe("parseLsblk on recorded lsblk --json -b -O", () => {
  const tree = parseLsblk(lsblkJson);
  it("keeps the tree: loop0 has its two partitions as children with sizes in bytes", () => {
    const loop0 = tree.find((n) => n.name === "loop0");
    expect(loop0?.size).toBe(3 * GiB);
    expect(loop0?.children.map((c) => c.path)).toEqual(["/dev/loop0p1", "/dev/loop0p2"]);
    expect(loop0?.children.every((c) => c.type === "part")).toBe(true);
  });
  it("drops lsblk's null mountpoints and keeps real ones", () => {
    const vda = tree.find((n) => n.name === "vda");
    expect(vda?.mountpoints).toContain("/");
    expect(tree.flatMap(walk).every((n) => n.mountpoints.every((m) => typeof m === "string"))).toBe(true);
  });
  it("accepts the older format: 0/1 strings, sizes as strings, MOUNTPOINT singular", () => {
    const old = parseLsblk({
      blockdevices: [
        {
          name: "sda",
          type: "disk",
          size: "21474836480",
          rm: "0",
          hotplug: "1",
          ro: "0",
          rota: "1",
          model: "QEMU HARDDISK   ",
          mountpoint: null,
          children: [{ name: "sda1", type: "part", size: "1048576", mountpoint: "/boot" }],
        },
      ],
    });
    expect(old[0]).toMatchObject({
      path: "/dev/sda",
      size: 21474836480,
      rm: false,
      hotplug: true,
      rota: true,
      model: "QEMU HARDDISK",
    });
    expect(old[0]?.children[0]?.mountpoints).toEqual(["/boot"]);
  });
  it("rejects output that is not lsblk's", () => {
    expect(() => parseLsblk({ devices: [] })).toThrow(/unexpected lsblk JSON/);
  });
});

describe("small parsers", () => {
  it("blkid export: values unescaped, keys kept", () => {
    const p = parseBlkidExport(
      "DEVNAME=/dev/sdb1\nLABEL=d-live\\ 12.8.0\\ st\\ amd64\nTYPE=iso9660\nPART_ENTRY_NAME=my\\ data\n",
    );
    expect(p).toMatchObject({ LABEL: "d-live 12.8.0 st amd64", TYPE: "iso9660", PART_ENTRY_NAME: "my data" });
    expect(parseBlkidExport("")).toEqual({});
  });
  it("/proc/swaps: devices and files, octal escapes undone, header skipped", () => {
    const text =
      "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" +
      "/dev/sda5                               partition\t1046524\t\t0\t\t-2\n" +
      "/swap\\040file                          file\t\t524284\t\t0\t\t-3\n";
    expect(parseProcSwaps(text)).toEqual(["/dev/sda5", "/swap file"]);
    expect(parseProcSwaps("Filename\tType\tSize\tUsed\tPriority\n")).toEqual([]);
  });
  it("findmnt SOURCE: btrfs subvolume suffix removed, nothing mounted is null", () => {
    expect(parseFindmntSource("/dev/sda2[/@rootfs]\n")).toBe("/dev/sda2");
    expect(parseFindmntSource("/dev/sdb1\n")).toBe("/dev/sdb1");
    expect(parseFindmntSource("")).toBeNull();
    expect(parseFindmntSource(null)).toBeNull();
  });
  it("NIC sysfs values: EINVAL and -1 become unknown, driver is the link's last component", () => {
    expect(
      parseNic({
        name: "enp1s0",
        address: "52:54:00:AB:CD:EF\n",
        hasDevice: true,
        driverLink: "../../../../bus/pci/drivers/e1000e",
        carrier: "1\n",
        speed: "1000\n",
        operstate: "up",
      }),
    ).toEqual({
      name: "enp1s0",
      mac: "52:54:00:ab:cd:ef",
      driver: "e1000e",
      link: true,
      speedMbps: 1000,
      virtual: false,
    });
    const downRaw = {
      name: "enp2s0",
      address: "52:54:00:00:00:02\n",
      hasDevice: true,
      driverLink: null,
      carrier: null,
      speed: "-1\n",
      operstate: "down",
    };
    expect(parseNic(downRaw)).toMatchObject({ link: null, speedMbps: null, driver: null });
    expect(parseNic({ ...downRaw, name: "br0", hasDevice: false, carrier: "0\n" })).toMatchObject({
      virtual: true,
      link: false,
    });
  });
  it("DMI: firmware placeholders and systeminformation's invented names are not identities", () => {
    for (const junk of [
      "To Be Filled By O.E.M.",
      "Not Specified",
      "Default string",
      "0",
      "-",
      " ",
      "Docker Container",
    ]) {
      expect(cleanDmiValue(junk)).toBeNull();
    }
    expect(cleanDmiValue("00000000-0000-0000-0000-000000000000")).toBeNull();
    expect(cleanDmiValue(" 7XK2LM3 ")).toBe("7XK2LM3");
    const dmi = parseDmi({
      si: { manufacturer: "", model: "Docker Container", serial: "-", uuid: "" },
      sysfs: {
        sys_vendor: "Dell Inc.",
        product_name: "PowerEdge R650xs",
        product_serial: "7XK2LM3",
        product_uuid: "4C4C4544-0058-4B10-8032-B7C04F4C4D33",
      },
    });
    expect(dmi).toEqual({
      vendor: "Dell Inc.",
      product: "PowerEdge R650xs",
      serial: "7XK2LM3",
      uuid: "4c4c4544-0058-4b10-8032-b7c04f4c4d33",
    });
  });
});

describe("parseHardware on the recorded host", () => {
  const facts = parseHardware(raw);
  const disk = (path: string) => facts.disks.find((d) => d.path === path);

  it("lists the three loop devices with their real sizes when loops are included", () => {
    expect(disk("/dev/loop0")?.sizeBytes).toBe(3 * GiB);
    expect(disk("/dev/loop1")?.sizeBytes).toBe(2 * GiB);
    expect(disk("/dev/loop2")?.sizeBytes).toBe(1 * GiB);
  });

  it("reads filesystems through blkid where lsblk (no udev) saw none", () => {
    const lsblkPart = parseLsblk(raw.lsblk)
      .flatMap(walk)
      .find((n) => n.path === "/dev/loop0p2");
    expect(lsblkPart?.fstype).toBeNull(); // what lsblk alone reports on this host
    expect(disk("/dev/loop0")?.ptType).toBe("gpt");
    expect(disk("/dev/loop0")?.partitions).toMatchObject([
      { path: "/dev/loop0p1", fstype: "vfat", label: "ESP", partLabel: "esp", sizeBytes: 256 * 1024 ** 2 },
      { path: "/dev/loop0p2", fstype: "ext4", label: "oldroot", partLabel: "oldroot" },
    ]);
    expect(disk("/dev/loop2")).toMatchObject({
      ptType: "dos",
      partitions: [{ fstype: "swap", label: "oldswap" }],
    });
    expect(disk("/dev/loop1")).toMatchObject({ ptType: null, fstype: null, partitions: [] });
  });

  it("reports the mounted partition on the partition and on its disk", () => {
    const mounted = disk("/dev/loop0")?.partitions[1]?.mountpoints ?? [];
    expect(mounted).toHaveLength(1);
    expect(mounted[0]).toMatch(/\/mnt$/);
    expect(disk("/dev/loop0")?.mountpoints).toEqual(mounted);
    expect(disk("/dev/loop1")?.mountpoints).toEqual([]);
  });

  it("marks the disk holding the running root as the boot medium (no live medium here)", () => {
    expect(raw.liveMediumSource).toBeNull();
    expect(facts.bootMedium).toEqual({ disk: "/dev/vda", source: "/dev/vda", mountpoint: "/" });
    expect(facts.disks.filter((d) => d.isBootMedium).map((d) => d.path)).toEqual(["/dev/vda"]);
  });

  it("never lists zram, and lists loops only when asked", () => {
    expect(parseLsblk(raw.lsblk).some((n) => n.name.startsWith("zram"))).toBe(true);
    expect(facts.disks.some((d) => d.name.startsWith("zram"))).toBe(false);
    const noLoops = parseHardware({ ...raw, includeLoop: false });
    expect(noLoops.disks.map((d) => d.path)).toEqual(["/dev/vda"]);
  });

  it("tells physical from virtual NICs", () => {
    expect(facts.nics.find((n) => n.name === "eth0")).toMatchObject({ virtual: false, driver: "virtio_net" });
    expect(facts.nics.filter((n) => n.virtual).map((n) => n.name)).toEqual(
      expect.arrayContaining(["lo", "ifb0", "ifb1"]),
    );
  });

  it("prefers the live medium over the root filesystem for the boot medium", () => {
    const live = parseHardware({ ...raw, liveMediumSource: "/dev/loop0p1\n", rootSource: "overlay\n" });
    expect(live.bootMedium).toEqual({
      disk: "/dev/loop0",
      source: "/dev/loop0p1",
      mountpoint: "/run/live/medium",
    });
    expect(live.disks.filter((d) => d.isBootMedium).map((d) => d.path)).toEqual(["/dev/loop0"]);
    // An overlay root (live system booted toram) is on no disk: nothing is marked.
    const toram = parseHardware({ ...raw, liveMediumSource: null, rootSource: "overlay\n" });
    expect(toram.bootMedium?.disk).toBeNull();
    expect(toram.disks.some((d) => d.isBootMedium)).toBe(false);
  });

  it("adds active swap from /proc/swaps, sysfs holders and by-id links", () => {
    const f = parseHardware({
      ...raw,
      swaps: "Filename\tType\tSize\tUsed\tPriority\n/dev/loop2p1  partition\t1047548\t0\t-2\n",
      holders: { loop1: ["dm-0"], loop0p2: ["md127"] },
      byId: [
        { link: "/dev/disk/by-id/virtio-abc", target: "/dev/loop1" },
        { link: "/dev/disk/by-id/virtio-abc-part1", target: "/dev/loop1p1" },
      ],
    });
    const d = (p: string) => f.disks.find((x) => x.path === p);
    expect(d("/dev/loop2")?.partitions[0]?.mountpoints).toEqual(["[SWAP]"]);
    expect(d("/dev/loop2")?.mountpoints).toEqual(["[SWAP]"]);
    expect(d("/dev/loop1")?.holders).toEqual(["dm-0"]);
    expect(d("/dev/loop0")?.holders).toEqual(["md127"]);
    expect(d("/dev/loop1")?.byId).toEqual(["/dev/disk/by-id/virtio-abc"]);
  });
});

describe("parseHardware on a recorded QEMU guest (udev running, stick mounted at /run/live/medium)", () => {
  const qraw = JSON.parse(
    readFileSync(new URL("../fixtures/hardware/raw/qemu-guest.raw.json", import.meta.url), "utf8"),
  ) as RawHardware;
  const facts = parseHardware(qraw);
  const disk = (path: string) => facts.disks.find((d) => d.path === path);

  it("QEMU's usb-storage stick is a 'QEMU HARDDISK' too, told apart by transport and the live mount", () => {
    expect(disk("/dev/sda")).toMatchObject({
      model: "QEMU HARDDISK",
      transport: "sata",
      removable: false,
      isBootMedium: false,
    });
    expect(disk("/dev/sdb")).toMatchObject({
      model: "QEMU HARDDISK",
      transport: "usb",
      removable: true,
      isBootMedium: true,
      fstype: "iso9660",
      label: "PAIRBOOT",
      mountpoints: ["/run/live/medium"],
    });
    expect(facts.bootMedium).toEqual({
      disk: "/dev/sdb",
      source: "/dev/sdb",
      mountpoint: "/run/live/medium",
    });
  });

  it("takes serials and by-id links from udev", () => {
    expect(disk("/dev/sda")?.serial).toBe("QM00001");
    expect(disk("/dev/sda")?.byId).toEqual(["/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001"]);
    expect(disk("/dev/sdb")?.byId[0]).toMatch(/^\/dev\/disk\/by-id\/usb-QEMU_QEMU_HARDDISK_/);
  });

  it("reads the three NICs with their MACs and driver; down NICs have unknown carrier", () => {
    const physical = facts.nics.filter((n) => !n.virtual);
    expect(physical.map((n) => n.mac)).toEqual([
      "52:54:00:00:0a:01",
      "52:54:00:00:0a:02",
      "52:54:00:00:0a:03",
    ]);
    expect(physical.every((n) => n.driver === "virtio_net")).toBe(true);
  });

  it("turns QEMU's DMI placeholders (serial 'Not Specified', uuid 'not settable') into null", () => {
    expect(qraw.dmi.si?.serial).toBe("Not Specified");
    expect(facts.dmi).toEqual({
      vendor: "QEMU",
      product: "Standard PC (Q35 + ICH9, 2009)",
      serial: null,
      uuid: null,
    });
  });
});

describe("a developer machine with its root on RAID 1", () => {
  // lsblk shows the md device under the partition of each member disk.
  const md = { name: "md0", path: "/dev/md0", type: "raid1", size: 10 * GiB, mountpoints: ["/"] };
  // On top: LVM, which lsblk names vg-data but the kernel (and sysfs holders) dm-0.
  const lv = {
    name: "vg-data",
    kname: "dm-0",
    path: "/dev/mapper/vg-data",
    type: "lvm",
    size: GiB,
    mountpoints: [null],
  };
  const member = (d: string) => ({
    name: d,
    path: `/dev/${d}`,
    type: "disk",
    size: 20 * GiB,
    mountpoints: [null],
    children: [
      {
        name: `${d}1`,
        path: `/dev/${d}1`,
        type: "part",
        size: 10 * GiB,
        mountpoints: [null],
        children: [md],
      },
    ],
  });
  const facts = parseHardware({
    ...raw,
    includeLoop: false,
    lsblk: {
      blockdevices: [
        member("sda"),
        member("sdb"),
        { name: "sdc", path: "/dev/sdc", type: "disk", size: 20 * GiB, children: [lv] },
      ],
    },
    blkid: {},
    holders: { sda1: ["md0"], sdb1: ["md0"], sdc: ["dm-0"] },
    rootSource: "/dev/md0\n",
  });
  it("marks both member disks as the boot medium, holding md0, with / mounted; holders by kernel name", () => {
    expect(facts.disks.map((d) => [d.path, d.isBootMedium, d.holders, d.mountpoints])).toEqual([
      ["/dev/sda", true, ["md0"], ["/"]],
      ["/dev/sdb", true, ["md0"], ["/"]],
      ["/dev/sdc", false, ["dm-0"], []],
    ]);
  });
});

describe("diskHolding and bootMedium", () => {
  const tree = parseLsblk(raw.lsblk);
  it("finds the top-level disk of a partition, of a whole disk, and nothing for a non-device", () => {
    expect(diskHolding(tree, "/dev/loop0p2")?.path).toBe("/dev/loop0");
    expect(diskHolding(tree, "/dev/vda")?.path).toBe("/dev/vda");
    expect(diskHolding(tree, "overlay")).toBeNull();
  });
  it("reports nothing when neither the live medium nor / has a source", () => {
    expect(bootMedium(tree, { ...raw, liveMediumSource: null, rootSource: null })).toBeNull();
  });
});

describe("hardware strings are made safe to display (L8)", () => {
  // The recorded QEMU guest with hostile text put where firmware, a disk and a partition table put theirs.
  const hostile = JSON.parse(
    readFileSync(
      new URL("../fixtures/hardware/hostile/qemu-hostile-strings.raw.json", import.meta.url),
      "utf8",
    ),
  ) as RawHardware;
  const facts = parseHardware(hostile);
  const strings = (v: unknown): string[] =>
    typeof v === "string"
      ? [v]
      : Array.isArray(v)
        ? v.flatMap(strings)
        : v !== null && typeof v === "object"
          ? Object.values(v).flatMap(strings)
          : [];

  it("no string of the facts holds a control character, a line separator or a direction override", () => {
    // eslint-disable-next-line no-control-regex
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
    expect(strings(facts).filter((s) => unsafe.test(s))).toEqual([]);
  });

  it("disk model and serial, DMI serial, NIC name and partition name keep their text with '?' for each escape", () => {
    const sda = facts.disks.find((d) => d.path === "/dev/sda");
    expect(sda?.model).toBe("QEMU HARDDISK`reboot`??]0;PWNED?");
    expect(sda?.serial).toBe("QM0?[2J0001");
    expect(facts.dmi.serial).toBe("SER?IAL?[31m");
    expect(facts.nics.map((n) => n.name)).toContain("enp0s3?[2J");
    expect(strings(facts)).toContain("?evil??forged line");
  });

  it("making safe is idempotent: recorded facts loaded again stay the same", () => {
    expect(safeFacts(facts)).toEqual(facts);
    expect(displaySafe("plain text, ÄÖÜ and `backticks`")).toBe("plain text, ÄÖÜ and `backticks`");
  });
});
