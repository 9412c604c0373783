// Small pure helpers the renderers share: building file text. IPv4 arithmetic is src/answer/ipv4.ts.
import type { RenderedFile } from "./types.js";

/** The first line of every file whose format allows comments, so an admin knows where it came from. */
export const MANAGED =
  "# Managed by pairboot: rendered from the answer file. Edit the answer file and render again;\n" +
  "# changes made here are lost when pairboot writes this file again.";

/** Joins lines into file text that ends with exactly one newline, as every tool here expects. */
export function lines(...parts: (string | string[] | false | undefined)[]): string {
  const flat = parts.flatMap((p) => (p === false || p === undefined ? [] : Array.isArray(p) ? p : [p]));
  return `${flat.join("\n")}\n`;
}

/** A world-readable config file. */
export function file(path: string, content: string, mode = 0o644): RenderedFile {
  return { path, content, mode };
}
