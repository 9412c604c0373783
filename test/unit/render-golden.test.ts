// Golden trees: every example rendered for both nodes, compared byte for byte with test/golden/EXAMPLE/NODE
// (Debian 13 trixie, the default), and the seed for Debian 12 bookworm in test/golden/bookworm/seed/NODE.
// A change to any renderer shows up here as a reviewable diff. Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/render-golden.test.ts
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { renderNode } from "../../src/render/index.js";
import { DEFAULT_RELEASE, type Release } from "../../src/render/release.js";
import { outputFiles } from "../../src/render/output.js";
import { example, exampleNames } from "../support/fixtures.js";

const GOLDEN = join(import.meta.dirname, "../golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Trees for the default release (trixie) at test/golden/EXAMPLE/NODE; bookworm's differ, kept for one example. */
const TREES = [
  ...exampleNames().map((name) => ({ name, release: DEFAULT_RELEASE, dir: join(GOLDEN, name) })),
  { name: "seed", release: "bookworm" as Release, dir: join(GOLDEN, "bookworm", "seed") },
];

describe.each(TREES)("golden tree of example $name for $release", ({ name, release, dir: base }) => {
  const spec = example(name);
  it.each(spec.nodes.map((n) => n.name))("node %s", (node) => {
    const files = outputFiles(spec, renderNode(spec, node, release));
    const dir = join(base, node);
    if (UPDATE) {
      rmSync(dir, { recursive: true, force: true });
      for (const f of files) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content);
      }
    }
    const onDisk = listFiles(dir)
      .map((p) => relative(dir, p))
      .sort();
    expect(onDisk, `golden files of ${name}/${node} (UPDATE_GOLDEN=1 regenerates)`).toEqual(
      files.map((f) => f.path).sort(),
    );
    for (const f of files) {
      expect(f.content, `${name}/${node}/${f.path} (UPDATE_GOLDEN=1 regenerates)`).toBe(
        readFileSync(join(dir, f.path), "utf8"),
      );
    }
  });
});
