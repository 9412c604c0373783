import { collect } from "../status/collect.js";
import { ActionFailed, moveAndMeasure } from "../status/act.js";
import { describeMove, planSwitchover } from "../status/switchover.js";
import { parseCommand } from "./args.js";
import { CliError } from "./errors.js";
import { noPositionals, timeoutSeconds, thisNode } from "./node-args.js";

const HELP = `usage: pairboot switchover [--to NODE] [--timeout SECONDS] [--answer FILE]

Moves the NFS service to the other node on purpose (Heartbeat's hb_standby all) and waits until the
target serves: the service IP answering on the NFS port from there, nothing held here, DRBD's peer
Primary. Run it on the node that serves: Heartbeat 3.0.6 hands resources over only from the node holding
them (its hb_takeover's request has no handler), so on the other node it refuses and says where to run it.
Measures the pause clients saw: from the last moment the service IP answered on the source to the first
moment it answered on the target.

Refuses, naming the reason, unless both nodes run Heartbeat and see each other and DRBD is Connected
with both disks UpToDate.

  --to NODE          the node that should serve (default: the one that does not serve now)
  --timeout SECONDS  how long to wait for the target to serve (default 120)
  --answer FILE      the cluster's answer file (default /etc/pairboot/answer.yaml)

Exit status: 0 moved and serving, 1 refused or not serving in time, 2 usage.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      to: { type: "string" },
      timeout: { type: "string" },
      answer: { type: "string" },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  noPositionals(positionals, HELP);
  const timeout = timeoutSeconds(values.timeout, HELP);
  const { spec, node } = await thisNode(values.answer);
  const observed = await collect(spec, node);
  const decision = planSwitchover(observed, values.to);
  if (!decision.ok) throw new CliError(`refused (${decision.refusal.code}): ${decision.refusal.message}`);
  const { plan } = decision;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`switchover: ${plan.from} -> ${plan.to} (run on ${node})`);
  try {
    const r = await moveAndMeasure(spec, plan.command, plan.toLocal, timeout * 1000, say);
    say(describeMove(plan.to, spec.service.ip, r));
    return r.served ? 0 : 1;
  } catch (err) {
    if (err instanceof ActionFailed) throw new CliError(err.message);
    throw err;
  }
}
