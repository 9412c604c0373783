// Small helpers shared by the HA renderers (drbd, heartbeat, nfs). Pure functions only.
import type { ClusterSpec } from "../answer/schema.js";
import { nfsStateDirOf } from "../answer/paths.js";

/** "192.168.42.1/24" -> "192.168.42.1" */
export function hostPart(cidr: string): string {
  const [ip] = cidr.split("/");
  return ip ?? cidr;
}

/** "192.168.42.1/24" -> "24" */
export function prefixPart(cidr: string): string {
  const prefix = cidr.split("/")[1];
  if (prefix === undefined) throw new Error(`expected an address with a prefix length, got '${cidr}'`);
  return prefix;
}

/**
 * A secret must come from the answer file. Rendering a built-in default would give every cluster the
 * same key, so a missing secret is an error that says how to get one.
 */
export function requireSecret(value: string | undefined, key: string): string {
  if (value === undefined || value === "") {
    throw new Error(
      `the answer file has no ${key}: secrets are generated once and written into the answer file ` +
        `(ensureSecrets) before rendering; pairboot never renders a default secret`,
    );
  }
  return value;
}

/**
 * Heartbeat's time syntax: a bare number is seconds, an "ms" suffix is milliseconds.
 * Whole seconds stay readable ("10"); anything else keeps its precision ("1500ms").
 */
export function heartbeatTime(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`a heartbeat time must be a positive whole number of ms, got ${ms}`);
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

/** The partition DRBD replicates: by GPT label, so the disk's kernel name (sda, vda, nvme0n1) never matters. */
export const DATA_PARTITION = "/dev/disk/by-partlabel/pairboot-data";

/** Where the replicated NFS state lives on the data filesystem (seeded from /var/lib/nfs at first boot). */
export function nfsStateDir(spec: ClusterSpec): string {
  return nfsStateDirOf(spec.storage.data_mount);
}

/** The replicated filesystem's directory for pairboot's own records (client connections). */
export function pairbootDataDir(spec: ClusterSpec): string {
  return `${spec.storage.data_mount.replace(/\/+$/, "")}/.pairboot`;
}

/** heartbeat v1 looks resource scripts up here first (then /etc/init.d). */
export const RESOURCE_DIR = "/etc/ha.d/resource.d";

/**
 * Shell functions for a heartbeat v1 resource script that runs its own loop in the background (`$0 run`)
 * while the resource group runs on this node: daemon_start, daemon_stop, daemon_running. heartbeat stops
 * the group right to left and reboots the node when a stop fails, so stop succeeds when nothing runs, and
 * start is a no-op when the loop already runs. The pid file holds the loop's pid; a pid is trusted only
 * while its command line still names this script (pids are reused).
 */
export function daemonShell(name: string): string {
  return `PIDFILE=/run/pairboot/${name}.pid

daemon_pid() {
	[ -r "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		tr '\\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "${name} run" && echo "$pid"
}

daemon_running() {
	daemon_pid >/dev/null
}

daemon_start() {
	daemon_running && return 0
	mkdir -p /run/pairboot
	rm -f "$PIDFILE"
	# setsid: the loop outlives heartbeat's ResourceManager, which waits for this script only.
	setsid "$0" run </dev/null >/dev/null 2>&1 &
	i=0
	while [ $i -lt 50 ]; do
		daemon_running && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

daemon_stop() {
	pid=$(daemon_pid) || { rm -f "$PIDFILE"; return 0; }
	kill "$pid" 2>/dev/null
	i=0
	while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	rm -f "$PIDFILE"
	return 0
}`;
}

/**
 * A v1 resource script's `status)` arm: heartbeat skips a start when status prints "running" (exit 0) and
 * treats "stopped" (exit 3) as not running here.
 */
export function statusArm(runningTest: string): string {
  return `status)
\tif ${runningTest}; then
\t\techo running
\t\texit 0
\tfi
\techo stopped
\texit 3
\t;;
`;
}
