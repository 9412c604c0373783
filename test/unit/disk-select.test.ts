// Disk selection on every hardware fixture with the seed's selectors and variations of them. Each case
// states the decision a user would see; every refusal must name every disk of the machine.
import { describe, expect, it } from "vitest";
import type { DiskSelector } from "../../src/answer/schema.js";
import { describeExisting, evaluateDisks, selectDisk, selectNodeDisk } from "../../src/plan/disk.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { formatBytes } from "../../src/util/format.js";
import { minimumDiskBytes } from "../../src/render/storage.js";
import { fixtureNames, loadFixture, shippedExample } from "../support/fixtures.js";

const GiB = 1024 ** 3;
const spec = shippedExample("seed");
const minBytes = minimumDiskBytes(spec);
const seedSelector = spec.nodes[0]?.disk as DiskSelector;

type Expect = { path: string } | { refused: RegExp };

/** The seed's selector (model "QEMU HARDDISK*", min_size 8GiB) on every fixture. */
const SEED_DECISIONS: Record<string, Expect> = {
  "node-a": { path: "/dev/sda" },
  "node-b": { path: "/dev/sda" },
  "nics-renamed": { path: "/dev/sda" },
  "usb-largest": { path: "/dev/sda" },
  "too-small": { refused: /no disk matches.*\n[\s\S]*6\.0 GiB is below min_size 8\.0 GiB/ },
  "two-equal-disks": { refused: /matches 2 disks \(\/dev\/sda, \/dev\/sdb\).*serial or by_id/ },
  "existing-install": { path: "/dev/sda" },
  "mounted-partition": {
    refused: /cannot be used: it is in use: \/dev\/sda1 on \/mnt; \/dev\/sda5 is active swap/,
  },
  "lvm-held": { refused: /cannot be used: the kernel holds it: dm-0, dm-1/ },
  "nic-swapped": { path: "/dev/sda" },
  "cmdline-override": { path: "/dev/sda" },
  "nvme-server": { refused: /no disk matches/ },
  "host-loops": { refused: /no disk matches/ },
  "qemu-guest": { path: "/dev/sda" },
};

function expectNamesEveryDisk(message: string, facts: HardwareFacts) {
  for (const d of facts.disks) {
    expect(message).toContain(d.path);
    expect(message).toContain(formatBytes(d.sizeBytes));
    if (d.model) expect(message).toContain(d.model);
    if (d.serial) expect(message).toContain(d.serial);
  }
}

function decide(name: string, sel: DiskSelector, facts = loadFixture(name)) {
  return selectDisk(sel, facts, minBytes);
}

describe("the seed's selector on every fixture", () => {
  it("has a stated decision for every fixture (a new fixture needs one)", () => {
    expect(Object.keys(SEED_DECISIONS).sort()).toEqual(fixtureNames());
  });

  for (const name of fixtureNames()) {
    it(`${name}: ${JSON.stringify(SEED_DECISIONS[name])}`, () => {
      const want = SEED_DECISIONS[name];
      const facts = loadFixture(name);
      const r = decide(name, seedSelector, facts);
      if (want === undefined) throw new Error(`no decision stated for ${name}`);
      if ("path" in want) {
        expect(r.ok ? r.choice.path : r.message).toBe(want.path);
        if (!r.ok) return;
        // The choice is never the boot medium, and the reason names the selector's fields.
        expect(facts.disks.find((d) => d.path === r.choice.path)?.isBootMedium).toBe(false);
        expect(r.choice.why).toContain('matches "QEMU HARDDISK*"');
        expect(r.choice.why).toMatch(/GiB >= 8\.0 GiB/);
      } else {
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.message).toMatch(want.refused);
        expectNamesEveryDisk(r.message, facts);
      }
    });
  }

  it("says which boot medium it skipped", () => {
    const r = decide("node-a", seedSelector);
    expect(r.ok && r.choice.why).toBe(
      'model "QEMU HARDDISK" matches "QEMU HARDDISK*", 20.0 GiB >= 8.0 GiB; /dev/sdb (usb, boot medium) skipped',
    );
  });

  it("works through selectNodeDisk with the layout's minimum", () => {
    const facts = loadFixture("node-b");
    const r = selectNodeDisk(spec, spec.nodes[1]!, facts);
    expect(r.ok && r.choice).toMatchObject({ path: "/dev/sda", sizeBytes: 20 * GiB });
  });
});

