// A node's plan: ordered steps, each with the exact shell commands it runs and the files it writes.
// Produced by pure code; executed only by src/apply.
import type { RenderedFile } from "../render/types.js";

export interface PlanStep {
  id: string; // stable, used for resume state: "partition", "copy-root", ...
  title: string; // what the user sees in the progress list
  /** Shell commands run in order with `bash -euo pipefail -c`; exact text, no variables left to fill. */
  commands: string[];
  /** Files written (under the target root when `root` is "target"). */
  files: RenderedFile[];
  /** Steps that destroy data on the disk; apply refuses them without confirmation. */
  destructive: boolean;
}

export interface DiskChoice {
  path: string;
  sizeBytes: number;
  why: string; // "serial S4EWNX0R123456 matches disk.serial"
}

export interface PartitionPlan {
  label: "gpt";
  partitions: {
    number: number;
    name: string;
    type: string;
    startMiB: number;
    sizeMiB: number | null;
    path: string;
  }[];
  sfdiskScript: string;
}

export interface NodePlan {
  node: string;
  disk: DiskChoice;
  layout: PartitionPlan;
  steps: PlanStep[];
}
