// The decisions behind node A's pairing guard: how long an address waits after wrong codes, what the
// throttle counts by, and which pending connections make room for a new one.
import { describe, expect, it } from "vitest";
import { GuessThrottle, ordinal, throttleDelayMs, throttleKey, toDrop } from "../../src/clone/guard.js";

describe("the wrong-code throttle", () => {
  it("waits 1, 2, 4, 8, 16 s after successive wrong codes, then 30 s for every one after", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => throttleDelayMs(n) / 1000)).toEqual([
      1, 2, 4, 8, 16, 30, 30, 30,
    ]);
    expect(throttleDelayMs(0)).toBe(0);
  });

  it("counts per address, forgets nothing while it waits, and lets the address try again after the wait", () => {
    let now = 0;
    const t = new GuessThrottle(undefined, 100, () => now);
    expect(t.fail("10.0.0.9")).toEqual({ failures: 1, waitMs: 1000 });
    expect(t.fail("10.0.0.9")).toEqual({ failures: 2, waitMs: 2000 });
    expect(t.waitMs("10.0.0.9")).toBe(2000);
    expect(t.waitMs("10.0.0.2")).toBe(0);
    now = 2000;
    expect(t.waitMs("10.0.0.9")).toBe(0);
    expect(t.fail("10.0.0.9").failures).toBe(3);
  });

  it("holds at most its bound of addresses, dropping the oldest", () => {
    const t = new GuessThrottle(undefined, 2, () => 0);
    t.fail("a");
    t.fail("b");
    t.fail("c");
    expect([t.waitMs("a"), t.waitMs("b"), t.waitMs("c")]).toEqual([0, 1000, 1000]);
  });

  it("counts an IPv6 peer by its /64 and an IPv4 peer by its address", () => {
    expect(throttleKey("2001:db8:0:12:abcd::1")).toBe("2001:db8:0:12::/64");
    expect(throttleKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(throttleKey("fe80::1:2:3:4")).toBe("fe80:0:0:0::/64");
    expect(throttleKey("10.0.0.2")).toBe("10.0.0.2");
  });

  it("writes counts as 1st, 2nd, 3rd, 4th, 11th, 12th, 21st", () => {
    expect([1, 2, 3, 4, 11, 12, 21].map(ordinal)).toEqual([
      "1st",
      "2nd",
      "3rd",
      "4th",
      "11th",
      "12th",
      "21st",
    ]);
  });
});

describe("which pending connections make room", () => {
  const p = (key: string, id: number) => ({ key, id });
  it("drops the oldest of the same address first, then the oldest overall", () => {
    const limits = { total: 4, perAddress: 2 };
    expect(toDrop([p("x", 1), p("y", 2), p("x", 3)], "x", limits).map((d) => d.id)).toEqual([1]);
    expect(toDrop([p("a", 1), p("b", 2), p("c", 3), p("d", 4)], "e", limits).map((d) => d.id)).toEqual([1]);
    expect(toDrop([p("a", 1), p("b", 2)], "c", limits)).toEqual([]);
  });
});
