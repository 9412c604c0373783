// Rules that span several values and so cannot live in the schema: names, MACs and addresses that must be
// unique, NIC references that must resolve, subnets that must agree, timings that must be ordered.
// Each rule reports at the value the user has to change, and says what would be accepted there.
import type { ClusterSpec } from "./schema.js";
import { formatDuration, formatSize } from "./schema.js";
import type { PathKey } from "./messages.js";
import {
  formatIpv4,
  hostAddressProblem,
  networkOf,
  parseCidr,
  parseIpv4,
  subnetContains,
  subnetsOverlap,
  subnetText,
  type Cidr,
} from "./ipv4.js";
import { isWithin, nfsStateDirOf, systemDirUnder } from "./paths.js";
import { fencingIssues } from "./fencing.js";

export type CrossIssue = { path: PathKey[]; message: string };

const GiB = 1024 ** 3;
export const OS_SIZE_MIN = 2 * GiB;
export const OS_SIZE_MAX = 64 * GiB;

type Rule = (spec: ClusterSpec) => CrossIssue[];

const LAN_PREFIX_MAX = 30;

/** The LAN subnet, from the first node; undefined when its prefix is unusable (reported by lanAddresses). */
function lanSubnet(spec: ClusterSpec): Cidr | undefined {
  const first = spec.nodes[0];
  if (!first) return undefined;
  const lan = parseCidr(first.lan);
  return lan.prefix <= LAN_PREFIX_MAX ? lan : undefined;
}

function nicNames(spec: ClusterSpec, i: number): string[] {
  return Object.keys(spec.nodes[i]?.nics ?? {});
}

const uniqueNodeNames: Rule = (spec) =>
  spec.nodes.flatMap((node, i) => {
    const first = spec.nodes.findIndex((n) => n.name === node.name);
    return first < i
      ? [
          {
            path: ["nodes", i, "name"],
            message: `expected a name different from nodes[${first}].name, got "${node.name}"`,
          },
        ]
      : [];
  });

const clusterNameDiffers: Rule = (spec) =>
  spec.nodes.some((n) => n.name === spec.cluster.name)
    ? [
        {
          path: ["cluster", "name"],
          message: `expected a name different from the node names (${spec.nodes.map((n) => n.name).join(", ")}), got "${spec.cluster.name}"`,
        },
      ]
    : [];

const uniqueMacs: Rule = (spec) => {
  const owner = new Map<string, string>();
  const issues: CrossIssue[] = [];
  spec.nodes.forEach((node, i) => {
    for (const [nic, mac] of Object.entries(node.nics)) {
      const seen = owner.get(mac);
      if (seen) {
        issues.push({
          path: ["nodes", i, "nics", nic],
          message: `MAC ${mac} is already used by ${seen}; every NIC needs a MAC of its own`,
        });
      } else owner.set(mac, `${node.name}'s ${nic}`);
    }
  });
  spec.nodes.forEach((node, i) => {
    const own = new Set(Object.values(node.nics));
    node.match.mac.forEach((mac, j) => {
      const seen = owner.get(mac);
      if (seen && !own.has(mac)) {
        issues.push({
          path: ["nodes", i, "match", "mac", j],
          message: `MAC ${mac} belongs to ${seen}; a node must be recognised by MACs of its own`,
        });
      }
    });
  });
  return issues;
};

const sameNicNames: Rule = (spec) => {
  const reference = nicNames(spec, 0);
  const refName = spec.nodes[0]?.name ?? "nodes[0]";
  return spec.nodes.slice(1).flatMap((node, k) => {
    const i = k + 1;
    const names = nicNames(spec, i);
    const missing = reference.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !reference.includes(n));
    return [
      ...(missing.length > 0
        ? [
            {
              path: ["nodes", i, "nics"],
              message: `missing NIC ${missing.join(", ")}: both nodes must define the same NIC names (${refName} has ${reference.join(", ")})`,
            },
          ]
        : []),
      ...extra.map((n) => ({
        path: ["nodes", i, "nics", n],
        message: `${refName} has no NIC named ${n}: both nodes must define the same NIC names (${reference.join(", ")})`,
      })),
    ];
  });
};

