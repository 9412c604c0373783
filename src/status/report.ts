// Turns what was observed on a node into health lines a sysadmin can act on. Pure: the observations come
// from collect.ts (or from recorded output in tests).
import { formatBytes } from "../util/format.js";
import { describeBootSecurity, type BootSecurity } from "../probe/secureboot.js";
import type { BondState, ChronyTracking, DrbdResourceState } from "./parse.js";
import { describeSplitBrain, type KernelDrbdHistory, type SplitBrainReport } from "./splitbrain.js";
import { monitorLine, type MonitorObservation } from "./monitor.js";
import { fencingLine, type FencingObservation } from "./fencing.js";

/**
 * A check's level, as monitoring plugins report it: ok (0), warn (1, WARNING), fail (2, CRITICAL),
 * unknown (3, UNKNOWN: the check could not be made).
 */
export type Health = "ok" | "warn" | "fail" | "unknown";

export interface StatusLine {
  /** What the check is about: drbd, heartbeat, bond, nfs, service, time, boot; other modules add theirs. */
  area: string;
  health: Health;
  summary: string;
  /** Lines shown under the check (the split-brain recovery procedure). */
  detail?: string;
}

export interface Observations {
  node: string;
  peer: string;
  drbd: {
    resource: string;
    minor: number;
    state: DrbdResourceState | null;
    /** The kernel's DRBD messages for this minor (handshakes, split brain, roles), when read. */
    kernel?: KernelDrbdHistory;
  };
  heartbeat: { running: boolean; peerStatus: string; resources: string };
  bond: { name: string; slaves: string[]; state: BondState | null };
  nfs: {
    holdsServiceIp: boolean;
    serviceIp: string;
    serverActive: boolean;
    dataMounted: boolean;
    dataMount: string;
  };
  time: ChronyTracking | null;
  /**
   * Whether the service answers on its IP (NFS port 2049), probed from this node: null when not probed.
   * The passive node's only view of whether the peer serves.
   */
  serviceAnswers?: boolean | null;
  /** How the node booted (Secure Boot or not): information, never a fault. */
  boot?: BootSecurity;
  /** pairboot-monitor's state file on this node (null: none), when read. */
  monitor?: MonitorObservation | null;
  /** Whether this node can reset its peer through the peer's BMC (fencing), when asked. */
  fencing?: FencingObservation;
}

// States of the connection in which the peers are talking and a resync is under way (drbd.conf-8.4).
const RESYNC = /^(Sync|PausedSync|WFBitMap|WFSyncUUID|StartingSync|VerifyS|VerifyT)/;

function drbdLine(o: Observations): StatusLine {
  const { drbd, peer } = o;
  const s = drbd.state;
  const area = "drbd";
  const r = drbd.resource;
  if (!s)
    return { area, health: "fail", summary: `${r}: not configured in the kernel (is drbd.service running?)` };
  const roles = `${s.role}/${s.peerRole}`;
  const disks = `${s.disk}/${s.peerDisk}`;
  if (s.connection === "StandAlone") {
    if (drbd.kernel?.splitBrainSinceConnected) {
      const report = splitBrainReport(o);
      return {
        area,
        health: "fail",
        summary: `${r}: SPLIT BRAIN (StandAlone, ${roles}, ${disks}): ${report?.sides
          .map(
            (x) =>
              `${x.node} ${x.changedBytes === null ? "changes unknown" : `changed ${formatBytes(x.changedBytes)}`}`,
          )
          .join(", ")}; see below`,
        ...(report ? { detail: report.text } : {}),
      };
    }
    return {
      area,
      health: "fail",
      summary: `${r}: StandAlone (${roles}, ${disks}): not replicating, and the kernel log shows no split brain (disconnected by hand? try drbdadm connect ${r})`,
    };
  }
  if (s.disk === "Diskless" || s.disk === "Failed")
    return {
      area,
      health: "fail",
      summary: `${r}: local disk ${s.disk} (detached after an I/O error?) (${roles})`,
    };
  if (RESYNC.test(s.connection)) {
    const pct = s.syncPercent === null ? "" : ` ${s.syncPercent.toFixed(1)}%`;
    return {
      area,
      health: "warn",
      summary: `${r}: ${s.connection}${pct} (${roles}, ${disks}): resync running`,
    };
  }
  if (s.connection !== "Connected")
    return {
      area,
      health: "warn",
      summary: `${r}: ${s.connection}, ${peer} not connected (${roles}, ${disks})`,
    };
  if (s.disk !== "UpToDate" || s.peerDisk !== "UpToDate")
    return { area, health: "warn", summary: `${r}: Connected but ${disks}: degraded (${roles})` };
  return { area, health: "ok", summary: `${r}: Connected, ${roles}, UpToDate/UpToDate` };
}

