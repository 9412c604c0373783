import { describe, expect, it } from "vitest";
import { formatPairingCode, newPairingCode, normalizePairingCode } from "../../src/clone/code.js";
import { parseHeader, printable, type CloneHeader } from "../../src/clone/format.js";
import { bindSession, deriveSessionKeys, handshakeProof, messageMac, sameHex } from "../../src/clone/keys.js";
import { lastCompletion, progressLine } from "../../src/clone/progress.js";

const header: CloneHeader = {
  format: "pairboot-clone",
  version: 2,
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

describe("clone header validation", () => {
  const withSource = (source: Partial<CloneHeader["source"]>) =>
    JSON.stringify({ ...header, source: { ...header.source, ...source } });

  it("round-trips a header pairboot wrote", () => {
    expect(parseHeader(JSON.stringify(header))).toEqual(header);
  });

  it("rejects a header from another tool or version", () => {
    expect(() => parseHeader(JSON.stringify({ ...header, version: 1 }))).toThrow(
      /not one pairboot understands \(version/,
    );
    expect(() => parseHeader("{nope")).toThrow(/not valid JSON/);
  });

  it("refuses a createdAt that is not an ISO UTC time, and shows its control characters escaped", () => {
    const evil = JSON.stringify({ ...header, createdAt: "\u001b]0;PWNED\u0007\u001b[2J now" });
    expect(() => parseHeader(evil)).toThrow(/createdAt: an ISO 8601 UTC time/);
    expect(printable("\u001b]0;PWNED\u0007")).toBe("\\x1b]0;PWNED\\x07");
  });

  it("refuses a node name that is not a host name ('../../etc/x', ESC)", () => {
    expect(() => parseHeader(withSource({ node: "../../etc/x" }))).toThrow(/source\.node: a host name/);
    expect(() => parseHeader(withSource({ node: "node\u001b[2J" }))).toThrow(/source\.node: a host name/);
    expect(parseHeader(withSource({ node: null })).source.node).toBeNull();
  });

  it("refuses a section whose filesystem does not fit its role (an ESP restored as ext4) or a role twice", () => {
    const esp = header.sections[0] as CloneHeader["sections"][number];
    const os = header.sections[1] as CloneHeader["sections"][number];
    const swapped = { ...header, sections: [{ ...esp, fs: "ext4", tool: "partclone.ext4" }, os] };
    expect(() => parseHeader(JSON.stringify(swapped))).toThrow(
      /sections\.0: the esp section must be vfat restored by partclone\.vfat/,
    );
    const twice = { ...header, sections: [os, os] };
    expect(() => parseHeader(JSON.stringify(twice))).toThrow(/sections\.1\.role: 'os' twice/);
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
