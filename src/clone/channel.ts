// The control channel between node A and node B: one JSON object per line over TCP. Small messages
// only (hello, proofs, the header, digests, verdicts); disk data uses separate data connections.
// After the handshake every message carries an HMAC over its direction, sequence number and body,
// so nothing on the wire can be forged, reordered or replayed without the pairing code.
import type { Socket } from "node:net";
import { messageMac, sameHex, type SessionKeys } from "./keys.js";

export const CONTROL_GREETING = "PAIRBOOT-CONTROL 1";
export const DATA_GREETING = "PAIRBOOT-DATA";
/**
 * How much a peer may have sent that nobody has read yet (the line being received plus lines waiting).
 * Before pairing, every legitimate message is a greeting, a hello or a proof of about 150 characters;
 * after it, the largest is the clone header (node A's partition table), a few kilobytes. Anything beyond
 * is a flood or a line that is not ours, and the connection is closed instead of growing memory.
 */
export const UNAUTHENTICATED_LIMIT = 4096;
export const AUTHENTICATED_LIMIT = 1024 * 1024;

export type Message = { t: string } & Record<string, unknown>;

/** A peer sent more than the reader's limit: its connection is closed. */
export class LineLimitExceeded extends Error {}

/** Reads newline-terminated lines from a socket, one at a time, with a timeout and a bound on what it holds. */
export class LineReader {
  private buf = "";
  private lines: string[] = [];
  /** Characters in `lines`, so the bound covers many short lines as well as one long one. */
  private queued = 0;
  private waiters: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  private ended: Error | null = null;
  private limit: number;
  private phase: string;

  constructor(
    private readonly socket: Socket,
    limit: { chars: number; phase: string } = { chars: UNAUTHENTICATED_LIMIT, phase: "before pairing" },
  ) {
    this.limit = limit.chars;
    this.phase = limit.phase;
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      if (this.ended) return;
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl);
        this.lines.push(line);
        this.queued += line.length;
        this.buf = this.buf.slice(nl + 1);
      }
      this.flush();
      if (this.buf.length > this.limit) {
        this.overflow(`it sent a line longer than ${this.limit} characters ${this.phase}`);
      } else if (this.queued + this.buf.length > this.limit) {
        this.overflow(`it sent more than ${this.limit} characters of unread lines ${this.phase}`);
      }
    });
    socket.on("end", () => this.fail(new Error("the other node closed the connection")));
    socket.on("close", () => this.fail(new Error("the connection to the other node was lost")));
    socket.on("error", (e) => this.fail(new Error(`connection error: ${e.message}`)));
  }

  /** Once the peer proved the code, its messages may be larger (the clone header). */
  setLimit(chars: number, phase: string): void {
    this.limit = chars;
    this.phase = phase;
  }

  private overflow(why: string): void {
    this.lines = [];
    this.queued = 0;
    this.buf = "";
    this.fail(new LineLimitExceeded(why));
    this.socket.destroy();
  }

  private flush(): void {
    while (this.lines.length > 0 && this.waiters.length > 0) {
      const line = this.lines.shift() as string;
      this.queued -= line.length;
      this.waiters.shift()?.resolve(line);
    }
    if (this.ended && this.lines.length === 0) {
      for (const w of this.waiters.splice(0)) w.reject(this.ended);
    }
  }

  private fail(err: Error): void {
    if (!this.ended) this.ended = err;
    this.flush();
  }

  next(timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.waiters = this.waiters.filter((w) => w.resolve !== done);
              reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`));
            }, timeoutMs)
          : null;
      const done = (l: string) => {
        if (timer) clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({
        resolve: done,
        reject: (e) => {
          if (timer) clearTimeout(timer);
          reject(e);
        },
      });
      this.flush();
    });
  }
}

/** A control connection; plain during the handshake, authenticated once keys are set. */
export class Channel {
  private keys: SessionKeys | null = null;
  private sendSeq = 0;
  private recvSeq = 0;
  readonly reader: LineReader;

  constructor(
    readonly socket: Socket,
    private readonly role: "sender" | "receiver",
    reader?: LineReader,
  ) {
    // Node B dialled node A itself and A's header may arrive in the same packet as its welcome, before
    // B has checked the welcome: B holds up to the larger bound from the start. Node A's listener makes
    // its readers, with the small bound, for connections nobody asked for.
    this.reader =
      reader ??
      new LineReader(
        socket,
        role === "receiver" ? { chars: AUTHENTICATED_LIMIT, phase: "from node A" } : undefined,
      );
  }

  authenticate(keys: SessionKeys): void {
    this.keys = keys;
    this.reader.setLimit(AUTHENTICATED_LIMIT, "after pairing");
  }

  private get outDir(): "a2b" | "b2a" {
    return this.role === "sender" ? "a2b" : "b2a";
  }
  private get inDir(): "a2b" | "b2a" {
    return this.role === "sender" ? "b2a" : "a2b";
  }

  writeLine(line: string): void {
    this.socket.write(`${line}\n`);
  }

  send(msg: Message): void {
    const body = JSON.stringify(msg);
    if (!this.keys) return this.writeLine(body);
    const mac = messageMac(this.keys, this.outDir, this.sendSeq++, body);
    this.writeLine(JSON.stringify({ body, mac }));
  }

  async receive(timeoutMs: number, what: string): Promise<Message> {
    const line = await this.reader.next(timeoutMs, what);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(
        `the other node sent something that is not a pairboot message while we waited for ${what}`,
      );
    }
    if (this.keys) {
      const env = value as { body?: unknown; mac?: unknown };
      if (typeof env.body !== "string" || typeof env.mac !== "string") {
        throw new Error("the other node sent an unauthenticated message");
      }
      const expected = messageMac(this.keys, this.inDir, this.recvSeq++, env.body);
      if (!sameHex(expected, env.mac)) {
        throw new Error(
          "a control message failed its authentication check: the connection was tampered with",
        );
      }
      value = JSON.parse(env.body);
    }
    const msg = value as Message;
    if (typeof msg?.t !== "string") throw new Error(`malformed message while waiting for ${what}`);
    return msg;
  }

  /** Receives a message and checks its type; an "abort" from the peer becomes an error with its reason. */
  async expect(type: string, timeoutMs: number, what: string): Promise<Message> {
    const msg = await this.receive(timeoutMs, what);
    if (msg.t === "abort") throw new PeerAbort(String(msg.reason ?? "no reason given"));
    if (msg.t !== type) throw new Error(`expected ${what} but the other node sent '${msg.t}'`);
    return msg;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

export class PeerAbort extends Error {}
