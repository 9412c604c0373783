import { quoteText } from "./messages.js";

// One line of root's authorized_keys. sshd skips a line it cannot parse, so a garbled key only fails at the
// first login; and a newline inside the value would add a second key nobody reviewed. So the line is parsed
// the way sshd reads it: a key type, a base64 blob that starts with that same type, an optional comment.

/** Key types OpenSSH 9.2 (Debian 12) accepts by default; ssh-dss is disabled there and so not offered. */
export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];

/** A 16384-bit RSA key is about 2.8 KB of base64; anything far longer is not a key. */
export const SSH_KEY_MAX_CHARS = 8192;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// Control characters (C0, DEL, C1) would end the line for sshd or act on a terminal that shows the file.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The type string a key blob starts with (an SSH string: uint32 length, then the bytes). */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** What is wrong with an authorized_keys line, in words, or undefined when sshd would use it. */
export function sshKeyProblem(line: string): string | undefined {
  if (line.length > SSH_KEY_MAX_CHARS) return `this one is longer than ${SSH_KEY_MAX_CHARS} characters`;
  if (CONTROL.test(line)) return "this one holds a control character (a newline or a tab)";
  // The comment after the body is free text (user@host); only the control characters above are refused there.
  const [type = "", body = ""] = line.split(" ");
  if (type === "ssh-dss") return "ssh-dss (DSA) keys are disabled in Debian 12's OpenSSH; use ssh-ed25519";
  if (!SSH_KEY_TYPES.includes(type)) return `the type must come first, one of ${SSH_KEY_TYPES.join(", ")}`;
  if (body === "") return "this one has no base64 body after its type";
  if (!BASE64.test(body) || body.length % 4 !== 0) return "its body is not valid base64";
  const inBlob = blobType(Buffer.from(body, "base64"));
  if (inBlob === undefined) return "its body does not hold an SSH key";
  if (inBlob !== type) return `its body holds a ${quoteText(inBlob)} key, but the line says ${type}`;
  return undefined;
}
