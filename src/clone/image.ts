// Image files: written by node A (`clone send --to-image`), read by node B (`clone receive --from-image`).
// Layout in format.ts. Everything after the key line is authenticated; B reads the header with bounded
// reads, checks it and the whole file (every record of every section and the trailer) before the first
// write to its disk, and checks every record again as it restores it.
import { constants, createReadStream } from "node:fs";
import { Writable } from "node:stream";
import { open, rm, stat, type FileHandle } from "node:fs/promises";
import { Opener, RecordOpener, RECORD_BYTES, sealAll, streamKey, StreamRefused } from "./aead.js";
import {
  contexts,
  IMAGE_MAGIC,
  KEY_LINE_MAX,
  KeyLineSchema,
  OLD_IMAGE_MAGIC,
  parseHeader,
  TrailerSchema,
  type CloneHeader,
  type KeyLine,
  type Trailer,
} from "./format.js";
import { imageKey, newKeyLine, type ImageKeySource } from "./imagekey.js";
import { sendSection } from "./sections.js";
import type { Reporter } from "./report.js";
import { inspectSource, type Source } from "./source.js";
import { consoleReporter } from "./report.js";
import { loadAnswerText, formatAnswerError } from "../answer/load.js";
import { ANSWER_PATH } from "../plan/plan.js";
import { readOsFile } from "./disk.js";

/** The header and trailer are small; a stream claiming more than this is not a pairboot image. */
export const INDEX_MAX_BYTES = RECORD_BYTES;

/** Creates the image file: mode 0600, never an existing file, never through a symlink. */
async function createImageFile(path: string): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  return open(path, flags, 0o600).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EEXIST") throw new Error(`${path} already exists; pairboot does not overwrite images`);
    throw new Error(`cannot create ${path}: ${err.message}`);
  });
}

export async function writeImage(
  path: string,
  source: Source,
  keySource: ImageKeySource,
  level: number,
  reporter: Reporter,
): Promise<{ bytes: number }> {
  const line = newKeyLine(keySource);
  const key = await imageKey(keySource, line);
  const fh = await createImageFile(path);
  let ok = false;
  try {
    await fh.chmod(0o600); // the mode given to open() passes through the umask; make it exact
    await fh.write(IMAGE_MAGIC + JSON.stringify(line) + "\n");
    await fh.write(sealAll(streamKey(key, contexts.imageHeader), Buffer.from(JSON.stringify(source.header))));
    // Not fh.createWriteStream({ autoClose: false }): that keeps a reference that makes fh.close() wait forever.
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        fh.write(chunk).then(() => cb(), cb);
      },
    });
    const trailer: Trailer = { sections: [] };
    for (const [i, section] of source.header.sections.entries()) {
      const k = streamKey(key, contexts.imageSection(i, section.role));
      const sent = await sendSection(source, section, level, k, sink, false, reporter);
      trailer.sections.push({ role: section.role, bytes: sent.bytes });
    }
    await new Promise<void>((resolve, reject) => {
      sink.once("error", reject);
      sink.end(resolve);
    });
    await fh.write(sealAll(streamKey(key, contexts.imageTrailer), Buffer.from(JSON.stringify(trailer))));
    await fh.sync();
    ok = true;
    return { bytes: (await fh.stat()).size };
  } finally {
    await fh.close();
    if (!ok) await rm(path, { force: true });
  }
}

/** One authenticated stream of the image: where its records lie in the file. */
export interface StreamSpan {
  start: number;
  end: number;
}

export interface ImageIndex {
  header: CloneHeader;
  trailer: Trailer;
  key: Buffer;
  sections: StreamSpan[];
}

/** A refusal before anything was written; the CLI adds "nothing was written to DISK". */
export class ImageRefused extends Error {}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Reads one stream from `start` with bounded reads, verifying every record, up to its last record.
 * Returns where it ends and its plaintext when `keep` (only for the small header and trailer).
 */
async function scanStream(
  fh: FileHandle,
  start: number,
  key: Buffer,
  context: string,
  what: string,
  maxPlain: number,
  keep: boolean,
): Promise<{ span: StreamSpan; plain: Buffer; plainBytes: number }> {
  const opener = new RecordOpener(streamKey(key, context), what, maxPlain, true);
  const kept: Buffer[] = [];
  let at = start;
  while (!opener.finished) {
    const chunk = await readAt(fh, at, CHUNK);
    if (chunk.length === 0) break;
    at += chunk.length;
    const out = opener.feed(chunk);
    if (keep) kept.push(...out);
  }
  opener.end();
  return {
    span: { start, end: start + opener.wireBytes },
    plain: Buffer.concat(kept),
    plainBytes: opener.plainBytes,
  };
}

/**
 * Checks an image from end to end without writing anything: the key line, the header (authenticated,
 * then validated), every record of every section, the trailer, and that nothing follows it.
 */
