// `pairboot install --answer FILE [--node NAME] [--disk DEV] [--source DIR|SQUASHFS] [--yes] [--dry-run]
// [--restart] [--tool DIR]`: installs this machine as one node of the answer file. The machine is always
// probed (never recorded facts); the node is recognised by its NICs unless --node names it.
import { createInterface } from "node:readline/promises";
import { resolve } from "node:path";
import { AnswerFileError, ensureSecrets } from "../answer/secrets.js";
import { formatAnswerError } from "../answer/load.js";
import type { ClusterSpec } from "../answer/schema.js";
import { identifyNode } from "../plan/identify.js";
import { probeHardware } from "../probe/index.js";
import { installSession } from "../session/install.js";
import { parseCommand, usageError } from "./args.js";
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
  const args = parseCommand(
    argv,
    {
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
    },
    HELP,
    { positionals: false },
  );
  if (!args) return 0;
  const v = args.values;
  if (!v.answer) throw usageError("--answer FILE is required", HELP);
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

  const outcome = await installSession(
    {
      spec,
      answerPath,
      nodeName,
      facts,
      diskPath: v.disk,
      source,
      dryRun,
      restart: v.restart,
      target: v.target === undefined ? undefined : resolve(v.target),
      tool: v.tool === undefined ? undefined : resolve(v.tool),
    },
    {
      say: (line) => process.stdout.write(line.endsWith("\n") ? line : `${line}\n`),
      warn: (line) => process.stderr.write(`${line}\n`),
      // The one refusal a person at the console may overrule: foreign data on the disk, with --yes and
      // the disk's name typed in. Unattended runs never prompt.
      confirmWipe: v.yes && process.stdin.isTTY === true ? typedConfirmation : undefined,
    },
  );
  switch (outcome.kind) {
    case "installed":
    case "planned":
      return 0;
    case "refused":
      throw new CliError(outcome.refusal ? `refused: ${outcome.message}` : outcome.message);
    case "failed":
      return outcome.aborted ? 130 : 1;
  }
}

async function ensureSecretsUnlessDry(
  path: string,
  dryRun: boolean,
): Promise<{ spec: ClusterSpec; generated: string[] }> {
  if (!dryRun) return ensureSecrets(path);
  const { loadSpecOrFail } = await import("./plan.js");
  const { withStandInSecrets } = await import("../answer/secrets.js");
  const spec = await loadSpecOrFail(path);
  return { spec: withStandInSecrets(spec), generated: [] };
}
