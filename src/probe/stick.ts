// The stick's writable partition in the probe's facts: answer files, install logs and clone images live
// there. The live console mounts it (src/live/stick.ts); the wizard saves answers onto it (src/tui/answer-io.ts).
import type { HardwareFacts, PartitionFacts } from "./facts.js";

export const STICK_LABEL = "PAIRBOOT";

export interface Stick {
  partition: PartitionFacts;
  /** Where it is mounted, or null; lsblk also lists "[SWAP]" as a mountpoint, which is not a directory. */
  mountpoint: string | null;
}

/**
 * A partition labelled PAIRBOOT, by filesystem or GPT label in any case (FAT labels are upper case;
 * Proxmox accepts any case too). With two sticks in, a mounted one wins: it is the one in use.
 */
export function findStick(facts: HardwareFacts): Stick | null {
  let unmounted: Stick | null = null;
  for (const d of facts.disks) {
    for (const partition of d.partitions) {
      const labels = [partition.label, partition.partLabel].map((l) => l?.toUpperCase());
      if (!labels.includes(STICK_LABEL)) continue;
      const mountpoint = partition.mountpoints.find((m) => m.startsWith("/"));
      if (mountpoint) return { partition, mountpoint };
      unmounted ??= { partition, mountpoint: null };
    }
  }
  return unmounted;
}
