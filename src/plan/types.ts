// A node's plan: ordered steps, each with the exact shell commands it runs and the files it writes.
// Produced by pure code; executed only by src/apply.
import type { RenderedFile } from "../render/types.js";
import type { PartitionRole } from "../render/storage.js";

/** Where the root filesystem that gets installed comes from. */
export interface InstallSource {
  /** "dir": a mounted or unpacked tree, copied with rsync; "squashfs": an image file, unpacked with unsquashfs. */
  kind: "dir" | "squashfs";
  path: string;
}

export interface PlanStep {
  id: string; // stable, used for resume state: "partition", "copy-root", ...
  title: string; // what the user sees in the progress list
  /** Shell commands run in order with `bash -euo pipefail -c`; exact text, no variables left to fill. */
  commands: string[];
  /**
   * Files written before the commands run. Paths are absolute on the installed node; apply writes them
   * under the plan's target directory with their modes (and never logs a secret file's content).
   */
  files: RenderedFile[];
  /** Steps that destroy data on the disk; apply refuses them without confirmation. */
  destructive: boolean;
  /**
   * Run again on a resumed install even when an earlier attempt completed it: checks and mounts, which
   * leave nothing lasting on the disk and which the later steps need.
   */
  always?: boolean;
  /** Also run after a failure or an abort, so nothing stays mounted (unmounts). */
  cleanup?: boolean;
  /** The step copies the source tree: apply measures bytes copied and shows rate and ETA. */
  copies?: boolean;
}

export interface DiskChoice {
  path: string;
  sizeBytes: number;
  why: string; // "serial S4EWNX0R123456 matches disk.serial"
}

export interface PlannedPartition {
  number: number;
  role: PartitionRole;
  name: string; // GPT partition name (PARTLABEL)
  typeGuid: string;
  startBytes: number;
  /** Resolved against the chosen disk: the data partition runs to the last usable MiB. */
  sizeBytes: number;
  fs: "vfat" | "ext4" | null;
  /** The kernel's device node once partitioned: /dev/sda3, /dev/nvme0n1p3, /dev/loop3p3. */
  path: string;
}

export interface PartitionPlan {
  label: "gpt";
  partitions: PlannedPartition[];
  /** Exactly what is fed to sfdisk. */
  sfdiskScript: string;
}

export interface NodePlan {
  node: string;
  disk: DiskChoice;
  layout: PartitionPlan;
  /** The installed OS filesystem is mounted here while the install runs. */
  target: string;
  source: InstallSource;
  /** Where the install log is written on the live system (and copied into the target at the end). */
  logPath: string;
  steps: PlanStep[];
  /** Strings that must never appear in a log or on screen (password hash, shared secrets). */
  secrets: string[];
}
