// A guest's serial console, reached through the unix socket QEMU serves it on.
//
// The socket is read continuously from the moment it is connected: a console nobody reads fills
// its socket buffer and the guest stalls on its next write (boot then takes minutes). Everything
// read is kept in `text` (QEMU writes its own log file too), and waits search that transcript
// from a cursor, so output that arrived before the wait started is not missed.
import net from "node:net";
import { appendFileSync } from "node:fs";
import { quote } from "../../src/util/shell.js";

export interface RunResult {
  /** What the command printed (stdout and stderr), CRLF turned into LF, no trailing newline. */
  out: string;
  /** The shell's $? after the command. */
  rc: number;
}

export interface ShellOptions {
  timeoutMs?: number;
  /** Used when a "login:" prompt shows up instead of a shell (no autologin). */
  user?: string;
  password?: string;
}

export class ConsoleTimeoutError extends Error {
  constructor(
    what: string,
    readonly tail: string,
  ) {
    super(`${what}; last console output:\n${tail}`);
    this.name = "ConsoleTimeoutError";
  }
}

interface Waiter {
  re: RegExp;
  from: number;
  resolve: (m: RegExpExecArray) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  what: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SerialConsole {
  /** Everything the guest wrote since connect (raw, with CRs and escape sequences). */
  text = "";
  /** Where the next waitFor() starts searching; waitFor() moves it past each match. */
  cursor = 0;
  private sock: net.Socket | undefined;
  private waiters = new Set<Waiter>();
  private seq = 0;
  private closed = false;

  constructor(
    readonly path: string,
    /** Optional file that receives every command sent by run(), for post-mortems. */
    private readonly commandLog?: string,
  ) {}

  /** Connects, retrying while QEMU has not created the socket yet. */
  async connect(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(this.path);
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`serial socket ${this.path}: ${String(e)}`);
        await sleep(50);
      }
    }
    this.sock.setEncoding("latin1");
    this.sock.on("data", (chunk: string) => {
      this.text += chunk;
      this.check();
    });
    this.sock.on("error", () => undefined);
    this.sock.on("close", () => {
      this.closed = true;
      for (const w of this.waiters) {
        clearTimeout(w.timer);
        w.reject(new ConsoleTimeoutError(`console closed while waiting for ${w.what}`, this.tail()));
      }
      this.waiters.clear();
    });
  }

  /** Sends raw text (add "\n" yourself). */
  write(data: string): void {
    if (!this.sock || this.closed) throw new Error(`serial console ${this.path} is not connected`);
    this.sock.write(data);
  }

  /** The last `n` characters of the transcript, cleaned for humans. */
  tail(n = 2000): string {
    return clean(this.text.slice(-n));
  }

  /**
   * Resolves with the first match of `re` in the transcript after the cursor (or `from`), then
   * moves the cursor past it. Rejects after timeoutMs with the console's tail in the message.
   */
  waitFor(re: RegExp, timeoutMs: number, from = this.cursor): Promise<RegExpExecArray> {
    const flags = re.flags.replace("g", "");
    const rx = new RegExp(re.source, flags);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        re: rx,
        from,
        resolve,
        reject,
        what: String(re),
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new ConsoleTimeoutError(`timed out after ${timeoutMs} ms waiting for ${re}`, this.tail()));
        }, timeoutMs),
      };
      if (this.closed) {
        clearTimeout(w.timer);
        reject(new ConsoleTimeoutError(`console closed; cannot wait for ${re}`, this.tail()));
        return;
      }
      this.waiters.add(w);
      this.check();
    });
  }

  private check(): void {
    for (const w of this.waiters) {
      const m = w.re.exec(this.text.slice(w.from));
      if (!m) continue;
      this.waiters.delete(w);
      clearTimeout(w.timer);
      const end = w.from + m.index + m[0].length;
      this.cursor = Math.max(this.cursor, end);
      w.resolve(m);
    }
  }

  /**
   * Waits until a root (or user) shell answers on the console, logging in first if a login
   * prompt appears, then makes the shell quiet and predictable for run(): no kernel messages
   * on the console, a wide terminal, no history.
   */
  async shell(opts: ShellOptions = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
    let from = this.cursor;
    let loggedIn = false;
    while (Date.now() < deadline) {
      const left = deadline - Date.now();
      let m: RegExpExecArray;
      try {
        m = await this.waitFor(
          /(login: $)|(Password: $)|([#$] $)|(Dependency failed for .*Serial Getty)/m,
          Math.min(left, 10_000),
          from,
        );
      } catch (e) {
        if (this.closed) throw e;
        // No prompt seen (yet), or kernel messages were printed after it: poke the console, a
        // shell answers with a fresh prompt, a getty prints its login prompt again.
        from = this.text.length;
        this.write("\n");
        continue;
      }
      from = this.cursor;
      if (m[4] !== undefined) {
        throw new ConsoleTimeoutError(
          "serial-getty@ttyS0 failed: udev did not announce ttyS0 within 90 s (slow host); test disks can use images.ts consoleAutologin()",
          this.tail(),
        );
      }
      if (m[1] !== undefined || m[2] !== undefined) {
        // A prompt must be the last thing printed: "host login: " may be only the start of
        // "host login: root (automatic login)", split across two reads.
        const end = this.cursor;
        await sleep(1500);
        if (this.text.slice(end).trim() !== "") continue;
      }
      if (m[1] !== undefined) {
        if (opts.user === undefined) {
          throw new ConsoleTimeoutError("login prompt but no user given to shell()", this.tail());
        }
        loggedIn = true;
        this.write(`${opts.user}\n`);
      } else if (m[2] !== undefined) {
        if (!loggedIn || opts.password === undefined) {
          throw new ConsoleTimeoutError("password prompt but no password given", this.tail());
        }
        this.write(`${opts.password}\n`);
      } else {
        // Something that looks like a prompt: prove it is a shell.
        const probe = ++this.seq;
        const at = this.text.length;
        this.write(`echo @@UP""${probe}@@\n`);
        try {
          await this.waitFor(new RegExp(`@@UP${probe}@@`), 5_000, at);
          break;
        } catch {
          from = this.text.length;
        }
      }
    }
    if (Date.now() >= deadline) throw new ConsoleTimeoutError("no shell on the serial console", this.tail());
    await this.run(
      "stty cols 1000 rows 50 2>/dev/null; dmesg -n 1 2>/dev/null; unset HISTFILE; export TERM=dumb",
      30_000,
    );
  }

  /**
   * Runs one shell command line and returns its output and exit code. The line is sent whole,
   * framed by two markers that its own echo cannot contain (the echo shows `@@B""7@@`, the
   * output `@@B7@@`), so echo, prompts and earlier output never leak into `out`. Keep it under
   * about 4000 characters (the tty's line limit); use writeFile() for content.
   */
  async run(cmd: string, timeoutMs = 60_000): Promise<RunResult> {
    if (cmd.includes("\n")) throw new Error("run(): one line only; join commands with ; or &&");
    if (cmd.length > 3900) throw new Error("run(): command line too long for a tty; use writeFile()");
    const n = ++this.seq;
    const at = this.text.length;
    if (this.commandLog) appendFileSync(this.commandLog, `[${new Date().toISOString()}] #${n} ${cmd}\n`);
    const body = cmd.trim().replace(/;+$/, "");
    const sep = body.endsWith("&") ? " " : "; ";
    this.write(`echo @@B""${n}@@; ${body}${sep}echo @@RC=$?@@E""${n}@@\n`);
    const start = await this.waitFor(new RegExp(`@@B${n}@@\\r?\\n`), timeoutMs, at);
    const startEnd = at + start.index + start[0].length;
    const end = await this.waitFor(new RegExp(`@@RC=(\\d+)@@E${n}@@`), timeoutMs, startEnd);
    const out = clean(this.text.slice(startEnd, startEnd + end.index));
    return { out: out.replace(/\n+$/, ""), rc: Number(end[1]) };
  }

  /** Writes a file in the guest through the console (base64 in small chunks). */
  async writeFile(path: string, content: string | Buffer, mode = "0644"): Promise<void> {
    const b64 = Buffer.from(content).toString("base64");
    const q = quote(path);
    await this.check0(`: > ${q}.b64`);
    for (let i = 0; i < b64.length; i += 3000) {
      await this.check0(`printf %s ${b64.slice(i, i + 3000)} >> ${q}.b64`);
    }
    await this.check0(`base64 -d ${q}.b64 > ${q} && rm -f ${q}.b64 && chmod ${mode} ${q}`);
  }

  /** run() that throws unless the exit code is 0. */
  async check0(cmd: string, timeoutMs = 60_000): Promise<string> {
    const r = await this.run(cmd, timeoutMs);
    if (r.rc !== 0) throw new Error(`guest command failed (rc ${r.rc}): ${cmd}\n${r.out}`);
    return r.out;
  }

  close(): void {
    this.closed = true;
    this.sock?.destroy();
  }
}

/** CRLF to LF, drops other CRs and ANSI escape sequences: what a human reading a log wants. */
export function clean(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b[()][A-Z0-9]/g, "")
      .replace(/\r+\n/g, "\n")
      .replace(/\r/g, "")
  );
}
