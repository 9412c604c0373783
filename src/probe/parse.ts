// Pure parsers: raw text and JSON read from the machine -> HardwareFacts. No I/O here, so every rule can be
// tested on recorded output (test/fixtures/hardware/raw/).
import { z } from "zod";
import type {
  BootMediumFacts,
  DiskFacts,
  DmiFacts,
  HardwareFacts,
  NicFacts,
  PartitionFacts,
} from "./facts.js";
import type { RawDmi, RawHardware, RawLoop, RawNic } from "./raw.js";

export const LIVE_MEDIUM_MOUNTPOINT = "/run/live/medium";

// lsblk's JSON changed over util-linux releases: booleans were "0"/"1" strings and sizes strings before
// 2.33, MOUNTPOINTS (plural) arrived in 2.37. Accept both spellings and normalise here.
const flag = z
  .union([z.boolean(), z.string(), z.number(), z.null()])
  .transform((v) => v === true || v === "1" || v === 1);
const text = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => {
    const t = v?.trim();
    return t ? t : null;
  });
const bytes = z
  .union([z.number(), z.string(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === "" ? 0 : Number(v)));

export interface LsblkNode {
  name: string;
  kname: string; // the kernel's name: dm-0 where name says vg-root
  path: string;
  type: string;
  size: number;
  model: string | null;
  serial: string | null;
  vendor: string | null;
  wwn: string | null;
  tran: string | null;
  rm: boolean;
  hotplug: boolean;
  ro: boolean;
  rota: boolean;
  pttype: string | null;
  fstype: string | null;
  label: string | null;
  partlabel: string | null;
  parttype: string | null;
  /** A partition's first sector (512 bytes each), null for whole devices and old lsblk releases. */
  start: number | null;
  mountpoints: string[];
  children: LsblkNode[];
}

const lsblkNode: z.ZodType<LsblkNode, unknown> = z.lazy(() =>
  z
    .looseObject({
      name: z.string(),
      kname: text,
      path: text,
      type: z.string(),
      size: bytes,
      model: text,
      serial: text,
      vendor: text,
      wwn: text,
      tran: text,
      rm: flag.optional(),
      hotplug: flag.optional(),
      ro: flag.optional(),
      rota: flag.optional(),
      pttype: text,
      fstype: text,
      label: text,
      partlabel: text,
      parttype: text,
      start: z.union([z.number(), z.string(), z.null()]).optional(),
      mountpoint: text,
      mountpoints: z.array(z.string().nullable()).optional(),
      children: z.array(lsblkNode).optional(),
    })
    .transform((n) => ({
      name: n.name,
      kname: n.kname ?? n.name,
      path: n.path ?? `/dev/${n.name}`,
      type: n.type,
      size: n.size,
      model: n.model,
      serial: n.serial,
      vendor: n.vendor,
      wwn: n.wwn,
      tran: n.tran,
      rm: n.rm ?? false,
      hotplug: n.hotplug ?? false,
      ro: n.ro ?? false,
      rota: n.rota ?? false,
      pttype: n.pttype,
      fstype: n.fstype,
      label: n.label,
      partlabel: n.partlabel,
      parttype: n.parttype,
      start: n.start === null || n.start === undefined || n.start === "" ? null : Number(n.start),
      mountpoints: unique(
        (n.mountpoints ?? [n.mountpoint]).filter((m): m is string => typeof m === "string" && m !== ""),
      ),
      children: n.children ?? [],
    })),
);

const lsblkOutput = z.looseObject({ blockdevices: z.array(lsblkNode) });

/** The device tree of `lsblk --json -b -O` (top level: disks, loops, roms; children: partitions, holders). */
export function parseLsblk(json: unknown): LsblkNode[] {
  const r = lsblkOutput.safeParse(json);
  if (!r.success) throw new Error(`unexpected lsblk JSON: ${r.error.message}`);
  return r.data.blockdevices;
}

/** `blkid -p -o export` output -> KEY -> value, with blkid's backslash escapes undone. */
export function parseBlkidExport(out: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    props[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\(.)/g, "$1");
  }
  return props;
}

