// SHA-512 crypt ("$6$", the format `openssl passwd -6` and mkpasswd print) in plain Node: the wizard
// hashes the root password itself instead of running a program, so the plain password never appears in
// a process list and the wizard keeps its rule of executing nothing. Algorithm: Ulrich Drepper,
// "Unix crypt using SHA-256 and SHA-512" (the glibc reference); checked against openssl in the tests.
import { createHash, randomBytes } from "node:crypto";

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// The byte order in which the final digest is spelled out, fixed by the specification.
const ORDER: [number, number, number][] = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `len` bytes made of `block` repeated. */
function repeatTo(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += block.length) block.copy(out, i, 0, Math.min(block.length, len - i));
  return out;
}

function encode24(b2: number, b1: number, b0: number, chars: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = "";
  for (let i = 0; i < chars; i++) {
    out += ITOA64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/** Hash with the default 5000 rounds, so the result matches `openssl passwd -6 -salt SALT`. */
export function sha512Crypt(password: string, salt?: string): string {
  const s = (salt ?? randomSalt()).slice(0, 16);
  const P = Buffer.from(password, "utf8");
  const S = Buffer.from(s, "utf8");
  const B = sha512(P, S, P);
  const a = createHash("sha512").update(P).update(S);
  a.update(repeatTo(B, P.length));
  for (let n = P.length; n > 0; n >>= 1) a.update(n & 1 ? B : P);
  const A = a.digest();
  const pSeq = repeatTo(sha512(...Array<Buffer>(P.length).fill(P)), P.length);
  const sSeq = repeatTo(sha512(...Array<Buffer>(16 + (A[0] ?? 0)).fill(S)), S.length);
  let C = A;
  for (let i = 0; i < 5000; i++) {
    const h = createHash("sha512");
    h.update(i & 1 ? pSeq : C);
    if (i % 3 !== 0) h.update(sSeq);
    if (i % 7 !== 0) h.update(pSeq);
    h.update(i & 1 ? C : pSeq);
    C = h.digest();
  }
  const at = (i: number) => C[i] ?? 0;
  const body =
    ORDER.map(([x, y, z]) => encode24(at(x), at(y), at(z), 4)).join("") + encode24(0, 0, at(63), 2);
  return `$6$${s}$${body}`;
}

function randomSalt(): string {
  return Array.from(randomBytes(16), (b) => ITOA64[b & 0x3f]).join("");
}
