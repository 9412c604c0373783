// The real binary in a real pseudo-terminal (tmux): it starts, draws its first screen, quits on q + y and
// leaves the terminal as it found it; and a whole demo install runs to the end. The in-process tests
// (test/unit/tui-*.test.ts) cover the screens in detail; these cover process start, raw mode and exit.
import { execFileSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SOCKET = `pairboot-tui-${process.pid}`;
let hasTmux = true;
try {
  execFileSync("tmux", ["-V"]);
} catch {
  hasTmux = false;
}

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

const capture = (name: string) => tmux("capture-pane", "-p", "-t", name);

async function waitFor(name: string, needle: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const screen = capture(name);
    if (screen.includes(needle)) return screen;
    if (Date.now() > end) throw new Error(`"${needle}" never appeared; screen:\n${screen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the wizard in a fresh 80x24 pane; afterwards the shell prints the exit code and the tty modes. */
function start(name: string, term: string, args: string, prelude = ""): void {
  const script = `${prelude} node bin/pairboot.js wizard ${args}; echo "EXIT=$?"; stty -a | tr ';' '\\n' | grep -E -o -- '(^| )-?(icanon|echo)( |$)' | tr -d ' ' | tr '\\n' ' '; echo; echo DONE; sleep 600`;
  tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", "-e", `TERM=${term}`, "bash", "-c", script);
}

afterAll(() => {
  if (!hasTmux) return;
  try {
    tmux("kill-server");
  } catch {
    // already gone
  }
  // tmux leaves its socket file behind; it is this test's own.
  rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
});

describe.skipIf(!hasTmux)("pairboot wizard --demo in a pseudo-terminal", () => {
  it.each(["vt100", "linux"])("shows the start screen and quits cleanly on q, y (TERM=%s)", async (term) => {
    const name = `quit-${term}`;
    start(name, term, "--demo");
    const screen = await waitFor(name, "pairboot wizard - start");
    expect(screen).toContain("1. Install node A on this machine");
    expect(screen).toContain("[DEMO: nothing is written]");
    expect(screen.split("\n")[23]).toContain("q quit");
    tmux("send-keys", "-t", name, "q");
    await waitFor(name, "Quit the wizard?");
    tmux("send-keys", "-t", name, "y");
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
    tmux("send-keys", "-t", name, "q");
    tmux("send-keys", "-t", name, "y");
    expect(await waitFor(name, "DONE")).toContain("EXIT=0");
  });

  it("runs a whole demo install from a pre-filled answer and prints where the answer was saved", async () => {
    const name = "demo-install";
    start(name, "vt100", "--demo --answer examples/seed.yaml");
    await waitFor(name, "Answer file: examples/seed.yaml");
    const keys = async (...k: string[]) => {
      for (const key of k) {
        tmux("send-keys", "-t", name, key);
        await new Promise((r) => setTimeout(r, 150));
      }
    };
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
  });
});
