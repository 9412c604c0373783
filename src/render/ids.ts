// Filesystem ids the installer creates and /etc/fstab names, derived purely from the answer file so that
// rendering and formatting agree without passing state around.
//
// Choice: the ids are CLUSTER-WIDE, the same on node A and node B. Clone copies A's OS filesystem onto B
// block by block and keeps its UUID; B's fstab (rendered for B) and the grub.cfg copied from A then stay
// valid without touching the filesystem. Two disks with equal ids never meet in one running machine here
// (each node boots its own disk; the live stick has its own ids).
//
// Only the cluster name goes into the hash: any other field of the answer file may change between renders
// (a new DNS server, a renamed node) without making fstab point at a filesystem that does not exist. Renaming
// the cluster itself changes the ids, which is a re-install, not an edit.
//
// The optional node argument is accepted so callers can pass what they have; it is deliberately unused.
import { createHash } from "node:crypto";
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";

function digest(spec: ClusterSpec, purpose: string): Buffer {
  return createHash("sha256").update(`pairboot\0${spec.cluster.name}\0${purpose}`).digest();
}

/**
 * The ext4 UUID of the OS filesystem (`mkfs.ext4 -U`), formatted as an RFC 9562 version 8 ("custom")
 * UUID: 122 bits of the hash with the version and variant bits set, so tools that inspect them are happy.
 */
export function osFsUuid(spec: ClusterSpec, _node?: NodeSpec): string {
  const b = Buffer.from(digest(spec, "os").subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The FAT volume id of the EFI system partition as 8 lower-case hex digits (`mkfs.vfat -i`). */
export function espVolumeId(spec: ClusterSpec, _node?: NodeSpec): string {
  return digest(spec, "esp").subarray(0, 4).toString("hex");
}

/** How blkid and /dev/disk/by-uuid spell a FAT volume id, and so how fstab must name it: "ABCD-1234". */
export function espFstabUuid(spec: ClusterSpec, _node?: NodeSpec): string {
  const id = espVolumeId(spec).toUpperCase();
  return `${id.slice(0, 4)}-${id.slice(4)}`;
}
