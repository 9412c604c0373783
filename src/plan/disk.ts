// Which disk a node installs onto. Pure: a selector from the answer file and the probed facts in, one disk
// or a refusal out. The top complaint about installers is "it wiped the wrong disk / the USB stick", so
// every rule here errs towards refusing, and every refusal names each disk seen and why it was not taken.
import type { ClusterSpec, DiskSelector, NodeSpec } from "../answer/schema.js";
import type { DiskFacts, HardwareFacts, PartitionFacts } from "../probe/facts.js";
import { formatBytes, formatBytesPair } from "../util/format.js";
import { minimumDiskBytes } from "../render/storage.js";
import type { DiskChoice } from "./types.js";

export interface DiskCandidate {
  path: string;
  model: string | null;
  serial: string | null;
  sizeBytes: number;
  transport: string | null;
  byId: string[];
  isBootMedium: boolean;
  /** Every field of the selector matches this disk. */
  matches: boolean;
  /** The selector fields that do not match, in words. */
  mismatches: string[];
  /** Why the disk cannot be installed onto whatever the selector says: boot medium, read-only, in use, too small. */
  blockers: Blocker[];
}

/** Why a disk can never be a target, for code to decide on; `text` is the full reason for people. */
export type BlockerKind = "boot-medium" | "iso-stick" | "read-only" | "in-use" | "held" | "too-small";
export interface Blocker {
  kind: BlockerKind;
  text: string;
}

/** Each kind in a few words, for a one-line refusal ("sdb cannot be chosen: it is in use"). */
export const BLOCKER_SHORT: Record<BlockerKind, string> = {
  "boot-medium": "it is the boot medium",
  "iso-stick": "it carries an ISO image written to the whole disk (iso9660)",
  "read-only": "it is read-only (a write-protect switch or a read-only device)",
  "in-use": "it is in use",
  held: "the kernel holds it",
  "too-small": "it is too small",
};

export type DiskSelection =
  | { ok: true; choice: DiskChoice; candidates: DiskCandidate[] }
  | { ok: false; message: string; candidates: DiskCandidate[] };

