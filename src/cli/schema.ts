// `pairboot schema`: prints the answer file's JSON Schema for editors and other tools.
import { answerJsonSchema } from "../answer/jsonschema.js";
import { CliError } from "./errors.js";

const HELP = `usage: pairboot schema

Prints the JSON Schema (draft 2020-12) of the answer file on stdout. Editors with the YAML language server
use it for completion and inline errors; see docs/answer-file.md.
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  if (argv.length > 0) throw new CliError(`unexpected argument '${argv[0]}'\n\n${HELP}`, 2);
  process.stdout.write(`${JSON.stringify(answerJsonSchema(), null, 2)}\n`);
  return 0;
}
