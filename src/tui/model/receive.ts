// The receive flow's decisions: is what was typed a peer and a pairing code, which spec node B receives
// with, and which node this machine becomes.
import type { ClusterSpec } from "../../answer/schema.js";
import { normalizePairingCode } from "../../clone/code.js";
import { CLONE_PORT, parsePeer } from "../../clone/peer.js";
import { identifyNode } from "../../plan/identify.js";
import { validateAnswer } from "../adapters.js";
import type { PeerField, WizardState } from "./state.js";

/** Problems with what was typed on the receive screen, by field. */
export function peerErrors(state: WizardState): Partial<Record<PeerField, string>> {
  const out: Partial<Record<PeerField, string>> = {};
  const address = state.peer.address.trim();
  if (!parsePeer(address)) {
    out.address = `expected node A's address, like 10.0.0.1 or 10.0.0.1:${CLONE_PORT}, got ${JSON.stringify(address)}`;
  }
  const code = normalizePairingCode(state.peer.code);
  if ("error" in code) out.code = code.error;
  return out;
}

/**
 * The spec node B receives with: the answer file exactly as loaded (the form's fields describe node A's
 * hardware and do not apply on node B), and it must carry node A's secrets, or B would not pair with A.
 */
export function receiveSpec(
  state: WizardState,
): { ok: true; spec: ClusterSpec | null } | { ok: false; message: string } {
  // Without a file, node B's identity comes from the answer node A's install left on its own disk.
  if (state.answerSource === null) return { ok: true, spec: null };
  if (state.draft.generatedSecrets.length > 0) {
    return {
      ok: false,
      message: `${state.answerSource} has no ${state.draft.generatedSecrets.join(" or ")}: load the answer file node A saved.`,
    };
  }
  const v = validateAnswer(state.draft.base);
  if (!v.ok) {
    const first = v.issues[0];
    return {
      ok: false,
      message: `${state.answerSource} is not valid (${first ? `${first.path.join(".")}: ${first.message}` : "?"}).`,
    };
  }
  return { ok: true, spec: v.spec };
}

/** The node this machine becomes when it receives: the one its MACs match, else the second node. */
export function receivingNode(state: WizardState, spec: ClusterSpec): string {
  const id = identifyNode(spec, state.facts);
  if (id.ok) return id.node.name;
  return spec.nodes[1]?.name ?? "";
}
