// The wizard as a pure state machine: (state, key) -> (new state, effects). Effects are the only way
// out (load a file, start the engine, quit); src/tui/app.ts performs them and feeds results back through
// model/results.ts. Nothing here touches a terminal, a file or the clock.
//
// This module holds the keys every screen shares (help, quit, Esc) and hands the rest to the screen on
// show (src/tui/screens); the flows (src/tui/flows) say which screens a run has and in which order.
import { flowOf, screenOf, ctxFor } from "../flows/index.js";
import { previousScreen } from "../flows/flow.js";
import { go } from "./nav.js";
import type { Deps, FocusItem, Key, Step, WizardState } from "./state.js";

export * from "./state.js";
export { cursorOf } from "./nav.js";
export {
  answerLoaded,
  installFinished,
  installStarted,
  loadFailed,
  progressEvent,
  progressTick,
  sendListening,
} from "./results.js";

/** The items of the form on show, in focus order; empty on screens that are not forms. */
export function focusItems(state: WizardState): FocusItem[] {
  return screenOf(state).focusItems?.(state) ?? [];
}

/** True while typed letters go into a text field, so q and ? are text rather than commands. */
export function isEditing(state: WizardState): boolean {
  if (state.overlay) return false;
  return screenOf(state).editing?.(state) ?? false;
}

export function reduce(state: WizardState, key: Key, deps: Deps): Step {
  const none = (s: WizardState): Step => ({ state: s, effects: [] });

  if (state.overlay === "help") return none({ ...state, overlay: null });
  if (state.overlay === "quit") {
    if (key.ch === "y" || key.ch === "Y")
      return { state: { ...state, overlay: null }, effects: [{ kind: "quit" }] };
    if (key.ch === "n" || key.ch === "N" || key.name === "escape" || key.name === "enter") {
      return none({ ...state, overlay: null });
    }
    return none(state);
  }

  const screen = screenOf(state);
  const editing = isEditing(state);
  if (key.name === "f1" || (!editing && key.ch === "?")) return none({ ...state, overlay: "help" });
  const wantsQuit = (key.ctrl && key.name === "c") || (!editing && key.name === "q" && !key.ctrl);
  if (wantsQuit && screen.quit !== null) {
    // While the engine runs the progress screen refuses: Ctrl-C would leave a half-written disk. A
    // SIGTERM or SIGHUP still stops it cleanly, through the abort signal app.ts hands the engine.
    return screen.quit ? screen.quit(state) : none({ ...state, overlay: "quit" });
  }

  if (key.name === "escape") {
    const back = previousScreen(flowOf(state), screen);
    if (back === "quit") return none({ ...state, overlay: "quit" });
    return none(back ? go(state, back, null) : state);
  }

  const ctx = ctxFor(state, deps);
  return screen.reduce(screen.keepsMessage ? state : { ...state, message: null }, key, ctx);
}
