// The shell pipelines that move partition images. Disk data flows only through kernel pipes between
// partclone and zstd; Node supervises one `bash -o pipefail` per section and reads partclone's progress
// from stderr. Node sits only on the compressed side (about a third of the used bytes): on node A it seals
// zstd's output into authenticated records (aead.ts) for the socket or the image file; on node B it opens
// and verifies each record before writing its plaintext into `zstd -d | partclone -r`, so no byte that
// failed authentication reaches the disk. Streams are joined with pipe(), so a slow disk or link slows the
// other end instead of filling memory.
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type { SectionInfo } from "./format.js";

export function sh(value: string | number): string {
  const s = String(value);
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Node A: image one partition's used blocks and compress them onto stdout. */
export function sendSectionScript(
  section: SectionInfo,
  device: string,
  workDir: string,
  level: number,
): string {
  const w = sh(workDir);
  const image = `${section.tool} -c -a0 -f 1 -L ${w}/partclone.log -s ${sh(device)} -o -`;
  return ["set -euo pipefail", `${image} | zstd -q -T0 -${level} -c`].join("\n");
}

/** Node B: decompress verified plaintext from stdin and restore it into the partition. */
export function receiveSectionScript(section: SectionInfo, partition: string, workDir: string): string {
  const w = sh(workDir);
  const restore = `${section.tool} -r -f 1 -L ${w}/partclone.log -s - -o ${sh(partition)}`;
  return ["set -euo pipefail", `zstd -q -d -c | ${restore}`].join("\n");
}

export interface RunOptions {
  /** What to feed the pipeline's stdin (node B): verified plaintext from an Opener. */
  stdin?: Readable;
  /** Where the pipeline's stdout goes (node A): a Sealer. */
  stdout?: Writable;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills a pipeline's whole process group: partclone and zstd die with bash. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // detached children are not killed by Node on exit; make sure no partclone outlives us.
  process.on("exit", () => {
    for (const c of running) killGroup(c, "SIGKILL");
  });
}

/**
 * Runs a pipeline script. Throws the input's own error when `stdin` fails (a record that did not
 * authenticate: the pipeline is killed before it sees that record), else the tail of stderr (progress
 * lines removed) when any stage fails.
 */
export async function runPipeline(script: string, opts: RunOptions = {}): Promise<void> {
  installExitHook();
  const child = spawn("bash", ["-o", "pipefail", "-c", script], {
    stdio: [opts.stdin ? "pipe" : "ignore", opts.stdout ? "pipe" : "ignore", "pipe"],
    env: { ...process.env, LC_ALL: "C" },
    detached: true,
  });
  running.add(child);
  let inputError: Error | null = null;
  const onAbort = () => killGroup(child);
  opts.signal?.addEventListener("abort", onAbort);
  if (opts.stdin && child.stdin) {
    const input = opts.stdin;
    input.once("error", (err: Error) => {
      inputError = err;
      input.unpipe();
      killGroup(child);
    });
    // The pipeline dying early (partclone failed) is reported by its exit status, not as EPIPE.
    child.stdin.on("error", () => undefined);
    input.pipe(child.stdin);
  }
  if (opts.stdout && child.stdout) child.stdout.pipe(opts.stdout);
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    opts.onStderr?.(chunk);
    tail = (tail + chunk).slice(-8192);
  });
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c, sig) => resolve(c ?? sig ?? "unknown"));
    });
    if (inputError) throw inputError;
    if (code !== 0) {
      const detail = explainFailure(tail);
      throw new Error(`${detail || "the pipeline failed"} (exit ${code})`);
    }
  } finally {
    killGroup(child);
    running.delete(child);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

// partclone moves the cursor up between its two progress lines.
const ANSI_CSI = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, "g");

/** The meaningful lines of a failed pipeline's stderr: partclone's progress and banners dropped. */
export function explainFailure(stderr: string): string {
  const noise =
    /^(Partclone v|Starting to|Reading Super|Calculating bitmap|Elapsed:|current block:|Total Time:|done!|File system:|Device size:|Space in use:|Free Space:|Block size:|Syncing|Partclone successfully|Cloned successfully|Restored successfully|$)/;
  return stderr
    .split(/[\r\n]+/)
    .map((l) => l.replace(ANSI_CSI, "").trim())
    .filter((l) => !noise.test(l))
    .slice(-6)
    .join("; ");
}
