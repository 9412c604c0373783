// Turns what was observed on a node into health lines a sysadmin can act on. Pure: the observations come
// from collect.ts (or from recorded output in tests).
import { describeBootSecurity, type BootSecurity } from "../probe/secureboot.js";
import type { BondState, ChronyTracking, DrbdResourceState } from "./parse.js";

export type Health = "ok" | "warn" | "fail";

export interface StatusLine {
  area: "drbd" | "heartbeat" | "bond" | "nfs" | "time" | "boot";
  health: Health;
  summary: string;
}

export interface Observations {
  node: string;
  peer: string;
  drbd: { resource: string; minor: number; state: DrbdResourceState | null };
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
  /** How the node booted (Secure Boot or not): information, never a fault. */
  boot?: BootSecurity;
}

function drbdLine(o: Observations["drbd"], peer: string): StatusLine {
  const s = o.state;
  const area = "drbd";
  if (!s)
    return {
      area,
      health: "fail",
      summary: `${o.resource}: not configured in the kernel (is drbd.service running?)`,
    };
  const roles = `${s.role}/${s.peerRole}`;
  const disks = `${s.disk}/${s.peerDisk}`;
  if (s.connection === "StandAlone")
    return {
      area,
      health: "fail",
      summary: `${o.resource}: StandAlone (${roles}, ${disks}): not replicating; split brain?`,
    };
  if (s.connection.startsWith("Sync")) {
    const pct = s.syncPercent === null ? "" : ` ${s.syncPercent.toFixed(1)}%`;
    return { area, health: "warn", summary: `${o.resource}: ${s.connection}${pct} (${roles}, ${disks})` };
  }
  if (s.connection !== "Connected")
    return {
      area,
      health: "warn",
      summary: `${o.resource}: ${s.connection}, ${peer} not connected (${roles}, ${disks})`,
    };
  if (s.disk !== "UpToDate" || s.peerDisk !== "UpToDate")
    return { area, health: "warn", summary: `${o.resource}: Connected but ${disks} (${roles})` };
  return { area, health: "ok", summary: `${o.resource}: Connected, ${roles}, UpToDate/UpToDate` };
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

function nfsLine(o: Observations["nfs"]): StatusLine {
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
    drbdLine(o.drbd, o.peer),
    heartbeatLine(o.heartbeat, o.peer),
    bondLine(o.bond),
    nfsLine(o.nfs),
    timeLine(o.time),
    ...(o.boot ? [bootLine(o.boot)] : []),
  ];
}

export function formatStatus(node: string, lines: StatusLine[]): string {
  const label: Record<Health, string> = { ok: "[ OK ]", warn: "[WARN]", fail: "[FAIL]" };
  const worst = lines.some((l) => l.health === "fail")
    ? "FAIL"
    : lines.some((l) => l.health === "warn")
      ? "WARN"
      : "OK";
  const body = lines.map((l) => `${label[l.health]} ${l.area.padEnd(9)} ${l.summary}`).join("\n");
  return `pairboot status on ${node}: ${worst}\n${body}\n`;
}
