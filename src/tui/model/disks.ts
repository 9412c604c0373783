// The disk screen's rows: every disk the probe saw, each with the reason it may not be chosen. Refused
// disks stay on the list (a disk that silently vanishes makes people think the probe missed it).
import type { DiskFacts, HardwareFacts } from "../../probe/facts.js";
import { formatBytes } from "./format.js";

export interface DiskRow {
  disk: DiskFacts;
  /** null when the disk may be chosen; otherwise why not, as shown to the user. */
  refusal: string | null;
  /** Said about a choosable disk before it is chosen: what will be lost. */
  warning: string | null;
}

export function diskRows(facts: HardwareFacts, minBytes: number): DiskRow[] {
  return facts.disks.map((disk) => ({ disk, refusal: refusal(disk, minBytes), warning: warning(disk) }));
}

function refusal(disk: DiskFacts, minBytes: number): string | null {
  if (disk.isBootMedium) return "the boot medium (the stick pairboot runs from): it cannot be the target";
  if (disk.readOnly) return "read-only: nothing can be written to it";
  if (disk.holders.length > 0) return `in use by ${disk.holders.join(", ")}`;
  if (disk.mountpoints.length > 0) return `in use: mounted at ${disk.mountpoints.join(", ")}`;
  if (disk.sizeBytes < minBytes) {
    return `too small: ${formatBytes(disk.sizeBytes)}, pairboot needs at least ${formatBytes(minBytes)} (OS partition plus a data partition)`;
  }
  return null;
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

/**
 * Whether an answer file's disk selector picks this disk. A local reading of the selector rules so a
 * pre-filled answer shows its disk as chosen; the engine's own selectDisk decides at install time.
 */
export function selectorMatches(
  selector: {
    serial?: string;
    by_id?: string;
    model?: string;
    path?: string;
    min_size?: number;
    max_size?: number;
  },
  disk: DiskFacts,
): boolean {
  const keys = Object.values(selector).filter((v) => v !== undefined);
  if (keys.length === 0) return false;
  if (selector.serial !== undefined && disk.serial !== selector.serial) return false;
  if (selector.by_id !== undefined) {
    const id = selector.by_id.replace(/^\/dev\/disk\/by-id\//, "");
    if (!disk.byId.some((b) => b.replace(/^\/dev\/disk\/by-id\//, "") === id)) return false;
  }
  if (selector.model !== undefined) {
    const model = disk.model ?? "";
    const ok = selector.model.endsWith("*")
      ? model.startsWith(selector.model.slice(0, -1))
      : model === selector.model;
    if (!ok) return false;
  }
  if (selector.path !== undefined && disk.path !== selector.path) return false;
  if (selector.min_size !== undefined && disk.sizeBytes < selector.min_size) return false;
  if (selector.max_size !== undefined && disk.sizeBytes > selector.max_size) return false;
  return true;
}

/** The most stable selector for a disk the user picked: serial, else a by-id link, else the path. */
export function selectorFor(disk: DiskFacts): { serial: string } | { by_id: string } | { path: string } {
  if (disk.serial) return { serial: disk.serial };
  const id = disk.byId[0];
  if (id) return { by_id: id };
  return { path: disk.path };
}
