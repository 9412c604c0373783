// What the console shows before an unattended install: which node, which disk and why, and what on it
// will be destroyed. Pure text, ASCII only (Linux console fonts), 80 columns.
import type { DiskFacts } from "../probe/facts.js";
import { describeExisting } from "../plan/disk.js";
import type { NodePlan } from "../plan/types.js";
import type { Candidate } from "./discover.js";

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export function installSummary(opts: {
  answer: Candidate;
  nodeWhy: string;
  plan: NodePlan;
  disk: DiskFacts | undefined;
  notes: string[];
}): string {
  const { plan } = opts;
  const lines = [
    "pairboot: unattended install",
    "",
    `  answer file  ${opts.answer.location} (${opts.answer.origin})`,
    `  this node    ${plan.node} (${opts.nodeWhy})`,
    `  disk         ${plan.disk.path}, ${gib(plan.disk.sizeBytes)} (${plan.disk.why})`,
  ];
  if (opts.disk) {
    const existing = describeExisting(opts.disk);
    lines.push(`  destroys     ${existing.blank ? "nothing: the disk is blank" : existing.summary}`);
    for (const d of existing.details) lines.push(`               ${d}`);
  }
  lines.push("  new layout");
  for (const p of plan.layout.partitions) {
    lines.push(
      `               ${p.path}  ${gib(p.sizeBytes).padStart(10)}  ${p.role}${p.fs ? ` (${p.fs})` : ""}`,
    );
  }
  for (const n of opts.notes) lines.push(`  note         ${n}`);
  lines.push("");
  return lines.join("\n");
}
