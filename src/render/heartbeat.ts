// Heartbeat v1 (haresources mode, `crm off`): heartbeat 3.0.6 on bookworm cannot drive Pacemaker any more.
// All four files are identical on both nodes: ha.cf lists both peers per path (heartbeat ignores its own
// address), and haresources names the preferred node, which is the same fact on both sides.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import type { RenderFamily, RenderedFile } from "./types.js";
import {
  heartbeatTime,
  hostPart,
  nfsStateDir,
  prefixPart,
  requireSecret,
  RESOURCE_DIR,
} from "./ha-common.js";
import { statusArm } from "./ha-common.js";
import { renderTickle, TICKLE_NAME } from "./tickle.js";
import { DEFAULT_MONITOR, MONITOR_NAME, renderMonitor, type MonitorBounds } from "./monitor.js";
import { haCfStonithLines } from "./stonith.js";

/** Since 1:3.0.6-13 the helpers live here; the 2005 path /usr/lib/heartbeat makes heartbeat refuse to start. */
export const HB_LIBEXEC = "/usr/libexec/heartbeat";
export const NFS_STATE_TARGET = "/var/lib/nfs";

export function renderHaCf(spec: ClusterSpec): RenderedFile {
  const hb = spec.heartbeat;
  const bond = spec.network.bond.name;
  const repl = spec.network.replication.nic;
  const lines = [
    "# Written by pairboot; identical on both nodes.",
    "logfacility local0",
    // udpport must precede the media lines.
    `udpport ${hb.udpport}`,
    `keepalive ${heartbeatTime(hb.keepalive)}`,
    `warntime ${heartbeatTime(hb.warntime)}`,
    `deadtime ${heartbeatTime(hb.deadtime)}`,
    `initdead ${heartbeatTime(hb.initdead)}`,
    "# Two independent paths: one alone turns a cut cable into split brain.",
    ...spec.nodes.map((n) => `ucast ${repl} ${hostPart(n.repl)}`),
    ...spec.nodes.map((n) => `ucast ${bond} ${hostPart(n.lan)}`),
    `auto_failback ${hb.auto_failback ? "on" : "off"}`,
    ...spec.nodes.map((n) => `node ${n.name}`),
  ];
  if (hb.ping !== undefined) {
    lines.push(
      "# ipfail moves the service away from the node that lost sight of the ping node.",
      `ping ${hb.ping}`,
      `respawn hacluster ${HB_LIBEXEC}/ipfail`,
      "apiauth ipfail gid=haclient uid=hacluster",
    );
  }
  lines.push(
    "# dopd outdates the peer's DRBD disk on request (DRBD fence-peer handler).",
    `respawn hacluster ${HB_LIBEXEC}/dopd`,
    "apiauth dopd gid=haclient uid=hacluster",
    ...haCfStonithLines(spec),
    "crm off",
  );
  return { path: "/etc/ha.d/ha.cf", content: lines.join("\n") + "\n", mode: 0o644 };
}

export function renderAuthkeys(spec: ClusterSpec): RenderedFile {
  const key = requireSecret(spec.heartbeat.authkey, "heartbeat.authkey");
  // heartbeat refuses to start unless this file is mode 0600.
  return { path: "/etc/ha.d/authkeys", content: `auth 1\n1 sha1 ${key}\n`, mode: 0o600, secret: true };
}

export const NFSD_NAME = "pairboot-nfsd";

/** The resource group in start order; heartbeat stops it right to left. */
export function resourceGroup(spec: ClusterSpec): string[] {
  const { device, resource } = spec.drbd;
  const { data_mount, data_fs } = spec.storage;
  const ip = spec.service.ip;
  return [
    `drbddisk::${resource}`,
    `Filesystem::${device}::${data_mount}::${data_fs}::noatime`,
    "nfsstate",
    NFSD_NAME,
    // After everything that serves: clients reach the service IP only while the exports exist.
    `IPaddr2::${hostPart(ip)}/${prefixPart(ip)}/${spec.network.bond.name}`,
    // Needs the IP: tickles the previous owner's clients, then records this node's. Stopped before the IP goes.
    TICKLE_NAME,
    // Last: watches the whole group while it runs here, and is stopped before any of it.
    MONITOR_NAME,
  ];
}

export function renderHaresources(spec: ClusterSpec): RenderedFile {
  const preferred = spec.nodes[0];
  if (!preferred) throw new Error("the answer file lists no nodes");
  return {
    path: "/etc/ha.d/haresources",
    content: `# Written by pairboot; identical on both nodes. First field: the preferred node.\n${preferred.name} ${resourceGroup(spec).join(" ")}\n`,
    mode: 0o644,
  };
}

/**
 * LSB-style v1 resource script that moves the NFS state (/var/lib/nfs) with the service by bind-mounting
 * it from the replicated filesystem. Heartbeat reboots the node when a stop fails and skips start when
 * status prints "running", so every action is idempotent and stop succeeds when already stopped.
 */
