// Node A's disk as a clone source: which partitions travel, how much is in use, and the refusal of a
// disk whose filesystems are mounted read-write (an image of a filesystem in use is not consistent).
import { run } from "../util/exec.js";
import { CloneHeader, SectionInfo } from "./format.js";
import {
  diskGeometry,
  diskTool,
  ext4UsedBytes,
  installedNodeName,
  mountsOf,
  partitionNodes,
  vfatUsedBytes,
} from "./disk.js";
import { findRole, parseSfdiskDump } from "./layout.js";

export interface Source {
  disk: string;
  header: CloneHeader;
  /** Section role -> partition device on node A. */
  devices: Map<SectionInfo["role"], string>;
}

/** The one disk with a partition named pairboot-os, when the user did not name one. */
export async function findSourceDisk(): Promise<string> {
  const r = await run(["lsblk", "--json", "--paths", "-o", "NAME,TYPE,PARTLABEL,PKNAME"]);
  const found = new Set<string>();
  if (r.exitCode === 0) {
    const walk = (
      devs: {
        name: string;
        type: string;
        partlabel?: string | null;
        pkname?: string | null;
        children?: unknown[];
      }[],
    ) => {
      for (const d of devs) {
        if (d.type === "part" && d.partlabel === "pairboot-os" && d.pkname) found.add(d.pkname);
        if (Array.isArray(d.children)) walk(d.children as typeof devs);
      }
    };
    walk((JSON.parse(r.stdout) as { blockdevices: Parameters<typeof walk>[0] }).blockdevices);
  }
  if (found.size === 1) return [...found][0] as string;
  if (found.size === 0)
    throw new Error("no disk with a pairboot-os partition found; name node A's disk with --disk");
  throw new Error(
    `several disks hold a pairboot-os partition (${[...found].join(", ")}); name one with --disk`,
  );
}

export async function inspectSource(disk: string): Promise<Source> {
  const geometry = await diskGeometry(disk);
  const rw = (await mountsOf(disk)).filter((m) => m.readWrite);
  if (rw.length > 0) {
    const list = rw.map((m) => `${m.device} on ${m.mountPoint}`).join(", ");
    throw new Error(
      `${disk} has filesystems mounted read-write (${list}); an image of a filesystem in use is not consistent. Boot node A from the pairboot stick, or unmount them, then try again`,
    );
  }
  const tableText = await diskTool(["sfdisk", "--dump", disk]);
  const table = parseSfdiskDump(tableText);
  const nodes = await partitionNodes(disk);
  const wanted = [
    { role: "esp" as const, fs: "vfat" as const },
    { role: "os" as const, fs: "ext4" as const },
  ];
  const sections: SectionInfo[] = [];
  const devices = new Map<SectionInfo["role"], string>();
  for (const w of wanted) {
    const part = findRole(table, w.role);
    const dev = part ? nodes.get(part.number) : undefined;
    if (!part || !dev)
      throw new Error(`${disk} has no partition named pairboot-${w.role}; is it a pairboot disk?`);
    const fs = (await run(["blkid", "-o", "value", "-s", "TYPE", dev])).stdout.trim();
    if (fs !== w.fs)
      throw new Error(
        `${dev} (pairboot-${w.role}) holds '${fs || "nothing recognisable"}', expected ${w.fs}`,
      );
    const usedBytes = w.fs === "ext4" ? await ext4UsedBytes(dev) : await vfatUsedBytes(dev);
    sections.push({
      role: w.role,
      partition: part.number,
      fs: w.fs,
      tool: w.fs === "ext4" ? "partclone.ext4" : "partclone.vfat",
      compression: "zstd",
      sizeBytes: part.size * table.sectorSize,
      usedBytes,
    });
    devices.set(w.role, dev);
  }
  const osDev = devices.get("os") as string;
  const os = sections.find((s) => s.role === "os") as SectionInfo;
  const header: CloneHeader = {
    format: "pairboot-clone",
    version: 2,
    createdAt: new Date().toISOString(),
    source: {
      node: await installedNodeName(osDev),
      diskBytes: geometry.bytes,
      sectorSize: geometry.sectorSize,
    },
    table: tableText,
    osSizeBytes: os.sizeBytes,
    usedBytes: sections.reduce((a, s) => a + s.usedBytes, 0),
    sections,
  };
  return { disk, header, devices };
}
