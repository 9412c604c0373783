// The replace flow's decisions: which node of the cluster's answer this machine replaces, which of its
// NICs takes each of that node's roles, and the answer the install then runs with. Everything but that
// one node's hardware (its NICs' MACs, its disk) stays as the cluster has it, secrets included, or the
// replacement would not pair with the survivor.
import type { ClusterSpec } from "../../answer/schema.js";
import type { DiskFacts, HardwareFacts, NicFacts } from "../../probe/facts.js";
import { validateAnswer } from "../adapters.js";
import { physicalNics } from "./derived.js";
import { selectorFor } from "./disks.js";
import type { AnswerObject } from "./draft.js";
import type { WizardState } from "./state.js";

export interface ReplaceChoice {
  /** The node of the answer this machine becomes; null until an answer is loaded. */
  node: string | null;
  /** The node's NIC role (the answer's key, e.g. lan0) -> this machine's NIC name. */
  nics: Record<string, string>;
  /** This machine's disk (kernel name). */
  disk: string | null;
}

export const NO_REPLACE: ReplaceChoice = { node: null, nics: {}, disk: null };

/**
 * Why the replace flow cannot start: it needs the cluster's own answer file (with the secrets both
 * nodes share), because the replacement must pair with the node that is still serving.
 */
export function replaceRefusal(state: WizardState): string | null {
  if (state.answerSource === null) {
    return "Load the cluster's answer file first (the one saved on the stick, or /etc/pairboot/answer.yaml copied from the node that still serves).";
  }
  if (state.draft.generatedSecrets.length > 0) {
    return `${state.answerSource} has no ${state.draft.generatedSecrets.join(" or ")}: a replacement needs the cluster's own answer file, with the secrets the serving node uses.`;
  }
  const v = validateAnswer(state.draft.base);
  if (!v.ok) {
    const first = v.issues[0];
    return `${state.answerSource} is not valid (${first ? `${first.path.join(".")}: ${first.message}` : "?"}).`;
  }
  return null;
}

function clusterSpec(state: WizardState): ClusterSpec | null {
  const v = validateAnswer(state.draft.base);
  return v.ok ? v.spec : null;
}

/**
 * Each role of `node` given to a NIC here: the NIC that already has the role's MAC (the same machine with
 * a new disk), else the next NIC not given yet, in the probe's order.
 */
export function defaultNics(spec: ClusterSpec, node: string, facts: HardwareFacts): Record<string, string> {
  const n = spec.nodes.find((x) => x.name === node);
  if (!n) return {};
  const nics = physicalNics(facts);
  const out: Record<string, string> = {};
  const taken = new Set<string>();
  for (const [role, mac] of Object.entries(n.nics)) {
    const same = nics.find((x) => x.mac.toLowerCase() === mac.toLowerCase());
    if (same) {
      out[role] = same.name;
      taken.add(same.name);
    }
  }
  for (const role of Object.keys(n.nics)) {
    if (out[role] !== undefined) continue;
    const free = nics.find((x) => !taken.has(x.name));
    if (!free) continue;
    out[role] = free.name;
    taken.add(free.name);
  }
  return out;
}

/** The choice the flow opens with: the node whose MACs this machine has, else the answer's first node. */
export function initialReplace(state: WizardState): ReplaceChoice {
  const spec = clusterSpec(state);
  if (!spec) return NO_REPLACE;
  const macs = new Set(physicalNics(state.facts).map((n) => n.mac.toLowerCase()));
  const mine = spec.nodes.find((n) => Object.values(n.nics).some((m) => macs.has(m.toLowerCase())));
  const node = (mine ?? spec.nodes[0])?.name ?? null;
  return { node, nics: node ? defaultNics(spec, node, state.facts) : {}, disk: null };
}

/** The answer's node names, for cycling the choice. */
export function nodeNames(state: WizardState): string[] {
  return clusterSpec(state)?.nodes.map((n) => n.name) ?? [];
}

/** The roles of the chosen node, in the answer's order. */
export function rolesOf(state: WizardState): string[] {
  const spec = clusterSpec(state);
  const n = spec?.nodes.find((x) => x.name === state.replace.node);
  return n ? Object.keys(n.nics) : [];
}

