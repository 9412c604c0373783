// First boot: brings the replicated storage up by itself, so no manual step follows the install.
// Two phases around drbd.service, because drbd.service cannot attach a disk that has no metadata yet, and
// Heartbeat must not start before the replicated filesystem exists:
//   prepare (before drbd.service): create DRBD metadata on a blank data partition, never over a filesystem;
//   seed    (after drbd.service, before heartbeat.service): on the preferred node, skip the initial full sync
//           when both sides are brand new, make the filesystem, seed the NFS state onto it and hand over to
//           Heartbeat; on the other node, wait until the preferred node has made the data UpToDate.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { nfsStateDir } from "./ha-common.js";
import type { RenderFamily } from "./types.js";

export const FIRSTBOOT_SCRIPT = "/usr/local/sbin/pairboot-firstboot";
const STATE_DIR = "/var/lib/pairboot";
const DATA_PARTITION = "/dev/disk/by-partlabel/pairboot-data";

// How long the preferred node waits for its peer before it goes ahead alone (a full sync follows later),
// and how long the other node waits for the preferred one to finish seeding.
const PEER_WAIT_SECONDS = 600;

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
PEER_WAIT=${PEER_WAIT_SECONDS}
EXPORT_DIRS=(${exportDirs})
EXPORT_OWNERS=(${exportOwners})

log() { echo "pairboot-firstboot: $*"; }

wait_for() { # wait_for SECONDS COMMAND...: poll every 2 s until COMMAND succeeds
  local until=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -ge "$until" ] && return 1
    sleep 2
  done
}

connected() { [ "$(drbdadm cstate "$RES" 2>/dev/null)" = Connected ]; }
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

seed_preferred() {
  drbdadm up "$RES" 2>/dev/null || true
  if wait_for "$PEER_WAIT" connected; then
    if [ -e "$STATE/drbd-md-created" ] && [ "$(drbdadm dstate "$RES")" = Inconsistent/Inconsistent ]; then
      # Both data partitions are brand new: nothing to copy, so mark them in sync.
      drbdadm new-current-uuid --clear-bitmap "$RES"
      log "both sides new: skipped the initial full sync"
    fi
  else
    log "peer did not connect within $PEER_WAIT s: going ahead alone, it will sync fully when it joins"
  fi
  if local_uptodate; then drbdadm primary "$RES"; else drbdadm primary --force "$RES"; fi
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

seed_other() {
  drbdadm up "$RES" 2>/dev/null || true
  if wait_for "$PEER_WAIT" local_uptodate; then
    log "data is UpToDate from $PREFERRED"
  else
    log "data not UpToDate after $PEER_WAIT s; Heartbeat starts anyway, check 'pairboot status'"
  fi
}

case "\${1:-}" in
  prepare)
    [ -e "$STATE/firstboot.done" ] && exit 0
    prepare
    ;;
  seed)
    [ -e "$STATE/firstboot.done" ] && exit 0
    if [ "$(uname -n)" = "$PREFERRED" ]; then seed_preferred; else seed_other; fi
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
TimeoutStartSec=${phase === "prepare" ? "5min" : "30min"}

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
