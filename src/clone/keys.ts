// Keys of a network clone, all derived from the pairing code and the salt node A sends in its hello.
// scrypt makes every guess at the code expensive; separate subkeys keep the handshake proofs, the
// control-channel MACs and the bulk encryption independent of each other.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface SessionKeys {
  /** Proves knowledge of the code in the handshake. */
  auth: Buffer;
  /** Authenticates every control message and the data connections' tokens. */
  mac: Buffer;
  /** The passphrase (as hex) handed to `openssl enc` through an environment variable, never argv. */
  encHex: string;
}

// N=2^15, r=8: about 32 MiB and a tenth of a second per derivation on a small machine.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

function hmac(key: Buffer, ...parts: string[]): Buffer {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(`${p.length}:${p};`);
  return h.digest();
}

export async function deriveSessionKeys(code: string, saltHex: string): Promise<SessionKeys> {
  const master = await new Promise<Buffer>((resolve, reject) =>
    scrypt(code, Buffer.from(saltHex, "hex"), 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return {
    auth: hmac(master, "pairboot-clone auth v1"),
    mac: hmac(master, "pairboot-clone mac v1"),
    encHex: hmac(master, "pairboot-clone enc v1").toString("hex"),
  };
}

/**
 * The keys of one session: the control-channel MAC key and the bulk encryption key are bound to both
 * ends' nonces, so each run of a clone, even with a fixed code, gets fresh keys from both sides.
 */
export function bindSession(keys: SessionKeys, nonceA: string, nonceB: string): SessionKeys {
  return {
    auth: keys.auth,
    mac: hmac(keys.mac, "session", nonceA, nonceB),
    encHex: hmac(Buffer.from(keys.encHex, "hex"), "session", nonceA, nonceB).toString("hex"),
  };
}

/** What each side sends to prove it knows the code; the role makes A's proof useless as B's. */
export function handshakeProof(
  keys: SessionKeys,
  role: "sender" | "receiver",
  nonceA: string,
  nonceB: string,
): string {
  return hmac(keys.auth, role, nonceA, nonceB).toString("hex");
}

/** The MAC over one control message: direction and sequence number stop reordering and replay. */
export function messageMac(keys: SessionKeys, direction: "a2b" | "b2a", seq: number, body: string): string {
  return hmac(keys.mac, direction, String(seq), body).toString("hex");
}

/** The token a data connection presents before node A sends it anything. */
export function dataToken(keys: SessionKeys, sessionNonce: string, section: string): string {
  return hmac(keys.mac, "data", sessionNonce, section).toString("hex");
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
