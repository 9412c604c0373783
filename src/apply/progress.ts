// Progress of the copy step, from what the copying tool prints plus the target filesystem's fill level:
// rsync --info=progress2 gives a percentage of the whole transfer, unsquashfs a block count; the bytes
// that actually landed on the target (statfs) give the rate, which both tools report poorly or not at all.
import { formatBytes, formatClock } from "../util/format.js";

/** The fraction done (0..1) a line of rsync or unsquashfs progress output reports, or null. */
export function copyFraction(line: string): number | null {
  // rsync: "  1,234,567,890  45%   12.34MB/s    0:01:02 (xfr#123, to-chk=100/2000)"
  const rsync = /^\s*[\d,.]+\s+(\d{1,3})%\s/.exec(line);
  if (rsync) return Math.min(1, Number(rsync[1]) / 100);
  // unsquashfs: "[=========/      ] 4612/9345  49%"
  const unsq = /\]\s+(\d+)\/(\d+)\s+\d{1,3}%/.exec(line);
  if (unsq) {
    const total = Number(unsq[2]);
    return total > 0 ? Math.min(1, Number(unsq[1]) / total) : null;
  }
  return null;
}

/** Is this line just a progress update (shown, but not worth a log line each)? */
export function isProgressLine(line: string): boolean {
  return copyFraction(line) !== null;
}

export interface CopyProgress {
  fraction: number;
  bytes: number; // bytes written to the target so far
  rateBps: number; // smoothed
  etaSec: number | null;
}

/** Smooths the write rate (EWMA) and estimates the time left from the fraction done. */
export class CopyMeter {
  private readonly start: number;
  private lastBytes = 0;
  private lastTime: number;
  private rate = 0;
  private fraction = 0;

  constructor(
    private readonly baseBytes: number,
    now = Date.now(),
  ) {
    this.start = now;
    this.lastTime = now;
  }

  setFraction(f: number): void {
    if (f > this.fraction) this.fraction = f;
  }

  /** Feed the target's current used bytes; returns the progress to show. */
  sample(usedBytes: number, now = Date.now()): CopyProgress {
    const bytes = Math.max(0, usedBytes - this.baseBytes);
    const dt = (now - this.lastTime) / 1000;
    if (dt > 0) {
      const inst = Math.max(0, bytes - this.lastBytes) / dt;
      this.rate = this.rate === 0 ? inst : 0.7 * this.rate + 0.3 * inst;
      this.lastBytes = bytes;
      this.lastTime = now;
    }
    const elapsed = (now - this.start) / 1000;
    const f = this.fraction;
    const etaSec = f > 0.01 && f < 1 ? Math.round((elapsed * (1 - f)) / f) : null;
    return { fraction: f, bytes, rateBps: this.rate, etaSec };
  }
}

/** "45%  1.2 GiB written  48.3 MiB/s  ETA 0:31" */
export function describeCopy(p: CopyProgress): string {
  return `${Math.round(p.fraction * 100)}%  ${formatBytes(p.bytes)} written  ${formatBytes(p.rateBps)}/s  ETA ${formatClock(p.etaSec)}`;
}
