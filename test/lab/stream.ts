// The client's numbered record stream, judged after the faults. Pure functions, so the rules are unit-tested
// without VMs (test/unit/lab-stream.test.ts).
//
// The writer in the client VM appends "SEQ EPOCH" to a file on the NFS mount and, only once that append
// (a sync mount, closed file) returned, the same line to a local file: that local file is the list of
// acknowledged records. The server's copy must hold every acknowledged record, once, in order.

export interface StreamRecord {
  seq: number;
  /** Client clock, seconds since the epoch. */
  t: number;
}

export function parseRecords(text: string): { records: StreamRecord[]; bad: string[] } {
  const records: StreamRecord[] = [];
  const bad: string[] = [];
  for (const line of text.split("\n")) {
    const l = line.trim();
    if (!l) continue;
    const m = /^(\d+) (\d+(?:\.\d+)?)$/.exec(l);
    if (!m) bad.push(l);
    else records.push({ seq: Number(m[1]), t: Number(m[2]) });
  }
  return { records, bad };
}

export interface StreamVerdict {
  ok: boolean;
  acked: number;
  onServer: number;
  /** Acknowledged records missing from the server's file. */
  lost: number[];
  /** Places where the server's sequence does not go up by exactly one. */
  disorder: string[];
  badLines: string[];
}

/** Every acknowledged record on the server, the server's sequence 1, 2, 3, ... with nothing twice. */
export function judgeStream(serverText: string, ackedText: string): StreamVerdict {
  const server = parseRecords(serverText);
  const acked = parseRecords(ackedText);
  const have = new Set(server.records.map((r) => r.seq));
  const lost = acked.records.map((r) => r.seq).filter((s) => !have.has(s));
  const disorder: string[] = [];
  server.records.forEach((r, i) => {
    const want = i + 1;
    if (r.seq !== want && disorder.length < 10) disorder.push(`line ${i + 1} holds record ${r.seq}`);
  });
  const badLines = [...server.bad, ...acked.bad].slice(0, 10);
  return {
    ok: lost.length === 0 && disorder.length === 0 && badLines.length === 0,
    acked: acked.records.length,
    onServer: server.records.length,
    lost: lost.slice(0, 20),
    disorder,
    badLines,
  };
}

export interface Gap {
  /** Seconds between two consecutive acknowledged records. */
  seconds: number;
  afterSeq: number;
  /** Client time of the record before the gap. */
  from: number;
  to: number;
}

/** The longest pause between consecutive acknowledged records whose pause overlaps [from, to] (client clock). */
export function largestGap(records: StreamRecord[], from: number, to: number): Gap | null {
  let best: Gap | null = null;
  for (let i = 1; i < records.length; i++) {
    const a = records[i - 1] as StreamRecord;
    const b = records[i] as StreamRecord;
    if (b.t < from || a.t > to) continue;
    const g = b.t - a.t;
    if (!best || g > best.seconds) best = { seconds: g, afterSeq: a.seq, from: a.t, to: b.t };
  }
  return best;
}

/** The first acknowledged record written at or after `t` (client clock). */
export function firstAfter(records: StreamRecord[], t: number): StreamRecord | null {
  return records.find((r) => r.t >= t) ?? null;
}
