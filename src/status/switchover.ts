// Planned moves of the service with Heartbeat v1's own tools, decided from what `pairboot status`
// observes on this node. Pure: whether a move is safe, which command does it, when the target serves, and
// the pause the clients saw, from samples the runner takes.
import type { Observations } from "./report.js";

/** Heartbeat 3.0.6's admin scripts (bookworm and trixie ship them here). */
export const HB_SHARE = "/usr/share/heartbeat";

export type RefusalCode =
  | "unknown-node"
  | "already-there"
  | "heartbeat-down"
  | "peer-heartbeat-down"
  | "drbd-down"
  | "split-brain"
  | "not-connected"
  | "not-uptodate"
  | "in-transition"
  | "run-on-holder"
  | "service-nowhere";

export interface Refusal {
  code: RefusalCode;
  message: string;
}

export interface SwitchoverPlan {
  from: string;
  to: string;
  /** The target is this node (hb_takeover here) or the peer (hb_standby here). */
  toLocal: boolean;
  command: { argv: string[] };
}

export type Decision<T> = { ok: true; plan: T } | { ok: false; refusal: Refusal };

const refuse = (code: RefusalCode, message: string): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal: { code, message },
});

/** The node that serves now, as far as this node can tell: itself when it holds the service IP. */
export function currentHolder(o: Observations): string {
  return o.nfs.holdsServiceIp ? o.node : o.peer;
}

/**
 * What must hold before the service may move on purpose: both Heartbeats up and seeing each other, DRBD
 * Connected with both disks UpToDate (a move onto stale or unreplicated data would lose writes).
 */
export function pairReady(o: Observations): Refusal | null {
  if (!o.heartbeat.running)
    return {
      code: "heartbeat-down",
      message: `Heartbeat is not running on ${o.node} (systemctl start heartbeat, or pairboot resume)`,
    };
  if (o.heartbeat.peerStatus !== "active" && o.heartbeat.peerStatus !== "up")
    return {
      code: "peer-heartbeat-down",
      message: `Heartbeat on ${o.peer} is ${o.heartbeat.peerStatus} as seen from ${o.node}: it could not take the service`,
    };
  const d = o.drbd.state;
  if (!d) return { code: "drbd-down", message: `DRBD ${o.drbd.resource} is not configured in the kernel` };
  if (d.connection === "StandAlone" && o.drbd.kernel?.splitBrainSinceConnected)
    return {
      code: "split-brain",
      message: `DRBD ${o.drbd.resource} is in split brain: resolve it first (pairboot status shows how)`,
    };
  if (d.connection !== "Connected")
    return {
      code: "not-connected",
      message: `DRBD ${o.drbd.resource} is ${d.connection}, not Connected: ${o.peer} does not have every write`,
    };
  if (d.disk !== "UpToDate" || d.peerDisk !== "UpToDate")
    return {
      code: "not-uptodate",
      message: `DRBD ${o.drbd.resource} is ${d.disk}/${d.peerDisk}, not UpToDate/UpToDate: wait for the resync`,
    };
  if (o.heartbeat.resources === "transition")
    return {
      code: "in-transition",
      message: "Heartbeat is moving resources right now: try again when it is done",
    };
  return null;
}

export function planSwitchover(o: Observations, to?: string): Decision<SwitchoverPlan> {
  const target = to ?? (o.nfs.holdsServiceIp ? o.peer : o.node);
  if (target !== o.node && target !== o.peer)
    return refuse("unknown-node", `--to ${target}: this cluster's nodes are ${o.node} and ${o.peer}`);
  const from = currentHolder(o);
  if (from === target) return refuse("already-there", `${target} already serves ${o.nfs.serviceIp}`);
  const notReady = pairReady(o);
  if (notReady) return { ok: false, refusal: notReady };
  // Heartbeat 3.0.6 moves resources on purpose only from the node that gives them up: hb_standby there
  // sends "ask_resources", which both daemons act on. hb_takeover sends a "hb_takeover" message that no
  // part of heartbeat 3.0.6 handles (the daemon's message table has no such type; no binary or library
  // of the package holds the string), so from the passive node nothing would move.
  if (target === o.node)
    return refuse(
      "run-on-holder",
      `run 'pairboot switchover' on ${from}, which serves now: Heartbeat 3.0.6 gives resources away only from the node holding them (hb_takeover's request has no handler in the daemon), and this node has no other way into ${from}`,
    );
  return {
    ok: true,
    plan: { from, to: target, toLocal: false, command: { argv: [`${HB_SHARE}/hb_standby`, "all"] } },
  };
}

