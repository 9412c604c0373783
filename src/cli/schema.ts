// `pairboot schema`: prints the answer file's JSON Schema for editors and other tools.
import { answerJsonSchema } from "../answer/jsonschema.js";
import { parseCommand, usageError } from "./args.js";

const HELP = `usage: pairboot schema

Prints the JSON Schema (draft 2020-12) of the answer file on stdout. Editors with the YAML language server
use it for completion and inline errors; see docs/answer-file.md.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {}, HELP);
  if (!parsed) return 0;
  const { positionals } = parsed;
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`, HELP);
  process.stdout.write(`${JSON.stringify(answerJsonSchema(), null, 2)}\n`);
  return 0;
}
