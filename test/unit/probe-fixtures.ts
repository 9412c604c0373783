// Shared by the probe, disk and identify tests: the recorded and hand-made machines and the seed spec.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../../src/answer/schema.js";
import type { HardwareFacts } from "../../src/probe/facts.js";

export const FIXTURE_DIR = fileURLToPath(new URL("../fixtures/hardware", import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

export function loadFixture(name: string): HardwareFacts {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), "utf8")) as HardwareFacts;
}

export function seedSpec(): ClusterSpec {
  const text = readFileSync(new URL("../../examples/seed.yaml", import.meta.url), "utf8");
  return ClusterSpecSchema.parse(parse(text));
}
