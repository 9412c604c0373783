// Text building blocks every screen's body uses: wrapped prose, error lines, a scrolling viewport and
// the form's column widths, so the screens line up with each other.
import { wrap } from "../model/format.js";
import { esc, type Theme } from "../theme.js";
import type { Size } from "./screen.js";

export const LABEL_W = 22;
export const VALUE_W = 30;

export function prose(text: string, size: Size, indent = 1): string[] {
  const pad = " ".repeat(indent);
  return wrap(text, size.cols - indent - 1).map((l) => esc(pad + l));
}

/**
 * Show `lines` in `height` rows. Scroll only as far as needed to keep the focused line and the two after
 * it (its error message) in view, so the screen's explanation at the top stays visible whenever it can.
 */
export function viewport(lines: string[], focus: number, height: number): string[] {
  if (lines.length <= height) return lines;
  const top = Math.max(0, Math.min(lines.length - height, focus + 3 - height));
  return lines.slice(top, top + height);
}

export function errorLines(
  theme: Theme,
  messages: string[] | undefined,
  size: Size,
  indent: number,
): string[] {
  if (!messages) return [];
  return messages.flatMap((m) =>
    wrap(m, size.cols - indent - 3).map(
      (l, i) => `${" ".repeat(indent)}${theme.error(`${i === 0 ? "!" : " "} ${l}`)}`,
    ),
  );
}

/** A form's [ Next ] button, under the values. */
export function nextButton(theme: Theme, focused: boolean): string {
  const next = "[ Next ]";
  return ` ${" ".repeat(LABEL_W + 2)} ${focused ? theme.selected(next) : esc(next)}`;
}
