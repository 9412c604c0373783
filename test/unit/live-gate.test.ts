import { describe, expect, it } from "vitest";
import { countdownLine, gateStart, gateStep, keyMeaning, type GateState } from "../../src/live/gate.js";

const tick = { kind: "tick" } as const;
const key = (data: string) => ({ kind: "key", data }) as const;

describe("unattended install gate", () => {
  it("pairboot.auto=1 proceeds at once and says why", () => {
    expect(gateStart(true)).toEqual({
      remaining: 0,
      decision: "proceed",
      reason: "pairboot.auto=1 is on the kernel command line",
    });
  });

  it("counts down 10 seconds, then installs", () => {
    let s: GateState = gateStart(false);
    expect(countdownLine(s)).toBe(
      "Installing in 10 seconds. Enter: install now   Esc: stop and open the wizard",
    );
    for (let i = 0; i < 9; i++) s = gateStep(s, tick);
    expect(s.decision).toBeNull();
    expect(countdownLine(s)).toBe(
      "Installing in 1 second. Enter: install now   Esc: stop and open the wizard",
    );
    s = gateStep(s, tick);
    expect(s).toEqual({ remaining: 0, decision: "proceed", reason: "the countdown ran out" });
  });

  it("Enter installs now; Esc stops; the decision then stays", () => {
    const s = gateStep(gateStart(false), key("\r"));
    expect(s.decision).toBe("proceed");
    expect(s.reason).toBe("confirmed at the console");
    expect(gateStep(s, key("\x1b"))).toBe(s);
    const a = gateStep(gateStep(gateStart(false), tick), key("\x1b"));
    expect(a).toEqual({ remaining: 9, decision: "abort", reason: "stopped at the console" });
  });

  it("arrow keys and other keys do nothing (an arrow starts with ESC but is not Esc)", () => {
    for (const k of ["\x1b[A", "\x1b[B", "\x1bOP", "x", "1", "\t"])
      expect(keyMeaning(k), JSON.stringify(k)).toBeNull();
    const s = gateStart(false);
    expect(gateStep(s, key("\x1b[A"))).toEqual(s);
  });

  it("y, space and Enter (CR or LF) proceed; n, q, Esc and Ctrl-C abort", () => {
    for (const k of ["y", "Y", " ", "\r", "\n", "\r\n"])
      expect(keyMeaning(k), JSON.stringify(k)).toBe("proceed");
    for (const k of ["n", "N", "q", "\x1b", "\x03"]) expect(keyMeaning(k), JSON.stringify(k)).toBe("abort");
  });
});
