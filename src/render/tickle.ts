// Clients resume at once after a takeover. A client learns that the service IP moved only when its own
// next TCP retransmission reaches the new owner, whose kernel has no socket for it and answers RST; with
// exponential back-off that is 6-23 s after the IP is up (../shared/research/turn2-anchors.md §3.1). So the
// active node records the service IP's established NFS connections on the replicated filesystem, and the
// node that takes over sends each of them tickle ACKs (resource-agents' tickle_tcp): the client answers
// with an ACK, the new owner RSTs it, and the client reconnects at once. portblock's tickle cannot be used
// with heartbeat v1 (its haresources wrapper passes no tickle_dir, and it saves connections only on a
// Pacemaker monitor), hence this resource script, placed right after IPaddr2 in haresources.
import type { ClusterSpec } from "../answer/schema.js";
import type { RenderedFile } from "./types.js";
import { daemonShell, hostPart, pairbootDataDir, RESOURCE_DIR } from "./ha-common.js";
import { statusArm } from "./ha-common.js";

export const TICKLE_NAME = "pairboot-tickle";
export const TICKLE_TCP = "/usr/libexec/heartbeat/tickle_tcp";
/** How often the active node compares its NFS connections with the record (written only when they change). */
export const RECORD_INTERVAL_S = 2;
/** Tickle ACKs per connection (tickle_tcp -n), as portblock and CTDB send. */
export const TICKLES = 3;

/**
 * The server ports whose client connections are recorded. NFSv4 uses 2049 only. NFSv3 also talks to
 * mountd (at mount time only, no long-lived connection), statd (SM_NOTIFY goes from the server to the
 * client) and lockd, whose port is chosen at random unless nfs.conf fixes it, so a record of it would name
 * a port the new owner does not use: NFSv3 lock requests reconnect by themselves after SM_NOTIFY.
 */
export const RECORDED_PORTS = [2049] as const;

/** The record of established connections, one `local_ip:port<TAB>remote_ip:port` line each (tickle_tcp's input). */
export function connectionRecord(spec: ClusterSpec): string {
  return `${pairbootDataDir(spec)}/connections`;
}

/** ss(8) filter for the recorded server ports. */
function portFilter(): string {
  return `( ${RECORDED_PORTS.map((p) => `sport = :${p}`).join(" or ")} )`;
}

export function renderTickle(spec: ClusterSpec): RenderedFile {
  const vip = hostPart(spec.service.ip);
  const record = connectionRecord(spec);
  const content = `#!/bin/sh
# ${TICKLE_NAME}: heartbeat v1 resource script written by pairboot. Placed after IPaddr2 in haresources.
# start: send tickle ACKs to every client connection recorded by the previous owner of ${vip}, then record
#        this node's established connections to ${vip} (ports ${RECORDED_PORTS.join(", ")}) every ${RECORD_INTERVAL_S} s
# stop: stop recording (the last record stays for the next owner); status: prints running or stopped.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VIP=${vip}
MOUNT=${spec.storage.data_mount}
RECORD=${record}
INTERVAL=${RECORD_INTERVAL_S}

${daemonShell(TICKLE_NAME)}

log() {
	logger -t ${TICKLE_NAME} -- "$*" 2>/dev/null || true
}

connections() {
	ss -Htn state established '${portFilter()}' src "$VIP" | awk '{ print $3 "\\t" $4 }' | sort
}

# Write-on-change, fsync, then rename: the peer reads either the old record or the new one, never a torn one.
# Never onto the root filesystem: without $MOUNT mounted the record would hide under it.
record() {
	mountpoint -q "$MOUNT" || return 1
	mkdir -p "$(dirname "$RECORD")" || return 1
	{ [ -z "$1" ] || printf '%s\n' "$1"; } | dd of="$RECORD.new" conv=fsync status=none &&
		mv -f "$RECORD.new" "$RECORD"
}

run() {
	echo $$ >"$PIDFILE"
	last=$(cat "$RECORD" 2>/dev/null)
	while :; do
		if now=$(connections) && [ "$now" != "$last" ]; then
			record "$now" && last=$now
		fi
		sleep "$INTERVAL"
	done
}

tickle() {
	[ -s "$RECORD" ] || return 0
	n=$(wc -l <"$RECORD")
	${TICKLE_TCP} -n ${TICKLES} <"$RECORD"
	log "sent ${TICKLES} tickle ACKs to each of the $n client connection(s) of $VIP recorded by the previous owner"
}

case "$1" in
start)
	daemon_running && exit 0
	tickle
	daemon_start || exit 1
	exit 0
	;;
stop)
	daemon_stop
	exit 0
	;;
${statusArm("daemon_running")}run)
	run
	;;
*)
	echo "usage: $0 {start|stop|status}" >&2
	exit 2
	;;
esac
`;
  return { path: `${RESOURCE_DIR}/${TICKLE_NAME}`, content, mode: 0o755 };
}
