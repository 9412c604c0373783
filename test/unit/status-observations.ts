// What `pairboot status` observes on a healthy active node-a of the seed cluster, built from the raw output
// of the tools (recorded samples or captures from the lab), so each test changes only what it is about.
import { readFileSync } from "node:fs";
import { parseBonding, parseChronyTracking, parseProcDrbd } from "../../src/status/parse.js";
import type { Observations } from "../../src/status/report.js";

export function activeNodeObservations(raw: {
  procDrbd: string;
  bonding: string;
  chronyTracking: string;
}): Observations {
  return {
    node: "node-a",
    peer: "node-b",
    drbd: { resource: "r0", minor: 0, state: parseProcDrbd(raw.procDrbd).resources[0] ?? null },
    heartbeat: { running: true, peerStatus: "active", resources: "local" },
    bond: { name: "bond0", slaves: ["lan0", "lan1"], state: parseBonding(raw.bonding) },
    nfs: {
      holdsServiceIp: true,
      serviceIp: "192.168.42.42",
      serverActive: true,
      dataMounted: true,
      dataMount: "/data",
    },
    time: parseChronyTracking(raw.chronyTracking),
  };
}

/** A recorded tool output from test/fixtures/status. */
export function statusFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/status/${name}`, import.meta.url), "utf8");
}

/** node-a serving, DRBD Connected UpToDate/UpToDate, both bond legs up, the clock synchronised. */
export function healthyActiveNode(): Observations {
  return activeNodeObservations({
    procDrbd: statusFixture("drbd-connected.txt"),
    bonding: statusFixture("bond-both-up.txt"),
    chronyTracking: statusFixture("chrony-synced.txt"),
  });
}
