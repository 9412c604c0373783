// IPv4 arithmetic for the cross-checks and the renderers: addresses as unsigned 32-bit numbers.
// Inputs are already shape-checked by the schema, so parsing here only splits and converts.

export type Cidr = { address: number; prefix: number };

export function parseIpv4(text: string): number {
  return text.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** "192.168.42.1/24" -> { address, prefix }; a bare address has prefix 32. */
export function parseCidr(text: string): Cidr {
  const [addr = "", prefix = "32"] = text.split("/");
  return { address: parseIpv4(addr), prefix: Number(prefix) };
}

/** The address as written, without its prefix length: "10.0.0.1/30" -> "10.0.0.1". */
export function addressOf(text: string): string {
  return text.split("/")[0] ?? text;
}

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function networkOf(c: Cidr): number {
  const size = blockSize(c.prefix);
  return Math.floor(c.address / size) * size;
}

export function broadcastOf(c: Cidr): number {
  return networkOf(c) + blockSize(c.prefix) - 1;
}

/** "192.168.42.0/24": the subnet an address with prefix lies in. */
export function subnetText(c: Cidr): string {
  return `${formatIpv4(networkOf(c))}/${c.prefix}`;
}

export function subnetContains(subnet: Cidr, address: number): boolean {
  return address >= networkOf(subnet) && address <= broadcastOf(subnet);
}

export function subnetsOverlap(a: Cidr, b: Cidr): boolean {
  return networkOf(a) <= broadcastOf(b) && networkOf(b) <= broadcastOf(a);
}

/**
 * Why an address cannot be a host's own address in its subnet, or undefined when it can.
 * /31 point-to-point links (RFC 3021) have no network or broadcast address; a /32 leaves no room for a peer.
 */
export function hostAddressProblem(c: Cidr): string | undefined {
  if (c.prefix === 32) return "a /32 leaves no room for any other address";
  if (c.prefix === 31) return undefined;
  if (c.address === networkOf(c))
    return `${formatIpv4(c.address)} is the network address of ${subnetText(c)}`;
  if (c.address === broadcastOf(c)) {
    return `${formatIpv4(c.address)} is the broadcast address of ${subnetText(c)}`;
  }
  return undefined;
}

// Addresses no host on a LAN or a crossover link can have; as a node, service, gateway, DNS, ping or time
// server address each one renders a config that cannot work (a VIP of 127.0.0.5, a bond in 224.0.0.0/24).
const SPECIAL: { from: string; prefix: number; what: string }[] = [
  { from: "0.0.0.0", prefix: 8, what: "in 0.0.0.0/8 (this network)" },
  { from: "127.0.0.0", prefix: 8, what: "a loopback address (127.0.0.0/8)" },
  { from: "169.254.0.0", prefix: 16, what: "a link-local address (169.254.0.0/16)" },
  { from: "224.0.0.0", prefix: 4, what: "a multicast address (224.0.0.0/4)" },
  { from: "255.255.255.255", prefix: 32, what: "the broadcast address" },
  { from: "240.0.0.0", prefix: 4, what: "a reserved address (240.0.0.0/4)" },
];

/** Why this address cannot be a host's unicast address, or undefined when it can. */
export function specialAddress(address: number): string | undefined {
  return SPECIAL.find((s) => subnetContains({ address: parseIpv4(s.from), prefix: s.prefix }, address))?.what;
}
