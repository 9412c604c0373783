// The lab's judgement of the client's record stream (test/lab/stream.ts), without VMs.
import { describe, expect, it } from "vitest";
import { firstAfter, judgeStream, largestGap, parseRecords } from "../lab/stream.js";

const lines = (n: number, t0 = 100, dt = 0.3) =>
  Array.from({ length: n }, (_, i) => `${i + 1} ${(t0 + i * dt).toFixed(3)}`).join("\n") + "\n";

describe("lab record stream", () => {
  it("accepts a server copy that holds every acknowledged record once, in order", () => {
    const v = judgeStream(lines(10), lines(9));
    expect(v).toMatchObject({ ok: true, acked: 9, onServer: 10, lost: [], disorder: [] });
  });

  it("reports an acknowledged record missing on the server", () => {
    const server = lines(10)
      .split("\n")
      .filter((l) => !l.startsWith("7 "))
      .join("\n");
    const v = judgeStream(server, lines(10));
    expect(v.ok).toBe(false);
    expect(v.lost).toEqual([7]);
  });

  it("reports records out of order or twice", () => {
    const swapped = "1 100\n3 100.6\n2 100.3\n";
    expect(judgeStream(swapped, "1 100\n").disorder).toEqual([
      "line 2 holds record 3",
      "line 3 holds record 2",
    ]);
    const twice = "1 100\n2 100.3\n2 100.3\n3 100.6\n";
    expect(judgeStream(twice, "1 100\n").ok).toBe(false);
  });

  it("reports torn lines", () => {
    const v = judgeStream("1 100\n2", "1 100\n");
    expect(v.ok).toBe(false);
    expect(v.badLines).toEqual(["2"]);
  });

  it("finds the largest pause overlapping a window and the first record after a time", () => {
    const recs = parseRecords("1 100\n2 100.3\n3 100.6\n4 128.6\n5 128.9\n").records;
    expect(largestGap(recs, 100.5, 101)).toMatchObject({ seconds: 28, afterSeq: 3 });
    expect(largestGap(recs, 100, 100.2)?.seconds).toBeCloseTo(0.3);
    expect(largestGap(recs, 200, 300)).toBeNull();
    expect(firstAfter(recs, 101)?.seq).toBe(4);
    expect(firstAfter(recs, 500)).toBeNull();
  });
});
