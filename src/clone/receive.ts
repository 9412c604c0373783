// Node B's side of a clone: from node A over TCP, or from an image file. Both end the same way: the
// disk keeps temporary partition types until every section's digest matched, B's identity was written
// and the final table went down (target.ts explains the order).
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Channel, CONTROL_GREETING, PeerAbort } from "./channel.js";
import { normalizePairingCode } from "./code.js";
import {
  checkImageGeometry,
  FOOTER_BYTES,
  IMAGE_MAGIC,
  manifestDigest,
  parseFooter,
  parseHeader,
  TrailerSchema,
  type CloneHeader,
  type SectionDigest,
  type Trailer,
} from "./format.js";
import { receiverHandshake } from "./handshake.js";
import { dataToken, sameHex } from "./keys.js";
import { diskGeometry } from "./disk.js";
import { hashRangeScript, runPipeline } from "./pipeline.js";
import { consoleReporter, sectionSummary, type Reporter } from "./report.js";
import {
  checkTarget,
  describePlan,
  restoreSection,
  wipeLeftovers,
  writeFinalTable,
  writeTemporaryTable,
  type PreparedTarget,
} from "./target.js";

export interface ReceiveOptions {
  disk: string;
  reporter?: Reporter;
  /**
   * Writes node B's identity into the restored partitions. Runs after every section verified and
   * before the final partition table, so a disk with node A's identity never looks bootable.
   */
  identity?: (ctx: IdentityContext) => Promise<void>;
  /** Runs after the final table (grub-install needs the BIOS boot partition's real type). */
  bootloader?: (ctx: IdentityContext) => Promise<void>;
}

export interface IdentityContext {
  disk: string;
  partitions: Map<number, string>;
  header: CloneHeader;
  target: PreparedTarget;
}

export interface ReceiveResult {
  header: CloneHeader;
  target: PreparedTarget;
}

/** Refusals that happen before anything was written carry this, so the CLI can say so. */
export class NothingWritten extends Error {}

/** Node A could not be reached at all (nothing listens there yet, or no route): worth trying again. */
export class Unreachable extends NothingWritten {}

async function finish(
  opts: ReceiveOptions,
  header: CloneHeader,
  target: PreparedTarget,
  nodes: Map<number, string>,
  reporter: Reporter,
): Promise<void> {
  reporter.info(
    "every section verified; wiping the ends of the data partition (DRBD metadata is created fresh on node B)",
  );
  await wipeLeftovers(target, nodes);
  const ctx = { disk: opts.disk, partitions: nodes, header, target };
  if (opts.identity) await opts.identity(ctx);
  await writeFinalTable(target);
  reporter.info(`${opts.disk} is complete: final partition types written`);
  if (opts.bootloader) {
    try {
      await opts.bootloader(ctx);
    } catch (err) {
      throw new Error(
        `the copy is complete and verified, but installing the bootloader failed: ${(err as Error).message}`,
      );
    }
  }
}

function partitionOf(header: CloneHeader, role: string, nodes: Map<number, string>): string {
  const s = header.sections.find((x) => x.role === role);
  const dev = s ? nodes.get(s.partition) : undefined;
  if (!dev) throw new Error(`no partition on the target for section ${role}`);
  return dev;
}

// ---------------------------------------------------------------------------------------------------
// Image file

async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface ImageIndex {
  header: CloneHeader;
  trailer: Trailer;
}

