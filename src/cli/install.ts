// `pairboot install --answer FILE [--node NAME] [--disk DEV] [--source DIR|SQUASHFS] [--yes] [--dry-run]
// [--restart] [--tool DIR]`: installs this machine as one node of the answer file. The machine is always
// probed (never recorded facts); the node is recognised by its NICs unless --node names it.
import { createInterface } from "node:readline/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { AnswerFileError, ensureSecrets } from "../answer/secrets.js";
import { formatAnswerError } from "../answer/load.js";
import type { ClusterSpec } from "../answer/schema.js";
import { InstallFailed, InstallRefused, installNode, prepareInstall, runInstall } from "../apply/engine.js";
import { listrPresenter } from "../apply/present.js";
import { describeExisting } from "../plan/disk.js";
import { identifyNode } from "../plan/identify.js";
import { formatPlan } from "../plan/format.js";
import { probeHardware } from "../probe/index.js";
import { CliError } from "./errors.js";
import { resolveSource } from "./plan.js";

const HELP = `usage: pairboot install --answer FILE [--node NAME] [--disk DEV] [--source PATH]
                        [--yes] [--dry-run] [--restart] [--tool DIR]

Install this machine as a node of the answer file: partition its disk, copy the live system onto it,
write the node's configuration and install GRUB for BIOS and UEFI. Progress is shown per step; every
command and its output go to /var/log/pairboot/install-NODE-TIME.log, which is also copied onto the node.

options:
  --answer FILE   the answer file (missing shared secrets are generated into it)
  --node NAME     which node this machine is (default: recognised by its NICs' MAC addresses)
  --disk DEV      install onto DEV; it must also match the node's disk selector
  --source PATH   the root filesystem to install: a directory (copied with rsync) or a squashfs image
                  (default: the live system's image, /run/live/rootfs/filesystem.squashfs)
  --yes           on a terminal: allow destroying what the disk holds after you type its name
                  (unattended installs consent with storage.wipe: true in the answer file)
  --dry-run       check everything and print what would run; write nothing
  --restart       start over on a disk that holds an earlier (finished or interrupted) pairboot install
  --target DIR    where the new root is mounted while installing (default /run/pairboot/target)
  --tool DIR      pairboot's runtime to put on the node as /usr/local/sbin/pairboot (a directory with
                  bin/node and lib/pairboot.mjs; default: the one pairboot runs from on the live system,
                  /opt/pairboot; from a development tree: none, and the node gets no pairboot command)
  -h, --help      show this help

An interrupted install resumes where it stopped when run again with the same answer file and disk.
Exit status: 0 installed, 1 refused or failed (nothing written when refused), 2 usage, 130 interrupted.
`;