/** The NIC name must exist in every node's nics; reports once, naming the nodes that lack it. */
function nicReference(spec: ClusterSpec, path: PathKey[], nic: string): CrossIssue[] {
  const lacking = spec.nodes.filter((n) => !(nic in n.nics)).map((n) => n.name);
  if (lacking.length === 0) return [];
  return [
    {
      path,
      message: `expected a NIC defined in every node's nics (${nicNames(spec, 0).join(", ")}), got "${nic}", which ${lacking.join(" and ")} lack${lacking.length === 1 ? "s" : ""}`,
    },
  ];
}

const bondAndReplicationNics: Rule = (spec) => {
  const { bond, replication } = spec.network;
  const issues: CrossIssue[] = [];
  bond.slaves.forEach((slave, j) => {
    if (bond.slaves.indexOf(slave) < j) {
      issues.push({
        path: ["network", "bond", "slaves", j],
        message: `expected two different NICs, got ${slave} twice`,
      });
    } else issues.push(...nicReference(spec, ["network", "bond", "slaves", j], slave));
  });
  issues.push(...nicReference(spec, ["network", "replication", "nic"], replication.nic));
  if (bond.slaves.includes(replication.nic)) {
    issues.push({
      path: ["network", "replication", "nic"],
      message: `expected a NIC that is not a bond slave (the bond uses ${bond.slaves.join(", ")}), got "${replication.nic}"`,
    });
  }
  if (!bond.slaves.includes(bond.primary)) {
    issues.push({
      path: ["network", "bond", "primary"],
      message: `expected one of the bond slaves (${bond.slaves.join(", ")}), got "${bond.primary}"`,
    });
  }
  if (spec.nodes.some((n) => bond.name in n.nics)) {
    issues.push({
      path: ["network", "bond", "name"],
      message: `expected a name that is not one of the NICs, got "${bond.name}"`,
    });
  }
  return issues;
};

function hostAddressIssues(path: PathKey[], cidr: Cidr): CrossIssue[] {
  const problem = hostAddressProblem(cidr);
  return problem ? [{ path, message: `expected a host address in its subnet, but ${problem}` }] : [];
}

/** Both nodes' addresses on one link: host addresses, in the first node's subnet, with its prefix. */
function linkSubnetIssues(spec: ClusterSpec, key: "lan" | "repl", label: string): CrossIssue[] {
  const first = spec.nodes[0];
  if (!first) return [];
  const base = parseCidr(first[key]);
  return spec.nodes.flatMap((node, i) => {
    const c = parseCidr(node[key]);
    const path: PathKey[] = ["nodes", i, key];
    if (i > 0 && c.prefix !== base.prefix) {
      return [
        { path, message: `expected the prefix /${base.prefix} of ${first.name}'s ${key}, got /${c.prefix}` },
      ];
    }
    if (i > 0 && networkOf(c) !== networkOf(base)) {
      return [
        {
          path,
          message: `expected an address in ${first.name}'s ${label} subnet ${subnetText(base)}, got ${node[key]}`,
        },
      ];
    }
    return hostAddressIssues(path, c);
  });
}

const lanAddresses: Rule = (spec) => {
  const first = spec.nodes[0];
  if (first && !lanSubnet(spec)) {
    return [
      {
        path: ["nodes", 0, "lan"],
        message: `expected a prefix of /${LAN_PREFIX_MAX} or shorter (the LAN holds two nodes and the service IP), got ${first.lan}`,
      },
    ];
  }
  return linkSubnetIssues(spec, "lan", "LAN");
};

const replicationAddresses: Rule = (spec) => {
  const issues = linkSubnetIssues(spec, "repl", "replication");
  const lan = lanSubnet(spec);
  if (!lan) return issues;
  spec.nodes.forEach((node, i) => {
    const repl = parseCidr(node.repl);
    if (subnetsOverlap(repl, lan)) {
      issues.push({
        path: ["nodes", i, "repl"],
        message: `expected a subnet apart from the LAN ${subnetText(lan)}, got ${node.repl} (subnet ${subnetText(repl)})`,
      });
    }
  });
  return issues;
};

