import { describe, expect, it } from "vitest";
import { formatPairingCode, newPairingCode, normalizePairingCode } from "../../src/clone/code.js";
import {
  checkImageGeometry,
  footer,
  FOOTER_BYTES,
  headerLine,
  IMAGE_MAGIC,
  manifestDigest,
  parseFooter,
  parseHeader,
  type CloneHeader,
} from "../../src/clone/format.js";
import { bindSession, deriveSessionKeys, handshakeProof, messageMac, sameHex } from "../../src/clone/keys.js";
import { lastCompletion, progressLine } from "../../src/clone/progress.js";

const header: CloneHeader = {
  format: "pairboot-clone",
  version: 1,
  createdAt: "2026-01-01T00:00:00.000Z",
  source: { node: "node-a", diskBytes: 8 * 1024 ** 3, sectorSize: 512 },
  table: "label: gpt\n",
  osSizeBytes: 5 * 1024 ** 3,
  usedBytes: 500,
  sections: [
    {
      role: "esp",
      partition: 2,
      fs: "vfat",
      tool: "partclone.vfat",
      compression: "zstd",
      sizeBytes: 1000,
      usedBytes: 100,
    },
    {
      role: "os",
      partition: 3,
      fs: "ext4",
      tool: "partclone.ext4",
      compression: "zstd",
      sizeBytes: 5000,
      usedBytes: 400,
    },
  ],
};

describe("pairing codes", () => {
  it("are three groups of four unambiguous characters", () => {
    const code = newPairingCode();
    expect(code).toMatch(/^[2-9A-HJ-KM-NP-Z]{4}-[2-9A-HJ-KM-NP-Z]{4}-[2-9A-HJ-KM-NP-Z]{4}$/);
    expect(code).not.toMatch(/[01OIL]/);
  });

  it("forgive case, spaces and dashes but explain impossible characters", () => {
    expect(normalizePairingCode(" 7kqm x3dp-9waf ")).toEqual({ code: "7KQMX3DP9WAF" });
    expect(normalizePairingCode("7KQM-X3DP-9WA0")).toMatchObject({
      error: expect.stringMatching(/'0'.*never contains 0, 1, O, I or L/),
    });
    expect(normalizePairingCode("7KQM-X3DP")).toMatchObject({
      error: expect.stringMatching(/12 characters.*has 8/),
    });
    expect(formatPairingCode("7KQMX3DP9WAF")).toBe("7KQM-X3DP-9WAF");
  });
});

describe("session keys", () => {
  it("prove the code only when both ends typed the same one", async () => {
    const salt = "00112233445566778899aabbccddeeff";
    const a = await deriveSessionKeys("7KQMX3DP9WAF", salt);
    const b = await deriveSessionKeys("7KQMX3DP9WAF", salt);
    const wrong = await deriveSessionKeys("7KQMX3DP9WAG", salt);
    expect(
      sameHex(handshakeProof(a, "receiver", "n1", "n2"), handshakeProof(b, "receiver", "n1", "n2")),
    ).toBe(true);
    expect(
      sameHex(handshakeProof(a, "receiver", "n1", "n2"), handshakeProof(wrong, "receiver", "n1", "n2")),
    ).toBe(false);
    // A's proof cannot be replayed as B's, nor a message MAC in the other direction or position.
    expect(handshakeProof(a, "sender", "n1", "n2")).not.toBe(handshakeProof(a, "receiver", "n1", "n2"));
    expect(messageMac(a, "a2b", 0, "{}")).not.toBe(messageMac(a, "b2a", 0, "{}"));
    expect(messageMac(a, "a2b", 0, "{}")).not.toBe(messageMac(a, "a2b", 1, "{}"));
    expect(a.encHex).toMatch(/^[0-9a-f]{64}$/);
    // Keys of a session depend on both ends' nonces: a fixed code still gives fresh keys each run.
    const s1 = bindSession(a, "n1", "n2");
    expect(bindSession(b, "n1", "n2")).toEqual(s1);
    expect(bindSession(a, "n1", "n3").encHex).not.toBe(s1.encHex);
    expect(bindSession(a, "n1", "n3").mac.equals(s1.mac)).toBe(false);
    expect(a.encHex).not.toBe(wrong.encHex);
  });
});

describe("image file framing", () => {
  it("round-trips the header and the footer", () => {
    expect(parseHeader(headerLine(header).trimEnd())).toEqual(header);
    const f = footer(123456, "a".repeat(64));
    expect(f).toHaveLength(FOOTER_BYTES);
    expect(parseFooter(f)).toEqual({ trailerOffset: 123456, digest: "a".repeat(64) });
    expect(parseFooter(f.replace("PAIRBOOT-END", "PAIRBOOT-EN?"))).toBeNull();
  });

  it("rejects a header from another tool or version", () => {
    expect(() => parseHeader(JSON.stringify({ ...header, version: 2 }))).toThrow(
      /not one pairboot understands/,
    );
    expect(() => parseHeader("{nope")).toThrow(/not valid JSON/);
  });

  it("notices a changed header or table of contents", () => {
    const h = headerLine(header);
    const t = '{"sections":[]}\n';
    expect(manifestDigest(h, t)).not.toBe(manifestDigest(h.replace("node-a", "node-x"), t));
    expect(manifestDigest(h, t)).not.toBe(manifestDigest(h, t.replace("[]", "[ ]")));
  });

  it("checks that sections tile the file between header and trailer", () => {
    const headerEnd = IMAGE_MAGIC.length + headerLine(header).length;
    const trailer = {
      sections: [
        { role: "esp" as const, offset: headerEnd, length: 10, sha256: "0".repeat(64) },
        { role: "os" as const, offset: headerEnd + 10, length: 20, sha256: "0".repeat(64) },
      ],
    };
    const tOff = headerEnd + 30;
    expect(checkImageGeometry(header, headerEnd, trailer, tOff, 50, tOff + 50 + FOOTER_BYTES)).toBeNull();
    expect(checkImageGeometry(header, headerEnd, trailer, tOff, 50, tOff + 49 + FOOTER_BYTES)).toMatch(
      /has .* bytes/,
    );
    const gap = { sections: [trailer.sections[0]!, { ...trailer.sections[1]!, offset: headerEnd + 11 }] };
    expect(checkImageGeometry(header, headerEnd, gap, tOff, 50, tOff + 50 + FOOTER_BYTES)).toMatch(
      /starts at byte/,
    );
  });
});

describe("progress", () => {
  it("reads partclone's completion and shows rate and ETA in ASCII", () => {
    const chunk =
      "\r            \rElapsed: 00:00:01, Remaining: 00:00:09, Completed:  10.00%\r\x1b[A\rElapsed: 00:00:02, Remaining: 00:00:08, Completed:  20.50%,";
    expect(lastCompletion(chunk)).toBeCloseTo(0.205);
    expect(lastCompletion("Reading Super Block")).toBeNull();
    const line = progressLine(
      { label: "os", totalBytes: 1000 * 1024 ** 2, startedMs: 0, fraction: 0.5 },
      10_000,
    );
    expect(line).toBe("os     50%  500.0 MiB of 1000.0 MiB  50.0 MiB/s  ETA 0:10");
    expect(line).toMatch(/^[\x20-\x7e]+$/);
  });
});