async function typedConfirmation(diskPath: string, summary: string): Promise<boolean> {
  const name = diskPath.replace(/^\/dev\//, "");
  process.stderr.write(`\n${summary}\nInstalling destroys everything on it.\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Type the disk's name (${name}) to destroy it and install: `);
    return answer.trim() === name || answer.trim() === diskPath;
  } finally {
    rl.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        answer: { type: "string" },
        node: { type: "string" },
        disk: { type: "string" },
        source: { type: "string" },
        hardware: { type: "string" },
        yes: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        restart: { type: "boolean", default: false },
        target: { type: "string" },
        tool: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${HELP}`, 2);
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!v.answer) throw new CliError(`--answer FILE is required\n\n${HELP}`, 2);
  if (v.hardware) {
    throw new CliError(
      "--hardware is not accepted by install: a real install probes this machine. Use 'pairboot plan --hardware' to study recorded hardware.",
      2,
    );
  }
  const dryRun = v["dry-run"];
  const answerPath = resolve(v.answer);

  let spec: ClusterSpec;
  try {
    // A dry run must write nothing, not even generated secrets into the answer file.
    const r = await ensureSecretsUnlessDry(answerPath, dryRun);
    spec = r.spec;
    if (r.generated.length > 0) {
      process.stderr.write(
        `pairboot: generated ${r.generated.join(" and ")} into ${answerPath} (mode 0600)\n`,
      );
    }
  } catch (err) {
    if (err instanceof AnswerFileError) throw new CliError(err.errors.map(formatAnswerError).join("\n"));
    throw new CliError(`cannot use ${answerPath}: ${(err as Error).message}`);
  }

  const source = await resolveSource(v.source);
  if (!source) {
    throw new CliError(
      "no live root filesystem found (/run/live/rootfs/filesystem.squashfs); pass --source DIR or --source IMAGE.squashfs",
    );
  }
  const facts = await probeHardware({ includeLoop: v.disk?.startsWith("/dev/loop") === true });
  let nodeName = v.node;
  if (!nodeName) {
    const id = identifyNode(spec, facts);
    if (!id.ok) throw new CliError(`${id.message}\nName the node with --node NAME.`);
    nodeName = id.node.name;
    process.stderr.write(`pairboot: this machine is ${nodeName} (${id.why})\n`);
  }

  const abort = new AbortController();
  const base = {
    spec,
    answerPath,
    nodeName,
    facts,
    diskPath: v.disk,
    source,
    confirmWipe: false,
    dryRun,
    resume: !v.restart,
    signal: abort.signal,
    target: v.target === undefined ? undefined : resolve(v.target),
    tool: v.tool === undefined ? undefined : resolve(v.tool),
  };

  let prepared;
  try {
    prepared = await prepareInstall(base);
  } catch (err) {
    if (!(err instanceof InstallRefused)) throw err;
    // The one refusal a person at the console may overrule: foreign data on the disk, with --yes and the
    // disk's name typed in. Unattended runs never prompt.
    const foreign = err.message.includes("Installing destroys all of it");
    if (!(foreign && v.yes && process.stdin.isTTY === true)) throw new CliError(`refused: ${err.message}`);
    const planned = await installNode({ ...base, dryRun: true, confirmWipe: true }).catch(() => null);
    const disk = planned ? facts.disks.find((d) => d.path === planned.prepared.plan.disk.path) : undefined;
    if (!disk || !(await typedConfirmation(disk.path, describeExisting(disk).summary))) {
      throw new CliError("not confirmed; nothing was written");
    }
    prepared = await prepareInstall({ ...base, confirmWipe: true }).catch((e: unknown) => {
      throw new CliError(`refused: ${(e as Error).message}`);
    });
  }

  const { plan } = prepared;
  process.stdout.write(`pairboot install: ${plan.node} onto ${plan.disk.path} (${plan.disk.why})\n`);
  for (const n of prepared.notes) process.stdout.write(`  ${n}\n`);
  if (dryRun) {
    process.stdout.write(`\n--dry-run: nothing was written. This is what would run:\n\n${formatPlan(plan)}`);
    plan.steps.forEach((s, i) => {
      if (!s.always && i < prepared.startAt) process.stdout.write(`(skipped on resume: ${s.id})\n`);
    });
    return 0;
  }

  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\npairboot: ${sig}: stopping the current command, then unmounting\n`);
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const presenter = listrPresenter(plan.steps);
  try {
    const r = await runInstall(prepared, { ...base, onProgress: presenter.onProgress });
    await presenter.done;
    process.stdout.write(
      `\npairboot install: ${plan.node} installed on ${plan.disk.path} in ${Math.round(r.ms / 1000)} s\nlog: ${r.logPath}\n`,
    );
    return 0;
  } catch (err) {
    await presenter.done;
    if (err instanceof InstallFailed) {
      process.stderr.write(`\npairboot install: ${err.message}\n`);
      if (!err.aborted) process.stderr.write("Fix the cause and run the same command again: it resumes.\n");
      return err.aborted ? 130 : 1;
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function ensureSecretsUnlessDry(
  path: string,
  dryRun: boolean,
): Promise<{ spec: ClusterSpec; generated: string[] }> {
  if (!dryRun) return ensureSecrets(path);
  const { loadSpecOrFail } = await import("./plan.js");
  const { generateSecret } = await import("../answer/secrets.js");
  const spec = await loadSpecOrFail(path);
  return {
    spec: {
      ...spec,
      drbd: { ...spec.drbd, shared_secret: spec.drbd.shared_secret ?? generateSecret() },
      heartbeat: { ...spec.heartbeat, authkey: spec.heartbeat.authkey ?? generateSecret() },
    },
    generated: [],
  };
}