describe("the boot medium is never chosen", () => {
  it("QEMU's usb-storage stick is also a 'QEMU HARDDISK': a model-only selector still picks the real disk", () => {
    const r = decide("node-a", { model: "QEMU HARDDISK*" });
    expect(r.ok && r.choice.path).toBe("/dev/sda");
    expect(r.candidates.find((c) => c.path === "/dev/sdb")).toMatchObject({
      matches: true,
      isBootMedium: true,
    });
  });

  for (const [what, sel] of [
    ["path", { path: "/dev/sdb" }],
    ["serial", { serial: "1-0000:00:1d.7-1" }],
    ["by_id", { by_id: "usb-QEMU_QEMU_HARDDISK_1-0000:00:1d.7-1-0:0" }],
  ] as const) {
    it(`refuses the stick named by ${what}, saying it is the boot medium`, () => {
      const facts = loadFixture("node-a");
      const r = decide("node-a", sel, facts);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.message).toMatch(/matches only \/dev\/sdb, it is the boot medium pairboot is running from/);
      expect(r.message).toContain("/run/live/medium is mounted from /dev/sdb1");
      expectNamesEveryDisk(r.message, facts);
    });
  }

  it("a stick no longer mounted (live system booted toram) is still refused: it carries an ISO image", () => {
    const facts = loadFixture("usb-largest");
    const toram = {
      ...facts,
      bootMedium: null,
      disks: facts.disks.map((d) => ({
        ...d,
        isBootMedium: false,
        partitions: d.partitions.map((p) => ({ ...p, mountpoints: [] })),
        mountpoints: [],
      })),
    };
    const r = selectDisk({ min_size: 40 * GiB }, toram, minBytes);
    expect(r.ok ? r.choice.path : r.message).toContain(
      "matches /dev/sdb (Ultra Fit, 57.3 GiB, serial 4C530001120524117315, usb), but it cannot be used: it carries an ISO image",
    );
  });

  it("a 64 GB stick larger than the target: a size-only selector takes the 32 GiB disk", () => {
    const r = decide("usb-largest", { min_size: 30 * GiB });
    expect(r.ok && r.choice.path).toBe("/dev/sda");
    expect(r.ok && r.choice.why).toContain("/dev/sdb (usb, boot medium) skipped");
  });

  it("a size only the stick reaches: refused, naming the stick as the boot medium", () => {
    const facts = loadFixture("usb-largest");
    const r = decide("usb-largest", { min_size: 40 * GiB }, facts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/matches only \/dev\/sdb, it is the boot medium/);
    expect(r.message).toContain("32.0 GiB is below min_size 40.0 GiB");
    expectNamesEveryDisk(r.message, facts);
  });
});

