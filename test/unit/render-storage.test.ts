import { describe, expect, it } from "vitest";
import {
  GPT_TYPE,
  MIN_DATA_BYTES,
  diskTooSmall,
  minimumDiskBytes,
  partitionLayout,
  render,
  sfdiskScript,
} from "../../src/render/storage.js";
import { espFstabUuid, espVolumeId, osFsUuid } from "../../src/render/ids.js";
import { seed } from "../support/fixtures.js";

const MiB = 1024 ** 2;

describe("partition layout", () => {
  it("has BIOS boot, ESP, OS and data partitions in that order, each 1 MiB aligned and back to back", () => {
    const spec = seed();
    const parts = partitionLayout(spec).partitions;
    expect(parts.map((p) => [p.number, p.name, p.typeGuid])).toEqual([
      [1, "pairboot-bios", GPT_TYPE.bios],
      [2, "pairboot-esp", GPT_TYPE.esp],
      [3, "pairboot-os", GPT_TYPE.linuxRootX86_64],
      [4, "pairboot-data", GPT_TYPE.linuxData],
    ]);
    expect(parts.map((p) => p.sizeBytes)).toEqual([MiB, 512 * MiB, spec.storage.os_size, null]);
    expect(parts.map((p) => p.fs)).toEqual([null, "vfat", "ext4", null]);
    for (const p of parts) expect(p.startBytes % MiB).toBe(0);
    for (const [i, p] of parts.slice(1).entries()) {
      const prev = parts[i]!;
      expect(p.startBytes).toBe(prev.startBytes + (prev.sizeBytes ?? 0));
    }
  });

  it("rounds an OS size that is not a whole MiB up, and ignores data_fs for the OS", () => {
    const spec = seed((d) => {
      d.storage.os_size = 5 * 1024 ** 3 + 1;
      d.storage.data_fs = "xfs";
    });
    const os = partitionLayout(spec).partitions.find((p) => p.role === "os")!;
    expect(os.sizeBytes).toBe(5 * 1024 ** 3 + MiB);
    expect(os.fs).toBe("ext4");
  });

  it("needs room for every fixed partition, a minimum data partition and the backup GPT", () => {
    for (const size of ["3GiB", "5GiB", "20GiB"]) {
      const spec = seed((d) => (d.storage.os_size = size));
      const data = partitionLayout(spec).partitions.find((p) => p.role === "data")!;
      const min = minimumDiskBytes(spec);
      expect(min - data.startBytes - MIN_DATA_BYTES).toBeGreaterThanOrEqual(33 * 4096);
      expect(min % MiB).toBe(0);
      expect(diskTooSmall(spec, min)).toBeNull();
      expect(diskTooSmall(spec, min - 1)).toMatch(/needs at least \d+ MiB/);
    }
  });

  it("writes an sfdisk script with sizes in MiB, names and types, the data partition open-ended", () => {
    const layout = partitionLayout(seed());
    const rows = sfdiskScript(layout)
      .split("\n")
      .filter((l) => l.startsWith("start="));
    expect(rows.length).toBe(4);
    for (const [i, p] of layout.partitions.entries()) {
      expect(rows[i]).toContain(`start=${p.startBytes / MiB}MiB`);
      expect(rows[i]).toContain(`type=${p.typeGuid}`);
      expect(rows[i]).toContain(`name="${p.name}"`);
      expect(rows[i]!.includes("size=")).toBe(p.sizeBytes !== null);
    }
    expect(sfdiskScript(layout)).toMatch(/^label: gpt$/m);
  });
});

describe("filesystem ids and fstab", () => {
  it("derives well-formed ids that are stable and the same for both nodes", () => {
    const spec = seed();
    expect(osFsUuid(spec)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(espVolumeId(spec)).toMatch(/^[0-9a-f]{8}$/);
    expect(espFstabUuid(spec)).toBe(
      `${espVolumeId(spec).slice(0, 4)}-${espVolumeId(spec).slice(4)}`.toUpperCase(),
    );
    expect(osFsUuid(seed())).toBe(osFsUuid(spec));
    expect(osFsUuid(spec, spec.nodes[0])).toBe(osFsUuid(spec, spec.nodes[1]));
  });

  it("gives another cluster other ids, and keeps them when unrelated fields change", () => {
    const spec = seed();
    const other = seed((d) => (d.cluster.name = "nfs2"));
    expect(osFsUuid(other)).not.toBe(osFsUuid(spec));
    expect(espVolumeId(other)).not.toBe(espVolumeId(spec));
    const edited = seed((d) => {
      d.network.dns = ["192.0.2.1"];
      d.nodes[1].name = "node-c";
    });
    expect(osFsUuid(edited)).toBe(osFsUuid(spec));
  });

  it("mounts root and the ESP by those ids and leaves the data mount to Heartbeat", () => {
    const spec = seed();
    const fstab = render(spec, spec.nodes[0]!).files.find((f) => f.path === "/etc/fstab")!.content;
    const entries = fstab
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => l.split(/\s+/));
    expect(entries.map((e) => e.slice(0, 3))).toEqual([
      [`UUID=${osFsUuid(spec)}`, "/", "ext4"],
      [`UUID=${espFstabUuid(spec)}`, "/boot/efi", "vfat"],
    ]);
    for (const e of entries) expect(e.length).toBe(6);
  });

  it("keeps the partition script on the node", () => {
    const spec = seed();
    const f = render(spec, spec.nodes[1]!).files.find((x) => x.path === "/etc/pairboot/partitions.sfdisk");
    expect(f?.content).toBe(sfdiskScript(partitionLayout(spec)));
  });
});
