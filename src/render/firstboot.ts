// First boot: brings the replicated storage up by itself, so no manual step follows the install.
// Two phases around drbd.service, because drbd.service cannot attach a disk that has no metadata yet, and
// Heartbeat must not start before the replicated filesystem exists:
//   prepare (before drbd.service): create DRBD metadata on a blank data partition, never over a filesystem;
//   seed    (after drbd.service, before heartbeat.service): decide from DRBD's state what this node is
//           (firstboot-decision.ts: a new pair, a replacement, a rejoin, or still waiting for its peer) and
//           act on it: only the preferred node of a new pair makes the filesystem and seeds the NFS state;
//           every other case waits, as long as it takes, until this node's data is UpToDate, so Heartbeat
//           (ordered after this unit, TimeoutStartSec=infinity) never starts on data that is not.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { nfsStateDir } from "./ha-common.js";
import { decideShell } from "./firstboot-decision.js";
import type { RenderFamily } from "./types.js";

export const FIRSTBOOT_SCRIPT = "/usr/local/sbin/pairboot-firstboot";
const STATE_DIR = "/var/lib/pairboot";
const DATA_PARTITION = "/dev/disk/by-partlabel/pairboot-data";

// How often a waiting first boot says in the journal what it waits for.
const NOTE_SECONDS = 60;
/** The user's permission for a new preferred node to start without its peer (see firstboot-decision.ts). */
export const GO_ALONE_FILE = `${STATE_DIR}/go-alone`;
/** The current generation identifier DRBD 8.4's create-md writes: the disk holds nothing yet. */
export const DRBD_JUST_CREATED = "0000000000000004";

