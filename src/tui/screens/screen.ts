// What a screen is: its title, its keys (a pure reducer), its body and its help line. A flow
// (src/tui/flows) lists screens in order; the dispatcher in model/wizard.ts handles the keys every
// screen shares (help, quit, Esc) and hands the rest to the screen on show.
import type { Theme } from "../theme.js";
import type { Deps, Effect, FocusItem, Key, Mode, ScreenId, Step, WizardState } from "../model/state.js";

export interface Size {
  cols: number;
  rows: number;
}

/** What the dispatcher tells a screen about the flow it runs in. */
export interface Ctx extends Deps {
  /** The screen after this one in the running flow. */
  next: ScreenId;
  /** Start a flow (the start screen's choice): where it goes, or why it cannot start. */
  enter(
    state: WizardState,
    mode: Mode,
  ): { ok: true; screen: ScreenId; state: WizardState; effects: Effect[] } | { ok: false; message: string };
}

/** The help line's words for help and quit, which differ while a text field has the keyboard. */
export interface HelpKeys {
  help: string;
  quit: string;
}

export interface Screen {
  id: ScreenId;
  title(state: WizardState): string;
  reduce(state: WizardState, key: Key, ctx: Ctx): Step;
  body(state: WizardState, theme: Theme, size: Size): string[];
  help(state: WizardState, keys: HelpKeys): string;
  /** The form's items in focus order; forms only. */
  focusItems?(state: WizardState): FocusItem[];
  /** True while typed letters go into a text field (then q and ? are text, not commands). */
  editing?(state: WizardState): boolean;
  /**
   * Where Esc goes: a screen id, "quit" (ask first), or null (nowhere: the engine is running or has
   * finished). Undefined: the screen before this one in the flow.
   */
  back?: ScreenId | "quit" | null;
  /** What q and Ctrl-C do here; undefined asks first, null leaves the key to the screen (the pager's q). */
  quit?: ((state: WizardState) => Step) | null;
  /** Keys do not clear the status line here: it holds what the engine or the last refusal said. */
  keepsMessage?: boolean;
}
