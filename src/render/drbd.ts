import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import type { RenderFamily } from "./types.js";

export function render(_spec: ClusterSpec, _node: NodeSpec): RenderFamily {
  return { files: [] };
}
