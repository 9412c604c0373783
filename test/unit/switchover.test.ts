// Planned moves of the service: when a switchover, a standby or a split-brain recovery is refused and
// why, which Heartbeat or DRBD command does the work on which node, and the pause figure from samples.
import { describe, expect, it } from "vitest";
import { parseProcDrbd } from "../../src/status/parse.js";
import type { Observations } from "../../src/status/report.js";
import { parseKernelDrbd, planResolve, type ResolveFacts } from "../../src/status/splitbrain.js";
import {
  describeMove,
  measurePause,
  planStandby,
  planSwitchover,
  targetServes,
  type RefusalCode,
  type Sample,
} from "../../src/status/switchover.js";
import { healthyActiveNode, statusFixture } from "./status-observations.js";

const fixture = statusFixture;

const activeA = healthyActiveNode;

function passiveB(): Observations {
  const o = activeA();
  o.node = "node-b";
  o.peer = "node-a";
  o.nfs = { ...o.nfs, holdsServiceIp: false, dataMounted: false, serverActive: false };
  o.heartbeat.resources = "none";
  o.serviceAnswers = true;
  if (o.drbd.state) o.drbd.state = { ...o.drbd.state, role: "Secondary", peerRole: "Primary" };
  return o;
}

const drbd = (line: string) =>
  parseProcDrbd(`version: 8.4.11 (api:1/proto:86-101)\n 0: ${line}\n    ns:0 oos:0\n`).resources[0] ?? null;

describe("pairboot switchover", () => {
  it("on the serving node, moves the service to the peer with hb_standby all", () => {
    expect(planSwitchover(activeA())).toEqual({
      ok: true,
      plan: {
        from: "node-a",
        to: "node-b",
        toLocal: false,
        command: { argv: ["/usr/share/heartbeat/hb_standby", "all"] },
      },
    });
  });

  it("on the passive node, refuses and names the node to run it on (hb_takeover's request has no handler in heartbeat 3.0.6)", () => {
    for (const to of [undefined, "node-b"]) {
      const d = planSwitchover(passiveB(), to);
      expect(d).toMatchObject({ ok: false, refusal: { code: "run-on-holder" } });
      if (!d.ok) expect(d.refusal.message).toMatch(/^run 'pairboot switchover' on node-a, which serves now/);
    }
  });

  const REFUSALS: [string, (o: Observations) => void, string | undefined, RefusalCode, string][] = [
    [
      "an unknown target",
      () => undefined,
      "node-c",
      "unknown-node",
      "--to node-c: this cluster's nodes are node-a and node-b",
    ],
    [
      "the target already serves",
      () => undefined,
      "node-a",
      "already-there",
      "node-a already serves 192.168.42.42",
    ],
    [
      "Heartbeat stopped here",
      (o) => (o.heartbeat.running = false),
      undefined,
      "heartbeat-down",
      "Heartbeat is not running on node-a",
    ],
    [
      "the peer's Heartbeat dead",
      (o) => (o.heartbeat.peerStatus = "dead"),
      undefined,
      "peer-heartbeat-down",
      "Heartbeat on node-b is dead",
    ],
    [
      "DRBD disconnected",
      (o) => (o.drbd.state = drbd("cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----")),
      undefined,
      "not-connected",
      "DRBD r0 is WFConnection, not Connected",
    ],
    [
      "a resync running",
      (o) => (o.drbd.state = drbd("cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----")),
      undefined,
      "not-connected",
      "DRBD r0 is SyncSource, not Connected",
    ],
    [
      "the peer's disk Outdated",
      (o) => (o.drbd.state = drbd("cs:Connected ro:Primary/Secondary ds:UpToDate/Outdated C r-----")),
      undefined,
      "not-uptodate",
      "DRBD r0 is UpToDate/Outdated, not UpToDate/UpToDate",
    ],
    [
      "a split brain",
      (o) => {
        o.drbd.state = parseProcDrbd(fixture("drbd-standalone-split-brain.txt")).resources[0] ?? null;
        o.drbd.kernel = parseKernelDrbd(fixture("kernel-split-brain-node-a.txt"), 0, "r0");
      },
      undefined,
      "split-brain",
      "DRBD r0 is in split brain",
    ],
    [
      "Heartbeat mid-move",
      (o) => (o.heartbeat.resources = "transition"),
      undefined,
      "in-transition",
      "moving resources right now",
    ],
  ];

  it.each(REFUSALS)("refuses %s, saying why", (_what, change, to, code, message) => {
    const o = activeA();
    change(o);
    const d = planSwitchover(o, to);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.refusal.code).toBe(code);
    expect(d.refusal.message).toContain(message);
  });

  it("measures the pause from the source's last answer to the target's first", () => {
    const s = (t: number, answers: boolean, local: boolean): Sample => ({ t, answers, local });
    // moving away from this node: local while it serves, then nothing, then the peer answers
    const samples = [
      s(0, true, true),
      s(120, true, true),
      s(230, false, true),
      s(340, false, false),
      s(2450, false, false),
      s(2560, true, false),
    ];
    expect(measurePause(samples, false)).toEqual({ lastSourceMs: 120, firstTargetMs: 2560, pauseMs: 2440 });
    // taking over onto this node
    const onto = [s(0, true, false), s(900, false, false), s(1800, true, true)];
    expect(measurePause(onto, true)).toEqual({ lastSourceMs: 0, firstTargetMs: 1800, pauseMs: 1800 });
    expect(measurePause([s(0, false, false)], true).pauseMs).toBeNull();
  });

  it("counts the target as serving only with the IP answering and, here, /data and nfsd up; there, nothing held here and DRBD's peer Primary", () => {
    const here = {
      answers: true,
      holdsServiceIp: true,
      dataMounted: true,
      nfsActive: true,
      resources: "all",
      peerRole: "Secondary",
    };
    expect(targetServes(here, true)).toBe(true);
    expect(targetServes({ ...here, nfsActive: false }, true)).toBe(false);
    const there = {
      answers: true,
      holdsServiceIp: false,
      dataMounted: false,
      nfsActive: false,
      resources: "none",
      peerRole: "Primary",
    };
    expect(targetServes(there, false)).toBe(true);
    expect(targetServes({ ...there, peerRole: "Secondary" }, false)).toBe(false);
    expect(targetServes({ ...there, answers: false }, false)).toBe(false);
  });

  it("reports the pause clients saw in its last line", () => {
    expect(
      describeMove("node-b", "192.168.42.42/24", {
        served: true,
        elapsedMs: 6300,
        pause: { lastSourceMs: 120, firstTargetMs: 2560, pauseMs: 2440 },
      }),
    ).toBe(
      "node-b serves 192.168.42.42/24 after 6.3 s; clients' pause 2.4 s (192.168.42.42/24 answered on the source until +0.1 s, on node-b from +2.6 s)",
    );
  });
});

