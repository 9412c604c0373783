// The blessed glue: four boxes (title, body, status, help) and a dialog, filled from the pure view, and
// a loop that feeds keys to the pure reducer and performs its effects. This is the only module in
// src/tui that holds mutable state or talks to blessed.
import blessed from "blessed";
import type { HardwareFacts } from "../probe/facts.js";
import type { Engine, InstallResult, ProgressEvent } from "./engine.js";
import { sha512Crypt } from "./model/passwd.js";
import {
  answerLoaded,
  initWizard,
  installFinished,
  installStarted,
  loadFailed,
  progressEvent,
  progressTick,
  reduce,
  sendListening,
  type Deps,
  type Effect,
  type Key,
  type SavedAnswer,
  type StartChoice,
  type WizardState,
} from "./model/wizard.js";
import { makeTheme } from "./theme.js";
import { renderFrame } from "./view.js";

export type { SavedAnswer };

export interface WizardOptions {
  screen: blessed.Widgets.Screen;
  mono: boolean;
  facts: HardwareFacts;
  engine: Engine;
  /** Pre-fill from this answer (path for display, parsed object). */
  answer?: { path: string; object: unknown };
  demo?: boolean;
  available?: StartChoice[];
  /** Read and parse an answer file; throws an Error whose message is shown to the user. */
  loadAnswer(path: string): Promise<unknown>;
  /** Save the answer (secrets included, mode 0600) before the engine is called. */
  saveAnswer(answer: Record<string, unknown>): Promise<SavedAnswer>;
  hashPassword?: (plain: string) => string;
  now?: () => number;
  secret?: () => string;
  /** How often the progress screen's clock and ETA move while nothing else happens. */
  tickMs?: number;
  /**
   * Aborted when the process is told to stop (SIGTERM, SIGHUP: nobody may be left at the terminal). The
   * wired engine gets the same signal and stops its step; the wizard then ends without waiting for a key,
   * at once when no engine call is running, else as soon as the call has returned.
   */
  signal?: AbortSignal;
}

export type WizardOutcome =
  { kind: "quit" } | { kind: "finished"; ok: boolean; answerPath: string | null; message: string | null };

export interface WizardHandle {
  /** Resolves when the user leaves (quit or after the done screen); the caller destroys the screen. */
  outcome: Promise<WizardOutcome>;
  state(): WizardState;
}

/** blessed's key event -> the reducer's Key. Enter arrives twice ("return" then "enter"); keep one. */
export function toKey(
  ch: string | undefined,
  key: blessed.Widgets.Events.IKeyEventArg | undefined,
): Key | null {
  if (key?.name === "return") return null;
  const name = key?.name ?? ch ?? "";
  if (!name) return null;
  return { name, ch: ch ?? undefined, ctrl: key?.ctrl ?? false, shift: key?.shift ?? false };
}

