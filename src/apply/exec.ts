// Runs one plan command: `bash -euo pipefail -c TEXT`, in its own process group so an abort stops the
// whole pipeline (rsync's children, a chroot's grandchildren), with output streamed line by line and never
// buffered in memory (commands here move whole filesystems).
import { execa } from "execa";

export interface CommandResult {
  exitCode: number;
  /** The last lines of output, for the failure message. */
  tail: string[];
}

export interface RunOptions {
  /** Called for each line of stdout or stderr; carriage returns (progress bars) also end a line. */
  onLine: (line: string) => void;
  signal?: AbortSignal;
  /** Fed to the command's standard input (a secret goes here, never onto a command line); else none. */
  stdin?: string;
}

const TAIL_LINES = 20;

// A fixed environment: what the live session happens to export (locale, a user's PATH) must not change
// what a command does or how its output reads.
const ENV = {
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  HOME: "/root",
  DEBIAN_FRONTEND: "noninteractive",
  DEBCONF_NONINTERACTIVE_SEEN: "true",
};

export class CommandAborted extends Error {}

export async function runCommand(command: string, options: RunOptions): Promise<CommandResult> {
  if (options.signal?.aborted) throw new CommandAborted("aborted before start");
  const child = execa("bash", ["-euo", "pipefail", "-c", command], {
    env: ENV,
    extendEnv: false,
    ...(options.stdin === undefined ? { stdin: "ignore" as const } : { input: options.stdin }),
    buffer: false,
    reject: false,
    detached: true, // its own process group: kill(-pid) reaches every descendant
    cleanup: false,
  });
  const tail: string[] = [];
  const push = (line: string) => {
    if (line.length === 0) return;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.onLine(line);
  };
  const wire = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (pending + chunk).split(/\r\n|\r|\n/);
      pending = parts.pop() ?? "";
      parts.forEach(push);
    });
    stream.on("end", () => {
      push(pending);
      pending = "";
    });
  };
  wire(child.stdout);
  wire(child.stderr);

  const killGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    killGroup("SIGTERM");
    // A process that ignores TERM (or sits in uninterruptible I/O) gets KILL after a grace period.
    setTimeout(() => killGroup("SIGKILL"), 5000).unref();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // If pairboot itself dies, its detached children must not live on writing to the disk.
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  try {
    const result = await child;
    if (aborted) throw new CommandAborted(`stopped: ${command.split("\n")[0]}`);
    return { exitCode: result.exitCode ?? 1, tail };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    process.removeListener("exit", onExit);
  }
}
