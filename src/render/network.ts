// Network configuration for ifupdown + ifenslave on Debian 12: one bond over the two LAN NICs carrying
// the node's LAN address (and later the service IP), and the replication NIC on its own. NIC names are
// pinned to MACs with systemd .link files, so every file on both nodes can use the same names even when
// the two machines' hardware (and so their kernel's predictable names) differs.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { MANAGED, file, lines } from "./text.js";
import type { RenderFamily } from "./types.js";
import { parseCidr, subnetText } from "../answer/ipv4.js";

function bondStanza(spec: ClusterSpec, node: NodeSpec): string[] {
  const { bond, gateway, mtu, management } = spec.network;
  return [
    `auto ${bond.name}`,
    `iface ${bond.name} inet static`,
    `\taddress ${node.lan}`,
    ...(gateway ? [`\tgateway ${gateway}`] : []),
    // The slaves get no stanzas of their own: ifenslave's hook creates the bond and enslaves them from
    // this stanza (the documented master-only form).
    `\tbond-slaves ${bond.slaves.join(" ")}`,
    `\tbond-mode ${bond.mode}`,
    `\tbond-miimon ${bond.miimon}`,
    // A preferred slave matters in active-backup. The kernel refuses `primary` outside active-backup,
    // balance-tlb and balance-alb, and in the two balancing modes a defaulted primary would only skew
    // the balance, so it is written for active-backup alone.
    ...(bond.mode === "active-backup" ? [`\tbond-primary ${bond.primary}`] : []),
    // network.mtu is one value for the whole node; the bond passes it on to its slaves.
    ...(mtu ? [`\tmtu ${mtu}`] : []),
    // The BMCs' management network (fencing): the peer's BMC is reached through this router.
    ...(management
      ? [
          `\tup ip route replace ${managementSubnet(management.subnet)} via ${management.gateway} dev ${bond.name}`,
          `\tdown ip route del ${managementSubnet(management.subnet)} via ${management.gateway} dev ${bond.name} || true`,
        ]
      : []),
  ];
}

/** "10.0.60.7/24" -> "10.0.60.0/24": the route names the network, whatever address the answer gave. */
function managementSubnet(cidr: string): string {
  return subnetText(parseCidr(cidr));
}

function replicationStanza(spec: ClusterSpec, node: NodeSpec): string[] {
  const nic = spec.network.replication.nic;
  const mtu = spec.network.mtu;
  // No gateway: the crossover link reaches exactly one machine, the peer.
  return [
    `auto ${nic}`,
    `iface ${nic} inet static`,
    `\taddress ${node.repl}`,
    ...(mtu ? [`\tmtu ${mtu}`] : []),
  ];
}

/**
 * /etc/network/interfaces. It has no `source /etc/network/interfaces.d/*` line: pairboot owns the
 * node's network, and a leftover snippet from the live system must not bring up an interface twice.
 */
export function interfaces(spec: ClusterSpec, node: NodeSpec): string {
  return lines(
    MANAGED,
    "",
    "auto lo",
    "iface lo inet loopback",
    "",
    bondStanza(spec, node),
    "",
    replicationStanza(spec, node),
  );
}

/**
 * One .link file per NIC. `Type=ether` keeps the match to physical Ethernet devices: a bond or VLAN that
 * takes over a slave's MAC must not be renamed to that slave's name.
 */
export function linkFile(name: string, mac: string): string {
  return lines(MANAGED, "[Match]", `MACAddress=${mac}`, "Type=ether", "", "[Link]", `Name=${name}`);
}

export function render(spec: ClusterSpec, node: NodeSpec): RenderFamily {
  const links = Object.entries(node.nics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, mac]) => file(`/etc/systemd/network/10-pairboot-${name}.link`, linkFile(name, mac)));
  return {
    files: [
      file("/etc/network/interfaces", interfaces(spec, node)),
      ...links,
      file("/etc/modules-load.d/pairboot.conf", lines(MANAGED, "bonding")),
    ],
    enable: ["networking.service"],
    // udev's initramfs hook copies /etc/systemd/network/*.link into the initramfs, where NICs are named
    // first; without a rebuild a clone would boot with node A's MAC-to-name pins.
    chrootCommands: ["update-initramfs -u -k all"],
  };
}
