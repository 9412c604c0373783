import { describe, expect, it } from "vitest";
import { lines } from "../../src/render/text.js";

describe("render text helpers", () => {
  it("ends file text with exactly one newline and skips absent parts", () => {
    expect(lines("a", ["b", "c"], undefined, false, "d")).toBe("a\nb\nc\nd\n");
    expect(lines([])).toBe("\n");
  });
});
