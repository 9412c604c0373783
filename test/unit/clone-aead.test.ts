import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import {
  openAll,
  Opener,
  RECORD_BYTES,
  RecordOpener,
  sealAll,
  Sealer,
  streamKey,
} from "../../src/clone/aead.js";

const base = randomBytes(32);
const k = streamKey(base, "net;session=s1;section=1;role=os");
// 2.5 records: two full records and a short last one.
const plain = randomBytes(2 * RECORD_BYTES + RECORD_BYTES / 2);

/** The framed records of a sealed stream, as [start, end) offsets into it. */
function records(wire: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at < wire.length;) {
    const end = at + 4 + wire.readUInt32BE(at) + 16;
    out.push([at, end]);
    at = end;
  }
  return out;
}

async function sealStream(data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  // Uneven chunks, as a pipe delivers them.
  const pieces = [data.subarray(0, 1000), data.subarray(1000, 1_500_000), data.subarray(1_500_000)];
  await pipeline(Readable.from(pieces), new Sealer(k), sink);
  return Buffer.concat(chunks);
}

/** What an Opener hands on before it fails: only plaintext of records that verified. */
async function openStream(wire: Buffer): Promise<{ out: Buffer; error: Error | null }> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      out.push(c);
      cb();
    },
  });
  const error = await pipeline(Readable.from([wire]), new Opener(k, "the os section"), sink).then(
    () => null,
    (e: Error) => e,
  );
  return { out: Buffer.concat(out), error };
}

describe("authenticated clone records (STREAM over AES-256-GCM)", () => {
  it("round-trips a stream of several records, through streams and in memory", async () => {
    const wire = await sealStream(plain);
    expect(records(wire)).toHaveLength(3);
    expect(wire.length).toBe(plain.length + 3 * 20);
    const { out, error } = await openStream(wire);
    expect(error).toBeNull();
    expect(out.equals(plain)).toBe(true);
    expect(openAll(k, "x", sealAll(k, Buffer.from("hello"))).toString()).toBe("hello");
    // An empty stream is one empty last record.
    expect(openAll(k, "x", sealAll(k, Buffer.alloc(0)))).toHaveLength(0);
  });

  it("round-trips when the wire arrives in pieces of any size (socket chunks)", async () => {
    const wire = await sealStream(plain);
    for (const size of [1, 3, 4, 5, 65536, 1_048_600]) {
      const small = size < 100 ? wire.subarray(0, 5000) : wire;
      const o = new RecordOpener(k, "the os section");
      const out: Buffer[] = [];
      for (let at = 0; at < small.length; at += size)
        o.feed(small.subarray(at, at + size), (p) => out.push(p));
      if (size < 100) {
        expect(() => o.end()).toThrow(/ended before its last record \(cut short after 0 records\)/);
      } else {
        o.end();
        expect(Buffer.concat(out).equals(plain)).toBe(true);
      }
    }
  });

  it("refuses a flipped bit and hands on nothing of the damaged record", async () => {
    const wire = await sealStream(plain);
    const second = records(wire)[1] as [number, number];
    const bad = Buffer.from(wire);
    bad.writeUInt8((bad.readUInt8(second[0] + 100) ^ 0x01) & 0xff, second[0] + 100);
    const { out, error } = await openStream(bad);
    expect(error?.message).toBe(
      "the os section failed authentication at record 1 (damaged, reordered, from another stream, forged, or the key is wrong)",
    );
    // The first record verified and went on; not a byte of the second.
    expect(out.equals(plain.subarray(0, RECORD_BYTES))).toBe(true);
  });

  it("refuses two records swapped", async () => {
    const wire = await sealStream(plain);
    const [r0, r1, r2] = records(wire) as [[number, number], [number, number], [number, number]];
    const swapped = Buffer.concat([wire.subarray(...r1), wire.subarray(...r0), wire.subarray(...r2)]);
    const { out, error } = await openStream(swapped);
    expect(error?.message).toMatch(/^the os section failed authentication at record 0 /);
    expect(out).toHaveLength(0);
  });

  it("refuses a stream whose last record was dropped, or that was cut mid-record", async () => {
    const wire = await sealStream(plain);
    const r1 = records(wire)[1] as [number, number];
    const dropped = await openStream(wire.subarray(0, r1[1]));
    expect(dropped.error?.message).toBe(
      "the os section ended before its last record (cut short after 2 records)",
    );
    const cut = await openStream(wire.subarray(0, wire.length - 7));
    expect(cut.error?.message).toBe(
      "the os section ended before its last record (cut short after 2 records)",
    );
    expect(cut.out).toHaveLength(2 * RECORD_BYTES);
  });

  it("refuses bytes appended after the last record", async () => {
    const wire = await sealStream(plain);
    const { error } = await openStream(Buffer.concat([wire, sealAll(k, Buffer.from("more"))]));
    expect(error?.message).toBe("the os section has data after its last record (altered)");
  });

  it("refuses a record from another section, another session, or under another key", () => {
    const sealed = sealAll(k, Buffer.from("section data"));
    for (const other of [
      streamKey(base, "net;session=s1;section=0;role=os"),
      streamKey(base, "net;session=s2;section=1;role=os"),
      streamKey(base, "net;session=s1;section=1;role=esp"),
      streamKey(randomBytes(32), "net;session=s1;section=1;role=os"),
    ]) {
      expect(() => openAll(other, "the os section", sealed)).toThrow(
        /^the os section failed authentication at record 0 /,
      );
    }
  });

  it("refuses a record claiming more than 1 MiB before reading it", () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0xffffffff, 0);
    expect(() => openAll(k, "its header", huge)).toThrow(
      "its header failed authentication at record 0: it claims 4294967295 bytes, more than a record holds (damaged or forged)",
    );
  });
});
