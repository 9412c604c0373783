// Which addresses node A listens on for node B, in words: a manual `clone send` listens on all of them
// unless --listen names one, and the user should see which, since anyone who can reach them can connect.
import { isIP } from "node:net";
import type { NetworkInterfaceInfo } from "node:os";

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const WILDCARDS = new Set(["0.0.0.0", "::"]);

/** "10.0.0.1 (eth1)" for every address another machine could use: no loopback, no IPv6 link-local. */
export function machineAddresses(ifaces: Interfaces): string[] {
  const out: string[] = [];
  for (const [name, list] of Object.entries(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === "IPv6" && a.address.toLowerCase().startsWith("fe80:"))) continue;
      out.push(`${a.address} (${name})`);
    }
  }
  return out;
}

/** Null when `addr` can be listened on (one of this machine's addresses, or a wildcard), else why not. */
export function checkListenAddress(addr: string, ifaces: Interfaces): string | null {
  if (isIP(addr) === 0) return `--listen wants an IP address of this machine, not '${addr}'`;
  if (WILDCARDS.has(addr)) return null;
  const mine = Object.values(ifaces).flatMap((l) => (l ?? []).map((a) => a.address.toLowerCase()));
  if (mine.includes(addr.toLowerCase())) return null;
  const seen = machineAddresses(ifaces);
  return `--listen ${addr} is not an address of this machine; its addresses are ${seen.length > 0 ? seen.join(", ") : "none but loopback"}`;
}

/** The lines `clone send` prints under the pairing code: where it listens and what node B types. */
export function listeningLines(host: string | undefined, port: number, ifaces: Interfaces): string[] {
  if (host !== undefined && !WILDCARDS.has(host)) {
    const at = isIP(host) === 6 ? `[${host}]` : host;
    return [
      `On node B run:  pairboot clone receive --from ${at}:${port} --disk DEV`,
      `and type the code when asked. Listening on ${host} port ${port} only.`,
    ];
  }
  const seen = machineAddresses(ifaces);
  return [
    `On node B run:  pairboot clone receive --from <this node's address>:${port} --disk DEV`,
    `and type the code when asked. Listening on port ${port} on every address of this machine:`,
    ...(seen.length > 0 ? seen : ["(none but loopback yet)"]).map((a) => `  ${a}`),
    "(--listen ADDR listens on one address only)",
  ];
}
