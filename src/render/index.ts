// Renders every file an installed node needs. Node A's and node B's trees come from the same code;
// they differ only where the node's identity (name, addresses, MACs) differs.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import type { RenderFamily, RenderedTree } from "./types.js";
import { DEFAULT_RELEASE, type Release } from "./release.js";
import * as system from "./system.js";
import * as network from "./network.js";
import * as time from "./time.js";
import * as storage from "./storage.js";
import * as drbd from "./drbd.js";
import * as heartbeat from "./heartbeat.js";
import * as stonith from "./stonith.js";
import * as nfs from "./nfs.js";
import * as firstboot from "./firstboot.js";

// Each family renders for one Debian release; what differs between releases is named in release.ts.
const families: { render: (spec: ClusterSpec, node: NodeSpec, release: Release) => RenderFamily }[] = [
  system,
  network,
  time,
  storage,
  drbd,
  heartbeat,
  stonith,
  nfs,
  firstboot,
];

export function findNode(spec: ClusterSpec, name: string): NodeSpec {
  const node = spec.nodes.find((n) => n.name === name);
  if (!node) {
    throw new Error(
      `no node named '${name}' in the answer file (nodes: ${spec.nodes.map((n) => n.name).join(", ")})`,
    );
  }
  return node;
}

/** The node's files for the Debian release of the root filesystem they go into (release.ts). */
export function renderNode(
  spec: ClusterSpec,
  nodeName: string,
  release: Release = DEFAULT_RELEASE,
): RenderedTree {
  const node = findNode(spec, nodeName);
  const parts = families.map((f) => f.render(spec, node, release));
  const files = parts.flatMap((p) => p.files).sort((a, b) => a.path.localeCompare(b.path));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two renderers wrote ${f.path}`);
    seen.add(f.path);
  }
  return {
    node: node.name,
    files,
    services: {
      enable: [...new Set(parts.flatMap((p) => p.enable ?? []))].sort(),
      disable: [...new Set(parts.flatMap((p) => p.disable ?? []))].sort(),
    },
    chrootCommands: parts.flatMap((p) => p.chrootCommands ?? []),
  };
}
