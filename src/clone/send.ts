// Node A's side of a network clone, after pairing with a code (image files: image.ts).
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { PeerAbort, type Channel } from "./channel.js";
import { formatPairingCode, newPairingCode, normalizePairingCode } from "./code.js";
import { streamKey } from "./aead.js";
import { contexts } from "./format.js";
import { dataToken, type SessionKeys } from "./keys.js";
import { PairingListener } from "./listen.js";
import { sendSection } from "./sections.js";
import { consoleReporter, type Reporter } from "./report.js";
import { inspectSource, type Source } from "./source.js";

export interface SendOptions {
  disk: string;
  /** zstd level, 1..19; 1-3 keep up with gigabit links on two cores. */
  level?: number;
  reporter?: Reporter;
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
  /** Called when node B proved the code, before anything is sent. */
  onPaired?: (peer: string) => void;
  /** Stops listening (rejects with the signal's reason) while no node B has paired yet. */
  signal?: AbortSignal;
}

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
  const listener = await PairingListener.open({
    port: opts.port,
    host: opts.host,
    code,
    reporter,
    signal: opts.signal,
  });
  try {
    opts.onListening?.(formatPairingCode(code), listener.port);
    reporter.info(`node A is ready to send ${describeSource(source)}`);
    const { channel, keys, peer } = await listener.paired();
    reporter.info(`paired with node B at ${peer}`);
    opts.onPaired?.(peer);
    try {
      return await streamSession(channel, keys, source, opts, reporter, listener.dataWaiters);
    } finally {
      channel.close();
    }
  } finally {
    listener.close();
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
  for (const [index, section] of source.header.sections.entries()) {
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
    // The section's own key and nonces, bound to this session, its index and its role (aead.ts).
    const key = streamKey(Buffer.from(keys.encHex, "hex"), contexts.netSection(session, index, section.role));
    let sent: Awaited<ReturnType<typeof sendSection>>;
    try {
      sent = await sendSection(source, section, opts.level ?? 3, key, socket, true, reporter);
    } catch (err) {
      channel.send({ t: "abort", reason: `node A: ${(err as Error).message}` });
      throw err;
    } finally {
      socket.destroy();
    }
    wireBytes += sent.wireBytes;
    channel.send({ t: "sent", role: sent.role, bytes: sent.bytes });
  }
  const result = await channel.expect("result", 0, "node B's verdict");
  if (result.ok !== true) throw new Error(`node B reports: ${String(result.message)}`);
  reporter.info(`node B verified the copy: ${String(result.message)}`);
  return { wireBytes, usedBytes: source.header.usedBytes };
}