/** Gives `role` the next NIC of this machine (wrapping), leaving the others as they are. */
export function cycleNic(state: WizardState, role: string, step: 1 | -1): WizardState {
  const nics = physicalNics(state.facts);
  if (nics.length === 0) return state;
  const i = nics.findIndex((n) => n.name === state.replace.nics[role]);
  const next = nics[(i + step + nics.length) % nics.length] as NicFacts;
  return { ...state, replace: { ...state.replace, nics: { ...state.replace.nics, [role]: next.name } } };
}

/** Chooses the next (or previous) node of the answer, with that node's default NICs. */
export function cycleNode(state: WizardState, step: 1 | -1): WizardState {
  const spec = clusterSpec(state);
  const names = nodeNames(state);
  if (!spec || names.length === 0) return state;
  const i = names.indexOf(state.replace.node ?? "");
  const node = names[(i + step + names.length) % names.length] as string;
  return { ...state, replace: { ...state.replace, node, nics: defaultNics(spec, node, state.facts) } };
}

/** What keeps the NIC choice from being used: a role without a NIC, or one NIC in two roles. */
export function nicProblems(state: WizardState): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const role of rolesOf(state)) {
    const nic = state.replace.nics[role];
    if (!nic) {
      out.push(`${role}: this machine has no NIC left for it`);
      continue;
    }
    const other = seen.get(nic);
    if (other) out.push(`${nic} is chosen for both ${other} and ${role}`);
    seen.set(nic, role);
  }
  return out;
}

/**
 * The cluster's answer with `node` re-described as this machine: its NICs' MACs, the chosen disk (by its
 * most stable selector), and MAC matching instead of the dead machine's DMI serial. Nothing else changes.
 */
export function replacementAnswer(
  base: AnswerObject,
  node: string,
  macs: Record<string, string>,
  disk: DiskFacts,
): AnswerObject {
  const answer = structuredClone(base);
  const nodes = answer.nodes;
  if (!Array.isArray(nodes)) return answer;
  for (const n of nodes as Record<string, unknown>[]) {
    if (n.name !== node) continue;
    n.nics = { ...macs };
    n.disk = selectorFor(disk);
    if (n.match !== undefined) n.match = { mac: Object.values(macs) };
  }
  return answer;
}

export type Replacement =
  | { ok: true; spec: ClusterSpec; answer: AnswerObject; node: string; peer: string }
  | { ok: false; message: string };

/** The answer and spec the install runs with, or why not yet. */
export function replacement(state: WizardState, disk: DiskFacts | undefined): Replacement {
  const refusal = replaceRefusal(state);
  if (refusal) return { ok: false, message: refusal };
  const node = state.replace.node;
  if (!node) return { ok: false, message: "Choose the node this machine replaces." };
  const problems = nicProblems(state);
  if (problems.length > 0) return { ok: false, message: `NICs: ${problems.join("; ")}.` };
  if (!disk) return { ok: false, message: "Choose this machine's disk." };
  const byName = new Map(state.facts.nics.map((n) => [n.name, n.mac]));
  const macs: Record<string, string> = {};
  for (const role of rolesOf(state)) macs[role] = byName.get(state.replace.nics[role] ?? "") ?? "";
  const answer = replacementAnswer(state.draft.base, node, macs, disk);
  const v = validateAnswer(answer);
  if (!v.ok) {
    const first = v.issues[0];
    return {
      ok: false,
      message: `the edited answer is not valid (${first ? `${first.path.join(".")}: ${first.message}` : "?"}).`,
    };
  }
  const peer = v.spec.nodes.find((n) => n.name !== node)?.name ?? "the other node";
  return { ok: true, spec: v.spec, answer, node, peer };
}

/** What will happen, in the order it happens: said before the user chooses a disk and again at the end. */
export function replacementStory(node: string, peer: string): string[] {
  return [
    `This machine is installed as ${node}, replacing the one that died. ${peer} keeps serving the clients throughout: nothing is done to it.`,
    `At its first boot ${node} starts DRBD as Secondary and takes a full sync of the data from ${peer}. It never makes a filesystem, never makes itself Primary, and starts Heartbeat only once its data is UpToDate.`,
    `Then both nodes protect the data again; 'pairboot status' on either shows the sync, and 'pairboot switchover' moves the service when you want it on ${node}.`,
  ];
}
