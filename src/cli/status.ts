import { readFile } from "node:fs/promises";
import { collect, loadInstalledSpec } from "../status/collect.js";
import { evaluate, EXIT_CODE, formatReport, summaryLine, worstHealth } from "../status/report.js";
import { parseCommandLine, usageError } from "./args.js";

const HELP = `usage: pairboot status [--answer FILE] [--json]

Shows this node's DRBD, Heartbeat, bond, NFS and time health, one line each, under one summary line.
Follows the monitoring-plugin convention (Nagios, Icinga, Zabbix, a node_exporter textfile script):
the first line is the summary ("PAIRBOOT OK - node-a active, DRBD Connected UpToDate/UpToDate, ...").

  --answer FILE   the cluster's answer file (default /etc/pairboot/answer.yaml)
  --json          print the summary, the checks and everything observed as JSON

Exit status: 0 OK, 1 WARNING (running without a standby, resync, a bond leg or the clock),
2 CRITICAL (split brain, DRBD not replicating by itself, Heartbeat down, the service runs nowhere),
3 UNKNOWN (the node could not be read: not an installed node, bad arguments).
`;

/**
 * Monitoring systems read standard output's first line and the exit code: a failure to look is UNKNOWN
 * (3) there, with the whole message on standard error.
 */
class Unknown extends Error {}

function unknown(message: string): Unknown {
  return new Unknown(message);
}

export async function run(argv: string[]): Promise<number> {
  try {
    return await check(argv);
  } catch (err) {
    if (!(err instanceof Unknown)) throw err;
    process.stdout.write(`PAIRBOOT UNKNOWN - ${err.message.split("\n")[0]}\n`);
    process.stderr.write(`pairboot status: ${err.message}\n`);
    return EXIT_CODE.unknown;
  }
}

async function check(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(
      argv,
      { answer: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      HELP,
    );
    if (!parsed.values.help && parsed.positionals.length > 0)
      throw usageError(`unexpected argument '${parsed.positionals[0]}'`, HELP);
  } catch (err) {
    throw unknown((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const answerPath = values.answer ?? "/etc/pairboot/answer.yaml";
  let spec;
  try {
    spec = await loadInstalledSpec(answerPath);
  } catch (err) {
    throw unknown((err as Error).message);
  }
  const node = (await readFile("/etc/pairboot/node", "utf8").catch(() => "")).trim();
  if (!node) throw unknown("/etc/pairboot/node is missing: status runs on an installed pairboot node");
  const observed = await collect(spec, node);
  const lines = evaluate(observed);
  const health = worstHealth(lines);
  if (values.json)
    process.stdout.write(
      JSON.stringify({ summary: summaryLine(observed, lines), health, lines, observed }, null, 2) + "\n",
    );
  else process.stdout.write(formatReport(observed, lines));
  return EXIT_CODE[health];
}
