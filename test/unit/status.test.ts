import { describe, expect, it } from "vitest";
import { parseBonding, parseChronyTracking, parseProcDrbd } from "../../src/status/parse.js";
import { evaluate, formatStatus, type Observations } from "../../src/status/report.js";
import { activeNodeObservations } from "./status-observations.js";
import { statusFixture } from "./status-observations.js";

const fixture = statusFixture;

function healthyActiveNode(): Observations {
  return activeNodeObservations({
    procDrbd: fixture("drbd-connected.txt"),
    bonding: fixture("bond-both-up.txt"),
    chronyTracking: fixture("chrony-synced.txt"),
  });
}

describe("reading the HA stack's own output", () => {
  it("reads a connected DRBD 8.4 resource from /proc/drbd", () => {
    const { version, resources } = parseProcDrbd(fixture("drbd-connected.txt"));
    expect(version).toBe("8.4.11");
    expect(resources).toEqual([
      expect.objectContaining({
        minor: 0,
        connection: "Connected",
        role: "Primary",
        peerRole: "Secondary",
        disk: "UpToDate",
        peerDisk: "UpToDate",
        syncPercent: null,
        outOfSyncKiB: 0,
      }),
    ]);
  });

  it("reads sync progress while a resync runs", () => {
    const [r] = parseProcDrbd(fixture("drbd-syncing.txt")).resources;
    expect(r).toMatchObject({
      connection: "SyncSource",
      peerDisk: "Inconsistent",
      syncPercent: 50.1,
      outOfSyncKiB: 131072,
    });
  });

  it("reads the active slave and each slave's link from /proc/net/bonding", () => {
    const bond = parseBonding(fixture("bond-lan0-down.txt"));
    expect(bond.mode).toBe("fault-tolerance (active-backup)");
    expect(bond.activeSlave).toBe("lan1");
    expect(bond.slaves).toEqual([
      { name: "lan0", miiStatus: "down", failures: 1 },
      { name: "lan1", miiStatus: "up", failures: 0 },
    ]);
  });

  it("reads chrony's tracking line", () => {
    expect(parseChronyTracking(fixture("chrony-synced.txt"))).toEqual({
      refName: "192.168.42.254",
      stratum: 3,
      offsetSeconds: -0.000012345,
      leap: "Normal",
    });
    expect(parseChronyTracking("")).toBeNull();
  });
});

describe("pairboot status verdicts", () => {
  it("reports every area OK on a healthy active node", () => {
    const lines = evaluate(healthyActiveNode());
    expect(lines.map((l) => [l.area, l.health])).toEqual([
      ["drbd", "ok"],
      ["heartbeat", "ok"],
      ["bond", "ok"],
      ["nfs", "ok"],
      ["time", "ok"],
    ]);
    expect(formatStatus("node-a", lines)).toMatch(
      /^pairboot status on node-a: OK\n\[ OK \] drbd {6}r0: Connected, Primary\/Secondary/,
    );
  });

  it("warns about a bond running on one NIC and names the dead one", () => {
    const o = healthyActiveNode();
    o.bond.state = parseBonding(fixture("bond-lan0-down.txt"));
    const bond = evaluate(o).find((l) => l.area === "bond");
    expect(bond).toEqual({
      area: "bond",
      health: "warn",
      summary: "bond0: lan0 down, running on lan1, active lan1",
    });
  });

  it("warns while DRBD resyncs and shows the progress", () => {
    const o = healthyActiveNode();
    o.drbd.state = parseProcDrbd(fixture("drbd-syncing.txt")).resources[0] ?? null;
    expect(evaluate(o)[0]).toMatchObject({
      health: "warn",
      summary: expect.stringContaining("SyncSource 50.1%"),
    });
  });

  it("warns when the peer is gone: the cluster runs without a standby", () => {
    const o = healthyActiveNode();
    o.drbd.state = parseProcDrbd(fixture("drbd-wfconnection.txt")).resources[0] ?? null;
    o.heartbeat.peerStatus = "dead";
    const [drbd, hb] = evaluate(o);
    expect(drbd).toMatchObject({ health: "warn", summary: expect.stringContaining("node-b not connected") });
    expect(hb).toMatchObject({ health: "warn", summary: expect.stringContaining("peer node-b is dead") });
  });

  it("fails an active node whose NFS server is down", () => {
    const o = healthyActiveNode();
    o.nfs.serverActive = false;
    expect(evaluate(o).find((l) => l.area === "nfs")?.health).toBe("fail");
    expect(formatStatus("node-a", evaluate(o))).toMatch(/: CRITICAL\n/);
  });

  it("flags a passive node that serves NFS behind Heartbeat's back", () => {
    const o = healthyActiveNode();
    o.nfs.holdsServiceIp = false;
    expect(evaluate(o).find((l) => l.area === "nfs")).toMatchObject({ health: "warn" });
  });

  it("warns when chrony runs on the node's own clock (orphan mode, as node-a did in a lab run)", () => {
    const o = healthyActiveNode();
    o.time = parseChronyTracking(fixture("chrony-local-reference.txt"));
    expect(evaluate(o).find((l) => l.area === "time")).toMatchObject({
      health: "warn",
      summary: expect.stringContaining("on its own clock"),
    });
  });

  it("warns when the clock is not synchronised", () => {
    const o = healthyActiveNode();
    o.time = parseChronyTracking(fixture("chrony-unsynced.txt"));
    expect(evaluate(o).find((l) => l.area === "time")).toMatchObject({
      health: "warn",
      summary: expect.stringContaining("not synchronised"),
    });
  });
});
