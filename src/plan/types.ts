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

/** What a command reads on its standard input; a secret is shown only as its size. */
export interface CommandInput {
  text: string;
  secret: boolean;
}

/**
 * A command as data: shell text or an argv, run inside the installed root or on the live system, with
 * optional standard input. The plan prints it (src/plan/command.ts) and apply runs exactly that text.
 * Steps still give most commands as plain strings (bash text on the live system); a command that needs
 * more, such as a secret on stdin instead of argv, is given this way, and the rest can follow.
 */
export type Command = ({ sh: string; argv?: never } | { argv: string[]; sh?: never }) & {
  /** In the installed root: chroot with a clean environment (src/plan/chroot.ts inTarget). */
  inTarget?: boolean;
  stdin?: CommandInput;
};

/** A plain string is bash text run on the live system. */
export type StepCommand = string | Command;

export interface PlanStep {
  id: string; // stable, used for resume state: "partition", "copy-root", ...
  title: string; // what the user sees in the progress list
  /**
   * Commands run in order, each as `bash -euo pipefail -c TEXT` (src/plan/command.ts commandLine gives
   * TEXT); exact text, no variables left to fill.
   */
  commands: StepCommand[];
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
