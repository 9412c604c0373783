// Saving answer files: what the wizard writes loads back to the same cluster.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAnswerText } from "../../src/answer/load.js";
import { stringifyAnswer, stringifySpec } from "../../src/answer/stringify.js";
import type { ClusterSpecInput } from "../../src/answer/schema.js";
import { parse } from "yaml";

const root = join(import.meta.dirname, "../..");
const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"));

function load(text: string, file: string) {
  const result = loadAnswerText(text, file);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
  return result.spec;
}

describe("stringifySpec", () => {
  it.each(examples)("writes examples/%s so that it loads back to the same spec", (file) => {
    const spec = load(readFileSync(join(root, "examples", file), "utf8"), file);
    const text = stringifySpec(spec);
    expect(load(text, `saved-${file}`)).toEqual(spec);
  });

  it("writes sizes and durations with units, not raw bytes and milliseconds", () => {
    const spec = load(readFileSync(join(root, "examples/seed.yaml"), "utf8"), "seed.yaml");
    const saved = parse(stringifySpec(spec));
    expect(saved.storage.os_size).toBe("5GiB");
    expect(saved.heartbeat.keepalive).toBe("1s");
    expect(saved.heartbeat.deadtime).toBe("10s");
  });
});

describe("stringifyAnswer", () => {
  const answer = parse(readFileSync(join(root, "examples/minimal.yaml"), "utf8")) as ClusterSpecInput;

  it("starts with a header comment that says how to check and replay the file", () => {
    const text = stringifyAnswer(answer);
    expect(text.startsWith("#")).toBe(true);
    expect(text).toContain("pairboot validate");
    expect(text).toContain("pairboot install --answer");
  });

  it("takes a header of the caller's", () => {
    expect(stringifyAnswer(answer, { header: " saved by the wizard" }).split("\n")[0]).toBe(
      "# saved by the wizard",
    );
  });

  it("orders the sections as the reference does, whatever order they were built in", () => {
    const shuffled = Object.fromEntries(Object.entries(answer).reverse()) as ClusterSpecInput;
    const keys = Object.keys(parse(stringifyAnswer(shuffled)));
    expect(keys).toEqual(Object.keys(answer));
  });

  it("round-trips the wizard's input to the same spec", () => {
    expect(load(stringifyAnswer(answer), "saved.yaml")).toEqual(load(JSON.stringify(answer), "input.json"));
  });
});
