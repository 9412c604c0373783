// Test helpers for the HA renderers: load an answer file, add fresh random secrets (the real answer files
// carry none until ensureSecrets runs), and write a rendered family into a temp root.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../../src/answer/schema.js";
import type { RenderFamily } from "../../src/render/types.js";

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/** Parse an answer file; `edit` may change the raw document (e.g. short heartbeat timings) before validation. */
export async function loadSpec(
  path: string,
  edit?: (doc: Record<string, unknown>) => void,
): Promise<ClusterSpec> {
  const doc = parse(await readFile(path, "utf8")) as Record<string, unknown>;
  edit?.(doc);
  return ClusterSpecSchema.parse(doc);
}

/** The same answer file with both secrets filled, as after ensureSecrets. */
export async function loadSpecWithSecrets(
  path: string,
  edit?: (doc: Record<string, unknown>) => void,
): Promise<ClusterSpec> {
  return loadSpec(path, (doc) => {
    const drbd = (doc.drbd ??= {}) as Record<string, unknown>;
    const hb = (doc.heartbeat ??= {}) as Record<string, unknown>;
    drbd.shared_secret = randomSecret();
    hb.authkey = randomSecret(32);
    edit?.(doc);
  });
}

/** Write the family's files under root with their modes. */
export async function writeFamily(root: string, family: RenderFamily): Promise<void> {
  for (const f of family.files) {
    const target = join(root, f.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    await chmod(target, f.mode);
  }
}
