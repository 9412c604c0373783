// Every subcommand's argument errors look the same: one line saying what is wrong, then the command's usage
// line(s) from its help text, exit status 2. Never node's own wording or a stack trace.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The synopsis of a help text: its first paragraph ("usage: pairboot X ..." and continuation lines). */
export function usageLines(help: string): string {
  return help.split(/\n\s*\n/)[0]?.trimEnd() ?? help;
}

/** A usage error: what is wrong, then the usage line(s), exit 2. */
export function usageError(problem: string, help: string): CliError {
  return new CliError(`${problem}\n${usageLines(help)}\n(--help shows every option)`, 2);
}

/** node:util's parseArgs messages in pairboot's words. */
export function argProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option '${quoted}'`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument '${quoted}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const name = quoted.split(" ")[0] ?? quoted;
      return /does not take an argument/.test(message)
        ? `option ${name} takes no value`
        : `option ${name} needs a value`;
    }
    default:
      return message.split("\n")[0] ?? message;
  }
}

/** Parses a subcommand's arguments (strict); a wrong option or argument is a usage error (exit 2). */
export function parseCommandLine<T extends Options>(
  argv: string[],
  options: T,
  help: string,
  { positionals = true }: { positionals?: boolean } = {},
) {
  try {
    return parseArgs({ args: argv, allowPositionals: positionals, strict: true, options });
  } catch (err) {
    throw usageError(argProblem(err), help);
  }
}

const HELP_OPTION = { help: { type: "boolean", short: "h", default: false } } as const;

/**
 * parseCommandLine with the -h/--help every subcommand takes: prints `help` to stdout and returns null
 * when it is asked for (the caller then exits 0), so no subcommand spells that out again.
 */
export function parseCommand<T extends Options>(
  argv: string[],
  options: T,
  help: string,
  settings: { positionals?: boolean } = {},
) {
  const all: T & typeof HELP_OPTION = { ...options, ...HELP_OPTION };
  const parsed = parseCommandLine(argv, all, help, settings);
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help);
    return null;
  }
  return parsed;
}
