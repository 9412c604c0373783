// Reads an answer file: YAML 1.2 syntax first, then the schema and cross-checks, every problem reported at
// the file, line and column where the user has to change something.
import { readFile } from "node:fs/promises";
import { LineCounter, isScalar, parseDocument, visit, type Document, type YAMLError } from "yaml";
import { ClusterSpecBase, type ClusterSpec } from "./schema.js";
import { checkSpec } from "./validate.js";
import { formatPath } from "./messages.js";
import { locate } from "./locate.js";

const REQUIRED_KEYS = Object.entries(ClusterSpecBase.shape)
  .filter(([, schema]) => !schema.safeParse(undefined).success)
  .map(([key]) => key);

export type AnswerError = { file: string; line: number; col: number; path: string; message: string };

export type LoadResult =
  { ok: true; spec: ClusterSpec; doc: Document } | { ok: false; errors: AnswerError[] };

/** `FILE:LINE:COL: path: message`, or `FILE:LINE:COL: message` for a syntax error, which has no path. */
export function formatAnswerError(e: AnswerError): string {
  return e.path === ""
    ? `${e.file}:${e.line}:${e.col}: ${e.message}`
    : `${e.file}:${e.line}:${e.col}: ${e.path}: ${e.message}`;
}

function byPosition(a: AnswerError, b: AnswerError): number {
  return (
    a.line - b.line || a.col - b.col || a.path.localeCompare(b.path) || a.message.localeCompare(b.message)
  );
}

function distinct(errors: AnswerError[]): AnswerError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = formatAnswerError(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One syntax error usually confuses the parser for the rest of its line; the first one is the real one. */
function firstPerLine(errors: AnswerError[]): AnswerError[] {
  return errors.filter((e, i) => i === 0 || errors[i - 1]?.line !== e.line);
}

/** The text of the mapping key that starts at this offset. */
function keyAt(doc: Document, offset: number): string {
  let found = "?";
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * yaml notices an unclosed `[` or `{` only on a later line; the mistake is at the bracket that was opened,
 * so that is where the error points.
 */
function unclosedFlow(text: string, e: YAMLError): { offset: number; message: string } | undefined {
  const kind = /^Flow (sequence|map) in block collection/.exec(e.message)?.[1];
  if (e.code !== "BAD_INDENT" || !kind) return undefined;
  const [open, close] = kind === "sequence" ? ["[", "]"] : ["{", "}"];
  const opener = unmatchedOpeners(text.slice(0, e.pos[0]))
    .reverse()
    .find((i) => text[i] === open);
  if (opener === undefined) return undefined;
  return { offset: opener, message: `this '${open}' is never closed: end the flow ${kind} with '${close}'` };
}

/** Offsets of the brackets still open at the end of `text`, skipping quoted scalars and comments. */
function unmatchedOpeners(text: string): number[] {
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const prev = i === 0 ? "\n" : (text[i - 1] as string);
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if ((c === '"' || c === "'") && /[\s[{,:]/.test(prev)) {
      quote = c;
    } else if (c === "#" && /\s/.test(prev)) {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? text.length : eol;
    } else if (c === "[" || c === "{") {
      stack.push(i);
    } else if (c === "]" || c === "}") {
      stack.pop();
    }
  }
  return stack;
}

/** yaml's messages end in " at line L, column C:" and a code frame; the position is printed separately. */
function syntaxError(file: string, text: string, doc: Document, lc: LineCounter, e: YAMLError): AnswerError {
  const unclosed = unclosedFlow(text, e);
  if (unclosed) return { file, path: "", ...lc.linePos(unclosed.offset), message: unclosed.message };
  const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
  const firstLine = e.message.split("\n")[0] ?? e.message;
  const message =
    e.code === "DUPLICATE_KEY"
      ? `duplicate key '${keyAt(doc, e.pos[0])}': a key may appear only once in a mapping`
      : e.code === "TAG_RESOLVE_FAILED"
        ? `${firstLine.replace(/^Unresolved tag: (\S+).*$/, "unknown YAML tag $1")}; answer files use plain values, no tags`
        : firstLine.replace(/ at line \d+, column \d+:?$/, "");
  return { file, line: pos.line, col: pos.col, path: "", message };
}

export function loadAnswerText(text: string, file: string): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, version: "1.2" });
  // Warnings (an unknown !tag, say) change how a value is read, so they are refused like errors.
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    return {
      ok: false,
      errors: firstPerLine(
        yamlProblems.map((e) => syntaxError(file, text, doc, lineCounter, e)).sort(byPosition),
      ),
    };
  }
  if (doc.contents === null) {
    const message = `the file is empty; an answer file needs at least ${REQUIRED_KEYS.join(", ")}`;
    return { ok: false, errors: [{ file, line: 1, col: 1, path: "", message }] };
  }
  let obj: unknown;
  try {
    obj = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias chains that would expand exponentially ("billion laughs").
    return { ok: false, errors: [{ file, line: 1, col: 1, path: "", message: (err as Error).message }] };
  }
  const result = checkSpec(obj);
  if (result.ok) return { ok: true, spec: result.spec, doc };
  const errors = result.issues.map((issue) => {
    const { line, col } = locate(doc, lineCounter, issue.path, issue.anchor);
    return { file, line, col, path: formatPath(issue.path), message: issue.message };
  });
  return { ok: false, errors: distinct(errors).sort(byPosition) };
}

/** Reads and checks an answer file; a file that cannot be read throws (the caller words that for its user). */
export async function loadAnswerFile(path: string): Promise<LoadResult> {
  return loadAnswerText(await readFile(path, "utf8"), path);
}
