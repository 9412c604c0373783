// The install engine: the one piece of pairboot that writes to a disk. It takes a node's plan, checks on
// the live machine that writing is safe and consented to, then runs the steps in order, logging every
// command and its output, recording completed steps on the disk so that a rerun resumes, and reporting
// progress through plain events that any front end (listr2 lines, the wizard) can draw.
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import type { ClusterSpec } from "../answer/schema.js";
import { commandLine, commandStdin, shownCommand } from "../plan/command.js";
import { describeExisting } from "../plan/disk.js";
import { chooseDisk, DEFAULT_LOG_DIR, DEFAULT_TARGET, planNode } from "../plan/plan.js";
import type { InstallSource, NodePlan, PlanStep } from "../plan/types.js";
import { probeHardware, type HardwareFacts, type ProbeOptions } from "../probe/index.js";
import { describeBootSecurity, readBootSecurity } from "../probe/secureboot.js";
import { CommandAborted, runScript } from "../util/exec.js";
import { writeUnderRoot } from "./files.js";
import {
  checkExclusive,
  checkNotRunning,
  AlreadyInstalled,
  InstallRefused,
  takeLock,
  readDiskRecord,
  readMounts,
  readTable,
  releaseLeftoverMounts,
  tableDifferences,
} from "./guards.js";
import { InstallLog, redact } from "./log.js";
import { checkTool, releaseOfSource, runningTool, unknownOnSource } from "./source.js";
import { CopyMeter, copyFraction, describeCopy, type CopyProgress } from "./progress.js";
import { firstIncomplete, newState, stateFits, stepHash, writeState, type InstallState } from "./state.js";

export { AlreadyInstalled, InstallRefused } from "./guards.js";

export type InstallEvent =
  | { type: "step-start"; id: string; title: string; index: number; total: number }
  | { type: "step-skip"; id: string; reason: string }
  | { type: "step-done"; id: string; ms: number }
  | { type: "step-failed"; id: string; message: string }
  | { type: "output"; id: string; line: string }
  | { type: "copy"; id: string; progress: CopyProgress; text: string };

export interface InstallOptions {
  spec: ClusterSpec;
  answerPath: string;
  nodeName: string;
  /** The facts the plan is made from (the wizard's probe); the machine is probed again before writing. */
  facts: HardwareFacts;
  diskPath?: string;
  source: InstallSource;
  /** The user confirmed destroying what the disk holds (typed the disk's name); storage.wipe also consents. */
  confirmWipe: boolean;
  dryRun: boolean;
  /** Continue an interrupted install of this plan; false starts the disk over (--restart). */
  resume: boolean;
  onProgress?: (e: InstallEvent) => void;
  signal?: AbortSignal;
  target?: string;
  logDir?: string;
  /**
   * pairboot's runtime to put on the node (see src/plan/tool.ts): a directory; null for none; left out,
   * the runtime this process runs from, if it runs from one (the live system).
   */
  tool?: string | null;
  /** How to probe the machine again; tests leave the default. */
  probe?: (o: ProbeOptions) => Promise<HardwareFacts>;
}

export interface PreparedInstall {
  plan: NodePlan;
  mode: "fresh" | "resume";
  /** Steps before this index completed in an earlier run and are skipped (unless marked always). */
  startAt: number;
  state: InstallState;
  /** What the guards found and decided, in words: shown to the user and written to the log. */
  notes: string[];
}

export class InstallFailed extends Error {
  constructor(
    readonly stepId: string,
    readonly stepTitle: string,
    readonly command: string,
    readonly tail: string[],
    readonly logPath: string,
    readonly aborted: boolean,
  ) {
    super(
      `${aborted ? "stopped" : "failed"} in step '${stepId}' (${stepTitle})\n` +
        `command: ${command}\n` +
        (tail.length > 0 ? `last output:\n${tail.map((l) => `  ${l}`).join("\n")}\n` : "") +
        `log: ${logPath}`,
    );
  }
}

function timestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** Plans the install and checks, against a fresh probe of this machine, that it may write. Writes nothing. */
export async function prepareInstall(o: InstallOptions): Promise<PreparedInstall> {
  const logDir = o.logDir ?? DEFAULT_LOG_DIR;
  const target = o.target ?? DEFAULT_TARGET;
  const probe = o.probe ?? probeHardware;
  const notes: string[] = [];
  // Two installs into one target directory would unmount each other's work.
  await checkNotRunning(target);
  // Mounts left by an interrupted run make the disk look "in use"; release them first, then the facts
  // the caller probed before are stale and the machine is probed again for planning.
  const released = await releaseLeftoverMounts(target, o.dryRun);
  let facts = o.facts;
  if (released.length > 0) {
    notes.push(
      `${o.dryRun ? "would release" : "released"} mounts left by an interrupted run: ${released.join(", ")}`,
    );
    if (!o.dryRun) facts = await probe({ includeLoop: o.diskPath?.startsWith("/dev/loop") === true });
  }
  if (typeof o.tool === "string") {
    const why = await checkTool(o.tool);
    if (why !== null)
      throw new InstallRefused(`pairboot's runtime to put on the node: ${why}`, "environment");
  }
  const unknown = await unknownOnSource(o.spec, o.source);
  if (unknown.length > 0) {
    throw new InstallRefused(
      `the system to install (${o.source.path}) does not have what the answer file names; nothing was written:\n` +
        unknown.map((u) => `  ${u}`).join("\n"),
      "plan",
    );
  }
  // The node's files are rendered for the Debian release of the system that is copied onto it.
  let release;
  try {
    release = await releaseOfSource(o.source);
  } catch (err) {
    throw new InstallRefused(`the system to install: ${(err as Error).message}`, "plan");
  }
  const planned = planNode(o.spec, o.nodeName, facts, {
    release,
    source: o.source,
    target,
    disk: o.diskPath,
    answerPath: o.answerPath,
    logPath: join(logDir, `install-${o.nodeName}-${timestamp()}.log`),
    tool: (o.tool === undefined ? await runningTool() : o.tool) ?? undefined,
  });
  if (!planned.ok) throw new InstallRefused(planned.message, "plan");
  const plan = planned.plan;

  // Planning alone is not enough: the facts may be old or from another machine.
  const fresh = await probe({ includeLoop: plan.disk.path.startsWith("/dev/loop") });
  const again = chooseDisk(o.spec, o.nodeName, fresh, plan.disk.path);
  if (!again.ok) throw new InstallRefused(`checked again on this machine just now: ${again.message}`);
  if (again.choice.sizeBytes !== plan.disk.sizeBytes) {
    throw new InstallRefused(
      `${plan.disk.path} now has ${again.choice.sizeBytes} bytes, the plan was made for ${plan.disk.sizeBytes}: plan again`,
    );
  }
  const disk = fresh.disks.find((d) => d.path === plan.disk.path);
  if (!disk) throw new InstallRefused(`${plan.disk.path} is gone`);
  // lsblk sees only this mount namespace; the kernel's exclusive open sees every one.
  await checkExclusive(disk.path);

  const existing = describeExisting(disk);
  const diffs = tableDifferences(await readTable(disk.path), plan.layout.partitions);
  const holdsPairboot =
    diffs.length === 0 || disk.partitions.some((p) => (p.partLabel ?? "").startsWith("pairboot-"));
  const restartHint = "run again with --restart to start this disk over (destroys what it holds)";
  const fromScratch = (why: string): PreparedInstall => {
    notes.push(why);
    return { plan, mode: "fresh", startAt: 0, state: newState(plan), notes };
  };

  if (holdsPairboot) {
    // storage.wipe consents to destroying foreign data, never an existing pairboot node: that needs --restart.
    if (!o.resume) return fromScratch(`--restart: starting ${disk.path} over`);
    if (diffs.length > 0) {
      throw new InstallRefused(
        `${disk.path} holds a pairboot install whose partition table differs from this plan (${diffs.join("; ")}); ${restartHint}`,
        "pairboot-disk",
      );
    }
    const record = await readDiskRecord(plan);
    if (record.complete) {
      throw new AlreadyInstalled(
        `${disk.path} already holds a finished pairboot install${record.state ? ` of ${record.state.node}` : ""}; ${restartHint}`,
        disk.path,
        record.state?.node,
      );
    }
    if (!record.state || !stateFits(record.state, plan)) {
      throw new InstallRefused(
        `${disk.path} holds an interrupted pairboot install that cannot be resumed ` +
          `(${record.state ? "it was made for another node or layout" : "no resume state on it"}); ${restartHint}`,
        "pairboot-disk",
      );
    }
    const startAt = firstIncomplete(record.state, plan);
    notes.push(
      `resuming the interrupted install on ${disk.path} at step '${plan.steps[startAt]?.id ?? "end"}' ` +
        `(${Object.keys(record.state.completed).length} steps done earlier)`,
    );
    return { plan, mode: "resume", startAt, state: record.state, notes };
  }

  if (!existing.blank) {
    if (!o.confirmWipe && !o.spec.storage.wipe) {
      throw new InstallRefused(
        `${existing.summary}:\n${existing.details.map((d) => `  ${d}`).join("\n")}\n` +
          `Installing destroys all of it. Set storage.wipe: true in the answer file, or run interactively ` +
          `with --yes and type the disk's name to confirm.`,
        "foreign-data",
      );
    }
    return fromScratch(
      `${existing.summary}; destroying it (${o.confirmWipe ? "confirmed by the user" : "storage.wipe: true"})`,
    );
  }
  return fromScratch(`${existing.summary}`);
}

