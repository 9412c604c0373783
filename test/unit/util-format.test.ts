import { describe, expect, it } from "vitest";
import { formatBytes, formatBytesPair, formatClock } from "../../src/util/format.js";

describe("formatBytes", () => {
  it("shows disks in GiB with one decimal, as the answer file's sizes are binary", () => {
    expect(formatBytes(20 * 1024 ** 3)).toBe("20.0 GiB");
    expect(formatBytes(61_530_439_680)).toBe("57.3 GiB");
    expect(formatBytes(960_197_124_096)).toBe("894.3 GiB");
  });
  it("uses smaller units below 1 GiB so small partitions do not read 0.0 GiB", () => {
    expect(formatBytes(512 * 1024 ** 2)).toBe("512.0 MiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(0)).toBe("0 B");
  });
  it("shows 4 TB disks in TiB rather than thousands of GiB", () => {
    expect(formatBytes(4e12)).toBe("3.6 TiB");
  });
  it("adds exact bytes when rounding would print two different sizes alike", () => {
    expect(formatBytesPair(8 * 1024 ** 3 - 4096, 8 * 1024 ** 3)).toEqual([
      `8.0 GiB (${8 * 1024 ** 3 - 4096} bytes)`,
      `8.0 GiB (${8 * 1024 ** 3} bytes)`,
    ]);
    expect(formatBytesPair(6 * 1024 ** 3, 8 * 1024 ** 3)).toEqual(["6.0 GiB", "8.0 GiB"]);
  });
});

describe("formatClock", () => {
  it("shows elapsed times and ETAs as m:ss, or h:mm:ss past an hour, and an unknown one as -:--", () => {
    expect(formatClock(9)).toBe("0:09");
    expect(formatClock(65)).toBe("1:05");
    expect(formatClock(3725)).toBe("1:02:05");
    expect(formatClock(null)).toBe("-:--");
  });
});