/** /proc/swaps -> the active swap devices and files (octal escapes such as \040 undone). */
export function parseProcSwaps(out: string): string[] {
  return out
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((p) => p !== "")
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** `findmnt -n -o SOURCE` -> a device path; btrfs appends "[/subvolume]", which is not part of the device. */
export function parseFindmntSource(out: string | null): string | null {
  const first = out?.split("\n")[0]?.trim() ?? "";
  const source = first.replace(/\[.*\]$/, "");
  return source === "" ? null : source;
}

/** /dev/disk/by-id links -> kernel name of the target -> links, sorted so output is stable. */
export function byIdLinks(links: { link: string; target: string }[] | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { link, target } of links ?? []) {
    const name = target.replace(/^.*\//, "");
    map.set(name, [...(map.get(name) ?? []), link].sort());
  }
  return map;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function walk(node: LsblkNode): LsblkNode[] {
  return [node, ...node.children.flatMap(walk)];
}

// Never install targets: compressed RAM swap and RAM disks. CD/DVD drives (type rom) are not disks either.
const NEVER_DISKS = /^(zram|ram)\d+$/;

function isCandidateDevice(node: LsblkNode, includeLoop: boolean): boolean {
  if (NEVER_DISKS.test(node.name)) return false;
  // A card reader without a card or a detached loop reports size 0: there is nothing to install onto.
  if (node.size <= 0) return false;
  return node.type === "disk" || (includeLoop && node.type === "loop");
}

/**
 * The top-level devices holding `source` (a partition, the whole disk, or an LVM/md device above them).
 * A RAID 1 root sits on two disks: both hold it.
 */
export function disksHolding(tree: LsblkNode[], source: string | null): LsblkNode[] {
  if (!source) return [];
  return tree.filter((top) => walk(top).some((n) => n.path === source || `/dev/${n.name}` === source));
}

export function diskHolding(tree: LsblkNode[], source: string | null): LsblkNode | null {
  return disksHolding(tree, source)[0] ?? null;
}

function partitionFacts(
  part: LsblkNode,
  blkid: Record<string, string>,
  swaps: Set<string>,
  viaLoop: Map<string, string[]>,
): PartitionFacts {
  const probed = parseBlkidExport(blkid[part.path] ?? "");
  const subtree = walk(part);
  return {
    path: part.path,
    sizeBytes: part.size,
    fstype: part.fstype ?? probed.TYPE ?? null,
    label: part.label ?? probed.LABEL ?? null,
    partLabel: part.partlabel ?? probed.PART_ENTRY_NAME ?? null,
    partType: (part.parttype ?? probed.PART_ENTRY_TYPE ?? null)?.toLowerCase() ?? null,
    mountpoints: unique([...mountpointsOf(subtree, swaps), ...(viaLoop.get(part.path) ?? [])]),
  };
}

/**
 * Filesystems mounted through a loop device over a disk or one of its partitions, by the device they
 * really sit on. The live system mounts its boot stick whole (ISO 9660), which keeps the kernel from
 * mounting the stick's PAIRBOOT partition itself: that one is mounted through a loop device over the
 * partition's bytes instead, and must still count as mounted (the wizard saves there; no install may
 * touch a disk in use).
 */
export function loopMounts(tree: LsblkNode[], loops: RawLoop[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (device: string, mps: string[]) =>
    out.set(device, unique([...(out.get(device) ?? []), ...mps]));
  for (const loop of loops ?? []) {
    const node = tree.find((n) => n.name === loop.name);
    const mps = node ? unique(walk(node).flatMap((n) => n.mountpoints)) : [];
    if (!loop.backingFile || mps.length === 0) continue;
    for (const top of tree) {
      const parts = top.children.filter((c) => c.type === "part");
      const part = parts.find((p) => p.path === loop.backingFile);
      if (part) add(part.path, mps);
      if (top.path !== loop.backingFile) continue;
      const over = parts.find((p) => p.start !== null && p.start * 512 === loop.offset);
      add(over ? over.path : top.path, mps);
    }
  }
  return out;
}

function mountpointsOf(nodes: LsblkNode[], swaps: Set<string>): string[] {
  return unique(
    nodes.flatMap((n) =>
      swaps.has(n.path) && !n.mountpoints.includes("[SWAP]") ? [...n.mountpoints, "[SWAP]"] : n.mountpoints,
    ),
  );
}

function diskFacts(
  top: LsblkNode,
  raw: RawHardware,
  byId: Map<string, string[]>,
  swaps: Set<string>,
  bootDisks: Set<string>,
  viaLoop: Map<string, string[]>,
): DiskFacts {
  const probed = parseBlkidExport(raw.blkid[top.path] ?? "");
  const parts = top.children.filter((c) => c.type === "part");
  // Anything stacked on the disk that is not a partition (LVM, md, dm-crypt, multipath) holds it, and so
  // does anything stacked on one of its partitions; sysfs and lsblk's tree both say so.
  const stacked = [top, ...parts].flatMap((n) =>
    n.children.filter((c) => c.type !== "part").map((c) => c.kname),
  );
  const sysfs = [top, ...parts].flatMap((n) => raw.holders[n.name] ?? []);
  return {
    path: top.path,
    name: top.name,
    byId: byId.get(top.name) ?? [],
    serial: top.serial,
    model: top.model,
    vendor: top.vendor,
    wwn: top.wwn,
    sizeBytes: top.size,
    rotational: top.rota,
    removable: top.rm || top.hotplug,
    readOnly: top.ro,
    transport: top.tran,
    ptType: top.pttype ?? probed.PTTYPE ?? null,
    fstype: top.fstype ?? probed.TYPE ?? null,
    label: top.label ?? probed.LABEL ?? null,
    partitions: parts.map((p) => partitionFacts(p, raw.blkid, swaps, viaLoop)),
    mountpoints: unique([
      ...mountpointsOf(walk(top), swaps),
      ...[top, ...parts].flatMap((n) => viaLoop.get(n.path) ?? []),
    ]),
    isBootMedium: bootDisks.has(top.path),
    holders: unique([...sysfs, ...stacked]).sort(),
  };
}

/**
 * The boot medium: the disk behind /run/live/medium when running live, else the disk holding the running
 * root filesystem (a developer's machine), so the disk pairboot runs from is never offered as a target.
 */
export function bootMedium(tree: LsblkNode[], raw: RawHardware): BootMediumFacts | null {
  const live = parseFindmntSource(raw.liveMediumSource);
  const root = parseFindmntSource(raw.rootSource);
  const [source, mountpoint] = live ? [live, LIVE_MEDIUM_MOUNTPOINT] : root ? [root, "/"] : [null, null];
  if (!source || !mountpoint) return null;
  return { disk: diskHolding(tree, source)?.path ?? null, source, mountpoint };
}

export function parseNic(raw: RawNic): NicFacts {
  const carrier = raw.carrier?.trim();
  const speed = Number(raw.speed?.trim());
  return {
    name: raw.name,
    mac: (raw.address?.trim() ?? "").toLowerCase(),
    driver: raw.driverLink ? (raw.driverLink.replace(/\/+$/, "").split("/").pop() ?? null) : null,
    link: carrier === "1" ? true : carrier === "0" ? false : null,
    // The kernel reports -1 (or fails with EINVAL) when the speed is unknown: a down link, a virtual NIC.
    speedMbps: Number.isInteger(speed) && speed > 0 ? speed : null,
    virtual: !raw.hasDevice,
  };
}

// Firmware placeholders and the names systeminformation invents when there is no DMI data at all. Keeping
// them would make every board with "To Be Filled By O.E.M." match the same dmi_serial.
const DMI_PLACEHOLDER =
  /^(-|n\/?a|none|unknown|invalid|default string|not specified|not applicable|not available|to be filled by o\.?e\.?m\.?|not settable|not present|o\.?e\.?m\.?|system (serial number|product name|manufacturer|version)|chassis serial number|base board serial number|serial number|0+|f+|x+|0?123456789|computer|virtual machine|docker container)$/i;

export function cleanDmiValue(v: string | null | undefined): string | null {
  const t = v?.trim() ?? "";
  if (t === "" || DMI_PLACEHOLDER.test(t)) return null;
  if (/^[0f-]+$/i.test(t) && t.includes("-")) return null; // all-zero or all-F UUIDs
  return t;
}

export function parseDmi(raw: RawDmi): DmiFacts {
  const pick = (si: string | undefined, sysfs: string | null | undefined) =>
    cleanDmiValue(si) ?? cleanDmiValue(sysfs);
  const uuid = pick(raw.si?.uuid, raw.sysfs.product_uuid);
  return {
    vendor: pick(raw.si?.manufacturer, raw.sysfs.sys_vendor),
    product: pick(raw.si?.model, raw.sysfs.product_name),
    serial: pick(raw.si?.serial, raw.sysfs.product_serial),
    uuid: uuid ? uuid.toLowerCase() : null,
  };
}

// Hardware text comes from firmware, disk controllers and what is on the disks (partition names, labels):
// a model "QEMU\x1b]0;X" would retitle the terminal, a newline would forge a line of output. Every string
// of the facts is made safe here, once, for every display (plan, probe, the wizard, messages, logs): control
// characters, line separators and bidirectional overrides become "?". Answer selectors are printable (the
// schema refuses control characters), so matching them against the safe value matches what the raw value
// could; and the wizard writes a selector from the safe value, which the next probe gives again.
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One hardware-sourced string, safe to print: control and direction characters replaced by "?". */
export function displaySafe(text: string): string {
  return text.replace(UNSAFE_TEXT, "?");
}

/** Every string in `value`, at any depth, made safe with displaySafe (idempotent). */
export function safeFacts<T>(value: T): T {
  if (typeof value === "string") return displaySafe(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => safeFacts(v)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeFacts(v)])) as T;
  }
  return value;
}

/** The whole interpretation: raw record -> HardwareFacts, every string safe to display. */
export function parseHardware(raw: RawHardware): HardwareFacts {
  return safeFacts(interpret(raw));
}

function interpret(raw: RawHardware): HardwareFacts {
  const tree = parseLsblk(raw.lsblk);
  const swaps = new Set(parseProcSwaps(raw.swaps));
  const byId = byIdLinks(raw.byId);
  const boot = bootMedium(tree, raw);
  const bootDisks = new Set(disksHolding(tree, boot?.source ?? null).map((n) => n.path));
  const viaLoop = loopMounts(tree, raw.loops);
  const disks = tree
    .filter((n) => isCandidateDevice(n, raw.includeLoop))
    .map((n) => diskFacts(n, raw, byId, swaps, bootDisks, viaLoop));
  return {
    schema: 1,
    hostname: raw.hostname.trim(),
    disks,
    nics: raw.nics.map(parseNic).filter((n) => n.mac !== ""),
    dmi: parseDmi(raw.dmi),
    cmdline: raw.cmdline.trim(),
    bootMedium: boot,
  };
}
