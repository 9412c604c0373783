// The one argument parser of every subcommand (src/cli/args.ts), in process.
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseCommand } from "../../src/cli/args.js";

const HELP = "usage: pairboot demo [--out FILE] X\n\nWhat demo does.\n";

describe("parseCommand", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([["--help"], ["-h"]])("%s prints the whole help on stdout and returns null", (flag) => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => written.push(String(chunk)) > 0);
    expect(parseCommand(["x", flag], { out: { type: "string" } }, HELP)).toBeNull();
    expect(written.join("")).toBe(HELP);
  });

  it("returns the options and positionals otherwise", () => {
    const parsed = parseCommand(["--out", "f", "x"], { out: { type: "string" } }, HELP);
    expect(parsed?.values.out).toBe("f");
    expect(parsed?.positionals).toEqual(["x"]);
  });

  it("refuses an unknown option with the problem and the usage line, exit 2", () => {
    expect(() => parseCommand(["--bogus"], {}, HELP)).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: "unknown option '--bogus'\nusage: pairboot demo [--out FILE] X\n(--help shows every option)",
      }),
    );
  });
});
