// Node B's partition table, planned from node A's. Pure: text and numbers in, text and numbers out.
//
// B gets A's table (same disk GUID, partition GUIDs, names, starts and sizes, so fstab, grub.cfg and
// any PARTUUID path stay valid) except that the data partition, the last one, runs to the end of B's
// disk. A disk that cannot hold the OS partition plus a 1 GiB data partition is refused before anything
// is written.
//
// "Not bootable until verified": the table is first written with every partition typed as
// TEMPORARY_TYPE and named "pairboot-incomplete-*". Firmware then finds no EFI system partition, GRUB's
// BIOS core has no BIOS boot partition, and pairboot itself does not recognise the disk as installed.
// Only after every section has been verified (and B's identity written) is the same table written again
// with the real types and names. Rewriting a GPT with unchanged starts and sizes leaves the data in place.
import { MIN_DATA_BYTES } from "../render/storage.js";
import { printable } from "./format.js";

export const TEMPORARY_TYPE = "8DA63339-0007-60C0-C436-083AC8230908"; // "Linux reserved"
const MiB = 1024 ** 2;

export interface TablePartition {
  number: number;
  start: number; // sectors
  size: number; // sectors
  type: string;
  uuid: string | null;
  name: string | null;
  attrs: string | null;
}

export interface PartitionTable {
  label: "gpt";
  labelId: string | null;
  sectorSize: number;
  firstLba: number | null;
  partitions: TablePartition[];
}

export type Role = "bios" | "esp" | "os" | "data";
const ROLE_NAMES: Record<Role, string> = {
  bios: "pairboot-bios",
  esp: "pairboot-esp",
  os: "pairboot-os",
  data: "pairboot-data",
};

/** Parses `sfdisk --dump` output of a GPT disk. */
export function parseSfdiskDump(text: string): PartitionTable {
  const head = new Map<string, string>();
  const partitions: TablePartition[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const colon = line.indexOf(" : ");
    if (colon >= 0) {
      const node = line.slice(0, colon);
      const num = /(\d+)$/.exec(node);
      if (!num?.[1]) throw new Error(`cannot tell the partition number of '${node}'`);
      const fields = parseFields(line.slice(colon + 3));
      const start = Number(fields.get("start"));
      const size = Number(fields.get("size"));
      const type = fields.get("type");
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || !type) {
        throw new Error(`partition line without start, size or type: ${line}`);
      }
      partitions.push({
        number: Number(num[1]),
        start,
        size,
        type: type.toUpperCase(),
        uuid: fields.get("uuid") ?? null,
        name: fields.get("name") ?? null,
        attrs: fields.get("attrs") ?? null,
      });
    } else {
      const m = /^([a-z-]+):\s*(.*)$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) head.set(m[1], m[2]);
    }
  }
  if (head.get("label") !== "gpt")
    throw new Error(`the source disk's table is '${head.get("label") ?? "none"}', not GPT`);
  if ((head.get("unit") ?? "sectors") !== "sectors") throw new Error("sfdisk dump not in sectors");
  partitions.sort((a, b) => a.number - b.number);
  return {
    label: "gpt",
    labelId: head.get("label-id") ?? null,
    sectorSize: Number(head.get("sector-size") ?? 512),
    firstLba: head.has("first-lba") ? Number(head.get("first-lba")) : null,
    partitions,
  };
}

/** Splits `start=  2048, size= 2048, type=..., name="a, b"` respecting quotes. */
function parseFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([a-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)/g;
  for (const m of text.matchAll(re)) {
    if (m[1] === undefined || m[2] === undefined) continue;
    const v = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(.)/g, "$1") : m[2].trim();
    out.set(m[1], v);
  }
  return out;
}

const GUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
/** sfdisk's GPT attribute words, as `sfdisk --dump` prints them. */
const ATTR = /^(RequiredPartition|NoBlockIOProtocol|LegacyBIOSBootable|GUID:(4[89]|5[0-9]|6[0-3]))$/;

/**
 * Every value of a table that reaches an sfdisk script, checked against what sfdisk itself writes: the
 * table comes from node A's header (an image file or the network) and must not smuggle a quote, a comma
 * or a newline into the script. Returns the first problem in words, or null.
 */
export function checkTableValues(table: PartitionTable): string | null {
  if (table.labelId !== null && !GUID.test(table.labelId))
    return `the disk GUID (label-id) '${printable(table.labelId)}' is not a GUID`;
  if (table.sectorSize !== 512 && table.sectorSize !== 4096)
    return `the sector size ${table.sectorSize} is neither 512 nor 4096`;
  if (table.firstLba !== null && !(Number.isSafeInteger(table.firstLba) && table.firstLba >= 34))
    return `first-lba ${table.firstLba} is not a sector number after the GPT`;
  for (const p of table.partitions) {
    const where = `partition ${p.number}`;
    if (!(Number.isInteger(p.number) && p.number >= 1 && p.number <= 128))
      return `${where}: partition numbers go from 1 to 128`;
    if (!(p.start >= 34 && p.size >= 1))
      return `${where}: start ${p.start} or size ${p.size} is not possible`;
    if (!GUID.test(p.type)) return `${where}: its type '${printable(p.type)}' is not a GUID`;
    if (p.uuid !== null && !GUID.test(p.uuid))
      return `${where}: its uuid '${printable(p.uuid)}' is not a GUID`;
    if (p.name !== null && !/^[A-Za-z0-9._+-]{1,36}$/.test(p.name))
      return `${where}: its name '${printable(p.name)}' has characters other than letters, digits and . _ + - (at most 36)`;
    if (
      p.attrs !== null &&
      !p.attrs
        .split(/[ ,]+/)
        .filter(Boolean)
        .every((w) => ATTR.test(w))
    )
      return `${where}: its attributes '${printable(p.attrs)}' are not sfdisk attribute words (RequiredPartition, NoBlockIOProtocol, LegacyBIOSBootable, GUID:48-63)`;
  }
  const sorted = [...table.partitions].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as TablePartition;
    const b = sorted[i] as TablePartition;
    if (a.start + a.size > b.start) return `partitions ${a.number} and ${b.number} overlap`;
  }
  return null;
}

