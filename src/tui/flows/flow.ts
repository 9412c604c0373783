// A flow is the order of a run's screens: data, so a new kind of run (replacing a node, say) is one
// more flow file that lists the screens it needs, reusing the rest.
import type { Mode, ScreenId, Step, WizardState } from "../model/state.js";
import type { Screen } from "../screens/screen.js";

export interface Flow {
  id: Mode;
  /** The screens in order, the start screen first: Next goes one on, Esc one back. */
  steps: Screen[];
  /** Screens opened from a step that return to it (the review's pager). */
  extras?: Screen[];
  /** Why the flow cannot start from this state (said on the start screen); null when it can. */
  refuse?(state: WizardState): string | null;
  /** What starting the flow does besides showing its second screen (open a disk list, start an engine). */
  enter?(state: WizardState): Step;
}

/** The screen after `id` in the flow; the last step, and a screen that is no step, stay where they are. */
export function nextScreen(flow: Flow, id: ScreenId): ScreenId {
  const i = flow.steps.findIndex((s) => s.id === id);
  return i < 0 ? id : (flow.steps[i + 1]?.id ?? id);
}

/** Where Esc goes from `screen` in `flow`: what the screen says, else the step before it. */
export function previousScreen(flow: Flow, screen: Screen): ScreenId | "quit" | null {
  if (screen.back !== undefined) return screen.back;
  const i = flow.steps.findIndex((s) => s.id === screen.id);
  return i > 0 ? (flow.steps[i - 1]?.id ?? null) : null;
}
