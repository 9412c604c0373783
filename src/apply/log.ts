// The install log: every command, every line of its output, every file written (never a secret's
// content), with times. It lives on the live system while the disk is being installed and is copied
// onto the node at the end, so a failed install and a finished one both leave evidence.
import { appendFileSync, mkdirSync, openSync, closeSync } from "node:fs";
import { dirname } from "node:path";
import { redact } from "../util/redact.js";

export { redact };

/** Only printable ASCII reaches the log and the console: the Linux console font has nothing else. */
export function asciiOnly(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x09\x0a\x20-\x7e]/g, "?");
}

export class InstallLog {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly secrets: readonly string[],
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    // 0640: the log names disks and commands; secrets never reach it, but it is nobody else's business.
    closeSync(openSync(path, "a", 0o640));
  }

  /** One line per call; the text is redacted and made ASCII. Synchronous so a crash loses nothing. */
  line(text: string): void {
    if (this.closed) return;
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const body = asciiOnly(redact(text, this.secrets));
    const out = body
      .split("\n")
      .map((l) => `${stamp} ${l}`)
      .join("\n");
    appendFileSync(this.path, `${out}\n`);
  }

  close(): void {
    this.closed = true;
  }
}
