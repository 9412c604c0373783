// The flows by mode, and which screen object is on show: a flow's own screens first, then the ones
// every flow shares (loading an answer from the start screen).
import type { Deps, Mode, ScreenId, WizardState } from "../model/state.js";
import { load } from "../screens/load.js";
import type { Ctx, Screen } from "../screens/screen.js";
import { nextScreen, type Flow } from "./flow.js";
import { install } from "./install.js";
import { receive } from "./receive.js";
import { replace } from "./replace.js";
import { send } from "./send.js";

export const FLOWS: Record<Mode, Flow> = { install, receive, send, replace };

const SHARED: Screen[] = [load];

export function flowOf(state: WizardState): Flow {
  return FLOWS[state.mode];
}

export function screenOf(state: WizardState): Screen {
  const flow = flowOf(state);
  const found = [...flow.steps, ...(flow.extras ?? []), ...SHARED].find((s) => s.id === state.screen);
  if (!found) throw new Error(`the ${flow.id} flow has no "${state.screen}" screen`);
  return found;
}

/** What a screen's reducer is told about its flow. */
export function ctxFor(state: WizardState, deps: Deps): Ctx {
  return {
    ...deps,
    next: nextScreen(flowOf(state), state.screen),
    enter(from, mode) {
      const flow = FLOWS[mode];
      const refusal = flow.refuse?.(from) ?? null;
      if (refusal !== null) return { ok: false, message: refusal };
      const entered = flow.enter?.({ ...from, mode }) ?? { state: { ...from, mode }, effects: [] };
      const second: ScreenId = flow.steps[1]?.id ?? "start";
      return { ok: true, screen: second, ...entered };
    },
  };
}
