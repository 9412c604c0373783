// Small text helpers shared by the view-models. Everything here is ASCII: the Linux console font and a
// VT100 on a serial line show nothing else reliably (box drawing is left to blessed's borders).

// Sizes and times come from the one formatter of each kind; the progress screen calls its clock a duration.
export { formatBytes, formatClock as formatDuration } from "../../util/format.js";

/** Cut or pad to exactly `width` columns; a cut ends in "~" so the user sees something is missing. */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length > width) return width === 1 ? "~" : `${text.slice(0, width - 1)}~`;
  return text.padEnd(width);
}

/** Like fit(), but keeps the end of the text visible: what the user is typing is at the end. */
export function fitTail(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length > width) return `~${text.slice(text.length - width + 1)}`;
  return text.padEnd(width);
}

/** Wrap prose at word boundaries; long words are cut. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
      let w = word;
      while (w.length > width) {
        if (line) {
          out.push(line);
          line = "";
        }
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
      if (!line) line = w;
      else if (line.length + 1 + w.length <= width) line += ` ${w}`;
      else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

/** An ASCII progress bar: "[#####.....]". */
export function bar(ratio: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const filled = Math.round(Math.min(1, Math.max(0, ratio)) * inner);
  return `[${"#".repeat(filled)}${".".repeat(inner - filled)}]`;
}
