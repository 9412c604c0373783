// The answer file's JSON Schema, generated from the zod schema so editors and the loader cannot disagree.
// It describes what may be written (io "input"): sizes and durations as text, optional keys optional.
import { z } from "zod";
import { ClusterSpecBase } from "./schema.js";

export const ANSWER_SCHEMA_ID = "urn:pairboot:answer-file:v1";

export function answerJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ClusterSpecBase, { io: "input", target: "draft-2020-12" });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: ANSWER_SCHEMA_ID,
    title: "pairboot answer file",
    ...rest,
  };
}
