import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { minimumTargetBytes, parseSfdiskDump, planTarget, TEMPORARY_TYPE } from "../../src/clone/layout.js";
import { partitionLayout, sfdiskScript } from "../../src/render/storage.js";
import type { CloneHeader } from "../../src/clone/format.js";
import { checkSections } from "../../src/clone/target.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// A dump as `sfdisk --dump` prints node A's disk (7 GiB, the installer's layout).
const DUMP = `label: gpt
label-id: 11C13F3A-27EB-3645-8121-265F8D9F3628
device: /dev/sda
unit: sectors
first-lba: 2048
last-lba: 14680030
sector-size: 512

/dev/sda1 : start=        2048, size=        2048, type=21686148-6449-6E6F-744E-656564454649, uuid=6CB84D7C-83DD-374C-B08A-CDE3FA0B77E3, name="pairboot-bios"
/dev/sda2 : start=        4096, size=     1048576, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=667ECB63-E796-264A-B762-4D2C53A05FCF, name="pairboot-esp"
/dev/sda3 : start=     1052672, size=    10485760, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=CDAB0D98-6871-C446-ABA8-65F7346DD2CE, name="pairboot-os"
/dev/sda4 : start=    11538432, size=     3139584, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=94BC93C0-2BBE-EB42-BE6A-3526A14A20E1, name="pairboot-data"
`;

