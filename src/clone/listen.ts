// Node A's listener: pairs with node B over the control connection, then hands node B's data
// connections to the sections that wait for them. Before node B has proved the code, anyone may connect,
// so nothing a peer does may stall node A or end its run: handshakes run side by side with short
// deadlines, only a few are kept (guard.ts picks which to drop), every line read is bounded (channel.ts),
// and wrong codes slow down their address instead of counting towards a lockout.
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Channel, CONTROL_GREETING, DATA_GREETING, LineLimitExceeded, LineReader } from "./channel.js";
import {
  GuessThrottle,
  ordinal,
  PENDING,
  plainAddress,
  throttleKey,
  toDrop,
  type PendingLimits,
  type ThrottleSettings,
} from "./guard.js";
import { senderHandshake, senderSecret, type SenderSecret } from "./handshake.js";
import { sameHex, type SessionKeys } from "./keys.js";
import type { Reporter } from "./report.js";

export interface ListenerOptions {
  port: number;
  /** The address to listen on; all of the machine's when missing. */
  host?: string;
  /** The pairing code, normalized (normalizePairingCode). */
  code: string;
  reporter: Reporter;
  /** Stops waiting for node B (paired() rejects with the signal's reason). */
  signal?: AbortSignal;
  /** How long a new connection has to say what it is. */
  greetingMs?: number;
  /**
   * How long a control connection has, after node A's hello, for its proof of the code. Node B's share
   * is one scrypt of 32 MiB: a tenth of a second here, a few on a slow machine under load.
   */
  authMs?: number;
  throttle?: ThrottleSettings;
  pending?: PendingLimits;
}

export interface Paired {
  channel: Channel;
  keys: SessionKeys;
  peer: string;
}

interface Pending {
  key: string;
  socket: Socket;
  /** Closed to make room or because node B paired: not worth a log line. */
  dropped?: boolean;
}

const GREETING_MS = 5_000;
const AUTH_MS = 10_000;

export class PairingListener {
  /** Sections waiting for node B's data connection, by the token it must present. */
  readonly dataWaiters = new Map<string, (s: Socket) => void>();
  port = 0;
  private readonly server: Server;
  private readonly throttle: GuessThrottle;
  private readonly limits: PendingLimits;
  private pending: Pending[] = [];
  private secret!: SenderSecret;
  /** Node B's throttle key once paired: later connections must come from there (its data connections). */
  private pairedKey: string | null = null;
  private readonly result: Promise<Paired>;
  private settle!: { resolve: (p: Paired) => void; reject: (e: Error) => void };

  private constructor(private readonly opts: ListenerOptions) {
    this.throttle = new GuessThrottle(opts.throttle);
    this.limits = opts.pending ?? PENDING;
    this.result = new Promise<Paired>((resolve, reject) => (this.settle = { resolve, reject }));
    this.result.catch(() => undefined);
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  static async open(opts: ListenerOptions): Promise<PairingListener> {
    const l = new PairingListener(opts);
    l.secret = await senderSecret(opts.code);
    l.server.listen(opts.port, opts.host);
    await once(l.server, "listening");
    l.port = (l.server.address() as { port: number }).port;
    if (opts.signal?.aborted) l.onAbort();
    opts.signal?.addEventListener("abort", l.onAbort, { once: true });
    return l;
  }

  /** Resolves with the first node B that proved the code. */
  paired(): Promise<Paired> {
    return this.result;
  }

  private readonly onAbort = () =>
    this.settle.reject(new Error(String(this.opts.signal?.reason ?? "stopped")));

  close(): void {
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.server.close();
    for (const p of [...this.pending]) this.drop(p);
    this.settle.reject(new Error("node A stopped listening"));
  }

  private log(line: string): void {
    this.opts.reporter.info(line);
  }

  private accept(socket: Socket): void {
    const address = plainAddress(socket.remoteAddress);
    const key = throttleKey(address);
    const peer = `${address}:${socket.remotePort ?? "?"}`;
    socket.on("error", () => undefined);
    if (this.pairedKey !== null && key !== this.pairedKey) {
      socket.destroy();
      return;
    }
    for (const old of toDrop(this.pending, key, this.limits)) this.drop(old);
    const entry: Pending = { key, socket };
    this.pending.push(entry);
    socket.once("close", () => this.forget(entry));
    const reader = new LineReader(socket);
    socket.resume();
    reader.next(this.opts.greetingMs ?? GREETING_MS, "a greeting").then(
      (line) => {
        if (line === CONTROL_GREETING) return this.handshake(entry, reader, peer);
        this.forget(entry);
        this.route(socket, line);
      },
      (err: Error) => {
        if (err instanceof LineLimitExceeded) this.log(`closed ${peer}: ${err.message}`);
        socket.destroy();
      },
    );
  }

  private drop(entry: Pending): void {
    entry.dropped = true;
    this.forget(entry);
    entry.socket.destroy();
  }

  private forget(entry: Pending): void {
    this.pending = this.pending.filter((p) => p !== entry);
  }

  /** A data connection: handed to the section waiting for its token, or closed. */
  private route(socket: Socket, line: string): void {
    const token = line.startsWith(`${DATA_GREETING} `) ? line.slice(DATA_GREETING.length + 1) : "";
    const waiter = [...this.dataWaiters.entries()].find(([t]) => sameHex(t, token));
    if (!waiter) {
      socket.destroy();
      return;
    }
    this.dataWaiters.delete(waiter[0]);
    // Node must not read another byte from this socket: it becomes the pipeline's stdout.
    socket.removeAllListeners("data");
    socket.pause();
    waiter[1](socket);
  }

  private refuse(channel: Channel, reason: string, waitMs: number): void {
    channel.send({ t: "refused", reason, retryAfterSeconds: Math.ceil(waitMs / 1000) });
    // end() lets the refusal leave; the timer covers a peer that never closes its side.
    channel.socket.end();
    setTimeout(() => channel.socket.destroy(), 2000).unref();
  }

  private async handshake(entry: Pending, reader: LineReader, peer: string): Promise<void> {
    const channel = new Channel(entry.socket, "sender", reader);
    const heldBack = () => this.throttle.waitMs(entry.key);
    if (this.pairedKey !== null) return channel.close();
    if (heldBack() > 0) {
      this.forget(entry);
      return this.refuse(channel, `too many wrong codes from ${entry.key}`, heldBack());
    }
    const outcome = await senderHandshake(
      channel,
      this.secret,
      this.opts.authMs ?? AUTH_MS,
      () => heldBack() === 0 && this.pairedKey === null,
    );
    this.forget(entry);
    switch (outcome.kind) {
      case "paired":
        this.pairedKey = entry.key;
        for (const p of [...this.pending]) this.drop(p);
        this.settle.resolve({ channel, keys: outcome.keys, peer });
        return;
      case "wrong-code": {
        const { failures, waitMs } = this.throttle.fail(entry.key);
        this.log(
          `refused ${peer}: wrong pairing code (${ordinal(failures)} from ${entry.key}; its next try waits ${waitMs / 1000} s)`,
        );
        return this.refuse(channel, "wrong pairing code", waitMs);
      }
      case "held-back":
        if (this.pairedKey !== null) return channel.close();
        return this.refuse(channel, `too many wrong codes from ${entry.key}`, heldBack());
      case "failed": {
        const e = outcome.error;
        channel.close();
        if (entry.dropped) return;
        this.log(
          e instanceof LineLimitExceeded
            ? `closed ${peer}: ${e.message}`
            : `pairing with ${peer} failed: ${e.message}`,
        );
      }
    }
  }
}
