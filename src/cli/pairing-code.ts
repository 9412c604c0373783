// Where `pairboot clone` gets a pairing code from. Never argv: any user can read a command line in
// /proc/PID/cmdline. A file (mode 0600 at most), standard input when it is not a terminal, or the prompt.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { normalizePairingCode } from "../clone/code.js";
import { CliError } from "./errors.js";

/** What `--code CODE` answers: the option exists only to say how to give the code instead. */
export const CODE_ON_ARGV =
  "--code is not accepted: a code on the command line is readable by every user of this machine " +
  "(/proc/PID/cmdline). Type it when asked, or give it in a file of mode 0600 with --code-file FILE, " +
  "or on standard input (echo CODE | pairboot clone receive ...)";

const MAX_SECRET_FILE = 4096;

/**
 * Reads a small file holding a secret: not through a symbolic link, and only if no one but its owner can
 * read it (a pipe from the shell, such as `--code-file <(...)`, qualifies: its mode is 0600).
 */
export async function readSecretFile(path: string, what: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new CliError(`${what} ${path} does not exist`);
      if (err.code === "ELOOP")
        throw new CliError(`${what} ${path} is a symbolic link; give the file itself`);
      throw new CliError(`cannot read ${what} ${path}: ${err.message}`);
    },
  );
  try {
    const st = await fh.stat();
    if (!st.isFile() && !st.isFIFO()) throw new CliError(`${what} ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
      throw new CliError(
        `${what} ${path} has mode ${mode}: others can read it; make it 0600 (chmod 600 ${path})`,
      );
    }
    const buf = Buffer.alloc(MAX_SECRET_FILE + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, st.isFile() ? 0 : null);
    if (bytesRead > MAX_SECRET_FILE) {
      throw new CliError(`${what} ${path} is larger than ${MAX_SECRET_FILE} bytes; it should hold one code`);
    }
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
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
    if (size > MAX_SECRET_FILE) throw new CliError("standard input holds more than a pairing code");
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
