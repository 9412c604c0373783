// Secrets (password hash, DRBD and Heartbeat keys) never reach a log or a screen: every text shown or
// logged passes through here first.

/**
 * The forms a secret takes in the texts pairboot shows: as it is, inside single quotes once or twice
 * (shq, and shq again when inTarget wraps a quoted command), and inside a JSON string. A secret holding a
 * quote changes under quoting, and only its raw form would be found otherwise.
 */
function forms(secret: string): string[] {
  const quoted: string[] = [secret];
  for (let i = 0; i < 3; i++) quoted.push((quoted[i] as string).replace(/'/g, `'\\''`));
  quoted.push(JSON.stringify(secret).slice(1, -1));
  // Longest first, so a quoted form is replaced whole before the raw form inside it is.
  return [...new Set(quoted)].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret (and its quoted forms) with a placeholder giving its size. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length === 0) continue;
    const placeholder = `<secret, ${Buffer.byteLength(s)} bytes>`;
    for (const f of forms(s)) out = out.split(f).join(placeholder);
  }
  return out;
}
