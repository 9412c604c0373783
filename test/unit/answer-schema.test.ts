// The committed JSON Schema and the reference documentation cannot drift from the zod schema.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { answerJsonSchema } from "../../src/answer/jsonschema.js";

const root = join(import.meta.dirname, "../..");

type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; description?: string };

/** Every key path the schema allows, like "nodes[].disk.serial". */
function keyPaths(schema: JsonSchema, prefix = ""): string[] {
  const own = Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return [path, ...keyPaths(sub, path)];
  });
  return schema.items ? [...own, ...keyPaths(schema.items, `${prefix}[]`)] : own;
}

describe("the answer file's JSON Schema", () => {
  const generated = answerJsonSchema();

  it("is committed as schema/pairboot-answer.schema.json, regenerated whenever the schema changes", () => {
    const committed = JSON.parse(readFileSync(join(root, "schema/pairboot-answer.schema.json"), "utf8"));
    expect(committed).toEqual(generated);
  });

  it("names itself and rejects unknown keys", () => {
    expect(generated).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "pairboot answer file",
      additionalProperties: false,
    });
    expect(typeof generated.$id).toBe("string");
  });

  it("documents what may be written: sizes and durations as text with their defaults", () => {
    const props = generated.properties as Record<
      string,
      JsonSchema & { properties: Record<string, unknown> }
    >;
    expect(props.storage?.properties.os_size).toMatchObject({ default: "5GiB" });
    expect(props.heartbeat?.properties.deadtime).toMatchObject({ default: "10s" });
  });
});

describe("docs/answer-file.md", () => {
  const doc = readFileSync(join(root, "docs/answer-file.md"), "utf8");
  const paths = keyPaths(answerJsonSchema() as JsonSchema);

  it("has a reference row for every key of the schema", () => {
    const rows = new Set(
      doc
        .split("\n")
        .filter((l) => l.startsWith("| `"))
        .map((l) => /^\| `([^`]+)`/.exec(l)?.[1]),
    );
    const sections = doc
      .split("\n")
      .filter((l) => l.startsWith("### `"))
      .map((l) => /^### `([^`]+)`/.exec(l)?.[1] ?? "");
    // A row's key is relative to the section it sits in ("### `network`" then "| `bond.mode` |").
    const documented = (path: string) =>
      rows.has(path) || sections.some((s) => path.startsWith(`${s}.`) && rows.has(path.slice(s.length + 1)));
    expect(paths.filter((p) => !documented(p))).toEqual([]);
  });

  it("shows the editor modeline that points at the committed schema", () => {
    expect(doc).toContain("# yaml-language-server: $schema=../schema/pairboot-answer.schema.json");
  });
});