describe("pairboot standby", () => {
  it("on the serving node: moves the service away first (with the switchover's checks)", () => {
    expect(planStandby(activeA())).toMatchObject({
      ok: true,
      plan: { already: false, move: { to: "node-b" } },
    });
    const o = activeA();
    o.heartbeat.peerStatus = "dead";
    expect(planStandby(o)).toMatchObject({ ok: false, refusal: { code: "peer-heartbeat-down" } });
  });

  it("on the passive node: only when the peer is seen serving; already in standby when Heartbeat is stopped", () => {
    expect(planStandby(passiveB())).toEqual({
      ok: true,
      plan: { peer: "node-a", already: false, move: null },
    });
    const nowhere = passiveB();
    nowhere.serviceAnswers = false;
    expect(planStandby(nowhere)).toMatchObject({ ok: false, refusal: { code: "service-nowhere" } });
    const stopped = passiveB();
    stopped.heartbeat.running = false;
    expect(planStandby(stopped)).toMatchObject({ ok: true, plan: { already: true } });
  });
});

describe("pairboot split-brain resolve", () => {
  const facts = (over: Partial<ResolveFacts> = {}): ResolveFacts => ({
    node: "node-b",
    peer: "node-a",
    resource: "r0",
    connection: "StandAlone",
    splitBrain: true,
    serving: false,
    ...over,
  });

  it("on the victim (already StandAlone, so no disconnect, which DRBD 8.4 refuses there): secondary, then connect --discard-my-data", () => {
    expect(planResolve(facts(), "node-b")).toEqual({
      ok: true,
      part: "victim",
      other: "node-a",
      commands: [
        { argv: ["drbdadm", "secondary", "r0"] },
        { argv: ["drbdadm", "connect", "--discard-my-data", "r0"] },
      ],
    });
  });

  it("on the survivor: drbdadm connect", () => {
    expect(planResolve(facts({ node: "node-a", peer: "node-b" }), "node-b")).toEqual({
      ok: true,
      part: "survivor",
      other: "node-b",
      commands: [{ argv: ["drbdadm", "connect", "r0"] }],
    });
  });

  it("refuses without a split brain, for an unknown node, and on a victim that serves", () => {
    expect(planResolve(facts({ connection: "Connected", splitBrain: false }), "node-b")).toMatchObject({
      ok: false,
      code: "no-split-brain",
      message: "there is no split brain on node-b: r0 is Connected",
    });
    expect(planResolve(facts({ splitBrain: false }), "node-b")).toMatchObject({
      ok: false,
      code: "no-split-brain",
    });
    expect(planResolve(facts(), "node-c")).toMatchObject({ ok: false, code: "unknown-node" });
    expect(planResolve(facts({ serving: true }), "node-b")).toMatchObject({
      ok: false,
      code: "victim-serving",
      message: expect.stringContaining("stop Heartbeat here first (systemctl stop heartbeat)"),
    });
  });
});
