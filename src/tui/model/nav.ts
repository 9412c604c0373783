// Moving a cursor, moving between a form's items and editing text: the same keys on every screen, so
// they live here once and the screens only say what their items are.
import type { Key, Message, ScreenId, WizardState } from "./state.js";

export function cursorOf(state: WizardState, screen: ScreenId = state.screen): number {
  return state.cursor[screen] ?? 0;
}

export function go(state: WizardState, screen: ScreenId, message: Message | null = null): WizardState {
  return { ...state, screen, message };
}

export function withCursor(state: WizardState, value: number, screen: ScreenId = state.screen): WizardState {
  return { ...state, cursor: { ...state.cursor, [screen]: value } };
}

export function moveCursor(state: WizardState, delta: number, count: number): WizardState {
  if (count === 0) return state;
  const next = Math.min(count - 1, Math.max(0, cursorOf(state) + delta));
  return withCursor(state, next);
}

/** Keys that move through a list (vi keys too); null when the key is not a move. */
export function listKeys(state: WizardState, key: Key, count: number): WizardState | null {
  switch (key.name) {
    case "up":
    case "k":
      return moveCursor(state, -1, count);
    case "down":
    case "j":
      return moveCursor(state, 1, count);
    case "home":
      return withCursor(state, 0);
    case "end":
      return withCursor(state, Math.max(0, count - 1));
    case "pageup":
      return moveCursor(state, -10, count);
    case "pagedown":
      return moveCursor(state, 10, count);
    default:
      return null;
  }
}

/**
 * Moving between a form's items, the same on every form; undefined when the key is not a move. No vi
 * keys here: j and k are letters the user types into a field.
 */
export function navigateForm(state: WizardState, key: Key, count: number): WizardState | undefined {
  switch (key.name) {
    case "up":
      return moveCursor(state, -1, count);
    case "down":
      return moveCursor(state, 1, count);
    case "tab":
      // Tab cycles round the form like in any dialog; the arrows stop at the ends.
      return withCursor(state, (cursorOf(state) + (key.shift ? count - 1 : 1)) % count);
  }
  return undefined;
}

function isPrintable(key: Key): key is Key & { ch: string } {
  return typeof key.ch === "string" && key.ch.length === 1 && key.ch >= " " && key.ch !== "\x7f" && !key.ctrl;
}

/** Apply a text-editing key; null when the key is not an edit. */
export function editText(value: string, key: Key): string | null {
  if (key.name === "backspace") return value.slice(0, -1);
  if (key.ctrl && key.name === "u") return "";
  if (isPrintable(key)) return value + key.ch;
  return null;
}
