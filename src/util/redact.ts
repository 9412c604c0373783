// Secrets (password hash, DRBD and Heartbeat keys) never reach a log or a screen: every text shown or
// logged passes through here first.

/** Replaces every occurrence of each secret with a placeholder that gives only its size. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length > 0) out = out.split(s).join(`<secret, ${Buffer.byteLength(s)} bytes>`);
  }
  return out;
}
