// Argument errors of every subcommand, as a user meets them: one line saying what is wrong, the command's
// usage line(s), exit status 2, and never a Node stack trace or node:util's own wording.
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const pairboot = (...args: string[]) => execa("node", ["bin/pairboot.js", ...args], { reject: false });

describe("argument errors", () => {
  it.each([
    ["switchover", ["--bogus"], "unknown option '--bogus'"],
    ["split-brain", ["resolve"], "resolve needs --discard NODE"],
    ["validate", ["--bogus", "x.yaml"], "unknown option '--bogus'"],
    ["validate", [], "no answer file given"],
    ["schema", ["extra"], "unexpected argument 'extra'"],
    ["probe", ["--bogus"], "unknown option '--bogus'"],
    ["probe", ["--out"], "option --out needs a value"],
    ["plan", ["--bogus"], "unknown option '--bogus'"],
    ["plan", ["--json=yes"], "option --json takes no value"],
    ["render", ["x.yaml", "--node"], "option --node needs a value"],
    ["install", ["--bogus"], "unknown option '--bogus'"],
    ["install", ["stray"], "unexpected argument 'stray'"],
    ["iso", ["embed", "--bogus"], "unknown option '--bogus'"],
    ["iso", ["frob"], "unknown subcommand 'frob'"],
  ])("pairboot %s %j: the problem, the usage line, exit 2, no stack trace", async (cmd, args, problem) => {
    const r = await pairboot(cmd, ...args);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe(`pairboot ${cmd}: ${problem}`);
    expect(lines[1]).toMatch(new RegExp(`^usage: pairboot ${cmd}\\b`));
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("(--help shows every option)");
    expect(r.stderr).not.toMatch(/^\s+at |ERR_PARSE_ARGS|TypeError/m);
  });

  // A monitoring plugin called wrongly is UNKNOWN (3), not CRITICAL (2): the summary on stdout, the
  // problem and the usage on stderr.
  it.each([
    [["--bogus"], "unknown option '--bogus'"],
    [["extra"], "unexpected argument 'extra'"],
  ])("pairboot status %j: UNKNOWN (exit 3), the problem and the usage line", async (args, problem) => {
    const r = await pairboot("status", ...args);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe(`PAIRBOOT UNKNOWN - ${problem}`);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe(`pairboot status: ${problem}`);
    expect(lines[1]).toMatch(/^usage: pairboot status\b/);
    expect(r.stderr).not.toMatch(/^\s+at |ERR_PARSE_ARGS|TypeError/m);
  });

  it("pairboot status --help still prints the help and exits 0", async () => {
    const r = await pairboot("status", "--help");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^usage: pairboot status/);
  });
});
