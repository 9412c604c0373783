// Fencing (STONITH through each node's BMC) as the answer file describes it: the cross-field rules, and
// the plain words `validate`, the wizard and `pairboot status` use when a cluster runs without it.
// Pure functions only.
import type { ClusterSpec, NodeSpec } from "./schema.js";
import { BMC_PASSWORD_MAX } from "./schema.js";
import type { PathKey } from "./messages.js";
import { formatIpv4, parseCidr, parseIpv4, subnetContains, subnetsOverlap, subnetText } from "./ipv4.js";

type Issue = { path: PathKey[]; message: string };
export type Bmc = NonNullable<NodeSpec["bmc"]>;

/** What a cluster without fencing risks, in one sentence for every front end. */
export const NO_FENCING_RISK =
  "without fencing, a cut of both Heartbeat paths (LAN and replication link) makes both nodes take the " +
  "service: two servers answer for one IP and DRBD splits (split brain)";

/** True when both nodes have a BMC: then each fences the other. */
export function fencingEnabled(spec: ClusterSpec): boolean {
  return spec.nodes.length === 2 && spec.nodes.every((n) => n.bmc !== undefined);
}

/** One line for the validate summary and the wizard's review screen. */
export function fencingSummary(spec: ClusterSpec): string {
  if (!fencingEnabled(spec)) return `no fencing: ${NO_FENCING_RISK}`;
  return `fencing: ${spec.nodes.map((n) => `${n.name} via BMC ${n.bmc?.address} (${n.bmc?.interface})`).join(", ")}`;
}

/** The peer of `node` in a two-node cluster. */
export function peerOf(spec: ClusterSpec, node: NodeSpec): NodeSpec | undefined {
  return spec.nodes.find((n) => n.name !== node.name);
}

function lanOf(spec: ClusterSpec) {
  const first = spec.nodes[0];
  return first ? parseCidr(first.lan) : undefined;
}

/** Both or neither: a BMC on one node alone protects nothing (the other node can still be double-started). */
const bothOrNeither = (spec: ClusterSpec): Issue[] => {
  const without = spec.nodes.findIndex((n) => n.bmc === undefined);
  const withBmc = spec.nodes.find((n) => n.bmc !== undefined);
  if (without === -1 || !withBmc) return [];
  return [
    {
      path: ["nodes", without],
      message: `expected a bmc like ${withBmc.name}'s: fencing needs both nodes' BMCs (each node resets the other), or leave bmc out on both nodes to run without fencing`,
    },
  ];
};

/** The peer fences this node through its BMC, so the address must be on a network the peer reaches. */
const reachable = (spec: ClusterSpec): Issue[] => {
  const lan = lanOf(spec);
  const mgmt = spec.network.management;
  const mgmtNet = mgmt ? parseCidr(mgmt.subnet) : undefined;
  return spec.nodes.flatMap((node, i): Issue[] => {
    if (!node.bmc || !lan) return [];
    const address = parseIpv4(node.bmc.address);
    if (subnetContains(lan, address) || (mgmtNet && subnetContains(mgmtNet, address))) return [];
    const where = mgmtNet
      ? `the LAN subnet ${subnetText(lan)} or network.management.subnet ${subnetText(mgmtNet)}`
      : `the LAN subnet ${subnetText(lan)}, or add network.management (subnet and gateway) for a separate management network`;
    return [
      {
        path: ["nodes", i, "bmc", "address"],
        message: `expected an address the peer can reach: in ${where}, got ${node.bmc.address}`,
      },
    ];
  });
};

/** The BMC is another host: not a node's or the service's address, and the two BMCs differ. */
const bmcAddressesApart = (spec: ClusterSpec): Issue[] => {
  const taken = new Map<number, string>();
  spec.nodes.forEach((n) => {
    taken.set(parseCidr(n.lan).address, `${n.name}'s lan address`);
    taken.set(parseCidr(n.repl).address, `${n.name}'s repl address`);
  });
  taken.set(parseCidr(spec.service.ip).address, "the service IP");
  return spec.nodes.flatMap((n, i): Issue[] => {
    if (!n.bmc) return [];
    const address = parseIpv4(n.bmc.address);
    const seen = taken.get(address);
    taken.set(address, `${n.name}'s BMC`);
    return seen
      ? [
          {
            path: ["nodes", i, "bmc", "address"],
            message: `expected the BMC's own address, got ${n.bmc.address}, which is already ${seen}`,
          },
        ]
      : [];
  });
};

/** IPMI 1.5 (lan) carries at most 16 bytes of password; the schema already bounds lanplus at 20. */
const passwordFitsInterface = (spec: ClusterSpec): Issue[] =>
  spec.nodes.flatMap((n, i): Issue[] => {
    const pw = n.bmc?.password;
    if (!n.bmc || pw === undefined || pw.length <= BMC_PASSWORD_MAX[n.bmc.interface]) return [];
    return [
      {
        path: ["nodes", i, "bmc", "password"],
        message: `expected at most ${BMC_PASSWORD_MAX.lan} characters with interface lan (IPMI 1.5), got a secret of ${pw.length} characters; use interface lanplus or a shorter password`,
      },
    ];
  });

/** The management network is apart from the node's own links, and its router sits on the LAN. */
const managementNetwork = (spec: ClusterSpec): Issue[] => {
  const mgmt = spec.network.management;
  const lan = lanOf(spec);
  const first = spec.nodes[0];
  if (!mgmt || !lan || !first) return [];
  const net = parseCidr(mgmt.subnet);
  const issues: Issue[] = [];
  const repl = parseCidr(first.repl);
  if (subnetsOverlap(net, lan) || subnetsOverlap(net, repl)) {
    issues.push({
      path: ["network", "management", "subnet"],
      message: `expected a subnet apart from the LAN ${subnetText(lan)} and the replication link ${subnetText(repl)}, got ${mgmt.subnet}`,
    });
  }
  const gw = parseIpv4(mgmt.gateway);
  const own = new Set([
    ...spec.nodes.map((n) => parseCidr(n.lan).address),
    parseCidr(spec.service.ip).address,
  ]);
  if (!subnetContains(lan, gw)) {
    issues.push({
      path: ["network", "management", "gateway"],
      message: `expected the router to the management network in the LAN subnet ${subnetText(lan)}, got ${mgmt.gateway}`,
    });
  } else if (own.has(gw)) {
    issues.push({
      path: ["network", "management", "gateway"],
      message: `expected another host as the router, got ${formatIpv4(gw)}, an address of the cluster itself`,
    });
  }
  return issues;
};

/** Every fencing rule; crosscheck.ts runs them with the others. */
export function fencingIssues(spec: ClusterSpec): Issue[] {
  return [
    ...bothOrNeither(spec),
    ...reachable(spec),
    ...bmcAddressesApart(spec),
    ...passwordFitsInterface(spec),
    ...managementNetwork(spec),
  ];
}
