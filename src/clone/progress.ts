// Progress of a clone, read from partclone's own progress output (a side channel: the disk data never
// passes through Node). partclone prints "Completed:  42.00%" between carriage returns; we turn the
// percentage of the section's used bytes into a rate and an ETA, printed in plain ASCII.
import { formatBytes, formatClock } from "../util/format.js";

export interface ProgressState {
  label: string;
  totalBytes: number;
  startedMs: number;
  fraction: number;
}

const COMPLETED_RE = /Completed:\s*([\d.]+)%/g;

/** The last completion percentage in a chunk of partclone's stderr, as a fraction, or null. */
export function lastCompletion(chunk: string): number | null {
  let last: number | null = null;
  for (const m of chunk.matchAll(COMPLETED_RE)) {
    const v = Number(m[1]);
    if (Number.isFinite(v)) last = Math.min(1, Math.max(0, v / 100));
  }
  return last;
}

/** One progress line: "os    42%  612.0 MiB of 1.4 GiB  85.3 MiB/s  ETA 0:09". */
export function progressLine(state: ProgressState, nowMs: number): string {
  const done = state.totalBytes * state.fraction;
  const secs = (nowMs - state.startedMs) / 1000;
  const rate = secs > 0.2 ? done / secs : 0;
  const eta = formatClock(rate > 0 ? (state.totalBytes - done) / rate : null);
  const pct = `${Math.floor(state.fraction * 100)}%`.padStart(4);
  return `${state.label.padEnd(5)} ${pct}  ${formatBytes(done)} of ${formatBytes(state.totalBytes)}  ${formatBytes(rate)}/s  ETA ${eta}`;
}

/**
 * Prints progress lines without flooding: on a terminal one line rewritten in place a few times a
 * second, otherwise (logs, serial consoles captured to a file) a new line every few seconds.
 */
export class ProgressPrinter {
  private lastPrint = 0;
  private readonly tty: boolean;
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly intervalMs = out.isTTY ? 250 : 5000,
  ) {
    this.tty = out.isTTY === true;
  }
  update(state: ProgressState, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    const line = progressLine(state, now);
    this.out.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }
  finish(state: ProgressState, summary: string): void {
    this.out.write(`${this.tty ? "\r\x1b[K" : ""}${state.label.padEnd(5)} done  ${summary}\n`);
  }
}
