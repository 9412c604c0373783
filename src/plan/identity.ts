// What makes a node itself rather than a copy: per-machine state that a copied root carries from the
// machine it was made on. Node A's install (a copy of the live image) and node B's clone (a copy of node A)
// both clear the same list, so a file found on one path is never forgotten on the other.
import type { RenderedFile } from "../render/types.js";

/** Per-machine state removed from a copied root (a trailing * matches any suffix in that directory). */
export const IDENTITY_REMOVALS: { path: string; why: string }[] = [
  { path: "/var/lib/dbus/machine-id", why: "systemd re-adopts the old machine ID from it" },
  { path: "/var/lib/systemd/random-seed", why: "both nodes would start from the same entropy" },
  { path: "/var/lib/systemd/credential.secret", why: "the old machine's key for systemd credentials" },
  { path: "/var/lib/heartbeat/hb_uuid", why: "heartbeat's node UUID, regenerated at first start" },
  { path: "/var/lib/heartbeat/hostcache", why: "heartbeat's node-to-UUID map" },
  { path: "/var/lib/heartbeat/delhostcache", why: "heartbeat's deleted-node map" },
  { path: "/var/lib/heartbeat/hb_generation", why: "heartbeat's generation counter" },
  { path: "/var/lib/drbd/node_id", why: "drbd-utils' per-machine id" },
  { path: "/etc/ssh/ssh_host_*", why: "the old machine's SSH host keys; new ones are generated" },
  { path: "/etc/systemd/network/10-pairboot-*", why: "NIC names pinned to the old machine's MACs" },
];

/**
 * machine-id(5): an empty file makes systemd generate and save a fresh ID on the first boot. Not
 * "uninitialized": that marks a first boot, and systemd then applies the preset policy to every unit,
 * which re-enabled nfs-server and heartbeat's siblings and enabled systemd-networkd (seen in the VM harness).
 */
export const MACHINE_ID: RenderedFile = { path: "/etc/machine-id", content: "", mode: 0o444 };
