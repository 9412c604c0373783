import { collect } from "../status/collect.js";
import { ActionFailed, moveAndMeasure, runShown } from "../status/act.js";
import { describeMove, planStandby } from "../status/switchover.js";
import { CliError } from "./errors.js";
import { timedNodeCommand } from "./node-args.js";

const HELP = `usage: pairboot standby [--timeout SECONDS] [--answer FILE]

Puts this node in standby for maintenance: moves the service to the peer if this node serves it (as
pairboot switchover does, with the same checks), then stops Heartbeat here, so this node takes nothing
back even if the peer fails. DRBD keeps replicating (this node stays Secondary and UpToDate).
Bring the node back with 'pairboot resume'.

  --timeout SECONDS  how long to wait for the peer to serve (default 120)
  --answer FILE      the cluster's answer file (default /etc/pairboot/answer.yaml)

Exit status: 0 in standby, 1 refused or failed, 2 usage.
`;

export async function run(argv: string[]): Promise<number> {
  const cmd = await timedNodeCommand(argv, HELP);
  if (!cmd) return 0;
  const { timeout, spec, node } = cmd;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const decision = planStandby(await collect(spec, node));
  if (!decision.ok) throw new CliError(`refused (${decision.refusal.code}): ${decision.refusal.message}`);
  const { plan } = decision;
  if (plan.already) {
    say(`${node} is already in standby: Heartbeat is not running here (pairboot resume brings it back)`);
    return 0;
  }
  try {
    if (plan.move) {
      say(`standby: moving the service ${node} -> ${plan.move.to} first`);
      const r = await moveAndMeasure(spec, plan.move.command, false, timeout * 1000, say);
      say(describeMove(plan.move.to, spec.service.ip, r));
      if (!r.served)
        throw new CliError(`${plan.move.to} did not take the service: Heartbeat left running here`);
    }
    await runShown({ argv: ["systemctl", "stop", "heartbeat"] }, say);
  } catch (err) {
    if (err instanceof ActionFailed) throw new CliError(err.message);
    throw err;
  }
  say(
    `${node} is in standby: Heartbeat stopped here, so it takes nothing over even if ${plan.peer} fails; DRBD keeps replicating. Bring it back: pairboot resume`,
  );
  return 0;
}