/** The split-brain description when the observations show one, else null. */
export function splitBrainReport(o: Observations): SplitBrainReport | null {
  const s = o.drbd.state;
  if (!s || s.connection !== "StandAlone" || !o.drbd.kernel?.splitBrainSinceConnected) return null;
  return describeSplitBrain({
    node: o.node,
    peer: o.peer,
    resource: o.drbd.resource,
    role: s.role,
    serving: o.nfs.holdsServiceIp || o.nfs.dataMounted,
    history: o.drbd.kernel,
  });
}

function heartbeatLine(o: Observations["heartbeat"], peer: string): StatusLine {
  const area = "heartbeat";
  if (!o.running) return { area, health: "fail", summary: "heartbeat is not running on this node" };
  if (o.peerStatus !== "active" && o.peerStatus !== "up")
    return {
      area,
      health: "warn",
      summary: `peer ${peer} is ${o.peerStatus}: no failover possible; resources: ${o.resources}`,
    };
  return {
    area,
    health: "ok",
    summary: `running, peer ${peer} ${o.peerStatus}, resources held: ${o.resources}`,
  };
}

function bondLine(o: Observations["bond"]): StatusLine {
  const area = "bond";
  const s = o.state;
  if (!s) return { area, health: "fail", summary: `${o.name}: does not exist` };
  const up = s.slaves.filter((x) => x.miiStatus === "up").map((x) => x.name);
  const down = o.slaves.filter((name) => !up.includes(name));
  const active = s.activeSlave ? `, active ${s.activeSlave}` : "";
  if (up.length === 0)
    return { area, health: "fail", summary: `${o.name}: no slave has link (${s.mode ?? "?"})` };
  if (down.length > 0)
    return {
      area,
      health: "warn",
      summary: `${o.name}: ${down.join(", ")} down, running on ${up.join(", ")}${active}`,
    };
  return { area, health: "ok", summary: `${o.name}: ${s.mode ?? "?"}, slaves ${up.join(", ")} up${active}` };
}

function nfsLine(o: Observations["nfs"], serviceAnswers: boolean | null | undefined): StatusLine {
  const area = "nfs";
  if (o.holdsServiceIp) {
    if (!o.dataMounted)
      return { area, health: "fail", summary: `active node but ${o.dataMount} is not mounted` };
    if (!o.serverActive)
      return { area, health: "fail", summary: `active node but nfs-server is not running` };
    return { area, health: "ok", summary: `active: serving ${o.dataMount} on ${o.serviceIp}` };
  }
  if (o.serverActive || o.dataMounted)
    return {
      area,
      health: "warn",
      summary: `passive node but nfs-server or ${o.dataMount} is up: Heartbeat should own them`,
    };
  if (serviceAnswers === false)
    return {
      area,
      health: "fail",
      summary: `passive, and ${o.serviceIp} does not answer on the NFS port: the service runs nowhere`,
    };
  return { area, health: "ok", summary: `passive: ${o.serviceIp} is held by the peer` };
}

/** The reference id chronyc reports while chrony serves its own clock (`local` directive). */
const LOCAL_REFERENCE = "7F7F0101";

