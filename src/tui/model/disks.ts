// The disk screen's rows: every disk the probe saw, each with the reason it may not be chosen. Refused
// disks stay on the list (a disk that silently vanishes makes people think the probe missed it).
import type { DiskFacts, HardwareFacts } from "../../probe/facts.js";
import type { DiskSelector } from "../../answer/schema.js";
import { evaluateDisks, type Blocker } from "../../plan/disk.js";
import { formatBytes } from "./format.js";

export interface DiskRow {
  disk: DiskFacts;
  /** null when the disk may be chosen; otherwise why not, as shown to the user. */
  refusal: string | null;
  /** The same reasons, for the screen to decide on (empty when the disk may be chosen). */
  blockers: Blocker[];
  /** Said about a choosable disk before it is chosen: what will be lost. */
  warning: string | null;
}

/**
 * Every disk with the planner's own reasons it cannot be installed onto (boot medium, an ISO written to
 * the whole disk, read-only, in use, held by LVM/RAID, too small), so the screen refuses exactly what
 * the engine's selectDisk would refuse, in the same words.
 */
export function diskRows(facts: HardwareFacts, minBytes: number): DiskRow[] {
  const candidates = evaluateDisks({}, facts, minBytes);
  return facts.disks.map((disk) => {
    const blockers = candidates.find((c) => c.path === disk.path)?.blockers ?? [];
    const refusal = blockers.length > 0 ? blockers.map((b) => b.text).join("; ") : null;
    return { disk, refusal, blockers, warning: warning(disk) };
  });
}

function warning(disk: DiskFacts): string | null {
  if (disk.partitions.length > 0) {
    return `has ${disk.partitions.length} partition(s); everything on it will be erased`;
  }
  if (disk.fstype) return `holds a ${disk.fstype} signature; it will be erased`;
  return null;
}

/** One line per partition for the detail pane. */
export function partitionLines(disk: DiskFacts): string[] {
  if (disk.partitions.length === 0) return ["no partitions"];
  return disk.partitions.map((p) => {
    const name = p.path.replace(/^\/dev\//, "");
    const what = [p.fstype, p.label ?? p.partLabel].filter((x): x is string => !!x).join(" ");
    const mounted = p.mountpoints.length > 0 ? ` mounted at ${p.mountpoints.join(", ")}` : "";
    return `${name.padEnd(10)} ${formatBytes(p.sizeBytes).padStart(10)}  ${what || "(no filesystem)"}${mounted}`;
  });
}

/** The disks an answer file's selector picks here (never the boot medium), by the planner's rules. */
export function disksMatching(selector: DiskSelector, facts: HardwareFacts): DiskFacts[] {
  const matching = new Set(
    evaluateDisks(selector, facts, 0)
      .filter((c) => c.matches && !c.isBootMedium)
      .map((c) => c.path),
  );
  return facts.disks.filter((d) => matching.has(d.path));
}

/** The most stable selector for a disk the user picked: serial, else a by-id link, else the path. */
export function selectorFor(disk: DiskFacts): { serial: string } | { by_id: string } | { path: string } {
  if (disk.serial) return { serial: disk.serial };
  const id = disk.byId[0];
  if (id) return { by_id: id };
  return { path: disk.path };
}
