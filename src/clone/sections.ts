// One section on node A's side: partclone | zstd in kernel pipes, sealed into authenticated records by
// Node on its way to the socket or the image file (aead.ts). pipe() carries back-pressure from the sink
// to zstd and partclone, so a slow link or disk never fills memory.
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { Sealer, type StreamKey } from "./aead.js";
import type { SectionInfo } from "./format.js";
import { runPipeline, sendSectionScript } from "./pipeline.js";
import { sectionSummary, type Reporter } from "./report.js";
import type { Source } from "./source.js";

export interface SectionSent {
  role: SectionInfo["role"];
  /** Compressed bytes (the plaintext of the sealed stream). */
  bytes: number;
  /** Bytes written to the sink: records with their framing and tags. */
  wireBytes: number;
}

/**
 * Images, compresses and seals one section into `sink`. `endSink`: end it afterwards (a data connection)
 * or leave it open for the next part (an image file).
 */
export async function sendSection(
  source: Source,
  section: SectionInfo,
  level: number,
  key: StreamKey,
  sink: Writable,
  endSink: boolean,
  reporter: Reporter,
): Promise<SectionSent> {
  const work = await mkdtemp(join(tmpdir(), "pairboot-send-"));
  const device = source.devices.get(section.role) as string;
  const progress = reporter.section(section);
  const started = Date.now();
  const sealer = new Sealer(key);
  sealer.pipe(sink, { end: endSink });
  const sunk = endSink ? once(sink, "finish") : once(sealer, "end");
  sunk.catch(() => undefined);
  const sinkError = new Promise<never>((_, reject) => sink.once("error", reject));
  sinkError.catch(() => undefined);
  try {
    await Promise.race([
      runPipeline(sendSectionScript(section, device, work, level), {
        stdout: sealer,
        onStderr: progress.onStderr,
      }),
      sinkError,
    ]);
    await Promise.race([sunk, sinkError]);
    progress.done(sectionSummary(section, sealer.plainBytes, started));
    return { role: section.role, bytes: sealer.plainBytes, wireBytes: sealer.wireBytes };
  } catch (err) {
    sealer.destroy();
    throw new Error(
      `imaging ${device} (${section.role}) failed: ${(err as Error).message} (partclone's log: ${join(work, "partclone.log")})`,
    );
  } finally {
    sealer.unpipe(sink);
    // The work directory holds partclone's log; kept when the section failed, so the message above holds.
    if (sealer.readableEnded) await rm(work, { recursive: true, force: true });
  }
}