describe("node B's partition table", () => {
  const table = parseSfdiskDump(DUMP);

  it("reads node A's table", () => {
    expect(table.partitions.map((p) => p.name)).toEqual([
      "pairboot-bios",
      "pairboot-esp",
      "pairboot-os",
      "pairboot-data",
    ]);
    expect(table.labelId).toBe("11C13F3A-27EB-3645-8121-265F8D9F3628");
  });

  it("keeps the OS partition and extends the data partition to the end of a bigger disk", () => {
    const r = planTarget(table, 100 * GiB, 512);
    if ("error" in r) throw new Error(r.error);
    const os = r.plan.partitions.find((p) => p.role === "os");
    const data = r.plan.partitions.find((p) => p.role === "data");
    expect(os?.size).toBe(table.partitions[2]?.size);
    expect(data?.start).toBe(table.partitions[3]?.start);
    const end = ((data?.start ?? 0) + (data?.size ?? 0)) * 512;
    expect(100 * GiB - end).toBeLessThanOrEqual(MiB + 34 * 512);
    expect(r.plan.osBytes).toBe(5 * GiB);
  });

  it("writes temporary types and names first, the real ones only in the final table", () => {
    const r = planTarget(table, 20 * GiB, 512);
    if ("error" in r) throw new Error(r.error);
    expect(r.plan.temporaryScript).not.toMatch(/C12A7328|21686148|pairboot-os"/);
    expect(r.plan.temporaryScript.match(new RegExp(TEMPORARY_TYPE, "g"))).toHaveLength(4);
    expect(r.plan.finalScript).toMatch(/C12A7328-F81F-11D2-BA4B-00A0C93EC93B/);
    expect(r.plan.finalScript).toMatch(/name="pairboot-os"/);
    // Same geometry and GUIDs in both, so rewriting the table leaves the restored data in place.
    const strip = (s: string) => s.replace(/type=[^,]+|name="[^"]+"/g, "");
    expect(strip(r.plan.temporaryScript)).toBe(strip(r.plan.finalScript));
    expect(r.plan.finalScript).toMatch(/uuid=CDAB0D98-6871-C446-ABA8-65F7346DD2CE/);
  });

  it("refuses a disk too small for the OS partition plus 1 GiB of data, saying what is needed", () => {
    const need = minimumTargetBytes(table);
    const r = planTarget(table, need - 1, 512);
    expect("error" in r && r.error).toMatch(
      /too small.*needs at least.*OS partition 5120 MiB.*nothing was written/,
    );
    expect("plan" in planTarget(table, need, 512)).toBe(true);
  });

  it("agrees with the installer's own minimum disk size", async () => {
    const spec = { storage: { os_size: 5 * GiB } } as ClusterSpec;
    const { minimumDiskBytes } = await import("../../src/render/storage.js");
    expect(minimumTargetBytes(table)).toBe(minimumDiskBytes(spec));
  });

  it("refuses a different sector size and a disk that is not pairboot's", () => {
    expect(planTarget(table, 100 * GiB, 4096)).toMatchObject({
      error: expect.stringMatching(/4096-byte sectors/),
    });
    const foreign = parseSfdiskDump(DUMP.replace('name="pairboot-os"', 'name="root"'));
    expect(planTarget(foreign, 100 * GiB, 512)).toMatchObject({
      error: expect.stringMatching(/no partition named pairboot-os/),
    });
  });

  it("produces scripts sfdisk accepts, with the planned geometry", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pairboot-layout-"));
    try {
      const img = join(dir, "b.img");
      await execa("truncate", ["-s", String(12 * GiB), img]);
      const r = planTarget(table, 12 * GiB, 512);
      if ("error" in r) throw new Error(r.error);
      for (const script of [r.plan.temporaryScript, r.plan.finalScript]) {
        await execa("sfdisk", ["--quiet", img], { input: script });
        const back = parseSfdiskDump((await execa("sfdisk", ["--dump", img])).stdout);
        expect(back.partitions.map((p) => [p.start, p.size, p.uuid])).toEqual(
          r.plan.partitions.map((p) => [p.start, p.size, p.uuid]),
        );
      }
      // And the installer's own layout, once written, parses into a table the clone accepts.
      await writeFile(
        join(dir, "a.sfdisk"),
        sfdiskScript(partitionLayout({ storage: { os_size: 5 * GiB } } as ClusterSpec)),
      );
      await execa("truncate", ["-s", String(7 * GiB), join(dir, "a.img")]);
      await execa("sfdisk", ["--quiet", join(dir, "a.img")], { inputFile: join(dir, "a.sfdisk") });
      const a = parseSfdiskDump((await execa("sfdisk", ["--dump", join(dir, "a.img")])).stdout);
      expect("plan" in planTarget(a, 12 * GiB, 512)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a crafted table or header from node A (checked before B's disk is touched)", () => {
  const table = parseSfdiskDump(DUMP);
  const edit = (from: string, to: string) => parseSfdiskDump(DUMP.replace(from, to));
  const err = (t: ReturnType<typeof parseSfdiskDump>) => {
    const r = planTarget(t, 20 * GiB, 512);
    return "error" in r ? r.error : null;
  };

  it("refuses attrs, uuids, names and a disk GUID that would inject into the sfdisk script", () => {
    expect(
      err(edit('name="pairboot-os"', 'name="pairboot-os", attrs="RequiredPartition\\", type=0"')),
    ).toMatch(
      /^node A's partition table cannot be used: partition 3: its attributes 'RequiredPartition", type=0' are not sfdisk attribute words/,
    );
    expect(
      err(edit("uuid=CDAB0D98-6871-C446-ABA8-65F7346DD2CE", "uuid=CDAB0D98-6871-C446-ABA8-65F7346DD2CE x")),
    ).toMatch(/partition 3: its uuid 'CDAB0D98-6871-C446-ABA8-65F7346DD2CE x' is not a GUID/);
    expect(err(edit("label-id: 11C13F3A-27EB-3645-8121-265F8D9F3628", "label-id: 11C13F3A, size=1"))).toMatch(
      /the disk GUID \(label-id\) '11C13F3A, size=1' is not a GUID/,
    );
    // Known attribute words pass, and reach the script normalised.
    const ok = planTarget(
      edit('name="pairboot-bios"', 'name="pairboot-bios", attrs="RequiredPartition GUID:63"'),
      20 * GiB,
      512,
    );
    if ("error" in ok) throw new Error(ok.error);
    expect(ok.plan.finalScript).toMatch(/attrs="RequiredPartition GUID:63"/);
  });

  it("refuses an OS partition grown over the data partition", () => {
    expect(err(edit("size=    10485760", "size=    99999999"))).toBe(
      "node A's partition table cannot be used: partitions 3 and 4 overlap",
    );
  });

  it("refuses a section mapped onto the partition of another role (the ESP into the data partition)", () => {
    const r = planTarget(table, 20 * GiB, 512);
    if ("error" in r) throw new Error(r.error);
    const header = {
      source: { node: "node-a", diskBytes: 7 * GiB, sectorSize: 512 },
      sections: [
        { role: "esp", partition: 4, sizeBytes: 1048576 * 512, usedBytes: 1 },
        { role: "os", partition: 3, sizeBytes: 10485760 * 512, usedBytes: 1 },
      ],
    } as unknown as CloneHeader;
    expect(checkSections(header, r.plan)).toBe(
      "the esp section names partition 4, which is the data partition",
    );
    const ok = {
      ...header,
      sections: [{ ...header.sections[0], partition: 2 }, header.sections[1]],
    } as CloneHeader;
    expect(checkSections(ok, r.plan)).toBeNull();
    const p99 = { ...header, sections: [{ ...header.sections[0], partition: 99 }] } as CloneHeader;
    expect(checkSections(p99, r.plan)).toBe(
      "the esp section names partition 99, which the table does not have",
    );
  });
});
