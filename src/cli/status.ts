import { readFile } from "node:fs/promises";
import { collect, loadInstalledSpec } from "../status/collect.js";
import { evaluate, formatStatus } from "../status/report.js";
import { parseCommandLine, usageError } from "./args.js";
import { CliError } from "./errors.js";

const HELP = `usage: pairboot status [--answer FILE] [--json]

Shows this node's DRBD, Heartbeat, bond, NFS and time health, one line each.
Exit 0 when everything is OK, 1 when anything needs attention.

  --answer FILE   the cluster's answer file (default /etc/pairboot/answer.yaml)
  --json          print the observations and verdicts as JSON
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { answer: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    HELP,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`, HELP);
  const answerPath = values.answer ?? "/etc/pairboot/answer.yaml";
  let spec;
  try {
    spec = await loadInstalledSpec(answerPath);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const node = (await readFile("/etc/pairboot/node", "utf8").catch(() => "")).trim();
  if (!node) throw new CliError("/etc/pairboot/node is missing: status runs on an installed pairboot node");
  const observed = await collect(spec, node);
  const lines = evaluate(observed);
  if (values.json) process.stdout.write(JSON.stringify({ observed, lines }, null, 2) + "\n");
  else process.stdout.write(formatStatus(node, lines));
  return lines.every((l) => l.health === "ok") ? 0 : 1;
}
