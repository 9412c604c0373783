// Who may try the pairing code, and when. Node A serves anyone on the network until node B proves the
// code, so nothing an unauthenticated peer does may stop it or hold up the real node B: wrong codes slow
// down their sender's address instead of ending the run, and a few pending handshakes are kept at a time.
//
// Why a delay is enough: a code is 12 characters of 31, 31^12 = 7.9e17 (59 bits). After a few failures
// one address gets one guess per 30 s, 2,880 a day; even 65,536 addresses (a whole /16 on the LAN) make
// 1.9e8 guesses a day and need 7.9e17 / 2 / 1.9e8 = 2.1e9 days (5.7 million years) on average. Each guess
// also costs the guesser a 32 MiB scrypt, since node A's salt is random per run.
import { isIPv6 } from "node:net";

export interface ThrottleSettings {
  /** The wait after the first wrong code from an address; it doubles with each one after. */
  firstMs: number;
  capMs: number;
}

export const THROTTLE: ThrottleSettings = { firstMs: 1000, capMs: 30_000 };

/** The wait after the n-th wrong code from one address: 1 s, 2 s, 4 s, ... 30 s. */
export function throttleDelayMs(failures: number, s: ThrottleSettings = THROTTLE): number {
  if (failures <= 0) return 0;
  return Math.min(s.capMs, s.firstMs * 2 ** Math.min(failures - 1, 30));
}

/** The address without the IPv4-in-IPv6 prefix Node reports on dual-stack sockets. */
export function plainAddress(address: string | undefined): string {
  return (address ?? "?").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}

/**
 * What the throttle counts failures by: an IPv4 address, or an IPv6 /64 (one machine usually holds a
 * whole /64, so counting single IPv6 addresses would count nothing).
 */
export function throttleKey(address: string): string {
  if (!isIPv6(address)) return address;
  const [head = "", tail] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** Wrong codes per address and until when each address waits. Bounded: the oldest entries go first. */
export class GuessThrottle {
  private readonly entries = new Map<string, { failures: number; until: number }>();

  constructor(
    private readonly settings: ThrottleSettings = THROTTLE,
    private readonly maxAddresses = 65_536,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds before `key` may try a code again (0: now). */
  waitMs(key: string): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.until - this.now()) : 0;
  }

  /** Records a wrong code from `key`: how many it has sent and how long it now waits. */
  fail(key: string): { failures: number; waitMs: number } {
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const waitMs = throttleDelayMs(failures, this.settings);
    this.entries.delete(key);
    this.entries.set(key, { failures, until: this.now() + waitMs });
    if (this.entries.size > this.maxAddresses) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return { failures, waitMs };
  }
}

export interface PendingLimits {
  /** Unauthenticated connections node A keeps at once. */
  total: number;
  /** ... of which from one address. */
  perAddress: number;
}

export const PENDING: PendingLimits = { total: 8, perAddress: 2 };

/**
 * The pending connections (oldest first) to drop so that one more from `key` fits: the oldest of its own
 * address first, so one address cannot push out everyone else, then the oldest overall.
 */
export function toDrop<T extends { key: string }>(
  pending: readonly T[],
  key: string,
  limits: PendingLimits,
): T[] {
  const drop: T[] = [];
  const own = pending.filter((p) => p.key === key);
  drop.push(...own.slice(0, Math.max(0, own.length - limits.perAddress + 1)));
  const rest = pending.filter((p) => !drop.includes(p));
  drop.push(...rest.slice(0, Math.max(0, rest.length - limits.total + 1)));
  return drop;
}

/** "1st", "2nd", "3rd", "4th", "11th", "21st". */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
