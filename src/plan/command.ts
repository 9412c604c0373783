// A step's command as the text that runs and as the text a person reads. One rendering for `pairboot
// plan`, the install log and the runner, so what is shown is what runs; standard input is shown apart
// from the command line, a secret one only as its size.
import { redact } from "../util/redact.js";
import { inTarget, shq } from "./chroot.js";
import type { StepCommand } from "./types.js";

/** The bash text the runner gets for `c`; the target is where the installed root is mounted. */
export function commandLine(c: StepCommand, target: string): string {
  if (typeof c === "string") return c;
  const text = c.sh ?? c.argv.map(shq).join(" ");
  return c.inTarget ? inTarget(target, text) : text;
}

/** What `c` reads on standard input, if anything. */
export function commandStdin(c: StepCommand): string | undefined {
  return typeof c === "string" ? undefined : c.stdin?.text;
}

/** The command as shown and logged: its text with secrets redacted, and what it reads on stdin. */
export function shownCommand(c: StepCommand, target: string, secrets: readonly string[]): string {
  const line = redact(commandLine(c, target), secrets);
  if (typeof c === "string" || c.stdin === undefined) return line;
  const input = c.stdin.secret
    ? `<secret, ${Buffer.byteLength(c.stdin.text)} bytes>`
    : redact(JSON.stringify(c.stdin.text), secrets);
  return `${line}\n(stdin: ${input})`;
}
