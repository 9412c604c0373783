// The progress screen's state: the engine's task list folded from its events, with an overall ratio and
// an ETA. Time is passed in, never read here, so the ETA is testable.
import type { ProgressEvent } from "../engine.js";

export type TaskState = "pending" | "running" | "done" | "skipped" | "failed";

export interface TaskRow {
  id: string;
  title: string;
  state: TaskState;
  ratio: number;
  detail: string;
}

export interface ProgressState {
  tasks: TaskRow[];
  startedAt: number;
  now: number;
  log: string[];
  finished: boolean;
}

export function startProgress(now: number): ProgressState {
  return { tasks: [], startedAt: now, now, log: [], finished: false };
}

const LOG_KEEP = 50;

export function applyEvent(p: ProgressState, e: ProgressEvent, now: number): ProgressState {
  const update = (id: string, change: Partial<TaskRow>): TaskRow[] => {
    const known = p.tasks.some((t) => t.id === id);
    const tasks = known
      ? p.tasks
      : [...p.tasks, { id, title: id, state: "pending" as const, ratio: 0, detail: "" }];
    return tasks.map((t) => (t.id === id ? { ...t, ...change } : t));
  };
  switch (e.type) {
    case "plan":
      return {
        ...p,
        now,
        tasks: e.tasks.map((t) => ({ id: t.id, title: t.title, state: "pending", ratio: 0, detail: "" })),
      };
    case "start":
      return {
        ...p,
        now,
        tasks: update(e.id, { state: "running", ratio: 0, ...(e.title ? { title: e.title } : {}) }),
      };
    case "progress":
      return {
        ...p,
        now,
        tasks: update(e.id, {
          state: "running",
          ratio: Math.min(1, Math.max(0, e.ratio)),
          detail: e.detail ?? "",
        }),
      };
    case "done":
      return { ...p, now, tasks: update(e.id, { state: "done", ratio: 1, detail: "" }) };
    case "skip":
      return { ...p, now, tasks: update(e.id, { state: "skipped", ratio: 1, detail: e.reason ?? "" }) };
    case "fail":
      return { ...p, now, tasks: update(e.id, { state: "failed", detail: e.message }) };
    case "log":
      return { ...p, now, log: [...p.log, e.line].slice(-LOG_KEEP) };
  }
}

export function tick(p: ProgressState, now: number): ProgressState {
  return { ...p, now };
}

/** Every task weighs the same: the engine's steps are not comparable in bytes. */
export function overallRatio(p: ProgressState): number {
  if (p.tasks.length === 0) return 0;
  const sum = p.tasks.reduce(
    (acc, t) => acc + (t.state === "pending" ? 0 : t.state === "running" ? t.ratio : 1),
    0,
  );
  return sum / p.tasks.length;
}

/** Seconds left, extrapolated from the time spent so far; null until there is something to extrapolate. */
export function etaSeconds(p: ProgressState): number | null {
  const r = overallRatio(p);
  const elapsed = (p.now - p.startedAt) / 1000;
  if (r <= 0.02 || elapsed < 1 || r >= 1) return r >= 1 ? 0 : null;
  return (elapsed * (1 - r)) / r;
}

export const MARKS: Record<TaskState, string> = {
  pending: "[  ]",
  running: "[..]",
  done: "[ok]",
  skipped: "[--]",
  failed: "[!!]",
};
