// Data derived from the state that more than one screen (or the reducer and a view) needs.
import { DEFAULT_OS_SIZE, parseSize, type ClusterSpec } from "../../answer/schema.js";
import type { HardwareFacts, NicFacts } from "../../probe/facts.js";
import { minimumDiskBytes } from "../../render/storage.js";
import { diskRows, type DiskRow } from "./disks.js";
import { CLUSTER_FIELDS, NETWORK_FIELDS, checkDraft, nicNames, type Draft, type Target } from "./draft.js";
import { withCursor } from "./nav.js";
import type { ScreenId, WizardState } from "./state.js";

/** Which errors keep the user on which screen. */
export const SCREEN_TARGETS: Partial<Record<ScreenId, Target[]>> = {
  disk: ["disk"],
  network: ["nics", "nodeBNics", ...NETWORK_FIELDS],
  cluster: [...CLUSTER_FIELDS],
};

export function physicalNics(facts: HardwareFacts): NicFacts[] {
  return facts.nics.filter((n) => !n.virtual);
}

/** The smallest acceptable disk for the current draft (falls back to the default layout while invalid). */
export function minimumBytes(state: WizardState): number {
  const checked = checkDraft(state.draft, state.facts);
  if (checked.validation.ok) return minimumDiskBytes(checked.validation.spec);
  // Before the answer is complete: the schema's default OS partition.
  return minimumDiskBytes({ storage: { os_size: parseSize(DEFAULT_OS_SIZE) } } as ClusterSpec);
}

export function diskList(state: WizardState): DiskRow[] {
  return diskRows(state.facts, minimumBytes(state));
}

/** The disk screen opens with the cursor on the disk already chosen (from an answer file), if any. */
export function cursorOnChosenDisk(state: WizardState): WizardState {
  if (state.cursor.disk !== undefined) return state;
  const i = state.facts.disks.findIndex((d) => d.name === state.draft.disk);
  return i > 0 ? withCursor(state, i, "disk") : state;
}

/** The NIC role shown in the network table, named as the installed node will call the NIC. */
export function nicRole(draft: Draft, nic: string): string | null {
  const [slave0, slave1, replName] = nicNames(draft);
  if (draft.bond[0] === nic) return slave0;
  if (draft.bond[1] === nic) return slave1;
  if (draft.repl === nic) return replName;
  return null;
}

/** Errors on a screen's fields that keep the user from leaving it. */
export function screenErrors(state: WizardState, screen: ScreenId): Map<Target, string[]> {
  const checked = checkDraft(state.draft, state.facts);
  const out = new Map<Target, string[]>();
  for (const t of SCREEN_TARGETS[screen] ?? []) {
    const m = checked.byTarget.get(t);
    if (m && m.length > 0) out.set(t, m);
  }
  return out;
}

/** The errors of one field, once they are to be shown (edited, pre-filled, or a screen left too early). */
export function shownErrors(state: WizardState, t: Target): string[] | undefined {
  if (!state.shown.has(t)) return undefined;
  return checkDraft(state.draft, state.facts).byTarget.get(t);
}