export function startWizard(opts: WizardOptions): WizardHandle {
  const { screen } = opts;
  const theme = makeTheme(opts.mono);
  const deps: Deps = {
    hashPassword: opts.hashPassword ?? ((p) => sha512Crypt(p)),
    now: opts.now ?? Date.now,
  };
  let state = initWizard({
    facts: opts.facts,
    answer: opts.answer,
    // A simulated engine writes nothing, and every screen says so.
    demo: opts.demo ?? opts.engine.simulated,
    // The start screen offers what the wired engine can do.
    available: opts.available ?? [
      "install",
      "replace",
      "load",
      ...(opts.engine.cloneReceive ? (["receive"] as const) : []),
      ...(opts.engine.cloneSend ? (["send"] as const) : []),
    ],
    secret: opts.secret,
  });
  let resolve: (o: WizardOutcome) => void = () => {};
  const outcome = new Promise<WizardOutcome>((r) => (resolve = r));
  let finished = false;
  let ticker: NodeJS.Timeout | undefined;
  let engineRunning = false;

  const title = blessed.box({ parent: screen, top: 0, left: 0, width: "100%", height: 1, tags: true });
  const body = blessed.box({
    parent: screen,
    top: 1,
    left: 0,
    width: "100%",
    bottom: 2,
    tags: true,
    border: { type: "line" },
  });
  const status = blessed.box({ parent: screen, bottom: 1, left: 0, width: "100%", height: 1, tags: true });
  const help = blessed.box({ parent: screen, bottom: 0, left: 0, width: "100%", height: 1, tags: true });
  const dialog = blessed.box({
    parent: screen,
    top: "center",
    left: "center",
    width: 66,
    height: 8,
    tags: true,
    border: { type: "line" },
    hidden: true,
  });

  function draw(): void {
    const frame = renderFrame(state, theme, { cols: screen.width as number, rows: screen.height as number });
    title.setContent(frame.title);
    body.setContent(frame.body.join("\n"));
    status.setContent(frame.status);
    help.setContent(frame.help);
    if (frame.dialog) {
      dialog.setLabel(frame.dialog.title);
      dialog.height = frame.dialog.lines.length + 2;
      dialog.setContent(frame.dialog.lines.join("\n"));
      dialog.show();
      dialog.setFront();
    } else {
      dialog.hide();
    }
    screen.render();
  }

  let drawQueued = false;
  // Progress events can come in bursts; one redraw per turn of the event loop is plenty.
  function queueDraw(): void {
    if (drawQueued) return;
    drawQueued = true;
    setImmediate(() => {
      drawQueued = false;
      if (!finished) draw();
    });
  }

  function finish(o: WizardOutcome): void {
    if (finished) return;
    finished = true;
    if (ticker) clearInterval(ticker);
    screen.removeListener("keypress", onKeypress);
    screen.removeListener("resize", draw);
    resolve(o);
  }

  /** Runs an engine call with the progress screen's clock and events, then shows the done screen. */
  async function runWithProgress(
    call: (onProgress: (e: ProgressEvent) => void) => Promise<InstallResult>,
    saved: SavedAnswer | null,
  ): Promise<void> {
    // Stopped (a signal) while the answer was being saved: start nothing.
    if (finished) return;
    state = installStarted(state, deps.now());
    draw();
    ticker = setInterval(() => {
      state = progressTick(state, deps.now());
      queueDraw();
    }, opts.tickMs ?? 500);
    const onProgress = (e: ProgressEvent) => {
      state = progressEvent(state, e, deps.now());
      queueDraw();
    };
    let result: InstallResult;
    engineRunning = true;
    try {
      result = await call(onProgress);
    } catch (err) {
      result = { ok: false, message: (err as Error).message };
    } finally {
      engineRunning = false;
    }
    if (ticker) clearInterval(ticker);
    state = installFinished(state, result, saved);
    if (opts.signal?.aborted) {
      finish({
        kind: "finished",
        ok: result.ok,
        answerPath: saved?.path ?? null,
        message: result.message ?? null,
      });
      return;
    }
    draw();
  }

  async function perform(effect: Effect): Promise<void> {
    switch (effect.kind) {
      case "quit":
        if (state.done) {
          finish({
            kind: "finished",
            ok: state.done.ok,
            answerPath: state.done.answerPath,
            message: state.done.message,
          });
        } else {
          finish({ kind: "quit" });
        }
        return;
      case "load":
        try {
          const obj = await opts.loadAnswer(effect.path);
          state = answerLoaded(state, effect.path, obj, opts.secret);
        } catch (err) {
          state = loadFailed(state, `Could not load ${effect.path}: ${(err as Error).message}`);
        }
        draw();
        return;
      case "install": {
        let saved: SavedAnswer;
        try {
          saved = await opts.saveAnswer(effect.answer);
        } catch (err) {
          // Without a saved answer there is nothing to replay or resume from: do not start.
          state = {
            ...state,
            screen: "confirm",
            message: { kind: "error", text: `Could not save the answer file: ${(err as Error).message}` },
          };
          draw();
          return;
        }
        await runWithProgress(
          (onProgress) =>
            opts.engine.install(
              effect.spec,
              {
                nodeName: effect.nodeName,
                diskPath: effect.disk.path,
                answerPath: saved.path,
                facts: opts.facts,
                confirmWipe: true,
              },
              onProgress,
            ),
          saved,
        );
        return;
      }
      case "receive": {
        const receive = opts.engine.cloneReceive?.bind(opts.engine);
        if (!receive) return;
        await runWithProgress(
          (onProgress) =>
            receive(
              {
                host: effect.host,
                port: effect.port,
                code: effect.code,
                diskPath: effect.disk.path,
                spec: effect.spec,
                nodeName: effect.nodeName,
              },
              onProgress,
            ),
          null,
        );
        return;
      }
      case "send": {
        const send = opts.engine.cloneSend?.bind(opts.engine);
        if (!send) return;
        await runWithProgress(
          (onProgress) =>
            send(
              {
                onListening: (code, port) => {
                  state = sendListening(state, code, port);
                  queueDraw();
                },
              },
              onProgress,
            ),
          null,
        );
        return;
      }
    }
  }

  function onKeypress(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): void {
    if (finished) return;
    const k = toKey(ch, key);
    if (!k) return;
    let step;
    try {
      step = reduce(state, k, deps);
    } catch (err) {
      // A bug in one screen must not kill the wizard with the terminal still in raw mode: say what
      // happened and keep the last good state, so the user can go back or quit.
      state = { ...state, message: { kind: "error", text: `internal error: ${(err as Error).message}` } };
      draw();
      return;
    }
    state = step.state;
    draw();
    for (const e of step.effects) {
      perform(e).catch((err: unknown) => {
        state = { ...state, message: { kind: "error", text: `internal error: ${(err as Error).message}` } };
        draw();
      });
    }
  }

  screen.on("keypress", onKeypress);
  screen.on("resize", draw);
  opts.signal?.addEventListener("abort", () => {
    if (!engineRunning) finish({ kind: "quit" });
  });
  draw();
  return { outcome, state: () => state };
}
