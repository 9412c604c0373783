// Node A's side of a clone: to an image file, or to node B over TCP after pairing with a code.
import { randomUUID } from "node:crypto";
import { mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PeerAbort, type Channel } from "./channel.js";
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
import { dataToken, type SessionKeys } from "./keys.js";
import { PairingListener } from "./listen.js";
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
