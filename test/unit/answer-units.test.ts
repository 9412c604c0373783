// Sizes, durations and IPv4 subnets: the arithmetic the schema and the cross-checks rest on.
import { describe, expect, it } from "vitest";
import { formatDuration, formatSize, parseDuration, parseSize } from "../../src/answer/schema.js";
import {
  addressOf,
  hostAddressProblem,
  parseCidr,
  subnetsOverlap,
  subnetText,
} from "../../src/answer/ipv4.js";

describe("sizes", () => {
  it.each([
    ["5GiB", 5 * 1024 ** 3],
    ["512MiB", 512 * 1024 ** 2],
    ["1.5TiB", 1.5 * 1024 ** 4],
    ["20GB", 20e9],
    ["4096", 4096],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(["5GiB", "2TB", "1536GiB", "100MB", "7B"])("%s is written back as it was", (text) => {
    expect(formatSize(parseSize(text))).toBe(text);
  });
});

describe("durations", () => {
  it("reads a plain number as seconds", () => {
    expect(parseDuration(10)).toBe(10_000);
    expect(parseDuration("10")).toBe(10_000);
  });

  it.each(["500ms", "10s", "2m", "90s"])("%s is written back as it was", (text) => {
    expect(formatDuration(parseDuration(text))).toBe(text);
  });
});

describe("IPv4 subnets", () => {
  it("names the subnet an address lies in", () => {
    expect(subnetText(parseCidr("192.168.42.77/24"))).toBe("192.168.42.0/24");
    expect(subnetText(parseCidr("10.20.3.9/22"))).toBe("10.20.0.0/22");
  });

  it("finds the network of an address for every prefix length", () => {
    expect(subnetText(parseCidr("10.0.0.1/30"))).toBe("10.0.0.0/30");
    expect(subnetText(parseCidr("10.0.0.2/30"))).toBe("10.0.0.0/30");
    expect(subnetText(parseCidr("10.0.0.6/30"))).toBe("10.0.0.4/30");
    expect(subnetText(parseCidr("172.31.255.255/16"))).toBe("172.31.0.0/16");
    expect(subnetText(parseCidr("255.255.255.255/1"))).toBe("128.0.0.0/1");
    expect(subnetText(parseCidr("203.0.113.9/32"))).toBe("203.0.113.9/32");
    expect(subnetText(parseCidr("203.0.113.9/0"))).toBe("0.0.0.0/0");
  });

  it("gives the address as written without its prefix length", () => {
    expect(addressOf("192.168.42.42/24")).toBe("192.168.42.42");
    expect(addressOf("10.0.0.1")).toBe("10.0.0.1");
  });

  it("refuses network and broadcast addresses but allows both ends of a /31", () => {
    expect(hostAddressProblem(parseCidr("10.0.0.0/30"))).toMatch(/network address of 10\.0\.0\.0\/30/);
    expect(hostAddressProblem(parseCidr("10.0.0.3/30"))).toMatch(/broadcast address of 10\.0\.0\.0\/30/);
    expect(hostAddressProblem(parseCidr("10.0.0.1/30"))).toBeUndefined();
    expect(hostAddressProblem(parseCidr("10.0.0.0/31"))).toBeUndefined();
    expect(hostAddressProblem(parseCidr("10.0.0.1/32"))).toMatch(/no room/);
  });

  it("sees overlap between a subnet and a larger one around it", () => {
    expect(subnetsOverlap(parseCidr("192.168.42.101/30"), parseCidr("192.168.42.1/24"))).toBe(true);
    expect(subnetsOverlap(parseCidr("10.0.0.1/30"), parseCidr("192.168.42.1/24"))).toBe(false);
    expect(subnetsOverlap(parseCidr("10.0.0.1/30"), parseCidr("10.0.0.5/30"))).toBe(false);
  });
});
