// Authenticated encryption of a clone's byte streams (each section over the network, and every part of an
// image file): the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over AES-256-GCM.
//
// A stream is cut into records of at most RECORD_BYTES of plaintext. Record i is sealed with
//   nonce = 7-byte stream prefix || i as 32-bit big endian || 1 if it is the last record, else 0
//   AAD   = the stream's context ("which session, which section, which role")
// and travels as: ciphertext length (u32 big endian) || ciphertext || 16-byte GCM tag.
// Each stream has its own key and nonce prefix, derived with HKDF from a base key and the context, so a
// record moved to another position (the counter), another section or session (key and AAD), a stream cut
// short (no record carries the last flag) or continued (bytes after the last record) all fail.
// The opener hands a record's plaintext on only after its tag verified: no unauthenticated byte leaves it.
import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

export const RECORD_BYTES = 1024 * 1024;
const TAG_BYTES = 16;
const LENGTH_BYTES = 4;
const PREFIX_BYTES = 7;
/** The most a stream may hold: 2^32 records of 1 MiB. */
const MAX_RECORDS = 2 ** 32;

export interface StreamKey {
  key: Buffer;
  prefix: Buffer;
  context: string;
}

/** The key and nonce prefix of one stream, bound to its context. */
export function streamKey(base: Buffer, context: string): StreamKey {
  if (base.length < 32) throw new Error("a stream key needs a 256-bit base key");
  const okm = Buffer.from(
    hkdfSync("sha256", base, Buffer.alloc(0), `pairboot-clone stream v1;${context}`, 39),
  );
  return { key: okm.subarray(0, 32), prefix: okm.subarray(32, 39), context };
}

function nonce(k: StreamKey, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  k.prefix.copy(n, 0);
  n.writeUInt32BE(counter, PREFIX_BYTES);
  n[11] = last ? 1 : 0;
  return n;
}

/** One sealed record, framed for the wire. */
export function sealRecord(k: StreamKey, counter: number, last: boolean, plain: Buffer): Buffer {
  if (plain.length > RECORD_BYTES) throw new Error("record too large");
  const c = createCipheriv("aes-256-gcm", k.key, nonce(k, counter, last));
  c.setAAD(Buffer.from(k.context));
  const body = Buffer.concat([c.update(plain), c.final()]);
  const head = Buffer.alloc(LENGTH_BYTES);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body, c.getAuthTag()]);
}

/** The plaintext of a record, or null when it fails authentication. */
function openRecord(k: StreamKey, counter: number, last: boolean, body: Buffer, tag: Buffer): Buffer | null {
  const d = createDecipheriv("aes-256-gcm", k.key, nonce(k, counter, last));
  d.setAAD(Buffer.from(k.context));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    return null;
  }
}

/** Seals a whole (small) stream at once: the image's header and trailer. */
export function sealAll(k: StreamKey, plain: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (let at = 0; ; at += RECORD_BYTES, i++) {
    const last = at + RECORD_BYTES >= plain.length;
    out.push(sealRecord(k, i, last, plain.subarray(at, at + RECORD_BYTES)));
    if (last) return Buffer.concat(out);
  }
}

