// pairboot probe: print what pairboot sees on this machine (the input to node identification and disk
// selection), so a user can check it before writing an answer file; with --answer, say which node this
// machine is and which disk that node's selector picks here, before anything is installed.
import { readFile, writeFile } from "node:fs/promises";
import { formatAnswerError, loadAnswerFile } from "../answer/load.js";
import type { ClusterSpec } from "../answer/schema.js";
import { describeExisting, selectNodeDisk } from "../plan/disk.js";
import { identifyNode } from "../plan/identify.js";
import type { HardwareFacts } from "../probe/facts.js";
import { parseHardware, safeFacts } from "../probe/parse.js";
import { readRawHardware } from "../probe/read.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";

const USAGE = `usage: pairboot probe [--include-loop] [--out FILE] [--raw-out FILE]
       pairboot probe --answer FILE [--include-loop] [--hardware FACTS.json]

Print this machine's hardware facts (disks, NICs, DMI, kernel command line) as JSON.
With --answer, check an answer file against this machine instead: which node it is, which disk that
node's selector picks and what is on that disk now. Nothing is written to any disk.

  --include-loop       list loop devices as disks too (tests and development only)
  --out FILE           write the JSON to FILE instead of standard output
  --raw-out FILE       also write everything read from the machine (lsblk, blkid, sysfs), for test fixtures
  --answer FILE        check this answer file against the machine
  --hardware FILE      with --answer: use recorded facts (pairboot probe --out FILE) instead of this machine

Exit status: 0; with --answer, 1 when the node or its disk cannot be determined (the message says why).
`;

async function readFacts(path: string): Promise<HardwareFacts> {
  try {
    // Recorded facts are as untrusted as a live probe: the same display-safe strings.
    return safeFacts(JSON.parse(await readFile(path, "utf8")) as HardwareFacts);
  } catch (err) {
    throw new CliError(`cannot read hardware facts from ${path}: ${(err as Error).message}`);
  }
}

async function loadSpec(path: string): Promise<ClusterSpec> {
  let loaded;
  try {
    loaded = await loadAnswerFile(path);
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (!loaded.ok) throw new CliError(loaded.errors.map(formatAnswerError).join("\n"));
  return loaded.spec;
}

/** The --answer report: node, disk, what the disk holds. Returns the exit status. */
export function checkAnswer(spec: ClusterSpec, facts: HardwareFacts, out: (s: string) => void): number {
  const id = identifyNode(spec, facts);
  if (!id.ok) {
    out(`node: cannot tell which node this machine is\n  ${id.message.replace(/\n/g, "\n  ")}\n`);
    return 1;
  }
  out(`node: ${id.node.name}\n  why: ${id.why}\n`);
  const r = selectNodeDisk(spec, id.node, facts);
  if (!r.ok) {
    out(`disk: none\n  ${r.message.replace(/\n/g, "\n  ")}\n`);
    return 1;
  }
  const disk = facts.disks.find((d) => d.path === r.choice.path);
  out(`disk: ${r.choice.path}\n  why: ${r.choice.why}\n`);
  if (disk) {
    const e = describeExisting(disk);
    out(`  now: ${e.summary}\n${e.details.map((l) => `    ${l}\n`).join("")}`);
    if (!e.blank) out(`  installing ${id.node.name} destroys all of this\n`);
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      "include-loop": { type: "boolean", default: false },
      out: { type: "string" },
      "raw-out": { type: "string" },
      answer: { type: "string" },
      hardware: { type: "string" },
    },
    USAGE,
    { positionals: false },
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.hardware !== undefined && values.answer === undefined) {
    throw usageError("--hardware only goes with --answer", USAGE);
  }

  if (values.answer !== undefined) {
    const spec = await loadSpec(values.answer);
    const facts =
      values.hardware !== undefined
        ? await readFacts(values.hardware)
        : await probe(values["include-loop"]).then((p) => p.facts);
    return checkAnswer(spec, facts, (s) => process.stdout.write(s));
  }

  const { raw, facts } = await probe(values["include-loop"]);
  const json = `${JSON.stringify(facts, null, 2)}\n`;
  if (values["raw-out"]) await writeFile(values["raw-out"], `${JSON.stringify(raw, null, 2)}\n`);
  if (values.out) {
    await writeFile(values.out, json);
  } else {
    process.stdout.write(json);
  }
  return 0;
}

async function probe(includeLoop: boolean) {
  let raw;
  try {
    raw = await readRawHardware({ includeLoop });
  } catch (err) {
    throw new CliError(`could not read this machine's hardware: ${(err as Error).message}`);
  }
  return { raw, facts: parseHardware(raw) };
}