async function usedBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return (s.blocks - s.bfree) * s.bsize;
}

/** Runs the prepared plan. Throws InstallFailed (with the step, command, output tail and log path). */
export async function runInstall(
  prep: PreparedInstall,
  o: InstallOptions,
): Promise<{ logPath: string; ms: number }> {
  const { plan } = prep;
  const emit = o.onProgress ?? (() => undefined);
  const unlock = await takeLock(plan.target);
  const log = new InstallLog(plan.logPath, plan.secrets);
  const started = Date.now();
  const osPart = plan.layout.partitions.find((p) => p.role === "os")?.path;
  const state = prep.state;
  log.line(`pairboot install of ${plan.node} onto ${plan.disk.path} (${plan.disk.why})`);
  log.line(`source ${plan.source.kind} ${plan.source.path}; target ${plan.target}; mode ${prep.mode}`);
  for (const n of prep.notes) log.line(n);
  log.line(`this machine booted: ${describeBootSecurity(await readBootSecurity())}`);

  const targetMounted = async () =>
    (await readMounts()).some((m) => m.target === plan.target && m.source === osPart);

  const runStep = async (step: PlanStep, quiet: boolean, signal?: AbortSignal): Promise<void> => {
    for (const f of step.files) {
      log.line(
        `write ${f.path} (mode ${f.mode.toString(8).padStart(4, "0")}, ${Buffer.byteLength(f.content)} bytes${
          f.secret ? ", secret: content not logged" : ""
        })`,
      );
      await writeUnderRoot(plan.target, f);
    }
    for (const command of step.commands) {
      const shown = shownCommand(command, plan.target, plan.secrets);
      log.line(`$ ${shown}`);
      let meter: CopyMeter | null = null;
      let lastEmit = 0;
      let lastLoggedTenth = -1;
      if (step.copies) meter = new CopyMeter(await usedBytes(plan.target));
      const onLine = (line: string) => {
        const f = meter ? copyFraction(line) : null;
        if (meter && f !== null) {
          meter.setFraction(f);
          const now = Date.now();
          if (now - lastEmit < 500) return;
          lastEmit = now;
          void usedBytes(plan.target)
            .then((used) => {
              if (!meter) return;
              const progress = meter.sample(used);
              const text = describeCopy(progress);
              if (!quiet) emit({ type: "copy", id: step.id, progress, text });
              const tenth = Math.floor(progress.fraction * 10);
              if (tenth > lastLoggedTenth) {
                lastLoggedTenth = tenth;
                log.line(`  progress ${text}`);
              }
            })
            .catch(() => undefined); // the target may be gone by the time statfs answers
          return;
        }
        log.line(`  ${line}`);
        if (!quiet) emit({ type: "output", id: step.id, line: redact(line, plan.secrets) });
      };
      let result;
      try {
        result = await runScript(commandLine(command, plan.target), {
          onLine,
          signal,
          stdin: commandStdin(command),
        });
      } catch (err) {
        if (err instanceof CommandAborted) {
          log.line(`stopped by the user during: ${shown}`);
          throw new InstallFailed(step.id, step.title, shown, [], plan.logPath, true);
        }
        throw err;
      }
      if (result.exitCode !== 0) {
        log.line(`exit status ${result.exitCode}`);
        throw new InstallFailed(
          step.id,
          step.title,
          shown,
          result.tail.map((l) => redact(l, plan.secrets)),
          plan.logPath,
          false,
        );
      }
    }
  };

  let current: PlanStep | undefined;
  try {
    for (const [index, step] of plan.steps.entries()) {
      current = step;
      if (!step.always && index < prep.startAt) {
        emit({ type: "step-skip", id: step.id, reason: "done in an earlier run" });
        log.line(`skip ${step.id}: done in an earlier run`);
        continue;
      }
      const t0 = Date.now();
      emit({ type: "step-start", id: step.id, title: step.title, index, total: plan.steps.length });
      log.line(`== ${step.id}: ${step.title}`);
      await runStep(step, false, o.signal);
      if (!step.always) state.completed[step.id] = stepHash(step);
      // The state lives in the OS filesystem: it can be written once that is mounted, and the steps
      // done before (partitioning, mkfs) are recorded with the first write.
      if (await targetMounted()) await writeState(plan.target, state);
      const ms = Date.now() - t0;
      log.line(`ok ${step.id} (${(ms / 1000).toFixed(1)} s)`);
      emit({ type: "step-done", id: step.id, ms });
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.line(`FAILED: ${message}`);
    if (current) emit({ type: "step-failed", id: current.id, message });
    // Leave nothing mounted, so the disk can be examined, or the install rerun and resumed.
    for (const step of plan.steps.filter((s) => s.cleanup)) {
      log.line(`== cleanup ${step.id}`);
      // No abort signal here: after Ctrl-C the unmounting must still run.
      await runStep(step, true).catch((e: unknown) => log.line(`cleanup ${step.id} failed: ${String(e)}`));
    }
    log.close();
    await unlock();
    if (err instanceof InstallFailed) throw err;
    throw new InstallFailed(
      current?.id ?? "?",
      current?.title ?? "?",
      "(pairboot itself)",
      [redact(message, plan.secrets)],
      plan.logPath,
      false,
    );
  }
  const ms = Date.now() - started;
  log.line(`install of ${plan.node} complete in ${(ms / 1000).toFixed(1)} s`);
  log.close();
  await unlock();
  return { logPath: plan.logPath, ms };
}

export interface InstallResult {
  prepared: PreparedInstall;
  /** Absent for a dry run. */
  logPath?: string;
  ms?: number;
}

/** The engine's API for every front end: plan, check, and (unless dry-running) install. */
export async function installNode(o: InstallOptions): Promise<InstallResult> {
  const prepared = await prepareInstall(o);
  if (o.dryRun) return { prepared };
  const r = await runInstall(prepared, o);
  return { prepared, ...r };
}
