// The side effects of switchover, standby, resume and split-brain recovery: commands as data (argv) run
// through the project's one runner (src/util/exec.ts), each shown once, quoted by the one quoting
// (src/util/shell.ts), and the looks at the service
// the switchover's wait and pause figure are made of. Decisions live in switchover.ts and splitbrain.ts.
import { readFile } from "node:fs/promises";
import type { ClusterSpec } from "../answer/schema.js";
import { run } from "../util/exec.js";
import { commandText } from "../util/shell.js";
import { parseProcDrbd } from "./parse.js";
import { answersTcp, NFS_PORT } from "./probe.js";
import { measurePause, targetServes, type MoveResult, type Sample, type ServingView } from "./switchover.js";

export class ActionFailed extends Error {}

/** A command as data: the program and its arguments, never shell text. */
export interface Command {
  argv: string[];
}

/** Runs one command, showing it first and then its output indented; a non-zero exit is an ActionFailed. */
export async function runShown(c: Command, say: (line: string) => void): Promise<void> {
  const shown = commandText(c.argv);
  say(`$ ${shown}`);
  const r = await run(c.argv, { env: "clean", timeoutMs: 120_000 });
  for (const line of r.all.split("\n").filter((l) => l.trim() !== "")) say(`  ${line}`);
  if (r.exitCode !== 0)
    throw new ActionFailed(
      `${shown} failed (${r.failure ?? `exit ${r.exitCode}`}): ${r.all.trim().split("\n").slice(-3).join(" / ")}`,
    );
}

async function quiet(argv: string[]): Promise<string> {
  return (await run(argv, { timeoutMs: 5000 })).stdout.trim();
}

/** One look at the service from this node (about 20 ms when it answers; the probe waits at most 300 ms). */
export async function lookAtService(spec: ClusterSpec): Promise<ServingView> {
  const ip = spec.service.ip.split("/")[0] as string;
  const minor = Number(/\d+$/.exec(spec.drbd.device)?.[0] ?? 0);
  const [answers, addrs, mounts, nfs, rsc, procDrbd] = await Promise.all([
    answersTcp(ip, NFS_PORT, 300),
    quiet(["ip", "-o", "-4", "addr", "show"]),
    readFile("/proc/mounts", "utf8").catch(() => ""),
    quiet(["systemctl", "is-active", "nfs-server"]),
    quiet(["cl_status", "rscstatus"]),
    readFile("/proc/drbd", "utf8").catch(() => ""),
  ]);
  const drbd = parseProcDrbd(procDrbd).resources.find((r) => r.minor === minor);
  return {
    answers,
    holdsServiceIp: addrs.includes(` ${ip}/`),
    dataMounted: mounts.split("\n").some((l) => l.split(" ")[1] === spec.storage.data_mount),
    nfsActive: nfs === "active",
    resources: rsc || "unknown",
    peerRole: drbd?.peerRole ?? null,
  };
}

/**
 * Runs the move's command while looking at the service every 100 ms, until the target serves or the time
 * is up; the samples give the pause clients saw.
 */
export async function moveAndMeasure(
  spec: ClusterSpec,
  command: Command,
  toLocal: boolean,
  timeoutMs: number,
  say: (line: string) => void,
): Promise<MoveResult> {
  const t0 = Date.now();
  const samples: Sample[] = [];
  const look = async () => {
    const v = await lookAtService(spec);
    samples.push({ t: Date.now() - t0, answers: v.answers, local: v.holdsServiceIp });
    return v;
  };
  await look();
  await runShown(command, say);
  let served = false;
  while (Date.now() - t0 < timeoutMs) {
    if (targetServes(await look(), toLocal)) {
      served = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { served, elapsedMs: Date.now() - t0, pause: measurePause(samples, toLocal) };
}

/** Polls `check` every second until it holds or the time is up. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}
