// Every bad answer file is reported exactly as expected: one `FILE:LINE:COL: path: message` line per
// problem, in file order. Two sources: whole files under test/fixtures/answers/bad/ with a sibling
// .expected file, and the corpus table test/fixtures/answers/corpus.yaml (edits of one valid file).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatAnswerError, loadAnswerText } from "../../src/answer/load.js";
import { ANSWERS_DIR, caseText, corpusBase, corpusCases } from "./answer-corpus.js";

const dir = join(ANSWERS_DIR, "bad");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const base = corpusBase();
const cases = corpusCases();
const bad = cases.filter((c) => c.expected.length > 0);

/** What `pairboot validate` prints for the text, one line per problem; [] when the file is valid. */
function shown(text: string, file: string): string[] {
  const result = loadAnswerText(text, file);
  return result.ok ? [] : result.errors.map(formatAnswerError);
}

describe("bad answer files", () => {
  it("cover at least 150 distinct mistakes, files and corpus together", () => {
    expect(files.length + bad.length).toBeGreaterThanOrEqual(150);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it("start from a valid file", () => {
    expect(shown(base, "full.yaml")).toEqual([]);
  });

  it.each(files)("%s is refused with the expected messages", (file) => {
    const expected = readFileSync(join(dir, file.replace(/\.yaml$/, ".expected")), "utf8")
      .split("\n")
      .filter((line) => line !== "");
    expect(shown(readFileSync(join(dir, file), "utf8"), file)).toEqual(expected);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    "corpus %s: validate prints exactly the expected lines",
    (name, c) => {
      const file = `${name}.yaml`;
      expect(shown(caseText(c, base), file)).toEqual(c.expected.map((line) => `${file}:${line}`));
    },
  );
});
