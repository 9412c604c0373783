// The pure parts under the screens: password hashing, progress and ETA, text fitting.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sha512Crypt } from "../../src/tui/model/passwd.js";
import { applyEvent, etaSeconds, overallRatio, startProgress } from "../../src/tui/model/progress.js";
import { fit, fitTail, formatBytes, formatDuration, wrap } from "../../src/tui/model/format.js";
import { mask, wrapForPager } from "../../src/tui/model/review.js";
import { toProgressEvent } from "../../src/tui/real-engine.js";

describe("root password hashing", () => {
  it("matches the published SHA-512 crypt test vector", () => {
    expect(sha512Crypt("Hello world!", "saltstring")).toBe(
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    );
  });

  it("matches openssl passwd -6 for long passwords and 16-character salts", () => {
    const password = "a password longer than sixty-four bytes, so every repeat path is taken!!";
    let openssl: string;
    try {
      openssl = execFileSync("openssl", ["passwd", "-6", "-salt", "x1y2z3w4v5u6t7s8", password], {
        encoding: "utf8",
      }).trim();
    } catch {
      return; // no openssl on this machine: the vector above still checks the algorithm
    }
    expect(sha512Crypt(password, "x1y2z3w4v5u6t7s8")).toBe(openssl);
  });

  it("makes a fresh salt each time", () => {
    const a = sha512Crypt("same");
    const b = sha512Crypt("same");
    expect(a).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    expect(a).not.toBe(b);
  });
});

describe("progress", () => {
  it("folds engine events into a task list with an overall ratio and ETA", () => {
    let p = startProgress(0);
    p = applyEvent(
      p,
      {
        type: "plan",
        tasks: [
          { id: "a", title: "A" },
          { id: "b", title: "B" },
        ],
      },
      0,
    );
    p = applyEvent(p, { type: "start", id: "a" }, 0);
    p = applyEvent(p, { type: "done", id: "a" }, 10_000);
    p = applyEvent(p, { type: "progress", id: "b", ratio: 0.5, detail: "half" }, 20_000);
    expect(p.tasks.map((t) => [t.id, t.state, t.ratio])).toEqual([
      ["a", "done", 1],
      ["b", "running", 0.5],
    ]);
    expect(overallRatio(p)).toBe(0.75);
    // 20 s for three quarters: about 6.7 s to go.
    expect(etaSeconds(p)).toBeCloseTo(6.67, 1);
  });

  it("has no ETA before anything moved, and marks a failed step", () => {
    let p = startProgress(0);
    p = applyEvent(p, { type: "plan", tasks: [{ id: "a", title: "A" }] }, 0);
    expect(etaSeconds(p)).toBeNull();
    p = applyEvent(p, { type: "fail", id: "a", message: "sfdisk exit 1" }, 500);
    expect(p.tasks[0]).toMatchObject({ state: "failed", detail: "sfdisk exit 1" });
  });
});

describe("text", () => {
  it("fits, wraps and formats in ASCII", () => {
    expect(fit("abcdef", 4)).toBe("abc~");
    expect(fit("ab", 4)).toBe("ab  ");
    expect(fitTail("192.168.42.100/24", 8)).toBe("~.100/24");
    expect(wrap("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(formatBytes(21474836480)).toBe("20.0 GiB");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(65)).toBe("1:05");
  });
});

describe("the review pager", () => {
  it("cuts long lines into pieces ending in a backslash, losing nothing", () => {
    const long = "x".repeat(100);
    const pieces = wrapForPager(["short", long], 40);
    expect(pieces).toEqual(["short", `${"x".repeat(39)}\\`, `${"x".repeat(39)}\\`, "x".repeat(22)]);
    expect(pieces.slice(1).join("").replace(/\\/g, "")).toBe(long);
  });

  it("masks every secret, the longest first", () => {
    expect(
      mask(
        "key abcdef and abc",
        ["abc", "abcdef"].sort((a, b) => b.length - a.length),
      ),
    ).toBe("key ******** and ********");
  });
});

describe("the real engine's events on the progress screen", () => {
  it("maps steps, copy progress and output lines", () => {
    expect(
      toProgressEvent({ type: "step-start", id: "partition", title: "Partition", index: 0, total: 9 }),
    ).toEqual({
      type: "start",
      id: "partition",
    });
    expect(toProgressEvent({ type: "step-skip", id: "mkfs", reason: "done in an earlier run" })).toEqual({
      type: "skip",
      id: "mkfs",
      reason: "done in an earlier run",
    });
    expect(
      toProgressEvent({
        type: "copy",
        id: "copy-root",
        progress: { fraction: 0.4, bytes: 1, rateBps: 1, etaSec: 3 },
        text: "40% 1.0 GiB",
      }),
    ).toEqual({ type: "progress", id: "copy-root", ratio: 0.4, detail: "40% 1.0 GiB" });
    expect(toProgressEvent({ type: "step-failed", id: "grub", message: "exit 1" })).toEqual({
      type: "fail",
      id: "grub",
      message: "exit 1",
    });
    expect(toProgressEvent({ type: "output", id: "grub", line: "Installing for i386-pc" })).toEqual({
      type: "log",
      line: "Installing for i386-pc",
    });
  });
});
