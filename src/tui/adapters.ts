// The wizard's doors into the shared answer-file code, in one place: the validator whose rules and
// messages the wizard shows next to each field, and the writer that saves the replayable answer file.
import { stringifyAnswer } from "../answer/stringify.js";
import type { ClusterSpec, ClusterSpecInput } from "../answer/schema.js";
import { checkSpec } from "../answer/validate.js";

export type IssuePath = (string | number)[];
export interface Issue {
  path: IssuePath;
  message: string;
}
export type Validation = { ok: true; spec: ClusterSpec } | { ok: false; issues: Issue[] };

/**
 * Validate an answer object with the same rules and messages as `pairboot validate` (schema, then the
 * cross-checks). checkSpec is validateSpecObject with the path kept as an array, which the wizard needs
 * to put each message next to its field.
 */
export function validateAnswer(obj: unknown): Validation {
  const result = checkSpec(obj);
  if (result.ok) return { ok: true, spec: result.spec };
  return { ok: false, issues: result.issues.map((i) => ({ path: i.path, message: i.message })) };
}

const HEADER = [
  " pairboot answer file, saved by the wizard. It holds the cluster's secrets: keep it mode 0600.",
  " Check it with:   pairboot validate FILE",
  " Replay it with:  pairboot install --answer FILE",
].join("\n");

/** The answer file text the wizard saves: replayable, secrets included. */
export function answerToYaml(answer: Record<string, unknown>): string {
  return stringifyAnswer(answer as ClusterSpecInput, { header: HEADER });
}
