// `pairboot status` parsers on output captured from the lab's VMs (npm run lab copies build/lab/captures):
// the real /proc/drbd of the DRBD 8.4.11 module, /proc/net/bonding/bond0 with both legs up and with lan0
// pulled, and chronyc -c tracking synchronised to the lab's time server.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBonding, parseChronyTracking, parseProcDrbd } from "../../src/status/parse.js";
import { evaluate } from "../../src/status/report.js";
import { activeNodeObservations } from "./status-observations.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/status/lab-${name}`, import.meta.url), "utf8");

describe("status parsers on captures from the lab's VMs", () => {
  it("reads node A's /proc/drbd: Connected Primary, UpToDate on both sides, nothing out of sync", () => {
    const { version, resources } = parseProcDrbd(fixture("node-a-proc-drbd.txt"));
    expect(version).toBe("8.4.11");
    expect(resources).toEqual([
      expect.objectContaining({
        minor: 0,
        connection: "Connected",
        role: "Primary",
        peerRole: "Secondary",
        disk: "UpToDate",
        peerDisk: "UpToDate",
        outOfSyncKiB: 0,
      }),
    ]);
  });

  it("reads node B's /proc/drbd as the Secondary", () => {
    const r = parseProcDrbd(fixture("node-b-proc-drbd.txt")).resources[0];
    expect(r).toMatchObject({
      connection: "Connected",
      role: "Secondary",
      peerRole: "Primary",
      disk: "UpToDate",
    });
  });

  it("reads the bond with both legs up, and with lan0 pulled (set_link off)", () => {
    const up = parseBonding(fixture("node-a-bonding.txt"));
    expect(up.mode).toBe("fault-tolerance (active-backup)");
    expect(up.activeSlave).toBe("lan0");
    expect(up.slaves.map((s) => [s.name, s.miiStatus])).toEqual([
      ["lan0", "up"],
      ["lan1", "up"],
    ]);
    const pulled = parseBonding(fixture("node-a-bonding-lan0-pulled.txt"));
    expect(pulled.activeSlave).toBe("lan1");
    expect(pulled.slaves.find((s) => s.name === "lan0")?.miiStatus).toBe("down");
    expect(pulled.slaves.find((s) => s.name === "lan0")?.failures).toBeGreaterThan(0);
  });

  it("reads chronyc -c tracking synchronised to the lab's time server", () => {
    const t = parseChronyTracking(fixture("node-a-chronyc-tracking.txt"));
    expect(t).not.toBeNull();
    expect(t?.refName).toBe("192.168.42.254");
    expect(t?.leap).toBe("Normal");
    expect(Math.abs(t?.offsetSeconds ?? 1)).toBeLessThan(0.05);
  });

  it("judges the captured active node healthy", () => {
    const o = activeNodeObservations({
      procDrbd: fixture("node-a-proc-drbd.txt"),
      bonding: fixture("node-a-bonding.txt"),
      chronyTracking: fixture("node-a-chronyc-tracking.txt"),
    });
    expect(evaluate(o).every((l) => l.health === "ok")).toBe(true);
  });
});
