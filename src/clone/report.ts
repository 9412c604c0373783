// What a clone tells its user while it runs: short ASCII lines on stdout, progress from partclone.
import type { SectionInfo } from "./format.js";
import { formatBytes, formatClock } from "../util/format.js";
import { lastCompletion, ProgressPrinter, type ProgressState } from "./progress.js";

export interface Reporter {
  info(line: string): void;
  /** Progress plumbing for one section: pass onStderr to the pipeline, call done() when it finished. */
  section(section: SectionInfo): { onStderr: (chunk: string) => void; done: (summary: string) => void };
}

export function consoleReporter(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Reporter {
  return {
    info: (line) => out.write(`${line}\n`),
    section(section) {
      const printer = new ProgressPrinter(out);
      const state: ProgressState = {
        label: section.role,
        totalBytes: section.usedBytes,
        startedMs: Date.now(),
        fraction: 0,
      };
      return {
        onStderr(chunk) {
          const f = lastCompletion(chunk);
          if (f === null) return;
          state.fraction = f;
          printer.update(state);
        },
        done(summary) {
          state.fraction = 1;
          printer.finish(state, summary);
        },
      };
    },
  };
}

export function sectionSummary(section: SectionInfo, wireBytes: number | null, startedMs: number): string {
  const secs = (Date.now() - startedMs) / 1000;
  const wire = wireBytes === null ? "" : `, ${formatBytes(wireBytes)} compressed`;
  return `${formatBytes(section.usedBytes)} in use${wire}, ${formatClock(secs)} (${formatBytes(section.usedBytes / Math.max(secs, 0.001))}/s)`;
}
