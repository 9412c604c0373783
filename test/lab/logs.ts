// What the lab reads out of the nodes' logs: the steps of a takeover from B's journal, and how much a rejoining
// node resynced from its kernel log. Pure functions, unit-tested without VMs (test/unit/lab-logs.test.ts).

export interface Step {
  /** Seconds after the power cut. */
  at: number;
  what: string;
}

const STEP_MARKS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/node (\S+): is dead/, (m) => `heartbeat: ${m[1]} dead`],
  // ResourceManager's "Running /etc/ha.d/resource.d/drbddisk r0 start" (also /etc/init.d/NAME ... start)
  [/Running \S*\/([\w.-]+)\s+.*\bstart\s*$/, (m) => `${m[1]} start`],
  [/drbd0: role\( Secondary -> Primary \)/, () => "DRBD Primary"],
  [/EXT4-fs \(drbd0\): mounted/, () => "/data mounted"],
  [/NFSD: starting (\d+)-second grace period/, (m) => `nfsd up (${m[1]} s grace)`],
  [/takeover complete/, () => "heartbeat: takeover complete"],
];

/**
 * The takeover's steps from `journalctl -o short-unix` on B: heartbeat declaring the peer dead, each resource
 * script as ResourceManager starts it, DRBD's promotion, the mount, nfsd, the end of the takeover. cutOnB is
 * the power cut in B's epoch seconds; the first line of each kind counts.
 */
export function takeoverSteps(journal: string, cutOnB: number): Step[] {
  const out: Step[] = [];
  const seen = new Set<string>();
  for (const line of journal.split("\n")) {
    const t = Number(/^(\d+\.\d+) /.exec(line)?.[1]);
    if (!Number.isFinite(t) || t < cutOnB) continue;
    for (const [re, name] of STEP_MARKS) {
      const m = re.exec(line.trimEnd());
      if (!m) continue;
      const what = name(m);
      if (seen.has(what)) continue;
      seen.add(what);
      out.push({ at: t - cutOnB, what });
    }
  }
  return out;
}

export interface Resync {
  /** Bits of the whole device ("resync bitmap: bits=N" at attach). */
  deviceBits?: number;
  /** The rejoining node's own out-of-sync bits at the handshake ("self UUIDS bits:N"), last handshake. */
  ownBits?: number;
  /** Bits the resync covered ("Began resync as SyncTarget (will sync N KB [B bits set])"), last resync. */
  syncBits?: number;
  syncKiB?: number;
  splitBrain: boolean;
}

/** How much a node resynced, from its DRBD 8.4 kernel lines (dmesg). */
export function rejoinResync(kernel: string): Resync {
  const r: Resync = { splitBrain: /Split-Brain/i.test(kernel) };
  for (const line of kernel.split("\n")) {
    let m = /resync bitmap: bits=(\d+)/.exec(line);
    if (m) r.deviceBits = Number(m[1]);
    m = /drbd\d+: self [0-9A-F:]+ bits:(\d+)/.exec(line);
    if (m) r.ownBits = Number(m[1]);
    m = /Began resync as SyncTarget \(will sync (\d+) KB \[(\d+) bits set\]\)/.exec(line);
    if (m) {
      r.syncKiB = Number(m[1]);
      r.syncBits = Number(m[2]);
    }
  }
  return r;
}
