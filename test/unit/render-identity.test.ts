// Node A's and node B's trees come from the same renderers. They may differ only in the files that carry
// a node's identity; everything else must be byte-identical, or a clone (A's disk + B's identity files)
// would leave B with some of A's configuration.
import { describe, expect, it } from "vitest";
import { renderNode } from "../../src/render/index.js";
import type { RenderedTree } from "../../src/render/types.js";
import { example, exampleNames } from "../support/fixtures.js";

/** Which files may differ, and which of their lines may (null: any line, the whole file is identity). */
const IDENTITY: { path: RegExp; lines: RegExp | null }[] = [
  { path: /^\/etc\/hostname$/, lines: null },
  { path: /^\/etc\/mailname$/, lines: null },
  { path: /^\/etc\/pairboot\/node$/, lines: null },
  { path: /^\/etc\/systemd\/network\/10-pairboot-[a-z0-9]+\.link$/, lines: /^MACAddress=/ },
  { path: /^\/etc\/network\/interfaces$/, lines: /^\taddress / },
  { path: /^\/etc\/chrony\/conf\.d\/pairboot\.conf$/, lines: /^peer / },
];

function byPath(tree: RenderedTree): Map<string, string> {
  return new Map(tree.files.map((f) => [f.path, f.content]));
}

/** Lines present in one text and not at the same position in the other (both texts have as many lines). */
function changedLines(a: string, b: string): string[] {
  const la = a.split("\n");
  const lb = b.split("\n");
  if (la.length !== lb.length) return [...la, ...lb];
  return la.flatMap((line, i) => (line === lb[i] ? [] : [line, lb[i] ?? ""]));
}

describe.each(exampleNames())("example %s: node A and node B", (name) => {
  const spec = example(name);
  const [a, b] = spec.nodes.map((n) => renderNode(spec, n.name)) as [RenderedTree, RenderedTree];

  it("render the same set of files, services and chroot commands", () => {
    expect([...byPath(b).keys()]).toEqual([...byPath(a).keys()]);
    expect(b.files.map((f) => f.mode)).toEqual(a.files.map((f) => f.mode));
    expect(b.services).toEqual(a.services);
    expect(b.chrootCommands).toEqual(a.chrootCommands);
  });

  it("differ only in identity files, and only in their identity lines", () => {
    const filesA = byPath(a);
    const filesB = byPath(b);
    const differing = [...filesA.keys()].filter((p) => filesA.get(p) !== filesB.get(p));
    for (const path of differing) {
      const rule = IDENTITY.find((r) => r.path.test(path));
      expect(rule, `${path} differs between the nodes but is not an identity file`).toBeDefined();
      if (rule?.lines) {
        for (const line of changedLines(filesA.get(path)!, filesB.get(path)!)) {
          expect(line, `${path}: a non-identity line differs`).toMatch(rule.lines);
        }
      }
    }
  });

  it("do differ in every identity file", () => {
    const filesA = byPath(a);
    const filesB = byPath(b);
    for (const rule of IDENTITY) {
      const paths = [...filesA.keys()].filter((p) => rule.path.test(p));
      expect(paths.length, `no file matches ${rule.path}`).toBeGreaterThan(0);
      for (const p of paths) expect(filesB.get(p), `${p} is the same on both nodes`).not.toBe(filesA.get(p));
    }
  });
});
