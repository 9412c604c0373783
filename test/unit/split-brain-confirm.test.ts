// pairboot split-brain resolve acts only after the discarded node's name is typed exactly.
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { typedName } from "../../src/cli/split-brain.js";

const answer = (text: string) => typedName("node-b", Readable.from([text]), new PassThrough());

describe("split-brain resolve's typed confirmation", () => {
  it("accepts the discarded node's name, surrounding spaces aside", async () => {
    expect(await answer("node-b\n")).toBe(true);
    expect(await answer("  node-b  \n")).toBe(true);
  });

  it("refuses another name, a prefix, yes, an empty line, and input that ends without a line", async () => {
    for (const text of ["node-a\n", "node\n", "yes\n", "\n", ""]) expect(await answer(text)).toBe(false);
  });
});
