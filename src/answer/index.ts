// The answer file's public API: load and check a file, validate a plain object, secrets, save, schema.
export {
  ClusterSpecSchema,
  parseSize,
  parseDuration,
  formatSize,
  formatDuration,
  type ClusterSpec,
  type ClusterSpecInput,
  type NodeSpec,
  type DiskSelector,
  type ExportSpec,
} from "./schema.js";
export {
  loadAnswerText,
  loadAnswerFile,
  formatAnswerError,
  type AnswerError,
  type LoadResult,
} from "./load.js";
export { validateSpecObject, type ValidateResult } from "./validate.js";
export { crossCheck } from "./crosscheck.js";
export {
  ensureSecrets,
  requireSecrets,
  missingSecrets,
  writePrivateFile,
  AnswerFileError,
} from "./secrets.js";
export { generateSecret } from "./secret.js";
export { stringifyAnswer, stringifySpec, specToAnswer } from "./stringify.js";
export { answerJsonSchema, ANSWER_SCHEMA_ID } from "./jsonschema.js";
