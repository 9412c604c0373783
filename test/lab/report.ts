// The lab's report: every check with pass/fail, its timing and what was seen; phases with their wall time.
// Written as Markdown (for humans and CI logs) and JSON (for tools), ASCII only.
import { writeFileSync } from "node:fs";
import { KNOWN_FAILURES } from "./known.js";

export type Verdict = "pass" | "fail" | "skip" | "known";

export interface Check {
  id: string;
  title: string;
  verdict: Verdict;
  /** The measured time that matters for this check (e.g. seconds until the client wrote again). */
  seconds?: number;
  detail: string;
}

export interface Phase {
  name: string;
  seconds: number;
}

export class Report {
  readonly checks: Check[] = [];
  readonly phases: Phase[] = [];
  readonly notes: string[] = [];
  readonly started = new Date();

  /** A failing check listed in known.ts is KNOWN (shown with its defect, not failing the run). */
  check(id: string, title: string, ok: boolean, detail: string, seconds?: number): boolean {
    const known = KNOWN_FAILURES[id];
    const verdict: Verdict = ok ? "pass" : known ? "known" : "fail";
    const shown = verdict === "known" ? `${detail} [known defect: ${known}]` : detail;
    this.checks.push({ id, title, verdict, detail: ascii(shown), seconds });
    const t = seconds === undefined ? "" : ` (${seconds.toFixed(1)} s)`;
    console.log(`[lab] ${verdict.toUpperCase()} ${id}: ${title}${t} - ${ascii(shown)}`);
    return ok;
  }

  skip(id: string, title: string, why: string): void {
    this.checks.push({ id, title, verdict: "skip", detail: ascii(why) });
    console.log(`[lab] SKIP ${id}: ${title} - ${ascii(why)}`);
  }

  note(text: string): void {
    this.notes.push(ascii(text));
    console.log(`[lab] note: ${ascii(text)}`);
  }

  /** Runs fn as a named phase and records its wall time, also when it throws. */
  async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    console.log(`[lab] === ${name}`);
    try {
      return await fn();
    } finally {
      const s = (Date.now() - t0) / 1000;
      this.phases.push({ name, seconds: s });
      console.log(`[lab] === ${name}: ${s.toFixed(1)} s`);
    }
  }

  get failed(): Check[] {
    return this.checks.filter((c) => c.verdict === "fail");
  }

  write(mdPath: string, jsonPath: string, extra: { totalSeconds: number; error?: string }): void {
    const ok = this.failed.length === 0 && !extra.error;
    const lines = [
      `# pairboot lab report`,
      "",
      `Started ${this.started.toISOString()}, total ${extra.totalSeconds.toFixed(0)} s. Result: ${ok ? "PASS" : "FAIL"}` +
        ` (${this.checks.filter((c) => c.verdict === "pass").length} passed, ${this.failed.length} failed,` +
        ` ${this.checks.filter((c) => c.verdict === "known").length} known defects (test/lab/known.ts),` +
        ` ${this.checks.filter((c) => c.verdict === "skip").length} skipped).`,
      "",
      ...(extra.error ? [`The run stopped early: ${ascii(extra.error)}`, ""] : []),
      "| # | check | result | time | detail |",
      "|---|---|---|---|---|",
      ...this.checks.map(
        (c, i) =>
          `| ${i + 1} | ${cell(`${c.title} (${c.id})`)} | ${c.verdict.toUpperCase()} | ${c.seconds === undefined ? "" : `${c.seconds.toFixed(1)} s`} | ${cell(c.detail)} |`,
      ),
      "",
      "## Phases",
      "",
      "| phase | seconds |",
      "|---|---|",
      ...this.phases.map((p) => `| ${cell(p.name)} | ${p.seconds.toFixed(1)} |`),
      `| total | ${extra.totalSeconds.toFixed(1)} |`,
      "",
      ...(this.notes.length ? ["## Notes", "", ...this.notes.map((n) => `- ${n}`), ""] : []),
      "Serial consoles, QEMU logs and the commands sent to each console are in logs/ beside this file.",
      "",
    ];
    writeFileSync(mdPath, lines.join("\n"));
    writeFileSync(
      jsonPath,
      JSON.stringify(
        {
          started: this.started.toISOString(),
          totalSeconds: extra.totalSeconds,
          ok,
          error: extra.error,
          checks: this.checks,
          phases: this.phases,
          notes: this.notes,
        },
        null,
        2,
      ) + "\n",
    );
  }
}

/** One table cell: a "|" in the text (|offset|, status lines) would start a new column. */
export function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Printable ASCII only (tabs and newlines kept), for reports read on serial consoles and CI logs. */
export function ascii(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[^\x09\x0a\x20-\x7e]/g, "?");
}
