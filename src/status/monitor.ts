// The service monitor's line in `pairboot status`: what pairboot-monitor (src/render/monitor.ts) sees and last
// did on this node, read from its state file (key=value lines, written by the monitor when they change).
import { readFile } from "node:fs/promises";
import { MONITOR_STATE } from "../render/monitor.js";
import type { StatusLine } from "./report.js";

export interface MonitorObservation {
  running: boolean;
  intervalS: number;
  restoresMax: number;
  windowS: number;
  /** Checks failing at the monitor's last look (mount, nfsd, exports). */
  failed: string[];
  since: number | null;
  restores: number;
  failoverAt: number | null;
  /** The last action: epoch seconds and what was done (restore, recovered, failover). */
  last: { at: number; what: string } | null;
}

/** The state file's text; null when it is not the monitor's. Pure, for recorded files. */
export function parseMonitorState(text: string): MonitorObservation | null {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  const monitor = kv.get("monitor");
  if (monitor !== "running" && monitor !== "stopped") return null;
  const num = (k: string) => Number(kv.get(k) ?? 0);
  const epoch = (k: string) => (kv.get(k) ? Number(kv.get(k)) : null);
  const last = /^(\d+) (.+)$/.exec(kv.get("last") ?? "");
  return {
    running: monitor === "running",
    intervalS: num("interval"),
    restoresMax: num("restores_max"),
    windowS: num("window"),
    failed: (kv.get("failed") ?? "").split(" ").filter(Boolean),
    since: epoch("since"),
    restores: num("restores"),
    failoverAt: epoch("failover_at"),
    last: last ? { at: Number(last[1]), what: last[2] as string } : null,
  };
}

/** HH:MM:SS in UTC: the journal of both nodes can be matched against it. */
function clock(epoch: number): string {
  return `${new Date(epoch * 1000).toISOString().slice(11, 19)} UTC`;
}

/** `holdsServiceIp`: a file left saying "running" by a node that crashed is not believed on a passive node. */
export function monitorLine(o: MonitorObservation | null, holdsServiceIp: boolean): StatusLine {
  const area = "monitor";
  if (!o) return { area, health: "ok", summary: "has not run on this node (it runs where the service runs)" };
  const last = o.last ? `; last action ${clock(o.last.at)}: ${o.last.what}` : "";
  if (!o.running || !holdsServiceIp)
    return { area, health: "ok", summary: `stopped (the service is not on this node)${last}` };
  const failed = o.failed.join(", ");
  if (o.failed.length > 0 && o.failoverAt !== null)
    return {
      area,
      health: "fail",
      summary: `${failed} failing; asked the peer to take over at ${clock(o.failoverAt)} after ${o.restores} restore(s)${last}`,
    };
  if (o.failed.length > 0)
    return {
      area,
      health: "warn",
      summary: `${failed} failing${o.since === null ? "" : ` since ${clock(o.since)}`}: restore ${o.restores} of ${o.restoresMax}, then the peer takes over (within ${o.windowS} s)${last}`,
    };
  return {
    area,
    health: "ok",
    summary: `watching the data mount, nfsd and the exports every ${o.intervalS} s${last}`,
  };
}

export async function observeMonitor(path = MONITOR_STATE): Promise<MonitorObservation | null> {
  const text = await readFile(path, "utf8").catch(() => null);
  return text === null ? null : parseMonitorState(text);
}