/** Encrypts a byte stream into records; the last record (possibly empty) is sealed when the input ends. */
export class Sealer extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;
  /** Plaintext and wire bytes so far. */
  plainBytes = 0;
  wireBytes = 0;

  constructor(private readonly k: StreamKey) {
    super();
  }

  private emit_(last: boolean, plain: Buffer): void {
    if (this.counter >= MAX_RECORDS) throw new Error("stream too long");
    const rec = sealRecord(this.k, this.counter++, last, plain);
    this.wireBytes += rec.length;
    this.push(rec);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.plainBytes += chunk.length;
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      // Keep at least one byte back: the last record must be sealed as last, and only the end tells.
      if (this.pendingBytes > RECORD_BYTES) {
        let all = Buffer.concat(this.pending);
        while (all.length > RECORD_BYTES) {
          this.emit_(false, all.subarray(0, RECORD_BYTES));
          all = all.subarray(RECORD_BYTES);
        }
        this.pending = [all];
        this.pendingBytes = all.length;
      }
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.emit_(true, Buffer.concat(this.pending));
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/** A stream that did not authenticate: damaged, forged, cut short, reordered or keyed differently. */
export class StreamRefused extends Error {}

/**
 * The record parser, without streams: feed it wire bytes, it returns verified plaintext. Throws on a bad
 * tag, an oversized record, bytes after the last record, or (end()) an input that ended before it.
 * `what` names the stream in messages ("the os section").
 */
export class RecordOpener {
  private buf: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private have = 0;
  private need = LENGTH_BYTES;
  private counter = 0;
  /** The last record has been opened. */
  finished = false;
  plainBytes = 0;
  /** Wire bytes of this stream's records (not counting what followed them). */
  wireBytes = 0;
  /** Bytes that followed the last record (with stopAtEnd). */
  rest: Buffer = Buffer.alloc(0);

  constructor(
    private readonly k: StreamKey,
    private readonly what: string,
    /** Refuse a stream whose plaintext would exceed this (an image's header and trailer). */
    private readonly maxPlainBytes = Infinity,
    /** Stop at the last record and keep what follows in `rest` (streams back to back in a file). */
    private readonly stopAtEnd = false,
  ) {}

  private refuse(why: string): StreamRefused {
    return new StreamRefused(`${this.what} ${why}`);
  }

  /** Returns the verified plaintext, or hands each record's to `emit` as soon as it verified. */
  feed(chunk: Buffer, emit?: (plain: Buffer) => void): Buffer[] {
    if (this.finished) {
      if (!this.stopAtEnd) throw this.refuse("has data after its last record (altered)");
      this.rest = Buffer.concat([this.rest, chunk]);
      return [];
    }
    // Concatenate only once a whole record is there: joining every 64 KiB socket chunk to the
    // partial record would copy each record many times over.
    this.parts.push(chunk);
    this.have += chunk.length;
    if (this.have < this.need) return [];
    this.buf = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.have);
    this.parts = [];
    this.have = 0;
    const out: Buffer[] = [];
    while (!this.finished && this.buf.length >= LENGTH_BYTES) {
      const len = this.buf.readUInt32BE(0);
      if (len > RECORD_BYTES) {
        throw this.refuse(
          `failed authentication at record ${this.counter}: it claims ${len} bytes, more than a record holds (damaged or forged)`,
        );
      }
      const total = LENGTH_BYTES + len + TAG_BYTES;
      if (this.buf.length < total) {
        this.need = total;
        break;
      }
      const body = this.buf.subarray(LENGTH_BYTES, LENGTH_BYTES + len);
      const tag = this.buf.subarray(LENGTH_BYTES + len, total);
      // Only the last record carries the flag; try "not last" first, the common case.
      let plain = openRecord(this.k, this.counter, false, body, tag);
      let last = false;
      if (plain === null) {
        plain = openRecord(this.k, this.counter, true, body, tag);
        last = plain !== null;
      }
      if (plain === null) {
        throw this.refuse(
          `failed authentication at record ${this.counter} (damaged, reordered, from another stream, forged, or the key is wrong)`,
        );
      }
      this.plainBytes += plain.length;
      if (this.plainBytes > this.maxPlainBytes)
        throw this.refuse(`is larger than ${this.maxPlainBytes} bytes, more than pairboot writes`);
      this.counter++;
      this.wireBytes += total;
      this.buf = this.buf.subarray(total);
      if (plain.length > 0) {
        if (emit) emit(plain);
        else out.push(plain);
      }
      if (last) {
        this.finished = true;
        if (this.buf.length > 0) {
          if (!this.stopAtEnd) throw this.refuse("has data after its last record (altered)");
          this.rest = Buffer.from(this.buf);
        }
        this.buf = Buffer.alloc(0);
      }
    }
    if (this.buf.length > 0 && !this.finished) {
      this.parts = [this.buf];
      this.have = this.buf.length;
      if (this.have < LENGTH_BYTES) this.need = LENGTH_BYTES;
      this.buf = Buffer.alloc(0);
    } else {
      this.need = LENGTH_BYTES;
    }
    return out;
  }

  end(): void {
    if (!this.finished)
      throw this.refuse(`ended before its last record (cut short after ${this.counter} records)`);
  }
}

/** RecordOpener as a Transform: verified plaintext out, nothing unverified ever pushed. */
export class Opener extends Transform {
  readonly records: RecordOpener;

  constructor(k: StreamKey, what: string) {
    super();
    this.records = new RecordOpener(k, what);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.records.feed(chunk, (p) => this.push(p));
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.records.end();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/** Opens a whole sealed stream held in memory. */
export function openAll(k: StreamKey, what: string, wire: Buffer, maxPlainBytes = Infinity): Buffer {
  const o = new RecordOpener(k, what, maxPlainBytes);
  const out = o.feed(wire);
  o.end();
  return Buffer.concat(out);
}
