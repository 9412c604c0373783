// The key of an image file. By default it comes from the cluster's shared secrets (DRBD secret and
// Heartbeat authkey) in the answer: node B's stick holds the same answer and can read the image, a thief
// with only the image cannot. Or from a passphrase the user gives in a file of mode 0600 or at a prompt
// (never on argv). Either way a random salt, kept in the image's key line, makes every image's key its own.
import { hkdfSync, randomBytes, scrypt } from "node:crypto";
import type { ClusterSpec } from "../answer/schema.js";
import type { KeyLine } from "./format.js";
import { readPrivateFile } from "../util/private-file.js";

export type ImageKeySource =
  | { kind: "answer"; spec: ClusterSpec; origin: string }
  | { kind: "passphrase"; passphrase: string; origin: string };

const SCRYPT_N = 2 ** 15;
const MIN_PASSPHRASE = 12;

/** The cluster secrets as HKDF input, as derivedPairingCode reads them: length-prefixed, unambiguous. */
function clusterSecrets(spec: ClusterSpec): Buffer | null {
  const drbd = spec.drbd.shared_secret;
  const hb = spec.heartbeat.authkey;
  if (drbd === undefined || hb === undefined) return null;
  return Buffer.from(`${drbd.length}:${drbd};${hb.length}:${hb}`);
}

/** A fresh key line for a new image. */
export function newKeyLine(source: ImageKeySource): KeyLine {
  const salt = randomBytes(32).toString("hex");
  return source.kind === "answer"
    ? { kdf: "answer-secrets", salt }
    : { kdf: "passphrase-scrypt", salt, N: SCRYPT_N, r: 8, p: 1 };
}

/** The image's 256-bit key, or an error saying which key the image wants. */
export async function imageKey(source: ImageKeySource, line: KeyLine): Promise<Buffer> {
  if (line.kdf === "answer-secrets") {
    if (source.kind !== "answer") {
      throw new Error(
        "the image is keyed with the cluster's secrets: give the cluster's answer file with --answer FILE, not a passphrase",
      );
    }
    const ikm = clusterSecrets(source.spec);
    if (!ikm)
      throw new Error(`${source.origin} has no drbd.shared_secret or heartbeat.authkey to key the image`);
    const info = `pairboot clone image v2;cluster=${source.spec.cluster.name}`;
    return Buffer.from(hkdfSync("sha256", ikm, Buffer.from(line.salt, "hex"), info, 32));
  }
  if (source.kind !== "passphrase") {
    throw new Error(
      "the image is protected with a passphrase: give it with --key-file FILE (mode 0600) or type it when asked",
    );
  }
  const { N, r, p } = line;
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(
      source.passphrase,
      Buffer.from(line.salt, "hex"),
      32,
      { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export function checkPassphrase(passphrase: string, origin: string): string {
  const p = passphrase.replace(/\r?\n$/, "");
  if (p.length < MIN_PASSPHRASE) {
    throw new Error(`the passphrase in ${origin} is too short: at least ${MIN_PASSPHRASE} characters`);
  }
  return p;
}

/**
 * Reads a passphrase from a file the user owns and nobody else can read (mode 0600 or stricter, not a
 * symlink): a key file others can read is not a secret any more.
 */
export async function readKeyFile(path: string): Promise<string> {
  return checkPassphrase(await readPrivateFile(path, "the key file", "one passphrase"), path);
}
