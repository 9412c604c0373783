// The two-node unattended flow of the live system: both servers boot the same stick (or ISO) with the
// same answer. The answer's first node (the preferred one, "node A") installs, then sends its disk to the
// other node over the replication link; the other node ("node B") does not install: it waits for A's
// clone, receives it (B's identity written from the answer) and reboots from its disk.
// Pure: what each machine does, the replication link it brings up, the pairing code both derive from
// the answer's shared secrets, and the wait on node A with its timeout and keys. start.ts does the rest.
import { createHmac } from "node:crypto";
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import type { HardwareFacts } from "../probe/facts.js";
import { CODE_ALPHABET, CODE_GROUP_LENGTH, CODE_GROUPS, formatPairingCode } from "../clone/code.js";
import { formatClock } from "../util/format.js";
import { describeExisting, selectNodeDisk } from "../plan/disk.js";

/** How long node A waits for node B after its install, unless pairboot.clonewait= says otherwise. */
export const CLONE_WAIT_MINUTES = 30;

export type LiveRole =
  | { kind: "install"; why: string }
  /** Install, then send the disk to `peer`. */
  | { kind: "install-and-send"; peer: NodeSpec; why: string }
  /** Do not install: receive node A's clone. */
  | { kind: "receive"; peer: NodeSpec; why: string };

/**
 * What this machine does. The answer's first node is node A (the preferred node): it installs and, with
 * two nodes, sends its clone. Any other node receives A's clone instead of installing, unless
 * pairboot.clone=0 asks every node to install on its own.
 */
export function liveRole(spec: ClusterSpec, nodeName: string, clone: boolean): LiveRole {
  const first = spec.nodes[0];
  const other = spec.nodes.find((n) => n.name !== nodeName);
  if (!clone) return { kind: "install", why: "pairboot.clone=0 is on the kernel command line" };
  if (!first || !other) return { kind: "install", why: "the answer file has no second node to clone to" };
  if (first.name === nodeName) {
    return {
      kind: "install-and-send",
      peer: other,
      why: `${nodeName} is the answer file's first (preferred) node: it installs, then clones itself to ${other.name}`,
    };
  }
  return {
    kind: "receive",
    peer: first,
    why: `${nodeName} is not the answer file's first node: it receives ${first.name}'s clone instead of installing`,
  };
}

export interface ReplicationLink {
  /** The kernel's name of the NIC with the answer's MAC. */
  ifname: string;
  mac: string;
  /** This node's address with prefix, e.g. 10.0.0.1/30. */
  cidr: string;
  /** The peer's address without prefix: where node B connects, or who connects to node A. */
  peerAddress: string;
  /** This node's address without prefix: where node A listens. */
  address: string;
}

/** The replication NIC of `node` on this machine (found by the answer's MAC) and both ends' addresses. */
export function replicationLink(
  spec: ClusterSpec,
  node: NodeSpec,
  peer: NodeSpec,
  facts: Pick<HardwareFacts, "nics">,
): { ok: true; link: ReplicationLink } | { ok: false; message: string } {
  const logical = spec.network.replication.nic;
  const mac = node.nics[logical];
  if (!mac) return { ok: false, message: `${node.name} has no NIC '${logical}' (network.replication.nic)` };
  const nic = facts.nics.find((n) => n.mac.toLowerCase() === mac.toLowerCase());
  if (!nic) {
    const seen = facts.nics.map((n) => `${n.name} ${n.mac}`).join(", ") || "no NICs";
    return {
      ok: false,
      message: `no NIC of this machine has ${node.name}'s replication MAC ${mac} (${logical}); this machine has ${seen}`,
    };
  }
  const bare = (cidr: string) => cidr.split("/")[0] as string;
  return {
    ok: true,
    link: { ifname: nic.name, mac, cidr: node.repl, address: bare(node.repl), peerAddress: bare(peer.repl) },
  };
}

/** The commands that bring the link up in the live system; nothing persistent. */
export function linkCommands(link: ReplicationLink): string[][] {
  return [
    ["ip", "link", "set", link.ifname, "up"],
    ["ip", "addr", "replace", link.cidr, "dev", link.ifname],
  ];
}

export const AUTO_CODE_LABEL = "pairboot live clone pairing code v1";

/**
 * The pairing code of an unattended clone: both machines hold the same answer with the same secrets, so
 * both derive the same code, and nobody has to read it off one screen and type it on the other. An HMAC
 * of a fixed label keyed with the DRBD secret and the Heartbeat key, written in the code alphabet like a
 * random code. The clone's own key exchange then runs exactly as with a typed code. Null when the answer
 * has no secrets (they are generated at the first install, so the two machines would disagree).
 */
export function derivedPairingCode(spec: ClusterSpec): string | null {
  const drbd = spec.drbd.shared_secret;
  const hb = spec.heartbeat.authkey;
  if (drbd === undefined || hb === undefined) return null;
  const digest = createHmac("sha256", `${drbd.length}:${drbd};${hb.length}:${hb}`)
    .update(`${AUTO_CODE_LABEL};${spec.cluster.name}`)
    .digest();
  let n = BigInt(`0x${digest.toString("hex")}`);
  const base = BigInt(CODE_ALPHABET.length);
  let raw = "";
  for (let i = 0; i < CODE_GROUPS * CODE_GROUP_LENGTH; i++) {
    raw += CODE_ALPHABET[Number(n % base)];
    n /= base;
  }
  return formatPairingCode(raw);
}