/** One look at the service while it moves. */
export interface Sample {
  /** Milliseconds since the move started. */
  t: number;
  /** The service IP accepted a TCP connection on the NFS port. */
  answers: boolean;
  /** This node holds the service IP. */
  local: boolean;
}

export interface Pause {
  /** The last time the source answered, the first time the target did, and the gap between them. */
  lastSourceMs: number | null;
  firstTargetMs: number | null;
  pauseMs: number | null;
}

/** The pause clients saw: from the source's last answer to the target's first (both as this node saw). */
export function measurePause(samples: readonly Sample[], toLocal: boolean): Pause {
  const byTarget = (s: Sample) => s.answers && s.local === toLocal;
  const bySource = (s: Sample) => s.answers && s.local !== toLocal;
  const first = samples.findIndex(byTarget);
  const firstTargetMs = first >= 0 ? (samples[first] as Sample).t : null;
  const before = first >= 0 ? samples.slice(0, first) : samples;
  const lastSource = [...before].reverse().find(bySource);
  const lastSourceMs = lastSource ? lastSource.t : null;
  return {
    lastSourceMs,
    firstTargetMs,
    pauseMs: firstTargetMs !== null && lastSourceMs !== null ? firstTargetMs - lastSourceMs : null,
  };
}

/** What serving looks like on the target, as this node can see it. */
export interface ServingView {
  answers: boolean;
  holdsServiceIp: boolean;
  dataMounted: boolean;
  nfsActive: boolean;
  /** cl_status rscstatus on this node: none, local, foreign, all, transition. */
  resources: string;
  peerRole: string | null;
}

/** The target serves: locally the IP, /data and nfsd; remotely the IP answers and this node holds nothing. */
export function targetServes(v: ServingView, toLocal: boolean): boolean {
  if (!v.answers) return false;
  if (toLocal) return v.holdsServiceIp && v.dataMounted && v.nfsActive;
  return !v.holdsServiceIp && !v.dataMounted && v.resources === "none" && v.peerRole === "Primary";
}

export interface StandbyPlan {
  peer: string;
  /** Heartbeat is not running here: nothing to do. */
  already: boolean;
  /** This node serves: move the service to the peer first. */
  move: SwitchoverPlan | null;
}

/**
 * Standby for maintenance: this node must end up serving nothing and running no Heartbeat, with the peer
 * serving. When this node serves, the move has the switchover's checks; when it does not, the peer must
 * be seen serving (the service IP answers), or standby would leave the service nowhere.
 */
export function planStandby(o: Observations): Decision<StandbyPlan> {
  if (!o.heartbeat.running && !o.nfs.holdsServiceIp && !o.nfs.dataMounted)
    return { ok: true, plan: { peer: o.peer, already: true, move: null } };
  if (o.nfs.holdsServiceIp || o.nfs.dataMounted) {
    const d = planSwitchover(o, o.peer);
    if (!d.ok) return d;
    return { ok: true, plan: { peer: o.peer, already: false, move: d.plan } };
  }
  if (o.serviceAnswers !== true)
    return refuse(
      "service-nowhere",
      `${o.nfs.serviceIp} does not answer from ${o.peer}: standby here would leave the service nowhere`,
    );
  return { ok: true, plan: { peer: o.peer, already: false, move: null } };
}

export interface MoveResult {
  served: boolean;
  elapsedMs: number;
  pause: Pause;
}

/** The last lines of a move: served or not, how long it took, and the pause the clients saw. */
export function describeMove(target: string, serviceIp: string, r: MoveResult): string {
  const s = (ms: number | null) => (ms === null ? "?" : `${(ms / 1000).toFixed(1)} s`);
  if (!r.served) return `${target} does not serve ${serviceIp} after ${s(r.elapsedMs)}: see pairboot status`;
  const pause =
    r.pause.pauseMs === null
      ? "pause not measured (the service IP did not answer before the move)"
      : `clients' pause ${s(r.pause.pauseMs)} (${serviceIp} answered on the source until +${s(r.pause.lastSourceMs)}, on ${target} from +${s(r.pause.firstTargetMs)})`;
  return `${target} serves ${serviceIp} after ${s(r.elapsedMs)}; ${pause}`;
}
