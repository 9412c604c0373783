// What the commands that act on the running pair (switchover, standby, resume, split-brain) read from their
// arguments the same way: no positional arguments, a --timeout in whole seconds, and this installed node.
import type { ClusterSpec } from "../answer/schema.js";
import { loadInstalledNode } from "../status/collect.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";

export function noPositionals(positionals: string[], help: string): void {
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`, help);
}

/** --timeout SECONDS (default 120): whole seconds from 1 to 3600. */
export function timeoutSeconds(value: string | undefined, help: string): number {
  const timeout = Number(value ?? "120");
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600)
    throw usageError(`--timeout ${value}: expected whole seconds from 1 to 3600`, help);
  return timeout;
}

/** This node's name and the cluster's answer; a CLI error (exit 1) when this is no installed node. */
export async function thisNode(answer: string | undefined): Promise<{ spec: ClusterSpec; node: string }> {
  return loadInstalledNode(answer).catch((e: Error) => {
    throw new CliError(e.message);
  });
}

/**
 * The whole command line of a pair command that takes only --timeout and --answer (standby, resume): its
 * timeout and this node, or null after --help.
 */
export async function timedNodeCommand(
  argv: string[],
  help: string,
): Promise<{ timeout: number; spec: ClusterSpec; node: string } | null> {
  const parsed = parseCommand(argv, { timeout: { type: "string" }, answer: { type: "string" } }, help);
  if (!parsed) return null;
  noPositionals(parsed.positionals, help);
  const timeout = timeoutSeconds(parsed.values.timeout, help);
  return { timeout, ...(await thisNode(parsed.values.answer)) };
}
