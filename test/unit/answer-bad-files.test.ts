// Every bad answer file under test/fixtures/answers/bad/ is reported exactly as its sibling .expected file
// says: one `FILE:LINE:COL: path: message` line per problem, in file order.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatAnswerError, loadAnswerText } from "../../src/answer/load.js";

const dir = join(import.meta.dirname, "../fixtures/answers/bad");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

describe("bad answer files", () => {
  it("cover at least thirty distinct mistakes", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)("%s is refused with the expected messages", (file) => {
    const expected = readFileSync(join(dir, file.replace(/\.yaml$/, ".expected")), "utf8")
      .split("\n")
      .filter((line) => line !== "");
    const result = loadAnswerText(readFileSync(join(dir, file), "utf8"), file);
    expect(result.ok).toBe(false);
    const shown = result.ok ? [] : result.errors.map(formatAnswerError);
    expect(shown).toEqual(expected);
  });
});
