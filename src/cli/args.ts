import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses a subcommand's arguments; a wrong option is a usage error (exit 2) followed by the help text. */
export function parseCommandLine<T extends Options>(argv: string[], options: T, help: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${help}`, 2);
  }
}
