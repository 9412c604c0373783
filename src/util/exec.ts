// The one way pairboot runs another program, for every layer (the probe sits low, so this sits in util).
// A command is data: an argv, never one string a shell splits, and what it reads on standard input. A
// secret goes to stdin, never onto the command line, where /proc/PID/cmdline shows it to every user while
// the command runs. Shell text runs only as a bash script for what is a real script: the plan's commands
// (src/plan/command.ts turns a step's command into that text) and the clone's partclone | zstd pipelines.
// Both quote words with src/util/shell.ts.
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { execa } from "execa";
import { commandText } from "./shell.js";

/**
 * Where a command's environment comes from:
 * - "inherit": pairboot's own (the probe, status, the live console, the ISO tools);
 * - "c": pairboot's own with LC_ALL=C, where messages are parsed and must be English (the clone's disk tools);
 * - "clean": a fixed one, so that what the live session happens to export (locale, a user's PATH) cannot
 *   change what an install's command does or how its output reads.
 */
export type EnvRule = "inherit" | "c" | "clean";

const CLEAN_ENV = {
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  HOME: "/root",
  DEBIAN_FRONTEND: "noninteractive",
  DEBCONF_NONINTERACTIVE_SEEN: "true",
};

function environment(rule: EnvRule): NodeJS.ProcessEnv {
  if (rule === "clean") return CLEAN_ENV;
  return rule === "c" ? { ...process.env, LC_ALL: "C" } : process.env;
}

export interface RunOptions {
  /** Fed to standard input (a secret goes here); without it stdin is /dev/null, so nothing waits on a prompt. */
  stdin?: string;
  env?: EnvRule;
  /** Killed after this long: a hung USB device can block blkid for good. */
  timeoutMs?: number;
  /** Most bytes of output kept (a guard against a crafted image's huge file). */
  maxBuffer?: number;
  /** Keep the output's last newline (a file read out of an image). */
  keepFinalNewline?: boolean;
}

export interface Output {
  /** undefined when the command did not start or was killed. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  all: string;
  /** Why it did not run to an exit status: not found, timed out, killed; else undefined. */
  failure: string | undefined;
}

/** A command that did not exit 0: its argv, its status and output, and a message naming both. */
export class CommandFailed extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly output: Output,
  ) {
    const detail = (output.stderr || output.stdout).trim().split("\n").slice(-3).join("; ");
    const status = output.failure ?? `exit ${output.exitCode}`;
    super(`${commandText(argv)} failed: ${detail || status}`);
  }
  get stderr(): string {
    return this.output.stderr;
  }
}