/** Reads and checks an image's header, trailer and footer (not yet the section bytes). */
export async function readImageIndex(path: string): Promise<ImageIndex> {
  const size = (await stat(path)).size;
  const damaged = (why: string) => new NothingWritten(`${path} is not a complete pairboot image: ${why}`);
  const start = (await readAt(path, 0, Math.min(size, 8 * 1024 * 1024))).toString("latin1");
  if (!start.startsWith(IMAGE_MAGIC)) throw damaged("it does not start with the pairboot image signature");
  const headerEnd = start.indexOf("\n", IMAGE_MAGIC.length);
  if (headerEnd < 0) throw damaged("its header is cut off");
  const headerText = Buffer.from(start.slice(IMAGE_MAGIC.length, headerEnd + 1), "latin1").toString("utf8");
  if (size < FOOTER_BYTES) throw damaged("it is too short");
  const foot = parseFooter((await readAt(path, size - FOOTER_BYTES, FOOTER_BYTES)).toString("latin1"));
  if (!foot) throw damaged("its end marker is missing (was the copy cut short?)");
  if (foot.trailerOffset >= size - FOOTER_BYTES) throw damaged("its end marker points outside the file");
  const trailerText = (
    await readAt(path, foot.trailerOffset, size - FOOTER_BYTES - foot.trailerOffset)
  ).toString("utf8");
  if (manifestDigest(headerText, trailerText) !== foot.digest) {
    throw damaged("its header or table of contents does not match its checksum");
  }
  const header = parseHeader(headerText.trimEnd());
  let trailer: Trailer;
  try {
    trailer = TrailerSchema.parse(JSON.parse(trailerText));
  } catch {
    throw damaged("its table of contents cannot be read");
  }
  const geometry = checkImageGeometry(
    header,
    headerEnd + 1,
    trailer,
    foot.trailerOffset,
    trailerText.length,
    size,
  );
  if (geometry) throw damaged(geometry);
  return { header, trailer };
}

