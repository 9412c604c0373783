// The corpus of bad answer files as data: test/fixtures/answers/corpus.yaml holds each case as an edit of
// test/fixtures/answers/good/full.yaml (or a whole text) and the exact lines `pairboot validate` prints for
// it, without the file name: `LINE:COL: path: message`. A case with no expected lines is a valid control.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const ANSWERS_DIR = join(import.meta.dirname, "../fixtures/answers");

export type CorpusCase = {
  name: string;
  /** [from, to] pairs; each `from` must occur exactly once in the text it edits. */
  replace?: [string, string][];
  append?: string;
  /** The whole file instead of an edit of the base. */
  text?: string;
  expected: string[];
};

/** `{{N*TEXT}}` stands for TEXT repeated N times, so a 1 MiB or 60-character value stays one line here. */
export function expand(text: string): string {
  return text.replace(/\{\{(\d+)\*([^}]*)\}\}/g, (_, n: string, s: string) => s.repeat(Number(n)));
}

export function corpusBase(): string {
  return readFileSync(join(ANSWERS_DIR, "good/full.yaml"), "utf8");
}

export function corpusCases(): CorpusCase[] {
  return parse(readFileSync(join(ANSWERS_DIR, "corpus.yaml"), "utf8")) as CorpusCase[];
}

/** The answer text of a case: the base with its edits, or its own text. */
export function caseText(c: CorpusCase, base: string): string {
  if (c.text !== undefined) return expand(c.text);
  let text = base;
  for (const [from, to] of c.replace ?? []) {
    const at = text.indexOf(from);
    if (at === -1 || text.indexOf(from, at + 1) !== -1) {
      throw new Error(`${c.name}: '${from}' must occur exactly once in the base`);
    }
    text = text.slice(0, at) + expand(to) + text.slice(at + from.length);
  }
  return c.append === undefined ? text : text + expand(c.append);
}
