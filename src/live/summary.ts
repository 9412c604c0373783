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

/**
 * What the console shows when the disk already holds a finished install. Most often the firmware started
 * the stick again after the install (USB before disk in the boot order): the way on is to pull the stick,
 * not to install again, so that is what it says first. Reinstalling stays possible, from the shell.
 */
export function alreadyInstalledNotice(opts: {
  disk: string;
  installed: string | undefined;
  thisNode: string;
  answerPath: string;
}): string {
  const { disk, installed, thisNode } = opts;
  const holds = installed ?? "a pairboot node";
  const lines = [
    installed === undefined || installed === thisNode
      ? `pairboot: ${holds} is already installed on ${disk}. Nothing was changed.`
      : `pairboot: ${disk} already holds ${installed}, but this machine is ${thisNode}. Nothing was changed.`,
    "",
    `  This machine started from the stick again instead of from ${disk}.`,
    `  To run ${holds}: remove the stick (or choose ${disk} in the firmware's`,
    "  boot menu), then reboot (r in the menu below).",
    "",
    `  To install ${thisNode} anew, which destroys everything on ${disk}:`,
    "  open a shell (s) and run",
    `    pairboot install --answer ${opts.answerPath} --node ${thisNode} --restart`,
    "",
  ];
  return lines.join("\n");
}
