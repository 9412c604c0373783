import { run as runProgram } from "../util/exec.js";
import { ActionFailed, runShown, waitUntil } from "../status/act.js";
import { parseNodeStatus } from "../status/parse.js";
import { CliError } from "./errors.js";
import { timedNodeCommand } from "./node-args.js";

const HELP = `usage: pairboot resume [--timeout SECONDS] [--answer FILE]

Brings a node back from standby: starts Heartbeat here and waits until it sees its peer. The service stays
where it is (auto_failback off); 'pairboot switchover --to NODE' moves it back when you want.

  --timeout SECONDS  how long to wait for Heartbeat to see the peer (default 120)
  --answer FILE      the cluster's answer file (default /etc/pairboot/answer.yaml)

Exit status: 0 Heartbeat runs and sees the peer, 1 failed or not in time, 2 usage.
`;

export async function run(argv: string[]): Promise<number> {
  const cmd = await timedNodeCommand(argv, HELP);
  if (!cmd) return 0;
  const { timeout, spec, node } = cmd;
  const peer = spec.nodes.find((n) => n.name !== node)?.name ?? "peer";
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const peerStatus = async () =>
    parseNodeStatus((await runProgram(["cl_status", "nodestatus", peer], { timeoutMs: 5000 })).stdout);
  const running = (await runProgram(["cl_status", "hbstatus"], { timeoutMs: 5000 })).exitCode === 0;
  try {
    if (running) say(`Heartbeat already runs on ${node}`);
    else await runShown({ argv: ["systemctl", "start", "heartbeat"] }, say);
  } catch (err) {
    if (err instanceof ActionFailed) throw new CliError(err.message);
    throw err;
  }
  const t0 = Date.now();
  const seen = await waitUntil(async () => ["active", "up"].includes(await peerStatus()), timeout * 1000);
  if (!seen) {
    say(
      `Heartbeat runs on ${node} but ${peer} is ${await peerStatus()} after ${timeout} s: see pairboot status`,
    );
    return 1;
  }
  say(
    `${node} is back: Heartbeat runs and sees ${peer} (${await peerStatus()}) after ${((Date.now() - t0) / 1000).toFixed(1)} s; the service stays where it is (pairboot switchover --to ${node} moves it here)`,
  );
  return 0;
}
