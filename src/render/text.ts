// Small pure helpers the renderers share: building file text and reading IPv4 prefixes.
import type { RenderedFile } from "./types.js";

/** The first line of every file whose format allows comments, so an admin knows where it came from. */
export const MANAGED =
  "# Managed by pairboot: rendered from the answer file. Edit the answer file and render again;\n" +
  "# changes made here are lost when pairboot writes this file again.";

/** Joins lines into file text that ends with exactly one newline, as every tool here expects. */
export function lines(...parts: (string | string[] | false | undefined)[]): string {
  const flat = parts.flatMap((p) => (p === false || p === undefined ? [] : Array.isArray(p) ? p : [p]));
  return `${flat.join("\n")}\n`;
}

/** A world-readable config file. */
export function file(path: string, content: string, mode = 0o644): RenderedFile {
  return { path, content, mode };
}

export interface Cidr {
  address: string;
  prefix: number;
}

/** "10.0.0.1/30" -> { address: "10.0.0.1", prefix: 30 }; the schema has already checked the syntax. */
export function parseCidr(cidr: string): Cidr {
  const [address, prefix] = cidr.split("/");
  if (address === undefined || prefix === undefined) throw new Error(`not an address/prefix: ${cidr}`);
  return { address, prefix: Number(prefix) };
}

function toInt(address: string): number {
  return address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function fromInt(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The network an address lies in: "10.0.0.1/30" -> "10.0.0.0/30". */
export function networkOf(cidr: string): string {
  const { address, prefix } = parseCidr(cidr);
  const size = 2 ** (32 - prefix);
  return `${fromInt(Math.floor(toInt(address) / size) * size)}/${prefix}`;
}

/** The address without its prefix length. */
export function addressOf(cidr: string): string {
  return parseCidr(cidr).address;
}
