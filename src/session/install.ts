// The install use case, one for every front end that installs a node from an answer already loaded:
// `pairboot install` and the live console call it (the wizard drives the engine through its Engine
// interface instead, with its own progress screen). It prepares the install, lets a person overrule the
// one refusal that may be overruled (foreign data on the disk, by typing the disk's name), prints the plan
// for a dry run, and runs the steps with listr progress. Everything it says goes through `ui`, so the CLI
// and the console show the same lines.
import {
  InstallFailed,
  InstallRefused,
  installNode,
  prepareInstall,
  runInstall,
  type InstallOptions,
  type PreparedInstall,
} from "../apply/engine.js";
import { listrPresenter } from "../apply/present.js";
import { describeExisting } from "../plan/disk.js";
import { formatPlan } from "../plan/format.js";

/** What the caller has already settled: the answer (with its secrets), the node, this machine's facts. */
export type InstallRequest = Pick<
  InstallOptions,
  "spec" | "answerPath" | "nodeName" | "facts" | "diskPath" | "source" | "dryRun" | "target" | "tool"
> & {
  /** Start a disk that holds an earlier pairboot install over instead of resuming it. */
  restart: boolean;
};

export interface InstallUi {
  /** A line for the user (stdout). */
  say(line: string): void;
  /** A line about a failure (stderr on the CLI). */
  warn(line: string): void;
  /**
   * Asked when the disk holds foreign data and the answer does not consent (storage.wipe): resolves true
   * when the person typed the disk's name. Absent (unattended, no terminal): the refusal stands.
   */
  confirmWipe?: (disk: string, summary: string) => Promise<boolean>;
}

export type InstallOutcome =
  | { kind: "installed"; node: string; disk: string; seconds: number; logPath: string | undefined }
  | { kind: "planned" }
  | { kind: "refused"; message: string; refusal?: InstallRefused }
  | { kind: "failed"; message: string; aborted: boolean };

async function prepareWithConsent(
  base: InstallOptions,
  ui: InstallUi,
): Promise<PreparedInstall | InstallOutcome> {
  try {
    return await prepareInstall(base);
  } catch (err) {
    if (!(err instanceof InstallRefused)) throw err;
    if (err.reason !== "foreign-data" || !ui.confirmWipe) {
      return { kind: "refused", message: err.message, refusal: err };
    }
    const planned = await installNode({ ...base, dryRun: true, confirmWipe: true }).catch(() => null);
    const disk = planned
      ? base.facts.disks.find((d) => d.path === planned.prepared.plan.disk.path)
      : undefined;
    if (!disk || !(await ui.confirmWipe(disk.path, describeExisting(disk).summary))) {
      return { kind: "refused", message: "not confirmed; nothing was written" };
    }
    try {
      return await prepareInstall({ ...base, confirmWipe: true });
    } catch (again) {
      if (again instanceof InstallRefused) return { kind: "refused", message: again.message, refusal: again };
      throw again;
    }
  }
}

/** Prepares and runs the install; SIGINT and SIGTERM stop the running command, then unmount. */
export async function installSession(r: InstallRequest, ui: InstallUi): Promise<InstallOutcome> {
  const abort = new AbortController();
  const base: InstallOptions = {
    spec: r.spec,
    answerPath: r.answerPath,
    nodeName: r.nodeName,
    facts: r.facts,
    diskPath: r.diskPath,
    source: r.source,
    confirmWipe: false,
    dryRun: r.dryRun,
    resume: !r.restart,
    signal: abort.signal,
    target: r.target,
    tool: r.tool,
  };
  const prepared = await prepareWithConsent(base, ui);
  if ("kind" in prepared) return prepared;

  const { plan } = prepared;
  ui.say(`pairboot install: ${plan.node} onto ${plan.disk.path} (${plan.disk.why})`);
  for (const n of prepared.notes) ui.say(`  ${n}`);
  if (r.dryRun) {
    ui.say(`\n--dry-run: nothing was written. This is what would run:\n\n${formatPlan(plan)}`);
    plan.steps.forEach((s, i) => {
      if (!s.always && i < prepared.startAt) ui.say(`(skipped on resume: ${s.id})`);
    });
    return { kind: "planned" };
  }

  const onSignal = (sig: NodeJS.Signals) => {
    ui.warn(`\npairboot: ${sig}: stopping the current command, then unmounting`);
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const presenter = listrPresenter(plan.steps);
  try {
    const done = await runInstall(prepared, { ...base, onProgress: presenter.onProgress });
    await presenter.done;
    const seconds = Math.round(done.ms / 1000);
    ui.say(
      `\npairboot install: ${plan.node} installed on ${plan.disk.path} in ${seconds} s\nlog: ${done.logPath}`,
    );
    return { kind: "installed", node: plan.node, disk: plan.disk.path, seconds, logPath: done.logPath };
  } catch (err) {
    await presenter.done;
    if (err instanceof InstallFailed) {
      ui.warn(`\npairboot install: ${err.message}`);
      if (!err.aborted) ui.warn("Fix the cause and run the same command again: it resumes.");
      return { kind: "failed", message: err.message, aborted: err.aborted };
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
