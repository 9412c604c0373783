// Writes a cluster back out as an answer file a person can read and `pairboot install --answer` can replay.
// The wizard edits answer-file-shaped input, so that is what is written; a parsed ClusterSpec holds sizes in
// bytes and durations in milliseconds and goes through specToAnswer first (a plain number of seconds in a
// file would otherwise be read back a thousand times too long).
import { Document } from "yaml";
import {
  ClusterSpecBase,
  formatDuration,
  formatSize,
  type ClusterSpec,
  type ClusterSpecInput,
} from "./schema.js";

const DEFAULT_HEADER = [
  " pairboot answer file: one two-node HA NFS cluster.",
  " Check it with:   pairboot validate FILE",
  " Install with:    pairboot install --answer FILE",
  " Every key is described in docs/answer-file.md.",
].join("\n");

/** Orders an object's keys as the schema lists them, so saved files always read in the same order. */
function inSchemaOrder(answer: Record<string, unknown>): Record<string, unknown> {
  const order = Object.keys(ClusterSpecBase.shape);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.entries(answer).sort(([a], [b]) => rank(a) - rank(b)));
}

/** Answer-file input (as the wizard builds it) -> YAML text with a header comment. */
export function stringifyAnswer(answer: ClusterSpecInput, options: { header?: string } = {}): string {
  const doc = new Document(inSchemaOrder(answer as Record<string, unknown>));
  doc.commentBefore = options.header ?? DEFAULT_HEADER;
  return doc.toString({ lineWidth: 0 });
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A parsed spec -> the answer-file input that parses back to it: sizes and durations as text, and derived
 * values left out where they equal what would be derived again (a node's match by its own NIC MACs, the ping
 * node equal to the gateway, the NFS scope equal to the cluster name).
 */
export function specToAnswer(spec: ClusterSpec): ClusterSpecInput {
  const { storage, heartbeat: hb } = spec;
  return {
    ...spec,
    nodes: spec.nodes.map(({ match, ...node }) => {
      const derived = match.dmi_serial === undefined && isSameList(match.mac, Object.values(node.nics));
      return withoutUndefined({
        ...node,
        match: derived ? undefined : match,
        disk: withoutUndefined({
          ...node.disk,
          min_size: node.disk.min_size === undefined ? undefined : formatSize(node.disk.min_size),
          max_size: node.disk.max_size === undefined ? undefined : formatSize(node.disk.max_size),
        }),
      });
    }),
    storage: { ...storage, os_size: formatSize(storage.os_size) },
    heartbeat: withoutUndefined({
      ...hb,
      keepalive: formatDuration(hb.keepalive),
      warntime: formatDuration(hb.warntime),
      deadtime: formatDuration(hb.deadtime),
      initdead: formatDuration(hb.initdead),
      ping: hb.ping === spec.network.gateway ? undefined : hb.ping,
    }),
    nfs: withoutUndefined({
      ...spec.nfs,
      scope: spec.nfs.scope === spec.cluster.name ? undefined : spec.nfs.scope,
    }),
  };
}

function isSameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A parsed spec -> answer-file text; loading that text gives the same spec back. */
export function stringifySpec(spec: ClusterSpec, options: { header?: string } = {}): string {
  return stringifyAnswer(specToAnswer(spec), options);
}