/** Reads every section of the image and checks its digest. Nothing is written anywhere. */
export async function verifyImage(path: string, index: ImageIndex, reporter: Reporter): Promise<void> {
  for (const d of index.trailer.sections) {
    const work = await mkdtemp(join(tmpdir(), "pairboot-verify-"));
    try {
      const r = await runPipeline(hashRangeScript(path, d.offset, d.length, work), work);
      if (r.sha256 !== d.sha256) {
        throw new NothingWritten(`${path} is damaged: the ${d.role} section does not match its checksum`);
      }
      reporter.info(`verified ${d.role} section: ${d.length} bytes, sha256 ${d.sha256.slice(0, 16)}...`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

export async function receiveFromImage(path: string, opts: ReceiveOptions): Promise<ReceiveResult> {
  const reporter = opts.reporter ?? consoleReporter();
  const index = await readImageIndex(path);
  const { header } = index;
  let target: PreparedTarget;
  try {
    target = await checkTarget(opts.disk, header);
  } catch (err) {
    throw new NothingWritten((err as Error).message);
  }
  reporter.info(
    `image from ${header.source.node ?? "node A"} made ${header.createdAt}; checking it before writing anything`,
  );
  await verifyImage(path, index, reporter);
  reporter.info(`writing ${describePlan(target)}`);
  const nodes = await writeTemporaryTable(target);
  for (const [i, section] of header.sections.entries()) {
    const d = index.trailer.sections[i] as SectionDigest;
    const progress = reporter.section(section);
    const started = Date.now();
    const sha = await restoreSection(
      section,
      partitionOf(header, section.role, nodes),
      { kind: "file", path, offset: d.offset, length: d.length },
      { onStderr: progress.onStderr },
    ).catch((err: Error) => {
      throw new Error(
        `restoring the ${section.role} section failed: ${err.message}; ${opts.disk} is left incomplete`,
      );
    });
    if (sha !== d.sha256) {
      throw new Error(
        `the ${section.role} section changed while it was restored (checksum mismatch); ${opts.disk} is left incomplete`,
      );
    }
    progress.done(sectionSummary(section, d.length, started));
  }
  await finish(opts, header, target, nodes, reporter);
  return { header, target };
}

// ---------------------------------------------------------------------------------------------------
// Network

export interface NetworkReceiveOptions extends ReceiveOptions {
  host: string;
  port: number;
  code: string;
}

export async function receiveFromNetwork(opts: NetworkReceiveOptions): Promise<ReceiveResult> {
  const reporter = opts.reporter ?? consoleReporter();
  const n = normalizePairingCode(opts.code);
  if ("error" in n) throw new NothingWritten(n.error);
  // A mistyped --disk is found before pairing, not after node A has started.
  await diskGeometry(opts.disk).catch((err: Error) => {
    throw new NothingWritten(err.message);
  });
  const socket = connect({ host: opts.host, port: opts.port });
  // Not events.once(socket, "connect"): that rejects with the bare socket error, before this can name it.
  const failed = new Promise<never>((_, reject) =>
    socket.once("error", (e) =>
      reject(new Unreachable(`cannot reach node A at ${opts.host}:${opts.port}: ${e.message}`)),
    ),
  );
  failed.catch(() => undefined);
  await Promise.race([new Promise<void>((resolve) => socket.once("connect", () => resolve())), failed]);
  const channel = new Channel(socket, "receiver");
  try {
    channel.writeLine(CONTROL_GREETING);
    const paired = await receiverHandshake(channel, n.code);
    if (!paired.ok) throw new NothingWritten(paired.message);
    const session = paired.keys;
    reporter.info(`paired with node A at ${opts.host}:${opts.port}`);
    const hdr = await channel.expect("header", 60_000, "the clone header");
    const header = parseHeader(JSON.stringify(hdr.header));
    const sessionId = String(hdr.session);
    let target: PreparedTarget;
    try {
      target = await checkTarget(opts.disk, header);
    } catch (err) {
      channel.send({ t: "abort", reason: `node B: ${(err as Error).message}` });
      throw new NothingWritten((err as Error).message);
    }
    try {
      reporter.info(`writing ${describePlan(target)}`);
      const nodes = await writeTemporaryTable(target);
      for (const section of header.sections) {
        channel.send({ t: "ready", role: section.role });
        const sentP = channel.expect("sent", 0, `node A's checksum of the ${section.role} section`);
        sentP.catch(() => undefined);
        const progress = reporter.section(section);
        const started = Date.now();
        let sha: string;
        try {
          sha = await restoreSection(
            section,
            partitionOf(header, section.role, nodes),
            { kind: "tcp", host: opts.host, port: opts.port },
            {
              env: {
                PB_ENC_KEY: session.encHex,
                PB_DATA_TOKEN: dataToken(session, sessionId, section.role),
              },
              onStderr: progress.onStderr,
            },
          );
        } catch (err) {
          // Prefer node A's own explanation when it sent one (its disk failed, it was stopped).
          const why = await Promise.race([
            sentP.then(
              () => null,
              (e: Error) => (e instanceof PeerAbort ? e.message : null),
            ),
            new Promise<null>((r) => setTimeout(() => r(null), 3000)),
          ]);
          const local = `${(err as Error).message}; the stream from node A ended early or was damaged`;
          throw new Error(
            `the ${section.role} section did not arrive intact: ${why ? `${why} (here: ${local})` : local}`,
          );
        }
        const sent = await sentP.catch((e: Error) => {
          throw new Error(`node A did not confirm the ${section.role} section: ${e.message}`);
        });
        if (!sameHex(String(sent.sha256), sha)) {
          throw new Error(
            `the ${section.role} section differs from what node A sent (checksum mismatch): the data was damaged on the way`,
          );
        }
        progress.done(sectionSummary(section, Number(sent.bytes), started));
      }
      await finish(opts, header, target, nodes, reporter);
      channel.send({
        t: "result",
        ok: true,
        message: `${opts.disk} restored, every section's checksum matched`,
      });
      return { header, target };
    } catch (err) {
      const msg = `${(err as Error).message}; ${opts.disk} was left incomplete (temporary partition types, not bootable)`;
      channel.send({ t: "abort", reason: `node B: ${msg}` });
      throw new Error(msg);
    }
  } finally {
    // Give the last message a moment to leave before closing.
    await new Promise((r) => setTimeout(r, 50));
    channel.close();
  }
}
