// `pairboot plan FILE --node NAME [--hardware FACTS.json] [--disk DEV] [--source DIR|SQUASHFS] [--json]`:
// prints what `pairboot install` would do on this machine (or on recorded hardware): the disk and why,
// the partition layout, then every step with its exact commands and the full files it writes.
import { readFile } from "node:fs/promises";
import { formatAnswerError, loadAnswerFile } from "../answer/load.js";
import type { ClusterSpec } from "../answer/schema.js";
import { missingSecrets, withStandInSecrets } from "../answer/secrets.js";
import { LIVE_ROOT_CANDIDATES, liveSource, releaseOfSource, sourceFromPath } from "../apply/source.js";
import { formatPlan, redactedPlan } from "../plan/format.js";
import { planNode } from "../plan/plan.js";
import { DEFAULT_RELEASE, RELEASES, parseRelease, type Release } from "../render/release.js";
import type { InstallSource } from "../plan/types.js";
import type { HardwareFacts } from "../probe/facts.js";
import { probeHardware } from "../probe/index.js";
import { safeFacts } from "../probe/parse.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";

const HELP = `usage: pairboot plan FILE --node NAME [--hardware FACTS.json] [--disk DEV] [--source PATH]
                    [--release RELEASE] [--json]

Print every step 'pairboot install' would run for node NAME of the answer file FILE: the disk it
chooses and why, the partition layout, each command exactly as it runs and the full content of every
file it writes (secrets are shown as <secret, N bytes>). Nothing is written.

options:
  --node NAME          the node to plan (one of the answer file's nodes)
  --hardware FILE      plan for recorded hardware facts (pairboot probe > FILE) instead of this machine
  --disk DEV           install onto DEV; it must still match the node's disk selector
  --source PATH        the root filesystem to install: a directory or a squashfs image
                       (default: the live system's own image); its /etc/os-release names the
                       Debian release the files are rendered for
  --release RELEASE    render for this Debian release when there is no source to ask
                       (${RELEASES.join(" or ")}; default ${DEFAULT_RELEASE})
  --json               print the plan as JSON
  -h, --help           show this help

Exit status: 0 with a plan, 1 when no disk can be chosen (the message names every disk seen).
`;

export async function loadSpecOrFail(path: string): Promise<ClusterSpec> {
  let loaded;
  try {
    loaded = await loadAnswerFile(path);
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (!loaded.ok) throw new CliError(loaded.errors.map(formatAnswerError).join("\n"));
  return loaded.spec;
}

async function readFacts(path: string): Promise<HardwareFacts> {
  try {
    // Recorded facts are as untrusted as a live probe: the same display-safe strings.
    return safeFacts(JSON.parse(await readFile(path, "utf8")) as HardwareFacts);
  } catch (err) {
    throw new CliError(`cannot read hardware facts from ${path}: ${(err as Error).message}`);
  }
}

export async function resolveSource(arg: string | undefined): Promise<InstallSource | null> {
  if (arg !== undefined) {
    try {
      return await sourceFromPath(arg);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  return liveSource();
}

/**
 * The Debian release to render for: the source's own (its os-release) when there is a source to read,
 * else --release, else the default. A --release that contradicts the source is an error, not a choice.
 */
export async function resolveRelease(
  flag: string | undefined,
  source: InstallSource | null,
): Promise<Release> {
  let wanted: Release | undefined;
  try {
    wanted = flag === undefined ? undefined : parseRelease(flag, "--release");
    if (source === null) return wanted ?? DEFAULT_RELEASE;
    const found = await releaseOfSource(source);
    if (wanted !== undefined && wanted !== found) {
      throw new Error(
        `--release ${wanted} contradicts the source: ${source.path} is Debian ${found}; drop --release or use a ${wanted} source`,
      );
    }
    return found;
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(
    argv,
    {
      node: { type: "string" },
      hardware: { type: "string" },
      disk: { type: "string" },
      source: { type: "string" },
      release: { type: "string" },
      json: { type: "boolean", default: false },
    },
    HELP,
  );
  if (!args) return 0;
  const { values, positionals } = args;
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0 || !values.node) {
    throw usageError("expected FILE and --node NAME", HELP);
  }
  let spec = await loadSpecOrFail(file);
  const notes: string[] = [];
  // Secrets are generated into the answer file by the first install; `plan` writes nothing, so it shows
  // stand-ins (printed only as their size anyway).
  const missing = missingSecrets(spec);
  if (missing.length > 0) {
    notes.push(`note: ${missing.join(" and ")} not in ${file} yet; install generates them into it`);
    spec = withStandInSecrets(spec);
  }
  if (!spec.nodes.some((n) => n.name === values.node)) {
    throw new CliError(
      `no node named '${values.node}' in ${file} (nodes: ${spec.nodes.map((n) => n.name).join(", ")})`,
    );
  }
  const facts = values.hardware
    ? await readFacts(values.hardware)
    : await probeHardware({ includeLoop: values.disk?.startsWith("/dev/loop") === true });
  const found = await resolveSource(values.source);
  const release = await resolveRelease(values.release, found);
  const source = found ?? (LIVE_ROOT_CANDIDATES[0] as InstallSource);

  const r = planNode(spec, values.node, facts, {
    source,
    disk: values.disk,
    answerPath: file,
    release,
  });
  if (!r.ok) {
    process.stderr.write(`pairboot plan: cannot plan ${values.node}: ${r.message}\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(redactedPlan(r.plan), null, 2)}\n`);
  } else {
    process.stdout.write(formatPlan(r.plan));
    for (const n of notes) process.stdout.write(`\n${n}\n`);
  }
  return 0;
}
