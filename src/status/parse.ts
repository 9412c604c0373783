// Pure parsers for what the HA stack's own tools print on an installed node. Each takes the raw text
// and returns plain data, so `pairboot status` can be tested on recorded output.

export interface DrbdResourceState {
  minor: number;
  connection: string; // cs: Connected, WFConnection, StandAlone, SyncSource, ...
  role: string; // local role: Primary / Secondary
  peerRole: string;
  disk: string; // local disk state: UpToDate, Inconsistent, Diskless, ...
  peerDisk: string;
  syncPercent: number | null;
  outOfSyncKiB: number | null;
}

/** /proc/drbd as the DRBD 8.4 module writes it. */
export function parseProcDrbd(text: string): { version: string | null; resources: DrbdResourceState[] } {
  const version = /^version:\s*(\S+)/m.exec(text)?.[1] ?? null;
  const resources: DrbdResourceState[] = [];
  const blocks = text.split(/^(?=\s*\d+:\s+cs:)/m).slice(1);
  for (const block of blocks) {
    const head = /^\s*(\d+):\s+cs:(\S+)\s+ro:([^/\s]+)\/(\S+)\s+ds:([^/\s]+)\/(\S+)/.exec(block);
    if (!head) continue;
    const synced = /sync'ed:\s*([\d.]+)%/.exec(block);
    const oos = /\boos:(\d+)/.exec(block);
    resources.push({
      minor: Number(head[1]),
      connection: head[2] as string,
      role: head[3] as string,
      peerRole: head[4] as string,
      disk: head[5] as string,
      peerDisk: head[6] as string,
      syncPercent: synced ? Number(synced[1]) : null,
      outOfSyncKiB: oos ? Number(oos[1]) : null,
    });
  }
  return { version, resources };
}

export interface BondState {
  mode: string | null;
  activeSlave: string | null;
  miiStatus: string | null;
  slaves: { name: string; miiStatus: string; failures: number }[];
}

/** /proc/net/bonding/BOND. */
export function parseBonding(text: string): BondState {
  const [head = "", ...slaveBlocks] = text.split(/^Slave Interface:\s*/m);
  return {
    mode: /^Bonding Mode:\s*(.+)$/m.exec(head)?.[1]?.trim() ?? null,
    activeSlave: /^Currently Active Slave:\s*(\S+)/m.exec(head)?.[1] ?? null,
    miiStatus: /^MII Status:\s*(\S+)/m.exec(head)?.[1] ?? null,
    slaves: slaveBlocks.map((block) => ({
      name: block.split("\n")[0]?.trim() ?? "",
      miiStatus: /^MII Status:\s*(\S+)/m.exec(block)?.[1] ?? "unknown",
      failures: Number(/^Link Failure Count:\s*(\d+)/m.exec(block)?.[1] ?? 0),
    })),
  };
}

export interface ChronyTracking {
  refName: string;
  stratum: number;
  offsetSeconds: number; // system time minus true time, as chrony estimates it
  leap: string;
}

/** `chronyc -c tracking` (comma separated). */
export function parseChronyTracking(text: string): ChronyTracking | null {
  const f = text.trim().split(",");
  if (f.length < 14) return null;
  return {
    refName: f[1] || f[0] || "",
    stratum: Number(f[2]),
    offsetSeconds: Number(f[4]),
    leap: f[13] ?? "",
  };
}

/** `cl_status nodestatus NODE` prints one word: active, up, dead, ... */
export function parseNodeStatus(text: string): string {
  return text.trim().split(/\s+/)[0] ?? "unknown";
}
