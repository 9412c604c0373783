// The lab's reading of node logs (test/lab/logs.ts), on lines as the nodes wrote them.
import { describe, expect, it } from "vitest";
import { rejoinResync, takeoverSteps } from "../lab/logs.js";

// node A's kernel log on rejoin in the run whose resync was full (build/lab-full-run, 2026-11-25).
const FULL = `[  192.573948] block drbd0: resync bitmap: bits=654563 words=10228 pages=20
[  192.600196] block drbd0: 2557 MB (654563 bits) marked out-of-sync by on disk bit-map.
[  196.017996] block drbd0: drbd_sync_handshake:
[  196.020616] block drbd0: self 876CB72B06238E0C:0000000000000000:0000000000000000:0000000000000000 bits:654563 flags:0
[  196.021143] block drbd0: peer D2CDFEE61FA3CA37:876CB72B06238E0C:0000000000000000:0000000000000000 bits:944 flags:0
[  196.021692] block drbd0: uuid_compare()=-1 by rule 50
[  196.711164] block drbd0: Began resync as SyncTarget (will sync 2618252 KB [654563 bits set]).
`;

describe("lab: rejoin resync", () => {
  it("reads the device size, the node's own bitmap and the resync's size", () => {
    expect(rejoinResync(FULL)).toEqual({
      deviceBits: 654563,
      ownBits: 654563,
      syncBits: 654563,
      syncKiB: 2618252,
      splitBrain: false,
    });
  });

  it("reads a partial resync and a split brain", () => {
    const partial = FULL.replace("bits:654563 flags", "bits:3072 flags")
      .replace("2618252 KB [654563 bits set]", "15872 KB [3968 bits set]")
      .concat("[  200.1] block drbd0: Split-Brain detected but unresolved, dropping connection!\n");
    expect(rejoinResync(partial)).toMatchObject({ ownBits: 3072, syncBits: 3968, splitBrain: true });
  });

  it("leaves out what the log does not say", () => {
    expect(rejoinResync("")).toEqual({ splitBrain: false });
  });
});

describe("lab: takeover steps", () => {
  const journal = [
    "1795566000.100000 node-b heartbeat[1200]: info: something before the cut",
    "1795566006.200000 node-b heartbeat[1200]: WARN: node node-a: is dead",
    "1795566006.300000 node-b ResourceManager(default)[2001]: info: Running /etc/ha.d/resource.d/drbddisk r0 start",
    "1795566007.000000 node-b kernel: block drbd0: role( Secondary -> Primary ) ",
    "1795566007.100000 node-b ResourceManager(default)[2001]: info: Running /etc/ha.d/resource.d/Filesystem /dev/drbd0 /data ext4 noatime start",
    "1795566008.000000 node-b kernel: EXT4-fs (drbd0): mounted filesystem with ordered data mode. Quota mode: none.",
    "1795566008.500000 node-b ResourceManager(default)[2001]: info: Running /etc/ha.d/resource.d/nfsstate  start",
    "1795566009.000000 node-b ResourceManager(default)[2001]: info: Running /etc/init.d/nfs-kernel-server  start",
    "1795566010.000000 node-b kernel: NFSD: starting 90-second grace period (net f0000000)",
    "1795566011.000000 node-b ResourceManager(default)[2001]: info: Running /etc/ha.d/resource.d/IPaddr2 192.168.42.42/24/bond0 start",
    "1795566012.000000 node-b mach_down(default)[1999]: info: mach_down takeover complete for node node-a.",
  ].join("\n");

  it("lists each step once, in order, in seconds after the cut", () => {
    const steps = takeoverSteps(journal, 1795566001);
    expect(steps.map((s) => s.what)).toEqual([
      "heartbeat: node-a dead",
      "drbddisk start",
      "DRBD Primary",
      "Filesystem start",
      "/data mounted",
      "nfsstate start",
      "nfs-kernel-server start",
      "nfsd up (90 s grace)",
      "IPaddr2 start",
      "heartbeat: takeover complete",
    ]);
    expect(steps[0]?.at).toBeCloseTo(5.2, 5);
    expect(steps.at(-1)?.at).toBeCloseTo(11, 5);
  });
});
