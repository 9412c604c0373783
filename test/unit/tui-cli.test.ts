// `pairboot wizard`'s options as a user types them: the ones for installing from a development machine
// are listed in --help, and the combinations that would mix a recorded machine with a real engine are
// refused before anything is probed or drawn.
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const run = (...args: string[]) =>
  execa("node_modules/.bin/tsx", ["src/cli/main.ts", "wizard", ...args], { reject: false, all: true });

describe("pairboot wizard options", () => {
  it("documents --source, --include-loop and --target in --help", async () => {
    const r = await run("--help");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/--source PATH\s+the root filesystem to install/);
    expect(r.stdout).toMatch(/--include-loop\s+offer loop devices as disks too/);
    expect(r.stdout).toMatch(/--target DIR\s+where the new root is mounted/);
  });

  it.each([
    [["--hardware", "test/fixtures/hardware/node-a.json"], "--hardware only goes with --demo"],
    [["--demo", "--include-loop", "--source", "/tmp"], "--source, --include-loop: only for a real install"],
  ])("refuses %j with a usage error", async (args, message) => {
    const r = await run(...args);
    expect(r.exitCode).toBe(2);
    expect(r.all).toContain(message);
    expect(r.all).toContain("usage: pairboot wizard");
  });

  it.each([
    [["--bogus"], "unknown option '--bogus'"],
    [["--answer"], "option --answer needs a value"],
  ])("%j: the problem in the words every subcommand uses, the usage line, exit 2", async (args, problem) => {
    const r = await run(...args);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe(`pairboot wizard: ${problem}`);
    expect(lines[1]).toMatch(/^usage: pairboot wizard\b/);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("(--help shows every option)");
  });
});