export async function readImage(
  path: string,
  keySource: () => Promise<ImageKeySource>,
  reporter: Reporter,
): Promise<ImageIndex> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ImageRefused(
      err.code === "ENOENT"
        ? `the image file ${path} does not exist`
        : `cannot read the image file ${path}: ${err.message}`,
    );
  });
  if (!st.isFile()) throw new ImageRefused(`${path} is not a regular file`);
  const bad = (why: string) => new ImageRefused(`${path} is not a pairboot image pairboot can use: ${why}`);
  const fh = await open(path, "r");
  try {
    const start = await readAt(fh, 0, IMAGE_MAGIC.length + KEY_LINE_MAX);
    const text = start.toString("latin1");
    if (text.startsWith(OLD_IMAGE_MAGIC)) {
      throw bad(
        "it was made by an older pairboot, without authentication; make it again with `pairboot clone send --to-image`",
      );
    }
    if (!text.startsWith(IMAGE_MAGIC)) throw bad("it does not start with the pairboot image signature");
    const nl = text.indexOf("\n", IMAGE_MAGIC.length);
    if (nl < 0) throw bad(`its key line is cut off or longer than ${KEY_LINE_MAX} bytes`);
    let line: KeyLine;
    try {
      line = KeyLineSchema.parse(JSON.parse(text.slice(IMAGE_MAGIC.length, nl)));
    } catch {
      throw bad("its key line is not one pairboot writes");
    }
    const key = await imageKey(await keySource(), line).catch((err: Error) => {
      throw new ImageRefused(err.message);
    });
    const headerStart = nl + 1;
    let header: CloneHeader;
    let pos: number;
    try {
      const h = await scanStream(
        fh,
        headerStart,
        key,
        contexts.imageHeader,
        "its header",
        INDEX_MAX_BYTES,
        true,
      );
      header = parseHeader(h.plain.toString("utf8"));
      pos = h.span.end;
    } catch (err) {
      if (err instanceof StreamRefused && /record 0 /.test(err.message)) {
        throw bad(
          `its header does not open with this key (${line.kdf === "answer-secrets" ? "the image was made for another cluster's answer" : "wrong passphrase"}, or the image was altered)`,
        );
      }
      throw bad((err as Error).message);
    }
    const spans: StreamSpan[] = [];
    for (const [i, s] of header.sections.entries()) {
      const r = await scanStream(
        fh,
        pos,
        key,
        contexts.imageSection(i, s.role),
        `its ${s.role} section`,
        Infinity,
        false,
      ).catch((err: Error) => {
        throw bad(err.message);
      });
      reporter.info(`verified ${s.role} section: ${r.plainBytes} bytes, every record authenticated`);
      spans.push(r.span);
      pos = r.span.end;
    }
    let trailer: Trailer;
    try {
      const t = await scanStream(fh, pos, key, contexts.imageTrailer, "its trailer", INDEX_MAX_BYTES, true);
      trailer = TrailerSchema.parse(JSON.parse(t.plain.toString("utf8")));
      pos = t.span.end;
    } catch (err) {
      throw bad(err instanceof StreamRefused ? err.message : "its trailer cannot be read");
    }
    if (pos !== st.size) throw bad(`${st.size - pos} bytes follow its trailer`);
    const roles = header.sections.map((s) => s.role).join(",");
    if (trailer.sections.map((s) => s.role).join(",") !== roles) {
      throw bad("its trailer lists other sections than its header");
    }
    return { header, trailer, key, sections: spans };
  } finally {
    await fh.close();
  }
}

/** The verified plaintext of one section, read again from the file and checked record by record. */
export function openSection(path: string, index: ImageIndex, i: number): Opener {
  const s = index.header.sections[i] as CloneHeader["sections"][number];
  const span = index.sections[i] as StreamSpan;
  const opener = new Opener(
    streamKey(index.key, contexts.imageSection(i, s.role)),
    `the ${s.role} section of ${path}`,
  );
  const file = createReadStream(path, { start: span.start, end: span.end - 1, highWaterMark: CHUNK });
  file.on("error", (err) => opener.destroy(err));
  file.pipe(opener);
  return opener;
}

/** The answer node A's install saved on its OS filesystem: the default key of its images. */
async function answerOfSource(source: Source): Promise<ImageKeySource> {
  const osDev = source.devices.get("os") as string;
  const origin = `${ANSWER_PATH} on ${osDev}`;
  const text = await readOsFile(osDev, ANSWER_PATH);
  const hint = "give the cluster's answer file with --answer FILE, or a passphrase with --key-file FILE";
  if (text === null) throw new Error(`node A's disk has no ${ANSWER_PATH} to key the image with; ${hint}`);
  const loaded = loadAnswerText(text, origin);
  if (!loaded.ok)
    throw new Error(`${origin} is not valid (${loaded.errors.map(formatAnswerError).join("; ")}); ${hint}`);
  return { kind: "answer", spec: loaded.spec, origin };
}

export interface ImageSendOptions {
  disk: string;
  level?: number;
  reporter?: Reporter;
  /** The key's source; default: the answer saved on node A's disk. */
  key?: ImageKeySource;
}

/** Writes node A's disk into an encrypted, authenticated image file of mode 0600. */
export async function sendToImage(
  file: string,
  opts: ImageSendOptions,
): Promise<{ bytes: number; usedBytes: number }> {
  const reporter = opts.reporter ?? consoleReporter();
  const source = await inspectSource(opts.disk);
  const keySource = opts.key ?? (await answerOfSource(source));
  const keyed =
    keySource.kind === "answer"
      ? `keyed with the cluster secrets of ${keySource.origin}`
      : `keyed with the passphrase from ${keySource.origin}`;
  reporter.info(`imaging ${opts.disk} into ${file} (encrypted, ${keyed})`);
  const { bytes } = await writeImage(file, source, keySource, opts.level ?? 3, reporter);
  reporter.info(`image complete: ${file}, ${bytes} bytes for ${source.header.usedBytes} bytes in use`);
  return { bytes, usedBytes: source.header.usedBytes };
}