export function renderNfsState(spec: ClusterSpec): RenderedFile {
  const mount = spec.storage.data_mount;
  const state = nfsStateDir(spec);
  const vip = hostPart(spec.service.ip);
  const content = `#!/bin/sh
# nfsstate: heartbeat v1 resource script written by pairboot.
# start: bind-mount ${state} (on the replicated filesystem) over ${NFS_STATE_TARGET}
# stop: undo it (succeeds when already stopped); status: prints running or stopped.
MOUNT=${mount}
STATE=${state}
TARGET=${NFS_STATE_TARGET}
VIP=${vip}

same_dir() {
	[ -d "$1" ] && [ -d "$2" ] && [ "$(stat -c %d:%i "$1")" = "$(stat -c %d:%i "$2")" ]
}

# Only touch services when systemd runs this node (not in a chroot or a test namespace).
with_systemd() {
	[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

# statd and nfsdcld keep files open under $TARGET and are not stopped with nfs-server; stop them so the
# bind mount can change under them. nfs-server starts them again (its unit Wants them).
release_holders() {
	if with_systemd; then
		systemctl stop rpc-statd.service nfsdcld.service >/dev/null 2>&1 || true
	fi
}

# NFSv3 clients reclaim locks only after SM_NOTIFY from the service address, which comes up after this
# resource (the IP is last in haresources). Wait for it in the background and notify once it is there.
notify_clients_later() {
	with_systemd && command -v sm-notify >/dev/null 2>&1 || return 0
	(
		i=0
		while [ $i -lt 120 ]; do
			if ip -o addr show | grep -q " $VIP/"; then
				exec sm-notify -f -v "$VIP"
			fi
			i=$((i + 1))
			sleep 1
		done
	) </dev/null >/dev/null 2>&1 &
}

case "$1" in
start)
	if same_dir "$STATE" "$TARGET"; then
		exit 0
	fi
	if ! mountpoint -q "$MOUNT"; then
		echo "nfsstate: $MOUNT is not mounted; refusing to put NFS state on the root filesystem" >&2
		exit 1
	fi
	if [ ! -d "$STATE" ]; then
		# First takeover on a fresh filesystem: seed from the local state.
		mkdir -p "$STATE" && cp -a "$TARGET/." "$STATE/" || exit 1
	fi
	release_holders
	mount --bind "$STATE" "$TARGET" || exit 1
	notify_clients_later
	exit 0
	;;
stop)
	n=0
	while mountpoint -q "$TARGET" && [ $n -lt 5 ]; do
		release_holders
		# A lazy unmount never fails; the Filesystem resource then clears users of $MOUNT.
		umount "$TARGET" 2>/dev/null || umount -l "$TARGET" || true
		n=$((n + 1))
	done
	exit 0
	;;
${statusArm('same_dir "$STATE" "$TARGET"')}*)
	echo "usage: $0 {start|stop|status}" >&2
	exit 2
	;;
esac
`;
  return { path: `${RESOURCE_DIR}/nfsstate`, content, mode: 0o755 };
}

/**
 * The NFS server as a v1 resource: systemctl directly, not /etc/init.d/nfs-kernel-server, whose LSB wrapper
 * (sourcing /lib/lsb/init-functions and its hooks, then redirecting to systemctl) costs seconds of shell work
 * on a slow takeover and leans on SysV support systemd has deprecated. nfs-server.service stays disabled at
 * boot (src/render/nfs.ts); its unit pulls in mountd, statd and nfsdcld.
 */
export function renderNfsd(): RenderedFile {
  const content = `#!/bin/sh
# ${NFSD_NAME}: heartbeat v1 resource script written by pairboot: the NFS server, through systemd.
UNIT=nfs-server.service
case "$1" in
start) exec systemctl start "$UNIT" ;;
stop) exec systemctl stop "$UNIT" ;;
${statusArm('systemctl is-active --quiet "$UNIT"')}*)
	echo "usage: $0 {start|stop|status}" >&2
	exit 2
	;;
esac
`;
  return { path: `${RESOURCE_DIR}/${NFSD_NAME}`, content, mode: 0o755 };
}

/** The monitor for this group: its restore steps call the group's own resource scripts. */
export function renderGroupMonitor(spec: ClusterSpec, bounds: MonitorBounds = DEFAULT_MONITOR): RenderedFile {
  const group = resourceGroup(spec);
  const filesystem = group.find((r) => r.startsWith("Filesystem::"));
  if (!filesystem) throw new Error("the resource group has no Filesystem resource");
  return renderMonitor(spec, { filesystem, nfsstate: "nfsstate", nfsd: NFSD_NAME }, bounds);
}

export function render(spec: ClusterSpec, _node: NodeSpec): RenderFamily {
  return {
    files: [
      renderHaCf(spec),
      renderAuthkeys(spec),
      renderHaresources(spec),
      renderNfsState(spec),
      renderNfsd(),
      renderTickle(spec),
      renderGroupMonitor(spec),
    ],
    // pacemaker/corosync are not installed (heartbeat goes in without its Recommends), so nothing to disable.
    enable: ["heartbeat.service"],
  };
}
