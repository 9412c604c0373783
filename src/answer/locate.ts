// Maps a value's path (["nodes", 1, "nics", "lan0"]) back to where it was written in the YAML source.
import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { PathKey } from "./messages.js";
import type { IssueAnchor } from "./validate.js";

export type Position = { line: number; col: number };

type Found = { node: Node | null; key: Node | null };

/** Walks the document by path; `key` is the key node of the last step when it came from a mapping. */
function walk(doc: Document, path: readonly PathKey[]): Found | undefined {
  let node: unknown = doc.contents;
  let key: Node | null = null;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) return undefined;
      key = isNode(pair.key) ? pair.key : null;
      node = pair.value;
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
      key = null;
      if (node === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  return { node: isNode(node) ? node : null, key };
}

/** An empty value (`heartbeat:` with nothing after it) has no text of its own: its key is the place. */
function isEmptyValue(node: Node): boolean {
  return isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1];
}

function startOf(node: Node | null, lc: LineCounter): Position | undefined {
  return node?.range ? lc.linePos(node.range[0]) : undefined;
}

/** The nearest place that exists: the path itself, then each ancestor (its key, or the item itself). */
function nearest(doc: Document, path: readonly PathKey[], lc: LineCounter): Position {
  for (let n = path.length; n > 0; n--) {
    const found = walk(doc, path.slice(0, n));
    if (found) {
      const at = found.key ? startOf(found.key, lc) : startOf(found.node, lc);
      if (at) return at;
    }
  }
  return startOf(isNode(doc.contents) ? doc.contents : null, lc) ?? { line: 1, col: 1 };
}

export function locate(
  doc: Document,
  lc: LineCounter,
  path: readonly PathKey[],
  anchor: IssueAnchor,
): Position {
  if (anchor === "parent") return nearest(doc, path.slice(0, -1), lc);
  const found = walk(doc, path);
  if (!found) return nearest(doc, path.slice(0, -1), lc);
  if (anchor === "key" && found.key) return startOf(found.key, lc) ?? nearest(doc, path, lc);
  if (found.node && !isEmptyValue(found.node)) return startOf(found.node, lc) ?? nearest(doc, path, lc);
  return nearest(doc, path, lc);
}
