// Node A's pairing listener against hostile peers, with real sockets on 127.0.0.1: an idle connection, a
// line flood and wrong codes must neither stall nor end node A's run, and node B still pairs promptly.
// Node B is the real receiver handshake (the same code `clone receive` runs), without any disk.
import { afterEach, describe, expect, it } from "vitest";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { AUTHENTICATED_LIMIT, Channel, CONTROL_GREETING, LineReader } from "../../src/clone/channel.js";
import { receiverHandshake, type ReceiverOutcome } from "../../src/clone/handshake.js";
import { PairingListener, type ListenerOptions } from "../../src/clone/listen.js";
import type { Reporter } from "../../src/clone/report.js";

const CODE = "ABCDEFGHJKMN";
const WRONG = "BBCDEFGHJKMN";

const opened: { close(): void }[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const l of opened.splice(0)) l.close();
});

function recorder(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (l) => lines.push(l),
    section: () => ({ onStderr: () => undefined, done: () => undefined }),
  };
}

async function listen(
  extra: Partial<ListenerOptions> = {},
): Promise<{ listener: PairingListener; log: string[] }> {
  const reporter = recorder();
  const listener = await PairingListener.open({
    port: 0,
    host: "127.0.0.1",
    code: CODE,
    reporter,
    ...extra,
  });
  opened.push(listener);
  return { listener, log: reporter.lines };
}

