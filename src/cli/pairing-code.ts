// Where `pairboot clone` gets a pairing code from. Never argv: any user can read a command line in
// /proc/PID/cmdline. A file (mode 0600 at most), standard input when it is not a terminal, or the prompt.
import { createInterface } from "node:readline/promises";
import { normalizePairingCode } from "../clone/code.js";
import { PRIVATE_FILE_MAX, readPrivateFile } from "../util/private-file.js";
import { CliError } from "./errors.js";

/** What `--code CODE` answers: the option exists only to say how to give the code instead. */
export const CODE_ON_ARGV =
  "--code is not accepted: a code on the command line is readable by every user of this machine " +
  "(/proc/PID/cmdline). Type it when asked, or give it in a file of mode 0600 with --code-file FILE, " +
  "or on standard input (echo CODE | pairboot clone receive ...)";

/** A small file holding a secret, with a usage-level error when it is not private or not there. */
export async function readSecretFile(path: string, what: string): Promise<string> {
  return readPrivateFile(path, what, "one code").catch((err: Error) => {
    throw new CliError(err.message);
  });
}

/** The code in its canonical form, or a usage error naming where it came from and what is allowed. */
export function checkCode(text: string, origin: string): string {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  const n = normalizePairingCode(firstLine);
  if ("error" in n) throw new CliError(`${origin}: ${n.error}`, 2);
  return n.code;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > PRIVATE_FILE_MAX) throw new CliError("standard input holds more than a pairing code");
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Node B's code: from --code-file, else typed at the terminal, else the first line of standard input. */
export async function receiverCode(file: string | undefined): Promise<string> {
  if (file !== undefined) return checkCode(await readSecretFile(file, "the code file"), file);
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return checkCode(await rl.question("Pairing code shown on node A: "), "the code typed");
    } finally {
      rl.close();
    }
  }
  const text = await readStdin();
  if (text.trim() === "") {
    throw new CliError(
      "no pairing code: standard input is empty and not a terminal; give the code with --code-file FILE or on standard input",
      2,
    );
  }
  return checkCode(text, "standard input");
}
