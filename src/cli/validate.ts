// `pairboot validate FILE...`: checks answer files without touching anything; one summary line per valid
// file on stdout, every problem as FILE:LINE:COL: path: message on stderr.
import { formatAnswerError, loadAnswerFile, zoneLocaleWarnings } from "../answer/load.js";
import { knownOnThisMachine } from "../answer/zones.js";
import { missingSecrets } from "../answer/secrets.js";
import { fencingSummary } from "../answer/fencing.js";
import type { ClusterSpec } from "../answer/schema.js";
import { parseCommand, usageError } from "./args.js";

const HELP = `usage: pairboot validate FILE...

Checks answer files: YAML syntax, every key and value, and the rules that span several values (unique
addresses, subnets, NIC names, timings). Changes nothing, needs no root.

On success prints one summary line per file and exits 0. Otherwise prints every problem as
FILE:LINE:COL: key.path: message and exits 1.

A time zone or locale this machine's tzdata or glibc does not know is a warning on stderr, not an error:
the installed release may differ.
`;

export function summarize(file: string, spec: ClusterSpec): string {
  const exports = spec.nfs.exports.length;
  const missing = missingSecrets(spec);
  const secrets =
    missing.length === 0
      ? "secrets present"
      : missing.length === 2
        ? "secrets will be generated on first use"
        : `${missing.join(", ")} will be generated on first use`;
  return (
    `${file}: valid: cluster ${spec.cluster.name}, nodes ${spec.nodes.map((n) => n.name).join(" + ")}, ` +
    `service ${spec.service.ip}, ${exports} export${exports === 1 ? "" : "s"}; ${secrets}`
  );
}

function readProblem(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `${file}: no such file`;
  if (code === "EISDIR") return `${file}: is a directory, not an answer file`;
  if (code === "EACCES") return `${file}: permission denied`;
  return `${file}: cannot read: ${(err as Error).message}`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {}, HELP);
  if (!parsed) return 0;
  const files = parsed.positionals;
  if (files.length === 0) throw usageError("no answer file given", HELP);
  let failed = false;
  const known = knownOnThisMachine();
  for (const file of files) {
    let result;
    try {
      result = await loadAnswerFile(file);
    } catch (err) {
      process.stderr.write(`${readProblem(file, err)}\n`);
      failed = true;
      continue;
    }
    if (result.ok) {
      process.stdout.write(`${summarize(file, result.spec)}\n${file}: ${fencingSummary(result.spec)}\n`);
      const warnings = known ? zoneLocaleWarnings(result, file, known) : [];
      process.stderr.write(warnings.map((w) => `${formatAnswerError(w)}\n`).join(""));
    } else {
      process.stderr.write(result.errors.map((e) => `${formatAnswerError(e)}\n`).join(""));
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