/** Runs a short command to its end and returns its output, whatever its exit status. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<Output> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error("run: an empty command");
  const env = opts.env ?? "inherit";
  const r = await execa(file, args, {
    env: environment(env),
    extendEnv: false,
    ...(opts.stdin === undefined ? { stdin: "ignore" as const } : { input: opts.stdin }),
    reject: false,
    all: true,
    ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
    ...(opts.maxBuffer === undefined ? {} : { maxBuffer: opts.maxBuffer }),
    stripFinalNewline: !opts.keepFinalNewline,
  });
  const failure = r.timedOut
    ? `timed out after ${opts.timeoutMs} ms`
    : r.exitCode === undefined
      ? r.shortMessage
      : undefined;
  return {
    exitCode: r.exitCode,
    stdout: String(r.stdout ?? ""),
    stderr: String(r.stderr ?? ""),
    all: String(r.all ?? ""),
    failure,
  };
}

/** Runs a short command and returns its output; throws CommandFailed unless it exits 0. */
export async function runChecked(argv: readonly string[], opts: RunOptions = {}): Promise<Output> {
  const out = await run(argv, opts);
  if (out.exitCode !== 0) throw new CommandFailed(argv, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Long commands in a process group of their own: an abort must stop the whole pipeline (rsync's children,
// a chroot's grandchildren, partclone and zstd), and so must pairboot's own exit.

const running = new Set<ProcessGroup>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Node does not kill detached children on exit; none may live on writing to a disk.
  process.on("exit", () => {
    for (const g of running) g.kill("SIGKILL");
  });
}

export interface GroupOptions {
  env: EnvRule;
  stdin: "pipe" | "ignore";
  stdout: "pipe" | "ignore";
}

/** A started command that leads its own process group; `kill` reaches every descendant until `release`. */
export class ProcessGroup {
  readonly child: ChildProcess;
  /** The exit status, or the signal that ended it; settles once stdout and stderr are closed. */
  readonly closed: Promise<number | NodeJS.Signals>;
  private released = false;

  constructor(argv: readonly string[], opts: GroupOptions) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error("start: an empty command");
    installExitHook();
    this.child = spawn(file, args, {
      stdio: [opts.stdin, opts.stdout, "pipe"],
      env: environment(opts.env),
      detached: true, // its own process group: kill(-pid) reaches every descendant
    });
    running.add(this);
    this.closed = new Promise((resolve, reject) => {
      this.child.on("error", reject);
      this.child.on("close", (code, signal) => resolve(code ?? signal ?? "SIGKILL"));
    });
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.released || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  /** After the command has ended: pairboot's exit no longer kills the group, and `kill` does nothing. */
  release(): void {
    this.released = true;
    running.delete(this);
  }
}

export class CommandAborted extends Error {}

export interface ScriptOptions {
  /** Called for each line of stdout or stderr; carriage returns (progress bars) also end a line. */
  onLine: (line: string) => void;
  signal?: AbortSignal;
  /** Fed to the script's standard input (a secret goes here, never onto a command line); else none. */
  stdin?: string;
}

export interface ScriptResult {
  exitCode: number;
  /** The last lines of output, for the failure message. */
  tail: string[];
}

const TAIL_LINES = 20;

// --norc: Node's stdio pipes are socket pairs, and bash takes a socket on stdin for rshd or sshd and, as a
// top-level shell, then reads /etc/bash.bashrc and ~/.bashrc (seen: "bash.bashrc: PS1: unbound variable"
// in a command fed on stdin). No startup file may change what a script does.
const BASH = ["bash", "--norc"];

/**
 * Runs one plan command, `bash -euo pipefail -c SCRIPT`, in the clean environment, with its output
 * streamed line by line and never buffered in memory (commands here move whole filesystems). An abort
 * sends TERM to the group, and KILL after a grace period to whatever ignores TERM or sits in I/O.
 */
export async function runScript(script: string, options: ScriptOptions): Promise<ScriptResult> {
  if (options.signal?.aborted) throw new CommandAborted("aborted before start");
  const group = new ProcessGroup([...BASH, "-euo", "pipefail", "-c", script], {
    env: "clean",
    stdin: options.stdin === undefined ? "ignore" : "pipe",
    stdout: "pipe",
  });
  const child = group.child;
  if (options.stdin !== undefined && child.stdin) {
    // A script that does not read its input exits before taking it: that is not an error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin);
  }
  const tail: string[] = [];
  const push = (line: string) => {
    if (line.length === 0) return;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.onLine(line);
  };
  const wire = (stream: Readable | null) => {
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

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    group.kill("SIGTERM");
    setTimeout(() => group.kill("SIGKILL"), 5000).unref();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const status = await group.closed;
    if (aborted) throw new CommandAborted(`stopped: ${script.split("\n")[0]}`);
    return { exitCode: typeof status === "number" ? status : 1, tail };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    // The grace period's KILL still reaches survivors of an abort; otherwise the group is done.
    if (!aborted) group.release();
    else setTimeout(() => group.release(), 5000).unref();
  }
}

export interface PipelineOptions {
  /** What to feed the pipeline's stdin (node B): verified plaintext from an Opener. */
  stdin?: Readable;
  /** Where the pipeline's stdout goes (node A): a Sealer. */
  stdout?: Writable;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs a `bash -o pipefail` script over streams with LC_ALL=C. Throws the input's own error when `stdin`
 * fails (the pipeline is killed before it sees more), else resolves to the exit status and stderr's last
 * 8 KiB.
 */
export async function runPipeline(
  script: string,
  opts: PipelineOptions,
): Promise<{ status: number | NodeJS.Signals; stderrTail: string }> {
  const group = new ProcessGroup([...BASH, "-o", "pipefail", "-c", script], {
    env: "c",
    stdin: opts.stdin ? "pipe" : "ignore",
    stdout: opts.stdout ? "pipe" : "ignore",
  });
  const child = group.child;
  let inputError: Error | null = null;
  const onAbort = () => group.kill();
  opts.signal?.addEventListener("abort", onAbort);
  if (opts.stdin && child.stdin) {
    const input = opts.stdin;
    input.once("error", (err: Error) => {
      inputError = err;
      input.unpipe();
      group.kill();
    });
    // The pipeline dying early (partclone failed) is reported by its exit status, not as EPIPE.
    child.stdin.on("error", () => undefined);
    input.pipe(child.stdin);
  }
  if (opts.stdout && child.stdout) child.stdout.pipe(opts.stdout);
  let stderrTail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    opts.onStderr?.(chunk);
    stderrTail = (stderrTail + chunk).slice(-8192);
  });
  try {
    const status = await group.closed;
    if (inputError) throw inputError;
    return { status, stderrTail };
  } finally {
    // Only when it did not end by itself (a failure to start, an input error before the close).
    if (child.exitCode === null && child.signalCode === null) group.kill();
    group.release();
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