describe("refusals", () => {
  it("too small for the layout: both sizes are shown", () => {
    const facts = loadFixture("too-small");
    const r = decide("too-small", { model: "QEMU HARDDISK*" }, facts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain(
      `matches /dev/sda (QEMU HARDDISK, 6.0 GiB, serial QM00001, sata), but it cannot be used: it is too small: 6.0 GiB, the partition layout needs at least ${formatBytes(minBytes)}`,
    );
  });

  it("a read-only disk is refused", () => {
    const facts = loadFixture("node-a");
    const ro = {
      ...facts,
      disks: facts.disks.map((d) => (d.path === "/dev/sda" ? { ...d, readOnly: true } : d)),
    };
    const r = selectDisk(seedSelector, ro, minBytes);
    expect(r.ok ? r.choice.path : r.message).toMatch(/cannot be used: it is read-only/);
  });

  it("two equal disks: listed with serial and by-id so the user can pick one", () => {
    const r = decide("two-equal-disks", seedSelector);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toContain("serial QM00001, sata), by_id ata-QEMU_HARDDISK_QM00001: matches");
    expect(r.message).toContain("serial QM00002, sata), by_id ata-QEMU_HARDDISK_QM00002: matches");
  });

  it("max_size excludes larger disks, and says so", () => {
    const r = decide("two-equal-disks", { model: "QEMU HARDDISK*", max_size: 10 * GiB });
    expect(r.ok ? r.choice.path : r.message).toMatch(/20\.0 GiB is above max_size 10\.0 GiB/);
  });

  it("by_id on a machine without udev links explains why it cannot match", () => {
    const r = decide("host-loops", { by_id: "virtio-abc" });
    expect(r.ok ? r.choice.path : r.message).toContain("none exist without udev");
  });

  it("the recorded host: the disk with a mounted partition is refused with the mountpoint", () => {
    const facts = loadFixture("host-loops");
    const r = decide("host-loops", { path: "/dev/loop0" }, facts);
    const mountpoint = facts.disks.find((d) => d.path === "/dev/loop0")?.mountpoints[0] ?? "(none recorded)";
    expect(r.ok ? r.choice.path : r.message).toContain(`it is in use: /dev/loop0p2 on ${mountpoint}`);
  });
});

describe("selecting one of several disks", () => {
  it("serial picks the second of two equal disks", () => {
    const r = decide("two-equal-disks", { model: "QEMU HARDDISK*", serial: "QM00002" });
    expect(r.ok && r.choice).toMatchObject({ path: "/dev/sdb", sizeBytes: 20 * GiB });
    expect(r.ok && r.choice.why).toContain('serial "QM00002" matches');
  });

  it("by_id works as a name and as a full path", () => {
    expect(decide("two-equal-disks", { by_id: "ata-QEMU_HARDDISK_QM00002" })).toMatchObject({
      ok: true,
      choice: { path: "/dev/sdb" },
    });
    expect(decide("two-equal-disks", { by_id: "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" })).toMatchObject({
      ok: true,
      choice: { path: "/dev/sda" },
    });
  });

  it("model: trailing * is a prefix, otherwise the whole model; case and udev underscores do not matter", () => {
    expect(decide("nvme-server", { model: "Dell Ent NVMe*" })).toMatchObject({
      ok: true,
      choice: { path: "/dev/nvme0n1" },
    });
    expect(decide("node-a", { model: "qemu_harddisk" })).toMatchObject({
      ok: true,
      choice: { path: "/dev/sda" },
    });
    const exact = decide("node-a", { model: "QEMU" });
    expect(exact.ok ? exact.choice.path : exact.message).toContain(
      'model "QEMU HARDDISK" does not match "QEMU"',
    );
  });

  it("an empty selector is fine on a machine with one disk besides the stick, ambiguous with two", () => {
    expect(decide("node-a", {})).toMatchObject({ ok: true, choice: { path: "/dev/sda" } });
    const r = decide("nvme-server", {});
    expect(r.ok ? r.choice.path : r.message).toMatch(/matches 2 disks \(\/dev\/nvme0n1, \/dev\/sda\)/);
  });
});

describe("evaluateDisks (for the wizard's disk list)", () => {
  it("marks each disk's problems even when the selector matches nothing", () => {
    const c = evaluateDisks({}, loadFixture("mounted-partition"), minBytes);
    expect(c.map((x) => [x.path, x.blockers.length > 0])).toEqual([
      ["/dev/sda", true],
      ["/dev/sdb", true],
    ]);
    expect(c[1]?.blockers[0]?.kind).toBe("boot-medium");
    expect(c[1]?.blockers[0]?.text).toMatch(/boot medium/);
  });
});

describe("describeExisting", () => {
  it("a blank disk says so", () => {
    const sda = loadFixture("node-a").disks[0]!;
    const e = describeExisting(sda);
    expect(e.blank).toBe(true);
    expect(e.summary).toBe(
      "/dev/sda (QEMU HARDDISK, 20.0 GiB, serial QM00001, sata) has no partition table and no filesystem signature",
    );
  });

  it("a previous install: table, each partition with its type, signature and names", () => {
    const e = describeExisting(loadFixture("existing-install").disks[0]!);
    expect(e.blank).toBe(false);
    expect(e.summary).toContain(
      "holds a gpt partition table with 4 partitions; signatures: vfat, ext4, drbd",
    );
    expect(e.details).toEqual([
      "gpt partition table",
      '/dev/sda1, 1.0 MiB, BIOS boot, no filesystem signature, name "bios"',
      '/dev/sda2, 512.0 MiB, EFI system, vfat filesystem, label "ESP", name "esp"',
      '/dev/sda3, 5.0 GiB, Linux root (x86-64), ext4 filesystem, label "root", name "os"',
      '/dev/sda4, 14.5 GiB, Linux filesystem, drbd signature, name "data"',
    ]);
  });

  it("the live stick: whole-disk iso9660 and what is mounted", () => {
    const e = describeExisting(loadFixture("node-a").disks[1]!);
    expect(e.details).toContain('iso9660 signature on the whole disk, label "PAIRBOOT 0.1.0"');
    expect(e.details.some((l) => l.includes("mounted on /run/live/medium"))).toBe(true);
  });

  it("every fixture's disks: non-blank exactly when something is on them", () => {
    for (const name of fixtureNames()) {
      for (const d of loadFixture(name).disks) {
        const e = describeExisting(d);
        expect(e.blank).toBe(d.ptType === null && d.fstype === null && d.partitions.length === 0);
        expect(e.details).toHaveLength((d.ptType ? 1 : 0) + (d.fstype ? 1 : 0) + d.partitions.length);
        expect(e.summary.startsWith(d.path)).toBe(true);
      }
    }
  });
});