const serviceAddress: Rule = (spec) => {
  const lan = lanSubnet(spec);
  if (!lan) return [];
  const service = parseCidr(spec.service.ip);
  const path: PathKey[] = ["service", "ip"];
  if (service.prefix !== lan.prefix) {
    return [{ path, message: `expected the LAN's prefix /${lan.prefix}, got ${spec.service.ip}` }];
  }
  if (networkOf(service) !== networkOf(lan)) {
    return [
      { path, message: `expected an address in the LAN subnet ${subnetText(lan)}, got ${spec.service.ip}` },
    ];
  }
  return hostAddressIssues(path, service);
};

const uniqueAddresses: Rule = (spec) => {
  const owner = new Map<number, string>();
  const issues: CrossIssue[] = [];
  const claim = (path: PathKey[], text: string, what: string) => {
    const address = parseCidr(text).address;
    const seen = owner.get(address);
    if (seen) {
      issues.push({
        path,
        message: `${formatIpv4(address)} is already ${seen}; every node address and the service IP must differ`,
      });
    } else owner.set(address, what);
  };
  spec.nodes.forEach((n, i) => claim(["nodes", i, "lan"], n.lan, `${n.name}'s lan address`));
  spec.nodes.forEach((n, i) => claim(["nodes", i, "repl"], n.repl, `${n.name}'s repl address`));
  claim(["service", "ip"], spec.service.ip, "the service IP");
  const notOurs = (path: PathKey[], text: string | undefined, role: string) => {
    const seen = text === undefined ? undefined : owner.get(parseIpv4(text));
    if (seen) issues.push({ path, message: `expected another host as the ${role}, got ${text}, ${seen}` });
  };
  notOurs(["network", "gateway"], spec.network.gateway, "gateway");
  if (spec.heartbeat.ping !== spec.network.gateway)
    notOurs(["heartbeat", "ping"], spec.heartbeat.ping, "ping node");
  return issues;
};

const gatewayAndPingInLan: Rule = (spec) => {
  const lan = lanSubnet(spec);
  if (!lan) return [];
  const check = (path: PathKey[], text: string | undefined, role: string): CrossIssue[] => {
    if (text === undefined) return [];
    const address = parseIpv4(text);
    if (!subnetContains(lan, address)) {
      return [{ path, message: `expected the ${role} in the LAN subnet ${subnetText(lan)}, got ${text}` }];
    }
    return hostAddressIssues(path, { address, prefix: lan.prefix });
  };
  return [
    ...check(["network", "gateway"], spec.network.gateway, "gateway"),
    // A ping node left out defaults to the gateway, which was just checked.
    ...(spec.heartbeat.ping !== spec.network.gateway
      ? check(["heartbeat", "ping"], spec.heartbeat.ping, "ping node")
      : []),
  ];
};

const heartbeatTimings: Rule = (spec) => {
  const { keepalive, warntime, deadtime, initdead } = spec.heartbeat;
  const d = formatDuration;
  const issues: CrossIssue[] = [];
  // Heartbeat itself refuses to start unless deadtime is more than twice keepalive.
  if (deadtime <= 2 * keepalive) {
    issues.push({
      path: ["heartbeat", "deadtime"],
      message: `expected more than twice keepalive (${d(2 * keepalive)}), got ${d(deadtime)}`,
    });
  } else if (warntime <= keepalive || warntime >= deadtime) {
    issues.push({
      path: ["heartbeat", "warntime"],
      message: `expected more than keepalive (${d(keepalive)}) and less than deadtime (${d(deadtime)}), got ${d(warntime)}`,
    });
  }
  if (initdead < 2 * deadtime) {
    issues.push({
      path: ["heartbeat", "initdead"],
      message: `expected at least twice deadtime (${d(2 * deadtime)}), got ${d(initdead)}`,
    });
  }
  return issues;
};