/** Models are compared without regard to case, runs of spaces or udev's "_" for a space. */
function normModel(s: string): string {
  return s.replace(/_/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
}

function modelMatches(pattern: string, model: string | null): boolean {
  if (model === null) return false;
  if (pattern.endsWith("*")) return normModel(model).startsWith(normModel(pattern.slice(0, -1)));
  return normModel(model) === normModel(pattern);
}

function byIdMatches(wanted: string, disk: DiskFacts): boolean {
  const name = wanted.replace(/^\/dev\/disk\/by-id\//, "");
  return disk.byId.some((link) => link === wanted || link.replace(/^.*\//, "") === name);
}

const q = (s: string | null) => (s === null ? "(none)" : `"${s}"`);

/** The selector in the words of the answer file, for messages. */
export function describeSelector(sel: DiskSelector): string {
  const parts: string[] = [];
  if (sel.serial !== undefined) parts.push(`serial "${sel.serial}"`);
  if (sel.by_id !== undefined) parts.push(`by_id "${sel.by_id}"`);
  if (sel.model !== undefined) parts.push(`model "${sel.model}"`);
  if (sel.path !== undefined) parts.push(`path "${sel.path}"`);
  if (sel.min_size !== undefined) parts.push(`min_size ${formatBytes(sel.min_size)}`);
  if (sel.max_size !== undefined) parts.push(`max_size ${formatBytes(sel.max_size)}`);
  return parts.length === 0 ? "(no fields: any disk)" : parts.join(", ");
}

/** One line naming a disk the way a user recognises it at the rack. */
export function describeDisk(d: DiskFacts | DiskCandidate): string {
  const bits = [
    d.model ?? "no model",
    formatBytes(d.sizeBytes),
    d.serial ? `serial ${d.serial}` : "no serial",
  ];
  if (d.transport) bits.push(d.transport);
  if (d.isBootMedium) bits.push("boot medium");
  return `${d.path} (${bits.join(", ")})`;
}

/** Matching clauses ("model ... matches ...") for the selector fields that match; mismatches for the rest. */
function compare(sel: DiskSelector, d: DiskFacts): { matched: string[]; mismatches: string[] } {
  const matched: string[] = [];
  const mismatches: string[] = [];
  const check = (ok: boolean, yes: string, no: string) => (ok ? matched.push(yes) : mismatches.push(no));
  if (sel.serial !== undefined)
    check(
      d.serial === sel.serial,
      `serial "${sel.serial}" matches`,
      `serial ${q(d.serial)} is not "${sel.serial}"`,
    );
  if (sel.by_id !== undefined)
    check(
      byIdMatches(sel.by_id, d),
      `by_id "${sel.by_id}" matches`,
      d.byId.length === 0
        ? `has no /dev/disk/by-id link (none exist without udev), so by_id "${sel.by_id}" cannot match`
        : `no /dev/disk/by-id link named "${sel.by_id}" (has ${d.byId.map((l) => l.replace(/^.*\//, "")).join(", ")})`,
    );
  if (sel.model !== undefined)
    check(
      modelMatches(sel.model, d.model),
      `model "${d.model}" matches "${sel.model}"`,
      `model ${q(d.model)} does not match "${sel.model}"`,
    );
  if (sel.path !== undefined)
    check(
      d.path === sel.path || d.byId.includes(sel.path),
      `path ${sel.path}`,
      `path ${d.path} is not ${sel.path}`,
    );
  if (sel.min_size !== undefined) {
    const [have, want] = formatBytesPair(d.sizeBytes, sel.min_size);
    check(d.sizeBytes >= sel.min_size, `${have} >= ${want}`, `${have} is below min_size ${want}`);
  }
  if (sel.max_size !== undefined) {
    const [have, want] = formatBytesPair(d.sizeBytes, sel.max_size);
    check(d.sizeBytes <= sel.max_size, `${have} <= ${want}`, `${have} is above max_size ${want}`);
  }
  return { matched, mismatches };
}

/** "/dev/sda2 on /; /dev/sda3 is active swap": what is mounted from the disk, by device. */
export function describeMounts(d: DiskFacts): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  const say = (dev: string, mounts: string[]) => {
    const swap = mounts.includes("[SWAP]");
    const dirs = mounts.filter((m) => m !== "[SWAP]");
    if (dirs.length > 0) parts.push(`${dev} on ${dirs.join(", ")}`);
    if (swap) parts.push(`${dev} is active swap`);
  };
  for (const p of d.partitions) {
    p.mountpoints.forEach((m) => seen.add(m));
    say(p.path, p.mountpoints);
  }
  const rest = d.mountpoints.filter((m) => !seen.has(m));
  if (rest.length > 0) say(d.path, rest);
  return parts.join("; ");
}

function blockersOf(d: DiskFacts, facts: HardwareFacts, minBytes: number): Blocker[] {
  const blockers: Blocker[] = [];
  const block = (kind: BlockerKind, text: string) => blockers.push({ kind, text });
  if (d.isBootMedium) {
    const how =
      facts.bootMedium && facts.bootMedium.disk === d.path
        ? ` (${facts.bootMedium.mountpoint} is mounted from ${facts.bootMedium.source})`
        : "";
    block("boot-medium", `it is the boot medium pairboot is running from${how}`);
  }
  // A live system booted with toram unmounts its medium, so the stick is no longer "the boot medium";
  // an ISO written with dd still shows iso9660 on the whole disk, and no server's target disk does.
  if (!d.isBootMedium && d.fstype === "iso9660")
    block(
      "iso-stick",
      "it carries an ISO image written to the whole disk (iso9660): an installer or live stick",
    );
  if (d.readOnly) block("read-only", "it is read-only (a write-protect switch or a read-only device)");
  if (d.mountpoints.length > 0) block("in-use", `it is in use: ${describeMounts(d)}`);
  if (d.holders.length > 0)
    block(
      "held",
      `the kernel holds it: ${d.holders.join(", ")} (LVM, RAID or encryption is active on it; deactivate it first)`,
    );
  if (d.sizeBytes < minBytes) {
    const [have, need] = formatBytesPair(d.sizeBytes, minBytes);
    block("too-small", `it is too small: ${have}, the partition layout needs at least ${need}`);
  }
  return blockers;
}

/** Every disk judged against the selector; the wizard shows these, selectDisk decides on them. */
export function evaluateDisks(sel: DiskSelector, facts: HardwareFacts, minBytes: number): DiskCandidate[] {
  return facts.disks.map((d) => {
    const { mismatches } = compare(sel, d);
    return {
      path: d.path,
      model: d.model,
      serial: d.serial,
      sizeBytes: d.sizeBytes,
      transport: d.transport,
      byId: d.byId,
      isBootMedium: d.isBootMedium,
      matches: mismatches.length === 0,
      mismatches,
      blockers: blockersOf(d, facts, minBytes),
    };
  });
}

function candidateLine(c: DiskCandidate): string {
  const notes: string[] = [];
  if (c.isBootMedium) notes.push("skipped: the boot medium is never a target");
  else if (!c.matches) notes.push(`does not match: ${c.mismatches.join("; ")}`);
  else notes.push("matches");
  const blockers = c.blockers.filter((b) => b.kind !== "boot-medium").map((b) => b.text);
  if (!c.isBootMedium && blockers.length > 0) notes.push(`cannot be used: ${blockers.join("; ")}`);
  const ids = c.byId.length > 0 ? `, by_id ${c.byId[0]?.replace(/^.*\//, "")}` : "";
  return `  ${describeDisk(c)}${ids}: ${notes.join("; ")}`;
}

function listing(candidates: DiskCandidate[]): string {
  if (candidates.length === 0) return "  (this machine has no disks at all)";
  return candidates.map(candidateLine).join("\n");
}

/**
 * The one disk `sel` names on this machine, or a refusal that lists every disk and why it was not taken.
 * The boot medium is never a candidate; among the other disks exactly one may match the selector, and it
 * must be writable, unused (nothing mounted, no kernel holders) and at least `minBytes` large.
 */
export function selectDisk(sel: DiskSelector, facts: HardwareFacts, minBytes: number): DiskSelection {
  const candidates = evaluateDisks(sel, facts, minBytes);
  const selText = describeSelector(sel);
  const matching = candidates.filter((c) => c.matches && !c.isBootMedium);
  const bootMatches = candidates.filter((c) => c.matches && c.isBootMedium);
  const refuse = (message: string): DiskSelection => ({
    ok: false,
    message: `${message}\ndisks on this machine:\n${listing(candidates)}`,
    candidates,
  });

  if (matching.length === 0) {
    if (bootMatches.length > 0) {
      const boot = bootMatches
        .map((c) => `${c.path}, ${c.blockers[0]?.text ?? "the boot medium"}`)
        .join("; ");
      return refuse(
        `the disk selector (${selText}) matches only ${boot}; ` +
          `pairboot never installs onto the boot medium. Select the target disk by serial or by_id instead.`,
      );
    }
    return refuse(`no disk matches the disk selector (${selText}).`);
  }
  if (matching.length > 1) {
    return refuse(
      `the disk selector (${selText}) matches ${matching.length} disks (${matching.map((c) => c.path).join(", ")}); ` +
        `it must match exactly one. Add the serial or by_id of the disk to install onto.`,
    );
  }
  const chosen = matching[0] as DiskCandidate;
  if (chosen.blockers.length > 0) {
    return refuse(
      `the disk selector (${selText}) matches ${describeDisk(chosen)}, but it cannot be used: ${chosen.blockers.map((b) => b.text).join("; ")}.`,
    );
  }
  const disk = facts.disks.find((d) => d.path === chosen.path) as DiskFacts;
  const { matched } = compare(sel, disk);
  const skipped = candidates
    .filter((c) => c.isBootMedium)
    .map((c) => `${c.path} (${[c.transport, "boot medium"].filter(Boolean).join(", ")}) skipped`);
  const others = candidates.length - 1 - skipped.length;
  const whyMatch =
    matched.length > 0
      ? matched.join(", ")
      : "the selector has no fields and this is the only disk to choose";
  const why = [
    whyMatch,
    ...skipped,
    ...(others > 0 ? [`${others} other disk${others === 1 ? "" : "s"} did not match`] : []),
  ].join("; ");
  return { ok: true, choice: { path: chosen.path, sizeBytes: chosen.sizeBytes, why }, candidates };
}

/** selectDisk for a node of the spec, with the partition layout's minimum size. */
export function selectNodeDisk(spec: ClusterSpec, node: NodeSpec, facts: HardwareFacts): DiskSelection {
  return selectDisk(node.disk, facts, minimumDiskBytes(spec));
}

// Partition types worth naming when asking "really wipe this?": GPT type GUIDs and MBR type bytes.
const PART_TYPES: Record<string, string> = {
  "21686148-6449-6e6f-744e-656564454649": "BIOS boot",
  "c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "EFI system",
  "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f": "Linux swap",
  "0fc63daf-8483-4772-8e79-3d69d8477de4": "Linux filesystem",
  "4f68bce3-e8cd-4db1-96e7-fbcaf984b709": "Linux root (x86-64)",
  "e6d6d379-f507-44c2-a23c-238f2a3df928": "Linux LVM",
  "a19d880f-05fc-4d3b-a006-743f0f84911e": "Linux RAID",
  "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7": "Microsoft basic data",
  "e3c9e316-0b5c-4db8-817d-f92df00215ae": "Microsoft reserved",
  "de94bba4-06d1-4d40-a16a-bfd50179d6ac": "Windows recovery",
  "0x83": "Linux",
  "0x82": "Linux swap",
  "0x8e": "Linux LVM",
  "0xfd": "Linux RAID",
  "0xef": "EFI system",
  "0x7": "NTFS/exFAT",
  "0xb": "FAT32",
  "0xc": "FAT32 (LBA)",
  "0xee": "GPT protective",
};

export interface ExistingContent {
  /** No partition table, no whole-disk signature, no partitions: nothing a wipe would destroy that we can see. */
  blank: boolean;
  /** One sentence for a confirmation prompt. */
  summary: string;
  /** One line per partition table, signature and partition. */
  details: string[];
}

// Signatures blkid reports that are not mountable filesystems: calling them "filesystem" would mislead.
const NOT_FILESYSTEMS = new Set([
  "swap",
  "LVM2_member",
  "linux_raid_member",
  "drbd",
  "crypto_LUKS",
  "zfs_member",
  "bcache",
  "ceph",
  "iso9660_hybrid",
]);

function signatureName(t: string): string {
  return NOT_FILESYSTEMS.has(t) ? `${t} signature` : `${t} filesystem`;
}

function partitionLine(p: PartitionFacts): string {
  const bits = [p.path, formatBytes(p.sizeBytes)];
  const type = p.partType ? PART_TYPES[p.partType] : undefined;
  if (type) bits.push(type);
  bits.push(p.fstype ? signatureName(p.fstype) : "no filesystem signature");
  if (p.label) bits.push(`label "${p.label}"`);
  if (p.partLabel) bits.push(`name "${p.partLabel}"`);
  const dirs = p.mountpoints.filter((m) => m !== "[SWAP]");
  if (dirs.length > 0) bits.push(`mounted on ${dirs.join(", ")}`);
  if (p.mountpoints.includes("[SWAP]")) bits.push("active swap");
  return bits.join(", ");
}

/** What is on the disk now, for the installer's "this destroys ..." confirmation. */
export function describeExisting(disk: DiskFacts): ExistingContent {
  const details: string[] = [];
  if (disk.ptType) details.push(`${disk.ptType} partition table`);
  if (disk.fstype)
    details.push(`${disk.fstype} signature on the whole disk${disk.label ? `, label "${disk.label}"` : ""}`);
  details.push(...disk.partitions.map(partitionLine));
  const blank = disk.ptType === null && disk.fstype === null && disk.partitions.length === 0;
  const name = describeDisk(disk);
  if (blank) {
    return {
      blank,
      summary: `${name} has no partition table and no filesystem signature`,
      details,
    };
  }
  const fs = [...new Set(disk.partitions.map((p) => p.fstype).filter((f): f is string => f !== null))];
  const what: string[] = [];
  if (disk.ptType)
    what.push(
      `a ${disk.ptType} partition table with ${disk.partitions.length} partition${disk.partitions.length === 1 ? "" : "s"}`,
    );
  if (disk.fstype) what.push(`a whole-disk ${disk.fstype} signature`);
  if (fs.length > 0) what.push(`signatures: ${fs.join(", ")}`);
  return { blank, summary: `${name} holds ${what.join("; ")}`, details };
}
