// The results of effects, fed back into the state by the app (src/tui/app.ts): an answer file read, the
// sender listening, engine progress and the engine's end.
import type { InstallResult, ProgressEvent } from "../engine.js";
import { cursorOnChosenDisk } from "./derived.js";
import { createDraft } from "./draft.js";
import { applyEvent, startProgress, tick } from "./progress.js";
import { allTargets, type SavedAnswer, type WizardState } from "./state.js";

/** A loaded answer pre-fills the draft and opens the disk screen of the flow the user is in. */
export function answerLoaded(
  state: WizardState,
  path: string,
  object: unknown,
  secret?: () => string,
): WizardState {
  const draft = createDraft(state.facts, object, secret);
  return cursorOnChosenDisk({
    ...state,
    draft,
    answerSource: path,
    shown: allTargets(),
    screen: "disk",
    cursor: {},
    message: { kind: "info", text: `Pre-filled from ${path}: review each screen and change what you need.` },
  });
}

export function sendListening(state: WizardState, code: string, port: number): WizardState {
  return { ...state, sendInfo: { code, port } };
}

export function loadFailed(state: WizardState, message: string): WizardState {
  return { ...state, message: { kind: "error", text: message } };
}

export function installStarted(state: WizardState, now: number): WizardState {
  return { ...state, progress: startProgress(now) };
}

export function progressEvent(state: WizardState, e: ProgressEvent, now: number): WizardState {
  return { ...state, progress: applyEvent(state.progress ?? startProgress(now), e, now) };
}

export function progressTick(state: WizardState, now: number): WizardState {
  return state.progress ? { ...state, progress: tick(state.progress, now) } : state;
}

export function installFinished(
  state: WizardState,
  result: InstallResult,
  saved: SavedAnswer | null,
): WizardState {
  return {
    ...state,
    screen: "done",
    progress: state.progress ? { ...state.progress, finished: true } : null,
    done: {
      ok: result.ok,
      answerPath: saved?.path ?? null,
      saved,
      message: result.message ?? null,
    },
  };
}
