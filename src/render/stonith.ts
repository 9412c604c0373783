// Fencing (STONITH) through the peer's BMC, for a cluster whose answer describes both nodes' BMCs.
//
// Heartbeat v1 reads the peer's BMC from one node-specific file (`stonith external/ipmi FILE` in ha.cf),
// so ha.cf stays identical on both nodes and holds no secret; the file is mode 0600 and is the only copy
// of the password on the node. cluster-glue's external/ipmi plugin gets the parameters in its environment
// (external.c setenv()s them), and the systemd drop-in makes it hand the password to ipmitool in
// IPMI_PASSWORD (-E) instead of -P on ipmitool's command line, where `ps` would show it to every user.
//
// DRBD: `fencing resource-and-stonith` freezes I/O on a Primary that loses its peer until the fence-peer
// handler answers. dopd's drbd-peer-outdater alone answers 5 ("peer unreachable") when both Heartbeat
// paths are cut, and DRBD 8.4 then marks the peer Outdated and resumes I/O (drbd_nl.c
// conn_try_outdate_peer): the Primary would acknowledge writes that are lost when the peer's Heartbeat
// fences it and takes over. So the handler first asks dopd (the peer is reachable: its disk is outdated,
// exit 3/4/6 as drbd-peer-outdater says), and only when the peer is unreachable resets it through its BMC
// (exit 7: DRBD resumes). When the reset fails it exits 1 and DRBD keeps I/O frozen: no acknowledged
// write is ever lost, at the price of a frozen service until the peer's BMC answers or an operator runs
// `drbdadm resume-io` (the same trade-off Heartbeat makes: no takeover without a confirmed reset).
// A node whose own disk is not UpToDate (it was itself reset and came back alone) never resets its peer:
// it cannot have the newest data, so promoting it would lose the peer's writes.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { fencingEnabled, peerOf } from "../answer/fencing.js";
import type { RenderFamily, RenderedFile } from "./types.js";
import { HB_LIBEXEC } from "./heartbeat.js";
import { MANAGED } from "./text.js";

/** The peer's BMC as the external/ipmi plugin's positional parameters; read by Heartbeat and the DRBD handler. */
export const FENCE_PEER_CFG = "/etc/ha.d/fence-peer.cfg";
export const FENCE_PEER_HANDLER = "/usr/local/lib/pairboot/fence-peer";
export const HEARTBEAT_DROPIN = "/etc/systemd/system/heartbeat.service.d/pairboot-fencing.conf";
export const STONITH_TYPE = "external/ipmi";
/**
 * The environment the plugin runs with: the password travels in ipmitool's environment, and the session
 * asks for the operator privilege (chassis power control) so the BMC user needs no administrator rights.
 */
export const STONITH_ENV = { passwd_method: "env", priv: "OPERATOR" } as const;

/** The positional parameters of external/ipmi: hostname ipaddr userid passwd interface. */
export function stonithParams(spec: ClusterSpec, node: NodeSpec): string | undefined {
  const peer = peerOf(spec, node);
  if (!fencingEnabled(spec) || !peer?.bmc) return undefined;
  const { address, user, password, interface: iface } = peer.bmc;
  if (password === undefined)
    throw new Error(
      `the answer file has no password for ${peer.name}'s BMC: it is generated into the answer file on first use (ensureSecrets) and never defaulted`,
    );
  return `${peer.name} ${address} ${user} ${password} ${iface}`;
}

/** ha.cf's fencing lines: the same on both nodes, the peer's details live in FENCE_PEER_CFG. */
export function haCfStonithLines(spec: ClusterSpec): string[] {
  if (!fencingEnabled(spec)) return [];
  return [
    "# Before taking over, reset the peer through its BMC (the peer's BMC is in the file, mode 0600).",
    `stonith ${STONITH_TYPE} ${FENCE_PEER_CFG}`,
  ];
}

/** DRBD's fencing policy and fence-peer handler, matched to whether Heartbeat can fence. */
export function drbdFencing(spec: ClusterSpec): { policy: string; handler: string; comment: string } {
  return fencingEnabled(spec)
    ? {
        policy: "resource-and-stonith",
        handler: FENCE_PEER_HANDLER,
        comment: "Heartbeat v1 with STONITH: outdate the peer through dopd, or reset it through its BMC.",
      }
    : {
        policy: "resource-only",
        handler: `${HB_LIBEXEC}/drbd-peer-outdater -t 5`,
        comment: "Heartbeat v1 fencing: ask the peer's dopd to outdate its disk before we promote.",
      };
}

function fencePeerCfg(spec: ClusterSpec, node: NodeSpec, params: string): RenderedFile {
  const peer = peerOf(spec, node)?.name ?? "the peer";
  const content = `# Written by pairboot for ${node.name}: how it resets ${peer} (${STONITH_TYPE}: hostname ipaddr userid passwd interface).\n${params}\n`;
  return { path: FENCE_PEER_CFG, content, mode: 0o600, secret: true };
}

function dropIn(): RenderedFile {
  const env = Object.entries(STONITH_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const content = `${MANAGED}
# cluster-glue's external/ipmi: the BMC password goes to ipmitool in its environment (IPMI_PASSWORD, -E),
# never on ipmitool's command line, and the session asks for the operator privilege only.
[Service]
Environment=${env}
`;
  return { path: HEARTBEAT_DROPIN, content, mode: 0o644 };
}

function handler(spec: ClusterSpec, node: NodeSpec): RenderedFile {
  const peer = peerOf(spec, node)?.name ?? "";
  const env = Object.entries(STONITH_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const content = `#!/bin/sh
# DRBD fence-peer handler written by pairboot (fencing resource-and-stonith under Heartbeat v1).
# Exit codes as DRBD 8.4 reads them: 3 peer inconsistent, 4 peer outdated, 6 peer primary (all from
# dopd), 7 peer reset through its BMC; anything else keeps I/O frozen.
RES=\${DRBD_RESOURCE:-${spec.drbd.resource}}
say() { logger -t pairboot-fence-peer -p daemon.warning "$*"; echo "pairboot-fence-peer: $*" >&2; }

${HB_LIBEXEC}/drbd-peer-outdater -t 5
rc=$?
case $rc in
3 | 4 | 6) exit $rc ;;
esac

# dopd could not reach ${peer} over any Heartbeat path.
disk=$(drbdadm dstate "$RES" 2>/dev/null | cut -d/ -f1)
if [ "$disk" != UpToDate ]; then
	say "$RES: ${peer} unreachable and this disk is $disk, not UpToDate: not resetting ${peer}"
	exit $rc
fi
say "$RES: ${peer} unreachable over every Heartbeat path: resetting it through its BMC"
if env ${env} stonith -t ${STONITH_TYPE} -F ${FENCE_PEER_CFG} -T reset ${peer}; then
	say "$RES: ${peer} was reset; resuming I/O"
	exit 7
fi
say "$RES: resetting ${peer} failed (its BMC does not answer?): I/O stays frozen until it answers or 'drbdadm resume-io $RES'"
exit 1
`;
  return { path: FENCE_PEER_HANDLER, content, mode: 0o755 };
}

export function render(spec: ClusterSpec, node: NodeSpec): RenderFamily {
  const params = stonithParams(spec, node);
  if (params === undefined) return { files: [] };
  return { files: [fencePeerCfg(spec, node, params), dropIn(), handler(spec, node)] };
}
