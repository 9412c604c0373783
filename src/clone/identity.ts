// Node B's identity, written into the restored OS filesystem before the disk is marked complete.
// (Placeholder: filled in below once the transport works.)
import type { ClusterSpec } from "../answer/schema.js";
import type { ReceiveOptions } from "./receive.js";

export function identityWriter(
  _spec: ClusterSpec,
  _nodeName?: string,
): NonNullable<ReceiveOptions["identity"]> {
  return async () => {
    throw new Error("writing node B's identity is not built yet; use --keep-identity for an exact copy");
  };
}
