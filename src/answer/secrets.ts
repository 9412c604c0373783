// The cluster's shared secrets (DRBD peer secret, Heartbeat authkey) are generated once, on first use, and
// written into the answer file itself, so both nodes get the same values whichever way they were installed.
// They are never a built-in default and never printed.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { isMap, parseDocument, type Document } from "yaml";
import type { ClusterSpec } from "./schema.js";
import { generateBmcPassword, generateSecret } from "./secret.js";
import { formatAnswerError, loadAnswerText, type AnswerError } from "./load.js";
import { formatPath, type PathKey } from "./messages.js";

/** Where a secret lives in the answer file, and how a fresh one is made. */
type SecretSlot = { path: PathKey[]; generate: () => string };

/** The two secrets every cluster shares (DRBD peer secret, Heartbeat authkey). */
const SHARED: SecretSlot[] = [
  { path: ["drbd", "shared_secret"], generate: generateSecret },
  { path: ["heartbeat", "authkey"], generate: generateSecret },
];

/** The shared secrets, then the password of each BMC the answer describes (fencing is optional). */
function slotsOf(spec: ClusterSpec): SecretSlot[] {
  const bmcs = spec.nodes.flatMap((n, i) =>
    n.bmc ? [{ path: ["nodes", i, "bmc", "password"], generate: generateBmcPassword }] : [],
  );
  return [...SHARED, ...bmcs];
}

const slotName = (s: SecretSlot) => formatPath(s.path);

function secretIn(spec: ClusterSpec, slot: SecretSlot): string | undefined {
  let at: unknown = spec;
  for (const key of slot.path) at = (at as Record<PathKey, unknown> | undefined)?.[key];
  return typeof at === "string" ? at : undefined;
}

/** An answer file that failed to load; the message is every error, one formatted line each. */
export class AnswerFileError extends Error {
  constructor(readonly errors: AnswerError[]) {
    super(errors.map(formatAnswerError).join("\n"));
    this.name = "AnswerFileError";
  }
}

/** Where the line holding `offset` ends, before its "\n" or "\r\n". */
function lineEnd(text: string, offset: number): number {
  const i = text.indexOf("\n", offset);
  if (i === -1) return text.length;
  return text[i - 1] === "\r" ? i - 1 : i;
}

/**
 * Adds `key: "value"` to the mapping at `parent` (a top-level section, or one inside a node such as
 * nodes[0].bmc) by inserting text, so every other byte of the file (comments, quoting, flow style, blank
 * lines) stays as the user wrote it. Returns undefined for layouts it does not handle; the caller then
 * falls back to re-serialising the document.
 */
function insertIntoSection(text: string, doc: Document, parent: PathKey[], key: string, value: string) {
  const entry = `${key}: "${value}"`;
  const nl = text.includes("\r\n") ? "\r\n" : "\n";
  const node = doc.getIn(parent, true);
  const section = parent[0];
  if (node === undefined && parent.length === 1 && typeof section === "string" && !doc.has(section)) {
    const sep = text === "" || text.endsWith("\n") ? "" : nl;
    return `${text}${sep}${section}:${nl}  ${entry}${nl}`;
  }
  if (!isMap(node) || !node.range) return undefined;
  if (node.flow) {
    const close = text.lastIndexOf("}", node.range[1]);
    if (close < node.range[0]) return undefined;
    const before = text.slice(0, close).replace(/\s*$/, "");
    const sep = node.items.length > 0 ? ", " : " ";
    return `${before}${sep}${entry} ${text.slice(close)}`;
  }
  const first = node.items[0];
  const last = node.items[node.items.length - 1];
  const firstKeyStart = (first?.key as { range?: [number, number, number] } | null)?.range?.[0];
  const lastEnd =
    (last?.value as { range?: [number, number, number] } | null)?.range?.[1] ??
    (last?.key as { range?: [number, number, number] } | null)?.range?.[1];
  if (firstKeyStart === undefined || lastEnd === undefined) return undefined;
  const indent = firstKeyStart - (text.lastIndexOf("\n", firstKeyStart - 1) + 1);
  let end = lastEnd;
  while (end > 0 && /\s/.test(text[end - 1] ?? "")) end--;
  const at = lineEnd(text, end);
  return `${text.slice(0, at)}${nl}${" ".repeat(indent)}${entry}${text.slice(at)}`;
}

