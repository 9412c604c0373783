// Node B's side of a clone: from node A over TCP, or from an image file. Both end the same way: the
// disk keeps temporary partition types until every section's digest matched, B's identity was written
// and the final table went down (target.ts explains the order).
import { connect, type Socket } from "node:net";
import { Opener, streamKey } from "./aead.js";
import { Channel, CONTROL_GREETING, DATA_GREETING, PeerAbort } from "./channel.js";
import { normalizePairingCode } from "./code.js";
import { contexts, parseHeader, printable, type CloneHeader } from "./format.js";
import { dataToken } from "./keys.js";
import { receiverHandshake } from "./handshake.js";
import { diskGeometry } from "./disk.js";
import { openSection, readImage } from "./image.js";
import type { ImageKeySource } from "./imagekey.js";
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

export interface ImageReceiveOptions extends ReceiveOptions {
  /** Asked only once the image's key line says which kind of key it wants. */
  key: () => Promise<ImageKeySource>;
}

export async function receiveFromImage(path: string, opts: ImageReceiveOptions): Promise<ReceiveResult> {
  const reporter = opts.reporter ?? consoleReporter();
  // Every record of the file is authenticated before the first write to the disk.
  const index = await readImage(path, opts.key, reporter).catch((err: Error) => {
    throw new NothingWritten(err.message);
  });
  const { header } = index;
  reporter.info(
    `image from ${printable(header.source.node ?? "node A")} made ${header.createdAt}; every part authenticated`,
  );
  let target: PreparedTarget;
  try {
    target = await checkTarget(opts.disk, header);
  } catch (err) {
    throw new NothingWritten((err as Error).message);
  }
  reporter.info(`writing ${describePlan(target)}`);
  const nodes = await writeTemporaryTable(target);
  for (const [i, section] of header.sections.entries()) {
    const progress = reporter.section(section);
    const started = Date.now();
    const input = openSection(path, index, i);
    await restoreSection(section, partitionOf(header, section.role, nodes), input, {
      onStderr: progress.onStderr,
    }).catch((err: Error) => {
      throw new Error(
        `restoring the ${section.role} section failed: ${err.message}; ${opts.disk} is left incomplete`,
      );
    });
    progress.done(sectionSummary(section, index.trailer.sections[i]?.bytes ?? 0, started));
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

/** Opens one data connection to node A and presents the section's token; the socket then carries records. */
async function openDataConnection(host: string, port: number, token: string): Promise<Socket> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", (e) => reject(new Error(`cannot open the data connection to node A: ${e.message}`)));
  });
  socket.write(`${DATA_GREETING} ${token}\n`);
  return socket;
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
      for (const [index, section] of header.sections.entries()) {
        channel.send({ t: "ready", role: section.role });
        const sentP = channel.expect("sent", 0, `node A's confirmation of the ${section.role} section`);
        sentP.catch(() => undefined);
        const progress = reporter.section(section);
        const started = Date.now();
        let opener: Opener;
        try {
          const data = await openDataConnection(
            opts.host,
            opts.port,
            dataToken(session, sessionId, section.role),
          );
          // The section's own key, bound to this session, its index and its role (aead.ts): a record
          // replayed from another section or session, reordered, altered or cut short fails here, before
          // its plaintext reaches zstd and partclone.
          opener = new Opener(
            streamKey(
              Buffer.from(session.encHex, "hex"),
              contexts.netSection(sessionId, index, section.role),
            ),
            `the ${section.role} section from node A`,
          );
          data.on("error", (e) => opener.destroy(e));
          data.pipe(opener);
          await restoreSection(section, partitionOf(header, section.role, nodes), opener, {
            onStderr: progress.onStderr,
          });
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
        if (Number(sent.bytes) !== opener.records.plainBytes) {
          throw new Error(
            `the ${section.role} section differs from what node A sent (${opener.records.plainBytes} bytes here, ${Number(sent.bytes)} sent)`,
          );
        }
        progress.done(sectionSummary(section, Number(sent.bytes), started));
      }
      await finish(opts, header, target, nodes, reporter);
      channel.send({
        t: "result",
        ok: true,
        message: `${opts.disk} restored, every record of every section authenticated`,
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
