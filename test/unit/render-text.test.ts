import { describe, expect, it } from "vitest";
import { addressOf, lines, networkOf, parseCidr } from "../../src/render/text.js";

describe("render text helpers", () => {
  it("finds the network of an address for every prefix length", () => {
    expect(networkOf("10.0.0.1/30")).toBe("10.0.0.0/30");
    expect(networkOf("10.0.0.2/30")).toBe("10.0.0.0/30");
    expect(networkOf("10.0.0.6/30")).toBe("10.0.0.4/30");
    expect(networkOf("192.168.42.1/24")).toBe("192.168.42.0/24");
    expect(networkOf("10.20.3.200/22")).toBe("10.20.0.0/22");
    expect(networkOf("172.31.255.255/16")).toBe("172.31.0.0/16");
    expect(networkOf("255.255.255.255/1")).toBe("128.0.0.0/1");
    expect(networkOf("203.0.113.9/32")).toBe("203.0.113.9/32");
    expect(networkOf("203.0.113.9/0")).toBe("0.0.0.0/0");
  });

  it("splits address and prefix", () => {
    expect(parseCidr("10.0.0.1/30")).toEqual({ address: "10.0.0.1", prefix: 30 });
    expect(addressOf("192.168.42.42/24")).toBe("192.168.42.42");
    expect(() => parseCidr("10.0.0.1")).toThrow(/address\/prefix/);
  });

  it("ends file text with exactly one newline and skips absent parts", () => {
    expect(lines("a", ["b", "c"], undefined, false, "d")).toBe("a\nb\nc\nd\n");
    expect(lines([])).toBe("\n");
  });
});
