// Node A's side of a clone: to an image file, or to node B over TCP after pairing with a code.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Channel, CONTROL_GREETING, DATA_GREETING, LineReader, PeerAbort } from "./channel.js";
import { formatPairingCode, newPairingCode, normalizePairingCode } from "./code.js";
import {
  footer,
  headerLine,
  IMAGE_MAGIC,
  manifestDigest,
  trailerLine,
  type SectionDigest,
  type SectionInfo,
} from "./format.js";
import {
  bindSession,
  dataToken,
  deriveSessionKeys,
  handshakeProof,
  randomHex,
  sameHex,
  type SessionKeys,
} from "./keys.js";
import { runPipeline, sendSectionScript, type SendSink } from "./pipeline.js";
import { consoleReporter, sectionSummary, type Reporter } from "./report.js";
import { inspectSource, type Source } from "./source.js";

export interface SendOptions {
  disk: string;
  /** zstd level, 1..19; 1-3 keep up with gigabit links on two cores. */
  level?: number;
  reporter?: Reporter;
}

interface SectionSent {
  role: SectionInfo["role"];
  sha256: string;
  bytes: number;
}

async function sendSection(
  source: Source,
  section: SectionInfo,
  level: number,
  sink: SendSink,
  reporter: Reporter,
  extra: { stdout?: Socket; env?: Record<string, string> } = {},
): Promise<SectionSent> {
  const work = await mkdtemp(join(tmpdir(), "pairboot-send-"));
  const device = source.devices.get(section.role) as string;
  const progress = reporter.section(section);
  const started = Date.now();
  try {
    const r = await runPipeline(sendSectionScript(section, device, work, level, sink), work, {
      ...extra,
      onStderr: progress.onStderr,
    });
    const bytes = r.bytes ?? 0;
    progress.done(sectionSummary(section, bytes, started));
    return { role: section.role, sha256: r.sha256, bytes };
  } catch (err) {
    throw new Error(`imaging ${device} (${section.role}) failed: ${(err as Error).message}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes the clone to an image file: header, sections, trailer with digests (see format.ts). */
export async function sendToImage(
  file: string,
  opts: SendOptions,
): Promise<{ bytes: number; usedBytes: number }> {
  const reporter = opts.reporter ?? consoleReporter();
  const source = await inspectSource(opts.disk);
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    throw new Error(`${file} already exists; pairboot does not overwrite images`);
  const head = headerLine(source.header);
  reporter.info(`imaging ${opts.disk} into ${file}: ${describeSource(source)}`);
  await writeFile(file, IMAGE_MAGIC + head, { flag: "wx" });
  try {
    const digests: SectionDigest[] = [];
    for (const section of source.header.sections) {
      const offset = (await stat(file)).size;
      const sent = await sendSection(
        source,
        section,
        opts.level ?? 3,
        { kind: "file", path: file },
        reporter,
      );
      const length = (await stat(file)).size - offset;
      if (length !== sent.bytes)
        throw new Error(`${file} grew by ${length} bytes but ${sent.bytes} were written`);
      digests.push({ role: section.role, offset, length, sha256: sent.sha256 });
    }
    const trailerOffset = (await stat(file)).size;
    const trailer = trailerLine({ sections: digests });
    const fh = await open(file, "a");
    try {
      await fh.write(trailer + footer(trailerOffset, manifestDigest(head, trailer)));
      await fh.sync();
    } finally {
      await fh.close();
    }
    const bytes = (await stat(file)).size;
    reporter.info(`image complete: ${file}, ${bytes} bytes for ${source.header.usedBytes} bytes in use`);
    return { bytes, usedBytes: source.header.usedBytes };
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

function describeSource(source: Source): string {
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
  const parts = source.header.sections.map((s) => `${s.role} ${gib(s.usedBytes)} in use`).join(", ");
  return `${parts}; the data partition is not copied`;
}

export interface NetworkSendOptions extends SendOptions {
  port: number;
  host?: string;
  /** A fixed code (unattended installs); otherwise a fresh one is shown. */
  code?: string;
  /** Called once listening, with the code to show. */
  onListening?: (code: string, port: number) => void;
  /** Give up after this many wrong codes, so the code cannot be guessed online. */
  maxAttempts?: number;
  /** Called when node B proved the code, before anything is sent. */
  onPaired?: (peer: string) => void;
  /** Stops listening (rejects with the signal's reason) while no node B has paired yet. */
  signal?: AbortSignal;
}

const HANDSHAKE_MS = 60_000;
const DATA_CONNECT_MS = 60_000;

/**
 * Listens for node B, pairs with the code and streams the clone. Resolves when node B reported that it
 * verified every section; rejects with the reason otherwise.
 */
export async function sendOverNetwork(
  opts: NetworkSendOptions,
): Promise<{ wireBytes: number; usedBytes: number }> {
  const reporter = opts.reporter ?? consoleReporter();
  const source = await inspectSource(opts.disk);
  let code: string;
  if (opts.code !== undefined) {
    const n = normalizePairingCode(opts.code);
    if ("error" in n) throw new Error(n.error);
    code = n.code;
  } else {
    code = newPairingCode().replace(/-/g, "");
  }
  const controls: { socket: Socket; reader: LineReader }[] = [];
  const dataWaiters = new Map<string, (s: Socket) => void>();
  let wakeControl: (() => void) | null = null;
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    const reader = new LineReader(socket);
    socket.resume();
    reader.next(10_000, "a greeting").then(
      (line) => {
        if (line === CONTROL_GREETING) {
          controls.push({ socket, reader });
          wakeControl?.();
          return;
        }
        const token = line.startsWith(`${DATA_GREETING} `) ? line.slice(DATA_GREETING.length + 1) : "";
        const waiter = [...dataWaiters.entries()].find(([t]) => sameHex(t, token));
        if (!waiter) {
          socket.destroy();
          return;
        }
        dataWaiters.delete(waiter[0]);
        // Node must not read another byte from this socket: it becomes the pipeline's stdout.
        socket.removeAllListeners("data");
        socket.pause();
        waiter[1](socket);
      },
      () => socket.destroy(),
    );
  });
  server.listen(opts.port, opts.host);
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  opts.onListening?.(formatPairingCode(code), port);
  reporter.info(`node A is ready to send ${describeSource(source)}`);

  const stopped = () => new Error(String(opts.signal?.reason ?? "stopped"));
  const onAbort = () => wakeControl?.();
  opts.signal?.addEventListener("abort", onAbort);
  const nextControl = async (): Promise<{ socket: Socket; reader: LineReader }> => {
    while (controls.length === 0) {
      if (opts.signal?.aborted) throw stopped();
      await new Promise<void>((r) => (wakeControl = r));
    }
    if (opts.signal?.aborted) throw stopped();
    return controls.shift() as { socket: Socket; reader: LineReader };
  };

  try {
    let failures = 0;
    for (;;) {
      const conn = await nextControl();
      const channel = new Channel(conn.socket, "sender", conn.reader);
      const peer = `${conn.socket.remoteAddress ?? "?"}:${conn.socket.remotePort ?? "?"}`;
      let keys: SessionKeys;
      try {
        const salt = randomHex(16);
        const nonceA = randomHex(16);
        channel.send({ t: "hello", version: 1, salt, nonce: nonceA });
        const auth = await channel.expect("auth", HANDSHAKE_MS, "node B's proof of the pairing code");
        keys = await deriveSessionKeys(code, salt);
        const nonceB = String(auth.nonce);
        if (!sameHex(handshakeProof(keys, "receiver", nonceA, nonceB), String(auth.proof))) {
          failures++;
          channel.send({ t: "refused", reason: "wrong pairing code" });
          channel.close();
          const left = (opts.maxAttempts ?? 5) - failures;
          reporter.info(
            `refused ${peer}: wrong pairing code${left > 0 ? ` (${left} more attempts allowed)` : ""}`,
          );
          if (left <= 0) throw new Error(`too many wrong pairing codes; start again to get a new code`);
          continue;
        }
        channel.send({ t: "welcome", proof: handshakeProof(keys, "sender", nonceA, nonceB) });
        keys = bindSession(keys, nonceA, nonceB);
        channel.authenticate(keys);
      } catch (err) {
        if ((err as Error).message.startsWith("too many")) throw err;
        reporter.info(`pairing with ${peer} failed: ${(err as Error).message}`);
        channel.close();
        continue;
      }
      reporter.info(`paired with node B at ${peer}`);
      opts.onPaired?.(peer);
      try {
        return await streamSession(channel, keys, source, opts, reporter, dataWaiters);
      } finally {
        channel.close();
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    server.close();
    for (const c of controls) c.socket.destroy();
  }
}

async function streamSession(
  channel: Channel,
  keys: SessionKeys,
  source: Source,
  opts: NetworkSendOptions,
  reporter: Reporter,
  dataWaiters: Map<string, (s: Socket) => void>,
): Promise<{ wireBytes: number; usedBytes: number }> {
  try {
    return await streamSections(channel, keys, source, opts, reporter, dataWaiters);
  } catch (err) {
    if (err instanceof PeerAbort) throw new Error(`node B stopped the clone: ${err.message}`);
    throw err;
  }
}

async function streamSections(
  channel: Channel,
  keys: SessionKeys,
  source: Source,
  opts: NetworkSendOptions,
  reporter: Reporter,
  dataWaiters: Map<string, (s: Socket) => void>,
): Promise<{ wireBytes: number; usedBytes: number }> {
  const session = randomUUID();
  channel.send({ t: "header", header: source.header, session });
  let wireBytes = 0;
  for (const section of source.header.sections) {
    await channel.expect("ready", 0, `node B to be ready for the ${section.role} partition`);
    const token = dataToken(keys, session, section.role);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        dataWaiters.delete(token);
        reject(new Error(`node B did not open the data connection for ${section.role}`));
      }, DATA_CONNECT_MS);
      dataWaiters.set(token, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
    let sent: SectionSent;
    try {
      sent = await sendSection(source, section, opts.level ?? 3, { kind: "socket" }, reporter, {
        stdout: socket,
        env: { PB_ENC_KEY: keys.encHex },
      });
    } catch (err) {
      channel.send({ t: "abort", reason: `node A: ${(err as Error).message}` });
      throw err;
    } finally {
      socket.destroy();
    }
    wireBytes += sent.bytes;
    channel.send({ t: "sent", role: sent.role, sha256: sent.sha256, bytes: sent.bytes });
  }
  const result = await channel.expect("result", 0, "node B's verdict");
  if (result.ok !== true) throw new Error(`node B reports: ${String(result.message)}`);
  reporter.info(`node B verified the copy: ${String(result.message)}`);
  return { wireBytes, usedBytes: source.header.usedBytes };
}
