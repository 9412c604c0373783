// DRBD 8.4 split brain, read from what the node itself can see: /proc/drbd (StandAlone), the kernel's
// messages (the handshake that found it prints both sides' generation identifiers and how many 4 KiB
// blocks each side changed since they last agreed), and this node's role history. Pure: the text comes
// from collect.ts or from fixtures.
import { formatBytes } from "../util/format.js";

/** A DRBD bitmap bit covers 4 KiB (bm-byte-per-bit 4096 in drbdmeta's dump). */
export const BYTES_PER_BIT = 4096;

export interface GenerationIds {
  current: string;
  bitmap: string;
  history: [string, string];
  /** Blocks (4 KiB) this side marks out of sync: what it changed that the other lacks. */
  bits: number;
}

export interface HandshakeRecord {
  self: GenerationIds;
  peer: GenerationIds;
  /** uuid_compare()'s result and rule: -100 / rule 100 is a split brain. */
  compare: number | null;
  rule: number | null;
  /** The handshake ended in "Split-Brain detected but unresolved, dropping connection!". */
  unresolved: boolean;
  at: string;
}

export interface KernelDrbdHistory {
  /** The last handshake of this minor, if the log still holds one. */
  lastHandshake: HandshakeRecord | null;
  /** A split brain was detected after the last time the resource reached Connected. */
  splitBrainSinceConnected: boolean;
  /** When this node last became Primary and Secondary (the log's timestamp), if seen. */
  lastPrimaryAt: string | null;
  lastSecondaryAt: string | null;
}

const UUIDS = /\b(self|peer) ([0-9A-F]{16}):([0-9A-F]{16}):([0-9A-F]{16}):([0-9A-F]{16}) bits:(\d+)/;

function ids(m: RegExpExecArray): GenerationIds {
  return {
    current: m[2] as string,
    bitmap: m[3] as string,
    history: [m[4] as string, m[5] as string],
    bits: Number(m[6]),
  };
}

/** The line's timestamp as journalctl -o short-iso or dmesg prints it (the first word), for messages. */
function stamp(line: string): string {
  return /^\s*(\[[^\]]*\]|\S+)/.exec(line)?.[1] ?? "";
}

/**
 * Reads the kernel's DRBD messages for one minor (journalctl -k or dmesg, in order). Device messages name
 * "drbdN"; connection messages name the resource ("drbd r0:").
 */
