// The engine at work: the task list, a bar with an ETA, and the last log lines. Keys do nothing here
// but F1: quitting is refused (see `busy`), because the user's Ctrl-C would leave a half-written disk.
// SIGTERM and SIGHUP do stop the engine cleanly (app.ts aborts it), for when nobody is at the terminal.
import { bar, fit, formatDuration } from "../model/format.js";
import { MARKS, etaSeconds, overallRatio } from "../model/progress.js";
import type { WizardState } from "../model/state.js";
import { esc, type Theme } from "../theme.js";
import type { Screen, Size } from "./screen.js";
import { prose } from "./text.js";

export interface ProgressText {
  title: string;
  /** The heading; `disk` is the disk being written, when there is one. */
  heading(disk: string | undefined): string;
  /** The help line while the engine runs. */
  waiting: string;
  /** Why q and Ctrl-C are refused. */
  busy: string;
  /** Lines above the task list (the sender's pairing code). */
  above?(state: WizardState, theme: Theme, size: Size): string[];
}

export function progressScreen(text: ProgressText): Screen {
  return {
    id: "progress",
    title: () => text.title,
    back: null,
    keepsMessage: true,
    help: () => text.waiting,
    quit: (state) => ({ state: { ...state, message: { kind: "error", text: text.busy } }, effects: [] }),
    reduce: (state) => ({ state, effects: [] }),

    body(state, theme, size) {
      const p = state.progress;
      const sim = state.demo ? " (simulated)" : "";
      const out: string[] = [
        theme.heading(fit(`${text.heading(state.installing?.disk.path)}${sim}`, size.cols)),
        "",
        ...(text.above?.(state, theme, size) ?? []),
      ];
      if (!p) return [...out, esc("  starting ...")];
      const r = overallRatio(p);
      const eta = etaSeconds(p);
      const elapsed = (p.now - p.startedAt) / 1000;
      out.push(
        esc(
          ` ${bar(r, 42)} ${String(Math.round(r * 100)).padStart(3)}%  ${formatDuration(elapsed)} elapsed, ETA ${eta === null ? "--:--" : formatDuration(eta)}`,
        ),
      );
      out.push("");
      for (const t of p.tasks) {
        const pct =
          t.state === "running" && t.ratio > 0 ? ` ${String(Math.round(t.ratio * 100)).padStart(3)}%` : "";
        const line = fit(` ${MARKS[t.state]} ${t.title}${pct}`, size.cols);
        out.push(
          t.state === "running" ? theme.heading(line) : t.state === "failed" ? theme.error(line) : esc(line),
        );
        if (t.detail && (t.state === "running" || t.state === "failed" || t.state === "skipped")) {
          out.push(esc(fit(`        ${t.detail}`, size.cols)));
        }
      }
      const room = size.rows - out.length - 1;
      if (room > 0 && p.log.length > 0) {
        out.push("");
        out.push(...p.log.slice(-room + 1).map((l) => theme.quiet(fit(`  ${l}`, size.cols))));
      }
      return out.slice(0, size.rows);
    },
  };
}

/** The sender's pairing code and what to do with it on node B. */
export function pairingLines(state: WizardState, theme: Theme, size: Size): string[] {
  const out: string[] = [];
  if (state.sendInfo) {
    out.push(theme.selected(fit(`  Pairing code:  ${state.sendInfo.code}  `, 40)));
    out.push(
      ...prose(
        `On node B: boot the stick, choose "Receive a clone as node B", and type this node's address (port ${state.sendInfo.port}) and the code.`,
        size,
      ),
    );
  } else {
    out.push(esc("  preparing ..."));
  }
  out.push("");
  return out;
}
