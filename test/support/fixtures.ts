// The test fixtures every kind of test starts from: the shipped example answers, with fixed secrets filled in
// where an example leaves them out (so rendered trees, plans and the goldens made from them are the same on
// every run), and the recorded and hand-made machines in test/fixtures/hardware.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import YAML from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../../src/answer/schema.js";
import type { HardwareFacts } from "../../src/probe/facts.js";

/** A raw answer document before validation; tests edit it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawDoc = Record<string, any>;

export const EXAMPLES_DIR = join(import.meta.dirname, "../../examples");
export const HARDWARE_DIR = join(import.meta.dirname, "../fixtures/hardware");

export const TEST_SECRETS = {
  drbd: "golden-drbd-secret-0123456789",
  heartbeat: "golden-heartbeat-authkey-0123456789",
};

/** Parses answer text after applying `edit` to the raw document; fills the fixed test secrets. */
export function specFrom(text: string, edit?: (doc: RawDoc) => void): ClusterSpec {
  return validated(YAML.parse(text) as RawDoc, (doc) => {
    doc.drbd ??= {};
    doc.drbd.shared_secret ??= TEST_SECRETS.drbd;
    doc.heartbeat ??= {};
    doc.heartbeat.authkey ??= TEST_SECRETS.heartbeat;
    edit?.(doc);
  });
}

function validated(doc: RawDoc, edit?: (doc: RawDoc) => void): ClusterSpec {
  edit?.(doc);
  return ClusterSpecSchema.parse(doc);
}

/** The files in `dir` ending in `ext`, without it, sorted. */
function namesIn(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => basename(f, ext))
    .sort();
}

export function exampleNames(): string[] {
  return namesIn(EXAMPLES_DIR, ".yaml");
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

/** An example exactly as shipped, validated, with no secrets filled in (an answer before its first use). */
export function shippedExample(name: string, edit?: (doc: RawDoc) => void): ClusterSpec {
  return validated(YAML.parse(exampleText(name)) as RawDoc, edit);
}

/** The seed example as YAML parsed but not validated: for tests of validation itself. */
export function seedDoc(): RawDoc {
  return YAML.parse(exampleText("seed")) as RawDoc;
}

/** The names of the machines in test/fixtures/hardware (node-a, nvme-server, ...). */
export function fixtureNames(): string[] {
  return namesIn(HARDWARE_DIR, ".json");
}

/** A recorded or hand-made machine's hardware facts, as the probe would report them. */
export function loadFixture(name: string): HardwareFacts {
  return JSON.parse(readFileSync(join(HARDWARE_DIR, `${name}.json`), "utf8")) as HardwareFacts;
}
