// The pairing handshake of a network clone, one function per side. Node B proves the code first (so a
// fake node A learns nothing it could not get from any hello), then node A proves it back; both proofs
// are HMACs over both ends' nonces, so neither can be replayed into another connection or role.
// Neither side throws for an outcome the caller has to decide about: they return what happened.
import type { Channel } from "./channel.js";
import {
  bindSession,
  deriveSessionKeys,
  handshakeProof,
  randomHex,
  sameHex,
  type SessionKeys,
} from "./keys.js";

/** Node A's keys for one run: derived once from the code and a random salt that every hello carries. */
export interface SenderSecret {
  salt: string;
  keys: SessionKeys;
}

export async function senderSecret(code: string): Promise<SenderSecret> {
  const salt = randomHex(16);
  return { salt, keys: await deriveSessionKeys(code, salt) };
}

export type SenderOutcome =
  | { kind: "paired"; keys: SessionKeys }
  /** Node B's proof did not match: a wrong code, or someone guessing. Nothing was sent after the hello. */
  | { kind: "wrong-code" }
  /** `mayCheck` said no (the address is waiting after wrong codes): the proof was not looked at. */
  | { kind: "held-back" }
  /** Anything else: silence, garbage, a flood, a closed connection. */
  | { kind: "failed"; error: Error };

const HEX = (bytes: number) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`);

/**
 * Node A's side: hello, node B's proof within `deadlineMs`, then node A's own proof. `mayCheck` is asked
 * when the proof arrived, so a throttle decides on the state at that moment, not at connect.
 */
export async function senderHandshake(
  channel: Channel,
  secret: SenderSecret,
  deadlineMs: number,
  mayCheck: () => boolean = () => true,
): Promise<SenderOutcome> {
  const nonceA = randomHex(16);
  channel.send({ t: "hello", version: 1, salt: secret.salt, nonce: nonceA });
  let auth;
  try {
    auth = await channel.expect("auth", deadlineMs, "node B's proof of the pairing code");
  } catch (err) {
    return { kind: "failed", error: err as Error };
  }
  const nonceB = auth.nonce;
  const proof = auth.proof;
  if (typeof nonceB !== "string" || !HEX(16).test(nonceB) || typeof proof !== "string") {
    return { kind: "failed", error: new Error("its proof of the pairing code is malformed") };
  }
  if (!mayCheck()) return { kind: "held-back" };
  if (!sameHex(handshakeProof(secret.keys, "receiver", nonceA, nonceB), proof)) return { kind: "wrong-code" };
  channel.send({ t: "welcome", proof: handshakeProof(secret.keys, "sender", nonceA, nonceB) });
  const keys = bindSession(secret.keys, nonceA, nonceB);
  channel.authenticate(keys);
  return { kind: "paired", keys };
}

export type ReceiverOutcome = { ok: true; keys: SessionKeys } | { ok: false; message: string };

function refusal(reply: Record<string, unknown>): string {
  const wait = Number(reply.retryAfterSeconds);
  const retry =
    Number.isFinite(wait) && wait > 0 ? `; node A accepts the next try from here in ${wait} s` : "";
  return `node A refused the pairing code (${String(reply.reason)})${retry}; check the code shown on node A's screen`;
}

/**
 * Node B's side, after it sent the control greeting: waits for node A's hello, proves the code (already
 * normalized), checks node A's proof. The channel is authenticated when this returns ok.
 */
export async function receiverHandshake(
  channel: Channel,
  code: string,
  timeouts: { hello: number; reply: number } = { hello: 30_000, reply: 60_000 },
): Promise<ReceiverOutcome> {
  try {
    const hello = await channel.receive(timeouts.hello, "node A's greeting");
    if (hello.t === "refused") return { ok: false, message: refusal(hello) };
    if (hello.t !== "hello" || typeof hello.salt !== "string" || !HEX(16).test(hello.salt)) {
      return { ok: false, message: `expected node A's greeting but the other end sent '${hello.t}'` };
    }
    const keys = await deriveSessionKeys(code, hello.salt);
    const nonceA = String(hello.nonce);
    const nonceB = randomHex(16);
    channel.send({ t: "auth", nonce: nonceB, proof: handshakeProof(keys, "receiver", nonceA, nonceB) });
    const reply = await channel.receive(timeouts.reply, "node A's answer to the pairing code");
    if (reply.t === "refused") return { ok: false, message: refusal(reply) };
    if (
      reply.t !== "welcome" ||
      !sameHex(handshakeProof(keys, "sender", nonceA, nonceB), String(reply.proof))
    ) {
      return {
        ok: false,
        message: "the other end could not prove it knows the pairing code; it is not node A",
      };
    }
    const session = bindSession(keys, nonceA, nonceB);
    channel.authenticate(session);
    return { ok: true, keys: session };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
