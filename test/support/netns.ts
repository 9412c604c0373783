// Root-only sandboxes for running real daemons against rendered files without touching the host.
//
// A sandbox is a private root: an overlay whose lower layer is the host's / (read-only in effect) and
// whose upper layer is a temp dir, entered with chroot inside fresh mount, UTS and PID namespaces
// (optionally inside a network namespace). Everything the programs write (/etc, /var/lib, /var/log)
// lands in the upper dir, where the test can read it; /run and /tmp are private tmpfs. Killing the
// `unshare` process (started with --kill-child) kills the whole PID namespace; the mounts vanish with
// the mount namespace.
//
// Network namespaces made here are named pbha-<tag>-<pid> so a crashed run can be recognised.
import { execa, type ResultPromise } from "execa";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quote } from "../../src/util/shell.js";

export interface Sandbox {
  dir: string;
  /** Files written here before start appear in the sandbox at the same path below /. */
  upper: string;
  work: string;
  merged: string;
}

export interface SandboxOptions {
  hostname?: string;
  netns?: string;
  /** Host directories bind-mounted into the sandbox (dst is created in the overlay first). */
  binds?: { src: string; dst: string }[];
}

export async function createSandbox(tag: string): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), `pbha-${tag}-`));
  const sb = { dir, upper: join(dir, "upper"), work: join(dir, "work"), merged: join(dir, "root") };
  for (const d of [sb.upper, sb.work, sb.merged]) await mkdir(d);
  return sb;
}

export async function removeSandbox(sb: Sandbox): Promise<void> {
  await rm(sb.dir, { recursive: true, force: true });
}

function setupScript(sb: Sandbox, inner: string, opts: SandboxOptions): string {
  const m = quote(sb.merged);
  const lines = [
    "set -e",
    `mount -t overlay overlay -o lowerdir=/,upperdir=${quote(sb.upper)},workdir=${quote(sb.work)} ${m}`,
    `mount --rbind /dev ${m}/dev`,
    `mount -t proc proc ${m}/proc`,
    // A fresh sysfs shows the network namespace we are in.
    `mount -t sysfs sysfs ${m}/sys`,
    `mount -t tmpfs tmpfs ${m}/run`,
    `mount -t tmpfs tmpfs ${m}/tmp`,
  ];
  for (const b of opts.binds ?? []) {
    lines.push(`mkdir -p ${m}${quote(b.dst)}`, `mount --bind ${quote(b.src)} ${m}${quote(b.dst)}`);
  }
  if (opts.hostname) lines.push(`hostname ${quote(opts.hostname)}`);
  lines.push("set +e", `chroot ${m} /bin/sh -c ${quote(inner)}`);
  return lines.join("\n");
}

/** argv that runs `inner` (a sh script) as root inside the sandbox. */
export function sandboxArgv(sb: Sandbox, inner: string, opts: SandboxOptions = {}): string[] {
  const unshare = [
    "unshare",
    "--mount",
    "--uts",
    "--pid",
    "--fork",
    "--kill-child",
    "--propagation",
    "private",
    "sh",
    "-c",
    setupScript(sb, inner, opts),
  ];
  return opts.netns ? ["ip", "netns", "exec", opts.netns, ...unshare] : unshare;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs `inner` to completion inside a sandbox. */
export async function runInSandbox(
  sb: Sandbox,
  inner: string,
  opts: SandboxOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  const [cmd, ...args] = sandboxArgv(sb, inner, opts);
  const r = await execa(cmd as string, args, {
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: "SIGKILL",
  });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

/** Starts a long-running sandbox; kill the returned process with SIGKILL to end everything in it. */
export function startInSandbox(sb: Sandbox, inner: string, opts: SandboxOptions = {}): ResultPromise {
  const [cmd, ...args] = sandboxArgv(sb, inner, opts);
  return execa(cmd as string, args, { reject: false, all: true, buffer: true });
}

// ---- network namespaces ----

export function netnsName(tag: string): string {
  return `pbha-${tag}-${process.pid}`;
}

export async function ip(args: string[]): Promise<string> {
  const r = await execa("ip", args, { timeout: 20_000 });
  return r.stdout;
}

export async function addNetns(name: string): Promise<void> {
  await ip(["netns", "add", name]);
  await ip(["-n", name, "link", "set", "lo", "up"]);
}

/** Kills every process still in the namespace, then deletes it (and with it every veth end in it). */
export async function deleteNetns(name: string): Promise<void> {
  const r = await execa("ip", ["netns", "pids", name], { reject: false });
  for (const pid of r.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  await execa("ip", ["netns", "del", name], { reject: false });
}

/** A veth pair with one end in each namespace, both up; nothing is created in the host namespace. */
export async function addVeth(nsA: string, nameA: string, nsB: string, nameB: string): Promise<void> {
  // The peer gets a temporary name first, since nameB may equal nameA (a crossover named alike on both ends).
  const tmp = `pbtmp${process.pid % 100000}`;
  await ip(["-n", nsA, "link", "add", nameA, "type", "veth", "peer", "name", tmp, "netns", nsB]);
  await ip(["-n", nsB, "link", "set", tmp, "name", nameB]);
  await ip(["-n", nsA, "link", "set", nameA, "up"]);
  await ip(["-n", nsB, "link", "set", nameB, "up"]);
}

/** IPv4 addresses (with prefix) on an interface in a namespace. */
export async function addressesOf(ns: string, dev: string): Promise<string[]> {
  const r = await execa("ip", ["-n", ns, "-4", "-o", "addr", "show", "dev", dev], { reject: false });
  return [...r.stdout.matchAll(/\binet (\S+)/g)].map((m) => m[1] as string);
}