function timeLine(t: Observations["time"]): StatusLine {
  const area = "time";
  if (!t) return { area, health: "fail", summary: "chrony is not answering" };
  const ms = (t.offsetSeconds * 1000).toFixed(1);
  if (t.leap !== "Normal")
    return { area, health: "warn", summary: `not synchronised (${t.leap}), offset ${ms} ms` };
  // chrony's local reference (127.127.1.1): orphan mode took over because no server or peer is usable.
  // The clock then agrees with nothing but itself, which is not what "synchronised" promises.
  if (t.refName === LOCAL_REFERENCE)
    return {
      area,
      health: "warn",
      summary: `on its own clock (chrony's local reference, stratum ${t.stratum}): no time server or peer usable; see chronyc sources`,
    };
  if (Math.abs(t.offsetSeconds) > 0.1)
    return { area, health: "warn", summary: `offset ${ms} ms from ${t.refName}` };
  return {
    area,
    health: "ok",
    summary: `synchronised to ${t.refName} (stratum ${t.stratum}), offset ${ms} ms`,
  };
}

/** How the node booted is information for the sysadmin, never a fault: Secure Boot off is a choice. */
function bootLine(b: BootSecurity): StatusLine {
  return { area: "boot", health: "ok", summary: describeBootSecurity(b) };
}

export function evaluate(o: Observations): StatusLine[] {
  return [
    drbdLine(o),
    heartbeatLine(o.heartbeat, o.peer),
    bondLine(o.bond),
    nfsLine(o.nfs, o.serviceAnswers),
    timeLine(o.time),
    ...(o.boot ? [bootLine(o.boot)] : []),
    ...(o.monitor !== undefined ? [monitorLine(o.monitor, o.nfs.holdsServiceIp)] : []),
    ...(o.fencing ? [fencingLine(o.fencing)] : []),
  ];
}

/** Monitoring-plugin levels, worst last: a check that could not be made ranks below a warning. */
const RANK: Record<Health, number> = { ok: 0, unknown: 1, warn: 2, fail: 3 };
const WORD: Record<Health, string> = { ok: "OK", warn: "WARNING", fail: "CRITICAL", unknown: "UNKNOWN" };
/** The exit status a monitoring plugin returns for each level. */
export const EXIT_CODE: Record<Health, number> = { ok: 0, warn: 1, fail: 2, unknown: 3 };

export function worstHealth(lines: readonly StatusLine[]): Health {
  return lines.reduce<Health>((w, l) => (RANK[l.health] > RANK[w] ? l.health : w), "ok");
}

/**
 * The plugin's one summary line: its level, whether this node serves, and either the problems (worst
 * first) or the replication and peer state.
 */
export function summaryLine(o: Observations, lines: readonly StatusLine[]): string {
  const worst = worstHealth(lines);
  const role = o.nfs.holdsServiceIp ? "active" : "passive";
  let what: string;
  if (worst === "ok") {
    const d = o.drbd.state;
    what = [
      d ? `DRBD ${d.connection} ${d.disk}/${d.peerDisk}` : null,
      `peer ${o.peer} ${o.heartbeat.peerStatus}`,
    ]
      .filter((x) => x !== null)
      .join(", ");
  } else {
    what = [...lines]
      .filter((l) => l.health !== "ok")
      .sort((a, b) => RANK[b.health] - RANK[a.health])
      .map((l) => `${l.area}: ${l.summary}`)
      .join("; ");
  }
  return `PAIRBOOT ${WORD[worst]} - ${o.node} ${role}, ${what}`;
}

/** The checks, one line each (with any detail indented below), under a heading naming the node. */
export function formatStatus(node: string, lines: StatusLine[]): string {
  const label: Record<Health, string> = { ok: "[ OK ]", warn: "[WARN]", fail: "[FAIL]", unknown: "[ ?? ]" };
  const body = lines
    .map((l) => {
      const head = `${label[l.health]} ${l.area.padEnd(9)} ${l.summary}`;
      return l.detail ? `${head}\n${l.detail.replace(/^/gm, "       ")}` : head;
    })
    .join("\n");
  return `pairboot status on ${node}: ${WORD[worstHealth(lines)]}\n${body}\n`;
}

/** What `pairboot status` prints: the monitoring summary line first, then the checks. */
export function formatReport(o: Observations, lines: StatusLine[]): string {
  return `${summaryLine(o, lines)}\n${formatStatus(o.node, lines)}`;
}