// ---------------------------------------------------------------------------------------------------
// Node A's wait for node B, after its install

export type WaitDecision = "reboot" | "stay";

export interface WaitState {
  /** Seconds left before node A gives up on node B and reboots; counts only until B paired. */
  remaining: number;
  /** Node B paired: the clone runs, keys and the count no longer matter. */
  paired: boolean;
  decision: WaitDecision | null;
  reason: string | null;
  /** Whether node B received a verified copy. */
  cloned: boolean;
}

export type WaitEvent =
  | { kind: "tick" }
  | { kind: "key"; data: string }
  | { kind: "paired" }
  | { kind: "done"; ok: boolean; message: string };

export function waitStart(seconds: number): WaitState {
  return { remaining: seconds, paired: false, decision: null, reason: null, cloned: false };
}

/** Enter reboots now without a clone; Esc (q, n, Ctrl-C) stays in the live system; others do nothing. */
export function waitKey(data: string): WaitDecision | null {
  if (data === "\x1b" || data === "\x03") return "stay";
  if (data.startsWith("\x1b")) return null;
  const k = data.toLowerCase();
  if (k === "n" || k === "q") return "stay";
  if (k === "\r" || k === "\n" || k === "\r\n") return "reboot";
  return null;
}

export function waitStep(s: WaitState, e: WaitEvent): WaitState {
  if (s.decision !== null) return s;
  switch (e.kind) {
    case "done":
      return e.ok
        ? { ...s, decision: "reboot", cloned: true, reason: `node B has the clone: ${e.message}` }
        : { ...s, decision: "reboot", cloned: false, reason: `the clone failed: ${e.message}` };
    case "paired":
      return { ...s, paired: true };
    case "tick":
      if (s.paired) return s;
      return s.remaining <= 1
        ? {
            ...s,
            remaining: 0,
            decision: "reboot",
            reason: "node B did not connect in time; rebooting without a clone",
          }
        : { ...s, remaining: s.remaining - 1 };
    case "key": {
      if (s.paired) return s;
      const k = waitKey(e.data);
      if (k === "reboot")
        return { ...s, decision: "reboot", reason: "Enter pressed: rebooting without a clone" };
      if (k === "stay")
        return { ...s, decision: "stay", reason: "stopped at the console: staying in the live system" };
      return s;
    }
  }
}

/** The line under "waiting for node B", rewritten every second (ASCII only). */
export function waitLine(s: WaitState, peer: string): string {
  return `Waiting for ${peer}: rebooting without a clone in ${formatClock(s.remaining)}. Enter: reboot now   Esc: stay`;
}

// ---------------------------------------------------------------------------------------------------
// Node B's disk and what the console shows before it waits

export type ReceiveTarget =
  | { ok: true; disk: string; sizeBytes: number; why: string; destroys: string[] }
  | { ok: false; message: string };

/**
 * Node B's disk: the one the answer's selector picks, as for an install. A disk holding anything is only
 * overwritten when the answer says storage.wipe: true, the same rule as an install.
 */
export function receiveTarget(spec: ClusterSpec, node: NodeSpec, facts: HardwareFacts): ReceiveTarget {
  const sel = selectNodeDisk(spec, node, facts);
  if (!sel.ok) return { ok: false, message: sel.message };
  const disk = facts.disks.find((d) => d.path === sel.choice.path);
  const existing = disk ? describeExisting(disk) : null;
  if (existing && !existing.blank && !spec.storage.wipe) {
    return {
      ok: false,
      message: `${existing.summary}; the answer file does not say storage.wipe: true, so pairboot does not overwrite it`,
    };
  }
  return {
    ok: true,
    disk: sel.choice.path,
    sizeBytes: sel.choice.sizeBytes,
    why: sel.choice.why,
    destroys: existing
      ? existing.blank
        ? ["nothing: the disk is blank"]
        : [existing.summary, ...existing.details]
      : [],
  };
}

export function receiveSummary(o: {
  answer: string;
  node: string;
  nodeWhy: string;
  peer: string;
  target: Extract<ReceiveTarget, { ok: true }>;
  link: ReplicationLink;
  codeFromAnswer: boolean;
}): string {
  const lines = [
    `pairboot: unattended clone from ${o.peer}`,
    "",
    `  answer file  ${o.answer}`,
    `  this node    ${o.node} (${o.nodeWhy})`,
    `  disk         ${o.target.disk}, ${(o.target.sizeBytes / 1024 ** 3).toFixed(1)} GiB (${o.target.why})`,
  ];
  o.target.destroys.forEach((d, i) => lines.push(`  ${i === 0 ? "destroys    " : "            "} ${d}`));
  lines.push(
    `  link         ${o.link.ifname} (${o.link.mac}) as ${o.link.cidr}; ${o.peer} at ${o.link.peerAddress}`,
    `  how          ${o.node} does not install: it receives ${o.peer}'s disk once ${o.peer}'s install is done,`,
    `               then writes its own identity from the answer and reboots from its disk`,
    `  pairing code ${o.codeFromAnswer ? "derived from the answer's shared secrets" : "shown on node A's console (the answer has no secrets yet)"}`,
    "",
  );
  return lines.join("\n");
}
