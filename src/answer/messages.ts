// Every schema message in one voice: "expected WHAT IS ALLOWED, got WHAT WAS WRITTEN".
// zod's own English ("Invalid input: expected string, received number") names TypeScript types; a person
// editing YAML on a console at the rack needs the allowed values and their own input echoed back.
import type { z } from "zod";

type RawIssue = z.core.$ZodRawIssue;
export type PathKey = string | number;

const LONGEST_ECHO = 48;

// JSON.stringify escapes C0 controls, but a terminal also acts on DEL and the C1 range (0x9b is CSI), and
// line/paragraph separators and bidi overrides change how the rest of the line reads.
const UNSAFE_FOR_TERMINAL = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** User text as a double-quoted string that cannot break a line or reach the terminal as a control. */
export function quoteText(text: string): string {
  return JSON.stringify(text).replace(
    UNSAFE_FOR_TERMINAL,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A key name as it reads in a message: bare when it is a plain word, quoted and escaped otherwise. */
export function keyText(key: string): string {
  if (/^[A-Za-z0-9_.-]{1,48}$/.test(key)) return key;
  return key.length > LONGEST_ECHO ? `${quoteText(key.slice(0, LONGEST_ECHO))}...` : quoteText(key);
}

/** A key name in single quotes when it is a plain word ('deadtim'), else escaped and double-quoted. */
export function quotedKey(key: string): string {
  const text = keyText(key);
  return text === key ? `'${key}'` : text;
}

/** How a value the user wrote reads inside a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (typeof value === "string") {
    const shown = value.length > LONGEST_ECHO ? `${value.slice(0, LONGEST_ECHO)}...` : value;
    return quoteText(shown);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return "an empty list";
    return value.length === 1 ? "a list of 1 item" : `a list of ${value.length} items`;
  }
  if (typeof value === "object") return "a mapping";
  return String(value);
}

const TYPE_PHRASES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

/** Schema-level message for a check: names what is allowed and echoes what was written. */
export function expected(allowed: string): { error: (issue: RawIssue) => string } {
  return { error: (issue) => `expected ${allowed}, got ${describeValue(issue.input)}` };
}

/** A secret's shape without its value: its length when it is text, its kind otherwise. */
export function describeSecret(value: unknown): string {
  if (typeof value === "string") return `${value.length} characters (value not shown)`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return `a ${typeof value} (value not shown)`;
  return describeValue(value);
}

/** Like expected(), for secrets: never echoes the value, only its length or kind. */
export function expectedSecret(allowed: string): { error: (issue: RawIssue) => string } {
  return { error: (issue) => `expected ${allowed}, got ${describeSecret(issue.input)}` };
}

const YAML11_BOOLEANS = /^(y|yes|n|no|on|off|true|false)$/i;

function lastKey(path: readonly PropertyKey[] | undefined): string {
  const key = path?.[path.length - 1];
  return typeof key === "string" ? key : "";
}

function sizeLimit(origin: string, bound: number | bigint, exact: boolean | undefined, word: string): string {
  const n = Number(bound);
  if (origin === "array") return `${exact ? "exactly" : word} ${n} ${n === 1 ? "item" : "items"}`;
  if (origin === "string") return `${exact ? "exactly" : word} ${n} characters`;
  return `${exact ? "exactly" : word} ${n}`;
}

/**
 * The per-parse error map: messages for issues whose schema did not set its own.
 * Unknown keys get only the "allowed: ..." tail here; the loader writes one error per unknown key.
 */
export function answerErrorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type": {
      const want = TYPE_PHRASES[issue.expected] ?? `a ${issue.expected}`;
      if (issue.input === undefined) {
        const about = (issue.inst as { description?: string } | undefined)?.description;
        return `missing required key '${lastKey(issue.path)}': ${about ?? `expected ${want}`}`;
      }
      if (
        issue.expected === "boolean" &&
        typeof issue.input === "string" &&
        YAML11_BOOLEANS.test(issue.input)
      ) {
        return `expected true or false, got ${describeValue(issue.input)} (YAML 1.2 reads yes, no, on and off as strings)`;
      }
      return `expected ${want}, got ${describeValue(issue.input)}`;
    }
    case "invalid_value": {
      const shown = issue.values.map((v) => String(v));
      const allowed = shown.length === 1 ? shown[0] : `one of ${shown.join(", ")}`;
      return `expected ${allowed}, got ${describeValue(issue.input)}`;
    }
    case "unrecognized_keys": {
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      return shape ? `allowed: ${Object.keys(shape).join(", ")}` : "no keys allowed here";
    }
    case "invalid_key":
      return issue.issues[0]?.message ?? `invalid key ${describeValue(issue.input)}`;
    case "too_small":
      return `expected ${sizeLimit(issue.origin, issue.minimum, issue.exact, issue.inclusive === false ? "more than" : "at least")}, got ${describeValue(issue.input)}`;
    case "too_big":
      return `expected ${sizeLimit(issue.origin, issue.maximum, issue.exact, issue.inclusive === false ? "less than" : "at most")}, got ${describeValue(issue.input)}`;
    case "invalid_format":
      return `expected ${issue.format} format, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
}

/** ["nodes", 1, "nics", "lan0"] -> "nodes[1].nics.lan0" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? keyText(String(key)) : `.${keyText(String(key))}`;
  }
  return out;
}
