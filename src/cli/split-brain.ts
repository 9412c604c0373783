import { createInterface } from "node:readline/promises";
import { collect } from "../status/collect.js";
import { ActionFailed, runShown } from "../status/act.js";
import { splitBrainReport } from "../status/report.js";
import { planResolve } from "../status/splitbrain.js";
import { commandText } from "../util/shell.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";
import { thisNode } from "./node-args.js";

const HELP = `usage: pairboot split-brain show [--answer FILE]
       pairboot split-brain resolve --discard NODE [--answer FILE]

show     what each node changed since the split and the DRBD 8.4 recovery procedure (as pairboot status).
resolve  this node's part of the recovery, keeping the data of the node that is not NODE: on NODE (the
         victim, StandAlone) 'drbdadm secondary' and 'connect --discard-my-data'; on the other node (the
         survivor) 'drbdadm connect'. Run it on both nodes, in either order. NODE's changes since the split
         are overwritten by a resync from the survivor. Asks for NODE's name, typed, before it acts (read
         from standard input when it is not a terminal). Refuses when there is no split brain, and on the
         victim while it holds the service.

  --discard NODE   the node whose changes are thrown away
  --answer FILE    the cluster's answer file (default /etc/pairboot/answer.yaml)

Exit status: 0 done (or nothing to show), 1 refused or failed, 2 usage.
`;

/** True only when the line read from `input` is exactly the discarded node's name. */
export async function typedName(
  discard: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: input === process.stdin && process.stdin.isTTY });
  const ended = new Promise<string | null>((resolve) => rl.once("close", () => resolve(null)));
  try {
    const answer = await Promise.race([
      rl.question(`Type the name of the node whose changes are discarded (${discard}): `),
      ended,
    ]);
    return answer !== null && answer.trim() === discard;
  } catch {
    return false; // standard input ended without an answer
  } finally {
    rl.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { discard: { type: "string" }, answer: { type: "string" } }, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [sub, ...extra] = positionals;
  if (sub !== "show" && sub !== "resolve")
    throw usageError(`expected 'show' or 'resolve', got '${sub ?? ""}'`, HELP);
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`, HELP);
  if (sub === "resolve" && !values.discard) throw usageError("resolve needs --discard NODE", HELP);
  const { spec, node } = await thisNode(values.answer);
  const o = await collect(spec, node);
  const report = splitBrainReport(o);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (sub === "show") {
    say(
      report
        ? report.text
        : `no split brain on ${node}: ${o.drbd.resource} is ${o.drbd.state?.connection ?? "not configured"}`,
    );
    return 0;
  }
  const discard = values.discard as string;
  const plan = planResolve(
    {
      node,
      peer: o.peer,
      resource: o.drbd.resource,
      connection: o.drbd.state?.connection ?? null,
      splitBrain: report !== null,
      serving: o.nfs.holdsServiceIp || o.nfs.dataMounted,
    },
    discard,
  );
  if (!plan.ok) throw new CliError(`refused (${plan.code}): ${plan.message}`);
  if (report) say(report.text);
  const keep = discard === node ? plan.other : node;
  say(
    `\nThis keeps ${keep}'s data and throws away what ${discard} wrote since the split. ${node} is the ${plan.part}; its part:`,
  );
  for (const c of plan.commands) say(`  ${commandText(c.argv)}`);
  if (!(await typedName(discard))) throw new CliError("not confirmed: nothing was changed");
  try {
    for (const c of plan.commands) await runShown(c, say);
  } catch (err) {
    if (err instanceof ActionFailed) throw new CliError(err.message);
    throw err;
  }
  say(
    plan.part === "victim"
      ? `${node} waits for ${plan.other} with --discard-my-data; on ${plan.other} run: pairboot split-brain resolve --discard ${discard} (if it is StandAlone). The resync then brings ${node} UpToDate.`
      : `${node} reconnects; on ${plan.other} run: pairboot split-brain resolve --discard ${discard} (if not done yet). pairboot status shows the resync.`,
  );
  return 0;
}
