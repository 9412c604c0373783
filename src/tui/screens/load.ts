// Load an answer file: a path to type. The app reads the file and feeds it back (answerLoaded).
import { fit, fitTail } from "../model/format.js";
import { editText } from "../model/nav.js";
import type { Screen } from "./screen.js";
import { LABEL_W, errorLines, prose } from "./text.js";

export const load: Screen = {
  id: "load",
  title: () => "load an answer file",
  back: "start",
  editing: () => true,
  help: (_s, k) => `Type the path  Enter load  Esc back  ${k.help}  ${k.quit}`,

  reduce(state, key) {
    if (key.name === "enter") {
      const path = state.loadPath.trim();
      if (!path) {
        return {
          state: { ...state, message: { kind: "error", text: "type the answer file's path" } },
          effects: [],
        };
      }
      return {
        state: { ...state, message: { kind: "info", text: `Loading ${path} ...` } },
        effects: [{ kind: "load", path }],
      };
    }
    const edited = editText(state.loadPath, key);
    return { state: edited === null ? state : { ...state, loadPath: edited }, effects: [] };
  },

  body(state, theme, size) {
    return [
      "",
      ...prose(
        "Type the path of a pairboot answer file (YAML). Every screen is then pre-filled from it; you review each one and may change any value.",
        size,
      ),
      "",
      `  ${fit("Answer file", LABEL_W)} ${theme.selected(`[${fitTail(state.loadPath, size.cols - LABEL_W - 8)}]`)}`,
      "",
      // A YAML error names file:line:col and is longer than the status line: show all of it here.
      ...(state.message?.kind === "error" ? errorLines(theme, state.message.text.split("; "), size, 2) : []),
    ];
  },
};
