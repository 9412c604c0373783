// Reads an answer file: YAML 1.2 syntax first, then the schema and cross-checks, every problem reported at
// the file, line and column where the user has to change something.
import { readFile } from "node:fs/promises";
import {
  LineCounter,
  isCollection,
  isPair,
  isScalar,
  parseDocument,
  visit,
  type Document,
  type Node,
  type YAMLError,
} from "yaml";
import { ClusterSpecBase, type ClusterSpec } from "./schema.js";
import { checkSpec } from "./validate.js";
import { formatPath, quoteText, quotedKey } from "./messages.js";
import { locate } from "./locate.js";
import { unknownZoneOrLocale, type KnownZonesAndLocales } from "./zones.js";

const REQUIRED_KEYS = Object.entries(ClusterSpecBase.shape)
  .filter(([, schema]) => !schema.safeParse(undefined).success)
  .map(([key]) => key);

export type AnswerError = { file: string; line: number; col: number; path: string; message: string };

export type LoadResult =
  | { ok: true; spec: ClusterSpec; doc: Document; lineCounter: LineCounter }
  | { ok: false; errors: AnswerError[] };

/** The largest answer file read: a cluster fits in a few KiB; 64 SSH keys of 16384-bit RSA in 200 KiB. */
export const ANSWER_MAX_BYTES = 1024 * 1024;
/** How many values YAML aliases may expand to; a real answer file uses none. */
const ALIAS_MAX = 100;
/** The deepest nesting accepted; the schema's deepest value (nodes[0].match.mac[0]) is 5 levels down. */
export const NESTING_MAX = 16;

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
  let found = "'?'";
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = quotedKey(String(pair.key.value));
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
  return { file, line: pos.line, col: pos.col, path: "", message: syntaxMessage(doc, e, firstLine) };
}

/** yaml's first line, or words for a person where yaml's are advice to a programmer; control-free. */
function syntaxMessage(doc: Document, e: YAMLError, firstLine: string): string {
  const text = firstLine.replace(/ at line \d+, column \d+:?$/, "");
  switch (e.code) {
    case "DUPLICATE_KEY":
      return `duplicate key ${keyAt(doc, e.pos[0])}: a key may appear only once in a mapping`;
    case "TAG_RESOLVE_FAILED": {
      const tag = /^Unresolved tag: (.*)$/.exec(text)?.[1] ?? "";
      const shown = /^[!-~]{1,48}$/.test(tag) ? tag : quoteText(tag);
      return `unknown YAML tag ${shown}; answer files use plain values, no tags`;
    }
    case "MULTIPLE_DOCS":
      return "an answer file holds one YAML document; a second one starts here, after a '---' or '...' line: remove it and what follows, or merge the two";
    case "MULTILINE_IMPLICIT_KEY":
      return "expected 'key: value' on one line: this line continues the line above; indent it under a key that ends in ':', or add the missing ':'";
    case "RESOURCE_EXHAUSTION":
      return nestingMessage();
    default:
      // Parser messages can quote source characters; the terminal sees them escaped.
      return quoteText(text).slice(1, -1);
  }
}

function nestingMessage(): string {
  return `the values here are nested too deeply: an answer file nests at most ${NESTING_MAX} levels`;
}

/** Where flow brackets open deeper than NESTING_MAX, before the parser recurses into them. */
function deepFlow(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      if (/[\s[{,:]/.test(i === 0 ? "\n" : (text[i - 1] as string))) quote = c;
    } else if (c === "#" && /\s/.test(i === 0 ? "\n" : (text[i - 1] as string))) {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? text.length : eol;
    } else if (c === "[" || c === "{") {
      if (++depth > NESTING_MAX) return i;
    } else if (c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** The first collection nested deeper than NESTING_MAX, walked without recursion. */
function deepNode(doc: Document): Node | undefined {
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (!isCollection(node)) continue;
    if (depth > NESTING_MAX) return node;
    for (const item of [...node.items].reverse()) {
      stack.push([isPair(item) ? item.value : item, depth + 1]);
      if (isPair(item) && isCollection(item.key)) stack.push([item.key, depth + 1]);
    }
  }
  return undefined;
}

export function loadAnswerText(text: string, file: string): LoadResult {
  const refuse = (offset: number, message: string, lc?: LineCounter): LoadResult => {
    const at = lc ? lc.linePos(offset) : positionIn(text, offset);
    return { ok: false, errors: [{ file, path: "", ...at, message }] };
  };
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > ANSWER_MAX_BYTES) {
    return refuse(0, `the file has ${bytes} bytes; an answer file has at most ${ANSWER_MAX_BYTES} (1 MiB)`);
  }
  const deep = deepFlow(text);
  if (deep !== undefined) return refuse(deep, nestingMessage());
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
  const tooDeep = deepNode(doc);
  if (tooDeep?.range) return refuse(tooDeep.range[0], nestingMessage(), lineCounter);
  let obj: unknown;
  try {
    obj = doc.toJS({ maxAliasCount: ALIAS_MAX });
  } catch (err) {
    // yaml refuses alias chains that would expand exponentially ("billion laughs").
    const message = /alias count/i.test((err as Error).message)
      ? `the aliases (*name) in this file expand to too many values: an answer file expands at most ${ALIAS_MAX}`
      : quoteText((err as Error).message).slice(1, -1);
    return { ok: false, errors: [{ file, line: 1, col: 1, path: "", message }] };
  }
  const result = checkSpec(obj);
  if (result.ok) return { ok: true, spec: result.spec, doc, lineCounter };
  const errors = result.issues.map((issue) => {
    const { line, col } = locate(doc, lineCounter, issue.path, issue.anchor);
    return { file, line, col, path: formatPath(issue.path), message: issue.message };
  });
  return { ok: false, errors: distinct(errors).sort(byPosition) };
}

/** Line and column (1-based) of an offset, for problems found before the parser ran. */
function positionIn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

/** Reads and checks an answer file; a file that cannot be read throws (the caller words that for its user). */
export async function loadAnswerFile(path: string): Promise<LoadResult> {
  return loadAnswerText(await readFile(path, "utf8"), path);
}

/**
 * Warnings for a valid file whose time zone or locale the given system does not know (see zones.ts), at
 * the value's place in the file. `pairboot validate` asks the machine it runs on, which may be another
 * release than the one installed, so these only warn; the install checks its source root and refuses.
 */
export function zoneLocaleWarnings(
  result: Extract<LoadResult, { ok: true }>,
  file: string,
  known: KnownZonesAndLocales,
): AnswerError[] {
  return unknownZoneOrLocale(result.spec, known)
    .map((p) => ({
      file,
      ...locate(result.doc, result.lineCounter, p.path, "value"),
      path: formatPath(p.path),
      message: `warning: ${p.message}; this machine does not know it (the release pairboot installs may)`,
    }))
    .sort(byPosition);
}