function withSecrets(text: string, secrets: Map<SecretSlot, string>): string {
  const original = parseDocument(text);
  const expected = parseDocument(text);
  for (const [slot, value] of secrets) expected.setIn(slot.path, value);
  let out: string | undefined = text;
  for (const [slot, value] of secrets) {
    const key = String(slot.path.at(-1));
    out =
      out === undefined
        ? undefined
        : insertIntoSection(out, parseDocument(out), slot.path.slice(0, -1), key, value);
  }
  // The text edit must mean exactly "the old document plus the secrets"; if not, let yaml re-serialise.
  if (out !== undefined && isDeepStrictEqual(parseDocument(out).toJS(), expected.toJS())) return out;
  for (const [slot, value] of secrets) original.setIn(slot.path, value);
  return original.toString({ lineWidth: 0 });
}

/**
 * Writes next to the target and renames over it, so a crash never leaves half a file; mode 0600 from birth.
 * The temporary name is random and created exclusively, never through a symlink (O_CREAT | O_EXCL |
 * O_NOFOLLOW): a link planted next to the answer cannot make root overwrite another file. On a filesystem
 * without Unix permissions (the FAT PAIRBOOT partition) there is no mode to give: whoever holds the stick
 * can read the file.
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.pairboot-${randomBytes(6).toString("hex")}`);
  let created = false;
  try {
    const fh = await open(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    created = true;
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    if (created) await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
  await restrictMode(path);
}

async function restrictMode(path: string): Promise<void> {
  try {
    await chmod(path, 0o600);
  } catch (err) {
    // Filesystems without Unix permissions (a FAT-formatted stick) refuse chmod; there is nothing to narrow.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EROFS") throw err;
  }
}

/**
 * Loads an answer file and makes sure it holds both shared secrets and a password for each BMC it
 * describes: missing ones are generated and written
 * into the file in place (comments and layout kept), and the file is made mode 0600. Running it again
 * changes nothing. Throws AnswerFileError when the file does not validate.
 */
export async function ensureSecrets(path: string): Promise<{ spec: ClusterSpec; generated: string[] }> {
  const text = await readFile(path, "utf8");
  const loaded = loadAnswerText(text, path);
  if (!loaded.ok) throw new AnswerFileError(loaded.errors);
  const missing = slotsOf(loaded.spec).filter((slot) => secretIn(loaded.spec, slot) === undefined);
  if (missing.length === 0) {
    await restrictMode(path);
    return { spec: loaded.spec, generated: [] };
  }
  const fresh = new Map(missing.map((slot) => [slot, slot.generate()] as const));
  const updated = withSecrets(text, fresh);
  const reloaded = loadAnswerText(updated, path);
  if (!reloaded.ok) throw new AnswerFileError(reloaded.errors);
  await writePrivateFile(path, updated);
  return { spec: reloaded.spec, generated: missing.map(slotName) };
}

/** The secrets a renderer needs; throws naming every missing one rather than rendering an empty key. */
export function requireSecrets(spec: ClusterSpec): { sharedSecret: string; authkey: string } {
  const missing = SHARED.filter((slot) => secretIn(spec, slot) === undefined).map(slotName);
  if (missing.length > 0) {
    throw new Error(
      `the answer file has no ${missing.join(" and ")}; they are generated into the answer file on first use (ensureSecrets) and never defaulted`,
    );
  }
  return { sharedSecret: spec.drbd.shared_secret as string, authkey: spec.heartbeat.authkey as string };
}

/** Names of the secrets the spec lacks, e.g. for a summary line; never the values. */
export function missingSecrets(spec: ClusterSpec): string[] {
  return slotsOf(spec)
    .filter((slot) => secretIn(spec, slot) === undefined)
    .map(slotName);
}

/** Every secret value the spec holds (shared secrets, BMC passwords, root's password hash): what is never shown. */
export function secretValues(spec: ClusterSpec): string[] {
  return [...slotsOf(spec).map((slot) => secretIn(spec, slot)), spec.access.root_password_hash].filter(
    (s): s is string => typeof s === "string" && s.length > 0,
  );
}

/**
 * The spec with a fresh stand-in for each missing secret, for what writes nothing (`plan`, a dry run): the
 * install generates the real ones into the answer file, and a stand-in is only ever shown as its size.
 */
export function withStandInSecrets(spec: ClusterSpec): ClusterSpec {
  const filled = structuredClone(spec);
  for (const slot of slotsOf(spec)) {
    if (secretIn(spec, slot) !== undefined) continue;
    let at = filled as unknown as Record<PathKey, unknown>;
    for (const key of slot.path.slice(0, -1)) at = at[key] as Record<PathKey, unknown>;
    at[slot.path.at(-1) as PathKey] = slot.generate();
  }
  return filled;
}
