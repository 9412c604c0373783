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