function script(spec: ClusterSpec): string {
  const preferred = spec.nodes[0]?.name ?? "";
  const mount = spec.storage.data_mount;
  const exportDirs = spec.nfs.exports.map((e) => `"${e.path}"`).join(" ");
  // all_squash maps every client to the anonymous user (anonuid/anongid, default 65534), who must own a new
  // export directory or no client can write to it.
  const exportOwners = spec.nfs.exports
    .map((e) => {
      if (!e.options.includes("all_squash")) return `""`;
      const opt = (k: string) => e.options.find((o) => o.startsWith(`${k}=`))?.split("=")[1] ?? "65534";
      return `"${opt("anonuid")}:${opt("anongid")}"`;
    })
    .join(" ");
  // No discard at mkfs: DRBD passes a discard through its activity log like a write, so discarding the whole
  // device puts every 4 MiB extent into the AL (1237 extents by default, 4.8 GiB). On a data partition
  // smaller than that nothing is ever evicted again, and after a crash of the primary applying the AL marks
  // the whole device out of sync: a full resync instead of a bitmap-based one. A brand-new DRBD device whose
  // bitmap was just cleared has nothing to discard anyway.
  const mkfs =
    spec.storage.data_fs === "xfs"
      ? "mkfs.xfs -q -K -L pairboot-data"
      : "mkfs.ext4 -q -E nodiscard -L pairboot-data";
  return `#!/bin/bash
# pairboot first boot: DRBD metadata, initial sync decision, replicated filesystem and NFS state.
# Written by pairboot; runs once (${STATE_DIR}/firstboot.done), logs to the journal.
set -euo pipefail

RES=${spec.drbd.resource}
DEV=${spec.drbd.device}
DATA=${DATA_PARTITION}
MNT=${mount}
NFS_STATE=${nfsStateDir(spec)}
PREFERRED=${preferred}
STATE=${STATE_DIR}
NOTE_EVERY=${NOTE_SECONDS}
GO_ALONE=${GO_ALONE_FILE}
JUST_CREATED=${DRBD_JUST_CREATED}
EXPORT_DIRS=(${exportDirs})
EXPORT_OWNERS=(${exportOwners})

log() { echo "pairboot-firstboot: $*"; }

${decideShell()}

wait_for() { # wait_for SECONDS COMMAND...: poll every 2 s until COMMAND succeeds
  local until=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -ge "$until" ] && return 1
    sleep 2
  done
}

local_uptodate() { [ "$(drbdadm dstate "$RES" 2>/dev/null | cut -d/ -f1)" = UpToDate ]; }

prepare() {
  mkdir -p "$STATE"
  if command -v udevadm >/dev/null; then udevadm settle --timeout=30 || true; fi
  if [ ! -b "$DATA" ]; then
    log "no data partition at $DATA"; exit 1
  fi
  if drbdadm dump-md "$RES" >/dev/null 2>&1; then
    log "DRBD metadata already present on $DATA"
    return 0
  fi
  # Only a blank partition gets fresh metadata: a filesystem here means someone's data.
  local sig
  sig=$(blkid -p -o value -s TYPE "$DATA" 2>/dev/null || true)
  if [ -n "$sig" ]; then
    log "refusing to create DRBD metadata: $DATA holds a $sig signature"; exit 1
  fi
  drbdadm create-md "$RES" </dev/null
  touch "$STATE/drbd-md-created"
  log "created DRBD metadata on $DATA"
}

# The facts the decision table reads (see decide above), printed as its five words.
facts() {
  local me=other link=down mine=data peer=unknown alone=wait cs ds gi
  [ "$(uname -n)" = "$PREFERRED" ] && me=preferred
  cs=$(drbdadm cstate "$RES" 2>/dev/null || true)
  case "$cs" in
    ""|StandAlone|Disconnecting|Unconnected|Timeout|BrokenPipe|NetworkFailure|ProtocolError|TearDown|WFConnection|WFReportParams) ;;
    *) link=up ;;
  esac
  gi=$(drbdadm get-gi "$RES" 2>/dev/null || true)
  [ "\${gi%%:*}" = "$JUST_CREATED" ] && mine=new
  ds=$(drbdadm dstate "$RES" 2>/dev/null || true)
  case "\${ds#*/}" in
    Inconsistent) peer=new ;;
    UpToDate|Consistent|Outdated) peer=data ;;
  esac
  [ -e "$GO_ALONE" ] && alone=alone
  echo "$me $link $mine $peer $alone"
}

# Waits as long as it takes (a full sync of a large disk takes hours): Heartbeat must not start first.
wait_uptodate() {
  local next=0
  until local_uptodate; do
    if [ "$(date +%s)" -ge "$next" ]; then
      log "waiting for UpToDate data: $(drbdadm cstate "$RES" 2>/dev/null) $(drbdadm dstate "$RES" 2>/dev/null) $(grep -o "sync'ed:[^(]*" /proc/drbd 2>/dev/null || true)"
      next=$(( $(date +%s) + NOTE_EVERY ))
    fi
    sleep 2
  done
  log "data is UpToDate"
}

seed_filesystem() {
  wait_for 30 test -b "$DEV"
  if [ -z "$(blkid -p -o value -s TYPE "$DEV" 2>/dev/null || true)" ]; then
    ${mkfs} "$DEV"
    log "made the replicated filesystem on $DEV"
  fi
  mkdir -p "$MNT"
  mount "$DEV" "$MNT"
  trap 'umount "$MNT" 2>/dev/null || true; drbdadm secondary "$RES" || true' EXIT
  if [ ! -d "$NFS_STATE" ]; then
    mkdir -p "$NFS_STATE"
    cp -a /var/lib/nfs/. "$NFS_STATE/"
    log "seeded NFS state into $NFS_STATE"
  fi
  local i dir
  for i in "\${!EXPORT_DIRS[@]}"; do
    dir=\${EXPORT_DIRS[$i]}
    [ -d "$dir" ] && continue
    mkdir -p "$dir"
    if [ -n "\${EXPORT_OWNERS[$i]}" ]; then chown "\${EXPORT_OWNERS[$i]}" "$dir"; fi
  done
  umount "$MNT"
  drbdadm secondary "$RES"
  trap - EXIT
}

seed() {
  drbdadm up "$RES" 2>/dev/null || true
  local me link mine peer alone decision next=0 waited=0 start
  start=$(date +%s)
  while :; do
    read -r me link mine peer alone <<<"$(facts)"
    decision=$(decide "$me" "$link" "$mine" "$peer" "$alone")
    [ "$decision" != wait-for-peer ] && break
    if [ "$(date +%s)" -ge "$next" ]; then
      waited=$(( $(date +%s) - start ))
      log "waiting for the peer (\${waited} s; facts: $me $link $mine $peer $alone); Heartbeat stays stopped. A new preferred node whose peer will not come goes ahead alone after: touch $GO_ALONE"
      next=$(( $(date +%s) + NOTE_EVERY ))
    fi
    sleep 2
  done
  log "decision: $decision (facts: $me $link $mine $peer $alone)"
  case "$decision" in
    seed-new-pair)
      if [ "$(drbdadm dstate "$RES")" = Inconsistent/Inconsistent ]; then
        # Both data partitions are brand new: nothing to copy, so mark them in sync.
        drbdadm new-current-uuid --clear-bitmap "$RES"
        log "both sides new: skipped the initial full sync"
      fi
      wait_uptodate
      drbdadm primary "$RES"
      seed_filesystem
      ;;
    seed-alone)
      log "peer did not connect and $GO_ALONE exists: going ahead alone, it will sync fully when it joins"
      drbdadm primary --force "$RES"
      seed_filesystem
      ;;
    follow-new-pair|join-replacement|rejoin)
      wait_uptodate
      ;;
  esac
}

case "\${1:-}" in
  prepare)
    [ -e "$STATE/firstboot.done" ] && exit 0
    prepare
    ;;
  seed)
    [ -e "$STATE/firstboot.done" ] && exit 0
    seed
    touch "$STATE/firstboot.done"
    log "first boot complete"
    ;;
  *)
    echo "usage: $0 prepare|seed" >&2
    exit 2
    ;;
esac
`;
}

function unit(phase: "prepare" | "seed"): string {
  const order =
    phase === "prepare"
      ? "After=local-fs.target systemd-udev-settle.service\nBefore=drbd.service heartbeat.service"
      : "After=drbd.service network-online.target\nWants=network-online.target\nBefore=heartbeat.service";
  const what =
    phase === "prepare"
      ? "create DRBD metadata on the blank data partition"
      : "seed the replicated filesystem before Heartbeat";
  return `[Unit]
Description=pairboot first boot: ${what}
ConditionPathExists=!${STATE_DIR}/firstboot.done
${order}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${FIRSTBOOT_SCRIPT} ${phase}
TimeoutStartSec=${phase === "prepare" ? "5min" : "infinity"}

[Install]
WantedBy=multi-user.target
`;
}

export function render(spec: ClusterSpec, _node: NodeSpec): RenderFamily {
  return {
    files: [
      { path: FIRSTBOOT_SCRIPT, content: script(spec), mode: 0o755 },
      {
        path: "/etc/systemd/system/pairboot-firstboot-prepare.service",
        content: unit("prepare"),
        mode: 0o644,
      },
      { path: "/etc/systemd/system/pairboot-firstboot-seed.service", content: unit("seed"), mode: 0o644 },
    ],
    enable: ["pairboot-firstboot-prepare.service", "pairboot-firstboot-seed.service"],
  };
}
