// Answer files for render tests: the shipped examples, with fixed secrets filled in where an example
// leaves them out, so rendered trees (and the goldens made from them) are the same on every run.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import YAML from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../../src/answer/schema.js";

/** A raw answer document before validation; tests edit it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawDoc = Record<string, any>;

export const EXAMPLES_DIR = join(import.meta.dirname, "../../examples");

export const TEST_SECRETS = {
  drbd: "golden-drbd-secret-0123456789",
  heartbeat: "golden-heartbeat-authkey-0123456789",
};

/** Parses answer text after applying `edit` to the raw document; fills the fixed test secrets. */
export function specFrom(text: string, edit?: (doc: RawDoc) => void): ClusterSpec {
  const doc = YAML.parse(text) as RawDoc;
  doc.drbd ??= {};
  doc.drbd.shared_secret ??= TEST_SECRETS.drbd;
  doc.heartbeat ??= {};
  doc.heartbeat.authkey ??= TEST_SECRETS.heartbeat;
  edit?.(doc);
  return ClusterSpecSchema.parse(doc);
}

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => basename(f, ".yaml"))
    .sort();
}

export function exampleText(name: string): string {
  return readFileSync(join(EXAMPLES_DIR, `${name}.yaml`), "utf8");
}

export function example(name: string, edit?: (doc: RawDoc) => void): ClusterSpec {
  return specFrom(exampleText(name), edit);
}

/** The seed example: the reference cluster most unit tests start from. */
export function seed(edit?: (doc: RawDoc) => void): ClusterSpec {
  return example("seed", edit);
}
