// `pairboot status` as a monitoring plugin: which state is a WARNING and which is CRITICAL, the exit code
// each level gives, and the one summary line a monitoring system shows.
import { describe, expect, it } from "vitest";
import { parseProcDrbd } from "../../src/status/parse.js";
import {
  evaluate,
  EXIT_CODE,
  formatReport,
  summaryLine,
  worstHealth,
  type Health,
  type Observations,
} from "../../src/status/report.js";
import { parseKernelDrbd } from "../../src/status/splitbrain.js";
import { healthyActiveNode, statusFixture } from "./status-observations.js";

const fixture = statusFixture;

const healthy = healthyActiveNode;

const drbd = (line: string) =>
  parseProcDrbd(`version: 8.4.11 (api:1/proto:86-101)\n 0: ${line}\n    ns:0 nr:0 oos:0\n`).resources[0] ??
  null;

// state -> [area, level]: the table the levels are decided by.
const TABLE: [string, (o: Observations) => void, string, Health][] = [
  ["healthy active node", () => undefined, "drbd", "ok"],
  [
    "peer disconnected (WFConnection)",
    (o) => (o.drbd.state = drbd("cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----")),
    "drbd",
    "warn",
  ],
  [
    "resync running (SyncSource)",
    (o) => (o.drbd.state = drbd("cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----")),
    "drbd",
    "warn",
  ],
  [
    "resync about to start (WFBitMapT)",
    (o) => (o.drbd.state = drbd("cs:WFBitMapT ro:Secondary/Primary ds:Outdated/UpToDate C r-----")),
    "drbd",
    "warn",
  ],
  [
    "degraded: Connected but the peer's disk Outdated",
    (o) => (o.drbd.state = drbd("cs:Connected ro:Primary/Secondary ds:UpToDate/Outdated C r-----")),
    "drbd",
    "warn",
  ],
  [
    "local disk detached (Diskless)",
    (o) => (o.drbd.state = drbd("cs:Connected ro:Primary/Secondary ds:Diskless/UpToDate C r-----")),
    "drbd",
    "fail",
  ],
  [
    "StandAlone without a split brain in the kernel log",
    (o) => (o.drbd.state = drbd("cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown r-----")),
    "drbd",
    "fail",
  ],
  [
    "split brain",
    (o) => {
      o.drbd.state = parseProcDrbd(fixture("drbd-standalone-split-brain.txt")).resources[0] ?? null;
      o.drbd.kernel = parseKernelDrbd(fixture("kernel-split-brain-node-a.txt"), 0, "r0");
    },
    "drbd",
    "fail",
  ],
  ["DRBD not configured", (o) => (o.drbd.state = null), "drbd", "fail"],
  ["heartbeat down on this node", (o) => (o.heartbeat.running = false), "heartbeat", "fail"],
  ["peer's heartbeat dead", (o) => (o.heartbeat.peerStatus = "dead"), "heartbeat", "warn"],
  [
    "service runs nowhere: passive node, the service IP does not answer",
    (o) => {
      o.nfs = { ...o.nfs, holdsServiceIp: false, serverActive: false, dataMounted: false };
      o.serviceAnswers = false;
    },
    "nfs",
    "fail",
  ],
  [
    "passive node, the peer serves",
    (o) => {
      o.nfs = { ...o.nfs, holdsServiceIp: false, serverActive: false, dataMounted: false };
      o.serviceAnswers = true;
    },
    "nfs",
    "ok",
  ],
  ["active node without nfsd", (o) => (o.nfs.serverActive = false), "nfs", "fail"],
];

describe("status levels (monitoring-plugin convention)", () => {
  it.each(TABLE)("%s: the check is %s -> %s", (_what, change, area, level) => {
    const o = healthy();
    change(o);
    const lines = evaluate(o);
    expect(lines.find((l) => l.area === area)?.health).toBe(level);
    expect(worstHealth(lines)).toBe(level);
  });

  it("maps the levels to the plugin exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN", () => {
    expect(EXIT_CODE).toEqual({ ok: 0, warn: 1, fail: 2, unknown: 3 });
  });

  it("ranks CRITICAL over WARNING over UNKNOWN over OK for the overall level", () => {
    const l = (health: Health) => ({ area: "x", health, summary: "" });
    expect(worstHealth([l("ok"), l("unknown")])).toBe("unknown");
    expect(worstHealth([l("unknown"), l("warn")])).toBe("warn");
    expect(worstHealth([l("warn"), l("fail"), l("unknown")])).toBe("fail");
  });

  it("prints one summary line first: OK with the node's role, DRBD and the peer", () => {
    const o = healthy();
    const out = formatReport(o, evaluate(o));
    expect(out.split("\n")[0]).toBe(
      "PAIRBOOT OK - node-a active, DRBD Connected UpToDate/UpToDate, peer node-b active",
    );
    expect(out.split("\n")[1]).toBe("pairboot status on node-a: OK");
  });

  it("puts the worst problem first in the summary line", () => {
    const o = healthy();
    o.heartbeat.peerStatus = "dead";
    o.nfs.serverActive = false;
    expect(summaryLine(o, evaluate(o))).toBe(
      "PAIRBOOT CRITICAL - node-a active, nfs: active node but nfs-server is not running; heartbeat: peer node-b is dead: no failover possible; resources: local",
    );
  });
});
