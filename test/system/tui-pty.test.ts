// The real binary in a real pseudo-terminal (tmux): it starts, draws its first screen, quits on q + y and
// leaves the terminal as it found it; and a whole demo install runs to the end. The in-process tests
// (test/unit/tui-*.test.ts) cover the screens in detail; these cover process start, raw mode and exit.
import { execFileSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTmux, openTmux } from "../support/tmux.js";

const tm = hasTmux() ? openTmux("tui") : null;
const send = (name: string, ...keys: string[]) => tm?.keys(name, ...keys);
const waitFor = (name: string, needle: string, ms?: number) =>
  tm ? tm.waitFor(name, needle, ms) : Promise.reject(new Error("no tmux"));

/** Runs the wizard in a fresh 80x24 pane; afterwards the shell prints the exit code and the tty modes. */
function start(name: string, term: string, args: string, prelude = ""): void {
  tm?.start(name, { term, cmd: `node bin/pairboot.js wizard ${args}`, prelude });
}

afterAll(() => tm?.close());

describe.skipIf(!tm)("pairboot wizard --demo in a pseudo-terminal", () => {
  it.each(["vt100", "linux"])("shows the start screen and quits cleanly on q, y (TERM=%s)", async (term) => {
    const name = `quit-${term}`;
    start(name, term, "--demo");
    const screen = await waitFor(name, "pairboot wizard - start");
    expect(screen).toContain("1. Install node A on this machine");
    expect(screen).toContain("[DEMO: nothing is written]");
    expect(screen.split("\n")[23]).toContain("q quit");
    await send(name, "q");
    await waitFor(name, "Quit the wizard?");
    await send(name, "y");
    const after = await waitFor(name, "DONE");
    expect(after).toContain("pairboot wizard: quit; nothing was written.");
    expect(after).toContain("EXIT=0");
    // Raw mode undone: canonical input and echo are back on.
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(after).toMatch(/(^|\s)echo(\s|$)/m);
    expect(after).not.toMatch(/-icanon|-echo\b/);
  });

  it("draws 80x24 on a serial line that reports a 0x0 window", async () => {
    const name = "serial-0x0";
    start(name, "vt220", "--demo", "stty rows 0 cols 0;");
    const screen = await waitFor(name, "pairboot wizard - start");
    const lines = screen.split("\n");
    expect(lines[0]).toContain("pairboot wizard - start");
    expect(lines[23]).toContain("Up/Down move  Enter choose");
    await send(name, "q");
    await send(name, "y");
    expect(await waitFor(name, "DONE")).toContain("EXIT=0");
  });

  it.each([
    ["SIGTERM", "on the start screen: ends at once", false],
    ["SIGHUP", "during the progress: ends once the running engine call returns", true],
  ])("%s %s, exit 130, terminal restored", async (signal, _what, installing) => {
    const name = `signal-${signal}`;
    start(name, "vt100", "--demo --answer examples/seed.yaml");
    await waitFor(name, "pairboot wizard - start");
    if (installing) {
      await send(
        name,
        "Enter",
        "Enter",
        "BTab",
        "Enter",
        "BTab",
        "Enter",
        "End",
        "Enter",
        "s",
        "d",
        "a",
        "Enter",
      );
      await waitFor(name, "pairboot wizard - installing");
    }
    const wizard = execFileSync("pgrep", ["-P", String(tm?.panePid(name)), "-x", "node"], {
      encoding: "utf8",
    }).trim();
    process.kill(Number(wizard), signal);
    const after = await waitFor(name, "DONE", 30_000);
    expect(after).toContain(`pairboot wizard: stopped by ${signal}`);
    expect(after).toContain("EXIT=130");
    // The demo engine takes no signal: the wizard waited for it, and the answer it saved is named.
    if (installing) expect(after).toMatch(/answer file saved: \S+pairboot-wizard-/);
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    const saved = /answer file saved: (\S+)/.exec(after)?.[1];
    if (saved) rmSync(dirname(saved), { recursive: true, force: true });
  });

  it("runs a whole demo install from a pre-filled answer and prints where the answer was saved", async () => {
    const name = "demo-install";
    start(name, "vt100", "--demo --answer examples/seed.yaml");
    await waitFor(name, "Answer file: examples/seed.yaml");
    const keys = (...k: string[]) => send(name, ...k);
    await keys("Enter");
    await waitFor(name, "step 1 of 5: disk");
    // A lone Escape arrives as one byte and must still mean "back" after the coalescing wait.
    await keys("Escape");
    await waitFor(name, "pairboot wizard - start");
    await keys("Enter");
    await waitFor(name, "step 1 of 5: disk");
    await keys("Enter");
    await waitFor(name, "step 2 of 5: network");
    await keys("BTab", "Enter");
    await waitFor(name, "step 3 of 5: cluster");
    await keys("BTab", "Enter");
    await waitFor(name, "step 4 of 5: review");
    await keys("End", "Enter");
    await waitFor(name, "ALL DATA ON /dev/sda WILL BE ERASED");
    await keys("s", "d", "a", "Enter");
    const done = await waitFor(name, "Demo finished: nothing was written to any disk.", 30_000);
    expect(done).toContain("Receive a clone as node B");
    await keys("q");
    const after = await waitFor(name, "DONE");
    expect(after).toContain("EXIT=0");
    const path = /answer file saved: (\S+)/.exec(after)?.[1];
    expect(path).toMatch(/pairboot-wizard-.*\/answer\.yaml$/);
    expect(statSync(path as string).mode & 0o777).toBe(0o600);
    rmSync(dirname(path as string), { recursive: true, force: true });
  });
});
