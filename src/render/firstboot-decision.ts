// What a node's first boot does with its replicated storage, decided from DRBD's own state: one table,
// read by the pure function below (unit-tested) and rendered as the first-boot script's `case` (so the
// script cannot decide otherwise). First matching row wins.
//
// The facts, as the script reads them once DRBD is up:
//   preferred  this node is the answer's first node (the one that makes the filesystem of a new pair);
//   link       DRBD talks to the peer: any connection state past the handshake (Connected, a resync);
//   local      "new": this node's current generation identifier is DRBD's "just created" value
//              (0000000000000004, what create-md writes), so its disk holds nothing yet; else "data";
//   peer       the peer's disk as DRBD reports it once linked: Inconsistent -> "new" (nothing yet, or
//              behind us); UpToDate, Consistent or Outdated -> "data"; anything else -> "unknown";
//   alone      the user allowed a new preferred node to start without its peer (a file it touched).

export type Link = "up" | "down";
export type LocalDisk = "new" | "data";
export type PeerDisk = "new" | "data" | "unknown";

export interface FirstBootFacts {
  preferred: boolean;
  link: Link;
  local: LocalDisk;
  peer: PeerDisk;
  alone: boolean;
}

export type FirstBootDecision =
  /** Both sides new, this is the preferred node: skip the initial sync, make the filesystem, seed. */
  | "seed-new-pair"
  /** Both sides new, the other node: wait until the preferred node made the data UpToDate. */
  | "follow-new-pair"
  /** This disk is blank, the peer has data: a replacement. Full sync from the peer; no mkfs, no Primary. */
  | "join-replacement"
  /** This disk has data: whatever DRBD syncs, nothing is created; wait until UpToDate. */
  | "rejoin"
  /** The peer has not linked (or has no disk): wait; Heartbeat stays stopped. */
  | "wait-for-peer"
  /** A new preferred node whose user said the peer will not come: force Primary, make the filesystem. */
  | "seed-alone";

export interface FirstBootRow {
  when: Partial<FirstBootFacts>;
  decision: FirstBootDecision;
  why: string;
}

export const FIRSTBOOT_TABLE: readonly FirstBootRow[] = [
  {
    when: { link: "up", local: "new", peer: "new", preferred: true },
    decision: "seed-new-pair",
    why: "both sides new: skip the initial sync, make the filesystem here",
  },
  {
    when: { link: "up", local: "new", peer: "new", preferred: false },
    decision: "follow-new-pair",
    why: "both sides new: the preferred node makes the filesystem",
  },
  {
    when: { link: "up", local: "new", peer: "data" },
    decision: "join-replacement",
    why: "this disk is blank and the peer has data: full sync from the peer, never mkfs or force Primary",
  },
  {
    when: { link: "up", local: "data" },
    decision: "rejoin",
    why: "this disk has data: DRBD resyncs what differs, nothing is created",
  },
  {
    when: { link: "down", local: "new", preferred: true, alone: true },
    decision: "seed-alone",
    why: "new preferred node, and the user said the peer will not come: going ahead alone",
  },
  {
    when: {},
    decision: "wait-for-peer",
    why: "the peer's data is not known yet: waiting, Heartbeat stays stopped",
  },
];

export function decideFirstBoot(f: FirstBootFacts): FirstBootRow {
  const row = FIRSTBOOT_TABLE.find((r) =>
    (Object.keys(r.when) as (keyof FirstBootFacts)[]).every((k) => r.when[k] === f[k]),
  );
  // The last row matches everything.
  return row as FirstBootRow;
}

/** Every combination of facts, for tests that hold the script to the table. */
export function allFirstBootFacts(): FirstBootFacts[] {
  const out: FirstBootFacts[] = [];
  for (const preferred of [true, false])
    for (const link of ["up", "down"] as const)
      for (const local of ["new", "data"] as const)
        for (const peer of ["new", "data", "unknown"] as const)
          for (const alone of [true, false]) out.push({ preferred, link, local, peer, alone });
  return out;
}

/** The facts as the script's words: "preferred|other up|down new|data new|data|unknown alone|wait". */
export function factWords(f: FirstBootFacts): string[] {
  return [f.preferred ? "preferred" : "other", f.link, f.local, f.peer, f.alone ? "alone" : "wait"];
}

/** The table as a bash function: `decide PREF LINK LOCAL PEER ALONE` prints the decision. */
export function decideShell(): string {
  const word = (row: FirstBootRow, k: keyof FirstBootFacts, yes: string, no?: string): string => {
    const v = row.when[k];
    if (v === undefined) return "*";
    if (typeof v === "boolean") return v ? yes : (no as string);
    return v;
  };
  const arms = FIRSTBOOT_TABLE.map((row) => {
    const pattern = [
      word(row, "preferred", "preferred", "other"),
      word(row, "link", ""),
      word(row, "local", ""),
      word(row, "peer", ""),
      word(row, "alone", "alone", "wait"),
    ].join("/");
    return `    ${pattern}) echo ${row.decision} ;; # ${row.why}`;
  });
  return [
    "# The decision table of src/render/firstboot-decision.ts, first match wins.",
    "decide() {",
    '  case "$1/$2/$3/$4/$5" in',
    ...arms,
    "  esac",
    "}",
  ].join("\n");
}
