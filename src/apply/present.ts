// The command line's view of an install: listr2 task lines in ASCII only (the Linux console and serial
// terminals have no glyphs for listr2's Unicode icons and braille spinner). On a local terminal the list
// is redrawn in place; on a serial line and without a terminal (a pipe, a log) it prints plain lines, and
// the copy step's progress only every 10 % or 30 s so a long copy does not flood the output. A serial
// line cannot carry the redrawn list: at 115200 baud the ~1.5 KB repainted ten times a second is more than
// the line moves (seen on the live ISO's ttyS0: garbled, and the emulated UART ate the guest's CPU).
import {
  Listr,
  ListrDefaultRendererLogLevels as D,
  ListrLogLevels as L,
  Spinner,
  type ListrTaskWrapper,
} from "listr2";
import { readlinkSync } from "node:fs";
import type { PlanStep } from "../plan/types.js";
import type { InstallEvent } from "./engine.js";

class AsciiSpinner extends Spinner {
  protected override readonly spinner = ["|", "/", "-", "\\"];
}

type Outcome = "done" | "skipped";

interface Pending {
  promise: Promise<Outcome>;
  resolve: (o: Outcome) => void;
  reject: (e: Error) => void;
  task?: ListrTaskWrapper<unknown, never, never>;
  skipReason?: string;
}

function deferred(): Pending {
  let resolve!: (o: Outcome) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Outcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A step that never starts (the install stopped earlier) must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface Presenter {
  onProgress: (e: InstallEvent) => void;
  /** Resolves when the list has finished drawing (after the engine ended, successfully or not). */
  done: Promise<void>;
}

/** A serial port's device node (PC UARTs, USB serial adapters, ARM UARTs, hypervisor consoles). */
export function isSerialDevice(path: string): boolean {
  return /^\/dev\/(ttyS|ttyUSB|ttyACM|ttyAMA|hvc)\d+$/.test(path);
}

/** Whether the list may be redrawn in place on stdout: a terminal, but not a serial line. */
export function redrawable(): boolean {
  if (process.stdout.isTTY !== true) return false;
  try {
    return !isSerialDevice(readlinkSync("/proc/self/fd/1"));
  } catch {
    return true;
  }
}

/**
 * Draws the steps with listr2 while the engine runs them: each listr2 task waits for its step's events.
 * `tty` decides between the redrawing renderer and plain lines.
 */
export function listrPresenter(steps: PlanStep[], tty = redrawable()): Presenter {
  const pending = new Map(steps.map((s) => [s.id, deferred()]));
  let lastPlainProgress = { at: 0, tenth: -1 };

  const list = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
        const p = pending.get(step.id) as Pending;
        p.task = task;
        const outcome = await p.promise;
        if (outcome === "skipped") task.skip(`${step.title} (${p.skipReason ?? "skipped"})`);
      },
      rendererOptions: { bottomBar: 1, persistentOutput: false },
    })),
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false, // the install command handles Ctrl-C itself: it must unmount first
      renderer: "default",
      fallbackRenderer: "simple",
      fallbackRendererCondition: () => !tty,
      rendererOptions: {
        spinner: new AsciiSpinner(),
        icon: {
          [D.COMPLETED]: "[ok]",
          [D.FAILED]: "[FAIL]",
          [D.FAILED_WITH_FAILED_SUBTASKS]: "[FAIL]",
          [D.PENDING]: "[..]",
          [D.WAITING]: "[  ]",
          [D.SKIPPED_WITH_COLLAPSE]: "[skip]",
          [D.SKIPPED_WITHOUT_COLLAPSE]: "[skip]",
          [D.OUTPUT]: "    ",
          [D.OUTPUT_WITH_BOTTOMBAR]: "    ",
          [D.COMPLETED_WITH_FAILED_SUBTASKS]: "[ok]",
          [D.COMPLETED_WITH_FAILED_SISTER_TASKS]: "[ok]",
          [D.RETRY]: "[retry]",
          [D.ROLLING_BACK]: "[undo]",
          [D.ROLLED_BACK]: "[undone]",
          [D.PAUSED]: "[wait]",
        },
      },
      fallbackRendererOptions: {
        icon: {
          [L.STARTED]: "[..]",
          [L.COMPLETED]: "[ok]",
          [L.FAILED]: "[FAIL]",
          [L.SKIPPED]: "[skip]",
          [L.OUTPUT]: "    ",
          [L.TITLE]: "    ",
          [L.RETRY]: "[retry]",
          [L.ROLLBACK]: "[undo]",
          [L.PROMPT]: "[?]",
          [L.PAUSED]: "[wait]",
        },
      },
    },
  );

  const onProgress = (e: InstallEvent) => {
    const p = pending.get(e.id);
    if (!p) return;
    switch (e.type) {
      case "step-skip":
        p.skipReason = e.reason;
        p.resolve("skipped");
        break;
      case "step-done":
        p.resolve("done");
        break;
      case "step-failed":
        p.reject(new Error(e.message.split("\n")[0] ?? "failed"));
        break;
      case "output":
        if (p.task && tty) p.task.output = e.line;
        break;
      case "copy": {
        if (!p.task) break;
        if (tty) {
          p.task.output = e.text;
          break;
        }
        const now = Date.now();
        const tenth = Math.floor(e.progress.fraction * 10);
        if (tenth > lastPlainProgress.tenth || now - lastPlainProgress.at >= 30_000) {
          lastPlainProgress = { at: now, tenth };
          p.task.output = e.text;
        }
        break;
      }
      case "step-start":
        break;
    }
  };

  const done = list.run().then(
    () => undefined,
    () => undefined, // the engine's own error is what the command reports
  );
  return { onProgress, done };
}
