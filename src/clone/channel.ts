// The control channel between node A and node B: one JSON object per line over TCP. Small messages
// only (hello, proofs, the header, digests, verdicts); disk data uses separate data connections.
// After the handshake every message carries an HMAC over its direction, sequence number and body,
// so nothing on the wire can be forged, reordered or replayed without the pairing code.
import type { Socket } from "node:net";
import { messageMac, sameHex, type SessionKeys } from "./keys.js";

export const CONTROL_GREETING = "PAIRBOOT-CONTROL 1";
export const DATA_GREETING = "PAIRBOOT-DATA";
const MAX_LINE = 4 * 1024 * 1024;

export type Message = { t: string } & Record<string, unknown>;

/** Reads newline-terminated lines from a socket, one at a time, with a timeout. */
export class LineReader {
  private buf = "";
  private lines: string[] = [];
  private waiters: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  private ended: Error | null = null;

  constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buf += d;
      if (this.buf.length > MAX_LINE) this.fail(new Error("the peer sent an over-long line"));
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        this.lines.push(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
      }
      this.flush();
    });
    socket.on("end", () => this.fail(new Error("the other node closed the connection")));
    socket.on("close", () => this.fail(new Error("the connection to the other node was lost")));
    socket.on("error", (e) => this.fail(new Error(`connection error: ${e.message}`)));
  }

  private flush(): void {
    while (this.lines.length > 0 && this.waiters.length > 0) {
      this.waiters.shift()?.resolve(this.lines.shift() as string);
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
    this.reader = reader ?? new LineReader(socket);
  }

  authenticate(keys: SessionKeys): void {
    this.keys = keys;
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
