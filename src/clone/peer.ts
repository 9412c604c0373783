// Where node B finds node A: one port and one address parser for the CLI, the wizard and the live console.

/** The TCP port node A listens on for node B's clone (the DRBD resource uses 7789 on the same link). */
export const CLONE_PORT = 7790;

/**
 * "HOST" or "HOST:PORT" (an IPv6 address in brackets) -> host and port, or null when it is neither.
 * Host names are letters, digits, '.' and '-' only: the host reaches bash's /dev/tcp and messages.
 */
export function parsePeer(text: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m?.[1]) return null;
  const port = m[2] === undefined ? CLONE_PORT : Number(m[2]);
  if (!(port > 0 && port < 65536)) return null;
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}
