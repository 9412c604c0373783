// Resume state: which steps of which plan have completed, kept on the disk being installed (in the OS
// filesystem at /var/lib/pairboot/install-state.json), so it travels with the disk and says nothing about
// any other disk. A step counts as done only if the plan still asks for exactly the same step (its
// commands and file contents hash the same); a changed answer file re-runs from the first changed step.
import { createHash } from "node:crypto";
import type { NodePlan, PlanStep } from "../plan/types.js";
import { STATE_PATH } from "../plan/plan.js";
import { writeUnderRoot } from "./files.js";

export interface InstallState {
  version: 1;
  node: string;
  diskSizeBytes: number;
  /** The sfdisk script the disk was partitioned with. */
  sfdiskScript: string;
  /** step id -> hash of the step as it ran. */
  completed: Record<string, string>;
  updated: string;
}

export function stepHash(step: PlanStep): string {
  const h = createHash("sha256");
  h.update(step.id);
  // A plain string hashes as before, so a resumed install of an older plan still fits.
  for (const c of step.commands) h.update(`\0c${typeof c === "string" ? c : JSON.stringify(c)}`);
  for (const f of step.files) h.update(`\0f${f.path}\0${f.mode}\0${f.content}`);
  return h.digest("hex").slice(0, 16);
}

export function newState(plan: NodePlan): InstallState {
  return {
    version: 1,
    node: plan.node,
    diskSizeBytes: plan.disk.sizeBytes,
    sfdiskScript: plan.layout.sfdiskScript,
    completed: {},
    updated: new Date().toISOString(),
  };
}

/** Is this state about the same node, disk size and layout as the plan? */
export function stateFits(state: InstallState, plan: NodePlan): boolean {
  return (
    state.version === 1 &&
    state.node === plan.node &&
    state.diskSizeBytes === plan.disk.sizeBytes &&
    state.sfdiskScript === plan.layout.sfdiskScript
  );
}

/**
 * The index of the first step that must run: every step before it completed with the same content.
 * Steps marked `always` do not count either way (they run on every attempt).
 */
export function firstIncomplete(state: InstallState, plan: NodePlan): number {
  for (let i = 0; i < plan.steps.length; i++) {
    const s = plan.steps[i] as PlanStep;
    if (s.always) continue;
    if (state.completed[s.id] !== stepHash(s)) return i;
  }
  return plan.steps.length;
}

/** Written through the root writer (a temporary name renamed): a power cut leaves the old state or the new. */
export async function writeState(root: string, state: InstallState): Promise<void> {
  const content = `${JSON.stringify({ ...state, updated: new Date().toISOString() }, null, 2)}\n`;
  await writeUnderRoot(root, { path: STATE_PATH, content, mode: 0o600 });
}