export function findRole(table: PartitionTable, role: Role): TablePartition | undefined {
  return table.partitions.find((p) => p.name === ROLE_NAMES[role]);
}

export interface TargetPlan {
  /** The table written before any data: temporary types and names. */
  temporaryScript: string;
  /** The same table with the real types and names, written once everything is verified. */
  finalScript: string;
  partitions: (TablePartition & { role: Role })[];
  dataBytes: number;
  osBytes: number;
}

/** The smallest target disk for this source table: everything before the data partition, 1 GiB of data, backup GPT. */
export function minimumTargetBytes(table: PartitionTable): number {
  const data = findRole(table, "data");
  if (!data) throw new Error("the source disk has no partition named pairboot-data");
  return data.start * table.sectorSize + MIN_DATA_BYTES + MiB;
}

/**
 * B's table for a target disk of `diskBytes` with `sectorSize`-byte sectors, or the reason it cannot be
 * made. Nothing here touches a disk.
 */
export function planTarget(
  table: PartitionTable,
  diskBytes: number,
  sectorSize: number,
): { plan: TargetPlan } | { error: string } {
  const roles = (["bios", "esp", "os", "data"] as const).map((role) => ({
    role,
    part: findRole(table, role),
  }));
  const missing = roles.filter((r) => !r.part).map((r) => ROLE_NAMES[r.role]);
  if (missing.length > 0) {
    return { error: `the source disk is not a pairboot disk: no partition named ${missing.join(", ")}` };
  }
  if (table.partitions.length !== 4) {
    return { error: `the source disk has ${table.partitions.length} partitions; a pairboot disk has 4` };
  }
  const bad = checkTableValues(table);
  if (bad) return { error: `node A's partition table cannot be used: ${bad}` };
  const data = findRole(table, "data") as TablePartition;
  const last = table.partitions.reduce((a, b) => (a.start > b.start ? a : b));
  if (last !== data) return { error: "the data partition is not the last partition on the source disk" };
  if (sectorSize !== table.sectorSize) {
    return {
      error: `the target disk has ${sectorSize}-byte sectors, the source ${table.sectorSize}-byte sectors; pairboot cannot clone between them (install node B from the answer file instead)`,
    };
  }
  const need = minimumTargetBytes(table);
  if (diskBytes < need) {
    const os = findRole(table, "os") as TablePartition;
    return {
      error: `the target disk is too small: it holds ${mib(diskBytes)} but node A's layout needs at least ${mib(need)} (OS partition ${mib(os.size * sectorSize)}, boot partitions and a data partition of at least ${mib(MIN_DATA_BYTES)}); nothing was written`,
    };
  }
  // GPT needs 33 sectors at the end for its backup; sfdisk rounds the last partition's end down to 1 MiB.
  const lastUsable = Math.floor(diskBytes / sectorSize) - 34;
  const grain = MiB / sectorSize;
  const dataEnd = Math.floor((lastUsable + 1) / grain) * grain; // exclusive
  const dataSize = dataEnd - data.start;
  const partitions = table.partitions.map((p) => ({
    ...p,
    size: p === data ? dataSize : p.size,
    role: (roles.find((r) => r.part === p)?.role ?? "data") as Role,
  }));
  const os = partitions.find((p) => p.role === "os") as TablePartition;
  return {
    plan: {
      temporaryScript: script(table, partitions, true),
      finalScript: script(table, partitions, false),
      partitions,
      dataBytes: dataSize * sectorSize,
      osBytes: os.size * sectorSize,
    },
  };
}

function script(
  table: PartitionTable,
  parts: (TablePartition & { role: Role })[],
  temporary: boolean,
): string {
  const head = ["label: gpt"];
  if (table.labelId) head.push(`label-id: ${table.labelId}`);
  head.push("unit: sectors");
  if (table.firstLba !== null) head.push(`first-lba: ${table.firstLba}`);
  head.push(`sector-size: ${table.sectorSize}`);
  const rows = parts.map((p) => {
    const f = [`start=${p.start}`, `size=${p.size}`];
    f.push(`type=${temporary ? TEMPORARY_TYPE : p.type}`);
    if (p.uuid) f.push(`uuid=${p.uuid}`);
    const name = temporary ? `pairboot-incomplete-${p.role}` : p.name;
    if (name) f.push(`name="${name.replace(/(["\\])/g, "\\$1")}"`);
    // Values checked by checkTableValues: GUIDs, attribute words, names without quotes or commas.
    if (p.attrs && !temporary) f.push(`attrs="${p.attrs.split(/[ ,]+/).filter(Boolean).join(" ")}"`);
    return f.join(", ");
  });
  return `${head.join("\n")}\n\n${rows.join("\n")}\n`;
}

function mib(bytes: number): string {
  return bytes >= 10 * 1024 * MiB
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.floor(bytes / MiB)} MiB`;
}