const storageSizes: Rule = (spec) => {
  const issues: CrossIssue[] = [];
  const os = spec.storage.os_size;
  if (os < OS_SIZE_MIN || os > OS_SIZE_MAX) {
    issues.push({
      path: ["storage", "os_size"],
      message: `expected between ${formatSize(OS_SIZE_MIN)} and ${formatSize(OS_SIZE_MAX)}, got ${formatSize(os)}`,
    });
  }
  // Paths are canonical here: the schema refused '.', '..', '//' and a trailing '/'.
  const mount = spec.storage.data_mount;
  const system = systemDirUnder(mount);
  if (system !== undefined) {
    issues.push({
      path: ["storage", "data_mount"],
      message:
        system === mount
          ? `expected a directory of its own like /data, got ${mount}, which the system needs`
          : `expected a directory of its own like /data, got ${mount}, which lies in ${system}, where the system keeps its own files`,
    });
  }
  return issues;
};

const diskSelectors: Rule = (spec) =>
  spec.nodes.flatMap((node, i) => {
    const disk = node.disk;
    const issues: CrossIssue[] = [];
    if (Object.values(disk).every((v) => v === undefined)) {
      issues.push({
        path: ["nodes", i, "disk"],
        message:
          "expected at least one of serial, by_id, model, path, min_size, max_size; an empty selector would match any disk",
      });
    }
    if (disk.min_size !== undefined && disk.max_size !== undefined && disk.min_size > disk.max_size) {
      issues.push({
        path: ["nodes", i, "disk", "max_size"],
        message: `expected at least min_size (${formatSize(disk.min_size)}), got ${formatSize(disk.max_size)}`,
      });
    }
    return issues;
  });

const exports: Rule = (spec) => {
  const mount = spec.storage.data_mount;
  const state = nfsStateDirOf(mount);
  const issues: CrossIssue[] = [];
  const paths = new Map<string, number>();
  const fsids = new Map<number, number>();
  spec.nfs.exports.forEach((e, i) => {
    const path = e.path;
    if (isWithin(path, state)) {
      issues.push({
        path: ["nfs", "exports", i, "path"],
        message: `expected a directory outside ${state}, where the NFS server keeps its state (locks, client records), got ${e.path}`,
      });
    } else if (path === mount) {
      issues.push({
        path: ["nfs", "exports", i, "path"],
        message: `expected a directory under storage.data_mount (${mount}), not the mount point itself, got ${e.path}`,
      });
    } else if (!isWithin(path, mount)) {
      issues.push({
        path: ["nfs", "exports", i, "path"],
        message: `expected a directory under storage.data_mount (${mount}), got ${e.path}`,
      });
    }
    const samePath = paths.get(path);
    if (samePath !== undefined) {
      issues.push({
        path: ["nfs", "exports", i, "path"],
        message: `${path} is already exported by nfs.exports[${samePath}]; every export needs its own path`,
      });
    } else paths.set(path, i);
    const sameFsid = fsids.get(e.fsid);
    if (sameFsid !== undefined) {
      issues.push({
        path: ["nfs", "exports", i, "fsid"],
        message: `fsid ${e.fsid} is already used by nfs.exports[${sameFsid}]; every export needs its own fsid`,
      });
    } else fsids.set(e.fsid, i);
  });
  return issues;
};

const portsApart: Rule = (spec) =>
  spec.drbd.port === spec.heartbeat.udpport
    ? [
        {
          path: ["drbd", "port"],
          message: `expected a port other than heartbeat.udpport (${spec.heartbeat.udpport}), got ${spec.drbd.port}`,
        },
      ]
    : [];

const RULES: Rule[] = [
  uniqueNodeNames,
  clusterNameDiffers,
  uniqueMacs,
  sameNicNames,
  bondAndReplicationNics,
  lanAddresses,
  replicationAddresses,
  serviceAddress,
  uniqueAddresses,
  gatewayAndPingInLan,
  heartbeatTimings,
  storageSizes,
  diskSelectors,
  exports,
  portsApart,
  fencingIssues,
];

/** Every cross-field problem of a spec that already passed the schema; empty when it is consistent. */
export function crossCheck(spec: ClusterSpec): CrossIssue[] {
  return RULES.flatMap((rule) => rule(spec));
}