export function parseKernelDrbd(text: string, minor: number, resource: string): KernelDrbdHistory {
  const dev = new RegExp(`\\bdrbd${minor}: `);
  const conn = new RegExp(`\\bdrbd ${resource.replace(/[^\w-]/g, "")}: `);
  let current: Partial<HandshakeRecord> | null = null;
  let last: HandshakeRecord | null = null;
  let splitBrain = false;
  let lastPrimaryAt: string | null = null;
  let lastSecondaryAt: string | null = null;
  const finish = () => {
    if (current?.self && current.peer) last = current as HandshakeRecord;
  };
  for (const line of text.split("\n")) {
    const ours = dev.test(line);
    if (!ours && !conn.test(line)) continue;
    if (ours && line.includes("drbd_sync_handshake:")) {
      finish();
      current = { compare: null, rule: null, unresolved: false, at: stamp(line) };
      continue;
    }
    const u = ours ? UUIDS.exec(line) : null;
    if (u && current) {
      current[u[1] as "self" | "peer"] = ids(u);
      continue;
    }
    const cmp = /uuid_compare\(\)=(-?\d+) by rule (\d+)/.exec(line);
    if (cmp && current) {
      current.compare = Number(cmp[1]);
      current.rule = Number(cmp[2]);
      continue;
    }
    if (line.includes("Split-Brain detected but unresolved")) {
      if (current) current.unresolved = true;
      splitBrain = true;
      continue;
    }
    // Reaching Connected (or a resync, which ends in Connected) means whatever came before was mended.
    if (/conn\( \S+ -> (Connected|WFBitMapS|WFBitMapT)/.test(line)) splitBrain = false;
    const role = /\brole\( (\w+) -> (\w+) \)/.exec(line);
    if (ours && role) {
      if (role[2] === "Primary") lastPrimaryAt = stamp(line);
      if (role[2] === "Secondary") lastSecondaryAt = stamp(line);
    }
  }
  finish();
  return { lastHandshake: last, splitBrainSinceConnected: splitBrain, lastPrimaryAt, lastSecondaryAt };
}

/** `drbdadm get-gi RES`: current:bitmap:history1:history2 then flags (consistent, was up to date, ...). */
export function parseGetGi(text: string): { current: string; bitmap: string; primaryFlag: boolean } | null {
  const f = text.trim().split(":");
  if (f.length < 4 || !/^[0-9A-F]{16}$/i.test(f[0] ?? "")) return null;
  return {
    current: (f[0] as string).toUpperCase(),
    bitmap: (f[1] as string).toUpperCase(),
    primaryFlag: f[6] === "1",
  };
}

export interface SplitBrainFacts {
  node: string;
  peer: string;
  resource: string;
  /** From /proc/drbd: this node's role now. */
  role: string;
  /** This node holds the service (service IP, data mounted). */
  serving: boolean;
  history: KernelDrbdHistory;
}

export interface SplitBrainSide {
  node: string;
  /** Bytes changed since the split that the other side lacks; null when the kernel log no longer says. */
  changedBytes: number | null;
  current: string | null;
  role: string | null;
}

export interface SplitBrainReport {
  sides: [SplitBrainSide, SplitBrainSide];
  /** Which node's changes discarding loses least, and why; the user decides. */
  suggestion: { discard: string; why: string };
  text: string;
}

/** What each side has that the other lacks, and the exact DRBD 8.4 recovery, for the user to choose. */
export function describeSplitBrain(f: SplitBrainFacts): SplitBrainReport {
  const h = f.history.lastHandshake;
  const self: SplitBrainSide = {
    node: f.node,
    changedBytes: h ? h.self.bits * BYTES_PER_BIT : null,
    current: h?.self.current ?? null,
    role: f.role,
  };
  const peer: SplitBrainSide = {
    node: f.peer,
    changedBytes: h ? h.peer.bits * BYTES_PER_BIT : null,
    current: h?.peer.current ?? null,
    role: null,
  };
  const suggestion = suggest(f, self, peer);
  const changed = (s: SplitBrainSide) =>
    s.changedBytes === null
      ? "changes unknown (the kernel log no longer holds the handshake)"
      : s.changedBytes === 0
        ? "changed nothing since the split"
        : `changed ${formatBytes(s.changedBytes)} since the split (${s.changedBytes / BYTES_PER_BIT} blocks of 4 KiB the other lacks)`;
  const selfRole = `${f.role}${f.serving ? ", serving the clients now" : ""}${
    f.history.lastPrimaryAt ? `, last became Primary at ${f.history.lastPrimaryAt}` : ""
  }`;
  const r = f.resource;
  const text = [
    `Split brain on ${r}: both nodes wrote while disconnected; DRBD stopped replicating (StandAlone).`,
    `  ${f.node} (this node, ${selfRole}): ${changed(self)}${self.current ? `, current generation ${self.current}` : ""}`,
    `  ${f.peer}: ${changed(peer)}${peer.current ? `, current generation ${peer.current}` : ""}`,
    `Suggested: discard ${suggestion.discard}'s changes (${suggestion.why}). The choice is yours: the discarded`,
    `node's changes since the split are overwritten by a resync from the other.`,
    `Recovery (DRBD 8.4), with VICTIM the node whose changes are discarded and SURVIVOR the other:`,
    `  on VICTIM (it must not hold the service: stop Heartbeat there first if it does):`,
    `    drbdadm disconnect ${r}    (only if it is not StandAlone already)`,
    `    drbdadm secondary ${r}`,
    `    drbdadm connect --discard-my-data ${r}`,
    `  on SURVIVOR, if it shows StandAlone:`,
    `    drbdadm connect ${r}`,
    `Or on each node: pairboot split-brain resolve --discard ${suggestion.discard}`,
  ].join("\n");
  return { sides: [self, peer], suggestion, text };
}

function suggest(
  f: SplitBrainFacts,
  self: SplitBrainSide,
  peer: SplitBrainSide,
): { discard: string; why: string } {
  if (peer.changedBytes === 0) return { discard: f.peer, why: `${f.peer} changed nothing: nothing is lost` };
  if (self.changedBytes === 0) return { discard: f.node, why: `${f.node} changed nothing: nothing is lost` };
  if (f.serving)
    return { discard: f.peer, why: `${f.node} serves the clients: its changes are what they wrote last` };
  return { discard: f.node, why: `${f.peer} serves the clients (this node does not)` };
}

export interface ResolveFacts {
  node: string;
  peer: string;
  resource: string;
  connection: string | null;
  splitBrain: boolean;
  /** This node holds the service IP or has the data filesystem mounted. */
  serving: boolean;
}

export type ResolvePlan =
  | { ok: true; part: "victim" | "survivor"; commands: { argv: string[] }[]; other: string }
  | { ok: false; code: "unknown-node" | "no-split-brain" | "victim-serving"; message: string };

/**
 * This node's part of the recovery when the user discards `discard`'s changes: the victim drops its
 * changes and reconnects asking for a full resync of what differs; the survivor reconnects. Each node runs
 * its own part; neither needs a way into the other.
 */
export function planResolve(f: ResolveFacts, discard: string): ResolvePlan {
  if (discard !== f.node && discard !== f.peer)
    return {
      ok: false,
      code: "unknown-node",
      message: `--discard ${discard}: this cluster's nodes are ${f.node} and ${f.peer}`,
    };
  if (f.connection !== "StandAlone" || !f.splitBrain)
    return {
      ok: false,
      code: "no-split-brain",
      message: `there is no split brain on ${f.node}: ${f.resource} is ${f.connection ?? "not configured"}${
        f.connection === "StandAlone"
          ? " but the kernel log shows no split brain since it was last Connected"
          : ""
      }${f.connection === "WFConnection" ? " (if this node already ran its part, run the command on the other node)" : ""}`,
    };
  const r = f.resource;
  if (discard === f.node) {
    if (f.serving)
      return {
        ok: false,
        code: "victim-serving",
        message: `${f.node} holds the service (service IP or data mounted), so its data cannot be discarded now: stop Heartbeat here first (systemctl stop heartbeat) so ${f.peer} takes the service, then run this again`,
      };
    return {
      ok: true,
      part: "victim",
      other: f.peer,
      // Already StandAlone (checked above): DRBD 8.4's disconnect would fail there ("unknown connection",
      // exit 10), as the lab's first split brain showed.
      commands: [
        { argv: ["drbdadm", "secondary", r] },
        { argv: ["drbdadm", "connect", "--discard-my-data", r] },
      ],
    };
  }
  return { ok: true, part: "survivor", other: f.peer, commands: [{ argv: ["drbdadm", "connect", r] }] };
}
