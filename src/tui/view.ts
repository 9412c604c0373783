// Pure views: wizard state -> the text of each part of the frame (title bar, body, status line, help
// line, optional dialog), with blessed tags from the theme. app.ts only copies these strings into boxes,
// so what the user sees is decided here and in the screens (src/tui/screens), and can be tested without
// a terminal. This module draws what every screen shares; the body, title and help come from the screen.
import { screenOf } from "./flows/index.js";
import { fit } from "./model/format.js";
import { isEditing, type WizardState } from "./model/wizard.js";
import type { Size } from "./screens/screen.js";
import { esc, type Theme } from "./theme.js";

export type { Size } from "./screens/screen.js";
export { FIELD_INFO } from "./screens/form.js";

export interface Frame {
  title: string;
  body: string[];
  status: string;
  help: string;
  dialog: { title: string; lines: string[] } | null;
}

/** Body area inside the border: the title, status and help lines plus the border take 5 rows, 2 columns. */
export function bodySize(size: Size): Size {
  return { cols: Math.max(20, size.cols - 2), rows: Math.max(4, size.rows - 5) };
}

export function renderFrame(state: WizardState, theme: Theme, size: Size): Frame {
  const body = bodySize(size);
  const screen = screenOf(state);
  const demo = state.demo ? "  [DEMO: nothing is written]" : "";
  const title = fit(` pairboot wizard - ${screen.title(state)}${demo}`, size.cols);
  return {
    title: theme.mono
      ? `{inverse}${esc(title)}{/inverse}`
      : `{white-fg}{blue-bg}${esc(title)}{/blue-bg}{/white-fg}`,
    body: screen.body(state, theme, body),
    status: statusLine(state, theme, size.cols),
    help: esc(fit(helpLine(state), size.cols)),
    dialog: dialog(state, theme, body),
  };
}

function statusLine(state: WizardState, theme: Theme, cols: number): string {
  const m = state.message;
  if (!m) return "";
  const text = fit(m.text, cols);
  return m.kind === "error" ? theme.error(text) : esc(text);
}

export function helpLine(state: WizardState): string {
  const editing = isEditing(state);
  return screenOf(state).help(state, {
    quit: editing ? "^C quit" : "q quit",
    help: editing ? "F1 help" : "F1/? help",
  });
}

function dialog(state: WizardState, theme: Theme, size: Size): Frame["dialog"] {
  if (state.overlay === "quit") {
    return {
      title: " Quit? ",
      lines: [
        "",
        esc(" Quit the wizard? Nothing has been written to any disk."),
        "",
        ` ${theme.selected(" y ")} quit      ${esc("n / Esc: stay")}`,
      ],
    };
  }
  if (state.overlay === "help") {
    const lines = [
      "Tab, Down        next field or row",
      "Shift-Tab, Up    previous field or row",
      "Enter            choose / next field / press the button",
      "Space            give a NIC a role (network screen)",
      "Backspace, ^U    delete a character / clear the field",
      "Esc              back one screen",
      "F1, ?            this help (? only outside text fields)",
      "q, Ctrl-C        quit (asks first; q only outside text fields)",
      "",
      "Values are checked as you type; a ! marks an entry that",
      "keeps you on the screen. Nothing is written before the",
      "confirm screen, where you type the disk's name.",
      "",
      "Press any key to close this help.",
    ];
    return { title: " Help ", lines: lines.map((l) => esc(` ${fit(l, Math.min(62, size.cols - 6))}`)) };
  }
  return null;
}
