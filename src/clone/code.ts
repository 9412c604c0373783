// The pairing code shown on node A and typed on node B. It is the only secret of a network clone: both
// ends derive their keys from it, so it must be easy to read aloud and to type on a rack console.
// The alphabet leaves out 0/O, 1/I/L so nothing can be misread; 12 characters of 31 give about 59 bits.
import { randomInt } from "node:crypto";

export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const CODE_GROUPS = 3;
export const CODE_GROUP_LENGTH = 4;
const CODE_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH;

/** A fresh random code, formatted for display: "7KQM-X3DP-9WAF". */
export function newPairingCode(): string {
  let raw = "";
  for (let i = 0; i < CODE_LENGTH; i++) raw += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return formatPairingCode(raw);
}

export function formatPairingCode(normalized: string): string {
  const groups: string[] = [];
  for (let i = 0; i < normalized.length; i += CODE_GROUP_LENGTH) {
    groups.push(normalized.slice(i, i + CODE_GROUP_LENGTH));
  }
  return groups.join("-");
}

/**
 * The canonical form of what a user typed (upper case, no separators), or an explanation of why it
 * cannot be a pairing code. Lower case, spaces and dashes are forgiven; look-alike characters are not
 * guessed, because a wrong guess would only turn into a confusing "wrong code" later.
 */
export function normalizePairingCode(typed: string): { code: string } | { error: string } {
  const compact = typed.toUpperCase().replace(/[\s-]/g, "");
  const bad = [...new Set([...compact].filter((c) => !CODE_ALPHABET.includes(c)))];
  if (bad.length > 0) {
    const hint = bad.some((c) => "01OIL".includes(c)) ? " (the code never contains 0, 1, O, I or L)" : "";
    return { error: `the pairing code cannot contain ${bad.map((c) => `'${c}'`).join(", ")}${hint}` };
  }
  if (compact.length !== CODE_LENGTH) {
    return {
      error: `a pairing code has ${CODE_LENGTH} characters (like ${formatPairingCode("7KQMX3DP9WAF")}); this one has ${compact.length}`,
    };
  }
  return { code: compact };
}
