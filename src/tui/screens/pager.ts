// One rendered file (or the answer) from the review, scrolled a page at a time.
import { fit } from "../model/format.js";
import { go } from "../model/nav.js";
import { esc } from "../theme.js";
import type { Screen } from "./screen.js";

/** Lines per pager page: what fits in the body of an 80x24 screen under the title and over the footer. */
export const PAGER_PAGE = 17;

const DELTA: Record<string, number> = {
  up: -1,
  down: 1,
  k: -1,
  j: 1,
  pageup: -PAGER_PAGE,
  pagedown: PAGER_PAGE,
  space: PAGER_PAGE,
  home: -Infinity,
  end: Infinity,
};

export const pager: Screen = {
  id: "pager",
  title: () => "step 4 of 5: review",
  back: "review",
  // q closes the pager (as in less), so it cannot also quit the wizard here.
  quit: null,
  help: () => "Up/Down/PgUp/PgDn scroll  Esc back  F1 help",

  reduce(state, key) {
    const p = state.pager;
    if (!p) return { state: go(state, "review"), effects: [] };
    if (key.name === "enter" || key.name === "q")
      return { state: go({ ...state, pager: null }, "review"), effects: [] };
    const d = DELTA[key.name];
    if (d === undefined) return { state, effects: [] };
    const max = Math.max(0, p.lines.length - PAGER_PAGE);
    const top = Math.min(max, Math.max(0, p.top + d));
    return { state: { ...state, pager: { ...p, top } }, effects: [] };
  },

  body(state, theme, size) {
    const p = state.pager;
    if (!p) return [];
    const height = Math.min(size.rows - 2, PAGER_PAGE);
    const shown = p.lines.slice(p.top, p.top + height);
    const end = Math.min(p.lines.length, p.top + height);
    return [
      theme.heading(fit(` ${p.title}`, size.cols)),
      ...shown.map((l) => esc(fit(l, size.cols))),
      theme.quiet(
        fit(` -- lines ${p.lines.length === 0 ? 0 : p.top + 1}-${end} of ${p.lines.length} --`, size.cols),
      ),
    ];
  },
};
