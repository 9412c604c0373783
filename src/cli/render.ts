import { CliError } from "./errors.js";

export async function run(_argv: string[]): Promise<number> {
  throw new CliError("'render' is not built yet");
}