async function open(port: number, from = "127.0.0.1"): Promise<Socket> {
  const s = connect({ host: "127.0.0.1", port, localAddress: from });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

/** Node B: connect, greet, run the receiver's handshake with short timeouts. */
async function nodeB(
  port: number,
  code: string,
  from = "127.0.0.1",
): Promise<ReceiverOutcome & { ms: number }> {
  const started = Date.now();
  const channel = new Channel(await open(port, from), "receiver");
  channel.writeLine(CONTROL_GREETING);
  const r = await receiverHandshake(channel, code, { hello: 5000, reply: 5000 });
  if (r.ok) channel.close();
  return { ...r, ms: Date.now() - started };
}

/** An idle peer: it greets like node B, then never says anything. */
async function idle(port: number, from = "127.0.0.1"): Promise<Socket> {
  const s = await open(port, from);
  s.on("error", () => undefined);
  s.resume(); // reads node A's hello and ignores it, so node A's close reaches this end
  s.write(`${CONTROL_GREETING}\n`);
  return s;
}

const closed = (s: Socket) =>
  new Promise<void>((resolve) => {
    if (s.destroyed) resolve();
    s.once("close", () => resolve());
  });

describe("pairing before node B is authenticated", () => {
  it("an idle connection does not delay node B: B pairs in under 3 s", async () => {
    const { listener } = await listen();
    const paired = listener.paired();
    await idle(listener.port, "127.0.0.2");
    await new Promise((r) => setTimeout(r, 200));
    const b = await nodeB(listener.port, CODE);
    expect(b.ok, b.ok ? "" : b.message).toBe(true);
    expect(b.ms).toBeLessThan(3000);
    expect((await paired).peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("an idle connection is closed when its deadline for a proof passes, with its address in the log", async () => {
    const { listener, log } = await listen({ authMs: 1500 });
    void listener.paired().catch(() => undefined);
    const lurker = await idle(listener.port, "127.0.0.2");
    const started = Date.now();
    await closed(lurker);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(log.join("\n")).toMatch(
      /pairing with 127\.0\.0\.2:\d+ failed: timed out after 2 s waiting for node B's proof of the pairing code/,
    );
  });

  it("ten idle connections from one address: the oldest are dropped and node B still pairs in under 3 s", async () => {
    const { listener } = await listen();
    const paired = listener.paired();
    const lurkers: Socket[] = [];
    for (let i = 0; i < 10; i++) lurkers.push(await idle(listener.port, "127.0.0.3"));
    const b = await nodeB(listener.port, CODE);
    expect(b.ok, b.ok ? "" : b.message).toBe(true);
    expect(b.ms).toBeLessThan(3000);
    await paired;
    // At most two unauthenticated connections per address are kept: the first eight were dropped.
    await Promise.all(lurkers.slice(0, 8).map(closed));
  });

  it("a flood of short lines before pairing is cut at 4096 characters: A closes that connection and logs why", async () => {
    const { listener, log } = await listen();
    const paired = listener.paired();
    // The audit's case: a flooder queued behind an idle connection.
    await idle(listener.port, "127.0.0.2");
    const flooder = await open(listener.port, "127.0.0.4");
    flooder.write(`${CONTROL_GREETING}\n`);
    const chunk = Buffer.from("x\n".repeat(32 * 1024));
    const total = 40 * 1024 * 1024;
    const outcome = await new Promise<{ cut: boolean; flushed: number }>((resolve) => {
      let flushed = 0;
      flooder.once("error", () => resolve({ cut: true, flushed }));
      flooder.once("close", () => resolve({ cut: true, flushed }));
      const pump = () => {
        while (flushed < total) {
          const ok = flooder.write(chunk, (err) => {
            if (!err) flushed += chunk.length;
            if (!err && flushed >= total) resolve({ cut: false, flushed });
          });
          if (!ok) return void flooder.once("drain", pump);
          if (flushed + chunk.length >= total) return;
        }
      };
      pump();
    });
    expect(outcome.cut).toBe(true);
    expect(outcome.flushed).toBeLessThan(16 * 1024 * 1024);
    expect(log.join("\n")).toMatch(
      /closed 127\.0\.0\.4:\d+: it sent more than 4096 characters of unread lines before pairing/,
    );
    const b = await nodeB(listener.port, CODE);
    expect(b.ok, b.ok ? "" : b.message).toBe(true);
    await paired;
  });

  it("a line longer than 4096 characters before pairing closes the connection with a logged reason", async () => {
    const { listener, log } = await listen();
    void listener.paired().catch(() => undefined);
    const s = await open(listener.port, "127.0.0.5");
    s.on("error", () => undefined);
    s.write(`${CONTROL_GREETING}\n${"y".repeat(5000)}`);
    await closed(s);
    expect(log.join("\n")).toMatch(
      /closed 127\.0\.0\.5:\d+: it sent a line longer than 4096 characters before pairing/,
    );
  });
});

describe("wrong pairing codes", () => {
  it("five wrong codes are refused and throttled, not fatal; a try inside the wait is refused; the right code then pairs", async () => {
    const { listener, log } = await listen({ throttle: { firstMs: 200, capMs: 800 } });
    let settled = false;
    const paired = listener.paired().finally(() => (settled = true));
    paired.catch(() => undefined);
    for (let i = 0; i < 5; i++) {
      const r = await nodeB(listener.port, WRONG, "127.0.0.6");
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toMatch(/^node A refused the pairing code \(wrong pairing code\)/);
      // Inside the wait, even the right code from that address is refused without being checked.
      const early = await nodeB(listener.port, CODE, "127.0.0.6");
      expect(!early.ok && early.message).toMatch(
        /^node A refused the pairing code \(too many wrong codes from 127\.0\.0\.6\); node A accepts the next try from here in \d+ s/,
      );
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** i, 800) + 50));
    }
    expect(settled).toBe(false);
    const text = log.join("\n");
    expect(text).toMatch(
      /refused 127\.0\.0\.6:\d+: wrong pairing code \(1st from 127\.0\.0\.6; its next try waits 0\.2 s\)/,
    );
    expect(text).toMatch(
      /refused 127\.0\.0\.6:\d+: wrong pairing code \(5th from 127\.0\.0\.6; its next try waits 0\.8 s\)/,
    );
    expect(text).not.toContain(CODE);
    // Another address is not held back by the guesser's failures.
    const b = await nodeB(listener.port, CODE, "127.0.0.7");
    expect(b.ok, b.ok ? "" : b.message).toBe(true);
    expect((await paired).peer).toMatch(/^127\.0\.0\.7:/);
  });

  it("after its wait the same address can still pair with the right code", async () => {
    const { listener } = await listen({ throttle: { firstMs: 200, capMs: 800 } });
    const paired = listener.paired();
    expect((await nodeB(listener.port, WRONG, "127.0.0.8")).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    const b = await nodeB(listener.port, CODE, "127.0.0.8");
    expect(b.ok, b.ok ? "" : b.message).toBe(true);
    await paired;
  });

  it("stops listening when its signal aborts before any node B paired", async () => {
    const ac = new AbortController();
    const { listener } = await listen({ signal: ac.signal });
    const paired = listener.paired();
    ac.abort("node B did not connect in time");
    await expect(paired).rejects.toThrow("node B did not connect in time");
  });
});

describe("the bound on lines after pairing", () => {
  it("after pairing a 100,000-character line passes and one over 1 MiB closes the connection", async () => {
    const server = createServer();
    opened.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const accepted = once(server, "connection");
    const client = await open((server.address() as { port: number }).port);
    const [socket] = (await accepted) as [Socket];
    sockets.push(socket);
    const reader = new LineReader(socket);
    reader.setLimit(AUTHENTICATED_LIMIT, "after pairing");
    client.write(`${"h".repeat(100_000)}\n`);
    expect((await reader.next(5000, "a header")).length).toBe(100_000);
    client.on("error", () => undefined);
    client.write("z".repeat(AUTHENTICATED_LIMIT + 10));
    await expect(reader.next(5000, "a line")).rejects.toThrow(
      "it sent a line longer than 1048576 characters after pairing",
    );
    await closed(client.resume());
  });
});
