// A real pseudo-terminal for the wizard's end-to-end tests: tmux on a socket of the test's own, a fixed
// window size, keys sent as tmux key names, and the screen read back as text.
//
//   const tm = openTmux("tui-install");
//   tm.start("run", { term: "vt100", cmd: "node bin/pairboot.js wizard --demo" });
//   await tm.waitFor("run", "pairboot wizard - start");
//   await tm.keys("run", "Enter");
//   tm.close();
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"]);
    return true;
  } catch {
    return false;
  }
}

export interface Tmux {
  /**
   * Runs `cmd` in a fresh pane of cols x rows; afterwards the shell prints EXIT=<status>, the tty's
   * icanon/echo modes and DONE, and keeps the pane open for capture.
   */
  start(name: string, o: { term: string; cmd: string; prelude?: string; cols?: number; rows?: number }): void;
  capture(name: string): string;
  /** The pid of the pane's shell (the command runs as its child). */
  panePid(name: string): number;
  waitFor(name: string, needle: string | RegExp, ms?: number): Promise<string>;
  /** Sends tmux key names one by one, with a pause after each as a typist would. */
  keys(name: string, ...keys: string[]): Promise<void>;
  close(): void;
}

export function openTmux(label: string): Tmux {
  const socket = `pairboot-${label}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const capture = (name: string) => tmux("capture-pane", "-p", "-t", name);
  return {
    start(name, o) {
      const script = `${o.prelude ?? ""} ${o.cmd}; echo "EXIT=$?"; stty -a | tr ';' '\\n' | grep -E -o -- '(^| )-?(icanon|echo)( |$)' | tr -d ' ' | tr '\\n' ' '; echo; echo DONE; sleep 3600`;
      tmux(
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        String(o.cols ?? 80),
        "-y",
        String(o.rows ?? 24),
        "-e",
        `TERM=${o.term}`,
        "bash",
        "-c",
        script,
      );
    },
    capture,
    panePid: (name) => Number(tmux("list-panes", "-t", name, "-F", "#{pane_pid}").trim()),
    async waitFor(name, needle, ms = 20_000) {
      const end = Date.now() + ms;
      for (;;) {
        const screen = capture(name);
        if (typeof needle === "string" ? screen.includes(needle) : needle.test(screen)) return screen;
        if (Date.now() > end) throw new Error(`${String(needle)} never appeared; screen:\n${screen}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async keys(name, ...keys) {
      for (const key of keys) {
        tmux("send-keys", "-t", name, key);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    close() {
      try {
        tmux("kill-server");
      } catch {
        // already gone
      }
      // tmux leaves its socket file behind; it is this test's own.
      rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
        force: true,
      });
    },
  };
}
