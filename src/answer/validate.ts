// One validation for every front end: the schema, then the cross-checks, with the same messages whether
// the input came from a YAML file (load.ts adds line:col) or from the wizard's form fields.
import type { z } from "zod";
import { ClusterSpecSchema, type ClusterSpec } from "./schema.js";
import { crossCheck } from "./crosscheck.js";
import { answerErrorMap, formatPath, quotedKey, type PathKey } from "./messages.js";

/**
 * Where in the source an issue belongs: at the value, at the key itself (an unknown or invalid key), or at
 * the mapping that lacks the key (a missing key has no node of its own).
 */
export type IssueAnchor = "value" | "key" | "parent";

export type SpecIssue = { path: PathKey[]; message: string; anchor: IssueAnchor };

export type CheckResult = { ok: true; spec: ClusterSpec } | { ok: false; issues: SpecIssue[] };

export function fromZodIssue(issue: z.core.$ZodIssue): SpecIssue[] {
  const path = issue.path.filter((k): k is PathKey => typeof k === "string" || typeof k === "number");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `unknown key ${quotedKey(key)}; ${issue.message}`,
      anchor: "key",
    }));
  }
  if (issue.code === "invalid_key") return [{ path, message: issue.message, anchor: "key" }];
  const missing = issue.code === "invalid_type" && issue.input === undefined;
  return [{ path, message: issue.message, anchor: missing ? "parent" : "value" }];
}

/** The schema and then the cross-checks; cross-checks need a complete spec, so they wait for the schema. */
export function checkSpec(obj: unknown): CheckResult {
  const parsed = ClusterSpecSchema.safeParse(obj, { error: answerErrorMap, reportInput: true });
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.flatMap(fromZodIssue) };
  const cross = crossCheck(parsed.data);
  if (cross.length > 0) return { ok: false, issues: cross.map((c) => ({ ...c, anchor: "value" })) };
  return { ok: true, spec: parsed.data };
}

export type ValidateResult =
  { ok: true; spec: ClusterSpec } | { ok: false; issues: { path: string; message: string }[] };

/**
 * Validates a plain answer object (as the wizard builds it): the same rules and messages as
 * `pairboot validate`, without positions. Paths read like `nodes[1].nics.lan0`.
 */
export function validateSpecObject(obj: unknown): ValidateResult {
  const result = checkSpec(obj);
  if (result.ok) return result;
  return {
    ok: false,
    issues: result.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  };
}
